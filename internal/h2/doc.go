// Package h2 is a sans-I/O implementation of the parts of HTTP/2 (RFC 9113)
// and HPACK (RFC 7541) that a WebSocket client needs to bootstrap WebSockets
// over HTTP/2 with the extended CONNECT method (RFC 8441).
//
// Like package frame, h2 is functions over []byte: ParseFrameHeader and the
// Parse* payload parsers decode, AppendFrameHeader and the Append* encoders
// encode whole frames, and Reader is a thin wrapper that reads one frame at a
// time from an io.Reader the caller hands in. Decoder and Encoder turn HPACK
// header blocks into header fields and back. There are no connections,
// goroutines, locks or timers here: stream states, flow-control windows,
// SETTINGS acknowledgement timeouts and the joining of CONTINUATION frames
// belong to the caller (package conn).
//
// # Errors
//
// RFC 9113, Section 5.4 distinguishes connection errors (the whole connection
// ends with a GOAWAY) from stream errors (one stream ends with a RST_STREAM).
// The parsers return a *ConnError or a *StreamError carrying the error code
// to send; each Reason names the rule broken and cites its section. Every
// HPACK decoding error is a connection error of type COMPRESSION_ERROR
// (RFC 9113, Section 4.3), except a header list over the size the caller
// allows, which wraps ErrHeaderListTooLarge and leaves the connection usable.
//
// # HPACK in brief
//
// A header block is a sequence of representations (RFC 7541, Section 6): an
// index into the static table (61 entries, Appendix A) or the dynamic table
// (a FIFO of recently sent fields bounded in bytes, Section 4), or a literal
// name and value, each string optionally Huffman-coded with the fixed code of
// Appendix B. Integers use an N-bit prefix followed by 7-bit continuation
// bytes (Section 5.1). The decoder keeps the dynamic table the peer's encoder
// builds; our Encoder never adds to a dynamic table (it sends literals
// "without indexing" or static-table indexes), so the peer's decoder state
// never depends on ours and no dynamic table size update is ever needed.
//
// The Huffman decoder walks a state table built at init from the code
// lengths: 4 bits of input per step, at most one symbol out per step (the
// shortest code is 5 bits), so decoding is linear in the input.
//
// # Hostile peers
//
// Every length the peer announces is checked before it is used: a frame
// longer than the SETTINGS_MAX_FRAME_SIZE we advertised is refused before its
// payload is read, and Reader grows its buffer with the bytes that actually
// arrive. HPACK integers are bounded to 32 bits, string lengths to the bytes
// left in the block, the dynamic table to the SETTINGS_HEADER_TABLE_SIZE we
// allow, and the decoded header list to SetMaxHeaderListSize: past that bound
// Decode stops emitting fields and only steps over the rest of the block
// (keeping the dynamic table in step), so a block of one-byte references to
// a large table entry cannot expand into memory (RFC 7541, Section 7.3).
// Nothing is quadratic: every parser and the Huffman decoder are one pass,
// and dynamic table eviction is amortized O(1).
//
// # Spec coverage
//
//   - RFC 9113, Section 3.4: the client connection preface (ClientPreface).
//   - RFC 9113, Section 4.1, 4.2: frame header, frame size (Reader).
//   - RFC 9113, Section 5.4: connection and stream errors (ConnError, StreamError).
//   - RFC 9113, Section 6.1–6.10: every frame type's payload and its
//     frame-level rules (stream zero or not, fixed lengths, padding).
//   - RFC 9113, Section 6.5.2: setting ranges (Setting.Valid).
//   - RFC 9113, Section 7: error codes (ErrCode).
//   - RFC 9113, Sections 8.2.1, 8.2.2: field name and value characters,
//     connection-specific fields (CheckField).
//   - RFC 8441, Section 3: SETTINGS_ENABLE_CONNECT_PROTOCOL.
//   - RFC 7541, Sections 2–7 and Appendices A, B: HPACK decoding in full,
//     encoding without the dynamic table.
//
// Not covered: server push beyond parsing PUSH_PROMISE (a client that sends
// SETTINGS_ENABLE_PUSH=0 treats one as a PROTOCOL_ERROR, RFC 9113,
// Section 6.6), priority signalling beyond parsing (deprecated, Section
// 5.3.2), padding on frames we send, and the rules of HTTP messages over
// HTTP/2 that need the message or the stream's state (Sections 8.1, 8.3:
// which pseudo-header fields, in what order), which belong to the caller.
//
// https://www.rfc-editor.org/rfc/rfc9113, https://www.rfc-editor.org/rfc/rfc7541,
// https://www.rfc-editor.org/rfc/rfc8441
package h2
