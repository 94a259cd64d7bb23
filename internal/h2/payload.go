package h2

import (
	"encoding/binary"
	"strconv"
)

// The payload parsers below take a frame's header h and its payload p and
// check the frame-level rules of RFC 9113, Section 6 (on which streams the
// type may appear, fixed lengths, padding). They use len(p) as the payload
// length, not h.Length. Returned slices alias p. Rules that depend on stream
// or connection state (a DATA frame on an idle stream, CONTINUATION
// sequencing, flow control) are the caller's.

// padded strips the Pad Length field and the padding of a DATA, HEADERS or
// PUSH_PROMISE payload (RFC 9113, Sections 6.1, 6.2, 6.6) when FlagPadded is
// set. fixed is the number of bytes after the Pad Length field that the
// frame requires before its content (5 for HEADERS with FlagPriority, 4 for
// PUSH_PROMISE). It returns the payload
// without Pad Length field and padding.
func padded(h FrameHeader, p []byte, fixed int) ([]byte, error) {
	if !h.Flags.Has(FlagPadded) {
		if len(p) < fixed {
			return nil, connErr(ErrCodeFrameSize, "4.2", h.Type.String()+" payload of "+itoa(len(p))+" bytes too short for its fields")
		}
		return p, nil
	}
	// "An endpoint MUST send an error code of FRAME_SIZE_ERROR if a frame ...
	// is too small to contain mandatory frame data." (Section 4.2)
	if len(p) < 1+fixed {
		return nil, connErr(ErrCodeFrameSize, "4.2", "padded "+h.Type.String()+" payload of "+itoa(len(p))+" bytes too short for its fields")
	}
	pad := int(p[0])
	// "If the length of the padding is the length of the frame payload or
	// greater, the recipient MUST treat this as a connection error ... of
	// type PROTOCOL_ERROR." (Section 6.1; Sections 6.2 and 6.6 likewise)
	if pad > len(p)-1-fixed {
		section := "6.1"
		switch h.Type {
		case FrameHeaders:
			section = "6.2"
		case FramePushPromise:
			section = "6.6"
		}
		return nil, connErr(ErrCodeProtocol, section, h.Type.String()+" padding of "+itoa(pad)+" bytes exceeds its payload of "+itoa(len(p))+" bytes")
	}
	return p[1 : len(p)-pad], nil
}

// ParseData returns the data of a DATA frame, without padding
// (RFC 9113, Section 6.1). Flow control counts the whole payload, padding
// included (Section 6.9), so the caller should use h.Length for windows.
func ParseData(h FrameHeader, p []byte) (data []byte, err error) {
	// "If a DATA frame is received whose Stream Identifier field is 0x00, the
	// recipient MUST respond with a connection error ... PROTOCOL_ERROR."
	if h.StreamID == 0 {
		return nil, connErr(ErrCodeProtocol, "6.1", "DATA frame on stream 0")
	}
	return padded(h, p, 0)
}

// ParseHeaders returns the field block fragment of a HEADERS frame, without
// padding and without the deprecated priority fields (RFC 9113, Section 6.2).
func ParseHeaders(h FrameHeader, p []byte) (block []byte, err error) {
	// "If a HEADERS frame is received whose Stream Identifier field is 0x00,
	// the recipient MUST respond with a connection error ... PROTOCOL_ERROR."
	if h.StreamID == 0 {
		return nil, connErr(ErrCodeProtocol, "6.2", "HEADERS frame on stream 0")
	}
	fixed := 0
	if h.Flags.Has(FlagPriority) {
		fixed = 5 // Exclusive bit, Stream Dependency (31 bits), Weight
	}
	rest, err := padded(h, p, fixed)
	if err != nil {
		return nil, err
	}
	if fixed > 0 {
		// "A stream cannot depend on itself. An endpoint MUST treat this as a
		// stream error ... of type PROTOCOL_ERROR." (Section 5.3.1)
		if binary.BigEndian.Uint32(rest)&(1<<31-1) == h.StreamID {
			return nil, streamErr(h.StreamID, ErrCodeProtocol, "5.3.1", "HEADERS frame makes stream "+utoa(h.StreamID)+" depend on itself")
		}
		rest = rest[5:]
	}
	return rest, nil
}

// ParseContinuation returns the field block fragment of a CONTINUATION frame
// (RFC 9113, Section 6.10). That it follows a HEADERS frame without
// END_HEADERS on the same stream is for the caller to check.
func ParseContinuation(h FrameHeader, p []byte) (block []byte, err error) {
	// "If a CONTINUATION frame is received with a Stream Identifier field of
	// 0x00, the recipient MUST respond with a connection error ... PROTOCOL_ERROR."
	if h.StreamID == 0 {
		return nil, connErr(ErrCodeProtocol, "6.10", "CONTINUATION frame on stream 0")
	}
	return p, nil
}

// ParsePushPromise returns the promised stream identifier and the field
// block fragment of a PUSH_PROMISE frame, without padding (RFC 9113,
// Section 6.6). A client that sent SETTINGS_ENABLE_PUSH=0 must instead treat
// any PUSH_PROMISE as a connection error of type PROTOCOL_ERROR (Section
// 6.6); that check, which needs the settings, is the caller's.
func ParsePushPromise(h FrameHeader, p []byte) (promisedID uint32, block []byte, err error) {
	// "If the Stream Identifier field specifies the value 0x00, a recipient
	// MUST respond with a connection error ... of type PROTOCOL_ERROR."
	if h.StreamID == 0 {
		return 0, nil, connErr(ErrCodeProtocol, "6.6", "PUSH_PROMISE frame on stream 0")
	}
	rest, err := padded(h, p, 4) // Promised Stream ID: R bit and 31 bits
	if err != nil {
		return 0, nil, err
	}
	return binary.BigEndian.Uint32(rest) & (1<<31 - 1), rest[4:], nil
}

// ParseSettings checks a SETTINGS frame (RFC 9113, Section 6.5) and calls fn,
// if not nil, with each setting in order, after checking its range with
// Setting.Valid. Unknown settings are passed to fn, which should ignore them
// (Section 6.5.2). An error from fn stops the parse and is returned as is.
// An ACK carries no settings, so fn is not called for one.
func ParseSettings(h FrameHeader, p []byte, fn func(Setting) error) error {
	// "If an endpoint receives a SETTINGS frame whose Stream Identifier field
	// is anything other than 0x00, the endpoint MUST respond with a connection
	// error ... of type PROTOCOL_ERROR." (Section 6.5)
	if h.StreamID != 0 {
		return connErr(ErrCodeProtocol, "6.5", "SETTINGS frame on stream "+utoa(h.StreamID))
	}
	if h.Flags.Has(FlagAck) {
		// "Receipt of a SETTINGS frame with the ACK flag set and a length field
		// value other than 0 MUST be treated as a connection error ... of type
		// FRAME_SIZE_ERROR." (Section 6.5)
		if len(p) != 0 {
			return connErr(ErrCodeFrameSize, "6.5", "SETTINGS ACK with a payload of "+itoa(len(p))+" bytes")
		}
		return nil
	}
	// "A SETTINGS frame with a length other than a multiple of 6 octets MUST
	// be treated as a connection error ... of type FRAME_SIZE_ERROR." (Section 6.5)
	if len(p)%6 != 0 {
		return connErr(ErrCodeFrameSize, "6.5", "SETTINGS payload of "+itoa(len(p))+" bytes is not a multiple of 6")
	}
	for ; len(p) > 0; p = p[6:] {
		s := Setting{ID: SettingID(binary.BigEndian.Uint16(p)), Val: binary.BigEndian.Uint32(p[2:])}
		if err := s.Valid(); err != nil {
			return err
		}
		if fn != nil {
			if err := fn(s); err != nil {
				return err
			}
		}
	}
	return nil
}

// ParsePing returns the 8 bytes of opaque data of a PING frame
// (RFC 9113, Section 6.7).
func ParsePing(h FrameHeader, p []byte) (data [8]byte, err error) {
	// "If a PING frame is received with a Stream Identifier field value other
	// than 0x00, the recipient MUST respond with a connection error ... PROTOCOL_ERROR."
	if h.StreamID != 0 {
		return data, connErr(ErrCodeProtocol, "6.7", "PING frame on stream "+utoa(h.StreamID))
	}
	// "Receipt of a PING frame with a length field value other than 8 MUST be
	// treated as a connection error ... of type FRAME_SIZE_ERROR."
	if len(p) != 8 {
		return data, connErr(ErrCodeFrameSize, "6.7", "PING payload of "+itoa(len(p))+" bytes, not 8")
	}
	copy(data[:], p)
	return data, nil
}

// ParseRSTStream returns the error code of a RST_STREAM frame
// (RFC 9113, Section 6.4).
func ParseRSTStream(h FrameHeader, p []byte) (ErrCode, error) {
	// "If a RST_STREAM frame is received with a stream identifier of 0x00, the
	// recipient MUST treat this as a connection error ... PROTOCOL_ERROR."
	if h.StreamID == 0 {
		return 0, connErr(ErrCodeProtocol, "6.4", "RST_STREAM frame on stream 0")
	}
	// "A RST_STREAM frame with a length other than 4 octets MUST be treated as
	// a connection error ... of type FRAME_SIZE_ERROR."
	if len(p) != 4 {
		return 0, connErr(ErrCodeFrameSize, "6.4", "RST_STREAM payload of "+itoa(len(p))+" bytes, not 4")
	}
	return ErrCode(binary.BigEndian.Uint32(p)), nil
}

// ParseGoAway returns the last stream identifier, error code and debug data
// of a GOAWAY frame (RFC 9113, Section 6.8). debug aliases p.
func ParseGoAway(h FrameHeader, p []byte) (lastStreamID uint32, code ErrCode, debug []byte, err error) {
	// "An endpoint MUST treat a GOAWAY frame with a stream identifier other
	// than 0x00 as a connection error ... of type PROTOCOL_ERROR."
	if h.StreamID != 0 {
		return 0, 0, nil, connErr(ErrCodeProtocol, "6.8", "GOAWAY frame on stream "+utoa(h.StreamID))
	}
	// Last-Stream-ID (4 octets) and Error Code (4 octets) are mandatory:
	// shorter is "too small to contain mandatory frame data" (Section 4.2).
	if len(p) < 8 {
		return 0, 0, nil, connErr(ErrCodeFrameSize, "6.8", "GOAWAY payload of "+itoa(len(p))+" bytes, under 8")
	}
	// The reserved bit before Last-Stream-ID is ignored (Section 6.8).
	return binary.BigEndian.Uint32(p) & (1<<31 - 1), ErrCode(binary.BigEndian.Uint32(p[4:])), p[8:], nil
}

// ParseWindowUpdate returns the window size increment of a WINDOW_UPDATE
// frame (RFC 9113, Section 6.9). Whether the increment overflows a window is
// the caller's check (Section 6.9.1).
func ParseWindowUpdate(h FrameHeader, p []byte) (increment uint32, err error) {
	// "A WINDOW_UPDATE frame with a length other than 4 octets MUST be treated
	// as a connection error ... of type FRAME_SIZE_ERROR." (Section 6.9)
	if len(p) != 4 {
		return 0, connErr(ErrCodeFrameSize, "6.9", "WINDOW_UPDATE payload of "+itoa(len(p))+" bytes, not 4")
	}
	// The reserved bit is ignored (Section 6.9).
	increment = binary.BigEndian.Uint32(p) & (1<<31 - 1)
	// "A receiver MUST treat the receipt of a WINDOW_UPDATE frame with a
	// flow-control window increment of 0 as a stream error ... of type
	// PROTOCOL_ERROR; errors on the connection flow-control window MUST be
	// treated as a connection error" (Section 6.9)
	if increment == 0 {
		if h.StreamID == 0 {
			return 0, connErr(ErrCodeProtocol, "6.9", "WINDOW_UPDATE with an increment of 0 on the connection")
		}
		return 0, streamErr(h.StreamID, ErrCodeProtocol, "6.9", "WINDOW_UPDATE with an increment of 0")
	}
	return increment, nil
}

// ParsePriority checks a PRIORITY frame (RFC 9113, Section 6.3). Its
// signal is deprecated (Section 5.3.2) and ignored, but the frame must still
// be well formed.
func ParsePriority(h FrameHeader, p []byte) error {
	// "If a PRIORITY frame is received with a stream identifier of 0x00, the
	// recipient MUST respond with a connection error ... PROTOCOL_ERROR."
	if h.StreamID == 0 {
		return connErr(ErrCodeProtocol, "6.3", "PRIORITY frame on stream 0")
	}
	// "A PRIORITY frame with a length other than 5 octets MUST be treated as a
	// stream error ... of type FRAME_SIZE_ERROR."
	if len(p) != 5 {
		return streamErr(h.StreamID, ErrCodeFrameSize, "6.3", "PRIORITY payload of "+itoa(len(p))+" bytes, not 5")
	}
	// "A stream cannot depend on itself. An endpoint MUST treat this as a
	// stream error ... of type PROTOCOL_ERROR." (Section 5.3.1)
	if binary.BigEndian.Uint32(p)&(1<<31-1) == h.StreamID {
		return streamErr(h.StreamID, ErrCodeProtocol, "5.3.1", "PRIORITY frame makes stream "+utoa(h.StreamID)+" depend on itself")
	}
	return nil
}

func itoa(n int) string    { return strconv.Itoa(n) }
func utoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }
