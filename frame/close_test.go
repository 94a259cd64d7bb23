package frame

import (
	"errors"
	"strings"
	"testing"
)

func TestParseClosePayload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      []byte
		want    ClosePayload
		wantErr error
	}{
		{"empty body means no status (7.1.5)", nil, ClosePayload{Code: CloseNoStatus}, nil},
		{"code only", []byte{0x03, 0xe8}, ClosePayload{Code: CloseNormal}, nil},
		{"code and reason", append([]byte{0x03, 0xe9}, "bye"...), ClosePayload{Code: CloseGoingAway, Reason: "bye"}, nil},
		{"utf-8 reason", append([]byte{0x03, 0xe8}, "κόσμε"...), ClosePayload{Code: CloseNormal, Reason: "κόσμε"}, nil},
		{"1014 is registered", []byte{0x03, 0xf6}, ClosePayload{Code: CloseBadGateway}, nil},
		{"3000 registered range", []byte{0x0b, 0xb8}, ClosePayload{Code: 3000}, nil},
		{"4999 private range", []byte{0x13, 0x87}, ClosePayload{Code: 4999}, nil},
		{"one-byte body (5.5.1)", []byte{0x03}, ClosePayload{}, ErrCloseBodyOneByte},
		{"999 (7.4)", []byte{0x03, 0xe7}, ClosePayload{}, ErrCloseCodeInvalid},
		{"1004 reserved (7.4.1)", []byte{0x03, 0xec}, ClosePayload{}, ErrCloseCodeInvalid},
		{"1005 must not be sent (7.4.1)", []byte{0x03, 0xed}, ClosePayload{}, ErrCloseCodeInvalid},
		{"1006 must not be sent (7.4.1)", []byte{0x03, 0xee}, ClosePayload{}, ErrCloseCodeInvalid},
		{"1015 must not be sent (7.4.1)", []byte{0x03, 0xf7}, ClosePayload{}, ErrCloseCodeInvalid},
		{"1016 reserved (7.4.2)", []byte{0x03, 0xf8}, ClosePayload{}, ErrCloseCodeInvalid},
		{"2999 reserved (7.4.2)", []byte{0x0b, 0xb7}, ClosePayload{}, ErrCloseCodeInvalid},
		{"5000 undefined (7.4.2)", []byte{0x13, 0x88}, ClosePayload{}, ErrCloseCodeInvalid},
		{"0", []byte{0, 0}, ClosePayload{}, ErrCloseCodeInvalid},
		{"bad utf-8 reason (5.5.1, 8.1)", []byte{0x03, 0xe8, 0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64}, ClosePayload{}, ErrBadCloseReason},
		{"body over 125 bytes (5.5)", append([]byte{0x03, 0xe8}, strings.Repeat("x", 124)...), ClosePayload{}, ErrControlTooLong},
		{"body of exactly 125 bytes", append([]byte{0x03, 0xe8}, strings.Repeat("x", 123)...), ClosePayload{Code: CloseNormal, Reason: strings.Repeat("x", 123)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseClosePayload(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseClosePayload(% x) err = %v, want %v", tt.in, err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("ParseClosePayload(% x) = %+v, want %+v", tt.in, got, tt.want)
			}
			if err != nil {
				return
			}
			// A valid body round-trips.
			enc, err := AppendClosePayload(nil, got)
			if err != nil || string(enc) != string(tt.in) {
				t.Errorf("AppendClosePayload(%+v) = % x, %v, want % x", got, enc, err, tt.in)
			}
		})
	}
}

func TestAppendClosePayload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      ClosePayload
		want    string
		wantErr error
	}{
		{"no status is an empty body", ClosePayload{Code: CloseNoStatus}, "", nil},
		{"code only", ClosePayload{Code: CloseNormal}, "\x03\xe8", nil},
		{"code and reason", ClosePayload{Code: CloseProtocolError, Reason: "bad"}, "\x03\xeabad", nil},
		{"reason of 123 bytes fits", ClosePayload{Code: CloseNormal, Reason: strings.Repeat("a", 123)}, "\x03\xe8" + strings.Repeat("a", 123), nil},
		{"reason of 124 bytes does not (5.5)", ClosePayload{Code: CloseNormal, Reason: strings.Repeat("a", 124)}, "", ErrControlTooLong},
		{"reason without a code", ClosePayload{Code: CloseNoStatus, Reason: "x"}, "", ErrCloseCodeInvalid},
		{"1006 is never sent (7.4.1)", ClosePayload{Code: CloseAbnormal}, "", ErrCloseCodeInvalid},
		{"1015 is never sent (7.4.1)", ClosePayload{Code: CloseTLSHandshake}, "", ErrCloseCodeInvalid},
		{"0 is invalid", ClosePayload{}, "", ErrCloseCodeInvalid},
		{"non-UTF-8 reason (5.5.1)", ClosePayload{Code: CloseNormal, Reason: "\xff"}, "", ErrBadCloseReason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dst := []byte("prefix")
			got, err := AppendClosePayload(dst, tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("AppendClosePayload(%+v) err = %v, want %v", tt.in, err, tt.wantErr)
			}
			if string(got) != "prefix"+tt.want {
				t.Fatalf("AppendClosePayload(%+v) = %q, want %q", tt.in, got, "prefix"+tt.want)
			}
		})
	}
}

func TestCloseCodeIsValid(t *testing.T) {
	t.Parallel()
	for c := range 70000 {
		code := CloseCode(c)
		if c > 0xffff {
			break
		}
		want := (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999)
		if got := code.IsValid(); got != want {
			t.Fatalf("CloseCode(%d).IsValid() = %v, want %v", c, got, want)
		}
	}
}

func TestCloseCodeString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c    CloseCode
		want string
	}{
		{CloseNormal, "1000 (normal closure)"},
		{CloseNoStatus, "1005 (no status received)"},
		{CloseTLSHandshake, "1015 (TLS handshake failure)"},
		{3001, "3001 (registered)"},
		{4000, "4000 (private use)"},
		{1004, "1004 (invalid)"},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("CloseCode(%d).String() = %q, want %q", uint16(tt.c), got, tt.want)
		}
	}
}
