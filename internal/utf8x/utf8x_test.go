package utf8x

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// firstInvalid returns the index of the first byte at which no valid UTF-8
// text could have p as a prefix, or -1: the reference Feed is tested against.
func firstInvalid(p []byte) int {
	for i := 1; i <= len(p); i++ {
		if !validPrefix(p[:i]) {
			return i - 1
		}
	}
	return -1
}

// validPrefix reports whether some completion of p is valid UTF-8.
func validPrefix(p []byte) bool {
	// Cut the last (possibly incomplete) code point; the rest must be valid,
	// and the tail must be a prefix of some valid encoding.
	start := len(p)
	for k := 1; k <= 3 && len(p)-k >= 0; k++ {
		if len(p)-k < 0 {
			break
		}
		if !utf8.RuneStart(p[len(p)-k]) {
			continue
		}
		start = len(p) - k
		break
	}
	if start == len(p) {
		return utf8.Valid(p)
	}
	if !utf8.Valid(p[:start]) {
		return false
	}
	tail := p[start:]
	if utf8.Valid(tail) {
		return true
	}
	for r := rune(0x80); r <= utf8.MaxRune; r++ {
		if r == 0xD800 {
			r = 0xE000
		}
		var buf [4]byte
		m := utf8.EncodeRune(buf[:], r)
		if m > len(tail) && string(buf[:len(tail)]) == string(tail) {
			return true
		}
	}
	return false
}

func TestFeed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want int  // Feed result on the whole input
		done bool // Done afterwards
	}{
		{"empty", "", -1, true},
		{"ascii", "Hello, world", -1, true},
		{"two-byte", "h\u00e9llo", -1, true},
		{"three-byte", "\u20ac", -1, true},
		{"four-byte", "\U0001F600", -1, true},
		{"max code point", "\U0010FFFF", -1, true},
		{"incomplete 2-byte at end", "a\xc3", -1, false},
		{"incomplete 4-byte at end", "\xf0\x9f\x98", -1, false},
		{"lone continuation", "ab\x80", 2, false},
		{"C0 overlong lead", "\xc0\xaf", 0, false},
		{"C1 overlong lead", "\xc1\xbf", 0, false},
		{"F5 lead", "\xf5\x80\x80\x80", 0, false},
		{"FF", "\xff", 0, false},
		{"surrogate fails at byte 2 (ED A0)", "\xed\xa0", 1, false},
		{"above U+10FFFF fails at byte 2 (F4 90)", "\xf4\x90", 1, false},
		{"overlong 3-byte fails at byte 2 (E0 80)", "\xe0\x80", 1, false},
		{"overlong 4-byte fails at byte 2 (F0 80)", "\xf0\x80", 1, false},
		{"ascii after lead", "\xc3A", 1, false},
		{"bad third byte", "\xe2\x82A", 2, false},
		{"error after 8-byte ascii run", "abcdefghij\xff", 10, false},
		{"autobahn 6.3.1", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited", 12, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var v Validator
			if got := v.Feed([]byte(tt.in)); got != tt.want {
				t.Errorf("Feed(%q) = %d, want %d", tt.in, got, tt.want)
			}
			if got := v.Done(); got != tt.done {
				t.Errorf("Done() after %q = %v, want %v", tt.in, got, tt.done)
			}
		})
	}
}

// TestFeedSplitEverywhere feeds texts split at every pair of points and
// checks the verdict against utf8.Valid and the position against the
// prefix-based reference.
func TestFeedSplitEverywhere(t *testing.T) {
	t.Parallel()
	texts := []string{
		"h\u00e9llo \u20ac \U0001F600!",
		"\xed\xa0\x80",
		"\xf4\x90\x80\x80",
		"ab\xf0\x9f\x98\x80cd\xe2\x82",
		"\xe0\xa0\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf",
		"\xc2",
		"xx\xc2\xc2",
		"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80\x65\x64\x69\x74\x65\x64",
	}
	for _, s := range texts {
		p := []byte(s)
		wantAt := firstInvalid(p)
		for i := 0; i <= len(p); i++ {
			for j := i; j <= len(p); j++ {
				var v Validator
				got := -1
				for off, piece := range [][]byte{p[:i], p[i:j], p[j:]} {
					base := [3]int{0, i, j}[off]
					if r := v.Feed(piece); r >= 0 {
						got = base + r
						break
					}
				}
				if got != wantAt {
					t.Fatalf("split %q at %d,%d: first invalid byte %d, want %d", s, i, j, got, wantAt)
				}
				if got < 0 && v.Done() != utf8.Valid(p) {
					t.Fatalf("split %q at %d,%d: Done() = %v, utf8.Valid = %v", s, i, j, v.Done(), utf8.Valid(p))
				}
			}
		}
	}
}

// TestAllTwoAndThreeBytes compares against utf8.Valid on every 1-, 2- and
// 3-byte input, whole and split in two.
func TestAllTwoAndThreeBytes(t *testing.T) {
	t.Parallel()
	check := func(p []byte) {
		want := utf8.Valid(p)
		for cut := 0; cut <= len(p); cut++ {
			var v Validator
			bad := v.Feed(p[:cut]) >= 0 || v.Feed(p[cut:]) >= 0
			if got := !bad && v.Done(); got != want {
				t.Fatalf("% x split at %d: valid = %v, utf8.Valid = %v", p, cut, got, want)
			}
		}
	}
	for a := range 256 {
		check([]byte{byte(a)})
		for b := range 256 {
			check([]byte{byte(a), byte(b)})
		}
	}
	for _, a := range []byte{0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf4, 0xf5} {
		for b := range 256 {
			for c := range 256 {
				check([]byte{a, byte(b), byte(c)})
			}
		}
	}
}

func TestBrokenStays(t *testing.T) {
	t.Parallel()
	var v Validator
	if got := v.Feed([]byte{0xff}); got != 0 {
		t.Fatalf("Feed(ff) = %d, want 0", got)
	}
	if got := v.Feed([]byte("ok")); got != 0 {
		t.Fatalf("Feed after error = %d, want 0", got)
	}
	v.Reset()
	if got := v.Feed([]byte("ok")); got != -1 || !v.Done() {
		t.Fatalf("after Reset: Feed = %d, Done = %v; want -1, true", got, v.Done())
	}
}

var (
	asciiText = []byte(strings.Repeat("The quick brown fox jumps over the lazy dog. ", 1500))
	mixedText = []byte(strings.Repeat("Hello, κόσμε! Привет, мир! こんにちは世界 😀 ", 600))
)

func BenchmarkValidate(b *testing.B) {
	for _, c := range []struct {
		name string
		text []byte
	}{{"ascii", asciiText}, {"mixed", mixedText}} {
		b.Run("utf8x/"+c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			b.ReportAllocs()
			for b.Loop() {
				var v Validator
				if v.Feed(c.text) >= 0 || !v.Done() {
					b.Fatal("invalid")
				}
			}
		})
		b.Run("utf8.Valid/"+c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			b.ReportAllocs()
			for b.Loop() {
				if !utf8.Valid(c.text) {
					b.Fatal("invalid")
				}
			}
		})
	}
}

// BenchmarkValidateVsUTF8Valid times Validator.Feed and utf8.Valid on the
// same text alternately within each iteration, so both see the same load on
// a shared machine, and reports the ratio of the medians (issue 2 target: at
// most 1.5 on ASCII).
func BenchmarkValidateVsUTF8Valid(b *testing.B) {
	for _, c := range []struct {
		name string
		text []byte
	}{{"ascii", asciiText}, {"mixed", mixedText}} {
		b.Run(c.name, func(b *testing.B) {
			var tv, tu []time.Duration
			b.SetBytes(int64(2 * len(c.text)))
			for b.Loop() {
				t0 := time.Now()
				var v Validator
				bad := v.Feed(c.text) >= 0 || !v.Done()
				t1 := time.Now()
				bad = bad || !utf8.Valid(c.text)
				t2 := time.Now()
				if bad {
					b.Fatal("invalid")
				}
				tv, tu = append(tv, t1.Sub(t0)), append(tu, t2.Sub(t1))
			}
			slices.Sort(tv)
			slices.Sort(tu)
			b.ReportMetric(float64(tv[len(tv)/2])/float64(tu[len(tu)/2]), "x-utf8.Valid")
		})
	}
}

// BenchmarkValidateChunked feeds text in 1 KiB pieces, as conn does with
// frames and reads, which exercises code points cut at piece boundaries.
func BenchmarkValidateChunked(b *testing.B) {
	for _, c := range []struct {
		name string
		text []byte
	}{{"ascii", asciiText}, {"mixed", mixedText}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			b.ReportAllocs()
			for b.Loop() {
				var v Validator
				for p := c.text; len(p) > 0; {
					n := min(len(p), 1024)
					if v.Feed(p[:n]) >= 0 {
						b.Fatal("invalid")
					}
					p = p[n:]
				}
				if !v.Done() {
					b.Fatal("incomplete")
				}
			}
		})
	}
}
