package frame

import "github.com/rfc6455/ws/internal/mask"

// Mask masks (or unmasks: the operation is its own inverse) b in place with
// key, as if b began at offset pos of the payload (RFC 6455, Section 5.3), and
// returns pos+len(b), the offset to pass with the next piece. Only pos%4
// matters, so callers may keep the returned value modulo 4 or not. Mask does
// not allocate.
func Mask(key [4]byte, b []byte, pos int) int {
	return mask.XOR(key, b, pos)
}
