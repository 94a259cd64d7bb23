// Package frame is the sans-I/O frame codec of RFC 6455, Section 5: it turns
// bytes into frame values and back, and checks the framing rules.
//
// The core works on byte slices: AppendHeader and ParseHeader encode and
// decode a frame header, Mask applies the masking of Section 5.3, and
// AppendClosePayload and ParseClosePayload handle close frame bodies
// (Sections 5.5.1 and 7.4). Sequence is a small state machine, fed one header
// at a time, for the rules that span frames (Sections 5.1 and 5.4). Reader
// and Writer are thin wrappers over an io.Reader and io.Writer the caller
// hands in; Fields labels the bytes of a frame for annotated dumps.
//
// The package holds no connection, starts no goroutine, takes no lock and
// reads no clock: it does not do the opening handshake (package handshake),
// and it does not send the close frame when a rule is broken. It returns a
// ProtocolError whose Code says what to send; package conn fails the
// connection with it (Section 7.1.7).
//
// # The frame on the wire
//
// The header of Section 5.2, most significant bit first:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-------+-+-------------+-------------------------------+
//	|F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//	|I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//	|N|V|V|V|       |S|             |   (if payload len==126/127)   |
//	| |1|2|3|       |K|             |                               |
//	+-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//	|     Extended payload length continued, if payload len == 127  |
//	+ - - - - - - - - - - - - - - - +-------------------------------+
//	|                               |Masking-key, if MASK set to 1  |
//	+-------------------------------+-------------------------------+
//	| Masking-key (continued)       |          Payload Data         |
//	+-------------------------------- - - - - - - - - - - - - - - - +
//
// A header is 2 to 14 bytes (MaxHeaderLen). The 7-bit length holds 0–125;
// 126 means a 16-bit length follows, 127 a 64-bit one. Clients mask every
// frame with a fresh 4-byte key; servers never mask. The annotated files in
// testdata/frames show every form byte by byte, starting with the examples
// of Section 5.7.
//
// # Choices where the RFC leaves room
//
//   - Non-minimal lengths (a 16-bit length under 126, a 64-bit length under
//     65536) are rejected with 1002 (ErrNonMinimalLength). Section 5.2 says
//     "the minimal number of bytes MUST be used to encode the length"; it
//     does not say what a receiver does about it. Rejecting keeps one
//     encoding per header, so every accepted header re-encodes byte for byte.
//   - A control frame whose 7-bit length is 126 or 127 is rejected as too
//     long (ErrControlTooLong) from its first two bytes, without reading the
//     extended length: either it is over 125 bytes or it is non-minimal.
//   - Reserved opcodes are rejected by ParseHeader, so callers never see one.
//   - RSV bits are decoded by ParseHeader and judged by Sequence against
//     AllowedRSV; where an extension allows a bit (RFC 7692 allows RSV1 only
//     on the first frame of a message) is the extension's business.
//   - Close codes 1012–1014, registered with IANA after the RFC, are valid
//     on the wire; 1004–1006, 1015, 1016–2999 and 5000 and up are not.
//
// # Spec coverage
//
//   - Section 5.1: client frames masked, server frames not (Sequence).
//   - Section 5.2: header layout, opcodes, RSV bits, the three payload length
//     forms, 64-bit length top bit (ParseHeader, AppendHeader, Sequence).
//   - Section 5.3: masking (Mask; internal/mask).
//   - Section 5.4: fragmentation, control frames between fragments (Sequence).
//   - Section 5.5: control frames final and at most 125 bytes (ParseHeader).
//   - Sections 5.5.1, 7.1.5, 7.4: close frame bodies and status codes
//     (ParseClosePayload, AppendClosePayload, CloseCode).
//   - Sections 5.6, 8.1: text is UTF-8 (ErrInvalidUTF8; internal/utf8x
//     validates across fragments, in package conn).
//   - Section 5.7: the examples, as fixtures in testdata/frames.
//   - Section 7.4.1: 1009 for a message over the limit (ErrMessageTooBig,
//     applied by package conn).
//
// https://www.rfc-editor.org/rfc/rfc6455
package frame
