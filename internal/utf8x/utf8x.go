package utf8x

import "unicode/utf8"

// Validator checks UTF-8 text fed to it in pieces. The zero value is ready
// to use and expects the start of a text. A Validator is not safe for
// concurrent use.
type Validator struct {
	need   uint8 // continuation bytes still expected for the current code point
	lo, hi uint8 // the range allowed for the next continuation byte
	broken bool  // an invalid byte has been seen
}

// Byte classes of a lead byte: how many continuation bytes follow, and the
// range the first of them must fall in (RFC 3629, Section 4). The narrow
// ranges reject overlong forms (E0, F0), surrogates (ED) and code points
// above U+10FFFF (F4) at the second byte.
const (
	xx = 0xFF // invalid lead byte: 80–C1, F5–FF
	as = 0x00 // ASCII
	s1 = 0x10 // C2–DF: 1 more, 80–BF
	s2 = 0x21 // E0: 2 more, A0–BF
	s3 = 0x20 // E1–EC, EE–EF: 2 more, 80–BF
	s4 = 0x22 // ED: 2 more, 80–9F
	s5 = 0x33 // F0: 3 more, 90–BF
	s6 = 0x30 // F1–F3: 3 more, 80–BF
	s7 = 0x34 // F4: 3 more, 80–8F
)

// ranges holds the low and high bound of the first continuation byte, indexed
// by the low nibble of a class.
var ranges = [5][2]uint8{
	{0x80, 0xBF},
	{0xA0, 0xBF},
	{0x80, 0x9F},
	{0x90, 0xBF},
	{0x80, 0x8F},
}

var class = [256]uint8{
	//   1   2   3   4   5   6   7   8   9   A   B   C   D   E   F
	as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, // 0x00-0x0F
	as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, // 0x10-0x1F
	as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, // 0x20-0x2F
	as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, // 0x30-0x3F
	as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, // 0x40-0x4F
	as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, // 0x50-0x5F
	as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, // 0x60-0x6F
	as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, // 0x70-0x7F
	xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, // 0x80-0x8F
	xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, // 0x90-0x9F
	xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, // 0xA0-0xAF
	xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, // 0xB0-0xBF
	xx, xx, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, // 0xC0-0xCF
	s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, // 0xD0-0xDF
	s2, s3, s3, s3, s3, s3, s3, s3, s3, s3, s3, s3, s3, s4, s3, s3, // 0xE0-0xEF
	s5, s6, s6, s6, s7, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, // 0xF0-0xFF
}

const hiBits = 0x8080808080808080

// word returns the first eight bytes of p as a little-endian word (the
// compiler turns this into one load).
func word(p []byte) uint64 {
	_ = p[7]
	return uint64(p[0]) | uint64(p[1])<<8 | uint64(p[2])<<16 | uint64(p[3])<<24 |
		uint64(p[4])<<32 | uint64(p[5])<<40 | uint64(p[6])<<48 | uint64(p[7])<<56
}

// Feed validates the next piece p of the text. It returns the index in p of
// the first byte that makes the text invalid, or -1 if the text so far is
// valid or may still become valid (it may end inside a code point that a
// later piece completes; see Done). Once Feed has reported an invalid byte,
// the text stays invalid: later calls return 0 until Reset.
func (v *Validator) Feed(p []byte) int {
	if v.broken {
		return 0
	}
	i := 0
	// Finish a code point begun in an earlier piece.
	for v.need > 0 {
		if i == len(p) {
			return -1
		}
		if c := p[i]; c < v.lo || c > v.hi {
			v.broken = true
			return i
		}
		v.need--
		v.lo, v.hi = 0x80, 0xBF
		i++
	}
	// Fast path: unicode/utf8 checks whole code points faster than a
	// resumable loop can. Hand it everything up to a code point that may
	// continue in the next piece; only that tail, or text that turns out to
	// be invalid, takes the byte loop below.
	if cut := completeLen(p[i:]); utf8.Valid(p[i : i+cut]) {
		i += cut
	}
	n := len(p)
	for i < n {
		c := p[i]
		if c < utf8.RuneSelf {
			i++
			// One ASCII byte suggests more: skip them 32, then 8, at a time.
			for i+32 <= n && (word(p[i:])|word(p[i+8:])|word(p[i+16:])|word(p[i+24:]))&hiBits == 0 {
				i += 32
			}
			for i+8 <= n && word(p[i:])&hiBits == 0 {
				i += 8
			}
			continue
		}
		x := class[c]
		if x == xx {
			v.broken = true
			return i
		}
		need := int(x >> 4)
		lo, hi := ranges[x&0xF][0], ranges[x&0xF][1]
		// Common case: the whole code point is in p and valid.
		if i+need < n {
			switch need {
			case 1:
				if lo <= p[i+1] && p[i+1] <= hi {
					i += 2
					continue
				}
			case 2:
				if lo <= p[i+1] && p[i+1] <= hi && p[i+2]&0xC0 == 0x80 {
					i += 3
					continue
				}
			case 3:
				if lo <= p[i+1] && p[i+1] <= hi && p[i+2]&0xC0 == 0x80 && p[i+3]&0xC0 == 0x80 {
					i += 4
					continue
				}
			}
		}
		// Slow path: find the bad byte, or keep the state of a code point
		// that continues in the next piece.
		j := i + 1
		for k := 0; k < need; k++ {
			if j == n {
				v.need = uint8(need - k)
				v.lo, v.hi = lo, hi
				return -1
			}
			if c := p[j]; c < lo || c > hi {
				v.broken = true
				return j
			}
			lo, hi = 0x80, 0xBF
			j++
		}
		i = j
	}
	return -1
}

// completeLen returns the length of the longest prefix of p that does not
// end inside a code point that p cuts short: p minus an incomplete final
// code point. It does not check the text.
func completeLen(p []byte) int {
	n := len(p)
	for k := n - 1; k >= 0 && k >= n-3; k-- {
		c := p[k]
		if c < 0x80 {
			return n // ASCII: nothing is cut short
		}
		if c >= 0xC0 { // a lead byte, valid or not
			if x := class[c]; x != xx && k+int(x>>4) >= n {
				return k
			}
			return n
		}
	}
	return n
}

// Done reports whether the text fed so far is valid and ends on a complete
// code point, that is, whether it is valid UTF-8 as a whole.
func (v *Validator) Done() bool {
	return !v.broken && v.need == 0
}

// Reset makes v ready for a new text, as the zero value is.
func (v *Validator) Reset() {
	*v = Validator{}
}
