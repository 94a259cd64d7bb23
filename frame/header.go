package frame

import "encoding/binary"

// The RSV bits as they sit in the first header byte (RFC 6455, Section 5.2).
// Extensions negotiate their meaning; Sequence.AllowedRSV takes these values.
const (
	RSV1 byte = 0x40 // used by permessage-deflate (RFC 7692, Section 6)
	RSV2 byte = 0x20
	RSV3 byte = 0x10
)

// MaxHeaderLen is the length of the longest frame header: 2 bytes, 8 bytes of
// extended payload length and a 4-byte masking key (RFC 6455, Section 5.2).
const MaxHeaderLen = 14

// Bits of the two fixed header bytes (RFC 6455, Section 5.2).
const (
	finBit     = 0x80
	opcodeBits = 0x0F
	maskBit    = 0x80
	len7Bits   = 0x7F
)

// Payload length markers of the 7-bit field and the top value of each form
// (RFC 6455, Section 5.2).
const (
	len16Marker = 126
	len64Marker = 127
	maxLen7     = 125
	maxLen16    = 0xFFFF
)

// definedOpcodes has bit op set for each opcode RFC 6455, Section 5.2
// defines (0x0, 0x1, 0x2, 0x8, 0x9, 0xA); controlBit marks control opcodes
// (Section 5.5).
const (
	definedOpcodes = 1<<OpContinuation | 1<<OpText | 1<<OpBinary | 1<<OpClose | 1<<OpPing | 1<<OpPong
	controlBit     = 0x8
)

// maxControlPayload is the longest control frame payload (RFC 6455, Section 5.5).
const maxControlPayload = 125

// A Header is a decoded frame header (RFC 6455, Section 5.2). The payload
// that follows it is PayloadLen bytes long, masked with MaskKey if Masked.
// The zero value is a non-final continuation frame with no payload.
type Header struct {
	Fin              bool   // the final fragment of a message
	Rsv1, Rsv2, Rsv3 bool   // reserved bits; meaningful only under an extension
	Opcode           Opcode // how to read the payload
	Masked           bool   // the payload is masked with MaskKey (Section 5.3)
	MaskKey          [4]byte
	PayloadLen       int64 // 0 to 1<<63-1
}

// RSV returns the header's RSV bits as bits of the first header byte: an OR
// of RSV1, RSV2 and RSV3.
func (h Header) RSV() byte {
	var b byte
	if h.Rsv1 {
		b |= RSV1
	}
	if h.Rsv2 {
		b |= RSV2
	}
	if h.Rsv3 {
		b |= RSV3
	}
	return b
}

// Len returns the number of bytes AppendHeader writes for h: 2 to 14.
func (h Header) Len() int {
	n := 2
	switch {
	case h.PayloadLen > maxLen16:
		n += 8
	case h.PayloadLen > maxLen7:
		n += 2
	}
	if h.Masked {
		n += 4
	}
	return n
}

// Check reports whether h alone is a valid frame header: its opcode is
// defined (RFC 6455, Section 5.2), and a control frame is final and carries
// at most 125 bytes (Section 5.5). ParseHeader runs the same checks; Check is
// for headers built in code, before they are sent.
func (h Header) Check() error {
	if h.Opcode.IsReserved() {
		return errReservedOpcode
	}
	if h.PayloadLen < 0 {
		return errLengthMSBSet
	}
	if h.Opcode.IsControl() {
		if !h.Fin {
			return errControlFragmented
		}
		if h.PayloadLen > maxControlPayload {
			return errControlTooLong
		}
	}
	return nil
}

// AppendHeader appends the wire form of h to dst and returns the extended
// slice (RFC 6455, Section 5.2). The payload length always takes its minimal
// form: 7 bits up to 125, 16 bits up to 65535, 64 bits above. AppendHeader
// does not check h (see Check); it panics if h.Opcode does not fit in four
// bits or h.PayloadLen is negative, which no valid frame can encode.
func AppendHeader(dst []byte, h Header) []byte {
	if h.Opcode > opcodeBits || h.PayloadLen < 0 {
		panic("frame: AppendHeader: opcode or payload length out of range")
	}
	b0 := h.RSV() | byte(h.Opcode)
	if h.Fin {
		b0 |= finBit
	}
	var b1 byte
	if h.Masked {
		b1 = maskBit
	}
	switch n := h.PayloadLen; {
	case n <= maxLen7:
		dst = append(dst, b0, b1|byte(n))
	case n <= maxLen16:
		dst = append(dst, b0, b1|len16Marker)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, b0, b1|len64Marker)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	if h.Masked {
		dst = append(dst, h.MaskKey[:]...)
	}
	return dst
}

// ParseHeader decodes the frame header at the start of b (RFC 6455, Section
// 5.2) and reports how many bytes it used. If b holds only part of a header,
// it returns ErrShortHeader and consumes nothing, so the caller can read more
// and retry. A header that breaks a single-frame rule yields a ProtocolError
// (reserved opcode, control frame fragmented or over 125 bytes, 64-bit length
// with its top bit set, length not in its minimal form); the errors that need
// only the first two bytes are reported as soon as those are present. Rules
// that span frames or depend on the connection (masking direction, RSV bits
// against the negotiated extensions, continuations) are checked by Sequence.
//
// RFC 6455 does not say what a receiver does with a non-minimal length
// encoding; we reject it with 1002, because Section 5.2 says "the minimal
// number of bytes MUST be used to encode the length", and accepting two
// encodings of one header would make a header decode and re-encode to
// different bytes.
//
// ParseHeader does not allocate and never reads past len(b). In a hot loop,
// ParseHeaderInto does the same work without returning a Header by value.
func ParseHeader(b []byte) (h Header, n int, err error) {
	n, err = ParseHeaderInto(&h, b)
	return h, n, err
}

// ParseHeaderInto is ParseHeader writing the header to *h, which it leaves
// unchanged on error. It exists for speed: returning the 24-byte Header by
// value costs more than parsing it (the caller's copy of the result stalls on
// the callee's narrower stores), about 10 ns against 3 ns per call on the
// machines we measure on.
func ParseHeaderInto(h *Header, b []byte) (n int, err error) {
	if len(b) < 2 {
		return 0, ErrShortHeader
	}
	b0, b1 := b[0], b[1]
	op := Opcode(b0 & opcodeBits)
	len7 := b1 & len7Bits

	// "If an unknown opcode is received, the receiving endpoint MUST _Fail
	// the WebSocket Connection_." (Section 5.2)
	if definedOpcodes>>op&1 == 0 {
		return 0, errReservedOpcode
	}
	if op&controlBit != 0 {
		// "All control frames MUST have a payload length of 125 bytes or less
		// and MUST NOT be fragmented." (Section 5.5)
		if b0&finBit == 0 {
			return 0, errControlFragmented
		}
		// A control frame can only use the 7-bit form: 126 and 127 announce
		// a length of at least 126 (or a non-minimal one), both 1002.
		if len7 > maxControlPayload {
			return 0, errControlTooLong
		}
	}

	n = 2
	length := int64(len7)
	switch len7 {
	case len16Marker:
		if len(b) < 4 {
			return 0, ErrShortHeader
		}
		v := binary.BigEndian.Uint16(b[2:4])
		// "the minimal number of bytes MUST be used to encode the length"
		// (Section 5.2)
		if v <= maxLen7 {
			return 0, errNonMinimalLength
		}
		length = int64(v)
		n = 4
	case len64Marker:
		if len(b) < 10 {
			return 0, ErrShortHeader
		}
		v := binary.BigEndian.Uint64(b[2:10])
		// "the most significant bit MUST be 0" (Section 5.2)
		if v>>63 != 0 {
			return 0, errLengthMSBSet
		}
		// "the minimal number of bytes MUST be used to encode the length"
		// (Section 5.2)
		if v <= maxLen16 {
			return 0, errNonMinimalLength
		}
		length = int64(v)
		n = 10
	}
	masked := b1&maskBit != 0
	var key [4]byte
	if masked {
		if len(b) < n+4 {
			return 0, ErrShortHeader
		}
		key = [4]byte(b[n : n+4])
		n += 4
	}
	// Field by field: the caller reads fields, and stores of the same width
	// forward to those loads.
	h.Fin = b0&finBit != 0
	h.Rsv1 = b0&RSV1 != 0
	h.Rsv2 = b0&RSV2 != 0
	h.Rsv3 = b0&RSV3 != 0
	h.Opcode = op
	h.Masked = masked
	h.MaskKey = key
	h.PayloadLen = length
	return n, nil
}
