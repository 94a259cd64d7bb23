package conn

import (
	"bytes"
	"testing"

	"github.com/rfc6455/ws/frame"
)

// TestMaskCopy: maskCopy equals copying then frame.Mask, at every length
// around the block size and every key phase, and leaves src alone.
func TestMaskCopy(t *testing.T) {
	t.Parallel()
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	for _, n := range []int{0, 1, 3, 4, 5, maskBlock - 1, maskBlock, maskBlock + 1, 3*maskBlock + 2, 100000} {
		for pos := range 4 {
			src := make([]byte, n)
			for i := range src {
				src[i] = byte(i * 7)
			}
			orig := bytes.Clone(src)
			want := bytes.Clone(src)
			wantPos := frame.Mask(key, want, pos)
			got := make([]byte, n)
			gotPos := maskCopy(got, src, key, pos)
			if !bytes.Equal(got, want) || gotPos&3 != wantPos&3 || !bytes.Equal(src, orig) {
				t.Fatalf("maskCopy(n=%d, pos=%d) differs from copy+frame.Mask", n, pos)
			}
			maskCopy(src, src, key, pos) // in place
			if !bytes.Equal(src, want) {
				t.Fatalf("maskCopy(n=%d, pos=%d) in place differs from frame.Mask", n, pos)
			}
		}
	}
}

// BenchmarkMaskCopy: a 16 KiB masked payload copied out of the read buffer
// in the pieces reads bring (4 KiB), as a server reads a pipelined 16 KiB
// message; beside copy() of the same bytes.
func BenchmarkMaskCopy(b *testing.B) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	src := make([]byte, 16<<10)
	dst := make([]byte, len(src))
	for _, mode := range []string{"maskCopy", "copy"} {
		b.Run(mode, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				pos := 1
				for off := 0; off < len(src); off += 4 << 10 {
					if mode == "copy" {
						copy(dst[off:off+4<<10], src[off:off+4<<10])
					} else {
						pos = maskCopy(dst[off:off+4<<10], src[off:off+4<<10], key, pos)
					}
				}
			}
		})
	}
}
