package frame

import (
	"testing"
)

func TestFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []byte
		want []Field
	}{
		{"empty", nil, nil},
		{"one byte", []byte{0x82}, []Field{{0, 1, "FIN=1  RSV1-3=000  opcode=0x2 (binary)"}}},
		{"reserved opcode, rsv bits", []byte{0x73, 0x00}, []Field{
			{0, 1, "FIN=0  RSV1-3=111  opcode=0x3 (reserved)"},
			{1, 2, "MASK=0  payload length=0 (7-bit form)"},
		}},
		{"16-bit length cut short", []byte{0x82, 0x7e, 0x01}, []Field{
			{0, 1, "FIN=1  RSV1-3=000  opcode=0x2 (binary)"},
			{1, 2, "MASK=0  payload length: 126 = a 16-bit length follows"},
		}},
		{"64-bit length, payload cut short", []byte{0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0, 9, 9}, []Field{
			{0, 1, "FIN=1  RSV1-3=000  opcode=0x2 (binary)"},
			{1, 2, "MASK=0  payload length: 127 = a 64-bit length follows"},
			{2, 10, "extended payload length=65536 (64-bit, network order)"},
			{10, 12, "payload: 2 bytes"},
		}},
		{"payload stops at the length", []byte{0x89, 0x02, 'h', 'i', 0x8a}, []Field{
			{0, 1, "FIN=1  RSV1-3=000  opcode=0x9 (ping)"},
			{1, 2, "MASK=0  payload length=2 (7-bit form)"},
			{2, 4, `payload: "hi"`},
		}},
		{"masked close with reason", []byte{0x88, 0x85, 0, 0, 0, 0, 0x03, 0xe8, 'b', 'y', 'e'}, []Field{
			{0, 1, "FIN=1  RSV1-3=000  opcode=0x8 (close)"},
			{1, 2, "MASK=1  payload length=5 (7-bit form)"},
			{2, 6, "masking key"},
			{6, 8, "status code=1000 (normal closure) XOR masking key"},
			{8, 11, `reason: "bye" XOR masking key`},
		}},
	}
	for _, tt := range tests {
		got := Fields(tt.in)
		if len(got) != len(tt.want) {
			t.Errorf("%s: Fields(% x) = %+v, want %+v", tt.name, tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: Fields(% x)[%d] = %+v, want %+v", tt.name, tt.in, i, got[i], tt.want[i])
			}
		}
	}
}
