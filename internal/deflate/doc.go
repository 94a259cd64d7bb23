// Package deflate is the DEFLATE codec behind permessage-deflate
// (RFC 7692): a compressor and a decompressor of our own, both with a
// configurable sliding window, written from RFC 1951.
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
// # Why a decompressor of our own
//
// Reader used to wrap compress/flate. Three things made that wrong here:
//
//   - compress/flate's errors are final. When the connection's read
//     deadline passes in the middle of a message, the source returns
//     os.ErrDeadlineExceeded and the inflater is dead: the message can only
//     be cut short. Reader's inflater is a state machine over the block
//     structure (RFC 1951, Section 3.2.3) that takes a step only when all
//     its bits are there, so it can stop at any input byte (inside a
//     Huffman code, a block header, LEN/NLEN, a back-reference) and go on
//     at the next Read as if nothing had happened.
//   - With context takeover, each message restarted compress/flate with
//     the history as a dictionary: the history was copied and rotated for
//     every message, about 33 µs even for a message of a few bytes. Reader
//     inflates into its window, a ring of 2^bits bytes that persists across
//     messages, so a message starts with nothing to copy. The fixed Huffman
//     tables (Section 3.2.6) are built once; the tables of dynamic blocks
//     (Section 3.2.7) come from a pool only when such a block appears.
//   - compress/flate accepts any distance up to 32 KiB. The peer agreed to
//     a window of 2^bits bytes (RFC 7692, Section 7.1.2); Reader rejects a
//     back-reference beyond it.
//
// Decoding has two paths. While at least 8 input bytes and 258 bytes of
// output room remain, a fast loop refills a 64-bit bit buffer once per
// symbol (a symbol and its extra bits take at most 48 bits) and decodes
// with table lookups, as zlib's inflate_fast does. Near the ends of the
// input or the room, the careful path moves input into the bit buffer a
// byte at a time and checks, before consuming anything, that a whole step
// can be taken. A 32-byte message with context takeover costs about 0.2 µs.
//
// # Memory
//
// A compressor needs large tables only while it compresses: the hash heads,
// the chain links, the window buffer and the output buffer come from a
// sync.Pool when a message starts and go back when it ends. Between messages
// a Writer with context takeover holds only the last 2^bits bytes it sent
// (the history the peer's decompressor also holds, RFC 7692, Section 7.2.1);
// a Writer without context takeover holds nothing. Reader with context
// takeover holds its window of 2^bits bytes (allocated when it first
// writes output) and a small struct with a 128-byte input buffer; without
// takeover, the window comes from a pool once a message writes output and
// goes back at its end. A message whose payload passes 128 bytes takes a
// 4 KiB input buffer from a pool, and one with a dynamic Huffman block
// about 14 KiB of tables, both until the end of the message.
//
// # Message framing (RFC 7692, Section 7.2)
//
// Writer ends every message with a sync flush and leaves out the trailing
// 00 00 ff ff of the empty stored block (Section 7.2.1). Reader needs no
// copy of them: they are LEN and NLEN of an empty stored block, so a
// message is whole exactly when its payload ends just after the header of
// a stored block (and its padding). A message that ends anywhere else is
// corrupt. A peer may also end a message with a final block (BFINAL) as
// Section 7.2.3.4 shows, followed by the 0x00 of an empty block's header;
// Reader accepts after a final block zero padding bits and at most 4 zero
// bytes, reads them to the end of the message, and rejects anything more.
// Reader stops with ErrTooLarge as soon as the output would pass its
// limit, so a compression bomb costs no more work than the limit.
//
// # Spec coverage
//
// RFC 1951 (DEFLATE), Sections 3.1.1, 3.2.2-3.2.7; RFC 7692, Sections
// 7.1.2 (the window), 7.2.1-7.2.3.
// https://www.rfc-editor.org/rfc/rfc1951, https://www.rfc-editor.org/rfc/rfc7692
package deflate
