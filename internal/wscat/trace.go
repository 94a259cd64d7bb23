package wscat

import (
	"encoding/hex"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/rfc6455/ws/frame"
)

// previewLen is how many payload bytes a trace line shows (125, so that a
// whole control frame, a close body say, is decoded; Section 5.5).
const previewLen = 125

// A frameTrace decodes the frames of one direction of a connection from the
// bytes as they pass, in pieces of any size, and prints one line per frame
// with its header fields spelled out (RFC 6455, Section 5.2).
type frameTrace struct {
	mu      sync.Mutex
	arrow   string // ">" sent, "<" received
	print   func(string)
	buf     []byte // bytes not yet decoded: part of a header
	h       frame.Header
	inFrame bool
	remain  int64 // payload bytes of h still to come
	pos     int   // offset in the payload, for unmasking
	preview []byte
	broken  bool
}

func newFrameTrace(arrow string, print func(string)) *frameTrace {
	return &frameTrace{arrow: arrow, print: print}
}

// feed decodes p, the next bytes of the stream.
func (t *frameTrace) feed(p []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.broken {
		return
	}
	for len(p) > 0 || t.inFrame && t.remain == 0 {
		if t.inFrame {
			k := int(min(int64(len(p)), t.remain))
			if room := previewLen - len(t.preview); room > 0 {
				start := len(t.preview)
				t.preview = append(t.preview, p[:min(k, room)]...)
				if t.h.Masked {
					frame.Mask(t.h.MaskKey, t.preview[start:], t.pos)
				}
			}
			t.pos += k
			t.remain -= int64(k)
			p = p[k:]
			if t.remain > 0 {
				return
			}
			t.print(t.line())
			t.inFrame = false
			continue
		}
		// Collect at most a header's worth, then parse.
		take := min(len(p), frame.MaxHeaderLen-len(t.buf))
		t.buf = append(t.buf, p[:take]...)
		h, n, err := frame.ParseHeader(t.buf)
		if errors.Is(err, frame.ErrShortHeader) {
			p = p[take:]
			continue
		}
		if err != nil {
			t.print(t.arrow + " invalid frame: " + err.Error() + " (bytes " + hex.EncodeToString(t.buf[:min(len(t.buf), 2)]) + ")")
			t.broken = true
			return
		}
		// Bytes of t.buf past the header are payload: put them back in front of p.
		over := len(t.buf) - n
		p = p[take-over:]
		t.buf = t.buf[:0]
		t.h, t.inFrame, t.remain, t.pos, t.preview = h, true, h.PayloadLen, 0, t.preview[:0]
	}
}

// line spells out the frame just decoded:
//
//	> FIN=1 RSV=000 opcode=0x1 (text) MASK=1 key=37fa213d len=5 "Hello"
func (t *frameTrace) line() string {
	h := t.h
	var b strings.Builder
	b.WriteString(t.arrow)
	b.WriteString(" FIN=" + bit(h.Fin))
	b.WriteString(" RSV=" + bit(h.Rsv1) + bit(h.Rsv2) + bit(h.Rsv3))
	b.WriteString(" opcode=0x" + strconv.FormatUint(uint64(h.Opcode), 16) + " (" + h.Opcode.String() + ")")
	b.WriteString(" MASK=" + bit(h.Masked))
	if h.Masked {
		b.WriteString(" key=" + hex.EncodeToString(h.MaskKey[:]))
	}
	b.WriteString(" len=" + strconv.FormatInt(h.PayloadLen, 10))
	p := t.preview
	cut := int64(len(p)) < h.PayloadLen
	switch {
	case h.Opcode == frame.OpClose:
		if cp, err := frame.ParseClosePayload(p); err == nil {
			b.WriteString(" code=" + cp.Code.String())
			if cp.Reason != "" {
				b.WriteString(" reason=" + strconv.Quote(cp.Reason))
			}
		} else {
			b.WriteString(" bad close body: " + err.Error())
		}
		return b.String()
	case len(p) == 0:
		return b.String()
	case h.Opcode == frame.OpBinary || h.Rsv1: // binary, or compressed
		p = p[:min(len(p), 40)]
		b.WriteString(" " + hex.EncodeToString(p))
		cut = cut || len(p) < len(t.preview)
	default:
		p = p[:min(len(p), 60)]
		b.WriteString(" " + strconv.Quote(string(p)))
		cut = cut || len(p) < len(t.preview)
	}
	if cut {
		b.WriteString("...")
	}
	return b.String()
}

func bit(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

// traceConn is a net.Conn that traces the frames read and written through it.
type traceConn struct {
	net.Conn
	in, out *frameTrace
}

// newTraceConn wraps c: every frame written is printed with ">" and every
// frame read with "<".
func newTraceConn(c net.Conn, print func(string)) net.Conn {
	return &traceConn{Conn: c, in: newFrameTrace("<", print), out: newFrameTrace(">", print)}
}

func (c *traceConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.in.feed(p[:n])
	return n, err
}

func (c *traceConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.out.feed(p[:n])
	return n, err
}
