package conn

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/internal/deflate"
)

// PreparedMessage is a data message encoded once for sending to many
// endpoints: a broadcast. WriteMessage frames a message (and compresses it,
// and for a client masks it) once per call; a PreparedMessage keeps what
// can be shared between endpoints and does the rest per send:
//
//   - the uncompressed server frame, header and payload, built by
//     NewPreparedMessage and sent by every server Endpoint with one write;
//   - the compressed payload (RFC 7692, Section 7.2.1) for each window size
//     (Section 7.1.2) among the endpoints it is sent to whose sending side
//     has no context takeover, built the first time an endpoint needs it;
//   - a client Endpoint shares the payload, compressed or not, and masks a
//     copy of it with a fresh key on every send, as every client frame must
//     be (RFC 6455, Section 5.3).
//
// An Endpoint whose sending side uses context takeover cannot share
// compressed bytes: each message it sends may refer back into the
// messages it sent before, which differ per connection. RFC 7692, Section
// 6 would let it send this message uncompressed; we compress it with the
// endpoint's own compressor instead, as WriteMessage does, so that
// choosing WritePreparedMessage over WriteMessage changes the work of
// producing the frames, not whether or how the message is compressed
// (without context takeover, a server Endpoint sends byte for byte the
// frame WriteMessage would). A server that wants the compression shared
// asks for no context takeover on its side: with
// Compression.ServerNoContextTakeover, Accept imposes it whatever the
// client offered, as RFC 7692, Section 7.1.1.1 allows.
//
// A PreparedMessage is immutable once built and safe for concurrent use:
// any number of goroutines may send it to any number of endpoints at once.
// Each compressed form is built once, by the first send that needs it. A
// PreparedMessage holds the frame (the payload and at most 14 bytes of
// header) and one compressed frame per window size it was compressed for,
// until it is no longer referenced.
type PreparedMessage struct {
	op    frame.Opcode
	plain []byte // the uncompressed server frame; plain[hdr:] is the payload
	hdr   int
	// z[bits-deflate.MinWindowBits] is the compressed server frame (RSV1
	// set) for a window of 2^bits bytes, built on first use.
	z      [deflate.MaxWindowBits - deflate.MinWindowBits + 1]encoding
	builds atomic.Int32 // compressed encodings built, for tests
}

// encoding is one compressed form of a PreparedMessage.
type encoding struct {
	once  sync.Once
	frame []byte // header, then the compressed payload
	hdr   int
}

// NewPreparedMessage prepares p as a data message of type op
// (frame.OpText or frame.OpBinary; text must be UTF-8, as for
// WriteMessage, RFC 6455, Section 5.6). p is copied: the caller may reuse
// it at once. For an opcode other than text or binary it returns
// ErrBadOpcode.
func NewPreparedMessage(op frame.Opcode, p []byte) (*PreparedMessage, error) {
	if op != frame.OpText && op != frame.OpBinary {
		return nil, ErrBadOpcode
	}
	var hb [frame.MaxHeaderLen]byte
	hdr := frame.AppendHeader(hb[:0], frame.Header{Fin: true, Opcode: op, PayloadLen: int64(len(p))})
	b := make([]byte, len(hdr)+len(p))
	copy(b, hdr)
	copy(b[len(hdr):], p)
	return &PreparedMessage{op: op, plain: b, hdr: len(hdr)}, nil
}

// compressed returns the compressed server frame for a window of 2^bits
// bytes (8 ≤ bits ≤ 15, RFC 7692, Section 7.1.2), and its header length.
// The first caller for a window size builds it; the others wait for that
// one build, never start another.
func (pm *PreparedMessage) compressed(bits int) (enc []byte, hdr int) {
	e := &pm.z[bits-deflate.MinWindowBits]
	e.once.Do(func() {
		pm.builds.Add(1)
		// No context takeover: the payload refers to nothing before it,
		// so any peer that agreed to this window size can inflate it.
		w, err := deflate.NewWriter(bits, false)
		if err != nil {
			panic("conn: prepared message: " + err.Error()) // bits come from a working Writer
		}
		zb := zbufPool.Get().(*[]byte)
		*zb = (*zb)[:0]
		w.Start(appendWriter{zb})
		w.Write(pm.plain[pm.hdr:])
		w.Close() // appendWriter never fails
		// RSV1, the "Per-Message Compressed" bit, on the message's only
		// frame (RFC 7692, Section 6).
		var hb [frame.MaxHeaderLen]byte
		h := frame.AppendHeader(hb[:0], frame.Header{Fin: true, Rsv1: true, Opcode: pm.op, PayloadLen: int64(len(*zb))})
		b := make([]byte, len(h)+len(*zb))
		copy(b, h)
		copy(b[len(h):], *zb)
		if cap(*zb) <= 1<<20 {
			zbufPool.Put(zb)
		}
		e.frame, e.hdr = b, len(h)
	})
	return e.frame, e.hdr
}

// WritePreparedMessage sends pm as one data message in a single frame. It
// behaves as WriteMessage with pm's opcode and payload does, and the peer
// receives the same message: the same message lock (messages never
// interleave; a call waiting for another writer returns ErrClosed as soon
// as the connection closes), the same write deadlines (Options.WriteTimeout
// and SetWriteDeadline; a write that times out fails this connection only),
// ErrClosed after the Close frame was sent, and the same compression
// choice (Compression.Threshold). What differs is the work: see
// PreparedMessage.
func (ep *Endpoint) WritePreparedMessage(pm *PreparedMessage) error {
	return ep.writePreparedMessage(nil, pm)
}

// WritePreparedMessageContext is WritePreparedMessage, bounded by ctx as
// WriteMessageContext is: if ctx ends while the message waits for another
// writer, it returns ctx.Err() and the connection is untouched; if it ends
// while the frame is being written, the write is aborted, the connection
// fails (a frame cut short cannot be resumed) and it returns ctx.Err().
func (ep *Endpoint) WritePreparedMessageContext(ctx context.Context, pm *PreparedMessage) error {
	if ctx.Done() == nil {
		return ep.WritePreparedMessage(pm)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	unbind := ep.bindWrite(ctx)
	return unbind(ep.writePreparedMessage(ctx.Done(), pm))
}

// writePreparedMessage is WritePreparedMessage, giving up on the locks
// when abort (a context's Done channel, or nil) is closed.
func (ep *Endpoint) writePreparedMessage(abort <-chan struct{}, pm *PreparedMessage) error {
	if !ep.wmsg.lockOr(ep.done, abort) {
		if ep.closeErr.Load() != nil {
			return ErrClosed
		}
		return errAborted
	}
	defer ep.wmsg.unlock()
	return ep.writePrepared(abort, pm)
}

// TryWritePreparedMessage is WritePreparedMessage for a sender that must
// not wait for another writer: if a data message is being written on ep
// (for example the previous broadcast, still going out to a peer that
// reads slowly), it returns false and a nil error at once, and sends
// nothing; if the connection is closed by then, it returns false and
// ErrClosed. Otherwise it sends pm as WritePreparedMessage does and reports
// whether it was sent (false with the write's error).
//
// It does not wait for a writer, but the write itself may wait: a peer
// that stops reading fills the socket's buffers, and the write blocks
// until they drain or the write deadline passes (which fails the
// connection). A hub that must never wait therefore gives each client a
// goroutine that writes from a small queue, and applies its policy when
// the queue is full (see the example); TryWritePreparedMessage suits a
// single broadcasting goroutine that would rather skip a busy client.
func (ep *Endpoint) TryWritePreparedMessage(pm *PreparedMessage) (sent bool, err error) {
	if !ep.wmsg.tryLock() {
		if ep.closeErr.Load() != nil {
			return false, ErrClosed
		}
		return false, nil
	}
	defer ep.wmsg.unlock()
	if err := ep.writePrepared(nil, pm); err != nil {
		return false, err
	}
	return true, nil
}

// writePrepared sends pm as WriteMessage sends a payload; abort (a
// context's Done channel, or nil) ends the wait for wmu. wmsg held.
func (ep *Endpoint) writePrepared(abort <-chan struct{}, pm *PreparedMessage) error {
	h := frame.Header{Fin: true, Opcode: pm.op}
	enc, hdr := pm.plain, pm.hdr
	if ep.compressWrite(len(pm.plain) - pm.hdr) {
		if ep.dfl.w.ContextTakeover() {
			// Our history is this connection's own: compress here, as
			// WriteMessage does (see PreparedMessage).
			return ep.writeCompressed(abort, pm.op, pm.plain[pm.hdr:])
		}
		enc, hdr = pm.compressed(ep.dfl.w.WindowBits())
		h.Rsv1 = true
	}
	if err := ep.lockWriteOr(abort); err != nil {
		return err
	}
	defer ep.wmu.unlock()
	if ep.closeSent {
		return ErrClosed
	}
	if ep.role == Client {
		// RFC 6455, Section 5.3: a fresh masking key for every frame; the
		// shared payload is masked as it is copied, never in place.
		return ep.writeFrameLocked(h, enc[hdr:])
	}
	return ep.writeEncodedLocked(h, enc, hdr)
}

// writeEncodedLocked is writeFrameLocked for a server frame already
// encoded, header and payload, in enc (the payload from hdr on): it is
// coalesced like any small frame, or sent with one write, without a copy.
// enc is not modified. wmu held.
func (ep *Endpoint) writeEncodedLocked(h frame.Header, enc []byte, hdr int) error {
	h, sent, err := ep.beginFrame(h, enc[hdr:])
	if sent || err != nil {
		return err
	}
	if _, err := ep.c.Write(enc); err != nil {
		return ep.writeFailed(err)
	}
	return nil
}
