package handshake

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/rfc6455/ws/internal/token"
)

// A Param is one extension parameter, "name" or "name=value"
// (RFC 6455, Section 9.1). HasValue tells "x" from "x=" forms; Value holds
// the value after quoted-string unescaping.
type Param struct {
	Name     string
	Value    string
	HasValue bool
}

// An Extension is one element of a Sec-WebSocket-Extensions list: an
// extension token with its parameters, in order (RFC 6455, Section 9.1).
type Extension struct {
	Name   string
	Params []Param
}

// ParseExtensions parses every Sec-WebSocket-Extensions header in h, in order,
// into extensions (RFC 6455, Section 9.1). Several offers of the same
// extension are kept as separate elements: a client lists alternatives in
// preference order. The grammar is enforced strictly:
//
//	extension-list  = 1#extension
//	extension       = extension-token *( ";" extension-param )
//	extension-token = token
//	extension-param = token [ "=" (token | quoted-string) ]
//
// with optional whitespace around ",", ";" and "=", empty list elements
// ignored (RFC 9110, Section 5.6.1), and a quoted value that must still be a
// token once unescaped. A syntax error returns ErrExtensionSyntax, wrapped with
// its position. Whether an extension is known is the caller's business.
//
// It takes time and memory linear in the length of the headers: a first pass
// checks the syntax and counts, a second fills one slice of extensions and
// one of parameters, each of exactly the size needed, that the extensions'
// Params share (each capped at its own length, so appending to one copies it).
func ParseExtensions(h http.Header) ([]Extension, error) {
	values := h["Sec-Websocket-Extensions"] // h.Values would canonicalize the key, allocating
	var count extList
	for _, v := range values {
		if err := count.parse(v); err != nil {
			return nil, fmt.Errorf("%w: %s", ErrExtensionSyntax, err.Error())
		}
	}
	if count.nExts == 0 {
		return nil, nil
	}
	fill := extList{exts: make([]Extension, 0, count.nExts)}
	if count.nParams > 0 {
		fill.params = make([]Param, 0, count.nParams)
	}
	for _, v := range values {
		fill.parse(v) // checked above
	}
	return fill.exts, nil
}

// An extList is one pass of ParseExtensions. With exts nil it only checks
// and counts; otherwise it appends to exts and params, which the counting
// pass sized so that they never grow.
type extList struct {
	exts           []Extension
	params         []Param
	nExts, nParams int
}

type syntaxError struct {
	value string
	pos   int
	what  string
}

// Error names the fault, its offset and the value, or for a value over 128
// bytes the 64 bytes around the offset: the error (and the 400 answer that
// carries it) stays short whatever the peer sent.
func (e *syntaxError) Error() string {
	if len(e.value) <= 128 {
		return fmt.Sprintf("%s at offset %d of %q", e.what, e.pos, e.value)
	}
	lo, hi := max(e.pos-32, 0), min(e.pos+32, len(e.value))
	return fmt.Sprintf("%s at offset %d of a %d-byte value, near %q", e.what, e.pos, len(e.value), e.value[lo:hi])
}

// parse reads the extensions of one header value, in one pass over it.
func (l *extList) parse(v string) error {
	p := 0
	skipOWS := func() {
		for p < len(v) && token.IsOWS(v[p]) {
			p++
		}
	}
	readToken := func() string {
		start := p
		for p < len(v) && token.IsTchar(v[p]) {
			p++
		}
		return v[start:p]
	}
	fail := func(what string) error {
		return &syntaxError{v, p, what}
	}
	for {
		skipOWS()
		if p == len(v) {
			return nil
		}
		if v[p] == ',' { // empty list element (RFC 9110, Section 5.6.1)
			p++
			continue
		}
		// "extension = extension-token *( ";" extension-param )" (Section 9.1)
		name := readToken()
		if name == "" {
			return fail("expected an extension token")
		}
		first := l.nParams
		for {
			skipOWS()
			if p == len(v) || v[p] != ';' {
				break
			}
			p++
			skipOWS()
			// "extension-param = token [ "=" (token | quoted-string) ]" (Section 9.1)
			param := Param{Name: readToken()}
			if param.Name == "" {
				return fail("expected a parameter token")
			}
			skipOWS()
			if p < len(v) && v[p] == '=' {
				p++
				skipOWS()
				param.HasValue = true
				if p < len(v) && v[p] == '"' {
					n, escaped, ok := scanQuoted(v[p:])
					if !ok {
						return fail("unterminated quoted-string")
					}
					// "When using the quoted-string syntax variant, the value after
					// quoted-string unescaping MUST conform to the 'token' ABNF." (Section 9.1)
					if !isQuotedToken(v[p+1 : p+n-1]) {
						return fail("quoted value is not a token")
					}
					if param.Value = v[p+1 : p+n-1]; escaped && l.exts != nil {
						param.Value = unescape(param.Value)
					}
					p += n
				} else if param.Value = readToken(); param.Value == "" {
					return fail("expected a parameter value")
				}
			}
			if l.exts != nil {
				l.params = append(l.params, param)
			}
			l.nParams++
		}
		if l.exts != nil {
			ext := Extension{Name: name}
			if l.nParams > first {
				ext.Params = l.params[first:l.nParams:l.nParams]
			}
			l.exts = append(l.exts, ext)
		}
		l.nExts++
		if p < len(v) && v[p] != ',' {
			return fail(fmt.Sprintf("unexpected %q", v[p]))
		}
	}
}

// scanQuoted finds the end of the quoted-string at the start of s (RFC 9110,
// Section 5.6.4): n is its length, quotes included, and escaped reports
// whether it holds a quoted-pair. It looks at those n bytes only.
func scanQuoted(s string) (n int, escaped, ok bool) {
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i + 1, escaped, true
		case c == '\\':
			// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
			if i+1 == len(s) || !isQuotable(s[i+1]) {
				return 0, false, false
			}
			escaped = true
			i++
		case isQuotable(c): // qdtext
		default:
			return 0, false, false
		}
	}
	return 0, false, false
}

// isQuotedToken reports whether q, the inside of a quoted-string that
// scanQuoted accepted, is a token once unescaped, without unescaping it.
func isQuotedToken(q string) bool {
	if q == "" {
		return false
	}
	for i := 0; i < len(q); i++ {
		if q[i] == '\\' {
			i++
		}
		if !token.IsTchar(q[i]) {
			return false
		}
	}
	return true
}

// unescape removes the backslashes of the quoted-pairs in q, the inside of
// a quoted-string that scanQuoted accepted.
func unescape(q string) string {
	var b strings.Builder
	b.Grow(len(q))
	for i := 0; i < len(q); i++ {
		if q[i] == '\\' {
			i++
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// isQuotable reports whether c may appear in a quoted-string, escaped or not:
// HTAB, SP, VCHAR or obs-text (RFC 9110, Section 5.6.4).
func isQuotable(c byte) bool {
	return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f)
}

// FormatExtensions formats exts as a Sec-WebSocket-Extensions value:
// "name; param; param=value, name2". A value that is not a token is written
// as a quoted-string (which a conforming peer will reject, Section 9.1).
func FormatExtensions(exts []Extension) string {
	var b strings.Builder
	for i, ext := range exts {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(ext.Name)
		for _, p := range ext.Params {
			b.WriteString("; ")
			b.WriteString(p.Name)
			if p.HasValue {
				b.WriteByte('=')
				if token.IsToken(p.Value) {
					b.WriteString(p.Value)
				} else {
					b.WriteByte('"')
					for j := 0; j < len(p.Value); j++ {
						if c := p.Value[j]; c == '"' || c == '\\' {
							b.WriteByte('\\')
						}
						b.WriteByte(p.Value[j])
					}
					b.WriteByte('"')
				}
			}
		}
	}
	return b.String()
}

// validExtensions reports whether exts can be formatted so that ParseExtensions
// gives them back: names and parameter names are tokens, values are tokens.
func validExtensions(exts []Extension) bool {
	for _, ext := range exts {
		if !token.IsToken(ext.Name) {
			return false
		}
		for _, p := range ext.Params {
			if !token.IsToken(p.Name) || (p.HasValue && !token.IsToken(p.Value)) || (!p.HasValue && p.Value != "") {
				return false
			}
		}
	}
	return true
}
