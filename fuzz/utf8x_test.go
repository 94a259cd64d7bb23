package fuzz

import (
	"testing"
	"unicode/utf8"

	"github.com/rfc6455/ws/internal/utf8x"
)

// FuzzUTF8x: Property: however the input is split (at the points given by
// cuts), the resumable validator accepts it exactly when utf8.Valid does,
// and reports the same first invalid byte as when fed whole; no byte before
// that point is reported, and the prefix before it is a valid UTF-8 prefix.
func FuzzUTF8x(f *testing.F) {
	f.Add([]byte("Hello, κόσμε 😀"), []byte{1, 7, 3})
	f.Add([]byte("\xed\xa0\x80"), []byte{1})         // surrogate: fails at byte 2
	f.Add([]byte("\xf4\x90\x80\x80"), []byte{1, 1})  // above U+10FFFF: fails at byte 2
	f.Add([]byte("caf\xc3"), []byte{4})              // ends inside a code point
	f.Add([]byte("abcdefghijklmnop\xff"), []byte{9}) // error after an ASCII run
	f.Fuzz(func(t *testing.T, data []byte, cuts []byte) {
		var whole utf8x.Validator
		at := whole.Feed(data)
		valid := at < 0 && whole.Done()
		if valid != utf8.Valid(data) {
			t.Fatalf("whole: valid = %v, utf8.Valid = %v for % x", valid, utf8.Valid(data), data)
		}
		if at >= 0 {
			// Everything before the reported byte must still be completable.
			if !utf8.Valid(data[:at]) {
				var v utf8x.Validator
				if v.Feed(data[:at]) >= 0 {
					t.Fatalf("reported byte %d, but the text was already invalid before it: % x", at, data)
				}
			}
		}
		var v utf8x.Validator
		rest, base, got := data, 0, -1
		for _, c := range cuts {
			n := min(int(c), len(rest))
			if r := v.Feed(rest[:n]); r >= 0 {
				got = base + r
				break
			}
			rest, base = rest[n:], base+n
		}
		if got < 0 {
			if r := v.Feed(rest); r >= 0 {
				got = base + r
			}
		}
		if got != at {
			t.Fatalf("split at %v: first invalid byte %d, whole gives %d, for % x", cuts, got, at, data)
		}
		if got < 0 && v.Done() != utf8.Valid(data) {
			t.Fatalf("split at %v: Done = %v, utf8.Valid = %v", cuts, v.Done(), utf8.Valid(data))
		}
	})
}
