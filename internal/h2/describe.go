package h2

import (
	"strconv"
	"strings"
)

// maxDescribeDebug is how many bytes of GOAWAY debug data Describe quotes.
const maxDescribeDebug = 64

// Describe returns a one-line description of a frame for traces such as
// wscat -frames, for example
//
//	HEADERS stream=1 len=38 END_HEADERS
//	SETTINGS ENABLE_CONNECT_PROTOCOL=1 INITIAL_WINDOW_SIZE=65535
//	DATA stream=3 len=6 END_STREAM
//	WINDOW_UPDATE stream=0 +65535
//	RST_STREAM stream=1 CANCEL
//	GOAWAY last=5 PROTOCOL_ERROR "debug"
//
// A frame its parser refuses is described by its header, followed by
// "invalid:" and the error. Any bytes are safe to describe.
func Describe(h FrameHeader, p []byte) string {
	var b strings.Builder
	b.WriteString(h.Type.String())
	stream := func() {
		b.WriteString(" stream=")
		b.WriteString(utoa(h.StreamID))
	}
	var err error
	switch h.Type {
	case FrameData, FrameHeaders, FrameContinuation, FramePushPromise, FramePriority:
		stream()
		b.WriteString(" len=")
		b.WriteString(itoa(len(p)))
		if names := flagNames(h.Type, h.Flags); names != "" {
			b.WriteString(" " + names)
		}
		switch h.Type {
		case FrameData:
			_, err = ParseData(h, p)
		case FrameHeaders:
			_, err = ParseHeaders(h, p)
		case FrameContinuation:
			_, err = ParseContinuation(h, p)
		case FramePriority:
			err = ParsePriority(h, p)
		case FramePushPromise:
			var id uint32
			if id, _, err = ParsePushPromise(h, p); err == nil {
				b.WriteString(" promised=" + utoa(id))
			}
		}
	case FrameSettings:
		if h.Flags.Has(FlagAck) {
			b.WriteString(" ACK")
		}
		err = ParseSettings(h, p, func(s Setting) error {
			b.WriteString(" " + s.String())
			return nil
		})
		if err == nil && len(p) == 0 && !h.Flags.Has(FlagAck) {
			b.WriteString(" (none)")
		}
	case FramePing:
		if h.Flags.Has(FlagAck) {
			b.WriteString(" ACK")
		}
		var data [8]byte
		if data, err = ParsePing(h, p); err == nil {
			b.WriteByte(' ')
			for _, c := range data {
				b.WriteByte("0123456789abcdef"[c>>4])
				b.WriteByte("0123456789abcdef"[c&0xf])
			}
		}
	case FrameRSTStream:
		stream()
		var code ErrCode
		if code, err = ParseRSTStream(h, p); err == nil {
			b.WriteString(" " + code.String())
		}
	case FrameGoAway:
		last, code, debug, perr := ParseGoAway(h, p)
		if err = perr; err == nil {
			b.WriteString(" last=" + utoa(last) + " " + code.String())
			if len(debug) > 0 {
				cut := ""
				if len(debug) > maxDescribeDebug {
					debug, cut = debug[:maxDescribeDebug], "..."
				}
				b.WriteString(" " + strconv.Quote(string(debug)) + cut)
			}
		}
	case FrameWindowUpdate:
		stream()
		var inc uint32
		if inc, err = ParseWindowUpdate(h, p); err == nil {
			b.WriteString(" +" + utoa(inc))
		}
	default:
		// Unknown frame types are ignored by a receiver (RFC 9113, Section 4.1).
		stream()
		b.WriteString(" len=" + itoa(len(p)) + " flags=0x" + strconv.FormatUint(uint64(h.Flags), 16))
	}
	if err != nil {
		// Start again from the header alone: the parse stopped part way.
		d := h.Type.String() + " stream=" + utoa(h.StreamID) + " len=" + itoa(len(p))
		if names := flagNames(h.Type, h.Flags); names != "" {
			d += " " + names
		}
		return d + " invalid: " + err.Error()
	}
	return b.String()
}
