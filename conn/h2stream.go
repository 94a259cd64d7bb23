package conn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/rfc6455/ws/handshake"
)

// The low-level layer of WebSockets over HTTP/2 (RFC 8441): an extended
// CONNECT stream as a plain net.Conn, with no Endpoint on it. Dial and
// Accept put an Endpoint on such a stream and check the handshake; these
// two functions stop at the stream, for programs that speak the WebSocket
// framing themselves: a conformance fuzzer that sends frames no Endpoint
// would, or a tunnel that relays the bytes as they are. They are to HTTP/2
// streams what Endpoint.NetConn is to messages: the layer below, with its
// rules left to the caller.

// ErrNotExtendedConnect is returned by AcceptHTTP2Stream for a request that
// is not an RFC 8441 extended CONNECT for WebSockets: not HTTP/2, not
// CONNECT, or without ":protocol: websocket" (RFC 8441, Sections 4 and 5).
var ErrNotExtendedConnect = errors.New("conn: not an HTTP/2 extended CONNECT with :protocol websocket (RFC 8441, Section 5)")

// DialHTTP2Stream opens an HTTP/2 stream with an RFC 8441 extended CONNECT
// for a ws:// or wss:// URL and returns the stream as a net.Conn, with the
// server's response. It is the low-level half of Dial over HTTP/2: the
// bytes read and written are the stream's DATA, and no Endpoint, masking
// or WebSocket framing is added.
//
// The connection is TLS with ALPN h2 for wss:// (RFC 9113, Section 3.2)
// and cleartext HTTP/2 with prior knowledge for ws:// (Section 3.3); it
// fails with ErrNoHTTP2 or ErrNoExtendedConnect as Dial in HTTP2 mode
// does. With opts.Pool the stream may share a connection with other
// WebSockets; without, the connection closes with the stream. opts may be
// nil; its TLSConfig, NetDialer, Proxy, Pool, HandshakeTimeout (bounding
// the whole call, as for Dial), MaxResponseHeaderBytes and TraceHTTP2
// apply, and its Options, Subprotocols, Header, HTTPVersion and WrapConn
// do not.
//
// The request carries :method CONNECT, :protocol websocket, :scheme http
// or https, :path and :authority (RFC 8441, Sections 4 and 5),
// sec-websocket-version: 13, and header's fields. Sec-WebSocket-Protocol
// and Sec-WebSocket-Extensions in header are sent as they are, unchecked;
// Sec-WebSocket-Key, -Accept and -Version, Upgrade and Connection are
// refused (handshake.ErrReservedHeader), and so are the other fields
// HTTP/2 forbids (handshake.ErrH2ConnectionHeader); a Host entry sets
// :authority.
//
// A 2xx response opens the tunnel (RFC 9110, Section 9.3.6): the stream is
// returned and the caller judges the response (handshake.CheckResponseH2
// applies RFC 8441's 200 and the negotiation rules of RFC 6455). Any other
// status ends the stream: DialHTTP2Stream returns a nil net.Conn, the
// response (its Body a reader over at most handshake.MaxErrorBody bytes of
// the server's body) and an error wrapping a *handshake.ResponseError.
//
// The net.Conn behaves as the stream Dial runs an Endpoint on: Read
// returns io.EOF after the server's END_STREAM and another error after its
// RST_STREAM or the connection's end; Write waits for HTTP/2 flow control
// as a TCP write waits for the peer's window; deadlines are the stream's
// own. It also has a CloseWrite method (an empty DATA frame with
// END_STREAM, RFC 9113, Section 8.1). Close ends the stream: with
// END_STREAM if the server has ended its side, otherwise with RST_STREAM
// CANCEL (RFC 9113, Section 8.7), the HTTP/2 form of dropping TCP.
func DialHTTP2Stream(ctx context.Context, rawURL string, header http.Header, opts *DialOptions) (net.Conn, *http.Response, error) {
	if opts == nil {
		opts = &DialOptions{}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := handshakeContext(ctx, opts.HandshakeTimeout)
	defer cancel()
	// The negotiation fields go out as given: handshake.NewRequestH2 would
	// refuse them in its Header (it builds them from its offers).
	rest := make(http.Header, len(header))
	var raw http.Header
	for k, vs := range header {
		switch ck := http.CanonicalHeaderKey(k); ck {
		case "Sec-Websocket-Protocol", "Sec-Websocket-Extensions":
			if raw == nil {
				raw = make(http.Header, 2)
			}
			raw[ck] = append(raw[ck], vs...)
		default:
			rest[k] = vs
		}
	}
	req, err := handshake.NewRequestH2(ctx, rawURL, &handshake.ClientOptions{Header: rest})
	if err != nil {
		return nil, nil, fmt.Errorf("conn: dial HTTP/2 stream: %w", err)
	}
	for k, vs := range raw {
		req.Header[k] = vs
	}
	fail := func(resp *http.Response, err error) (net.Conn, *http.Response, error) {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%w)", ctxErr, err)
		}
		return nil, resp, fmt.Errorf("conn: dial HTTP/2 stream %s: %w", req.URL.Redacted(), err)
	}
	proxyURL, err := proxyFor(req, opts.Proxy)
	if err != nil {
		return fail(nil, err)
	}
	c, resp, spare, err := h2ClientFor(ctx, req, opts, proxyURL, dialAddr(req.URL), true)
	if spare != nil {
		spare.Close()
	}
	if err != nil {
		return fail(resp, err)
	}
	st, err := c.openStream(ctx, h2RequestFields(req))
	if err != nil {
		return fail(nil, err)
	}
	// Bound the wait for the response, and the read of an error body, by ctx.
	if dl, ok := ctx.Deadline(); ok {
		st.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { st.SetDeadline(time.Unix(1, 0)) })
	resp, err = st.awaitResponse(ctx)
	if err == nil && !stop() {
		err = ctx.Err()
	}
	if err != nil {
		stop()
		st.Close()
		return fail(nil, err)
	}
	resp.Request = req
	resp.TLS = c.tlsState
	resp.Body = http.NoBody
	if resp.StatusCode/100 != 2 {
		// Not a tunnel: keep what the server explained, then end the stream.
		body, _ := io.ReadAll(io.LimitReader(st, handshake.MaxErrorBody))
		st.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return fail(resp, &handshake.ResponseError{Err: handshake.ErrH2Status, Response: resp, Body: body})
	}
	st.SetDeadline(time.Time{})
	return st, resp, nil
}

// AcceptHTTP2Stream answers an RFC 8441 extended CONNECT from a net/http
// handler with 200 and the fields of header, flushed at once, and returns
// the stream as a net.Conn. It is the low-level half of Accept over
// HTTP/2: the bytes read and written are the stream's DATA, and no
// Endpoint, unmasking or WebSocket framing is added.
//
// It checks only that r is an extended CONNECT for WebSockets: HTTP/2,
// method CONNECT, ":protocol: websocket" (RFC 8441, Section 5); otherwise
// it writes nothing and returns ErrNotExtendedConnect. It does not check
// Sec-WebSocket-Version, Origin or the offers (handshake.CheckRequest
// does), nor header, which is sent as given: it must hold no
// connection-specific field (RFC 9113, Section 8.2.2) and, for a
// WebSocket, the Sec-WebSocket-Protocol and -Extensions the server
// chose (handshake.Response builds them). net/http's server must have
// extended CONNECT enabled (import conn/xconnect; see Accept).
//
// The stream lives as long as the handler: the handler must not return
// while it uses the net.Conn, and its return ends the stream, with
// END_STREAM (then RST_STREAM NO_ERROR if the client has not ended its
// side, RFC 9113, Section 8.1): the HTTP/2 form of closing TCP. Close
// only stops the net.Conn: reads and writes in progress return
// net.ErrClosed (a write blocked by flow control is aborted by resetting
// the stream) and none starts again; return from the handler after it.
// Read returns io.EOF after the client's END_STREAM and another error
// after its RST_STREAM or the connection's end. A write deadline that
// passes while a write is blocked resets the stream (RST_STREAM), as a
// TCP write deadline fails the connection; a read deadline that passes
// leaves the stream as it was. The server's ReadTimeout and WriteTimeout
// no longer apply to the stream.
func AcceptHTTP2Stream(w http.ResponseWriter, r *http.Request, header http.Header) (net.Conn, error) {
	// "The :protocol pseudo-header field MUST be included in the CONNECT
	// request, and it MUST have a value of "websocket"" (RFC 8441,
	// Section 5); net/http hands it to handlers among the header fields.
	p := r.Header[":protocol"]
	if !handshake.IsHTTP2(r) || r.Method != http.MethodConnect || len(p) != 1 || !strings.EqualFold(p[0], "websocket") {
		return nil, ErrNotExtendedConnect
	}
	s, err := respondH2(w, r, header, DefaultHandshakeTimeout)
	if err != nil {
		return nil, fmt.Errorf("conn: accept HTTP/2 stream: %w", err)
	}
	return s, nil
}
