package h2

import "encoding/binary"

// The encoders below append whole frames, header included, to dst and
// return the extended slice, like binary.BigEndian.AppendUint32. They send no
// padding and no priority fields. Splitting data or a header block to fit
// SETTINGS_MAX_FRAME_SIZE is the caller's job (RFC 9113, Section 4.2): a
// payload over 2^24-1 bytes cannot be framed and panics.

func appendHeader(dst []byte, n int, t FrameType, f Flags, streamID uint32) []byte {
	if n > MaxFrameSizeLimit {
		panic("h2: " + t.String() + " payload of " + itoa(n) + " bytes exceeds the 24-bit length field")
	}
	return AppendFrameHeader(dst, FrameHeader{Length: uint32(n), Type: t, Flags: f, StreamID: streamID})
}

// AppendData appends a DATA frame (RFC 9113, Section 6.1).
func AppendData(dst []byte, streamID uint32, endStream bool, data []byte) []byte {
	var f Flags
	if endStream {
		f |= FlagEndStream
	}
	return append(appendHeader(dst, len(data), FrameData, f, streamID), data...)
}

// AppendHeaders appends a HEADERS frame carrying block, a field block
// fragment (RFC 9113, Section 6.2). Without endHeaders, CONTINUATION frames
// on the same stream must follow (Section 6.10).
func AppendHeaders(dst []byte, streamID uint32, endStream, endHeaders bool, block []byte) []byte {
	var f Flags
	if endStream {
		f |= FlagEndStream
	}
	if endHeaders {
		f |= FlagEndHeaders
	}
	return append(appendHeader(dst, len(block), FrameHeaders, f, streamID), block...)
}

// AppendContinuation appends a CONTINUATION frame (RFC 9113, Section 6.10).
func AppendContinuation(dst []byte, streamID uint32, endHeaders bool, block []byte) []byte {
	var f Flags
	if endHeaders {
		f |= FlagEndHeaders
	}
	return append(appendHeader(dst, len(block), FrameContinuation, f, streamID), block...)
}

// AppendSettings appends a SETTINGS frame with the settings in order
// (RFC 9113, Section 6.5). No settings is valid: the client connection
// preface may be followed by an empty SETTINGS frame (Section 3.4).
func AppendSettings(dst []byte, settings ...Setting) []byte {
	dst = appendHeader(dst, 6*len(settings), FrameSettings, 0, 0)
	for _, s := range settings {
		dst = binary.BigEndian.AppendUint16(dst, uint16(s.ID))
		dst = binary.BigEndian.AppendUint32(dst, s.Val)
	}
	return dst
}

// AppendSettingsAck appends an empty SETTINGS frame with the ACK flag,
// which acknowledges the peer's settings (RFC 9113, Section 6.5.3).
func AppendSettingsAck(dst []byte) []byte {
	return appendHeader(dst, 0, FrameSettings, FlagAck, 0)
}

// AppendPing appends a PING frame (RFC 9113, Section 6.7). A reply to a
// PING sets ack and echoes its data.
func AppendPing(dst []byte, ack bool, data [8]byte) []byte {
	var f Flags
	if ack {
		f |= FlagAck
	}
	return append(appendHeader(dst, 8, FramePing, f, 0), data[:]...)
}

// AppendRSTStream appends a RST_STREAM frame (RFC 9113, Section 6.4).
func AppendRSTStream(dst []byte, streamID uint32, code ErrCode) []byte {
	return binary.BigEndian.AppendUint32(appendHeader(dst, 4, FrameRSTStream, 0, streamID), uint32(code))
}

// AppendGoAway appends a GOAWAY frame (RFC 9113, Section 6.8).
func AppendGoAway(dst []byte, lastStreamID uint32, code ErrCode, debug []byte) []byte {
	dst = appendHeader(dst, 8+len(debug), FrameGoAway, 0, 0)
	dst = binary.BigEndian.AppendUint32(dst, lastStreamID&(1<<31-1))
	dst = binary.BigEndian.AppendUint32(dst, uint32(code))
	return append(dst, debug...)
}

// AppendWindowUpdate appends a WINDOW_UPDATE frame (RFC 9113, Section 6.9);
// stream 0 updates the connection's window. The increment must be 1 to
// 2^31-1; the reserved bit is sent as 0.
func AppendWindowUpdate(dst []byte, streamID uint32, increment uint32) []byte {
	return binary.BigEndian.AppendUint32(appendHeader(dst, 4, FrameWindowUpdate, 0, streamID), increment&(1<<31-1))
}
