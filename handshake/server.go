package handshake

import (
	"errors"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/rfc6455/ws/internal/token"
)

// ServerOptions configures the server side of the handshake. The zero value
// (and a nil *ServerOptions) accepts requests without Origin and requests
// whose Origin host is the request's Host, chooses no subprotocol and adds no
// header.
type ServerOptions struct {
	// Subprotocols lists the subprotocols the server speaks, in its order of
	// preference (RFC 6455, Section 1.9). See ChooseSubprotocol.
	Subprotocols []string

	// OriginPatterns lists the origins accepted besides the request's own
	// Host, as path.Match patterns matched case-insensitively against the
	// Origin's host (with its port, if any), such as "example.com" or
	// "*.example.com:8443". A pattern containing "://" is matched against
	// "scheme://host" instead. RFC 6455, Section 10.2.
	OriginPatterns []string

	// InsecureSkipOriginCheck accepts every Origin. It is dangerous: a
	// browser attaches the user's cookies and credentials to a WebSocket
	// request made by any page, so with the check off any web site the user
	// visits can open a connection to this server in the user's name and read
	// the answers (cross-site WebSocket hijacking). Use it only for servers
	// that do not authenticate with cookies or that check Origin themselves.
	InsecureSkipOriginCheck bool

	// ResponseHeader, if set, is called by Response with the request and the
	// 101 response headers before they are written (the `headers` event of
	// Node's ws). It may change them, add a Set-Cookie say, or return an error
	// to refuse the upgrade: an *Error with a Status sets the HTTP status of
	// the refusal; any other error refuses with 403 (ErrRefused).
	ResponseHeader func(r *http.Request, h http.Header) error
}

// An Offer is what a client asked for in a valid opening handshake
// (RFC 6455, Section 4.2.1).
type Offer struct {
	Key        string      // Sec-WebSocket-Key, as sent
	Protocols  []string    // Sec-WebSocket-Protocol values, in the client's order of preference
	Extensions []Extension // Sec-WebSocket-Extensions offers, in order
	Origin     string      // Origin header, empty if absent
}

// CheckRequest checks that r is a valid WebSocket opening handshake
// (RFC 6455, Section 4.2.1) from an allowed origin (Section 10.2) and returns
// what the client offered. On failure it returns an *Error (maybe wrapped)
// whose Status is the HTTP status to answer: 405 for a method other than GET,
// 426 for a Sec-WebSocket-Version other than 13, 403 for a refused origin and
// 400 for anything else malformed. ServeError and WriteError send that answer.
// opts may be nil.
//
// A request that came over HTTP/2 (IsHTTP2) is checked as the extended
// CONNECT of RFC 8441 instead (h2.go): method CONNECT with :protocol
// websocket, no connection-specific fields, no Sec-WebSocket-Key; the
// version, origin, subprotocol and extension checks are the same. Answer
// its errors with ServeErrorFor.
func CheckRequest(r *http.Request, opts *ServerOptions) (*Offer, error) {
	if opts == nil {
		opts = &ServerOptions{}
	}
	if IsHTTP2(r) {
		return checkRequestH2(r, opts)
	}
	// "An HTTP/1.1 or higher GET request" (Section 4.2.1, item 1)
	if r.Method != http.MethodGet {
		return nil, ErrMethod
	}
	if !r.ProtoAtLeast(1, 1) {
		return nil, ErrHTTPVersion
	}
	// "A |Host| header field containing the server's authority." (item 2)
	if r.Host == "" {
		return nil, ErrNoHost
	}
	// "An |Upgrade| header field containing the value "websocket", treated as
	// an ASCII case-insensitive value." (item 3)
	if !token.Contains(r.Header["Upgrade"], "websocket") {
		return nil, ErrUpgrade
	}
	// "A |Connection| header field that includes the token "Upgrade", treated
	// as an ASCII case-insensitive value." (item 4)
	if !token.Contains(r.Header["Connection"], "Upgrade") {
		return nil, ErrConnection
	}
	// RFC 6455 is silent on bodies, but every byte after the handshake is a
	// frame; a body would be read as frames, so a request with one is refused.
	if r.ContentLength != 0 || len(r.TransferEncoding) > 0 {
		return nil, ErrBody
	}
	// "The |Sec-WebSocket-Version| header field MUST NOT appear more than once
	// in an HTTP request." (Section 11.3.5)
	versions := r.Header["Sec-Websocket-Version"]
	if len(versions) > 1 {
		return nil, ErrVersionRepeated
	}
	// "A |Sec-WebSocket-Version| header field, with a value of 13." (item 6);
	// otherwise send "an appropriate HTTP error code (such as 426 Upgrade
	// Required) and a |Sec-WebSocket-Version| header field" (Section 4.2.2)
	if len(versions) == 0 || token.TrimOWS(versions[0]) != "13" {
		return nil, ErrVersion
	}
	// "The |Sec-WebSocket-Key| header field MUST NOT appear more than once in
	// an HTTP request." (Section 11.3.1)
	keys := r.Header["Sec-Websocket-Key"]
	if len(keys) > 1 {
		return nil, ErrKeyRepeated
	}
	// "A |Sec-WebSocket-Key| header field with a base64-encoded ... value
	// that, when decoded, is 16 bytes in length." (item 5)
	if len(keys) == 0 || !isValidKey(token.TrimOWS(keys[0])) {
		return nil, ErrKey
	}
	return checkOffer(r, opts, &Offer{Key: token.TrimOWS(keys[0])})
}

// checkOffer completes CheckRequest with the checks both HTTP versions
// share: Origin, subprotocols and extensions, recorded in o.
func checkOffer(r *http.Request, opts *ServerOptions, o *Offer) (*Offer, error) {
	// "If the origin indicated is unacceptable to the server, then it SHOULD
	// respond ... with a reply containing HTTP 403 Forbidden" (Section 10.2)
	origins := r.Header["Origin"]
	if len(origins) > 1 {
		return nil, fmt.Errorf("%w: %d Origin headers", ErrOrigin, len(origins))
	}
	if len(origins) == 1 {
		o.Origin = origins[0]
		if !opts.InsecureSkipOriginCheck && !originAllowed(o.Origin, r.Host, opts.OriginPatterns) {
			return nil, fmt.Errorf("%w: %s", ErrOrigin, quoteShort(o.Origin))
		}
	}

	// "The elements that comprise this value MUST be non-empty strings with
	// characters in the range U+0021 to U+007E not including separator
	// characters ... and MUST all be unique strings." (Section 4.1)
	o.Protocols = token.Split(r.Header["Sec-Websocket-Protocol"])
	for _, p := range o.Protocols {
		if !token.IsToken(p) {
			return nil, fmt.Errorf("%w: %s", ErrProtocolSyntax, quoteShort(p))
		}
	}
	if p, ok := repeated(o.Protocols); ok {
		return nil, fmt.Errorf("%w: %s repeated", ErrProtocolSyntax, quoteShort(p))
	}
	exts, err := ParseExtensions(r.Header)
	if err != nil {
		return nil, err
	}
	o.Extensions = exts
	return o, nil
}

// originAllowed reports whether the Origin header value may connect to a
// server reached as host.
func originAllowed(origin, host string, patterns []string) bool {
	// A browser serializes an origin as scheme "://" host [ ":" port ]
	// (RFC 6454, Section 6.1); "null" and anything else has no host to match.
	scheme, ohost, ok := strings.Cut(origin, "://")
	if !ok || scheme == "" || ohost == "" || strings.ContainsAny(ohost, "/?#@ \t") {
		return false
	}
	if strings.EqualFold(ohost, host) {
		return true
	}
	for _, pat := range patterns {
		target := ohost
		if strings.Contains(pat, "://") {
			target = origin
		}
		if ok, err := path.Match(strings.ToLower(pat), strings.ToLower(target)); err == nil && ok {
			return true
		}
	}
	return false
}

// ChooseSubprotocol returns the first subprotocol in supported (the server's
// preference order) that the client offered, or "" if there is none, in which
// case the response carries no Sec-WebSocket-Protocol (RFC 6455, Section
// 4.2.2). Subprotocol names are compared exactly. It takes time linear in
// len(offered)+len(supported).
func ChooseSubprotocol(offered, supported []string) string {
	if len(offered)*len(supported) <= pairwiseMax {
		for _, s := range supported {
			for _, o := range offered {
				if s == o {
					return s
				}
			}
		}
		return ""
	}
	set := make(map[string]struct{}, len(offered))
	for _, o := range offered {
		set[o] = struct{}{}
	}
	for _, s := range supported {
		if _, ok := set[s]; ok {
			return s
		}
	}
	return ""
}

// pairwiseMax is the largest number of pairs that repeated, missing and
// ChooseSubprotocol compare one by one. Above it they use a map, so a
// client's list of 40,000 subprotocols costs 40,000 map operations, not
// 800 million comparisons; below it, the usual list of one to a few names,
// they allocate nothing (up to 16 subprotocols for repeated).
const pairwiseMax = 256

// repeated returns an element of list that appears in it more than once,
// compared exactly. It takes time linear in len(list).
func repeated(list []string) (string, bool) {
	if len(list)*len(list) <= pairwiseMax {
		for i, p := range list {
			for _, q := range list[:i] {
				if p == q {
					return p, true
				}
			}
		}
		return "", false
	}
	seen := make(map[string]struct{}, len(list))
	for _, p := range list {
		if _, ok := seen[p]; ok {
			return p, true
		}
		seen[p] = struct{}{}
	}
	return "", false
}

// missing returns the name of an element of want whose name is not the name
// of some element of have, compared exactly. It takes time linear in
// len(want)+len(have).
func missing[T any](want, have []T, name func(T) string) (string, bool) {
	if len(want)*len(have) <= pairwiseMax {
		for _, w := range want {
			found := false
			for _, h := range have {
				found = found || name(w) == name(h)
			}
			if !found {
				return name(w), true
			}
		}
		return "", false
	}
	set := make(map[string]struct{}, len(have))
	for _, h := range have {
		set[name(h)] = struct{}{}
	}
	for _, w := range want {
		if _, ok := set[name(w)]; !ok {
			return name(w), true
		}
	}
	return "", false
}

// extensionName returns e.Name, the key missing compares extensions by.
func extensionName(e Extension) string { return e.Name }

// quoteShort quotes s, a value from the peer, for an error message. It keeps
// the first 64 bytes of a longer s and says how long it was, so a refusal
// names what was wrong without echoing a megabyte header back.
func quoteShort(s string) string {
	const keep = 64
	if len(s) <= keep {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:keep]) + "... (" + strconv.Itoa(len(s)) + " bytes)"
}

// Response builds the headers of the 101 response that accepts the request r
// with the offer o (from CheckRequest; nil means check r now): Upgrade,
// Connection, Sec-WebSocket-Accept, Sec-WebSocket-Protocol if protocol is not
// empty, and Sec-WebSocket-Extensions if accepted is not empty (RFC 6455,
// Section 4.2.2). For a request that came over HTTP/2 they are the headers
// of the 200 that accepts an extended CONNECT, without Upgrade, Connection
// and Sec-WebSocket-Accept (RFC 8441, Section 5). It then calls opts.ResponseHeader, which may change the
// headers or refuse. protocol must be one the client offered and each
// accepted extension one it named, else Response returns an *Error with
// status 500 (the server's mistake). The returned map is the caller's.
func Response(r *http.Request, o *Offer, protocol string, accepted []Extension, opts *ServerOptions) (http.Header, error) {
	if o == nil {
		var err error
		if o, err = CheckRequest(r, opts); err != nil {
			return nil, err
		}
	}
	h := make(http.Header, 5)
	vals := []string{"websocket", "Upgrade", "", protocol, ""} // one allocation for all fields
	if !IsHTTP2(r) {
		// "An |Upgrade| header field with value "websocket"", "A |Connection|
		// header field with value "Upgrade"" and the |Sec-WebSocket-Accept|
		// value (Section 4.2.2, step 5). Over HTTP/2 none of them is sent
		// (RFC 8441, Section 5).
		vals[2] = AcceptKey(o.Key)
		h["Upgrade"] = vals[0:1:1]
		h["Connection"] = vals[1:2:2]
		h["Sec-Websocket-Accept"] = vals[2:3:3]
	}
	if protocol != "" {
		// "The value chosen MUST be derived from the client's handshake,
		// specifically by selecting one of the values from the
		// |Sec-WebSocket-Protocol| field" (Section 4.2.2)
		found := false
		for _, p := range o.Protocols {
			found = found || p == protocol
		}
		if !found {
			return nil, fmt.Errorf("%w: %q", ErrProtocolNotOffered, protocol)
		}
		h["Sec-Websocket-Protocol"] = vals[3:4:4]
	}
	if len(accepted) > 0 {
		// A server accepts only extensions the client listed (Section 9.1; a
		// client fails the connection otherwise, Section 4.1).
		if name, ok := missing(accepted, o.Extensions, extensionName); ok {
			return nil, fmt.Errorf("%w: %s", ErrExtensionNotOffered, quoteShort(name))
		}
		if !validExtensions(accepted) {
			return nil, fmt.Errorf("%w: Sec-WebSocket-Extensions %q", ErrBadResponseHeader, FormatExtensions(accepted))
		}
		vals[4] = FormatExtensions(accepted)
		h["Sec-Websocket-Extensions"] = vals[4:5:5]
	}
	if opts != nil && opts.ResponseHeader != nil {
		if err := opts.ResponseHeader(r, h); err != nil {
			var he *Error
			if errors.As(err, &he) && he.Status != 0 {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %w", ErrRefused, err)
		}
	}
	return h, nil
}
