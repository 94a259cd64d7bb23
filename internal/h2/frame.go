package h2

import (
	"encoding/binary"
	"strconv"
	"strings"
)

// ClientPreface is the connection preface a client sends before its first
// SETTINGS frame (RFC 9113, Section 3.4).
const ClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// FrameHeaderLen is the length of every frame header (RFC 9113, Section 4.1).
const FrameHeaderLen = 9

// Frame size limits of SETTINGS_MAX_FRAME_SIZE (RFC 9113, Section 6.5.2).
const (
	DefaultMaxFrameSize = 1 << 14   // 16384, the initial value and the minimum
	MaxFrameSizeLimit   = 1<<24 - 1 // the largest value allowed
)

// A FrameType is the 8-bit type of a frame (RFC 9113, Section 4.1).
type FrameType uint8

// The frame types of RFC 9113, Section 6.
const (
	FrameData         FrameType = 0x0 // Section 6.1
	FrameHeaders      FrameType = 0x1 // Section 6.2
	FramePriority     FrameType = 0x2 // Section 6.3
	FrameRSTStream    FrameType = 0x3 // Section 6.4
	FrameSettings     FrameType = 0x4 // Section 6.5
	FramePushPromise  FrameType = 0x5 // Section 6.6
	FramePing         FrameType = 0x6 // Section 6.7
	FrameGoAway       FrameType = 0x7 // Section 6.8
	FrameWindowUpdate FrameType = 0x8 // Section 6.9
	FrameContinuation FrameType = 0x9 // Section 6.10
)

var frameTypeNames = [...]string{
	FrameData:         "DATA",
	FrameHeaders:      "HEADERS",
	FramePriority:     "PRIORITY",
	FrameRSTStream:    "RST_STREAM",
	FrameSettings:     "SETTINGS",
	FramePushPromise:  "PUSH_PROMISE",
	FramePing:         "PING",
	FrameGoAway:       "GOAWAY",
	FrameWindowUpdate: "WINDOW_UPDATE",
	FrameContinuation: "CONTINUATION",
}

// String returns the type's name in RFC 9113, Section 6, such as "HEADERS".
// Unknown types, which a receiver must ignore (RFC 9113, Section 4.1), print
// as "FRAME_TYPE_0xa".
func (t FrameType) String() string {
	if int(t) < len(frameTypeNames) {
		return frameTypeNames[t]
	}
	return "FRAME_TYPE_0x" + strconv.FormatUint(uint64(t), 16)
}

// Flags are the 8 flag bits of a frame header; their meaning depends on the
// frame type (RFC 9113, Section 4.1).
type Flags uint8

// The flags of RFC 9113, Section 6. FlagEndStream and FlagAck share a bit:
// END_STREAM on DATA and HEADERS, ACK on SETTINGS and PING.
const (
	FlagEndStream  Flags = 0x1  // DATA, HEADERS (Sections 6.1, 6.2)
	FlagAck        Flags = 0x1  // SETTINGS, PING (Sections 6.5, 6.7)
	FlagEndHeaders Flags = 0x4  // HEADERS, PUSH_PROMISE, CONTINUATION (6.2, 6.6, 6.10)
	FlagPadded     Flags = 0x8  // DATA, HEADERS, PUSH_PROMISE (6.1, 6.2, 6.6)
	FlagPriority   Flags = 0x20 // HEADERS (6.2)
)

// Has reports whether every bit of want is set in f.
func (f Flags) Has(want Flags) bool { return f&want == want }

// A FrameHeader is the fixed 9-octet header of every frame
// (RFC 9113, Section 4.1).
type FrameHeader struct {
	Length   uint32    // payload length, 24 bits
	Type     FrameType // frame type
	Flags    Flags     // type-specific flags
	StreamID uint32    // 31-bit stream identifier; the reserved bit is dropped
}

// ParseFrameHeader decodes the frame header at the start of b, which must
// hold at least FrameHeaderLen bytes (RFC 9113, Section 4.1). The reserved
// bit before the stream identifier "MUST be ignored when receiving", so it
// is masked off.
func ParseFrameHeader(b []byte) FrameHeader {
	_ = b[8] // one bounds check
	return FrameHeader{
		Length:   uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]),
		Type:     FrameType(b[3]),
		Flags:    Flags(b[4]),
		StreamID: binary.BigEndian.Uint32(b[5:9]) & (1<<31 - 1),
	}
}

// AppendFrameHeader appends the 9-octet encoding of h to dst
// (RFC 9113, Section 4.1). The reserved bit is sent as 0 ("MUST remain unset
// when sending"); Length is cut to 24 bits and StreamID to 31.
func AppendFrameHeader(dst []byte, h FrameHeader) []byte {
	return append(dst,
		byte(h.Length>>16), byte(h.Length>>8), byte(h.Length),
		byte(h.Type), byte(h.Flags),
		byte(h.StreamID>>24)&0x7f, byte(h.StreamID>>16), byte(h.StreamID>>8), byte(h.StreamID))
}

// flagNames returns the names of the flags defined for type t that are set
// in f, separated by spaces, for Describe.
func flagNames(t FrameType, f Flags) string {
	var names []string
	switch t {
	case FrameData:
		if f.Has(FlagEndStream) {
			names = append(names, "END_STREAM")
		}
		if f.Has(FlagPadded) {
			names = append(names, "PADDED")
		}
	case FrameHeaders:
		if f.Has(FlagEndStream) {
			names = append(names, "END_STREAM")
		}
		if f.Has(FlagEndHeaders) {
			names = append(names, "END_HEADERS")
		}
		if f.Has(FlagPadded) {
			names = append(names, "PADDED")
		}
		if f.Has(FlagPriority) {
			names = append(names, "PRIORITY")
		}
	case FramePushPromise:
		if f.Has(FlagEndHeaders) {
			names = append(names, "END_HEADERS")
		}
		if f.Has(FlagPadded) {
			names = append(names, "PADDED")
		}
	case FrameContinuation:
		if f.Has(FlagEndHeaders) {
			names = append(names, "END_HEADERS")
		}
	case FrameSettings, FramePing:
		if f.Has(FlagAck) {
			names = append(names, "ACK")
		}
	}
	return strings.Join(names, " ")
}
