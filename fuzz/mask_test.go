package fuzz

import (
	"bytes"
	"testing"

	"github.com/rfc6455/ws/internal/mask"
)

// FuzzMask: Property: the vectorized mask.XOR equals the byte loop
// mask.XORBytewise at every offset, returns pos+len(b), and masking in the
// chunks given by cuts equals masking the whole payload at once.
func FuzzMask(f *testing.F) {
	f.Add([]byte("Hello"), uint32(0x37fa213d), 0, []byte{2})              // Section 5.7 key
	f.Add(make([]byte, 1000), uint32(0x01020304), 3, []byte{7, 200})      // unrolled word loop
	f.Add(make([]byte, 4100), uint32(0xffffffff), 1, []byte{})            // the XORBytes path
	f.Add(make([]byte, 9000), uint32(0x80402010), 2, []byte{255, 3, 100}) // several 512-byte blocks, chunked
	f.Fuzz(func(t *testing.T, data []byte, k uint32, pos int, cuts []byte) {
		if pos < 0 {
			pos = -(pos + 1)
		}
		pos %= 1 << 20
		key := [4]byte{byte(k >> 24), byte(k >> 16), byte(k >> 8), byte(k)}
		got, want := bytes.Clone(data), bytes.Clone(data)
		if next := mask.XOR(key, got, pos); next != pos+len(data) {
			t.Fatalf("XOR returned %d, want %d", next, pos+len(data))
		}
		mask.XORBytewise(key, want, pos)
		if !bytes.Equal(got, want) {
			t.Fatalf("XOR(len %d, pos %d) differs from XORBytewise", len(data), pos)
		}
		chunked := bytes.Clone(data)
		rest, at := chunked, pos
		for _, c := range cuts {
			n := min(int(c), len(rest))
			at = mask.XOR(key, rest[:n], at)
			rest = rest[n:]
		}
		mask.XOR(key, rest, at)
		if !bytes.Equal(chunked, want) {
			t.Fatalf("XOR in chunks %v differs from XOR whole", cuts)
		}
	})
}
