package deflate

import "math/bits"

// Decoding tables for the inflater. A table maps the next bits of the input
// (least significant bit first, the order Huffman codes are packed in, RFC
// 1951, Section 3.1.1) to an entry: the first root bits index the table
// directly; codes longer than root bits go through a link to a subtable
// indexed by the bits after the first root.
//
// An entry is a uint32:
//
//	bits 0-3    the length of the code, in bits (for a link: 0)
//	bits 4-7    extra bits that follow the code (length or distance,
//	            RFC 1951, Section 3.2.5; repeat count, Section 3.2.7);
//	            for a link: how many bits index the subtable
//	bits 8-10   the kind: entLit, entBase, entEnd, entLink or entBad
//	bits 16-31  the value: a literal byte or code length symbol, the base
//	            length or distance, or the subtable's offset
type entry = uint32

const (
	entLit  = 0 << 8 // a literal byte (or a code length symbol)
	entBase = 1 << 8 // a length or a distance: value + the extra bits
	entEnd  = 2 << 8 // end of block, symbol 256
	entLink = 3 << 8 // a subtable for longer codes
	entBad  = 4 << 8 // no symbol: 286, 287, distance 30, 31, or an unused code
	entKind = 7 << 8
)

// Table sizes. The lit/len and distance tables of a dynamic block have a
// 2^10 and a 2^8 entry root. A subtable under a root entry holds 2^d
// entries, where d is the depth of the deepest code below that entry; in a
// complete code that subtree has at least d+1 leaves, so the 286 lit/len
// codes need at most 286/6 subtables of 2^5 entries (1504 entries), and the
// 30 distance codes at most 3 of 2^7 plus one of 2^5 (416 entries).
const (
	litRoot       = 10
	distRoot      = 8
	clRoot        = 7 // code length codes are at most 7 bits: no subtables
	fixedLitRoot  = 9 // the fixed codes are at most 9 bits: no subtables
	fixedDistRoot = 5
	litTableSize  = 1<<litRoot + 1504
	distTableSize = 1<<distRoot + 416
)

// Alphabets a table decodes.
const (
	alphaLit  = iota // literal/length, RFC 1951, Section 3.2.5
	alphaDist        // distance
	alphaCL          // code length, Section 3.2.7
)

// The fixed Huffman tables of RFC 1951, Section 3.2.6, built once at
// init and then only read.
var (
	fixedLitTable  [1 << fixedLitRoot]entry
	fixedDistTable [1 << fixedDistRoot]entry
)

// buildFixedTables fills symEntries and the fixed tables. huffman.go's
// init calls it, after the length and distance tables they need.
func buildFixedTables() {
	for a := range symEntries {
		for s := range symEntries[a] {
			symEntries[a][s] = symEntry(a, s, 0)
		}
	}
	var lens [288]uint8
	for i := range lens {
		lens[i] = fixedLit[i].len // RFC 1951, Section 3.2.6, as huffman.go's init set them
	}
	if buildTable(fixedLitTable[:], fixedLitRoot, lens[:], alphaLit) != nil {
		panic("deflate: fixed literal/length code")
	}
	var dl [32]uint8
	for i := range dl {
		dl[i] = 5
	}
	if buildTable(fixedDistTable[:], fixedDistRoot, dl[:], alphaDist) != nil {
		panic("deflate: fixed distance code")
	}
}

// symEntries holds symEntry's results for code length 0, per alphabet: the
// entry of a symbol with an n-bit code is symEntries[alpha][s] | n. Filled
// by buildFixedTables.
var symEntries [3][288]entry

// symEntry returns the entry of symbol s of alphabet alpha, whose code is
// n bits long.
func symEntry(alpha int, s int, n uint8) entry {
	e := entry(n)
	switch alpha {
	case alphaLit:
		switch {
		case s < 256:
			return e | entLit | entry(s)<<16
		case s == endOfBlock:
			return e | entEnd
		case s < numLitLen:
			i := s - 257
			return e | entBase | entry(lenExtra[i])<<4 | (entry(lenBase[i])+3)<<16
		}
		// "Literal/length values 286-287 will never actually occur in the
		// compressed data" (RFC 1951, Section 3.2.6).
		return e | entBad
	case alphaDist:
		if s < numDist {
			return e | entBase | entry(distExtr[s])<<4 | entry(distBase[s]+1)<<16
		}
		// "distance codes 30-31 will never actually occur" (Section 3.2.6)
		return e | entBad
	}
	// Code length symbols 16, 17 and 18 take 2, 3 and 7 extra bits (Section 3.2.7).
	x := entry(0)
	switch s {
	case 16:
		x = 2
	case 17:
		x = 3
	case 18:
		x = 7
	}
	return e | entLit | x<<4 | entry(s)<<16
}

// buildTable fills t with the decoding table, of root bits, for the
// canonical Huffman code whose code lengths are lens (RFC 1951, Section
// 3.2.2). The code must be complete: over-subscribed and incomplete sets
// are errors, except that a distance code may be a single code of one bit
// or no code at all ("If only one distance code is used, it is encoded
// using one bit, not zero bits ... One distance code of zero bits means that
// there are no distance codes used at all", Section 3.2.7). Bit patterns
// that are no code get an entBad entry.
func buildTable(t []entry, root uint, lens []uint8, alpha int) error {
	// Four counters, so that runs of one length don't wait on each other.
	var cs [4][maxCodeBits + 1]int
	i := 0
	for ; i+4 <= len(lens); i += 4 {
		cs[0][lens[i]&15]++
		cs[1][lens[i+1]&15]++
		cs[2][lens[i+2]&15]++
		cs[3][lens[i+3]&15]++
	}
	for ; i < len(lens); i++ {
		cs[0][lens[i]&15]++
	}
	var count [maxCodeBits + 1]int
	left, codes := 1, 0
	for l := 1; l <= maxCodeBits; l++ {
		count[l] = cs[0][l] + cs[1][l] + cs[2][l] + cs[3][l]
		left = left<<1 - count[l]
		if left < 0 {
			return errCodeOversubscribed
		}
		codes += count[l]
	}
	rootSize := 1 << root
	if left > 0 {
		bad := entry(entBad | 1)
		switch {
		case alpha == alphaDist && codes == 0:
			bad = entBad // no code: any bits are wrong
		case alpha == alphaDist && codes == 1 && count[1] == 1:
		default:
			return errCodeIncomplete
		}
		for i := range t[:rootSize] {
			t[i] = bad
		}
	}

	// Canonical codes (Section 3.2.2): shorter codes first, and among
	// codes of one length, in the order of the symbols.
	var next [maxCodeBits + 2]int
	code := 0
	for l := 1; l <= maxCodeBits; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	var start [maxCodeBits + 2]int
	for l := 1; l <= maxCodeBits; l++ {
		start[l+1] = start[l] + count[l]
	}
	var sorted [288]uint16
	var rev [288]uint16 // each sorted symbol's code, bit-reversed (first bit read in bit 0)
	for s, l := range lens {
		if l == 0 {
			continue
		}
		i := start[l]
		start[l]++
		sorted[i] = uint16(s)
		rev[i] = bits.Reverse16(uint16(next[l])) >> (16 - l)
		next[l]++
	}

	// Codes of at most root bits. A code of l bits, bit-reversed, has one
	// entry in the first 2^l entries of the table, and repeats every 2^l
	// entries after that: so fill the table for the lengths in turn,
	// doubling what is there (copy) before adding the codes one bit longer.
	ents := &symEntries[alpha]
	i, end := 0, 0
	for l := uint(1); l <= root; l++ {
		if end > 0 {
			copy(t[end:2*end], t[:end])
			end *= 2
		} else if count[l] > 0 {
			end = 1 << l
		}
		for k := count[l]; k > 0; k-- {
			t[rev[i]] = ents[sorted[i]] | entry(l)
			i++
		}
	}

	// Longer codes go to subtables under the entry of their first root
	// bits. Codes sharing those are adjacent in canonical order, longest
	// last; a code of l bits repeats every 2^(l-root) subtable entries.
	used := rootSize
	prefix, subOff, subBits := -1, 0, uint(0)
	for ; i < codes; i++ {
		l := uint(lens[sorted[i]])
		r := int(rev[i])
		if p := r & (rootSize - 1); p != prefix {
			prefix = p
			last := i
			for last+1 < codes && int(rev[last+1])&(rootSize-1) == p {
				last++
			}
			subBits = uint(lens[sorted[last]]) - root
			subOff = used
			used += 1 << subBits
			if used > len(t) {
				return errCodeOversubscribed // cannot happen for a complete code
			}
			t[p] = entLink | entry(subBits)<<4 | entry(subOff)<<16
		}
		e := ents[sorted[i]] | entry(l)
		for j := r >> root; j < 1<<subBits; j += 1 << (l - root) {
			t[subOff+j] = e
		}
	}
	return nil
}

// lookup returns the entry for the next bits of b.
func lookup(t []entry, root uint, b uint64) entry {
	e := t[b&(1<<root-1)]
	if e&entKind == entLink {
		e = t[e>>16+entry(b>>root)&(1<<(e>>4&15)-1)]
	}
	return e
}
