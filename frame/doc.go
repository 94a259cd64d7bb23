// Package frame is the sans-I/O frame codec of RFC 6455, Section 5: it turns
// bytes into frame values and back, and checks the framing rules.
//
// The core works on byte slices: AppendHeader and ParseHeader encode and
// decode a frame header, Mask applies the masking of Section 5.3, and
// AppendClosePayload and ParseClosePayload handle close frame bodies
// (Sections 5.5.1 and 7.4). Sequence is a small state machine, fed one header
// at a time, for the rules that span frames (Section 5.4). Reader and Writer
// are thin wrappers over an io.Reader and io.Writer the caller hands in.
//
// The package holds no connection, starts no goroutine and reads no clock:
// it does not do the opening handshake (package handshake), nor does it send
// the close frame when a rule is broken (package conn does, with the Code of
// the ProtocolError returned here, RFC 6455, Section 7.1.7).
//
// # Spec coverage
//
//   - Section 5.1: client frames masked, server frames not (Sequence).
//   - Section 5.2: header layout, opcodes, RSV bits, the three payload length
//     forms; non-minimal length forms are rejected (ParseHeader).
//   - Section 5.3: masking (Mask).
//   - Section 5.4: fragmentation, control frames between fragments (Sequence).
//   - Section 5.5: control frames final and at most 125 bytes (ParseHeader).
//   - Section 5.5.1, 7.1.5, 7.4: close frame bodies and status codes.
//   - Section 8.1: text must be UTF-8 (ErrInvalidUTF8; internal/utf8x validates).
//
// https://www.rfc-editor.org/rfc/rfc6455
package frame
