package frame

import "strconv"

// An Opcode says how to interpret a frame's payload (RFC 6455, Section 5.2).
// It is the low four bits of the first header byte.
type Opcode byte

// The opcodes RFC 6455, Section 5.2 defines. 0x3–0x7 are reserved for further
// data frames, 0xB–0xF for further control frames.
const (
	OpContinuation Opcode = 0x0 // continuation of a fragmented message (Section 5.4)
	OpText         Opcode = 0x1 // first frame of a text message, UTF-8 (Section 5.6)
	OpBinary       Opcode = 0x2 // first frame of a binary message (Section 5.6)
	OpClose        Opcode = 0x8 // close (Section 5.5.1)
	OpPing         Opcode = 0x9 // ping (Section 5.5.2)
	OpPong         Opcode = 0xA // pong (Section 5.5.3)
)

// IsControl reports whether op is a control opcode, defined or reserved: the
// most significant opcode bit is set (RFC 6455, Section 5.5).
func (op Opcode) IsControl() bool { return op&0x8 != 0 && op <= 0xF }

// IsData reports whether op is one of the defined data opcodes: continuation,
// text or binary (RFC 6455, Section 5.6).
func (op Opcode) IsData() bool { return op <= OpBinary }

// IsReserved reports whether op is not one RFC 6455 defines: 0x3–0x7,
// 0xB–0xF, or anything above four bits (RFC 6455, Section 5.2).
func (op Opcode) IsReserved() bool {
	return op > opcodeBits || definedOpcodes>>op&1 == 0
}

// String returns the opcode's name as RFC 6455, Section 11.8 registers it in
// lower case ("text", "ping"), or "reserved 0x3" for the others.
func (op Opcode) String() string {
	switch op {
	case OpContinuation:
		return "continuation"
	case OpText:
		return "text"
	case OpBinary:
		return "binary"
	case OpClose:
		return "close"
	case OpPing:
		return "ping"
	case OpPong:
		return "pong"
	}
	return "reserved 0x" + strconv.FormatUint(uint64(op), 16)
}
