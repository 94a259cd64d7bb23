package mask

import (
	"crypto/subtle"
	"encoding/binary"
)

// blockLen is the size of the repeated-key block handed to subtle.XORBytes.
// It is a multiple of 8 (so the key pattern repeats exactly) and large enough
// that the per-call overhead of XORBytes is small beside the work it does.
const blockLen = 512

// wideMin is the payload length from which building the key block and
// calling subtle.XORBytes pays off; shorter payloads take the unrolled word
// loop, which measured faster up to about 4 KiB.
const wideMin = 4096

// XOR masks (or unmasks) b in place with key, as if b started at offset pos
// of the payload: b[i] ^= key[(pos+i)%4] (RFC 6455, Section 5.3). It returns
// pos+len(b), the offset to pass with the next piece of the same payload.
// pos may be any non-negative int; only pos%4 matters. XOR does not allocate.
func XOR(key [4]byte, b []byte, pos int) int {
	next := pos + len(b)
	k := rotate(key, pos)
	if len(b) < wideMin {
		xorWords(k, b)
		return next
	}
	var block [blockLen]byte
	n := min(len(b), blockLen)
	n = (n + 7) &^ 7 // whole key words; b may be shorter than the block
	w := uint64(binary.LittleEndian.Uint32(k[:]))
	w |= w << 32
	for i := 0; i < n; i += 8 {
		binary.LittleEndian.PutUint64(block[i:], w)
	}
	for len(b) >= n {
		subtle.XORBytes(b[:n], b[:n], block[:n])
		b = b[n:]
	}
	// Whatever is left is shorter than n, a multiple of 8 that repeats the
	// key from its start, so the block's prefix still lines up.
	if len(b) > 0 {
		subtle.XORBytes(b, b, block[:len(b)])
	}
	return next
}

// rotate returns the key as seen from payload offset pos, so that the
// returned key applies from index 0.
func rotate(key [4]byte, pos int) [4]byte {
	s := pos & 3
	return [4]byte{key[s], key[(s+1)&3], key[(s+2)&3], key[(s+3)&3]}
}

// xorWords masks b with k (already rotated to b's start) eight bytes at a
// time, four words per round so the loads and stores overlap.
func xorWords(k [4]byte, b []byte) {
	w := uint64(binary.LittleEndian.Uint32(k[:]))
	w |= w << 32
	for len(b) >= 32 {
		x0 := binary.LittleEndian.Uint64(b[0:8]) ^ w
		x1 := binary.LittleEndian.Uint64(b[8:16]) ^ w
		x2 := binary.LittleEndian.Uint64(b[16:24]) ^ w
		x3 := binary.LittleEndian.Uint64(b[24:32]) ^ w
		binary.LittleEndian.PutUint64(b[0:8], x0)
		binary.LittleEndian.PutUint64(b[8:16], x1)
		binary.LittleEndian.PutUint64(b[16:24], x2)
		binary.LittleEndian.PutUint64(b[24:32], x3)
		b = b[32:]
	}
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^w)
		b = b[8:]
	}
	for i := range b {
		b[i] ^= k[i&3]
	}
}

// XORBytewise is the reference implementation of XOR: the byte loop written
// as RFC 6455, Section 5.3 states it. It returns pos+len(b).
func XORBytewise(key [4]byte, b []byte, pos int) int {
	for i := range b {
		// "octet i of the transformed data is the XOR of octet i of the
		// original data with octet at index i modulo 4 of the masking key"
		b[i] ^= key[(pos+i)&3]
	}
	return pos + len(b)
}
