// Package token matches HTTP header values that are comma-separated lists of
// tokens, such as "Connection: keep-alive, Upgrade" (RFC 9110, Section 5.6.1),
// the way the opening handshake of RFC 6455, Section 4 needs them: the match is
// ASCII case-insensitive and a header may be repeated, each copy holding part
// of the list.
//
// It imports only strings, as the package graph requires.
package token

import "strings"

// IsTchar reports whether c may appear in a token (RFC 9110, Section 5.6.2):
//
//	tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
//	        "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
func IsTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// IsToken reports whether s is a non-empty token (RFC 9110, Section 5.6.2).
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !IsTchar(s[i]) {
			return false
		}
	}
	return true
}

// IsOWS reports whether c is optional whitespace, a space or a horizontal tab
// (RFC 9110, Section 5.6.3).
func IsOWS(c byte) bool { return c == ' ' || c == '\t' }

// TrimOWS removes optional whitespace from both ends of s.
func TrimOWS(s string) string {
	i, j := 0, len(s)
	for i < j && IsOWS(s[i]) {
		i++
	}
	for j > i && IsOWS(s[j-1]) {
		j--
	}
	return s[i:j]
}

// Contains reports whether any of the header values holds tok as one element of
// its comma-separated list, compared ASCII case-insensitively. Empty list
// elements are ignored (RFC 9110, Section 5.6.1). It allocates nothing and
// takes time linear in the total length of values.
func Contains(values []string, tok string) bool {
	for _, v := range values {
		for v != "" {
			var elem string
			elem, v = cut(v)
			if strings.EqualFold(TrimOWS(elem), tok) {
				return true
			}
		}
	}
	return false
}

// Split returns the non-empty elements of the comma-separated lists in values,
// in order, with optional whitespace trimmed. It does not check that they are
// tokens; see IsToken. It takes time linear in the total length of values and
// makes one allocation, of exactly the returned length (none if it is 0): a
// header of many empty elements costs no memory, and a long list is not
// copied again and again as it grows.
func Split(values []string) []string {
	n := 0
	for _, v := range values {
		for v != "" {
			var elem string
			if elem, v = cut(v); TrimOWS(elem) != "" {
				n++
			}
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for _, v := range values {
		for v != "" {
			var elem string
			elem, v = cut(v)
			if elem = TrimOWS(elem); elem != "" {
				out = append(out, elem)
			}
		}
	}
	return out
}

// cut returns the first element of the comma-separated list v and the rest
// after its comma.
func cut(v string) (elem, rest string) {
	if i := strings.IndexByte(v, ','); i >= 0 {
		return v[:i], v[i+1:]
	}
	return v, ""
}
