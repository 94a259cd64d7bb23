package handshake

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
)

// WebSockets over HTTP/2 (RFC 8441): the client's side of the handshake.
//
// Over HTTP/2 there is no Upgrade. The client opens a stream with an
// "extended CONNECT" request (RFC 8441, Section 4): :method CONNECT,
// :protocol websocket, :scheme, :path and :authority, and the WebSocket
// header fields of RFC 6455 minus the ones tied to the HTTP/1.1 upgrade
// (Section 4: no Upgrade, no Connection, no Sec-WebSocket-Key). A 200
// answer opens the WebSocket on the stream; there is no Sec-WebSocket-Accept
// to check. Subprotocol and extension negotiation are unchanged.

// Client-side errors of the HTTP/2 form (Status 0). Their Section is empty
// because they cite RFC 8441 or RFC 9113, not RFC 6455; the Reason names it.
var (
	// ErrH2Status is wrapped in a *ResponseError when the server answers the
	// extended CONNECT with a status other than 200.
	ErrH2Status = &Error{0, "", "extended CONNECT status is not 200 (RFC 8441, Section 5)"}
	// ErrH2ConnectionHeader is returned by NewRequestH2 for a
	// connection-specific field in ClientOptions.Header.
	ErrH2ConnectionHeader = &Error{0, "", "connection-specific header field not allowed over HTTP/2 (RFC 9113, Section 8.2.2)"}
)

// NewRequestH2 builds the extended CONNECT request of RFC 8441, Section 4
// for a ws:// or wss:// URL. It checks the URL, the offers and opts.Header
// as NewRequest does, and also refuses connection-specific fields
// (ErrH2ConnectionHeader). The request's Method is CONNECT, its URL keeps
// the ws or wss scheme (the :scheme sent is http or https, RFC 8441,
// Section 5), Host is the :authority, and Header holds the regular fields
// to send: Sec-WebSocket-Version 13, the offers and the caller's fields,
// never Upgrade, Connection or Sec-WebSocket-Key (RFC 8441, Section 4).
// Package conn encodes it into an HTTP/2 HEADERS frame.
func NewRequestH2(ctx context.Context, rawURL string, opts *ClientOptions) (*http.Request, error) {
	if opts == nil {
		opts = &ClientOptions{}
	}
	// The key is computed and thrown away: RFC 8441, Section 4 drops it.
	// NewRequest refuses Connection and Upgrade in opts.Header
	// (ErrReservedHeader); the other connection-specific fields are
	// checked here.
	req, _, err := NewRequest(ctx, rawURL, opts)
	if err != nil {
		return nil, err
	}
	for k, vs := range opts.Header {
		ck := http.CanonicalHeaderKey(k)
		// "the only exception to this is the TE header field, which MAY be
		// present in an HTTP/2 request; when it is, it MUST NOT contain any
		// value other than "trailers"" (RFC 9113, Section 8.2.2)
		if ck == "Te" && !teTrailers(vs) || slices.Contains(h2ConnectionFields[:], ck) {
			return nil, fmt.Errorf("%w: %s", ErrH2ConnectionHeader, k)
		}
	}
	// Connection and Upgrade "MUST NOT be included in the CONNECT request
	// defined here", and Sec-WebSocket-Key is not processed: its
	// "functionality has been superseded by the :protocol pseudo-header
	// field" (RFC 8441, Section 4).
	delete(req.Header, "Upgrade")
	delete(req.Header, "Connection")
	delete(req.Header, "Sec-Websocket-Key")
	req.Method = http.MethodConnect
	req.Proto, req.ProtoMajor, req.ProtoMinor = "HTTP/2.0", 2, 0
	return req, nil
}

// CheckResponseH2 checks the server's answer to an extended CONNECT built
// by NewRequestH2 with opts (RFC 8441, Section 5) and returns the
// subprotocol the server chose and the extensions it accepted. A status
// other than 200 gives a *ResponseError wrapping ErrH2Status, with up to
// MaxErrorBody bytes of the body in ResponseError.Body (resp.Body is
// replaced by a reader over them, as CheckResponse does). The subprotocol
// and extension rules are those of RFC 6455, Section 4.1, as over
// HTTP/1.1; there is no Sec-WebSocket-Accept to check.
func CheckResponseH2(resp *http.Response, opts *ClientOptions) (protocol string, exts []Extension, err error) {
	if opts == nil {
		opts = &ClientOptions{}
	}
	fail := func(err error) (string, []Extension, error) {
		return "", nil, &ResponseError{Err: err, Response: resp}
	}
	// RFC 8441, Section 5: the server answers a successful extended CONNECT
	// with 200 (":status = 200" in its example); any other status is a
	// failed handshake, handled as an HTTP response (RFC 9113, Section 8.5).
	if resp.StatusCode != http.StatusOK {
		re := &ResponseError{Err: ErrH2Status, Response: resp}
		if resp.Body != nil {
			re.Body, _ = io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody))
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(re.Body))
		}
		return "", nil, re
	}
	// The extension and subprotocol MUSTs of RFC 6455, Section 4.1 apply as
	// they are (RFC 8441, Section 5 keeps them).
	protocol, exts, err = checkNegotiated(resp.Header, opts)
	if err != nil {
		return fail(err)
	}
	return protocol, exts, nil
}
