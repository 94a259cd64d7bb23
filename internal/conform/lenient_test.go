package conform

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// lenientServer is a deliberately sloppy echo server built on package frame:
// it echoes every data message without checking UTF-8, RSV bits, opcodes or
// fragmentation rules, answers pings, and echoes the close frame it gets.
// The fuzzer must grade it FAILED where a conforming peer is OK, which
// shows the suite can fail.
func lenientServer(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			go lenientConn(nc)
		}
	}()
	return "ws://" + l.Addr().String() + "/"
}

func lenientConn(nc net.Conn) {
	defer nc.Close()
	br := bufio.NewReader(nc)
	req, err := handshake.ReadRequest(br)
	if err != nil {
		return
	}
	h, err := handshake.Response(req, nil, "", nil, nil)
	if err != nil || handshake.WriteResponse(nc, h) != nil {
		return
	}
	var msg []byte
	var op frame.Opcode
	for {
		var hd frame.Header
		var n int
		for want := 2; ; want++ {
			b, perr := br.Peek(want)
			hd, n, err = frame.ParseHeader(b)
			if err == nil {
				break
			}
			if err != frame.ErrShortHeader || perr != nil {
				// Reserved opcodes, oversized control frames: just stop.
				return
			}
		}
		br.Discard(n)
		p := make([]byte, hd.PayloadLen)
		if _, err := io.ReadFull(br, p); err != nil {
			return
		}
		frame.Mask(hd.MaskKey, p, 0)
		send := func(o frame.Opcode, p []byte) {
			out := frame.AppendHeader(nil, frame.Header{Fin: true, Opcode: o, PayloadLen: int64(len(p))})
			nc.Write(append(out, p...))
		}
		switch hd.Opcode {
		case frame.OpPing:
			send(frame.OpPong, p)
		case frame.OpPong:
		case frame.OpClose:
			send(frame.OpClose, p)
			return
		default:
			if hd.Opcode != frame.OpContinuation {
				op, msg = hd.Opcode, nil
			}
			msg = append(msg, p...)
			if hd.Fin {
				send(op, msg)
			}
		}
	}
}

func TestLenientServerFails(t *testing.T) {
	url := lenientServer(t)
	tests := []struct {
		id   string
		want Grade
	}{
		{"1.1.1", OK},
		{"1.2.8", OK},
		{"2.10", OK},
		{"3.1", Failed},   // echoes a frame with RSV3 set
		{"4.1.3", OK},     // drops TCP at the reserved opcode: an acceptable way to fail
		{"5.9", Failed},   // echoes a continuation that continues nothing
		{"6.3.1", Failed}, // echoes invalid UTF-8
		{"6.4.1", Failed},
		{"7.1.1", OK},
		{"7.3.2", Failed}, // echoes a 1-byte close body (invalid) instead of 1002
		{"7.7.3", OK},
		{"7.9.1", Failed}, // echoes close code 0
		{"7.13.1", Informational},
		{"9.7.2", OK},
		{"10.1.1", OK},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			c := Lookup(tt.id)
			if c == nil {
				t.Fatalf("no case %s", tt.id)
			}
			r := RunServerCase(context.Background(), url, c, nil)
			if r.Grade != tt.want {
				var log []string
				for _, e := range r.Log {
					log = append(log, e.Dir+" "+e.Text)
				}
				t.Errorf("case %s = %s (%s), want %s\n%s", tt.id, r.Grade, r.Reason, tt.want, strings.Join(log, "\n"))
			}
		})
	}
}
