package conn

import (
	"errors"
	"io"
	"time"

	"github.com/rfc6455/ws/frame"
)

// copyMax is the largest payload copied next to its header into a pooled
// buffer. A server sends a larger payload with writev (net.Buffers): header
// and payload still leave in one system call, with no copy. Over a
// connection without writev (TLS, an HTTP/2 stream) the header and the
// payload's first bytes are copied into one Write: a Write of the header
// alone would be a TLS record or DATA frame of its own.
const copyMax = 2 << 10

var (
	// ErrClosed is returned by writes after the Close frame was sent (RFC
	// 6455, Section 5.5.1: no data frames after a Close frame) or the
	// connection was closed. A write that fails for another reason returns
	// that error (for example a timeout) and closes the connection.
	ErrClosed = errors.New("conn: connection closed")
	// ErrBadOpcode is returned by WriteMessage, NextWriter and NetConn for
	// an opcode other than frame.OpText or frame.OpBinary.
	ErrBadOpcode = errors.New("conn: data messages are text or binary")
	// ErrWriterClosed is returned by a message writer used after its Close.
	ErrWriterClosed = errors.New("conn: message writer closed")
)

// setWriteDeadline keeps a write deadline at least WriteTimeout/2 ahead,
// so back-to-back writes do not each reset the timer, and never later than
// the user's deadline (SetWriteDeadline) or Close's. wmu held.
func (ep *Endpoint) setWriteDeadline() error {
	gen := ep.wdGen.Load()
	bound := ep.wctxOn.Load()
	if ep.set.writeTimeout < 0 && ep.closeBy.Load() == 0 && !bound {
		ep.wdlGen = gen // SetWriteDeadline set the user's deadline on c itself
		return nil
	}
	now := time.Now()
	if !bound && gen == ep.wdlGen && !ep.wdl.IsZero() && ep.wdl.Sub(now) > ep.set.writeTimeout/2 {
		return nil
	}
	var d time.Time
	if ep.set.writeTimeout > 0 {
		d = now.Add(ep.set.writeTimeout)
	}
	for _, ns := range [...]int64{ep.userWD.Load(), ep.closeBy.Load()} {
		if t := time.Unix(0, ns); ns != 0 && (d.IsZero() || t.Before(d)) {
			d = t
		}
	}
	if bound {
		// A context bound to this write (context.go): its deadline, or
		// the past once it has ended. Held across SetWriteDeadline so its
		// callback's "past" is never overwritten by an older value.
		ep.wctxMu.Lock()
		defer ep.wctxMu.Unlock()
		if ep.wctx != 0 {
			if ep.wctxEnded {
				d = aLongTimeAgo
			} else if !ep.wctxDL.IsZero() && (d.IsZero() || ep.wctxDL.Before(d)) {
				d = ep.wctxDL
			}
		}
		gen = 0 // recompute for the next write, bound or not
	}
	ep.wdl, ep.wdlGen = d, gen
	return ep.c.SetWriteDeadline(d)
}

// lockWrite takes wmu for one frame, unless the connection is closed
// (ErrClosed). wmu is held only across a write to the connection, which
// WriteTimeout, the user's deadline and Close all bound.
func (ep *Endpoint) lockWrite() error { return ep.lockWriteOr(nil) }

// lockWriteOr is lockWrite that also gives up when abort (a context's
// Done channel, or nil) is closed, returning errAborted.
func (ep *Endpoint) lockWriteOr(abort <-chan struct{}) error { return ep.lockOr(&ep.wmu, abort) }

// lockOr takes t (wmsg or wmu), or gives up with ErrClosed once the
// connection closes, or with errAborted once abort is closed.
func (ep *Endpoint) lockOr(t *token, abort <-chan struct{}) error {
	if !t.lockOr(ep.done, abort) {
		if ep.closeErr.Load() != nil {
			return ErrClosed
		}
		return errAborted
	}
	return nil
}

// errAborted is returned inside the write path when a context ended while
// waiting for a lock; the exported methods return the context's error.
var errAborted = errors.New("conn: aborted by context")

// prepare checks the write side and completes h for sending. wmu held.
func (ep *Endpoint) prepare(h frame.Header, n int) (frame.Header, error) {
	if ep.werr != nil {
		return h, ep.werr
	}
	if ep.closeErr.Load() != nil {
		return h, ErrClosed
	}
	if err := ep.setWriteDeadline(); err != nil {
		return h, ep.writeFailed(err)
	}
	h.PayloadLen = int64(n)
	// RFC 6455, Section 5.3: "The masking key needs to be unpredictable",
	// a fresh one for every frame a client sends.
	if ep.role == Client {
		h.Masked = true
		if err := ep.randKey(); err != nil {
			ep.werr = err
			return h, err
		}
		h.MaskKey = ep.wkey
	}
	return h, nil
}

// writeFailed makes a write error sticky and closes the connection: a
// frame cut short cannot be resumed. Nothing more is sent (1006). wmu held.
func (ep *Endpoint) writeFailed(err error) error {
	switch {
	case ep.closeErr.Load() != nil:
		err = ErrClosed // closed meanwhile, by us or by a failure seen on the read side
	case ep.failing.Load() != nil:
		// The Close frame of a failure could not be sent: the connection
		// ends with the failure's code, not with this write error.
		ep.closeConn(ep.failing.Load())
	default:
		ep.closeConn(&CloseError{Code: frame.CloseAbnormal, Reason: err.Error(), Err: err})
	}
	ep.werr = err
	return err
}

// writeFrameLocked sends one frame with payload p, which it does not
// modify. wmu held.
func (ep *Endpoint) writeFrameLocked(h frame.Header, p []byte) error {
	h, sent, err := ep.beginFrame(h, p)
	if sent || err != nil {
		return err
	}
	if len(p) > copyMax && !h.Masked {
		hdr := frame.AppendHeader(ep.whdr[:0], h)
		if ep.writev {
			// Header and the caller's payload in one writev, no copy.
			ep.wbufs[0] = hdr
			ep.wbufs[1] = p
			ep.nb = ep.wbufs[:]
			_, err := ep.nb.WriteTo(ep.c)
			ep.wbufs[1] = nil
			if err != nil {
				return ep.writeFailed(err)
			}
			return nil
		}
		// No writev: the header and the start of the payload are copied
		// into one 16 KiB Write (a whole TLS record, a DATA frame), the
		// rest goes straight from p in a second Write.
		b := getBuf()
		buf := (*b)[:bufSize]
		n := copy(buf, hdr)
		k := copy(buf[n:], p)
		_, err := ep.c.Write(buf[:n+k])
		putBuf(b)
		if err == nil && k < len(p) {
			_, err = ep.c.Write(p[k:])
		}
		if err != nil {
			return ep.writeFailed(err)
		}
		return nil
	}
	pool := &bufPool
	if len(p) > bufSize {
		pool = maskPool(len(p)) // a client's large frame (pool.go)
	}
	b := pool.Get().(*[]byte)
	defer pool.Put(b)
	buf := *b
	hdr := frame.AppendHeader(ep.whdr[:0], h)
	start := headroom - len(hdr)
	copy(buf[start:], hdr)
	pos := 0
	for first := true; first || len(p) > 0; first = false {
		// One chunk: the header (first time) and as much payload as fits,
		// masked as it is copied into our buffer (the caller's p is never
		// modified).
		k := min(len(p), len(buf)-headroom)
		if h.Masked {
			pos = maskCopy(buf[headroom:], p[:k], h.MaskKey, pos)
		} else {
			copy(buf[headroom:], p[:k])
		}
		if _, err := ep.c.Write(buf[start : headroom+k]); err != nil {
			return ep.writeFailed(err)
		}
		p = p[k:]
		start = headroom
	}
	return nil
}

// beginFrame prepares h for a frame with payload p and either coalesces
// it with pending small frames (sent reports true: it leaves with them,
// coalesce.go) or sends the pending frames first, so the caller writes
// this one now. wmu held.
func (ep *Endpoint) beginFrame(h frame.Header, p []byte) (_ frame.Header, sent bool, err error) {
	h, err = ep.prepare(h, len(p))
	if err != nil {
		return h, true, err
	}
	if ep.coalesce(h, p) {
		if ep.ahead.Load() {
			return h, true, nil
		}
		return h, true, ep.flushLocked()
	}
	return h, false, ep.flushLocked()
}

// writeOwnedLocked sends one frame whose payload is buf[headroom:headroom+n]
// in a pooled buffer we own: the header goes just before it and a client
// masks in place, so one write and no copy. wmu held.
func (ep *Endpoint) writeOwnedLocked(h frame.Header, buf []byte, n int) error {
	h, err := ep.prepare(h, n)
	if err != nil {
		return err
	}
	if err := ep.flushLocked(); err != nil {
		return err
	}
	hdr := frame.AppendHeader(ep.whdr[:0], h)
	start := headroom - len(hdr)
	copy(buf[start:], hdr)
	if h.Masked {
		frame.Mask(h.MaskKey, buf[headroom:headroom+n], 0)
	}
	if _, err := ep.c.Write(buf[start : headroom+n]); err != nil {
		return ep.writeFailed(err)
	}
	return nil
}

// writeControl sends a control frame from any goroutine, between the
// fragments of a message another goroutine may be writing (RFC 6455,
// Section 5.4: "Control frames MAY be injected in the middle of a
// fragmented message").
func (ep *Endpoint) writeControl(op frame.Opcode, p []byte) error {
	if err := ep.lockWrite(); err != nil {
		return err
	}
	defer ep.wmu.unlock()
	if ep.closeSent {
		return ErrClosed
	}
	return ep.writeFrameLocked(frame.Header{Fin: true, Opcode: op}, p)
}

// WriteMessage sends p as one data message in a single frame. op is
// frame.OpText or frame.OpBinary; text is sent as given (the caller
// promises UTF-8, RFC 6455, Section 5.6). Any number of goroutines may call
// WriteMessage at once: messages go out whole, one after another. p is not
// modified or retained. A call waiting for another writer returns
// ErrClosed as soon as the connection closes.
func (ep *Endpoint) WriteMessage(op frame.Opcode, p []byte) error {
	return ep.writeMessage(nil, op, p)
}

// writeMessage is WriteMessage, giving up on the locks when abort (a
// context's Done channel, or nil) is closed.
func (ep *Endpoint) writeMessage(abort <-chan struct{}, op frame.Opcode, p []byte) error {
	if op != frame.OpText && op != frame.OpBinary {
		return ErrBadOpcode
	}
	if err := ep.lockOr(&ep.wmsg, abort); err != nil {
		return err
	}
	defer ep.wmsg.unlock()
	if ep.compressWrite(len(p)) {
		// permessage-deflate: compressed outside wmu, sent with RSV1 (conn/deflate.go).
		return ep.writeCompressed(abort, op, p)
	}
	if err := ep.lockWriteOr(abort); err != nil {
		return err
	}
	defer ep.wmu.unlock()
	if ep.closeSent {
		return ErrClosed
	}
	return ep.writeFrameLocked(frame.Header{Fin: true, Opcode: op}, p)
}

// NextWriter starts a data message of type op (frame.OpText or
// frame.OpBinary) and returns a writer for its payload. Bytes are gathered
// in a pooled buffer and sent as a fragment when it fills (a write larger
// than the buffer is sent as a fragment of its own, without copying);
// Close sends the last fragment with FIN set (RFC 6455, Section 5.4). The
// writer also has a Flush() error method that sends what is buffered now
// as a fragment, which the peer can read at once: with permessage-deflate
// the compressor is sync-flushed first (RFC 7692, Section 7.2.1).
//
// The message holds the connection's message lock until Close: other
// message writers wait (and give up with ErrClosed when the connection
// closes), while control frames (Ping, Close, automatic pongs) still go
// out between fragments. Always call Close.
//
// The writer is single-use: once Close has returned, every call on it
// returns ErrWriterClosed and touches nothing, even if another message is
// being written by then (a deferred Close cannot end someone else's
// message).
func (ep *Endpoint) NextWriter(op frame.Opcode) (io.WriteCloser, error) {
	return ep.nextWriter(nil, op)
}

// nextWriter is NextWriter, giving up on the locks when abort (a
// context's Done channel, or nil) is closed, with errAborted.
func (ep *Endpoint) nextWriter(abort <-chan struct{}, op frame.Opcode) (io.WriteCloser, error) {
	if op != frame.OpText && op != frame.OpBinary {
		return nil, ErrBadOpcode
	}
	if err := ep.lockOr(&ep.wmsg, abort); err != nil {
		return nil, err
	}
	if err := ep.lockWriteOr(abort); err != nil {
		ep.wmsg.unlock()
		return nil, err
	}
	err := ep.werr
	if ep.closeSent {
		err = ErrClosed
	}
	ep.wmu.unlock()
	if err != nil {
		ep.wmsg.unlock()
		return nil, err
	}
	ep.mw = messageWriter{ep: ep, op: op, open: true}
	ep.mw.startCompressed() // permessage-deflate, if negotiated (conn/deflate.go)
	h := ep.newHandle()
	ep.mwCur.Store(h)
	return h, nil
}

// handleSlab is how many writer handles are allocated at once: a handle
// is never reused (that is what makes it single-use), and carving them
// from a slab makes a streamed message cost 8 bytes and 1/64 of an
// allocation.
const handleSlab = 64

// writerHandle is what NextWriter returns: a ticket for one message. It is
// valid while it is ep.mwCur; NextWriter stores a fresh one per message.
type writerHandle struct{ ep *Endpoint }

// newHandle returns a handle no one has seen. wmsg held.
func (ep *Endpoint) newHandle() *writerHandle {
	if len(ep.hslab) == 0 {
		ep.hslab = make([]writerHandle, handleSlab)
	}
	h := &ep.hslab[0]
	ep.hslab = ep.hslab[1:]
	h.ep = ep
	return h
}

// Write adds p to the message.
func (h *writerHandle) Write(p []byte) (int, error) {
	if h.ep.mwCur.Load() != h {
		return 0, ErrWriterClosed
	}
	return h.ep.mw.Write(p)
}

// Flush sends what is buffered as a fragment (not the last one); with
// permessage-deflate it sync-flushes the compressor first, so the peer can
// inflate everything written so far.
func (h *writerHandle) Flush() error {
	if h.ep.mwCur.Load() != h {
		return ErrWriterClosed
	}
	return h.ep.mw.Flush()
}

// Close sends the last fragment (FIN set) and ends the message. Later
// calls return ErrWriterClosed.
func (h *writerHandle) Close() error {
	if !h.ep.mwCur.CompareAndSwap(h, nil) {
		return ErrWriterClosed
	}
	return h.ep.mw.Close()
}

// messageWriter is the state of the message NextWriter started; one per
// Endpoint, reused.
type messageWriter struct {
	ep   *Endpoint
	op   frame.Opcode // opcode of the next frame: the message's, then continuation
	rsv  byte         // RSV bits of the first frame (RSV1 for a compressed message, RFC 7692)
	buf  *[]byte      // pooled; payload at (*buf)[headroom:]
	n    int          // payload bytes buffered
	open bool
	z    bool // compressed: Write goes through the permessage-deflate compressor
	err  error
}

// Write adds p to the message. It is the seam for a payload transform:
// permessage-deflate compresses p here and passes the output to writeRaw.
func (mw *messageWriter) Write(p []byte) (int, error) {
	if !mw.open {
		return 0, ErrWriterClosed
	}
	if mw.ep.closeErr.Load() != nil {
		return 0, ErrClosed // even a write that would only be buffered
	}
	if mw.z {
		if mw.err != nil {
			return 0, mw.err
		}
		return mw.ep.dfl.w.Write(p) // output goes to writeRaw (conn/deflate.go)
	}
	return mw.writeRaw(p)
}

// writeRaw adds bytes of the payload as sent on the wire.
func (mw *messageWriter) writeRaw(p []byte) (int, error) {
	if mw.err != nil {
		return 0, mw.err
	}
	total := len(p)
	for len(p) > 0 {
		if mw.n == 0 && len(p) > bufSize {
			if err := mw.send(false, p); err != nil {
				return total - len(p), err
			}
			return total, nil
		}
		if mw.buf == nil {
			mw.buf = getBuf()
		}
		k := copy((*mw.buf)[headroom+mw.n:], p)
		mw.n += k
		p = p[k:]
		if len(p) > 0 && len(*mw.buf) < bigReadSize+headroom {
			// A message streamed in pieces fills the 16 KiB buffer: move
			// to a 64 KiB one, so fragments leave 64 KiB per system call
			// (pipelined 1 MiB streamed: 16 KiB fragments ran at a third
			// of whole messages).
			b := getBigBuf()
			copy((*b)[headroom:], (*mw.buf)[headroom:headroom+mw.n])
			putBuf(mw.buf)
			mw.buf = b
			continue
		}
		if len(p) > 0 { // buffer full and more to come: send it as a fragment
			if err := mw.send(false, nil); err != nil {
				return total - len(p), err
			}
		}
	}
	return total, nil
}

// send sends one fragment: p if non-nil, else the buffered bytes.
func (mw *messageWriter) send(fin bool, p []byte) error {
	ep := mw.ep
	h := frame.Header{Fin: fin, Opcode: mw.op}
	h.Rsv1 = mw.rsv&frame.RSV1 != 0
	h.Rsv2 = mw.rsv&frame.RSV2 != 0
	h.Rsv3 = mw.rsv&frame.RSV3 != 0
	err := ep.lockWrite()
	if err == nil {
		switch {
		case ep.closeSent:
			err = ErrClosed
		case p != nil:
			err = ep.writeFrameLocked(h, p)
		case mw.buf == nil:
			err = ep.writeFrameLocked(h, nil)
		default:
			err = ep.writeOwnedLocked(h, *mw.buf, mw.n)
			mw.n = 0
		}
		ep.wmu.unlock()
	}
	if err != nil {
		mw.err = err
		return err
	}
	mw.op, mw.rsv = frame.OpContinuation, 0
	return nil
}

// Flush sends the buffered bytes now as a fragment (not the last one).
func (mw *messageWriter) Flush() error {
	if !mw.open {
		return ErrWriterClosed
	}
	if mw.err != nil {
		return mw.err
	}
	if mw.z {
		// Compressed bytes still inside the compressor reach writeRaw.
		if err := mw.ep.dfl.w.Flush(); err != nil {
			mw.err = err
			return err
		}
	}
	if mw.n == 0 {
		return mw.err
	}
	return mw.send(false, nil)
}

// Close sends the last fragment (FIN set) and ends the message.
func (mw *messageWriter) Close() error {
	if !mw.open {
		return ErrWriterClosed
	}
	err := mw.finishCompressed()
	if err == nil {
		err = mw.err
	}
	if err == nil {
		err = mw.send(true, nil)
	}
	mw.open = false
	if mw.buf != nil {
		putPooled(mw.buf) // to its pool, 16 or 64 KiB
		mw.buf = nil
	}
	mw.ep.wmsg.unlock()
	return err
}
