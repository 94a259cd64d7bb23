package frame

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

func TestParseHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      []byte
		want    Header
		wantN   int
		wantErr error
	}{
		{"5.7 unmasked text Hello", []byte{0x81, 0x05}, Header{Fin: true, Opcode: OpText, PayloadLen: 5}, 2, nil},
		{"5.7 masked text Hello", []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d}, Header{Fin: true, Opcode: OpText, Masked: true, MaskKey: [4]byte{0x37, 0xfa, 0x21, 0x3d}, PayloadLen: 5}, 6, nil},
		{"5.7 first fragment", []byte{0x01, 0x03}, Header{Opcode: OpText, PayloadLen: 3}, 2, nil},
		{"5.7 continuation", []byte{0x80, 0x02}, Header{Fin: true, Opcode: OpContinuation, PayloadLen: 2}, 2, nil},
		{"5.7 256 bytes, 16-bit length", []byte{0x82, 0x7e, 0x01, 0x00}, Header{Fin: true, Opcode: OpBinary, PayloadLen: 256}, 4, nil},
		{"5.7 64 KiB, 64-bit length", []byte{0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0}, Header{Fin: true, Opcode: OpBinary, PayloadLen: 65536}, 10, nil},
		{"length 125, 7-bit form", []byte{0x82, 0x7d}, Header{Fin: true, Opcode: OpBinary, PayloadLen: 125}, 2, nil},
		{"length 126, 16-bit form", []byte{0x82, 0x7e, 0x00, 0x7e}, Header{Fin: true, Opcode: OpBinary, PayloadLen: 126}, 4, nil},
		{"length 65535, 16-bit form", []byte{0x82, 0x7e, 0xff, 0xff}, Header{Fin: true, Opcode: OpBinary, PayloadLen: 65535}, 4, nil},
		{"largest length", []byte{0x82, 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, Header{Fin: true, Opcode: OpBinary, PayloadLen: 1<<63 - 1}, 10, nil},
		{"rsv bits decoded (checked by Sequence)", []byte{0xf1, 0x00}, Header{Fin: true, Rsv1: true, Rsv2: true, Rsv3: true, Opcode: OpText}, 2, nil},
		{"trailing bytes not consumed", []byte{0x89, 0x00, 0xde, 0xad}, Header{Fin: true, Opcode: OpPing}, 2, nil},
		{"empty: short", nil, Header{}, 0, ErrShortHeader},
		{"one byte: short", []byte{0x81}, Header{}, 0, ErrShortHeader},
		{"16-bit length cut: short", []byte{0x82, 0x7e, 0x01}, Header{}, 0, ErrShortHeader},
		{"64-bit length cut: short", []byte{0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0}, Header{}, 0, ErrShortHeader},
		{"mask key cut: short", []byte{0x81, 0x85, 0x37, 0xfa, 0x21}, Header{}, 0, ErrShortHeader},
		{"reserved data opcode 0x3 (5.2)", []byte{0x83, 0x00}, Header{}, 0, ErrReservedOpcode},
		{"reserved control opcode 0xB (5.2)", []byte{0x8b, 0x00}, Header{}, 0, ErrReservedOpcode},
		{"control frame not final (5.5)", []byte{0x09, 0x00}, Header{}, 0, ErrControlFragmented},
		{"control frame over 125 (5.5)", []byte{0x89, 0x7e, 0x00, 0x7e}, Header{}, 0, ErrControlTooLong},
		{"control frame 16-bit form detected at 2 bytes (5.5)", []byte{0x88, 0x7e}, Header{}, 0, ErrControlTooLong},
		{"64-bit length top bit set (5.2)", []byte{0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0}, Header{}, 0, ErrLengthMSBSet},
		{"16-bit form for 125 is non-minimal (5.2)", []byte{0x82, 0x7e, 0x00, 0x7d}, Header{}, 0, ErrNonMinimalLength},
		{"16-bit form for 0 is non-minimal (5.2)", []byte{0x82, 0x7e, 0x00, 0x00}, Header{}, 0, ErrNonMinimalLength},
		{"64-bit form for 65535 is non-minimal (5.2)", []byte{0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, Header{}, 0, ErrNonMinimalLength},
		{"64-bit form for 5 is non-minimal (5.2)", []byte{0x81, 0x7f, 0, 0, 0, 0, 0, 0, 0, 5}, Header{}, 0, ErrNonMinimalLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, n, err := ParseHeader(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseHeader(% x) err = %v, want %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want || n != tt.wantN {
				t.Fatalf("ParseHeader(% x) = %+v, %d, want %+v, %d", tt.in, got, n, tt.want, tt.wantN)
			}
			if err != nil {
				if n != 0 {
					t.Fatalf("ParseHeader(% x) consumed %d bytes on error", tt.in, n)
				}
				return
			}
			// Every accepted header re-encodes to the bytes it came from.
			if enc := AppendHeader(nil, got); !bytes.Equal(enc, tt.in[:n]) {
				t.Fatalf("AppendHeader(%+v) =\n%s\nwant\n%s", got, hex.Dump(enc), hex.Dump(tt.in[:n]))
			}
			if got.Len() != n {
				t.Fatalf("Header.Len() = %d, want %d", got.Len(), n)
			}
			// Every proper prefix is a short header.
			for i := range n {
				if _, m, err := ParseHeader(tt.in[:i]); err != ErrShortHeader || m != 0 {
					t.Fatalf("ParseHeader(% x) = %d, %v, want 0, ErrShortHeader", tt.in[:i], m, err)
				}
			}
		})
	}
}

func TestAppendHeaderMinimalForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int64
		want string
	}{
		{0, "8200"},
		{125, "827d"},
		{126, "827e007e"},
		{65535, "827effff"},
		{65536, "827f0000000000010000"},
		{1<<63 - 1, "827f7fffffffffffffff"},
	}
	for _, tt := range tests {
		got := hex.EncodeToString(AppendHeader(nil, Header{Fin: true, Opcode: OpBinary, PayloadLen: tt.n}))
		if got != tt.want {
			t.Errorf("AppendHeader(len %d) = %s, want %s", tt.n, got, tt.want)
		}
	}
}

func TestAppendHeaderPanicsOutOfRange(t *testing.T) {
	t.Parallel()
	for _, h := range []Header{{Opcode: 0x10}, {Opcode: OpText, PayloadLen: -1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AppendHeader(%+v) did not panic", h)
				}
			}()
			AppendHeader(nil, h)
		}()
	}
}

func TestHeaderRSV(t *testing.T) {
	t.Parallel()
	if got := (Header{Rsv1: true, Rsv3: true}).RSV(); got != RSV1|RSV3 {
		t.Fatalf("RSV() = %#x, want %#x", got, RSV1|RSV3)
	}
	if got := (Header{}).RSV(); got != 0 {
		t.Fatalf("RSV() = %#x, want 0", got)
	}
}

func TestParseHeaderAllocs(t *testing.T) {
	b := []byte{0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4}
	if a := testing.AllocsPerRun(100, func() { ParseHeader(b) }); a != 0 {
		t.Fatalf("ParseHeader allocates %v times, want 0", a)
	}
	dst := make([]byte, 0, MaxHeaderLen)
	h := Header{Fin: true, Opcode: OpBinary, Masked: true, PayloadLen: 70000}
	if a := testing.AllocsPerRun(100, func() { AppendHeader(dst[:0], h) }); a != 0 {
		t.Fatalf("AppendHeader allocates %v times, want 0", a)
	}
}
