// Package deflatetest holds a reference DEFLATE decoder for the tests of
// package deflate and of fuzz/. It is imported only from _test.go files.
//
// Inflate is written from RFC 1951 with nothing shared with package deflate
// (its own copies of the RFC's tables, one bit at a time, no ring, no
// lookup tables, no resuming), so that the two can be compared. It applies
// the rules deflate.Reader applies to a permessage-deflate message (RFC
// 7692), and names the rule broken with one error per rule.
package deflatetest

import "errors"

// One error per rule, in the order Inflate checks them.
var (
	ErrTruncated      = errors.New("message does not end on an empty stored block (RFC 7692, Section 7.2.2)")
	ErrBlockType      = errors.New("reserved block type 11 (RFC 1951, Section 3.2.3)")
	ErrStoredLen      = errors.New("NLEN is not the complement of LEN (RFC 1951, Section 3.2.4)")
	ErrTooManyCodes   = errors.New("more than 286 literal/length or 30 distance codes (RFC 1951, Section 3.2.7)")
	ErrOversubscribed = errors.New("over-subscribed code lengths (RFC 1951, Section 3.2.2)")
	ErrIncomplete     = errors.New("incomplete code lengths (RFC 1951, Section 3.2.7)")
	ErrRepeatFirst    = errors.New("code length 16 first (RFC 1951, Section 3.2.7)")
	ErrLensOverrun    = errors.New("code lengths past HLIT + HDIST (RFC 1951, Section 3.2.7)")
	ErrNoEndOfBlock   = errors.New("no code for end-of-block (RFC 1951, Section 3.2.7)")
	ErrBadSymbol      = errors.New("literal/length symbol 286 or 287 (RFC 1951, Section 3.2.6)")
	ErrBadDistSymbol  = errors.New("distance symbol 30 or 31, or none (RFC 1951, Section 3.2.6)")
	ErrDistance       = errors.New("distance beyond the window or the data (RFC 7692, Section 7.1.2)")
	ErrTrailer        = errors.New("more than 4 zero bytes after the final block (RFC 7692, Section 7.2.3.4)")
	// ErrLimit reports output over the limit given to Inflate.
	ErrLimit = errors.New("output over the limit")
)

// The tables of RFC 1951, Section 3.2.5, copied from the RFC.
var (
	lengthBase  = [29]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]int{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]int{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	// Section 3.2.7.
	codeLenOrder = [19]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// Inflate decodes one permessage-deflate message in, whose payload had its
// trailing 00 00 ff ff removed (RFC 7692, Section 7.2.1), after hist, the
// output of the messages before it with context takeover. The rules:
//   - the message ends where the stripped 00 00 ff ff completes an empty
//     stored block, or after a final block followed by at most 4 zero bytes
//     and zero padding bits (Section 7.2.3.4);
//   - no distance reaches farther back than window bytes, or than hist
//     and the output so far;
//   - Huffman codes are complete, but a distance code may be one code of
//     one bit, or none (RFC 1951, Section 3.2.7).
//
// With an error, it returns the output decoded before it. When the output
// would pass limit bytes (limit >= 0), it stops with ErrLimit.
func Inflate(in, hist []byte, window, limit int) ([]byte, error) {
	br := &bitReader{in: in}
	out := []byte{}
	if limit < 0 {
		limit = int(^uint(0) >> 1)
	}
	for {
		hdr, ok := br.bits(3)
		if !ok {
			return out, ErrTruncated
		}
		final, typ := hdr&1, hdr>>1
		switch typ {
		case 0:
			br.pos = (br.pos + 7) &^ 7
			if br.pos == len(in)*8 {
				return out, nil // LEN and NLEN are the stripped 00 00 ff ff
			}
			n, ok1 := br.bits(16)
			nn, ok2 := br.bits(16)
			if !ok1 || !ok2 {
				return out, ErrTruncated
			}
			if n != ^nn&0xffff {
				return out, ErrStoredLen
			}
			for range n {
				b, ok := br.bits(8)
				if !ok {
					return out, ErrTruncated
				}
				if len(out) == limit {
					return out, ErrLimit
				}
				out = append(out, byte(b))
			}
		case 1, 2:
			var lit, dist *code
			if typ == 1 {
				lit, dist = fixedLit, fixedDist
			} else {
				v, ok := br.bits(14)
				if !ok {
					return out, ErrTruncated
				}
				hlit, hdist, hclen := v&31+257, v>>5&31+1, v>>10+4
				if hlit > 286 || hdist > 30 {
					return out, ErrTooManyCodes
				}
				var cl [19]int
				for i := range hclen {
					l, ok := br.bits(3)
					if !ok {
						return out, ErrTruncated
					}
					cl[codeLenOrder[i]] = l
				}
				if err := checkCode(cl[:], false); err != nil {
					return out, err
				}
				clc := newCode(cl[:])
				var lens []int
				for len(lens) < hlit+hdist {
					s, err := clc.decode(br)
					if err != nil {
						return out, err
					}
					x, ok := br.bits(map[int]int{16: 2, 17: 3, 18: 7}[s])
					if !ok {
						return out, ErrTruncated
					}
					var v, rep int
					switch {
					case s < 16:
						lens = append(lens, s)
						continue
					case s == 16:
						if len(lens) == 0 {
							return out, ErrRepeatFirst
						}
						v, rep = lens[len(lens)-1], 3+x
					case s == 17:
						rep = 3 + x
					default:
						rep = 11 + x
					}
					if len(lens)+rep > hlit+hdist {
						return out, ErrLensOverrun
					}
					for range rep {
						lens = append(lens, v)
					}
				}
				if lens[256] == 0 {
					return out, ErrNoEndOfBlock
				}
				if err := checkCode(lens[:hlit], false); err != nil {
					return out, err
				}
				if err := checkCode(lens[hlit:], true); err != nil {
					return out, err
				}
				lit, dist = newCode(lens[:hlit]), newCode(lens[hlit:])
			}
			for {
				s, err := lit.decode(br)
				if err != nil {
					return out, err
				}
				if s < 256 {
					if len(out) == limit {
						return out, ErrLimit
					}
					out = append(out, byte(s))
					continue
				}
				if s == 256 {
					break
				}
				if s >= 286 {
					return out, ErrBadSymbol
				}
				x, ok := br.bits(lengthExtra[s-257])
				if !ok {
					return out, ErrTruncated
				}
				length := lengthBase[s-257] + x
				dc, err := dist.decode(br)
				if err == ErrBadSymbol || err == nil && dc >= 30 {
					return out, ErrBadDistSymbol
				}
				if err != nil {
					return out, err
				}
				x, ok = br.bits(distExtra[dc])
				if !ok {
					return out, ErrTruncated
				}
				d := distBase[dc] + x
				if d > window || d > len(hist)+len(out) {
					return out, ErrDistance
				}
				for range length {
					if len(out) == limit {
						return out, ErrLimit
					}
					if d > len(out) {
						out = append(out, hist[len(hist)-(d-len(out))])
					} else {
						out = append(out, out[len(out)-d])
					}
				}
			}
		default:
			return out, ErrBlockType
		}
		if final == 1 {
			for br.pos%8 != 0 {
				if b, _ := br.bits(1); b != 0 {
					return out, ErrTrailer
				}
			}
			for i, b := range in[br.pos/8:] {
				if b != 0 || i >= 4 {
					return out, ErrTrailer
				}
			}
			return out, nil
		}
	}
}

// checkCode checks the Kraft sum of a set of code lengths (Section 3.2.2),
// shortest lengths first.
func checkCode(lens []int, dist bool) error {
	n := 0
	for _, l := range lens {
		if l > 0 {
			n++
		}
	}
	for l := 1; l <= 15; l++ {
		used := 0 // codes of up to l bits, in units of 2^-l
		for _, m := range lens {
			if m > 0 && m <= l {
				used += 1 << (l - m)
			}
		}
		if used > 1<<l {
			return ErrOversubscribed
		}
		if l == 15 && used == 1<<15 {
			return nil
		}
	}
	if dist && n == 0 {
		return nil
	}
	if dist && n == 1 {
		for _, l := range lens {
			if l == 1 {
				return nil
			}
		}
	}
	return ErrIncomplete
}

type bitReader struct {
	in  []byte
	pos int // in bits
}

// bits reads an n-bit number, least significant bit first (Section 3.1.1).
func (b *bitReader) bits(n int) (int, bool) {
	if b.pos+n > len(b.in)*8 {
		return 0, false
	}
	v := 0
	for i := range n {
		v |= int(b.in[b.pos/8]>>(b.pos%8)&1) << i
		b.pos++
	}
	return v, true
}

// A code decodes a canonical Huffman code (Section 3.2.2) one bit at a
// time, most significant bit of the code first. Codes of one length are
// consecutive numbers, the first of them following the last code of the
// length before, shifted left by one: so a code of l bits is the k-th of
// its length if it is k past that first code.
type code struct {
	count  [16]int // codes of each length
	syms   []int   // the symbols, by length, then by value
	maxLen int
}

func newCode(lens []int) *code {
	c := &code{}
	for _, l := range lens {
		if l > 0 {
			c.count[l]++
			c.maxLen = max(c.maxLen, l)
		}
	}
	for l := 1; l <= 15; l++ {
		for s, m := range lens {
			if m == l {
				c.syms = append(c.syms, s)
			}
		}
	}
	return c
}

// decode returns the next symbol; ErrTruncated at the end of the input;
// ErrBadSymbol when the bits read are no code and no code is longer.
func (c *code) decode(b *bitReader) (int, error) {
	if len(c.syms) == 0 {
		return 0, ErrBadSymbol
	}
	v, first, index := 0, 0, 0
	for l := 1; l <= c.maxLen; l++ {
		bit, ok := b.bits(1)
		if !ok {
			return 0, ErrTruncated
		}
		v |= bit
		if v-first < c.count[l] {
			return c.syms[index+v-first], nil
		}
		index += c.count[l]
		first = (first + c.count[l]) << 1
		v <<= 1
	}
	return 0, ErrBadSymbol
}

// The fixed codes of Section 3.2.6.
var fixedLit, fixedDist = func() (*code, *code) {
	var ll [288]int
	for i := range ll {
		switch {
		case i < 144:
			ll[i] = 8
		case i < 256:
			ll[i] = 9
		case i < 280:
			ll[i] = 7
		default:
			ll[i] = 8
		}
	}
	var dl [32]int
	for i := range dl {
		dl[i] = 5
	}
	return newCode(ll[:]), newCode(dl[:])
}()
