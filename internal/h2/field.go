package h2

import "strconv"

// CheckField checks a decoded field against the character rules of
// RFC 9113, Section 8.2.1 and the ban on connection-specific fields of
// Section 8.2.2, and returns a *StreamError of type PROTOCOL_ERROR on
// streamID if it breaks one: "Malformed requests or responses that are
// detected MUST be treated as a stream error ... of type PROTOCOL_ERROR"
// (Section 8.1.1). Pseudo-header fields (a name starting with ':') pass the
// name rules; which of them may appear, and where, depends on the message
// and is the caller's check (Section 8.3).
func CheckField(streamID uint32, f HeaderField) error {
	bad := func(section, reason string) error {
		return streamErr(streamID, ErrCodeProtocol, section, "malformed field: "+reason)
	}
	name := f.Name
	if name == "" {
		// field-name = token, one or more characters (RFC 9110, Section 5.1).
		return bad("8.2.1", "empty field name")
	}
	if name[0] == ':' {
		name = name[1:]
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		// "A field name MUST NOT contain characters in the ranges 0x00-0x20,
		// 0x41-0x5a, or 0x7f-0xff" and, but for pseudo-header fields, "MUST NOT
		// include a colon" (Section 8.2.1)
		if c <= 0x20 || 'A' <= c && c <= 'Z' || c >= 0x7f || c == ':' {
			return bad("8.2.1", "field name "+strconv.Quote(f.Name)+" has byte "+strconv.QuoteRune(rune(c))+" at "+itoa(i))
		}
	}
	v := f.Value
	for i := 0; i < len(v); i++ {
		// "A field value MUST NOT contain the zero value (ASCII NUL, 0x00), line
		// feed (ASCII LF, 0x0a), or carriage return (ASCII CR, 0x0d)"
		if c := v[i]; c == 0 || c == '\n' || c == '\r' {
			return bad("8.2.1", "value of "+strconv.Quote(f.Name)+" contains byte "+strconv.QuoteRune(rune(c)))
		}
	}
	// "A field value MUST NOT start or end with an ASCII whitespace character
	// (ASCII SP or HTAB, 0x20 or 0x09)."
	if len(v) > 0 && (v[0] == ' ' || v[0] == '\t' || v[len(v)-1] == ' ' || v[len(v)-1] == '\t') {
		return bad("8.2.1", "value of "+strconv.Quote(f.Name)+" starts or ends with whitespace")
	}
	switch f.Name {
	case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade":
		// "An endpoint MUST NOT generate an HTTP/2 message containing
		// connection-specific header fields" and must treat one received as
		// malformed (Section 8.2.2).
		return bad("8.2.2", "connection-specific field "+strconv.Quote(f.Name))
	case "te":
		// "The only exception to this is the TE header field, which MAY be
		// present in an HTTP/2 request; when it is, it MUST NOT contain any
		// value other than "trailers"." (Section 8.2.2)
		if v != "trailers" {
			return bad("8.2.2", "te field other than \"trailers\"")
		}
	}
	return nil
}
