package deflate

import "encoding/binary"

// The inflater is a state machine over the block structure of RFC 1951,
// Section 3.2.3. Each state takes its input only when all the bits of one
// step are there (a block header, LEN and NLEN, a code length with its
// repeat bits, a literal, or a length with its distance), so it can stop
// at any input byte and go on later: the bits already read wait in the bit
// buffer. A back-reference or a stored block can also stop for lack of
// output room, midway, and go on.
const (
	stHeader    = iota // BFINAL and BTYPE
	stStoredLen        // LEN and NLEN of a stored block (Section 3.2.4)
	stStored           // the bytes of a stored block
	stDynHeader        // HLIT, HDIST, HCLEN (Section 3.2.7)
	stCodeLens         // the code lengths of the code length alphabet
	stLens             // the literal/length and distance code lengths
	stBlock            // the symbols of a Huffman block (Section 3.2.5)
	stCopy             // the rest of a back-reference
	stTrailer          // after the final block
)

// What inflate stopped for.
const (
	needInput  = iota // the input buffer is used up
	needOutput        // no room in the window, or the limit is reached
	failed            // r.err is set
)

// inflate decodes as much as the input buffer and the output room allow.
func (r *Reader) inflate() int {
	for {
		switch r.state {
		case stHeader:
			if !r.need(3) {
				return needInput
			}
			h := r.bits & 7
			r.drop(3)
			r.final = h&1 == 1
			switch h >> 1 {
			case 0:
				r.drop(r.nbits & 7) // "skip any remaining bits in current partially processed byte"
				r.state = stStoredLen
			case 1:
				r.lit, r.litRoot = fixedLitTable[:], fixedLitRoot
				r.dist, r.distRoot = fixedDistTable[:], fixedDistRoot
				r.state = stBlock
			case 2:
				r.state = stDynHeader
			default:
				return r.fail(errBlockType)
			}

		case stStoredLen:
			if !r.need(32) {
				return needInput
			}
			n, nn := uint16(r.bits), uint16(r.bits>>16)
			// "NLEN is the one's complement of LEN" (RFC 1951, Section 3.2.4)
			if n != ^nn {
				return r.fail(errStoredLen)
			}
			r.drop(32)
			r.stored = int(n)
			r.state = stStored

		case stStored:
			for r.stored > 0 {
				// A byte over the limit must be there to be over it: look
				// for input first.
				if r.nbits == 0 && r.ip == r.ie {
					return needInput
				}
				room := r.room()
				if room == 0 {
					return needOutput
				}
				if r.nbits > 0 { // whole bytes, since LEN is byte-aligned
					r.put(byte(r.bits))
					r.drop(8)
					r.stored--
					continue
				}
				k := min(r.stored, room, r.ie-r.ip)
				r.write(r.in[r.ip : r.ip+k])
				r.ip += k
				r.stored -= k
			}
			r.endBlock()

		case stDynHeader:
			if !r.need(14) {
				return needInput
			}
			hlit := int(r.bits&31) + 257
			hdist := int(r.bits>>5&31) + 1
			r.hclen = int(r.bits>>10&15) + 4
			r.drop(14)
			if hlit > numLitLen || hdist > numDist {
				return r.fail(errTooManyCodes)
			}
			r.hlit, r.ncodes, r.i = hlit, hlit+hdist, 0
			if r.sc == nil {
				r.sc = scratchPool.Get().(*scratch)
			}
			clear(r.sc.clLens[:])
			r.state = stCodeLens

		case stCodeLens:
			for ; r.i < r.hclen; r.i++ {
				if !r.need(3) {
					return needInput
				}
				r.sc.clLens[codeLenOrder[r.i]] = uint8(r.bits & 7)
				r.drop(3)
			}
			if err := buildTable(r.sc.cl[:], clRoot, r.sc.clLens[:], alphaCL); err != nil {
				return r.fail(err)
			}
			r.i = 0
			r.state = stLens

		case stLens:
			sc := r.sc
			for r.i < r.ncodes {
				e, ok := r.peek(sc.cl[:], clRoot, 0)
				if !ok {
					return needInput
				}
				n, x := uint(e&15), uint(e>>4&15)
				if !r.need(n + x) {
					return needInput
				}
				sym := int(e >> 16)
				rep := int(r.bits>>n) & (1<<x - 1)
				r.drop(n + x)
				if sym < 16 {
					sc.lens[r.i] = uint8(sym)
					r.i++
					continue
				}
				v := uint8(0)
				switch sym {
				case 16: // "Copy the previous code length 3 - 6 times"
					if r.i == 0 {
						return r.fail(errRepeatFirst)
					}
					v, rep = sc.lens[r.i-1], 3+rep
				case 17: // "Repeat a code length of 0 for 3 - 10 times"
					rep = 3 + rep
				default: // 18: "for 11 - 138 times"
					rep = 11 + rep
				}
				if r.i+rep > r.ncodes {
					return r.fail(errLensOverrun)
				}
				for range rep {
					sc.lens[r.i] = v
					r.i++
				}
			}
			if sc.lens[endOfBlock] == 0 {
				return r.fail(errNoEndOfBlock)
			}
			if err := buildTable(sc.lit[:], litRoot, sc.lens[:r.hlit], alphaLit); err != nil {
				return r.fail(err)
			}
			if err := buildTable(sc.dist[:], distRoot, sc.lens[r.hlit:r.ncodes], alphaDist); err != nil {
				return r.fail(err)
			}
			r.lit, r.litRoot = sc.lit[:], litRoot
			r.dist, r.distRoot = sc.dist[:], distRoot
			r.state = stBlock

		case stBlock:
			if r.ie-r.ip >= 8 && r.room() >= maxMatch {
				if err := r.fast(); err != nil {
					return r.fail(err)
				}
				continue
			}
			if st := r.symbol(); st >= 0 {
				return st
			}

		case stCopy:
			k := min(r.copyLen, r.room())
			if k == 0 {
				return needOutput
			}
			r.copyBack(r.copyDist, k)
			r.copyLen -= k
			if r.copyLen == 0 {
				r.state = stBlock
			}

		case stTrailer:
			// RFC 7692, Section 7.2.3.4: a message may end with a final
			// block, followed by the 0x00 of an empty stored block's header.
			// We accept up to 4 zero bytes, and zero padding bits, and
			// reject anything else.
			if k := r.nbits & 7; k > 0 {
				if r.bits&(1<<k-1) != 0 {
					return r.fail(errTrailer)
				}
				r.drop(k)
			}
			for ; r.nbits > 0; r.drop(8) {
				r.trailer++
				if r.bits&0xff != 0 || r.trailer > 4 {
					return r.fail(errTrailer)
				}
			}
			for ; r.ip < r.ie; r.ip++ {
				r.trailer++
				if r.in[r.ip] != 0 || r.trailer > 4 {
					return r.fail(errTrailer)
				}
			}
			return needInput
		}
	}
}

// symbol decodes one symbol of a Huffman block, with the careful bit
// reader: it first moves all the input it can into the bit buffer (at
// least 49 bits, more than a symbol takes, or all there is), so a symbol
// whose bits are not all there needs more input. It returns -1 to go on,
// or what inflate stops for.
func (r *Reader) symbol() int {
	r.refill()
	e := lookup(r.lit, r.litRoot, r.bits)
	n := uint(e & 15)
	if n > r.nbits {
		return needInput
	}
	switch e & entKind {
	case entLit:
		if r.room() == 0 {
			return needOutput
		}
		r.drop(n)
		r.put(byte(e >> 16))
	case entEnd:
		r.drop(n)
		r.endBlock()
	case entBase:
		x := uint(e >> 4 & 15)
		skip := n + x
		d := lookup(r.dist, r.distRoot, r.bits>>skip)
		dn, dx := uint(d&15), uint(d>>4&15)
		if skip+dn > r.nbits {
			return needInput
		}
		if d&entKind != entBase {
			return r.fail(errBadDistSymbol)
		}
		if skip+dn+dx > r.nbits {
			return needInput
		}
		length := int(e>>16) + int(r.bits>>n)&(1<<x-1)
		dist := int(d>>16) + int(r.bits>>(skip+dn))&(1<<dx-1)
		// The peer's window is 2^bits bytes (RFC 7692, Section 7.1.2), and a
		// distance cannot reach before the first byte (RFC 1951, Section 3.2).
		if dist > r.have {
			return r.fail(errDistance)
		}
		if r.room() == 0 {
			return needOutput
		}
		r.drop(skip + dn + dx)
		r.copyLen, r.copyDist = length, dist
		r.state = stCopy
	default:
		return r.fail(errBadSymbol)
	}
	return -1
}

// refill moves input bytes into the bit buffer until it holds more than 48
// bits or the input buffer is empty. It leaves at most 56 bits, as fast
// expects.
func (r *Reader) refill() {
	for r.nbits <= 48 && r.ip < r.ie {
		r.bits |= uint64(r.in[r.ip]) << r.nbits
		r.ip++
		r.nbits += 8
	}
}

func (r *Reader) fail(err error) int {
	r.err = err
	return failed
}

// endBlock moves on after a block.
func (r *Reader) endBlock() {
	if r.final {
		r.state = stTrailer
	} else {
		r.state = stHeader
	}
}

// room reports how many bytes may be inflated now: the window must keep
// the output not yet read, and the limit must not be passed.
func (r *Reader) room() int {
	room := 1<<r.wbits - r.pend
	if r.left < int64(room) {
		room = int(r.left)
	}
	return room
}

// need reports whether the bit buffer holds n bits, moving input bytes in
// one at a time until it does.
func (r *Reader) need(n uint) bool {
	for r.nbits < n {
		if r.ip == r.ie {
			return false
		}
		r.bits |= uint64(r.in[r.ip]) << r.nbits
		r.ip++
		r.nbits += 8
	}
	return true
}

func (r *Reader) drop(n uint) {
	r.bits >>= n
	r.nbits -= n
}

// peek returns the table entry for the bits after the first skip, once
// there are enough bits to be sure of it: a lookup with missing bits (read
// as zeros) is right if the code it finds is no longer than the bits there.
func (r *Reader) peek(t []entry, root, skip uint) (entry, bool) {
	for {
		e := lookup(t, root, r.bits>>skip)
		if skip+uint(e&15) <= r.nbits {
			return e, true
		}
		if r.ip == r.ie {
			return 0, false
		}
		r.bits |= uint64(r.in[r.ip]) << r.nbits
		r.ip++
		r.nbits += 8
	}
}

// put writes one byte of output.
func (r *Reader) put(b byte) {
	r.window()
	r.win[r.wpos] = b
	r.wpos = (r.wpos + 1) & (len(r.win) - 1)
	r.produced(1)
}

// write writes b, at most room bytes, as output.
func (r *Reader) write(b []byte) {
	r.window()
	n := copy(r.win[r.wpos:], b)
	copy(r.win, b[n:])
	r.wpos = (r.wpos + len(b)) & (len(r.win) - 1)
	r.produced(len(b))
}

func (r *Reader) produced(n int) {
	r.pend += n
	r.left -= int64(n)
	r.have = min(r.have+n, len(r.win))
}

// copyBack writes length bytes copied from dist bytes back, at most room.
func (r *Reader) copyBack(dist, length int) {
	r.window()
	copyBack(r.win, r.wpos, dist, length)
	r.wpos = (r.wpos + length) & (len(r.win) - 1)
	r.produced(length)
}

// copyBack copies length bytes from dist bytes before wpos to wpos in the
// ring win, byte by byte in effect: where the source overlaps the bytes
// being written, they repeat (RFC 1951, Section 3.2.3: "the referenced
// string may overlap the current position").
func copyBack(win []byte, wpos, dist, length int) {
	from := (wpos - dist) & (len(win) - 1)
	if wpos+length <= len(win) && from+length <= len(win) {
		if dist >= length {
			copy(win[wpos:wpos+length], win[from:from+length])
			return
		}
		if from < wpos {
			// Each copy doubles the repeated span.
			for end := wpos + length; wpos < end; {
				wpos += copy(win[wpos:end], win[from:wpos])
			}
			return
		}
	}
	mask := len(win) - 1
	for i := range length {
		win[(wpos+i)&mask] = win[(from+i)&mask]
	}
}

// fast decodes the symbols of a Huffman block while at least 8 input bytes
// and maxMatch bytes of output room remain, so it never has to stop inside
// a symbol: it refills the bit buffer to at least 56 bits before each
// symbol, and a symbol with all its extra bits takes at most 15+5+15+13 =
// 48 (RFC 1951, Section 3.2.5). It returns at the end of the block or when
// the input or room runs low.
func (r *Reader) fast() error {
	r.window()
	in, ip, ie := r.in, r.ip, r.ie
	bits, nbits := r.bits, r.nbits
	win, wpos := r.win, r.wpos
	mask := len(win) - 1
	room := r.room()
	lit, dist := r.lit, r.dist
	litRoot, distRoot := r.litRoot, r.distRoot
	litMask, distMask := uint64(1)<<litRoot-1, uint64(1)<<distRoot-1
	have := r.have // history before this call; have+out after
	out := 0
	var err error
loop:
	for ie-ip >= 8 && room >= maxMatch {
		// Refill: bytes go in at nbits; the bits of a byte only partly
		// taken (above the new nbits) are read again next time, so ORing
		// them twice is harmless.
		bits |= binary.LittleEndian.Uint64(in[ip:]) << nbits
		ip += int(63-nbits) >> 3
		nbits |= 56

		e := lit[bits&litMask]
		if e&entKind == entLink {
			e = lit[e>>16+entry(bits>>litRoot)&(1<<(e>>4&15)-1)]
		}
		n := uint(e & 15)
		bits >>= n
		nbits -= n
		switch e & entKind {
		case entLit:
			win[wpos] = byte(e >> 16)
			wpos = (wpos + 1) & mask
			room--
			out++
			continue
		case entBase:
		case entEnd:
			if r.final {
				r.state = stTrailer
			} else {
				r.state = stHeader
			}
			break loop
		default:
			err = errBadSymbol
			break loop
		}
		x := uint(e >> 4 & 15)
		length := int(e>>16) + int(bits&(1<<x-1))
		bits >>= x
		nbits -= x

		e = dist[bits&distMask]
		if e&entKind == entLink {
			e = dist[e>>16+entry(bits>>distRoot)&(1<<(e>>4&15)-1)]
		}
		if e&entKind != entBase {
			err = errBadDistSymbol
			break
		}
		n = uint(e & 15)
		x = uint(e >> 4 & 15)
		d := int(e>>16) + int(bits>>n&(1<<x-1))
		bits >>= n + x
		nbits -= n + x
		// The window, and the start of the data (RFC 7692, Section 7.1.2).
		if d > have+out || d > len(win) {
			err = errDistance
			break
		}
		from := (wpos - d) & mask
		if d >= length && wpos+length <= len(win) && from+length <= len(win) {
			copy(win[wpos:wpos+length], win[from:from+length])
		} else {
			copyBack(win, wpos, d, length)
		}
		wpos = (wpos + length) & mask
		room -= length
		out += length
	}
	r.ip = ip
	r.bits, r.nbits = bits&(1<<nbits-1), nbits
	r.wpos = wpos
	r.produced(out)
	return err
}
