package conn

import (
	"crypto/subtle"
	"encoding/binary"

	"github.com/rfc6455/ws/frame"
)

// maskBlock is the size of the repeated-key block maskCopy XORs against.
const maskBlock = 2048

// maskCopy writes src masked with key into dst, as if src began at offset
// pos of the payload (RFC 6455, Section 5.3), in one pass: a client's
// payload is masked as it is copied into the write buffer, never in the
// caller's slice. len(dst) must be at least len(src); dst and src may be
// the same slice (unmasking in place). It returns pos+len(src), as
// frame.Mask does.
func maskCopy(dst, src []byte, key [4]byte, pos int) int {
	if len(src) < maskBlock {
		n := copy(dst, src)
		return frame.Mask(key, dst[:n], pos)
	}
	// The key as seen from offset pos, repeated over as much of the block
	// as src needs, eight bytes per store (a byte loop over the whole
	// block cost more than the XOR itself on a 16 KiB echo's profile).
	var block [maskBlock]byte
	s := pos & 3
	w := uint64(key[s]) | uint64(key[(s+1)&3])<<8 | uint64(key[(s+2)&3])<<16 | uint64(key[(s+3)&3])<<24
	w |= w << 32
	for i, n := 0, (min(len(src), maskBlock)+7)&^7; i < n; i += 8 {
		binary.LittleEndian.PutUint64(block[i:], w)
	}
	next := pos + len(src)
	for len(src) > 0 {
		// Every chunk but the last is maskBlock long, a multiple of 4, so
		// the key stays in phase.
		n := min(len(src), maskBlock)
		subtle.XORBytes(dst[:n], src[:n], block[:n])
		dst, src = dst[n:], src[n:]
	}
	return next
}
