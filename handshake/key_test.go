package handshake

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

func TestAcceptKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ key, want string }{
		{"dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},        // RFC 6455, Section 1.3
		{"AQIDBAUGBwgJCgsMDQ4PEA==", "C/0nmHhBztSRGR1CwL6Tf4ZjwpY="},        // checked with Python hashlib
		{"", "Kfh9QIsMVZcl6xEPYxPHzW8SZ8w="},                                // SHA-1 of the GUID alone
		{strings.Repeat("k", 200), AcceptKeySlow(strings.Repeat("k", 200))}, // longer than the stack buffer
	}
	for _, tt := range tests {
		if got := AcceptKey(tt.key); got != tt.want {
			t.Errorf("AcceptKey(%q) = %q, want %q", tt.key, got, tt.want)
		}
		if got := AcceptKeySlow(tt.key); got != tt.want {
			t.Errorf("AcceptKeySlow(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestNewKey(t *testing.T) {
	t.Parallel()
	// 16 bytes 0x01..0x10 (Section 4.1's example nonce is base64 of such bytes).
	key, err := NewKey(bytes.NewReader([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 99}))
	if err != nil || key != "AQIDBAUGBwgJCgsMDQ4PEA==" {
		t.Errorf("NewKey(1..16) = %q, %v, want %q", key, err, "AQIDBAUGBwgJCgsMDQ4PEA==")
	}
	if !isValidKey(key) {
		t.Errorf("isValidKey(NewKey) = false")
	}
	a, err1 := NewKey(nil)
	b, err2 := NewKey(nil)
	if err1 != nil || err2 != nil || a == b || !isValidKey(a) {
		t.Errorf("NewKey(nil) twice = %q %v, %q %v; want two different valid keys", a, err1, b, err2)
	}
	if _, err := NewKey(bytes.NewReader(make([]byte, 15))); err == nil {
		t.Error("NewKey with 15 random bytes: err = nil, want an error")
	}
	boom := errors.New("boom")
	if _, err := NewKey(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("NewKey(failing reader) err = %v, want %v", err, boom)
	}
}

func TestIsValidKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key  string
		want bool
	}{
		{"dGhlIHNhbXBsZSBub25jZQ==", true},
		{"AAAAAAAAAAAAAAAAAAAAAA==", true},
		{"AAAAAAAAAAAAAAAAAAAA", false},         // 15 bytes
		{"AAAAAAAAAAAAAAAAAAAAAAAA", false},     // 18 bytes
		{"AAAAAAAAAAAAAAAAAAAAAAA=", false},     // 17 bytes
		{"AAAAAAAAAAAAAAAAAAAAAAAAAAAA", false}, // 21 bytes
		{"dGhlIHNhbXBsZSBub25jZQ!!", false},
		{"dGhlIHNhbXBsZSBub25jZR==", false}, // non-zero padding bits (strict base64)
		{"", false},
	}
	for _, tt := range tests {
		if got := isValidKey(tt.key); got != tt.want {
			t.Errorf("isValidKey(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestAcceptKeyAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { AcceptKey("dGhlIHNhbXBsZSBub25jZQ==") }); n > 1 {
		t.Errorf("AcceptKey allocates %v times, want at most 1 (the string)", n)
	}
}
