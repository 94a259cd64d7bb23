package handshake

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"io"
)

// GUID is the globally unique identifier that a server appends to the client's
// Sec-WebSocket-Key before hashing it (RFC 6455, Section 1.3).
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// AcceptKey returns the Sec-WebSocket-Accept value for a Sec-WebSocket-Key:
// the base64 encoding of the SHA-1 of the key (as sent, not decoded) followed
// by GUID (RFC 6455, Sections 1.3 and 4.2.2). It proves to the client that the
// server read its handshake; it is not a security measure.
func AcceptKey(key string) string {
	var buf [128]byte
	sum := sha1.Sum(append(append(buf[:0], key...), GUID...))
	var out [28]byte // base64 of 20 bytes
	base64.StdEncoding.Encode(out[:], sum[:])
	return string(out[:])
}

// NewKey returns a fresh Sec-WebSocket-Key: 16 bytes read from rand, base64
// encoded (RFC 6455, Section 4.1). A nil rand means crypto/rand.Reader; tests
// pass a fixed reader to get a byte-exact request.
func NewKey(rand io.Reader) (string, error) {
	if rand == nil {
		rand = cryptoRand
	}
	var b [16]byte
	// "The value of this header field MUST be a nonce consisting of a randomly
	// selected 16-byte value that has been base64-encoded" (Section 4.1)
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b[:]), nil
}

var cryptoRand io.Reader = rand.Reader

// isValidKey reports whether key is the base64 encoding of exactly 16 bytes.
func isValidKey(key string) bool {
	// 16 bytes encode to 24 characters, the last two "==".
	if len(key) != 24 {
		return false
	}
	var b [18]byte
	n, err := base64.StdEncoding.Strict().Decode(b[:], []byte(key))
	return err == nil && n == 16
}
