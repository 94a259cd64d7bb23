package conn

import (
	"errors"
	"net/http"
	"time"

	"github.com/rfc6455/ws/handshake"
)

// AcceptOptions configures Accept: the connection's Options, the opening
// handshake checks (subprotocols in preference order, allowed origins, the
// response-header hook) and a bound on the handshake.
type AcceptOptions struct {
	Options
	handshake.ServerOptions
	// HandshakeTimeout bounds writing the 101 response after the request
	// was read (net/http's own timeouts bound reading it). 0 means
	// DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
}

// errNoHijack is the error when the ResponseWriter cannot hand over its
// connection (for example an HTTP/2 request: RFC 8441 is not supported).
var errNoHijack = &handshake.Error{Status: http.StatusNotImplemented, Section: "4.1",
	Reason: "the connection cannot be taken over (HTTP/1.1 only)"}

// Accept completes the opening handshake of RFC 6455, Section 4.2 from a
// net/http handler and returns the server Endpoint. It checks the request
// (handshake.CheckRequest), chooses a subprotocol from opts.Subprotocols,
// takes the connection over with http.ResponseController.Hijack and writes
// the 101 response itself.
//
// If the request is not an acceptable WebSocket handshake, Accept writes
// the HTTP error response (400, 403, 405 or 426 with
// Sec-WebSocket-Version) and returns a *handshake.Error; the handler
// should just return. Bytes the client sent after its handshake, already
// read by net/http, are kept; net/http's buffers are not. opts may be nil.
//
// net/http keeps its own per-request state (about 10 KiB of bufio buffers)
// until the handler returns, hijacked or not. A server holding many
// connections should serve each one from a goroutine of its own and
// return from the handler, as internal/echo does: an idle connection then
// costs about 5.3 KiB in all, against 12.8 KiB if the handler keeps running.
func Accept(w http.ResponseWriter, r *http.Request, opts *AcceptOptions) (*Endpoint, error) {
	if opts == nil {
		opts = &AcceptOptions{}
	}
	offer, err := handshake.CheckRequest(r, &opts.ServerOptions)
	if err != nil {
		handshake.ServeError(w, err)
		return nil, err
	}
	protocol := handshake.ChooseSubprotocol(offer.Protocols, opts.Subprotocols)
	accepted, deflateParams := acceptDeflate(offer, &opts.Compression) // RFC 7692, conn/deflate.go
	hdr, err := handshake.Response(r, offer, protocol, accepted, &opts.ServerOptions)
	if err != nil {
		handshake.ServeError(w, err)
		return nil, err
	}
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		handshake.ServeError(w, errNoHijack)
		return nil, errors.Join(errNoHijack, err)
	}
	timeout := opts.HandshakeTimeout
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	// net/http may have left its own deadlines on the connection: replace
	// them with ours for the response, then clear them.
	nc.SetDeadline(time.Now().Add(timeout))
	b := getBuf()
	bw := bufWriter{buf: (*b)[:0]}
	if err = handshake.WriteResponse(&bw, hdr); err == nil {
		_, err = nc.Write(bw.buf)
	}
	putBuf(b)
	if err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	// Whatever the client sent after its request is already in net/http's
	// reader: take it, then let go of that reader and its writer.
	var buffered []byte
	if n := brw.Reader.Buffered(); n > 0 {
		buffered, _ = brw.Reader.Peek(n)
	}
	o := opts.Options
	o.Subprotocol = protocol
	o.Compression.Negotiated = deflateParams
	return NewEndpoint(nc, buffered, Server, &o), nil
}

// bufWriter collects the handshake response so it leaves in one write.
type bufWriter struct{ buf []byte }

func (w *bufWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}
