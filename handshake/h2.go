package handshake

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/rfc6455/ws/internal/token"
)

// WebSockets over HTTP/2 (RFC 8441): the server's side of the handshake.
//
// An HTTP/2 client opens a WebSocket with an "extended CONNECT" on a new
// stream (RFC 8441, Section 4): :method CONNECT, :protocol websocket,
// :scheme, :path and :authority, and the fields of RFC 6455 that do not
// belong to the HTTP/1.1 upgrade (Section 5): Sec-WebSocket-Version,
// -Protocol, -Extensions, Origin. There is no Upgrade, no Connection and no
// Sec-WebSocket-Key; the server agrees with a 200 and no
// Sec-WebSocket-Accept. net/http's HTTP/2 server hands such a request to a
// handler with Method "CONNECT", ProtoMajor 2, Host the :authority, URL the
// :path, and the :protocol value in Header[":protocol"] (only when extended
// CONNECT is on: see package conn/xconnect).

// Server-side errors of the HTTP/2 form. Their Section is empty because
// they cite RFC 8441, RFC 9113 or RFC 9110 rather than RFC 6455; the
// Reason names the rule.
var (
	// ErrH2Method is the error for an HTTP/2 request whose method is not
	// CONNECT, such as a GET with Upgrade: HTTP/2 has no Upgrade.
	ErrH2Method = &Error{http.StatusMethodNotAllowed, "", "over HTTP/2 a WebSocket opens with an extended CONNECT, not a GET (RFC 8441, Section 4)"}
	// ErrH2Tunnel is the error for a CONNECT without :protocol: a request
	// for a TCP tunnel (RFC 9110, Section 9.3.6), which a WebSocket server
	// does not provide. 501: "the server does not support the
	// functionality required to fulfill the request" (RFC 9110, Section
	// 15.6.2).
	ErrH2Tunnel = &Error{http.StatusNotImplemented, "", "CONNECT without :protocol asks for a tunnel; a WebSocket needs :protocol websocket (RFC 8441, Section 4)"}
	// ErrH2Protocol is the error for an extended CONNECT whose :protocol is
	// not websocket, a protocol this server does not implement (501, RFC
	// 9110, Section 15.6.2; RFC 8441 leaves the status open).
	ErrH2Protocol = &Error{http.StatusNotImplemented, "", `:protocol must be "websocket" (RFC 8441, Section 5)`}
	// ErrH2ConnectionField is the error for a request carrying a
	// connection-specific header field, which HTTP/2 forbids.
	ErrH2ConnectionField = &Error{http.StatusBadRequest, "", "connection-specific header field in an HTTP/2 request (RFC 9113, Section 8.2.2)"}
	// ErrH2NoAuthority is the error for an extended CONNECT without
	// :authority (nor Host).
	ErrH2NoAuthority = &Error{http.StatusBadRequest, "", "extended CONNECT without :authority (RFC 8441, Section 4)"}
	// ErrH2NoPath is the error for an extended CONNECT without :path.
	ErrH2NoPath = &Error{http.StatusBadRequest, "", "extended CONNECT without :path (RFC 8441, Section 4)"}
	// ErrH2Body is the error for an extended CONNECT that announces a
	// length (Content-Length) or ends its stream with its headers: the
	// stream must stay open to carry WebSocket frames.
	ErrH2Body = &Error{http.StatusBadRequest, "", "extended CONNECT must leave its stream open for WebSocket data, without Content-Length (RFC 8441, Section 5)"}
)

// h2ConnectionFields are the fields RFC 9113, Section 8.2.2 forbids in an
// HTTP/2 message: "An endpoint MUST NOT generate an HTTP/2 message
// containing connection-specific header fields ... Connection ...
// Proxy-Connection, Keep-Alive, Transfer-Encoding, and Upgrade". TE is
// allowed with the value "trailers" only and is checked apart.
var h2ConnectionFields = [...]string{"Connection", "Upgrade", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding"}

// teTrailers reports whether the values of a TE field are the one HTTP/2
// allows: "trailers" (RFC 9113, Section 8.2.2).
func teTrailers(vs []string) bool {
	return len(vs) == 1 && strings.EqualFold(token.TrimOWS(vs[0]), "trailers")
}

// IsHTTP2 reports whether r came over HTTP/2 (or a later version), where a
// WebSocket opens with an extended CONNECT (RFC 8441) rather than an
// Upgrade.
func IsHTTP2(r *http.Request) bool { return r.ProtoMajor >= 2 }

// checkRequestH2 is CheckRequest for a request that came over HTTP/2:
// the extended CONNECT of RFC 8441, Sections 4 and 5.
func checkRequestH2(r *http.Request, opts *ServerOptions) (*Offer, error) {
	// "A new pseudo-header field :protocol MAY be included on request
	// HEADERS indicating the desired protocol to be spoken on the tunnel"
	// (RFC 8441, Section 4); net/http puts it among the header fields.
	protocols := r.Header[":protocol"]
	if r.Method != http.MethodConnect {
		// "HTTP/2 removes support for the 101 (Switching Protocols)
		// informational status code" (RFC 9113, Section 8.6)
		if len(r.Header["Upgrade"]) > 0 {
			return nil, fmt.Errorf("%w: HTTP/2 has no Upgrade (RFC 9113, Section 8.6)", ErrH2Method)
		}
		return nil, ErrH2Method
	}
	switch {
	case len(protocols) == 0:
		return nil, ErrH2Tunnel
	case len(protocols) > 1:
		return nil, fmt.Errorf("%w: %d :protocol fields", ErrH2Protocol, len(protocols))
	// "The :protocol pseudo-header field MUST be included in the CONNECT
	// request, and it MUST have a value of "websocket"" (RFC 8441,
	// Section 5). Upgrade tokens are compared case-insensitively, as in
	// RFC 6455, Section 4.2.1.
	case !strings.EqualFold(protocols[0], "websocket"):
		return nil, fmt.Errorf("%w: got %s", ErrH2Protocol, quoteShort(protocols[0]))
	}
	for _, name := range h2ConnectionFields {
		if _, ok := r.Header[name]; ok {
			return nil, fmt.Errorf("%w: %s", ErrH2ConnectionField, name)
		}
	}
	if len(r.TransferEncoding) > 0 {
		return nil, fmt.Errorf("%w: Transfer-Encoding", ErrH2ConnectionField)
	}
	// "The only exception to this is the TE header field, which MAY be
	// present in an HTTP/2 request; when it is, it MUST NOT contain any
	// value other than "trailers"." (RFC 9113, Section 8.2.2)
	if te := r.Header["Te"]; len(te) > 0 && !teTrailers(te) {
		return nil, fmt.Errorf("%w: TE other than trailers", ErrH2ConnectionField)
	}
	// "On requests that contain the :protocol pseudo-header field, the
	// :scheme and :path pseudo-header field of the target URI ... MUST
	// also be included." and :authority as for any request (RFC 8441,
	// Section 4). net/http refuses a missing :scheme or :path itself
	// (a stream error) and does not tell the handler :scheme.
	if r.Host == "" {
		return nil, ErrH2NoAuthority
	}
	if r.URL == nil || r.URL.Path == "" {
		return nil, ErrH2NoPath
	}
	// The DATA frames of the stream are the WebSocket's bytes. net/http
	// sets ContentLength -1 for a stream left open without Content-Length;
	// 0 means the client ended the stream with its headers.
	if r.ContentLength >= 0 {
		return nil, ErrH2Body
	}
	// "The |Sec-WebSocket-Version| header field MUST NOT appear more than
	// once" (RFC 6455, Section 11.3.5), and must be 13 (Section 4.2.1,
	// item 6); RFC 8441, Section 5 keeps it. Its Sec-WebSocket-Key
	// "functionality has been superseded by the :protocol pseudo-header
	// field" (RFC 8441, Section 5): a key, if sent, is ignored.
	versions := r.Header["Sec-Websocket-Version"]
	if len(versions) > 1 {
		return nil, ErrVersionRepeated
	}
	if len(versions) == 0 || token.TrimOWS(versions[0]) != "13" {
		return nil, ErrVersion
	}
	return checkOffer(r, opts, &Offer{})
}

// ServeErrorFor answers a failed handshake for the request r through a
// net/http ResponseWriter, as ServeError does, in the form r's HTTP
// version allows. Over HTTP/2 it leaves out the connection-specific fields
// (RFC 9113, Section 8.2.2: no Connection, so net/http does not end the
// whole HTTP/2 connection, and no Upgrade), and a wrong
// Sec-WebSocket-Version gets 400 rather than 426, whose Upgrade field
// HTTP/2 cannot carry (RFC 9110, Section 15.5.22); it still lists
// Sec-WebSocket-Version: 13 (RFC 6455, Section 4.4). A 405 lists the
// method of the version: Allow: CONNECT over HTTP/2.
func ServeErrorFor(w http.ResponseWriter, r *http.Request, err error) {
	if !IsHTTP2(r) {
		ServeError(w, err)
		return
	}
	status, h, body := errorReply(err)
	delete(h, "Connection")
	delete(h, "Upgrade")
	switch status {
	case http.StatusUpgradeRequired:
		status = http.StatusBadRequest
	case http.StatusMethodNotAllowed:
		h["Allow"] = []string{http.MethodConnect}
	}
	for k, v := range h {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	w.Write([]byte(body))
}
