package deflate

import (
	"errors"
	"fmt"
)

// refInflate is a small, slow DEFLATE decoder written from RFC 1951 for the
// tests: unlike compress/flate it rejects any back-reference farther than
// window bytes, so it proves the Writer honours the negotiated window. It
// decodes one permessage-deflate message (which ends mid-stream, after a
// sync flush without its 00 00 ff ff) and needs no dictionary.
func refInflate(in []byte, window int) ([]byte, error) {
	br := &refBits{in: in}
	var out []byte
	for {
		if br.left() < 3 {
			break
		}
		hdr := br.bits(3)
		final, typ := hdr&1, hdr>>1
		switch typ {
		case 0:
			br.alignByte()
			if br.pos/8+4 > len(in) {
				// The stripped 00 00 ff ff of the sync flush.
				if br.pos/8 == len(in) && final == 0 {
					return out, nil
				}
				return nil, errors.New("short stored block")
			}
			p := br.pos / 8
			n := int(in[p]) | int(in[p+1])<<8
			nn := int(in[p+2]) | int(in[p+3])<<8
			if n != ^nn&0xffff || p+4+n > len(in) {
				return nil, errors.New("bad stored block")
			}
			out = append(out, in[p+4:p+4+n]...)
			br.pos = (p + 4 + n) * 8
		case 1, 2:
			var lit, dist *refHuff
			if typ == 1 {
				var ll [288]uint8
				for i := range ll {
					ll[i] = fixedLit[i].len
				}
				var dl [30]uint8
				for i := range dl {
					dl[i] = 5
				}
				lit, dist = newRefHuff(ll[:]), newRefHuff(dl[:])
			} else {
				hlit, hdist, hclen := br.bits(5)+257, br.bits(5)+1, br.bits(4)+4
				var cl [19]uint8
				for i := 0; i < hclen; i++ {
					cl[codeLenOrder[i]] = uint8(br.bits(3))
				}
				clh := newRefHuff(cl[:])
				lens := make([]uint8, 0, hlit+hdist)
				for len(lens) < hlit+hdist {
					s, err := clh.decode(br)
					if err != nil {
						return nil, err
					}
					switch {
					case s < 16:
						lens = append(lens, uint8(s))
					case s == 16:
						if len(lens) == 0 {
							return nil, errors.New("repeat with no previous length")
						}
						for r := 3 + br.bits(2); r > 0; r-- {
							lens = append(lens, lens[len(lens)-1])
						}
					case s == 17:
						lens = append(lens, make([]uint8, 3+br.bits(3))...)
					default:
						lens = append(lens, make([]uint8, 11+br.bits(7))...)
					}
				}
				if len(lens) != hlit+hdist {
					return nil, errors.New("code lengths overrun")
				}
				lit, dist = newRefHuff(lens[:hlit]), newRefHuff(lens[hlit:])
			}
			for {
				s, err := lit.decode(br)
				if err != nil {
					return nil, err
				}
				if s < 256 {
					out = append(out, byte(s))
					continue
				}
				if s == 256 {
					break
				}
				s -= 257
				if s >= 29 {
					return nil, errors.New("bad length symbol")
				}
				length := int(lenBase[s]) + 3 + br.bits(int(lenExtra[s]))
				dc, err := dist.decode(br)
				if err != nil {
					return nil, err
				}
				if dc >= 30 {
					return nil, errors.New("bad distance symbol")
				}
				d := int(distBase[dc]) + 1 + br.bits(int(distExtr[dc]))
				if d > window {
					return nil, fmt.Errorf("distance %d outside the %d-byte window", d, window)
				}
				if d > len(out) {
					return nil, fmt.Errorf("distance %d before the start", d)
				}
				for i := 0; i < length; i++ {
					out = append(out, out[len(out)-d])
				}
			}
		default:
			return nil, errors.New("reserved block type")
		}
		if br.err != nil {
			return nil, br.err
		}
		if final == 1 {
			return out, nil
		}
	}
	return out, nil
}

type refBits struct {
	in  []byte
	pos int // in bits
	err error
}

func (b *refBits) left() int { return len(b.in)*8 - b.pos }

func (b *refBits) bits(n int) int {
	v := 0
	for i := 0; i < n; i++ {
		if b.pos >= len(b.in)*8 {
			b.err = errors.New("unexpected end of data")
			return 0
		}
		v |= int(b.in[b.pos/8]>>(b.pos%8)&1) << i
		b.pos++
	}
	return v
}

func (b *refBits) alignByte() { b.pos = (b.pos + 7) &^ 7 }

// refHuff decodes canonical Huffman codes one bit at a time.
type refHuff struct {
	codes map[[2]int]int // {length, code} -> symbol
}

func newRefHuff(lens []uint8) *refHuff {
	h := &refHuff{codes: map[[2]int]int{}}
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
			h.codes[[2]int{int(l), next[l]}] = s
			next[l]++
		}
	}
	return h
}

func (h *refHuff) decode(b *refBits) (int, error) {
	code := 0
	for l := 1; l <= 15; l++ {
		code = code<<1 | b.bits(1)
		if b.err != nil {
			return 0, b.err
		}
		if s, ok := h.codes[[2]int{l, code}]; ok {
			return s, nil
		}
	}
	return 0, errors.New("invalid Huffman code")
}
