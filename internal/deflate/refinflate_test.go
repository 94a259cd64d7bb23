package deflate

import "errors"

// refInflate is a small, slow DEFLATE decoder written from RFC 1951 for the
// tests, one bit at a time, with none of Reader's machinery (no ring, no
// tables, no resuming). It decodes one permessage-deflate message with the
// rules Reader enforces and returns the same error variables, so the two
// can be compared exactly:
//   - the message ends where RFC 7692, Section 7.2.2's appended 00 00 ff ff
//     completes an empty stored block, or after a final block followed by
//     at most 4 zero bytes and zero padding bits (Section 7.2.3.4);
//   - no distance reaches farther back than window bytes, or than the
//     history (the earlier messages' output, with context takeover) plus
//     the output so far;
//   - Huffman codes are complete, but for a distance code of one 1-bit code
//     or of no code (RFC 1951, Section 3.2.7).
//
// On an error it returns the output decoded before it.
func refInflate(in []byte, window int) ([]byte, error) {
	return refInflateHist(in, nil, window)
}

func refInflateHist(in, hist []byte, window int) ([]byte, error) {
	br := &refBits{in: in}
	out := []byte{}
	for {
		hdr, ok := br.bits(3)
		if !ok {
			return out, errTruncated
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
				return out, errTruncated
			}
			if n != ^nn&0xffff {
				return out, errStoredLen
			}
			for range n {
				b, ok := br.bits(8)
				if !ok {
					return out, errTruncated
				}
				out = append(out, byte(b))
			}
		case 1, 2:
			var lit, dist *refHuff
			if typ == 1 {
				var ll [288]uint8
				for i := range ll {
					ll[i] = fixedLit[i].len
				}
				var dl [32]uint8
				for i := range dl {
					dl[i] = 5
				}
				lit, dist = newRefHuff(ll[:]), newRefHuff(dl[:])
			} else {
				v, ok := br.bits(14)
				if !ok {
					return out, errTruncated
				}
				hlit, hdist, hclen := v&31+257, v>>5&31+1, v>>10+4
				if hlit > 286 || hdist > 30 {
					return out, errTooManyCodes
				}
				var cl [19]uint8
				for i := range hclen {
					l, ok := br.bits(3)
					if !ok {
						return out, errTruncated
					}
					cl[codeLenOrder[i]] = uint8(l)
				}
				if err := refCheckCode(cl[:], false); err != nil {
					return out, err
				}
				clh := newRefHuff(cl[:])
				var lens []uint8
				for len(lens) < hlit+hdist {
					s, err := clh.decode(br)
					if err != nil {
						return out, err
					}
					extra := map[int]int{16: 2, 17: 3, 18: 7}[s]
					x, ok := br.bits(extra)
					if !ok {
						return out, errTruncated
					}
					var v uint8
					var rep int
					switch {
					case s < 16:
						lens = append(lens, uint8(s))
						continue
					case s == 16:
						if len(lens) == 0 {
							return out, errRepeatFirst
						}
						v, rep = lens[len(lens)-1], 3+x
					case s == 17:
						rep = 3 + x
					default:
						rep = 11 + x
					}
					if len(lens)+rep > hlit+hdist {
						return out, errLensOverrun
					}
					for range rep {
						lens = append(lens, v)
					}
				}
				if lens[256] == 0 {
					return out, errNoEndOfBlock
				}
				if err := refCheckCode(lens[:hlit], false); err != nil {
					return out, err
				}
				if err := refCheckCode(lens[hlit:], true); err != nil {
					return out, err
				}
				lit, dist = newRefHuff(lens[:hlit]), newRefHuff(lens[hlit:])
			}
			for {
				s, err := lit.decode(br)
				if err != nil {
					return out, err
				}
				if s < 256 {
					out = append(out, byte(s))
					continue
				}
				if s == 256 {
					break
				}
				if s >= 286 {
					return out, errBadSymbol
				}
				x, ok := br.bits(int(lenExtra[s-257]))
				if !ok {
					return out, errTruncated
				}
				length := int(lenBase[s-257]) + 3 + x
				dc, err := dist.decode(br)
				if err == errBadSymbol || err == nil && dc >= 30 {
					return out, errBadDistSymbol
				}
				if err != nil {
					return out, err
				}
				x, ok = br.bits(int(distExtr[dc]))
				if !ok {
					return out, errTruncated
				}
				d := int(distBase[dc]) + 1 + x
				if d > window || d > len(hist)+len(out) {
					return out, errDistance
				}
				for range length {
					if d > len(out) {
						out = append(out, hist[len(hist)-(d-len(out))])
					} else {
						out = append(out, out[len(out)-d])
					}
				}
			}
		default:
			return out, errBlockType
		}
		if final == 1 {
			for br.pos%8 != 0 {
				if b, _ := br.bits(1); b != 0 {
					return out, errTrailer
				}
			}
			rest := in[br.pos/8:]
			for i, b := range rest {
				if b != 0 || i >= 4 {
					return out, errTrailer
				}
			}
			return out, nil
		}
	}
}

// refCheckCode checks the Kraft sum of a set of code lengths.
func refCheckCode(lens []uint8, dist bool) error {
	sum, n := 0, 0 // in units of 2^-15
	for _, l := range lens {
		if l > 0 {
			sum += 1 << (15 - l)
			n++
		}
	}
	// Over-subscription is found shortest length first, as Reader finds it.
	for l := 1; l <= 15; l++ {
		partial := 0
		for _, m := range lens {
			if m > 0 && int(m) <= l {
				partial += 1 << (l - int(m))
			}
		}
		if partial > 1<<l {
			return errCodeOversubscribed
		}
	}
	switch {
	case sum == 1<<15:
		return nil
	case dist && n == 0, dist && n == 1 && sum == 1<<14:
		return nil
	}
	return errCodeIncomplete
}

type refBits struct {
	in  []byte
	pos int // in bits
}

func (b *refBits) bits(n int) (int, bool) {
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

// refHuff decodes canonical Huffman codes (RFC 1951, Section 3.2.2) one
// bit at a time.
type refHuff struct {
	codes    map[[2]int]int  // {length, code} -> symbol
	prefixes map[[2]int]bool // {length, prefix} of some code
}

func newRefHuff(lens []uint8) *refHuff {
	h := &refHuff{codes: map[[2]int]int{}, prefixes: map[[2]int]bool{}}
	var count [16]int
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	var next [16]int
	code := 0
	for b := 1; b < 16; b++ {
		code = (code + count[b-1]) << 1
		next[b] = code
	}
	for s, l := range lens {
		if l != 0 {
			c := next[l]
			h.codes[[2]int{int(l), c}] = s
			next[l]++
			for k := 1; k <= int(l); k++ {
				h.prefixes[[2]int{k, c >> (int(l) - k)}] = true
			}
		}
	}
	return h
}

// decode returns the next symbol, errTruncated at the end of the input, or
// errBadSymbol as soon as the bits read are no prefix of a code.
func (h *refHuff) decode(b *refBits) (int, error) {
	if len(h.codes) == 0 {
		return 0, errBadSymbol
	}
	code := 0
	for l := 1; l <= 15; l++ {
		v, ok := b.bits(1)
		if !ok {
			return 0, errTruncated
		}
		code = code<<1 | v
		if s, ok := h.codes[[2]int{l, code}]; ok {
			return s, nil
		}
		if !h.prefixes[[2]int{l, code}] {
			return 0, errBadSymbol
		}
	}
	return 0, errors.New("no code")
}
