package handshake

import (
	"net/http"
	"strconv"
	"strings"
)

// An Error reports an opening handshake that failed. On the server side Status
// is the HTTP status code to answer with (WriteError and ServeError use it);
// on the client side it is 0. Section is the RFC 6455 section of the rule
// broken, and Reason says what was wrong, lower case, without final period.
//
// The package's own errors are the variables below, returned as is or wrapped
// with detail, so errors.Is(err, ErrVersion) works; errors.As with an *Error
// gives the status.
type Error struct {
	Status  int    // HTTP status a server replies with; 0 on the client side
	Section string // e.g. "4.2.1"; empty for limits the RFC leaves to us
	Reason  string // e.g. "Sec-WebSocket-Version must be 13"
}

// Error returns "handshake: <reason> (RFC 6455, Section <section>)".
func (e *Error) Error() string {
	if e.Section == "" {
		return "handshake: " + e.Reason
	}
	return "handshake: " + e.Reason + " (RFC 6455, Section " + e.Section + ")"
}

// Server-side errors returned by CheckRequest, ReadRequest and Response. Each
// carries the HTTP status the server answers with.
var (
	ErrMethod              = &Error{http.StatusMethodNotAllowed, "4.2.1", "method must be GET"}
	ErrHTTPVersion         = &Error{http.StatusBadRequest, "4.2.1", "request must be HTTP/1.1 or later"}
	ErrNoHost              = &Error{http.StatusBadRequest, "4.2.1", "request has no Host header"}
	ErrUpgrade             = &Error{http.StatusBadRequest, "4.2.1", `Upgrade header must contain "websocket"`}
	ErrConnection          = &Error{http.StatusBadRequest, "4.2.1", `Connection header must contain "Upgrade"`}
	ErrKey                 = &Error{http.StatusBadRequest, "4.2.1", "Sec-WebSocket-Key must be the base64 encoding of 16 bytes"}
	ErrKeyRepeated         = &Error{http.StatusBadRequest, "11.3.1", "Sec-WebSocket-Key must not appear more than once"}
	ErrVersion             = &Error{http.StatusUpgradeRequired, "4.4", "Sec-WebSocket-Version must be 13"}
	ErrVersionRepeated     = &Error{http.StatusBadRequest, "11.3.5", "Sec-WebSocket-Version must not appear more than once"}
	ErrOrigin              = &Error{http.StatusForbidden, "10.2", "origin not allowed"}
	ErrProtocolSyntax      = &Error{http.StatusBadRequest, "4.1", "Sec-WebSocket-Protocol must be a list of unique tokens"}
	ErrExtensionSyntax     = &Error{http.StatusBadRequest, "9.1", "malformed Sec-WebSocket-Extensions"}
	ErrBody                = &Error{http.StatusBadRequest, "4.2.1", "handshake request must not have a body"}
	ErrMalformedRequest    = &Error{http.StatusBadRequest, "4.2.1", "malformed HTTP request"}
	ErrHeaderTooLarge      = &Error{http.StatusRequestHeaderFieldsTooLarge, "", "request header too large"}
	ErrRefused             = &Error{http.StatusForbidden, "4.2.2", "server refused the upgrade"}
	ErrProtocolNotOffered  = &Error{http.StatusInternalServerError, "4.2.2", "chosen subprotocol was not offered by the client"}
	ErrExtensionNotOffered = &Error{http.StatusInternalServerError, "9.1", "accepted extension was not offered by the client"}
	ErrBadResponseHeader   = &Error{http.StatusInternalServerError, "", "invalid response header field"}
)

// Client-side errors returned by NewRequest and CheckResponse (Status 0).
// CheckResponse wraps them in a *ResponseError that keeps the response.
var (
	ErrURL                = &Error{0, "3", "URL must be ws:// or wss:// with a host"}
	ErrURLFragment        = &Error{0, "3", "URL must not have a fragment"}
	ErrReservedHeader     = &Error{0, "4.1", "header is set by the handshake itself"}
	ErrOfferSyntax        = &Error{0, "4.1", "offered subprotocols and extensions must be unique tokens"}
	ErrStatus             = &Error{0, "4.1", "status is not 101 Switching Protocols"}
	ErrResponseUpgrade    = &Error{0, "4.1", `response Upgrade header is not "websocket"`}
	ErrResponseConnection = &Error{0, "4.1", `response Connection header lacks "Upgrade"`}
	ErrAccept             = &Error{0, "4.1", "Sec-WebSocket-Accept does not match the key"}
	ErrUnofferedProtocol  = &Error{0, "4.1", "server chose a subprotocol the client did not offer"}
	ErrUnofferedExtension = &Error{0, "4.1", "server accepted an extension the client did not offer"}
	ErrResponseExtensions = &Error{0, "9.1", "malformed Sec-WebSocket-Extensions in response"}
	// ErrResponseHeaderTooLarge is the client's side of ErrHeaderTooLarge:
	// package conn reads a response head (the server's, or a proxy's reply to
	// CONNECT) of at most a set number of bytes and fields, a limit RFC 6455
	// leaves to us, and wraps this error with the limit that was passed.
	ErrResponseHeaderTooLarge = &Error{0, "", "response header too large"}
)

// MaxErrorBody is how many bytes of a failed response's body CheckResponse
// keeps in ResponseError.Body.
const MaxErrorBody = 4 << 10

// A ResponseError reports a server response that did not complete the
// handshake. Err says why (one of the client-side errors above, possibly
// wrapped). Response is the server's response, headers intact; for a status
// other than 101 its Body has been replaced by a reader over Body, the first
// MaxErrorBody bytes of what the server sent, so a 401 or a 200 from a
// misconfigured proxy can be diagnosed after the connection is gone.
type ResponseError struct {
	Err      error
	Response *http.Response
	Body     []byte
}

// Error returns Err's text, the status received and the start of the body.
func (e *ResponseError) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	if e.Response != nil {
		b.WriteString(": got ")
		if e.Response.Status != "" {
			b.WriteString(e.Response.Status)
		} else {
			b.WriteString(strconv.Itoa(e.Response.StatusCode))
		}
	}
	if len(e.Body) > 0 {
		body := e.Body
		if len(body) > 120 {
			body = body[:120]
		}
		b.WriteString(", body ")
		b.WriteString(strconv.QuoteToASCII(string(body)))
	}
	return b.String()
}

// Unwrap returns Err.
func (e *ResponseError) Unwrap() error { return e.Err }
