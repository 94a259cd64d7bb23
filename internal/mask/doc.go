// Package mask implements the masking of RFC 6455, Section 5.3, fast.
//
// Every frame a client sends is masked: octet i of the payload is XORed with
// octet i mod 4 of the frame's 32-bit masking key. Unmasking is the same
// operation. XOR applies it in place and can resume at any offset, so a
// payload may be (un)masked in pieces as it arrives from the network.
//
// A plain word-at-a-time Go loop runs at about a tenth of copy() speed. XOR
// instead fills a 512-byte block with the key repeated (rotated to the
// starting offset), once per call on the stack, and hands the payload to
// crypto/subtle.XORBytes block by block; the standard library vectorizes
// that loop. No assembly of our own. Payloads under 4 KiB take an unrolled
// eight-bytes-at-a-time loop instead, which measured faster there than
// building the block and calling XORBytes. XORBytewise is the byte loop as the RFC states it, kept as
// the reference XOR is tested (and fuzzed) against.
//
// # Spec coverage
//
//   - RFC 6455, Section 5.3: client-to-server masking.
//
// https://www.rfc-editor.org/rfc/rfc6455
package mask
