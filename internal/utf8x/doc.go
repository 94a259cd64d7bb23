// Package utf8x validates UTF-8 text that arrives in pieces.
//
// RFC 6455, Section 8.1 requires an endpoint to fail the connection with 1007
// as soon as the data of a text message is not valid UTF-8, and a text message
// may be split across frames, and each frame across reads, at any byte, even
// in the middle of a code point. unicode/utf8 checks a complete slice only;
// Validator keeps the state of a partial code point between calls to Feed and
// reports the first invalid byte as soon as it is seen. A sequence that can
// never complete is rejected at the byte that rules it out, not when it ends:
// 0xED 0xA0 (a UTF-16 surrogate) and 0xF4 0x90 (above U+10FFFF) fail at their
// second byte, as do the overlong forms 0xE0 0x80 and 0xF0 0x80.
//
// The accepted language is exactly that of utf8.Valid (RFC 3629, Section 4).
// For speed, Feed hands each piece, minus a code point cut off at its end, to
// utf8.Valid (which skips ASCII a word at a time); only that cut-off tail,
// and text that turns out to be invalid, take the resumable byte loop. Valid
// text therefore costs about what utf8.Valid costs.
//
// # Spec coverage
//
//   - RFC 6455, Section 8.1: text frames carry UTF-8; fail fast on invalid data.
//   - RFC 6455, Section 5.5.1: close reasons are UTF-8 (frame uses utf8.Valid,
//     as a close body arrives whole).
//   - RFC 3629, Section 4: the UTF-8 syntax.
//
// https://www.rfc-editor.org/rfc/rfc6455
package utf8x
