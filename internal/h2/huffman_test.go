package h2

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestHuffmanCodes checks codes derived from the code lengths against
// entries of the table in RFC 7541, Appendix B ("code as hex, aligned to
// LSB" and "len in bits").
func TestHuffmanCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sym  int
		code uint32
		bits uint8
	}{
		{0, 0x1ff8, 13},
		{1, 0x7fffd8, 23},
		{'\n', 0x3ffffffc, 30},
		{'\r', 0x3ffffffd, 30},
		{22, 0x3ffffffe, 30},
		{' ', 0x14, 6},
		{'!', 0x3f8, 10},
		{'%', 0x15, 6},
		{'0', 0x0, 5},
		{'9', 0x1f, 6},
		{':', 0x5c, 7},
		{'A', 0x21, 6},
		{'Z', 0xfd, 8},
		{'a', 0x3, 5},
		{'t', 0x9, 5},
		{'z', 0x7b, 7},
		{'~', 0x1ffd, 13},
		{127, 0xffffffc, 28},
		{255, 0x3ffffee, 26},
		{eos, 0x3fffffff, 30},
	}
	for _, tt := range tests {
		if huffmanCode[tt.sym] != tt.code || huffmanLen[tt.sym] != tt.bits {
			t.Errorf("symbol %d: code %#x/%d, want %#x/%d (RFC 7541, Appendix B)", tt.sym, huffmanCode[tt.sym], huffmanLen[tt.sym], tt.code, tt.bits)
		}
	}
}

func TestHuffmanRoundTrip(t *testing.T) {
	t.Parallel()
	var all strings.Builder
	for i := range 256 {
		all.WriteByte(byte(i))
	}
	inputs := []string{"", "a", "0", "www.example.com", "no-cache", all.String(), strings.Repeat("\xff", 50)}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		inputs = append(inputs, string(b))
	}
	for _, s := range inputs {
		enc := AppendHuffman(nil, s)
		if len(enc) != HuffmanEncodedLen(s) {
			t.Errorf("HuffmanEncodedLen(%q) = %d, encoding has %d bytes", s, HuffmanEncodedLen(s), len(enc))
		}
		dec, err := HuffmanDecode(nil, enc)
		if err != nil || string(dec) != s {
			t.Errorf("HuffmanDecode(AppendHuffman(%q)) = %q, %v", s, dec, err)
		}
	}
}

func TestHuffmanDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      []byte
		want    *ConnError
		wantOut string
	}{
		{"'a' and 3 one bits of padding (5.2)", []byte{0x1f}, nil, "a"},
		{"' ' and 2 one bits of padding (5.2)", []byte{0x53}, nil, " "},
		{"empty", nil, nil, ""},
		{"EOS symbol in the string (5.2)", []byte{0xff, 0xff, 0xff, 0xfc}, errHuffmanEOS, ""},
		{"8 bits of padding (5.2)", []byte{0x1f, 0xff}, errHuffmanLongPadding, "a"},
		{"padding of zeros (5.2)", []byte{0x18}, errHuffmanPadding, "a"},
		{"padding ending in a zero (5.2)", []byte{0x1e}, errHuffmanPadding, "a"},
		{"a lone byte of ones: 8 bits of padding (5.2)", []byte{0xff}, errHuffmanLongPadding, ""},
	}
	for _, tt := range tests {
		got, err := HuffmanDecode(nil, tt.in)
		if tt.want == nil && (err != nil || string(got) != tt.wantOut) {
			t.Errorf("%s: HuffmanDecode(% x) = %q, %v; want %q", tt.name, tt.in, got, err, tt.wantOut)
		}
		if tt.want != nil {
			var ce *ConnError
			if !errors.Is(err, tt.want) || !errors.As(err, &ce) || ce.Code != ErrCodeCompression {
				t.Errorf("%s: HuffmanDecode(% x) = %q, %v; want %v", tt.name, tt.in, got, err, tt.want)
			}
		}
	}
}

// TestHuffmanDecodeLinear decodes a long run of the longest codes and
// checks the output grows by at most 8/5 of the input, as documented.
func TestHuffmanDecodeLinear(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("0", 8<<10) // 5-bit codes: the most symbols per byte
	enc := AppendHuffman(nil, s)
	out, err := HuffmanDecode(make([]byte, 0, 8), enc)
	if err != nil || string(out) != s {
		t.Fatalf("decode of %d bytes: %v", len(enc), err)
	}
	if len(out) > len(enc)*8/5 {
		t.Errorf("%d bytes out of %d in", len(out), len(enc))
	}
	if !bytes.Equal(AppendHuffman([]byte("x"), "a"), []byte{'x', 0x1f}) {
		t.Error("AppendHuffman does not append")
	}
}

func BenchmarkHuffmanDecode(b *testing.B) {
	s := "Mon, 21 Oct 2013 20:13:21 GMT; https://www.example.com/chat?room=general; permessage-deflate"
	enc := AppendHuffman(nil, s)
	buf := make([]byte, 0, len(s))
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = HuffmanDecode(buf[:0], enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHuffmanEncode(b *testing.B) {
	s := "Mon, 21 Oct 2013 20:13:21 GMT; https://www.example.com/chat?room=general; permessage-deflate"
	buf := make([]byte, 0, len(s))
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendHuffman(buf[:0], s)
	}
}
