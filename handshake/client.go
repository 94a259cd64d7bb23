package handshake

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/rfc6455/ws/internal/token"
)

// ClientOptions configures the client side of the handshake. The zero value
// (and nil) offers no subprotocol and no extension.
type ClientOptions struct {
	// Subprotocols are offered in Sec-WebSocket-Protocol, in preference order.
	Subprotocols []string
	// Extensions are offered in Sec-WebSocket-Extensions, in order.
	Extensions []Extension
	// Header holds extra request header fields: Origin, Authorization,
	// Cookie, User-Agent... A "Host" entry replaces the Host header. Fields
	// the handshake sets itself (Upgrade, Connection, Sec-WebSocket-*) are
	// refused with ErrReservedHeader.
	Header http.Header
	// Rand is the source of the Sec-WebSocket-Key nonce; nil means crypto/rand.
	Rand io.Reader
}

// reservedRequestHeaders are set by NewRequest and may not come from opts.Header.
var reservedRequestHeaders = []string{"Upgrade", "Connection", "Sec-Websocket-Key",
	"Sec-Websocket-Version", "Sec-Websocket-Protocol", "Sec-Websocket-Extensions", "Sec-Websocket-Accept"}

// NewRequest builds the opening handshake request for a ws:// or wss:// URL
// (RFC 6455, Sections 3 and 4.1) and returns it with its Sec-WebSocket-Key,
// which CheckResponse needs. The request's URL keeps the ws or wss scheme;
// its Host header leaves out the default port (80 for ws, 443 for wss); the
// request URI is the path and query ("/" if empty). Other schemes, a missing
// host, userinfo or a fragment give an *Error (ErrURL, ErrURLFragment). The
// request is not sent: package conn writes it with req.Write. ctx nil means
// context.Background().
func NewRequest(ctx context.Context, rawURL string, opts *ClientOptions) (req *http.Request, key string, err error) {
	if opts == nil {
		opts = &ClientOptions{}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	// "Fragment identifiers are meaningless in the context of WebSocket URIs
	// and MUST NOT be used on these URIs." (Section 3)
	if strings.Contains(rawURL, "#") {
		return nil, "", fmt.Errorf("%w: %q", ErrURLFragment, rawURL)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrURL, err)
	}
	// ws-URI = "ws:" "//" host [ ":" port ] path [ "?" query ] (Section 3)
	var defaultPort string
	switch u.Scheme {
	case "ws":
		defaultPort = "80"
	case "wss":
		defaultPort = "443"
	default:
		return nil, "", fmt.Errorf("%w: scheme %q", ErrURL, u.Scheme)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return nil, "", fmt.Errorf("%w: no host in %q", ErrURL, rawURL)
	}
	if u.User != nil {
		return nil, "", fmt.Errorf("%w: userinfo is not allowed (send an Authorization header)", ErrURL)
	}
	// "The request MUST contain a |Host| header field whose value contains
	// /host/ plus optionally ":" followed by /port/ (when not using the
	// default port)." (Section 4.1)
	host := strings.TrimSuffix(u.Host, ":")
	if u.Port() == defaultPort {
		host = strings.TrimSuffix(host, ":"+defaultPort)
	}

	// "The elements that comprise this value MUST be non-empty strings ...
	// and MUST all be unique strings." (Section 4.1)
	for _, p := range opts.Subprotocols {
		if !token.IsToken(p) {
			return nil, "", fmt.Errorf("%w: subprotocol %s", ErrOfferSyntax, quoteShort(p))
		}
	}
	if p, ok := repeated(opts.Subprotocols); ok {
		return nil, "", fmt.Errorf("%w: subprotocol %s repeated", ErrOfferSyntax, quoteShort(p))
	}
	if !validExtensions(opts.Extensions) {
		return nil, "", fmt.Errorf("%w: extensions %q", ErrOfferSyntax, FormatExtensions(opts.Extensions))
	}

	key, err = NewKey(opts.Rand)
	if err != nil {
		return nil, "", fmt.Errorf("handshake: new key: %w", err)
	}
	h := make(http.Header, len(opts.Header)+6)
	for k, vs := range opts.Header {
		ck := http.CanonicalHeaderKey(k)
		for _, r := range reservedRequestHeaders {
			if ck == r {
				return nil, "", fmt.Errorf("%w: %s", ErrReservedHeader, k)
			}
		}
		if ck == "Host" {
			if len(vs) > 0 {
				host = vs[0]
			}
			continue
		}
		h[ck] = append(h[ck], vs...)
	}
	// "The request MUST contain an |Upgrade| header field whose value MUST
	// include the "websocket" keyword." "... a |Connection| header field whose
	// value MUST include the "Upgrade" token." (Section 4.1)
	h["Upgrade"] = []string{"websocket"}
	h["Connection"] = []string{"Upgrade"}
	h["Sec-Websocket-Key"] = []string{key}
	// "The value of this header field MUST be 13." (Section 4.1)
	h["Sec-Websocket-Version"] = []string{"13"}
	if len(opts.Subprotocols) > 0 {
		h["Sec-Websocket-Protocol"] = []string{strings.Join(opts.Subprotocols, ", ")}
	}
	if len(opts.Extensions) > 0 {
		h["Sec-Websocket-Extensions"] = []string{FormatExtensions(opts.Extensions)}
	}

	u.Host = strings.TrimSuffix(u.Host, ":")
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrURL, err)
	}
	req.Header = h
	req.Host = host
	return req, key, nil
}

// CheckResponse checks the server's answer to the request NewRequest built
// with key and opts (RFC 6455, Section 4.1) and returns the subprotocol the
// server chose ("" for none) and the extensions it accepted. Any failure is a
// *ResponseError that keeps resp. For a status other than 101 it reads up to
// MaxErrorBody bytes of the body into ResponseError.Body, closes the original
// body and replaces resp.Body with a reader over those bytes; it does not
// touch the body of a 101, which has none (bytes after it are frames).
func CheckResponse(resp *http.Response, key string, opts *ClientOptions) (protocol string, exts []Extension, err error) {
	if opts == nil {
		opts = &ClientOptions{}
	}
	fail := func(err error) (string, []Extension, error) {
		return "", nil, &ResponseError{Err: err, Response: resp}
	}
	// "If the status code received from the server is not 101, the client
	// handles the response per HTTP [RFC2616] procedures." (Section 4.1)
	if resp.StatusCode != http.StatusSwitchingProtocols {
		re := &ResponseError{Err: ErrStatus, Response: resp}
		if resp.Body != nil {
			re.Body, _ = io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody))
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(re.Body))
		}
		return "", nil, re
	}
	// "If the response lacks an |Upgrade| header field or the |Upgrade| header
	// field contains a value that is not an ASCII case-insensitive match for
	// the value "websocket", the client MUST _Fail the WebSocket Connection_."
	if up := resp.Header["Upgrade"]; len(up) != 1 || !strings.EqualFold(token.TrimOWS(up[0]), "websocket") {
		return fail(ErrResponseUpgrade)
	}
	// "If the response lacks a |Connection| header field or the |Connection|
	// header field doesn't contain a token that is an ASCII case-insensitive
	// match for the value "Upgrade", the client MUST _Fail the WebSocket
	// Connection_."
	if !token.Contains(resp.Header["Connection"], "Upgrade") {
		return fail(ErrResponseConnection)
	}
	// "If the response lacks a |Sec-WebSocket-Accept| header field or the
	// |Sec-WebSocket-Accept| contains a value other than the base64-encoded
	// SHA-1 of the concatenation of the |Sec-WebSocket-Key| ... with the string
	// "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" but ignoring any leading and
	// trailing whitespace, the client MUST _Fail the WebSocket Connection_."
	if acc := resp.Header["Sec-Websocket-Accept"]; len(acc) != 1 || token.TrimOWS(acc[0]) != AcceptKey(key) {
		return fail(ErrAccept)
	}
	protocol, exts, err = checkNegotiated(resp.Header, opts)
	if err != nil {
		return fail(err)
	}
	return protocol, exts, nil
}

// checkNegotiated checks the subprotocol and extensions a server's
// response selected against what opts offered (RFC 6455, Section 4.1; RFC
// 8441, Section 5 keeps the same rules over HTTP/2) and returns them.
func checkNegotiated(h http.Header, opts *ClientOptions) (protocol string, exts []Extension, err error) {
	// "If the response includes a |Sec-WebSocket-Extensions| header field and
	// this header field indicates the use of an extension that was not present
	// in the client's handshake ..., the client MUST _Fail the WebSocket
	// Connection_."
	exts, err = ParseExtensions(h)
	if err != nil {
		return "", nil, fmt.Errorf("%w: %w", ErrResponseExtensions, err)
	}
	if name, ok := missing(exts, opts.Extensions, extensionName); ok {
		return "", nil, fmt.Errorf("%w: %s", ErrUnofferedExtension, quoteShort(name))
	}
	// "If the response includes a |Sec-WebSocket-Protocol| header field and
	// this header field indicates the use of a subprotocol that was not present
	// in the client's handshake ..., the client MUST _Fail the WebSocket
	// Connection_." "... MUST NOT appear more than once in an HTTP response."
	// (Section 11.3.4)
	if ps := h["Sec-Websocket-Protocol"]; len(ps) > 0 {
		protocol = token.TrimOWS(ps[0])
		offered := false
		for _, o := range opts.Subprotocols {
			offered = offered || o == protocol
		}
		if len(ps) > 1 || !offered {
			return "", nil, fmt.Errorf("%w: %s", ErrUnofferedProtocol, quoteShort(strings.Join(ps, ", ")))
		}
	}
	return protocol, exts, nil
}
