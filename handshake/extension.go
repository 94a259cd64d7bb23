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
func ParseExtensions(h http.Header) ([]Extension, error) {
	var exts []Extension
	for _, v := range h.Values("Sec-WebSocket-Extensions") {
		var err error
		if exts, err = parseExtensionList(exts, v); err != nil {
			return nil, fmt.Errorf("%w: %s", ErrExtensionSyntax, err.Error())
		}
	}
	return exts, nil
}

type syntaxError struct {
	value string
	pos   int
	what  string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("%s at offset %d of %q", e.what, e.pos, e.value)
}

// parseExtensionList appends the extensions of one header value to exts.
func parseExtensionList(exts []Extension, v string) ([]Extension, error) {
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
	fail := func(what string) ([]Extension, error) {
		return exts, &syntaxError{v, p, what}
	}
	for {
		skipOWS()
		if p == len(v) {
			return exts, nil
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
		ext := Extension{Name: name}
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
					val, n, ok := unquote(v[p:])
					if !ok {
						return fail("unterminated quoted-string")
					}
					// "When using the quoted-string syntax variant, the value after
					// quoted-string unescaping MUST conform to the 'token' ABNF." (Section 9.1)
					if !token.IsToken(val) {
						return fail("quoted value is not a token")
					}
					param.Value = val
					p += n
				} else if param.Value = readToken(); param.Value == "" {
					return fail("expected a parameter value")
				}
			}
			ext.Params = append(ext.Params, param)
		}
		exts = append(exts, ext)
		if p < len(v) && v[p] != ',' {
			return fail(fmt.Sprintf("unexpected %q", v[p]))
		}
	}
}

// unquote decodes the quoted-string at the start of s (RFC 9110, Section
// 5.6.4) and reports how many bytes it used.
func unquote(s string) (val string, n int, ok bool) {
	var b []byte
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			if b == nil {
				return s[1:i], i + 1, true
			}
			return string(b), i + 1, true
		case c == '\\':
			// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
			if i+1 == len(s) || !isQuotable(s[i+1]) {
				return "", 0, false
			}
			if b == nil {
				b = append(make([]byte, 0, len(s)), s[1:i]...)
			}
			i++
			b = append(b, s[i])
		case isQuotable(c): // qdtext
			if b != nil {
				b = append(b, c)
			}
		default:
			return "", 0, false
		}
	}
	return "", 0, false
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
