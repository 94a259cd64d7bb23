package frame

import "testing"

func TestOpcode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op                      Opcode
		control, data, reserved bool
		name                    string
	}{
		{OpContinuation, false, true, false, "continuation"},
		{OpText, false, true, false, "text"},
		{OpBinary, false, true, false, "binary"},
		{0x3, false, false, true, "reserved 0x3"},
		{0x7, false, false, true, "reserved 0x7"},
		{OpClose, true, false, false, "close"},
		{OpPing, true, false, false, "ping"},
		{OpPong, true, false, false, "pong"},
		{0xB, true, false, true, "reserved 0xb"},
		{0xF, true, false, true, "reserved 0xf"},
	}
	for _, tt := range tests {
		if got := tt.op.IsControl(); got != tt.control {
			t.Errorf("Opcode(%#x).IsControl() = %v, want %v", byte(tt.op), got, tt.control)
		}
		if got := tt.op.IsData(); got != tt.data {
			t.Errorf("Opcode(%#x).IsData() = %v, want %v", byte(tt.op), got, tt.data)
		}
		if got := tt.op.IsReserved(); got != tt.reserved {
			t.Errorf("Opcode(%#x).IsReserved() = %v, want %v", byte(tt.op), got, tt.reserved)
		}
		if got := tt.op.String(); got != tt.name {
			t.Errorf("Opcode(%#x).String() = %q, want %q", byte(tt.op), got, tt.name)
		}
	}
}

func TestProtocolErrorIsComparable(t *testing.T) {
	t.Parallel()
	if ErrControlTooLong.Error() != "frame: control frame payload over 125 bytes (RFC 6455, Section 5.5)" {
		t.Fatalf("Error() = %q", ErrControlTooLong.Error())
	}
	seen := map[ProtocolError]bool{}
	for _, e := range []ProtocolError{ErrReservedOpcode, ErrReservedBits, ErrLengthMSBSet, ErrNonMinimalLength,
		ErrMaskRequired, ErrMaskUnexpected, ErrControlFragmented, ErrControlTooLong, ErrUnexpectedContinuation,
		ErrExpectedContinuation, ErrCloseBodyOneByte, ErrCloseCodeInvalid, ErrBadCloseReason, ErrInvalidUTF8, ErrMessageTooBig} {
		if seen[e] {
			t.Fatalf("two rules share the value %+v", e)
		}
		seen[e] = true
		if !e.Code.IsValid() || e.Section == "" || e.Reason == "" {
			t.Fatalf("incomplete ProtocolError %+v", e)
		}
	}
}
