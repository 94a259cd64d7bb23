package fuzz

import (
	"bytes"
	"testing"

	"github.com/rfc6455/ws/internal/mask"
)

// FuzzMask: Property: the vectorized mask.XOR equals the byte loop
// mask.XORBytewise at every offset, returns pos+len(b), and masking in the
// chunks given by cuts equals masking the whole payload at once.
//
// The payload is data followed by grow more bytes (data repeated), so that
// small inputs reach the XORBytes path, which starts at 4 KiB, and the
// fuzzer can minimize what it finds quickly.
func FuzzMask(f *testing.F) {
	f.Add([]byte("Hello"), uint16(0), uint32(0x37fa213d), 0, []byte{2})                     // Section 5.7 key
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7}, uint16(1000), uint32(0x01020304), 3, []byte{7, 200}) // unrolled word loop
	f.Add([]byte{0xff}, uint16(4100), uint32(0xffffffff), 1, []byte{})                      // the XORBytes path
	f.Add([]byte("masking"), uint16(9000), uint32(0x80402010), 2, []byte{255, 3, 100})      // several 512-byte blocks, chunked
	f.Fuzz(func(t *testing.T, data []byte, grow uint16, k uint32, pos int, cuts []byte) {
		if pos < 0 {
			pos = -(pos + 1)
		}
		pos %= 1 << 20
		payload := data
		if len(data) > 0 && grow > 0 {
			payload = make([]byte, len(data)+int(grow))
			for i := 0; i < len(payload); i += len(data) {
				copy(payload[i:], data)
			}
		}
		key := [4]byte{byte(k >> 24), byte(k >> 16), byte(k >> 8), byte(k)}
		got, want := bytes.Clone(payload), bytes.Clone(payload)
		if next := mask.XOR(key, got, pos); next != pos+len(payload) {
			t.Fatalf("XOR returned %d, want %d", next, pos+len(payload))
		}
		mask.XORBytewise(key, want, pos)
		if !bytes.Equal(got, want) {
			t.Fatalf("XOR(len %d, pos %d) differs from XORBytewise", len(payload), pos)
		}
		chunked := bytes.Clone(payload)
		rest, at := chunked, pos
		for _, c := range cuts {
			n := min(int(c)*int(c), len(rest)) // squares: chunks of 0 to 64 KiB
			at = mask.XOR(key, rest[:n], at)
			rest = rest[n:]
		}
		mask.XOR(key, rest, at)
		if !bytes.Equal(chunked, want) {
			t.Fatalf("XOR in chunks %v differs from XOR whole", cuts)
		}
	})
}
