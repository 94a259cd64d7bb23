package handshake

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"github.com/rfc6455/ws/internal/token"
)

// ReadRequestInto is ReadRequest filling r instead of allocating a
// request: r is overwritten, and its Header map, if any, is cleared and
// reused. It is for a server that recycles requests through a pool
// (conn.RawServer does, when no ResponseHeader hook can keep one): an
// upgrade then leaves the collector the head's text and its URL, about
// 0.4 KB, instead of http.ReadRequest's 1 KB in 13 allocations. The
// strings in r (values, Host, the URL) are r's own and stay valid after r
// is reused.
//
// It checks what ReadRequest checks, with the same errors: the limits,
// a request line "METHOD target HTTP/x.y" (RFC 9112, Section 3), header
// field names that are tokens and values without control characters
// (RFC 9110, Section 5.5), at most one Host field, and a valid
// Content-Length. It is stricter than net/http in two places, both as
// RFC 9112 asks: whitespace between a field name and its colon is
// refused ("A server MUST reject ... with a response status code of 400",
// Section 5.1), and so is a field line folded onto the next (obs-fold,
// which Section 5.2 lets a server refuse; net/http joins the lines). A
// head longer than br's buffer is read by ReadRequest's copying path.
func ReadRequestInto(br *bufio.Reader, r *http.Request) error {
	p, skip, end, lines, err := peekHead(br)
	if err != nil {
		return err
	}
	if end >= 0 {
		head := string(p[skip:end]) // the one copy: every string of r points into it
		br.Discard(end)
		if err := parseHead(head, lines, r); err != nil {
			return fmt.Errorf("%w: %v", ErrMalformedRequest, err)
		}
		return nil
	}
	req, err := readRequestSlow(br)
	if err != nil {
		return err
	}
	h := r.Header
	*r = *req
	if h != nil {
		clear(h)
		for k, v := range req.Header {
			h[k] = v
		}
		r.Header = h
	}
	return nil
}

// parseHead parses a request head (request line, field lines, empty
// line; CRLF or bare LF) into r.
func parseHead(head string, lines int, r *http.Request) error {
	line, rest := nextLine(head)
	method, after, ok1 := strings.Cut(line, " ")
	target, proto, ok2 := strings.Cut(after, " ")
	if !ok1 || !ok2 || !token.IsToken(method) || target == "" {
		return fmt.Errorf("malformed request line %q", quoteLine(line))
	}
	major, minor, ok := http.ParseHTTPVersion(proto)
	if !ok {
		return fmt.Errorf("malformed HTTP version %q", quoteLine(proto))
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return err
	}
	h := r.Header
	if h == nil {
		h = make(http.Header, lines)
	} else {
		clear(h)
	}
	*r = http.Request{Method: method, URL: u, Proto: proto, ProtoMajor: major, ProtoMinor: minor,
		Header: h, Body: http.NoBody, RequestURI: target}
	hosts := 0
	for {
		line, rest = nextLine(rest)
		if line == "" {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			// RFC 9112, Section 5.2: a server MAY reject obs-fold with 400.
			return errors.New("folded header line (obs-fold)")
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || !token.IsToken(name) {
			return fmt.Errorf("malformed header line %q", quoteLine(line))
		}
		value = strings.Trim(value, " \t")
		for i := 0; i < len(value); i++ {
			if c := value[i]; (c < ' ' && c != '\t') || c == 0x7f {
				return fmt.Errorf("invalid value of header field %s", name)
			}
		}
		key := canonicalKey(name)
		if key == "Host" {
			if hosts++; hosts > 1 {
				return errors.New("too many Host headers")
			}
			r.Host = value
			continue
		}
		h[key] = append(h[key], value)
	}
	// As net/http (RFC 9111, Section 5.4): Pragma: no-cache stands for
	// Cache-Control: no-cache when there is none.
	if p := h["Pragma"]; len(p) > 0 && p[0] == "no-cache" && h["Cache-Control"] == nil {
		h["Cache-Control"] = []string{"no-cache"}
	}
	if cl := h["Content-Length"]; len(cl) > 0 {
		for _, v := range cl[1:] {
			if v != cl[0] {
				return errors.New("conflicting Content-Length")
			}
		}
		n, err := strconv.ParseUint(cl[0], 10, 63)
		if err != nil {
			return fmt.Errorf("bad Content-Length %q", quoteLine(cl[0]))
		}
		r.ContentLength = int64(n)
	}
	if te := h["Transfer-Encoding"]; len(te) > 0 {
		// As net/http: the coding moves out of the fields, and the
		// length is unknown. CheckRequest refuses a body either way.
		r.TransferEncoding = te
		r.ContentLength = -1
		delete(h, "Transfer-Encoding")
	}
	return nil
}

// nextLine returns the first line of s without its CRLF or LF, and the rest.
func nextLine(s string) (line, rest string) {
	line, rest, _ = strings.Cut(s, "\n")
	return strings.TrimSuffix(line, "\r"), rest
}

// canonicalKey is textproto.CanonicalMIMEHeaderKey without its allocation
// for the fields of a WebSocket handshake, which it does not know.
func canonicalKey(name string) string {
	for _, k := range wsKeys {
		if len(name) == len(k.spelled) && strings.EqualFold(name, k.spelled) {
			return k.canonical
		}
	}
	return textproto.CanonicalMIMEHeaderKey(name)
}

var wsKeys = [...]struct{ spelled, canonical string }{
	{"Sec-WebSocket-Key", "Sec-Websocket-Key"},
	{"Sec-WebSocket-Version", "Sec-Websocket-Version"},
	{"Sec-WebSocket-Extensions", "Sec-Websocket-Extensions"},
	{"Sec-WebSocket-Protocol", "Sec-Websocket-Protocol"},
	{"Upgrade", "Upgrade"},
	{"Origin", "Origin"},
}

// quoteLine shortens a line for an error message.
func quoteLine(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
