package h2

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		f       HeaderField
		section string // "" for valid
	}{
		{"regular field", HeaderField{Name: "sec-websocket-protocol", Value: "chat, superchat"}, ""},
		{"pseudo-header", HeaderField{Name: ":protocol", Value: "websocket"}, ""},
		{"empty value", HeaderField{Name: "x", Value: ""}, ""},
		{"inner whitespace", HeaderField{Name: "x", Value: "a \t b"}, ""},
		{"obs-text in a value", HeaderField{Name: "x", Value: "caf\xc3\xa9"}, ""},
		{"te: trailers (8.2.2)", HeaderField{Name: "te", Value: "trailers"}, ""},
		{"empty name", HeaderField{Name: "", Value: "v"}, "8.2.1"},
		{"upper case name (8.2.1)", HeaderField{Name: "Sec-WebSocket-Protocol", Value: "chat"}, "8.2.1"},
		{"space in a name (8.2.1)", HeaderField{Name: "x y", Value: "v"}, "8.2.1"},
		{"DEL in a name (8.2.1)", HeaderField{Name: "x\x7f", Value: "v"}, "8.2.1"},
		{"non-ASCII name (8.2.1)", HeaderField{Name: "caf\xc3\xa9", Value: "v"}, "8.2.1"},
		{"colon inside a name (8.2.1)", HeaderField{Name: "x:y", Value: "v"}, "8.2.1"},
		{"double colon pseudo-header (8.2.1)", HeaderField{Name: "::path", Value: "/"}, "8.2.1"},
		{"NUL in a value (8.2.1)", HeaderField{Name: "x", Value: "a\x00b"}, "8.2.1"},
		{"LF in a value (8.2.1)", HeaderField{Name: "x", Value: "a\nb"}, "8.2.1"},
		{"CR in a value (8.2.1)", HeaderField{Name: "x", Value: "a\rb"}, "8.2.1"},
		{"leading space (8.2.1)", HeaderField{Name: "x", Value: " v"}, "8.2.1"},
		{"trailing tab (8.2.1)", HeaderField{Name: "x", Value: "v\t"}, "8.2.1"},
		{"connection (8.2.2)", HeaderField{Name: "connection", Value: "keep-alive"}, "8.2.2"},
		{"upgrade (8.2.2)", HeaderField{Name: "upgrade", Value: "websocket"}, "8.2.2"},
		{"transfer-encoding (8.2.2)", HeaderField{Name: "transfer-encoding", Value: "chunked"}, "8.2.2"},
		{"te other than trailers (8.2.2)", HeaderField{Name: "te", Value: "gzip"}, "8.2.2"},
	}
	for _, tt := range tests {
		err := CheckField(3, tt.f)
		var se *StreamError
		switch {
		case tt.section == "" && err != nil:
			t.Errorf("%s: CheckField(%q: %q) = %v, want nil", tt.name, tt.f.Name, tt.f.Value, err)
		case tt.section != "" && (!errors.As(err, &se) || se.StreamID != 3 || se.Code != ErrCodeProtocol ||
			!strings.HasSuffix(se.Reason, "Section "+tt.section+")")):
			t.Errorf("%s: CheckField(%q: %q) = %v, want a PROTOCOL_ERROR stream error citing Section %s", tt.name, tt.f.Name, tt.f.Value, err, tt.section)
		}
	}
}
