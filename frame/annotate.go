package frame

import "strconv"

// A Field is a run of bytes of an encoded frame and what it means: b[Off:End]
// is the field, Note describes it. Fields feed annotated dumps such as the
// fixtures in testdata/frames and cmd/wsframe.
type Field struct {
	Off, End int
	Note     string
}

// Fields splits the frame at the start of b into its wire fields (RFC 6455,
// Section 5.2): the first byte, the second byte, the extended payload length
// and the masking key when present, then the payload, unmasked for the note.
// It describes what the bits say without judging them, so it also labels
// frames that ParseHeader rejects; it stops where b ends. A close frame's
// payload is split into its status code and reason (Section 5.5.1).
func Fields(b []byte) []Field {
	var fs []Field
	if len(b) < 1 {
		return fs
	}
	b0 := b[0]
	op := Opcode(b0 & opcodeBits)
	name := op.String()
	if op.IsReserved() {
		name = "reserved"
	}
	fs = append(fs, Field{0, 1, "FIN=" + bit(b0&finBit) + "  RSV1-3=" + bit(b0&RSV1) + bit(b0&RSV2) + bit(b0&RSV3) +
		"  opcode=0x" + strconv.FormatUint(uint64(op), 16) + " (" + name + ")"})
	if len(b) < 2 {
		return fs
	}
	b1 := b[1]
	masked := b1&maskBit != 0
	mask := "MASK=" + bit(b1&maskBit) + "  payload length"
	off := 2
	var n uint64
	switch l := b1 & len7Bits; l {
	case len16Marker:
		fs = append(fs, Field{1, 2, mask + ": 126 = a 16-bit length follows"})
		if len(b) < 4 {
			return fs
		}
		n = uint64(b[2])<<8 | uint64(b[3])
		fs = append(fs, Field{2, 4, "extended payload length=" + strconv.FormatUint(n, 10) + " (16-bit, network order)"})
		off = 4
	case len64Marker:
		fs = append(fs, Field{1, 2, mask + ": 127 = a 64-bit length follows"})
		if len(b) < 10 {
			return fs
		}
		for _, c := range b[2:10] {
			n = n<<8 | uint64(c)
		}
		fs = append(fs, Field{2, 10, "extended payload length=" + strconv.FormatUint(n, 10) + " (64-bit, network order)"})
		off = 10
	default:
		n = uint64(l)
		fs = append(fs, Field{1, 2, mask + "=" + strconv.Itoa(int(l)) + " (7-bit form)"})
	}
	var key [4]byte
	if masked {
		if len(b) < off+4 {
			return fs
		}
		copy(key[:], b[off:])
		fs = append(fs, Field{off, off + 4, "masking key"})
		off += 4
	}
	end := len(b)
	if uint64(end-off) > n {
		end = off + int(n)
	}
	if end <= off {
		return fs
	}
	p := append([]byte(nil), b[off:end]...)
	if masked {
		Mask(key, p, 0)
	}
	xor := ""
	if masked {
		xor = " XOR masking key"
	}
	switch {
	case op == OpClose && len(p) >= 2:
		code := CloseCode(uint16(p[0])<<8 | uint16(p[1]))
		fs = append(fs, Field{off, off + 2, "status code=" + code.String() + xor})
		if len(p) > 2 {
			fs = append(fs, Field{off + 2, end, "reason: " + strconv.Quote(string(p[2:])) + xor})
		}
	case op == OpText || op == OpContinuation || op == OpPing || op == OpPong:
		fs = append(fs, Field{off, end, "payload: " + strconv.Quote(string(p)) + xor})
	default:
		fs = append(fs, Field{off, end, "payload: " + strconv.Itoa(len(p)) + " bytes" + xor})
	}
	return fs
}

func bit(b byte) string {
	if b != 0 {
		return "1"
	}
	return "0"
}
