package deflate

import "encoding/binary"

// Block types, as the 3-bit block header BFINAL | BTYPE<<1 (RFC 1951,
// Section 3.2.3). We never set BFINAL: a permessage-deflate message ends
// with a sync flush, not a final block (RFC 7692, Section 7.2.1).
const (
	hdrStored  = 0 << 1
	hdrFixed   = 1 << 1
	hdrDynamic = 2 << 1
)

func (st *state) writeBits(v uint64, n uint) {
	st.bits |= v << st.nbits
	st.nbits += n
	if st.nbits >= 32 {
		st.out = binary.LittleEndian.AppendUint32(st.out, uint32(st.bits))
		st.bits >>= 32
		st.nbits -= 32
	}
}

// align pads with zero bits to a byte boundary and moves every whole byte
// to out.
func (st *state) align() {
	for st.nbits > 0 {
		st.out = append(st.out, byte(st.bits))
		st.bits >>= 8
		st.nbits -= min(st.nbits, 8)
	}
}

// writeBlock encodes the pending tokens as one block: stored, fixed or
// dynamic Huffman, whichever is smallest (RFC 1951, Section 3.2.3).
func (st *state) writeBlock() {
	if len(st.tokens) == 0 {
		return
	}
	raw := st.win[st.blockStart:st.tokEnd]
	st.litFreq[endOfBlock] = 1

	extra := 0
	for s := 257; s < numLitLen; s++ {
		extra += int(st.litFreq[s]) * int(lenExtra[s-257])
	}
	for c, f := range st.dstFreq {
		extra += int(f) * int(distExtr[c])
	}

	fixedBits := 3 + extra
	for s, f := range st.litFreq {
		fixedBits += int(f) * int(fixedLit[s].len)
	}
	for _, f := range st.dstFreq {
		fixedBits += int(f) * 5
	}

	buildLengths(st.litFreq[:], maxCodeBits, st.litLens[:], &st.huff)
	buildLengths(st.dstFreq[:], maxCodeBits, st.distLens[:], &st.huff)
	hlit := numLitLen
	for hlit > 257 && st.litLens[hlit-1] == 0 {
		hlit--
	}
	hdist := numDist
	for hdist > 1 && st.distLens[hdist-1] == 0 {
		hdist--
	}
	nrle := st.encodeLengths(hlit, hdist)
	buildLengths(st.clFreq[:], maxCLBits, st.clLens[:], &st.huff)
	hclen := numCodeLen
	for hclen > 4 && st.clLens[codeLenOrder[hclen-1]] == 0 {
		hclen--
	}
	dynBits := 3 + 5 + 5 + 4 + 3*hclen + extra
	for i, f := range st.clFreq {
		dynBits += int(f) * int(st.clLens[i])
	}
	for _, r := range st.rle[:nrle] {
		switch r & 0xff {
		case 16:
			dynBits += 2
		case 17:
			dynBits += 3
		case 18:
			dynBits += 7
		}
	}
	for s, f := range st.litFreq {
		dynBits += int(f) * int(st.litLens[s])
	}
	for c, f := range st.dstFreq {
		dynBits += int(f) * int(st.distLens[c])
	}

	// Stored: per block of ≤ 65535 bytes, a 3-bit header, padding to a
	// byte, LEN and NLEN (RFC 1951, Section 3.2.4).
	chunks := (len(raw) + storedMax - 1) / storedMax
	storedBits := 8*len(raw) + chunks*(3+32) + int(8-(st.nbits+3)%8)%8 + (chunks-1)*5

	switch {
	case storedBits < fixedBits && storedBits < dynBits:
		for len(raw) > 0 {
			n := min(len(raw), storedMax)
			st.writeBits(hdrStored, 3)
			st.align()
			st.out = binary.LittleEndian.AppendUint16(st.out, uint16(n))
			st.out = binary.LittleEndian.AppendUint16(st.out, ^uint16(n))
			st.out = append(st.out, raw[:n]...)
			raw = raw[n:]
		}
	case fixedBits <= dynBits:
		st.writeBits(hdrFixed, 3)
		st.writeTokens(fixedLit[:], fixedDist[:])
	default:
		canonical(st.litLens[:], st.litCodes[:])
		canonical(st.distLens[:], st.dstCodes[:])
		canonical(st.clLens[:], st.clCodes[:])
		st.writeBits(hdrDynamic, 3)
		st.writeBits(uint64(hlit-257), 5)
		st.writeBits(uint64(hdist-1), 5)
		st.writeBits(uint64(hclen-4), 4)
		for _, s := range codeLenOrder[:hclen] {
			st.writeBits(uint64(st.clLens[s]), 3)
		}
		for _, r := range st.rle[:nrle] {
			s, x := r&0xff, uint64(r>>8)
			c := st.clCodes[s]
			st.writeBits(uint64(c.code), uint(c.len))
			switch s {
			case 16:
				st.writeBits(x, 2)
			case 17:
				st.writeBits(x, 3)
			case 18:
				st.writeBits(x, 7)
			}
		}
		st.writeTokens(st.litCodes[:], st.dstCodes[:])
	}

	st.tokens = st.tokens[:0]
	clear(st.litFreq[:])
	clear(st.dstFreq[:])
	st.blockStart = st.tokEnd
}

// writeTokens writes the block's tokens and its end-of-block code.
func (st *state) writeTokens(lit []hcode, dist []hcode) {
	for _, t := range st.tokens {
		if t < matchToken {
			c := lit[t]
			st.writeBits(uint64(c.code), uint(c.len))
			continue
		}
		l, d := (t>>15)&0xff, t&0x7fff
		s := lenSym[l] - 257
		c := lit[s+257]
		v, n := uint64(c.code), uint(c.len)
		if eb := lenExtra[s]; eb > 0 {
			v |= uint64(l-uint32(lenBase[s])) << n
			n += uint(eb)
		}
		st.writeBits(v, n)
		dc := distCode(d)
		c = dist[dc]
		v, n = uint64(c.code), uint(c.len)
		if eb := distExtr[dc]; eb > 0 {
			v |= uint64(d-uint32(distBase[dc])) << n
			n += uint(eb)
		}
		st.writeBits(v, n)
	}
	c := lit[endOfBlock]
	st.writeBits(uint64(c.code), uint(c.len))
}

// encodeLengths run-length encodes the literal/length and distance code
// lengths with the code length alphabet (RFC 1951, Section 3.2.7): 16
// repeats the previous length 3-6 times, 17 and 18 give 3-10 and 11-138
// zeros. It fills st.rle and st.clFreq and returns the number of symbols.
func (st *state) encodeLengths(hlit, hdist int) int {
	var all [numLitLen + numDist]uint8
	n := copy(all[:], st.litLens[:hlit])
	n += copy(all[n:], st.distLens[:hdist])
	lens := all[:n]
	clear(st.clFreq[:])
	k := 0
	emit := func(sym, x int) {
		st.rle[k] = uint16(sym | x<<8)
		st.clFreq[sym]++
		k++
	}
	for i := 0; i < len(lens); {
		l := lens[i]
		run := 1
		for i+run < len(lens) && lens[i+run] == l {
			run++
		}
		i += run
		if l == 0 {
			for run >= 11 {
				r := min(run, 138)
				emit(18, r-11)
				run -= r
			}
			if run >= 3 {
				emit(17, run-3)
				run = 0
			}
		} else {
			emit(int(l), 0)
			run--
			for run >= 3 {
				r := min(run, 6)
				emit(16, r-3)
				run -= r
			}
		}
		for ; run > 0; run-- {
			emit(int(l), 0)
		}
	}
	return k
}
