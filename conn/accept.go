package conn

import (
	"errors"
	"fmt"
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
	// was read (net/http's own timeouts bound reading it), or over HTTP/2
	// the 200 that accepts an extended CONNECT. 0 means
	// DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
}

// errNoHijack is the error when the ResponseWriter of a request that is
// neither HTTP/1.x nor HTTP/2 (which Accept serves without a hijack)
// cannot hand over its connection.
var errNoHijack = &handshake.Error{Status: http.StatusNotImplemented, Section: "4.1",
	Reason: "the connection cannot be taken over (HTTP/1.1 and HTTP/2 only)"}

// errCannotHijack is the error when the ResponseWriter of an HTTP/1.x
// request cannot hand over its connection. net/http's own can, so a wrapper
// (middleware) hides it, or the connection is already gone: the server's
// fault, not the client's, hence 500 rather than a 4xx, and rather than
// 501, which says the server lacks the feature. hijackError adds the cause.
var errCannotHijack = &handshake.Error{Status: http.StatusInternalServerError,
	Reason: "the http.ResponseWriter cannot hijack the connection"}

// errCannotStream is errCannotHijack's HTTP/2 form: the ResponseWriter
// of an extended CONNECT does not give the stream's Flush and deadlines
// (through http.ResponseController), which a wrapper hides.
var errCannotStream = &handshake.Error{Status: http.StatusInternalServerError,
	Reason: "the http.ResponseWriter cannot carry the HTTP/2 stream"}

// hijackError returns the error for a failed Hijack of w, which answers r.
func hijackError(w http.ResponseWriter, r *http.Request, err error) error {
	if r.ProtoMajor != 1 {
		return errNoHijack
	}
	return wrapperError(w, err, errCannotHijack, "http.Hijacker")
}

// wrapperError returns base, with the cause, when http.ResponseController
// could not reach the method of w it needed (err): needs names it.
func wrapperError(w http.ResponseWriter, err error, base *handshake.Error, needs string) error {
	if !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("%w: %v", base, err)
	}
	// Walk the wrappers as http.ResponseController does, to the one that
	// has neither method.
	for {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		inner := u.Unwrap()
		if inner == nil {
			return fmt.Errorf("%w: the Unwrap method of %T returned nil", base, w)
		}
		w = inner
	}
	return fmt.Errorf("%w: %T implements neither %s nor Unwrap() http.ResponseWriter; "+
		"if it is a middleware's wrapper, give it an Unwrap() http.ResponseWriter method "+
		"returning the ResponseWriter it wraps (http.ResponseController's convention)", base, w, needs)
}

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
// w must reach net/http's own ResponseWriter: a middleware that wraps it
// must implement http.Hijacker or, better, an Unwrap() http.ResponseWriter
// method returning what it wraps, the convention http.ResponseController
// follows. Otherwise Accept answers with 500 Internal Server Error, and
// the body and the returned *handshake.Error name the wrapper's type and
// that fix (over HTTP/2 too, where Accept needs Flush and the deadline
// setters rather than Hijack).
//
// net/http keeps its own per-request state (about 10 KiB of bufio buffers)
// until the handler returns, hijacked or not. A server holding many
// HTTP/1.1 connections may serve each one from a goroutine of its own and
// return from the handler, as internal/echo does: an idle connection then
// costs about 5.3 KiB in all, against 12.8 KiB if the handler keeps running.
//
// # HTTP/2
//
// Accept also takes an RFC 8441 extended CONNECT (r.ProtoMajor 2, method
// CONNECT, :protocol websocket), so one handler serves both versions and
// the Endpoint behaves the same. It answers 200 with the negotiated
// Sec-WebSocket-Protocol and -Extensions (no Sec-WebSocket-Accept, RFC
// 8441, Section 5) and runs the WebSocket on the request's stream: the
// client's DATA frames through r.Body, ours through w. net/http's HTTP/2
// server accepts extended CONNECT only when enabled: import
// github.com/rfc6455/ws/conn/xconnect for its side effect, or run the
// server with GODEBUG=http2xconnect=1 (docs/http2.md). Refusals are
// answered without connection-specific fields (handshake.ServeErrorFor).
// Make sure the route matches the CONNECT method: a ServeMux pattern
// "GET /chat" does not, "/chat" does.
//
// The stream lives only as long as the handler: an HTTP/2 handler must not
// return before the Endpoint has closed. Wait for it:
//
//	ep, err := conn.Accept(w, r, nil)
//	if err != nil {
//		return
//	}
//	go serve(ep)  // or serve in the handler itself
//	<-ep.Done()   // over HTTP/1.1 this may be skipped
//
// When the Endpoint closes (the close handshake of RFC 6455, Section 7,
// or a failure), Done is closed and the handler's return ends the stream
// with END_STREAM. A handler that returns early ends the stream at once,
// which the Endpoint reports as 1006 (abnormal closure). A write blocked
// by the peer's HTTP/2 flow-control window is a write blocked by TCP:
// deadlines and Close abort it (by resetting the stream), and Close stays
// bounded by CloseTimeout. The peer's RST_STREAM ends the Endpoint with
// 1006. The server's ReadTimeout and WriteTimeout do not apply to the
// stream once accepted; the Endpoint's own timeouts do.
func Accept(w http.ResponseWriter, r *http.Request, opts *AcceptOptions) (*Endpoint, error) {
	if opts == nil {
		opts = &AcceptOptions{}
	}
	if err := checkOutputsUnset(&opts.Options, "AcceptOptions", "ServerOptions.Subprotocols"); err != nil {
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return nil, err
	}
	offer, err := handshake.CheckRequest(r, &opts.ServerOptions)
	if err != nil {
		handshake.ServeErrorFor(w, r, err)
		return nil, err
	}
	protocol := handshake.ChooseSubprotocol(offer.Protocols, opts.Subprotocols)
	accepted, deflateParams := acceptDeflate(offer, &opts.Compression) // RFC 7692, conn/deflate.go
	hdr, err := handshake.Response(r, offer, protocol, accepted, &opts.ServerOptions)
	if err != nil {
		handshake.ServeErrorFor(w, r, err)
		return nil, err
	}
	timeout := opts.HandshakeTimeout
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	o := opts.Options
	o.Subprotocol = protocol
	o.Compression.Negotiated = deflateParams
	if handshake.IsHTTP2(r) {
		// The stream needs net/http's own ResponseWriter as a hijack does:
		// its Flush and deadlines, reached through http.ResponseController.
		if err := http.NewResponseController(w).SetReadDeadline(time.Time{}); err != nil {
			herr := wrapperError(w, err, errCannotStream, "SetReadDeadline (with Flush and SetWriteDeadline)")
			handshake.ServeErrorFor(w, r, herr)
			return nil, errors.Join(herr, err)
		}
		return acceptH2(w, r, hdr, timeout, &o) // RFC 8441, h2server.go
	}
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		herr := hijackError(w, r, err)
		handshake.ServeError(w, herr)
		return nil, errors.Join(herr, err)
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
	return NewEndpoint(nc, buffered, Server, &o), nil
}

// Done returns a channel that is closed when the Endpoint has closed and
// released its connection: after the close handshake (RFC 6455, Section
// 7), a failure, or a dropped connection. Over HTTP/2 a handler waits for
// it before returning, since the handler's return ends the stream (see
// Accept); on either version it tells a goroutine that the connection is
// over without reading from it.
func (ep *Endpoint) Done() <-chan struct{} { return ep.done }

// bufWriter collects the handshake response so it leaves in one write.
type bufWriter struct{ buf []byte }

func (w *bufWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// checkOutputsUnset refuses Options whose handshake outputs (Subprotocol,
// Compression.Negotiated) the caller set: Accept and Dial fill them from
// the handshake, so a value set there would be silently overwritten. They
// are inputs only for NewEndpoint. what names the options struct, list
// the field that chooses a subprotocol.
func checkOutputsUnset(o *Options, what, list string) error {
	switch {
	case o.Subprotocol != "":
		return fmt.Errorf("conn: %s.Subprotocol is set (%q): it is the handshake's result, filled by the handshake; list the acceptable subprotocols in %s", what, o.Subprotocol, list)
	case o.Compression.Negotiated != nil:
		return fmt.Errorf("conn: %s.Compression.Negotiated is set: it is the handshake's result; set Compression.Enable and the preferences instead", what)
	}
	return nil
}
