package demo

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/rfc6455/ws/frame"
)

// A tracer turns the bytes of one WebSocket connection, as they cross the
// socket in both directions, into an annotated transcript: the HTTP request
// and 101 response as text, then each frame byte by byte in the layout of
// the testdata/frames fixtures (one wire field per line, "#" comments). It
// emits one item per HTTP head or frame, until maxFrames frames.
type tracer struct {
	mu        sync.Mutex
	streams   [2]traceStream // 0: client to server, 1: server to client
	frames    int
	maxFrames int
	emit      func(item string)
}

type traceStream struct {
	buf  []byte
	head bool // an HTTP head is expected first
	dead bool // stopped: an unparsable frame, or too much buffered
}

// newTracer returns a tracer that expects an HTTP head first in the
// directions listed in heads.
func newTracer(maxFrames int, clientHead, serverHead bool, emit func(string)) *tracer {
	t := &tracer{maxFrames: maxFrames, emit: emit}
	t.streams[0].head = clientHead
	t.streams[1].head = serverHead
	return t
}

// feed adds bytes that crossed the socket; it is a wireConn tap.
func (t *tracer) feed(fromClient bool, p []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := 1
	if fromClient {
		i = 0
	}
	st := &t.streams[i]
	if st.dead || t.frames >= t.maxFrames {
		return
	}
	st.buf = append(st.buf, p...)
	for !st.dead && t.frames < t.maxFrames {
		item, n := t.next(st, fromClient)
		if n == 0 {
			break
		}
		st.buf = st.buf[n:]
		t.emit(item)
	}
	if len(st.buf) > 1<<20 { // a large message: stop rather than buffer it
		st.dead = true
	}
}

// next annotates the first complete item in st.buf and returns how many
// bytes it used, or 0 if the buffer holds no complete item yet.
func (t *tracer) next(st *traceStream, fromClient bool) (string, int) {
	if st.head {
		end := bytes.Index(st.buf, []byte("\r\n\r\n"))
		if end < 0 {
			return "", 0
		}
		st.head = false
		return annotateHTTP(fromClient, st.buf[:end+4]), end + 4
	}
	h, n, err := frame.ParseHeader(st.buf)
	if errors.Is(err, frame.ErrShortHeader) {
		return "", 0
	}
	if err != nil {
		st.dead = true
		return fmt.Sprintf("# %s: % x: %v", direction(fromClient), st.buf[:min(len(st.buf), 14)], err), len(st.buf)
	}
	total := int64(n) + h.PayloadLen
	if int64(len(st.buf)) < total {
		return "", 0
	}
	t.frames++
	return annotateFrame(fromClient, st.buf[:total], h, n), int(total)
}

func direction(fromClient bool) string {
	if fromClient {
		return "client → server"
	}
	return "server → client"
}

// annotateHTTP shows an HTTP head as text, one header line per line.
func annotateHTTP(fromClient bool, head []byte) string {
	var b strings.Builder
	what := "the opening handshake request (RFC 6455, Section 4.1)"
	if !fromClient {
		what = "the server's opening handshake (RFC 6455, Section 4.2.2)"
	}
	fmt.Fprintf(&b, "# %s, %d bytes: %s\n", direction(fromClient), len(head), what)
	b.WriteString(strings.ReplaceAll(strings.TrimSuffix(string(head), "\r\n\r\n"), "\r\n", "\n"))
	b.WriteString("\n")
	return b.String()
}

// annotateFrame shows one frame, raw as it crossed the wire, in the layout of
// the testdata/frames fixtures.
func annotateFrame(fromClient bool, raw []byte, h frame.Header, n int) string {
	var b strings.Builder
	kind := h.Opcode.String()
	fmt.Fprintf(&b, "# %s, %d bytes: a %s frame\n", direction(fromClient), len(raw), kind)
	line := func(bs []byte, format string, args ...any) {
		fmt.Fprintf(&b, "%-48s # %s\n", fmt.Sprintf("% x", bs), fmt.Sprintf(format, args...))
	}
	bit := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	line(raw[:1], "FIN=%d  RSV1-3=%d%d%d  opcode=0x%x (%s)", bit(h.Fin), bit(h.Rsv1), bit(h.Rsv2), bit(h.Rsv3), byte(h.Opcode), kind)
	i := 2
	switch raw[1] & 0x7f {
	case 126:
		line(raw[1:2], "MASK=%d  payload length=126: the length is in the next 2 bytes", bit(h.Masked))
		line(raw[2:4], "payload length=%d (16-bit form)", h.PayloadLen)
		i = 4
	case 127:
		line(raw[1:2], "MASK=%d  payload length=127: the length is in the next 8 bytes", bit(h.Masked))
		line(raw[2:10], "payload length=%d (64-bit form)", h.PayloadLen)
		i = 10
	default:
		line(raw[1:2], "MASK=%d  payload length=%d (7-bit form)", bit(h.Masked), h.PayloadLen)
	}
	if h.Masked {
		line(raw[i:i+4], "masking key")
	}
	payload := append([]byte(nil), raw[n:]...)
	what := describePayload(h, payload) // unmasks payload in place
	for off := 0; off < len(raw[n:]); off += 16 {
		chunk := raw[n+off : n+min(off+16, len(raw[n:]))]
		if off == 0 {
			line(chunk, "%s", what)
		} else {
			fmt.Fprintf(&b, "% x\n", chunk)
		}
	}
	return b.String()
}

// describePayload says what a payload means; it unmasks p in place.
func describePayload(h frame.Header, p []byte) string {
	masked := ""
	if h.Masked {
		frame.Mask(h.MaskKey, p, 0)
		masked = " XOR masking key"
	}
	switch {
	case h.Opcode == frame.OpClose:
		cp, err := frame.ParseClosePayload(p)
		if err != nil {
			return "close body: " + err.Error()
		}
		return fmt.Sprintf("close body: code %v, reason %q%s", cp.Code, cp.Reason, masked)
	case h.Opcode == frame.OpBinary:
		return "payload: binary" + masked
	case utf8.Valid(p):
		return fmt.Sprintf("payload: %q%s", p, masked)
	default:
		return "payload" + masked
	}
}
