package conn

import (
	"errors"
	"io"
	"sync"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
	"github.com/rfc6455/ws/internal/deflate"
)

// DefaultCompressionThreshold is the size under which WriteMessage sends a
// message uncompressed when Compression.Threshold is 0: below it the
// DEFLATE block overhead and the CPU cost outweigh the bytes saved.
const DefaultCompressionThreshold = 64

// Compression configures permessage-deflate (RFC 7692). The zero value
// turns it off.
//
// A server with Enable set accepts the first valid permessage-deflate offer
// of the client (handshake.AcceptDeflate); a client with Enable set offers
// it (handshake.DeflateParams.Offer) and checks the answer
// (handshake.CheckDeflateResponse). The four parameter fields are the
// preferences of this end: no context takeover for the server's or the
// client's messages (each side then compresses every message on its own,
// and the other side keeps no window for it), and the largest LZ77 windows,
// as 8..15 bits (0 means 15). Windows under 15 bits are honoured: our
// compressor never refers farther back than the agreed window.
//
// Memory: between messages a connection holds, for each direction that
// uses context takeover, the agreed window (at most 32 KiB); compressor
// and decompressor tables come from pools during a message only.
type Compression struct {
	// Enable offers (client) or accepts (server) permessage-deflate.
	Enable bool
	// ServerNoContextTakeover asks that the server compress each message
	// on its own (RFC 7692, Section 7.1.1.1).
	ServerNoContextTakeover bool
	// ClientNoContextTakeover asks that the client do so (Section 7.1.1.2).
	ClientNoContextTakeover bool
	// ServerMaxWindowBits limits the server's window (Section 7.1.2.1).
	ServerMaxWindowBits int
	// ClientMaxWindowBits limits the client's window (Section 7.1.2.2).
	ClientMaxWindowBits int
	// Threshold is the payload size under which WriteMessage sends a
	// message uncompressed (RSV1 clear; RFC 7692, Section 6 lets each
	// message choose). 0 means DefaultCompressionThreshold; a negative
	// value compresses every message. Messages from NextWriter are always
	// compressed: their size is not known in advance.
	Threshold int
	// Negotiated holds the parameters agreed in the opening handshake, or
	// nil when permessage-deflate is not in effect. Accept and Dial set it;
	// a caller of NewEndpoint that negotiated the extension itself sets it.
	Negotiated *handshake.DeflateParams
}

func (c *Compression) prefs() handshake.DeflateParams {
	return handshake.DeflateParams{
		ServerNoContextTakeover: c.ServerNoContextTakeover,
		ClientNoContextTakeover: c.ClientNoContextTakeover,
		ServerMaxWindowBits:     c.ServerMaxWindowBits,
		ClientMaxWindowBits:     c.ClientMaxWindowBits,
	}
}

// acceptDeflate chooses among the client's offers for Accept. It returns
// the extensions to put in the response and the agreed parameters.
func acceptDeflate(offer *handshake.Offer, c *Compression) ([]handshake.Extension, *handshake.DeflateParams) {
	if !c.Enable {
		return nil, nil
	}
	resp, agreed, ok := handshake.AcceptDeflate(offer.Extensions, c.prefs())
	if !ok {
		return nil, nil
	}
	return []handshake.Extension{resp}, &agreed
}

// deflateOffer returns the extension a client offers, or nil.
func deflateOffer(c *Compression) []handshake.Extension {
	if !c.Enable {
		return nil
	}
	return []handshake.Extension{c.prefs().Offer()}
}

// checkDeflate checks the server's answer for Dial and returns the agreed
// parameters, or nil when the server declined the extension.
func checkDeflate(exts []handshake.Extension, c *Compression) (*handshake.DeflateParams, error) {
	if !c.Enable {
		return nil, nil
	}
	agreed, ok, err := handshake.CheckDeflateResponse(exts, c.prefs())
	if err != nil || !ok {
		return nil, err
	}
	return &agreed, nil
}

// deflateConn is an Endpoint's permessage-deflate state: a compressor for
// what it sends, a decompressor for what it receives. Both are nil when the
// extension is not in effect.
type deflateConn struct {
	w         *deflate.Writer
	r         *deflate.Reader
	threshold int
	reading   bool // the decompressor has started on the current message
}

// Errors of permessage-deflate data. Both fail the connection.
var (
	// errRSV1Continuation: "the "Per-Message Compressed" bit ... MUST NOT be
	// set on a non-first frame" of a message (RFC 7692, Section 6.1).
	errRSV1Continuation = frame.ProtocolError{Code: frame.CloseProtocolError, Section: "5.2",
		Reason: "RSV1 set on a continuation frame (RFC 7692, Section 6.1)"}
	// errRSV1Control: control frames are never compressed (RFC 7692,
	// Section 6.1: RSV1 is "the Per-Message Compressed bit" of data messages).
	errRSV1Control = frame.ProtocolError{Code: frame.CloseProtocolError, Section: "5.2",
		Reason: "RSV1 set on a control frame (RFC 7692, Section 6.1)"}
	// errBadDeflate: the payload of a compressed message is not DEFLATE
	// data (RFC 7692, Section 7.2.2); we send 1007, invalid payload data.
	errBadDeflate = frame.ProtocolError{Code: frame.CloseInvalidPayload, Section: "7.4.1",
		Reason: "invalid permessage-deflate data (RFC 7692, Section 7.2.2)"}
)

// initDeflate sets up compression for the agreed parameters in opts, if
// any, and lets RSV1 through frame.Sequence (RFC 7692, Section 6).
func (ep *Endpoint) initDeflate(opts *Options) {
	if opts == nil || opts.Compression.Negotiated == nil {
		return
	}
	p := *opts.Compression.Negotiated
	sendBits, sendNCT := p.ServerWindowBits(), p.ServerNoContextTakeover
	recvBits, recvNCT := p.ClientWindowBits(), p.ClientNoContextTakeover
	own := opts.Compression.ServerMaxWindowBits
	if ep.role == Client {
		sendBits, sendNCT, recvBits, recvNCT = recvBits, recvNCT, sendBits, sendNCT
		own = opts.Compression.ClientMaxWindowBits
	}
	// We may use a smaller window than agreed, never a larger one.
	if own >= deflate.MinWindowBits && own < sendBits {
		sendBits = own
	}
	w, err1 := deflate.NewWriter(sendBits, !sendNCT)
	r, err2 := deflate.NewReader(recvBits, !recvNCT)
	if err1 != nil || err2 != nil {
		return // invalid window bits: handshake.Accept/CheckDeflateResponse never agree on them
	}
	ep.dfl.w, ep.dfl.r = w, r
	ep.dfl.threshold = opts.Compression.Threshold
	if ep.dfl.threshold == 0 {
		ep.dfl.threshold = DefaultCompressionThreshold
	}
	ep.seq.AllowedRSV |= frame.RSV1
}

// Compressed reports whether permessage-deflate is in effect.
func (ep *Endpoint) Compressed() bool { return ep.dfl.w != nil }

// checkDeflateRSV applies RFC 7692's RSV1 rules to a frame that passed
// frame.Sequence (which knows only that RSV1 is allowed). Without the
// extension, RSV1 never gets that far (1002, RFC 6455, Section 5.2).
func (ep *Endpoint) checkDeflateRSV(h frame.Header) error {
	if !h.Rsv1 {
		return nil
	}
	if h.Opcode.IsControl() {
		return errRSV1Control
	}
	if h.Opcode == frame.OpContinuation {
		return errRSV1Continuation
	}
	return nil
}

// deflateWireSlack is how much larger than the read limit a compressed
// message may be on the wire: DEFLATE's worst expansion, one bit in eight
// for bytes coded with 9-bit fixed Huffman codes (RFC 1951, Section
// 3.2.6), plus block headers. An honest peer's message under the limit is
// never refused for its wire size; a peer padding a message with empty
// blocks, or garbage after its final block, is stopped at the header.
func deflateWireSlack(limit int64) int64 { return limit/8 + 64 }

// readData reads the current message's application data: the payload as
// sent, or inflated when its first frame had RSV1 (RFC 7692, Section 7.2.2).
// The read limit then applies to the inflated size, so a message that
// inflates past it fails with 1009 before its output is held anywhere.
func (ep *Endpoint) readData(p []byte) (int, error) {
	if ep.rmsgRSV&frame.RSV1 == 0 || ep.dfl.r == nil {
		return ep.readRaw(p)
	}
	if !ep.dfl.reading {
		ep.dfl.reading = true
		limit := ep.rmsgLimit
		if limit < 0 {
			limit = -1
		}
		ep.dfl.r.Start(rawReader{ep}, limit)
	}
	n, err := ep.dfl.r.Read(p)
	if err != nil && !isTimeout(err) {
		// A timeout leaves the inflater where it stopped, at any byte:
		// the next read resumes it (internal/deflate.Reader).
		ep.dfl.reading = false
		switch {
		case err == io.EOF:
		case errors.Is(err, deflate.ErrTooLarge):
			err = frame.ErrMessageTooBig
		case errors.Is(err, deflate.ErrCorrupt):
			err = errBadDeflate
		}
	}
	return n, err
}

// rawReader reads the current message's wire payload for the decompressor.
type rawReader struct{ ep *Endpoint }

func (r rawReader) Read(p []byte) (int, error) { return r.ep.readRaw(p) }

// compressWrite reports whether WriteMessage should compress a payload of n bytes.
func (ep *Endpoint) compressWrite(n int) bool {
	return ep.dfl.w != nil && n >= ep.dfl.threshold
}

// zbufPool holds the buffers WriteMessage compresses into.
var zbufPool = sync.Pool{New: func() any { b := make([]byte, 0, bufSize); return &b }}

// appendWriter appends to a byte slice.
type appendWriter struct{ b *[]byte }

func (a appendWriter) Write(p []byte) (int, error) {
	*a.b = append(*a.b, p...)
	return len(p), nil
}

// writeCompressed sends p as one compressed message in a single frame,
// with RSV1 set (RFC 7692, Section 6). wmsg held (so the compressor is
// ours); the frame goes out under wmu.
func (ep *Endpoint) writeCompressed(abort <-chan struct{}, op frame.Opcode, p []byte) error {
	b := zbufPool.Get().(*[]byte)
	*b = (*b)[:0]
	ep.dfl.w.Start(appendWriter{b})
	ep.dfl.w.Write(p)
	ep.dfl.w.Close() // appendWriter never fails
	err := ep.lockWriteOr(abort)
	if err == nil {
		if ep.closeSent {
			err = ErrClosed
		} else {
			err = ep.writeFrameLocked(frame.Header{Fin: true, Rsv1: true, Opcode: op}, *b)
		}
		ep.wmu.unlock()
	}
	if cap(*b) <= 1<<20 {
		zbufPool.Put(b)
	}
	return err
}

// startCompressed makes a NextWriter message compressed: RSV1 on its first
// frame, and the compressor feeding writeRaw.
func (mw *messageWriter) startCompressed() {
	if mw.ep.dfl.w == nil {
		return
	}
	mw.z = true
	mw.rsv = frame.RSV1
	mw.ep.dfl.w.Start(rawWriter{mw})
}

// rawWriter passes compressed bytes to the message's fragments.
type rawWriter struct{ mw *messageWriter }

func (r rawWriter) Write(p []byte) (int, error) { return r.mw.writeRaw(p) }

// finishCompressed ends the compressed data of a NextWriter message.
func (mw *messageWriter) finishCompressed() error {
	if !mw.z {
		return nil
	}
	mw.z = false
	return mw.ep.dfl.w.Close()
}
