package conn

import (
	"errors"
	"io"
	"os"
	"slices"

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

// ioError marks an error returned by the net.Conn, so fail sends nothing
// and reports 1006 (RFC 6455, Section 7.1.5).
type ioError struct{ err error }

func (e ioError) Error() string { return e.err.Error() }
func (e ioError) Unwrap() error { return e.err }

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// takeBig moves the unconsumed bytes into a pooled buffer of at least need bytes.
func (ep *Endpoint) takeBig(need int) {
	b := getBuf()
	if need > len(*b) {
		putBuf(b)
		nb := make([]byte, need)
		b = &nb
	}
	n := copy(*b, ep.rbuf[ep.rpos:ep.rend])
	if ep.rpool != nil {
		putBuf(ep.rpool)
	}
	ep.rbuf, ep.rpool, ep.rpos, ep.rend = *b, b, 0, n
}

// dropBig returns the pooled read buffer, if any; the buffer must be empty.
func (ep *Endpoint) dropBig() {
	ep.rpos, ep.rend = 0, 0
	if ep.rpool != nil {
		if len(*ep.rpool) == bufSize+headroom {
			putBuf(ep.rpool)
		}
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
			ep.takeBig(0)
		}
	}
	if ep.rpos == ep.rend {
		ep.ahead.Store(false)
		ep.flushBeforeRead() // nothing left to read: send coalesced replies first
	}
	for {
		n, err := ep.c.Read(ep.rbuf[ep.rend:])
		ep.rfilled = ep.rend+n == len(ep.rbuf)
		ep.rend += n
		if ep.rfilled && ep.rpool == nil {
			ep.takeBig(0) // more is probably waiting: read it into the bigger buffer
		}
		if n > 0 {
			return nil // an error comes back on the next read
		}
		if err != nil {
			return ioError{err}
		}
	}
}

// readPayload reads payload bytes of the current data frame into p and
// unmasks them in place. It needs rremain > 0 and len(p) > 0.
func (ep *Endpoint) readPayload(p []byte) (int, error) {
	if int64(len(p)) > ep.rremain {
		p = p[:ep.rremain]
	}
	var n int
	switch {
	case ep.rpos < ep.rend:
		n = copy(p, ep.rbuf[ep.rpos:ep.rend])
		ep.rpos += n
	case len(p) >= directReadMin:
		// Nothing buffered and a large read: from the connection into p,
		// with no copy.
		ep.dropBig()
		ep.ahead.Store(false)
		ep.flushBeforeRead()
		var err error
		n, err = ep.c.Read(p)
		if n == 0 {
			if err == nil {
				return 0, nil
			}
			return 0, ioError{err}
		}
	default:
		if err := ep.fill(); err != nil {
			return 0, err
		}
		n = copy(p, ep.rbuf[ep.rpos:ep.rend])
		ep.rpos += n
	}
	ep.rremain -= int64(n)
	if ep.rhdr.Masked {
		// RFC 6455, Section 5.3: unmask in place, once.
		if n >= maskBlock {
			// In place with the wider key block of maskCopy.
			ep.rmaskPos = maskCopy(p[:n], p[:n], ep.rhdr.MaskKey, ep.rmaskPos) & 3
		} else {
			ep.rmaskPos = frame.Mask(ep.rhdr.MaskKey, p[:n], ep.rmaskPos) & 3
		}
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
		ep.utf8.Reset()
	}
	// The read limit applies to the payload as sent unless the message is
	// transformed (RSV1, permessage-deflate), where it must apply to the
	// decoded size instead (RFC 7692, Section 8.1 leaves that to us).
	if ep.set.readLimit > 0 && ep.rmsgRSV&frame.RSV1 == 0 &&
		h.PayloadLen > ep.set.readLimit-ep.rmsgSize {
		return frame.ErrMessageTooBig
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
	}
	return n, err
}

// discardMessage reads and drops the rest of a message the application
// left unfinished, still checking it, through a pooled buffer.
func (ep *Endpoint) discardMessage() error {
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
// waiting for its pong) that holds it.
func (ep *Endpoint) acquireRead() {
	select {
	case ep.rtok <- struct{}{}:
		return
	default:
	}
	ep.rwant.Add(1)
	ep.interruptPump()
	ep.rtok <- struct{}{}
	ep.rwant.Add(-1)
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
// The reader is valid until the next call to NextReader or ReadMessage,
// which discard whatever of the message is left unread. Control frames
// that arrive between fragments are answered while the reader is read.
// After the connection closes, NextReader returns a CloseError.
func (ep *Endpoint) NextReader() (frame.Opcode, io.Reader, error) {
	ep.acquireRead()
	defer ep.appReleaseRead()
	if ce := ep.closeErr.Load(); ce != nil {
		return 0, nil, *ce
	}
	if err := ep.discardMessage(); err != nil {
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
// returns a CloseError. If a read deadline passes mid-message, the part
// already read is dropped and the next read skips the rest of it.
func (ep *Endpoint) ReadMessage(buf []byte) (op frame.Opcode, p []byte, err error) {
	ep.acquireRead()
	defer ep.appReleaseRead()
	if ce := ep.closeErr.Load(); ce != nil {
		return 0, buf[:0], *ce
	}
	if err := ep.discardMessage(); err != nil {
		return 0, buf[:0], ep.readFailed(err)
	}
	if err := ep.takeFrame(); err != nil {
		return 0, buf[:0], ep.readFailed(err)
	}
	p = buf[:0]
	for {
		if len(p) == cap(p) {
			// Grow by what the current frame still holds (the limit was
			// checked against it), and at most by what we have already
			// received when there is no limit.
			grow := int64(512)
			if ep.rremain > grow {
				grow = ep.rremain
				if ep.set.readLimit < 0 {
					grow = min(grow, max(int64(len(p)), 1<<20))
				}
			}
			p = slices.Grow(p, int(grow))
		}
		n, err := ep.readMsg(p[len(p):cap(p)])
		p = p[:len(p)+n]
		if err == io.EOF {
			return ep.rmsgOp, p, nil
		}
		if err != nil {
			return ep.rmsgOp, p[:0], ep.readFailed(err)
		}
	}
}

// messageReader is the io.Reader NextReader returns; there is one per
// Endpoint, reused for every message, so streaming allocates nothing.
type messageReader struct{ ep *Endpoint }

// Read reads message payload; see NextReader.
func (mr *messageReader) Read(p []byte) (int, error) {
	ep := mr.ep
	ep.acquireRead()
	defer ep.appReleaseRead()
	if ce := ep.closeErr.Load(); ce != nil {
		return 0, *ce
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
