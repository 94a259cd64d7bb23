package deflate

import (
	"math/bits"
	"slices"
)

// Alphabet sizes of RFC 1951, Section 3.2.5 and 3.2.7.
const (
	numLitLen   = 286 // literal/length codes 0..285 (286 and 287 never occur)
	numDist     = 30  // distance codes 0..29
	numCodeLen  = 19  // code length codes 0..18
	endOfBlock  = 256
	maxCodeBits = 15 // RFC 1951, Section 3.2.7: code lengths 0..15
	maxCLBits   = 7  // code length codes are sent in 3 bits
)

// codeLenOrder is the order in which code length code lengths are sent
// (RFC 1951, Section 3.2.7).
var codeLenOrder = [numCodeLen]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// Length and distance symbols (RFC 1951, Section 3.2.5), filled by init.
var (
	lenSym   [256]uint16 // length-3 -> literal/length symbol 257..285
	lenBase  [29]uint16  // symbol-257 -> smallest length-3 it codes
	lenExtra [29]uint8   // symbol-257 -> extra bits
	distBase [numDist]uint16
	distExtr [numDist]uint8
)

// Fixed Huffman codes (RFC 1951, Section 3.2.6), filled by init.
var (
	fixedLit  [288]hcode
	fixedDist [numDist]hcode
)

// hcode is one Huffman code, bit-reversed so it can be written LSB first.
type hcode struct {
	code uint16
	len  uint8
}

func init() {
	for l := 0; l < 256; l++ {
		var sym int
		switch {
		case l == 255: // length 258 has its own symbol, 285, with no extra bits
			sym = 285
		case l < 8: // lengths 3..10: symbols 257..264, no extra bits
			sym = 257 + l
		default:
			nb := bits.Len(uint(l)) - 1
			sym = 257 + 4*(nb-1) + (l>>(nb-2))&3
		}
		lenSym[l] = uint16(sym)
	}
	for l := 254; l >= 0; l-- { // smallest length per symbol; skip 258, which has its own
		s := lenSym[l] - 257
		lenBase[s] = uint16(l)
	}
	lenBase[28] = 255
	for s := 0; s < 28; s++ {
		if s >= 4 {
			lenExtra[s] = uint8(s/4 - 1)
		}
	}
	for c := 0; c < numDist; c++ {
		if c < 4 {
			distBase[c] = uint16(c)
			continue
		}
		nb := c/2 - 1
		distExtr[c] = uint8(nb)
		distBase[c] = uint16((2 + c&1) << nb)
	}
	var lens [288]uint8
	for i := range lens {
		switch {
		case i < 144:
			lens[i] = 8
		case i < 256:
			lens[i] = 9
		case i < 280:
			lens[i] = 7
		default:
			lens[i] = 8
		}
	}
	canonical(lens[:], fixedLit[:])
	var dl [numDist]uint8
	for i := range dl {
		dl[i] = 5
	}
	canonical(dl[:], fixedDist[:])
	buildFixedTables()
}

// distCode returns the distance symbol of distance-1 (RFC 1951, Section 3.2.5).
func distCode(d uint32) uint32 {
	if d < 4 {
		return d
	}
	nb := uint32(bits.Len32(d)) - 1
	return 2*nb + (d>>(nb-1))&1
}

// canonical assigns the canonical Huffman codes of RFC 1951, Section 3.2.2
// to the code lengths lens, bit-reversed for LSB-first output.
func canonical(lens []uint8, codes []hcode) {
	var count [maxCodeBits + 1]uint16
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	var next [maxCodeBits + 1]uint16
	code := uint16(0)
	for b := 1; b <= maxCodeBits; b++ {
		code = (code + count[b-1]) << 1
		next[b] = code
	}
	for i, l := range lens {
		if l == 0 {
			codes[i] = hcode{}
			continue
		}
		c := next[l]
		next[l]++
		codes[i] = hcode{code: bits.Reverse16(c) >> (16 - l), len: l}
	}
}

// huffScratch is the working memory of buildLengths.
type huffScratch struct {
	leaves [numLitLen]leaf
	weight [2 * numLitLen]uint64
	parent [2 * numLitLen]int32
	depth  [2 * numLitLen]uint16
	count  [2 * numLitLen]uint16
}

type leaf struct {
	freq uint32
	sym  uint16
}

// buildLengths sets lens[i] to the length of the Huffman code of symbol i
// for the frequencies freq, with no code longer than maxBits. Unused symbols
// get 0. The code is always complete: when fewer than two symbols are used,
// one or two extra symbols get a 1-bit code, as zlib does, so that every
// inflater (which may reject an incomplete code) accepts it.
func buildLengths(freq []uint32, maxBits int, lens []uint8, s *huffScratch) {
	clear(lens)
	n := 0
	for i, f := range freq {
		if f != 0 {
			s.leaves[n] = leaf{f, uint16(i)}
			n++
		}
	}
	if n < 2 {
		// Two 1-bit codes: the used symbol (if any) and a neighbour.
		a := 0
		if n == 1 {
			a = int(s.leaves[0].sym)
		}
		b := 1
		if a == 1 || (n == 1 && a != 0) {
			b = 0
		}
		lens[a], lens[b] = 1, 1
		return
	}
	lv := s.leaves[:n]
	slices.SortFunc(lv, func(x, y leaf) int {
		if x.freq != y.freq {
			if x.freq < y.freq {
				return -1
			}
			return 1
		}
		return int(x.sym) - int(y.sym)
	})
	// Two-queue construction: leaves 0..n-1 in order of weight, internal
	// nodes n.. are created in nondecreasing order of weight.
	for i, l := range lv {
		s.weight[i] = uint64(l.freq)
	}
	li, ni, next := 0, n, n
	pick := func() int {
		if li < n && (ni >= next || s.weight[li] <= s.weight[ni]) {
			li++
			return li - 1
		}
		ni++
		return ni - 1
	}
	for next < 2*n-1 {
		a := pick()
		b := pick()
		s.weight[next] = s.weight[a] + s.weight[b]
		s.parent[a], s.parent[b] = int32(next), int32(next)
		next++
	}
	root := 2*n - 2
	s.depth[root] = 0
	for i := root - 1; i >= 0; i-- {
		s.depth[i] = s.depth[s.parent[i]] + 1
	}
	cnt := s.count[:n+1]
	clear(cnt)
	maxDepth := 0
	for i := 0; i < n; i++ {
		d := int(s.depth[i])
		cnt[d]++
		maxDepth = max(maxDepth, d)
	}
	// Limit the depth to maxBits, keeping the Kraft sum at exactly one: a pair
	// of leaves at the deepest level is replaced by one leaf a level up and
	// a leaf at a shallower level is split in two (the BITS adjustment of
	// ITU T.81, Annex K.3).
	for i := maxDepth; i > maxBits; i-- {
		for cnt[i] > 0 {
			j := i - 2
			for cnt[j] == 0 {
				j--
			}
			cnt[i] -= 2
			cnt[i-1]++
			cnt[j+1] += 2
			cnt[j]--
		}
	}
	// The least frequent symbols get the longest codes.
	k := 0
	for l := min(maxDepth, maxBits); l >= 1; l-- {
		for c := cnt[l]; c > 0; c-- {
			lens[lv[k].sym] = uint8(l)
			k++
		}
	}
}
