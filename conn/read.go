package conn

import (
	"errors"
	"io"
	"os"
	"slices"
	"time"

	"github.com/rfc6455/ws/frame"
)

// The read path has three layers, one per function group:
//
//	bytes:   fill, readPayload    the connection, through rbuf or straight into the caller's slice
//	frames:  readNextFrame        header rules (frame.ParseHeaderInto, frame.Sequence); control frames handled here
//	message: takeFrame, readRaw   a message's payload across its frames, read limit
//	         readMsg              the transform seam (permessage-deflate), UTF-8, end of message
//
// All of them run with the reader token (rtok) held.

// directReadMin is the read size from which payload goes straight from the
// connection into the caller's slice instead of through rbuf.
const directReadMin = 4 << 10

// directMaskedMin is directReadMin for a masked payload. Unmasking touches
// every byte anyway, and maskCopy out of the read buffer costs no more
// than unmasking in place, while a buffered read brings the next frames
// in the same system call: pipelined 16 KiB messages measured 0.58 of a
// raw copy read through the buffer against 0.50 straight into p. From 32
// KiB on, reading straight into p wins again (64 KiB messages: 1309 MB/s
// against 858 through the buffer).
const directMaskedMin = 32 << 10

// ioError marks an error returned by the net.Conn, so fail sends nothing
// and reports 1006 (RFC 6455, Section 7.1.5).
type ioError struct{ err error }

func (e ioError) Error() string { return e.err.Error() }
func (e ioError) Unwrap() error { return e.err }

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// takeBig moves the unconsumed bytes into a pooled buffer of at least
// need bytes: bufSize from bufPool, up to bigReadSize from the 64 KiB
// pool (pool.go), larger ones allocated.
func (ep *Endpoint) takeBig(need int) {
	var b *[]byte
	switch {
	case need <= bufSize+headroom:
		b = getBuf()
	case need <= bigReadSize+headroom:
		b = getBigBuf()
	default:
		nb := make([]byte, need)
		b = &nb
	}
	n := copy(*b, ep.rbuf[ep.rpos:ep.rend])
	if ep.rpool != nil {
		putPooled(ep.rpool)
	}
	ep.rbuf, ep.rpool, ep.rpos, ep.rend = *b, b, 0, n
}

// dropBig returns the pooled read buffer, if any; the buffer must be empty.
func (ep *Endpoint) dropBig() {
	ep.rpos, ep.rend = 0, 0
	if ep.rpool != nil {
		putPooled(ep.rpool)
		ep.rpool = nil
		ep.rbuf = ep.rsmall[:]
	}
}

// fill reads at least one more byte into rbuf. An idle connection blocks
// here reading into rsmall; a read that fills rsmall moves to a pooled
// buffer, which goes back to the pool once drained by reads that no
// longer fill it.
func (ep *Endpoint) fill() error {
	switch {
	case ep.rpos == ep.rend:
		if ep.rfilled {
			ep.rpos, ep.rend = 0, 0
		} else {
			ep.dropBig()
		}
	case ep.rend == len(ep.rbuf):
		if ep.rpos > 0 {
			ep.rend = copy(ep.rbuf, ep.rbuf[ep.rpos:ep.rend])
			ep.rpos = 0
		} else {
			ep.takeBig(len(ep.rbuf) + 1)
		}
	}
	if ep.rpos == ep.rend {
		ep.ahead.Store(false)
		ep.flushBeforeRead() // nothing left to read: send coalesced replies first
	}
	for {
		var n int
		var err error
		if ep.keepalive == nil {
			n, err = ep.c.Read(ep.rbuf[ep.rend:]) // connRead's first case, one frame less deep
		} else {
			n, err = ep.connRead(ep.rbuf[ep.rend:])
		}
		ep.rfilled = ep.rend+n == len(ep.rbuf)
		ep.rend += n
		if ep.rfilled && len(ep.rbuf) < bigReadSize {
			// More is probably waiting: read it into a bigger buffer
			// (256 B, then 16 KiB, then 64 KiB), taken only because the
			// peer's bytes filled this one.
			ep.takeBig(len(ep.rbuf) + 1)
		}
		if n > 0 {
			return nil // an error comes back on the next read
		}
		if err != nil {
			return ioError{err}
		}
	}
}

// waitData reads from the connection if nothing is buffered, between
// messages. It is where an idle connection waits, and it is called
// straight from ReadMessage and NextReader rather than from under the
// frame parser (takeFrame, readNextFrame, fill would do the same read two
// frames deeper) for the sake of the goroutine's stack: a goroutine that
// waits here, started fresh for the connection, stays within the runtime's
// smallest stack (2 KiB) instead of growing to 4 KiB, most of an idle
// connection's memory (see docs/performance.md).
//
// The idle pump's timer is left armed: stopping it here and arming it
// again when the read ends spared a goroutine per new connection but cost
// 18 % of the handshake rate through net/http (wsload, 9 interleaved
// rounds), as two more timer operations per connection.
func (ep *Endpoint) waitData() error {
	if ep.rpos < ep.rend || ep.rpending {
		return nil
	}
	// An idle wait holds no pooled read buffer: it may be long. A peer
	// still streaming fills the small array at once, and the buffer grows
	// back (fill).
	ep.rfilled = false
	return ep.fill()
}

// connRead reads from the connection. With keepalive on, it keeps the
// signs of life keepalive judges the peer by (control.go): that bytes
// arrived, and since when a read has been waiting for them.
func (ep *Endpoint) connRead(p []byte) (int, error) {
	if ep.keepalive == nil {
		return ep.c.Read(p)
	}
	ep.readSince.Store(time.Now().UnixNano())
	n, err := ep.c.Read(p)
	ep.readSince.Store(0)
	if n > 0 {
		ep.heard.Add(1)
	}
	return n, err
}

// readPayload reads payload bytes of the current data frame into p,
// unmasked (RFC 6455, Section 5.3). It needs rremain > 0 and len(p) > 0.
// Bytes already buffered are copied and unmasked in one pass; with nothing
// buffered, a large read goes from the connection straight into p and is
// unmasked there, in place.
func (ep *Endpoint) readPayload(p []byte) (int, error) {
	if int64(len(p)) > ep.rremain {
		p = p[:ep.rremain]
	}
	if ep.rpos == ep.rend {
		if len(p) >= directReadMin && (!ep.rhdr.Masked || len(p) >= directMaskedMin) {
			return ep.readDirect(p)
		}
		if err := ep.fill(); err != nil {
			return 0, err
		}
	}
	src := ep.rbuf[ep.rpos:min(ep.rend, ep.rpos+len(p))]
	if ep.rhdr.Masked {
		ep.rmaskPos = maskCopy(p, src, ep.rhdr.MaskKey, ep.rmaskPos) & 3
	} else {
		copy(p, src)
	}
	n := len(src)
	ep.rpos += n
	ep.rremain -= int64(n)
	return n, nil
}

// readDirect reads payload from the connection into p, with no copy, and
// unmasks it in place. Nothing is buffered.
func (ep *Endpoint) readDirect(p []byte) (int, error) {
	ep.dropBig()
	ep.ahead.Store(false)
	ep.flushBeforeRead()
	n, err := ep.connRead(p)
	if n == 0 {
		if err == nil {
			return 0, nil
		}
		return 0, ioError{err}
	}
	ep.rremain -= int64(n)
	if ep.rhdr.Masked {
		ep.rmaskPos = maskCopy(p[:n], p[:n], ep.rhdr.MaskKey, ep.rmaskPos) & 3
	}
	return n, nil
}

// readNextFrame reads one frame header (needs rremain == 0 and !rpending).
// A control frame is read whole and handled; a data frame's header becomes
// rhdr with rpending set, for the message layer to take. A control frame is
// consumed only when all of it is buffered, so a timeout never leaves half
// of one behind.
func (ep *Endpoint) readNextFrame() error {
	for {
		var h frame.Header
		n, err := frame.ParseHeaderInto(&h, ep.rbuf[ep.rpos:ep.rend])
		if err == frame.ErrShortHeader ||
			(err == nil && h.Opcode.IsControl() && int64(ep.rend-ep.rpos-n) < h.PayloadLen) {
			if err := ep.fill(); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err // a frame.ProtocolError: reserved opcode, bad length, ...
		}
		ep.rpos += n
		// Masking, RSV and continuation rules (RFC 6455, Sections 5.1, 5.2, 5.4).
		if err := ep.seq.Next(h); err != nil {
			return err
		}
		// RSV1 only on the first frame of a compressed message (RFC 7692, Section 6.1).
		if err := ep.checkDeflateRSV(h); err != nil {
			return err
		}
		if h.Opcode.IsControl() {
			// The whole frame is buffered: unmask its payload in place
			// and hand it over; it stays valid until the next read.
			p := ep.rbuf[ep.rpos : ep.rpos+int(h.PayloadLen)]
			ep.rpos += len(p)
			if h.Masked {
				frame.Mask(h.MaskKey, p, 0)
			}
			return ep.handleControl(h.Opcode, p)
		}
		ep.rhdr, ep.rpending = h, true
		return nil
	}
}

// takeFrame makes the next data frame current, reading control frames on
// the way. If no message is in progress the frame starts one.
func (ep *Endpoint) takeFrame() error {
	for !ep.rpending {
		if err := ep.readNextFrame(); err != nil {
			return err
		}
	}
	h := ep.rhdr
	ep.rpending = false
	if h.Opcode != frame.OpContinuation {
		ep.rmsgActive = true
		ep.rmsgOp = h.Opcode
		ep.rmsgRSV = h.RSV()
		ep.rmsgSize = 0
		ep.rmsgLimit = ep.readLimit.Load() // SetReadLimit applies from the next message
		ep.utf8.Reset()
	}
	// The read limit bounds the message as sent, checked at each frame
	// header before any payload is read (RFC 6455, Section 10.4), and, for
	// a compressed message (RSV1, RFC 7692), also its inflated size, which
	// the inflater checks as it goes (RFC 7692, Section 8.1 leaves both to
	// us). A compressed message may be a little larger on the wire than
	// inflated (deflateWireSlack), never more.
	if limit := ep.rmsgLimit; limit > 0 {
		if ep.rmsgRSV&frame.RSV1 != 0 {
			limit += deflateWireSlack(limit)
		}
		if h.PayloadLen > limit-ep.rmsgSize {
			return frame.ErrMessageTooBig
		}
	}
	ep.rmsgSize += h.PayloadLen
	ep.rremain = h.PayloadLen
	ep.rmaskPos = 0
	ep.rmsgFinal = h.Fin
	return nil
}

// readRaw reads the current message's payload as it was sent (unmasked,
// across its frames). It returns io.EOF after the final frame's last byte.
// This is the input of a payload transform (permessage-deflate, RFC 7692).
func (ep *Endpoint) readRaw(p []byte) (int, error) {
	for {
		if ep.rremain > 0 {
			if len(p) == 0 {
				return 0, nil
			}
			return ep.readPayload(p)
		}
		if ep.rmsgFinal {
			return 0, io.EOF
		}
		if err := ep.takeFrame(); err != nil {
			return 0, err
		}
	}
}

// readMsg reads the current message's application data into p and checks
// it; io.EOF ends the message. Here a payload transform (permessage-deflate)
// would wrap readRaw for messages whose first frame had RSV1 (rmsgRSV);
// the UTF-8 check and the end of message then apply to its output.
func (ep *Endpoint) readMsg(p []byte) (int, error) {
	n, err := ep.readData(p) // readRaw, inflated if RSV1 (conn/deflate.go)
	if ep.rmsgOp == frame.OpText {
		// RFC 6455, Section 8.1: fail as soon as the text can no longer be
		// valid UTF-8, even mid-frame.
		if n > 0 && ep.utf8.Feed(p[:n]) >= 0 {
			return 0, frame.ErrInvalidUTF8
		}
		if err == io.EOF && !ep.utf8.Done() {
			return 0, frame.ErrInvalidUTF8
		}
	}
	if err == io.EOF {
		ep.rmsgActive = false
		if ep.rpos == ep.rend {
			// Between messages with nothing buffered, an Endpoint holds
			// no pooled buffer: the application may not read again for
			// a long time. A peer still streaming refills it (fill).
			ep.rfilled = false
			ep.dropBig()
		}
	}
	return n, err
}

// discardMessage reads and drops the rest of a message the application
// left unfinished, still checking it, through a pooled buffer.
func (ep *Endpoint) discardMessage() error {
	ep.rpart, ep.rpartStream = nil, false
	if !ep.rmsgActive {
		return nil
	}
	b := getBuf()
	defer putBuf(b)
	for ep.rmsgActive {
		if _, err := ep.readMsg((*b)[:bufSize]); err != nil && err != io.EOF {
			return err
		}
	}
	return nil
}

// acquireRead takes the reader token, interrupting a control pump (Ping
// waiting for its pong) that holds it. It reports false, without the
// token, once the connection is closed.
func (ep *Endpoint) acquireRead() bool {
	select {
	case ep.rtok <- struct{}{}:
		return true
	default:
	}
	ep.rwant.Add(1)
	defer ep.rwant.Add(-1)
	ep.interruptPump()
	select {
	case ep.rtok <- struct{}{}:
		return true
	case <-ep.done:
		return false
	}
}

// releaseRead gives the reader token back; a closed connection's pooled
// read buffer goes back to the pool first.
func (ep *Endpoint) releaseRead() {
	if ep.closeErr.Load() != nil && ep.rpool != nil {
		ep.rpos, ep.rend, ep.rfilled = 0, 0, false
		ep.dropBig()
	}
	<-ep.rtok
}

// readFailed turns an error of the read path into what the caller gets.
// A timeout leaves the connection usable; anything else fails it.
func (ep *Endpoint) readFailed(err error) error {
	if ce := ep.closeErr.Load(); ce != nil {
		return *ce
	}
	if isTimeout(err) {
		var ie ioError
		if errors.As(err, &ie) {
			return ie.err
		}
		return err
	}
	return ep.fail(err)
}

// NextReader waits for the next data message and returns its opcode
// (frame.OpText or frame.OpBinary) and a reader for its payload, which
// returns io.EOF at the end of the message. The message is streamed: it
// may span any number of fragments (RFC 6455, Section 5.4) and need not
// fit in memory. Text is checked as UTF-8 as it arrives (Section 8.1).
//
// A read deadline that passes while the reader is read returns a timeout
// error and leaves the message where it was: the next Read goes on from
// the next byte, compressed or not. The reader is valid until the next
// call to NextReader or ReadMessage, which discard whatever of the message
// is left unread. If ReadMessage timed out in the middle of a message,
// NextReader returns that message, from its first byte. Control frames
// that arrive between fragments are answered while the reader is read.
// After the connection closes, NextReader returns a CloseError.
func (ep *Endpoint) NextReader() (frame.Opcode, io.Reader, error) {
	if !ep.acquireRead() {
		return 0, nil, *ep.closeErr.Load()
	}
	defer ep.appReleaseRead()
	if ce := ep.closeErr.Load(); ce != nil {
		return 0, nil, *ce
	}
	if ep.rpart != nil && !ep.rpartStream {
		// The message ReadMessage was reading when its deadline passed:
		// the reader serves the part already read first.
		ep.rpartStream = true
		return ep.rmsgOp, &ep.mr, nil
	}
	if err := ep.discardMessage(); err != nil {
		return 0, nil, ep.readFailed(err)
	}
	if err := ep.waitData(); err != nil {
		return 0, nil, ep.readFailed(err)
	}
	if err := ep.takeFrame(); err != nil {
		return 0, nil, ep.readFailed(err)
	}
	return ep.rmsgOp, &ep.mr, nil
}

// ReadMessage reads the next whole data message and returns its opcode
// and payload, p = append(buf[:0], message...), so a caller that passes
// the previous p back reads without allocating once p is large enough.
// The message may be at most Options.ReadLimit bytes (over it the
// connection fails with 1009). After the connection closes, ReadMessage
// returns a CloseError.
//
// Memory grows with the bytes that arrive, not with the lengths frame
// headers announce: p at most doubles as payload comes in, so a peer that
// announces a large message and sends little of it costs little.
//
// If a read deadline passes in the middle of a message, ReadMessage
// returns the timeout error and an empty p, and keeps the part already
// read (a copy): the next ReadMessage (or NextReader) returns the whole
// message, as if no deadline had passed. Nothing is dropped.
func (ep *Endpoint) ReadMessage(buf []byte) (op frame.Opcode, p []byte, err error) {
	if !ep.acquireRead() {
		return 0, buf[:0], *ep.closeErr.Load()
	}
	defer ep.appReleaseRead()
	if ce := ep.closeErr.Load(); ce != nil {
		return 0, buf[:0], *ce
	}
	p = buf[:0]
	if ep.rpart != nil && !ep.rpartStream {
		p = append(p, ep.rpart...)
		ep.rpart = nil
	} else {
		if err := ep.discardMessage(); err != nil {
			return 0, buf[:0], ep.readFailed(err)
		}
		if err := ep.waitData(); err != nil {
			return 0, buf[:0], ep.readFailed(err)
		}
		if err := ep.takeFrame(); err != nil {
			return 0, buf[:0], ep.readFailed(err)
		}
	}
	for {
		if len(p) == cap(p) {
			p = slices.Grow(p, ep.growBy(len(p)))
		}
		n, err := ep.readMsg(p[len(p):cap(p)])
		p = p[:len(p)+n]
		if err == io.EOF {
			return ep.rmsgOp, p, nil
		}
		if err != nil {
			if isTimeout(err) && ep.rmsgActive && ep.closeErr.Load() == nil {
				// Keep what was read; the connection is where it stopped.
				ep.rpart, ep.rpartStream = append(make([]byte, 0, len(p)), p...), false
			}
			return ep.rmsgOp, buf[:0], ep.readFailed(err)
		}
	}
}

// growBy returns how much ReadMessage's buffer, full at n bytes, may grow:
// it doubles (from 512 bytes), so its size stays within twice the bytes
// received, whatever a frame header announced; it grows at once by what is
// already buffered, and never past the rest of an uncompressed frame or a
// compressed message's limit.
func (ep *Endpoint) growBy(n int) int {
	grow := max(int64(n), 512, int64(ep.rend-ep.rpos))
	if ep.rmsgRSV&frame.RSV1 == 0 {
		if ep.rremain > 0 {
			grow = min(grow, ep.rremain)
		}
	} else if ep.rmsgLimit > 0 {
		// The inflater stops one byte past the limit.
		grow = min(grow, max(ep.rmsgLimit+1-int64(n), 1))
	}
	return int(grow)
}

// messageReader is the io.Reader NextReader returns; there is one per
// Endpoint, reused for every message, so streaming allocates nothing.
type messageReader struct{ ep *Endpoint }

// Read reads message payload; see NextReader.
func (mr *messageReader) Read(p []byte) (int, error) {
	ep := mr.ep
	if !ep.acquireRead() {
		return 0, *ep.closeErr.Load()
	}
	defer ep.appReleaseRead()
	if ce := ep.closeErr.Load(); ce != nil {
		return 0, *ce
	}
	if ep.rpart != nil {
		n := copy(p, ep.rpart)
		if ep.rpart = ep.rpart[n:]; len(ep.rpart) == 0 {
			ep.rpart = nil
		}
		return n, nil
	}
	if !ep.rmsgActive {
		return 0, io.EOF
	}
	n, err := ep.readMsg(p)
	if err != nil && err != io.EOF {
		return 0, ep.readFailed(err)
	}
	return n, err
}
