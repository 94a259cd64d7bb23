// Package deflate is the DEFLATE codec behind permessage-deflate
// (RFC 7692): a compressor of our own with a configurable sliding window,
// and a bounded, streaming decompressor built on compress/flate.
//
// # Why a compressor of our own
//
// RFC 7692 lets a peer limit the LZ77 window of the other side to 2^8 ..
// 2^15 bytes (server_max_window_bits, client_max_window_bits, RFC 7692,
// Section 7.1.2). compress/flate always uses a 32 KiB window, so a library
// built on it must refuse a smaller window or lie about it. Writer takes the
// window size as a parameter and never emits a back-reference farther than
// 2^bits bytes (RFC 1951, Section 3.2.5). It is a classic design: LZ77 with
// hash chains bounded by the window and lazy matching (RFC 1951, Section 4),
// then for each block the smallest of a stored, a fixed-Huffman and a
// dynamic-Huffman encoding (RFC 1951, Section 3.2).
//
// # Memory
//
// A compressor needs large tables only while it compresses: the hash heads,
// the chain links, the window buffer and the output buffer come from a
// sync.Pool when a message starts and go back when it ends. Between messages
// a Writer with context takeover holds only the last 2^bits bytes it sent
// (the history the peer's decompressor also holds, RFC 7692, Section 7.2.1);
// a Writer without context takeover holds nothing. Reader likewise keeps a
// compress/flate decompressor only during a message and, with context
// takeover, the last 2^bits bytes it produced between messages.
//
// # Message framing (RFC 7692, Section 7.2)
//
// Writer ends every message with a sync flush and leaves out the trailing
// 00 00 ff ff of the empty stored block (Section 7.2.1); Reader puts it back
// (Section 7.2.2). Reader stops with ErrTooLarge as soon as the output would
// pass its limit, so a compression bomb costs no more memory than the limit.
//
// # Spec coverage
//
// RFC 1951 (DEFLATE), Sections 3.2.3-3.2.7; RFC 7692, Sections 7.2.1-7.2.3.
// https://www.rfc-editor.org/rfc/rfc1951, https://www.rfc-editor.org/rfc/rfc7692
package deflate
