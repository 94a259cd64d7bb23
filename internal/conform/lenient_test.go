package conform

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// lenientServer is a deliberately sloppy echo server built on package frame:
// it echoes every data message without checking UTF-8, RSV bits, opcodes or
// fragmentation rules, answers pings, and echoes the close frame it gets.
// The fuzzer must grade it FAILED where a conforming peer is OK, which
// shows the suite can fail.
func lenientServer(t *testing.T) string { return sloppyServer(t, sloppy{}) }

// sloppy lists the ways a sloppyServer misbehaves beyond lenience.
type sloppy struct {
	closeCode   uint16 // answer every close with this code (0: echo the close frame)
	keepTCP     bool   // after the closing handshake, leave TCP open
	noCloseEcho bool   // drop TCP instead of answering a close
	utf8AtEnd   bool   // check UTF-8 at the end of each text message; fail with 1007
}

func sloppyServer(t *testing.T, how sloppy) string {
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
			go lenientConn(nc, how)
		}
	}()
	return "ws://" + l.Addr().String() + "/"
}

func lenientConn(nc net.Conn, how sloppy) {
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
	closing := false
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
			if closing {
				return // the client answered our close: close TCP (Section 7.1.1)
			}
			if how.noCloseEcho {
				return
			}
			if how.closeCode != 0 {
				p = []byte{byte(how.closeCode >> 8), byte(how.closeCode)}
			}
			send(frame.OpClose, p)
			if how.keepTCP {
				io.Copy(io.Discard, br) // until the client gives up
			}
			return
		default:
			if hd.Opcode != frame.OpContinuation {
				op, msg = hd.Opcode, nil
			}
			msg = append(msg, p...)
			if hd.Fin {
				if how.utf8AtEnd && op == frame.OpText && !utf8.Valid(msg) {
					send(frame.OpClose, []byte{0x03, 0xef}) // 1007
					closing = true
					continue
				}
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

// TestSloppyServers checks the closing verdicts and NON-STRICT grades.
func TestSloppyServers(t *testing.T) {
	tests := []struct {
		name     string
		how      sloppy
		id       string
		want     Grade // combined
		behavior Grade
		close    Grade
	}{
		{"wrong code in group 7 fails behavior", sloppy{closeCode: 1001}, "7.7.1", Failed, Failed, WrongCode},
		{"wrong code elsewhere", sloppy{closeCode: 1001}, "1.1.1", Failed, OK, WrongCode},
		{"server keeps TCP open", sloppy{keepTCP: true}, "1.1.1", Failed, OK, FailedByClient},
		{"no close reply", sloppy{noCloseEcho: true}, "2.1", Failed, OK, Unclean},
		{"no close reply where a drop is fine", sloppy{noCloseEcho: true}, "7.3.2", OK, OK, OK},
		{"UTF-8 checked at message end", sloppy{utf8AtEnd: true}, "6.4.1", NonStrict, NonStrict, OK},
		{"UTF-8 checked at message end, one frame", sloppy{utf8AtEnd: true}, "6.4.4", NonStrict, NonStrict, OK},
		{"UTF-8 checked at message end, 6.3.1", sloppy{utf8AtEnd: true}, "6.3.1", OK, OK, OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url := sloppyServer(t, tt.how)
			r := RunServerCase(context.Background(), url, Lookup(tt.id), nil)
			if r.Grade != tt.want || r.Behavior != tt.behavior || r.BehaviorClose != tt.close {
				t.Errorf("case %s: %s (behavior %s, close %s), want %s (%s, %s): %s",
					tt.id, r.Grade, r.Behavior, r.BehaviorClose, tt.want, tt.behavior, tt.close, r.Reason)
			}
		})
	}
}

// TestFuzzingServerUnmaskedClient: a client that echoes without masking is
// graded FAILED (RFC 6455, Section 5.1), while a masking one is OK.
func TestFuzzingServerUnmaskedClient(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fs := &FuzzingServer{Cases: []*Case{Lookup("1.1.2")}}
	go fs.Serve(l)
	for _, masked := range []bool{false, true} {
		agent := "unmasked"
		if masked {
			agent = "masked"
		}
		copts := &handshake.ClientOptions{}
		req, key, err := handshake.NewRequest(context.Background(), "ws://"+l.Addr().String()+"/runCase?case=1&agent="+agent, copts)
		if err != nil {
			t.Fatal(err)
		}
		nc, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		req.Write(nc)
		br := bufio.NewReader(nc)
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := handshake.CheckResponse(resp, key, copts); err != nil {
			t.Fatal(err)
		}
		hb := make([]byte, 2)
		io.ReadFull(br, hb)
		hd, _, err := frame.ParseHeader(hb)
		if err != nil {
			t.Fatal(err)
		}
		p := make([]byte, hd.PayloadLen)
		io.ReadFull(br, p)
		h := frame.Header{Fin: true, Opcode: hd.Opcode, PayloadLen: hd.PayloadLen, Masked: masked, MaskKey: [4]byte{1, 2, 3, 4}}
		out := frame.AppendHeader(nil, h)
		n := len(out)
		out = append(out, p...)
		if masked {
			frame.Mask(h.MaskKey, out[n:], 0)
		}
		nc.Write(out)
		// Answer the fuzzer's close, masked, then wait for the server to close TCP.
		io.ReadFull(br, make([]byte, 4))
		closeFrame := frame.AppendHeader(nil, frame.Header{Fin: true, Opcode: frame.OpClose, Masked: true, PayloadLen: 2})
		nc.Write(append(closeFrame, 0x03^0, 0xe8^0))
		io.Copy(io.Discard, br)
		nc.Close()
		var r *Result
		for end := time.Now().Add(5 * time.Second); r == nil && time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
			if rs := fs.Results(agent); len(rs) == 1 {
				r = rs[0]
			}
		}
		if r == nil {
			t.Fatalf("%s: no result", agent)
		}
		want := Failed
		if masked {
			want = OK
		}
		if r.Grade != want {
			t.Errorf("%s client: %s (%s), want %s", agent, r.Grade, r.Reason, want)
		}
		if !masked && !strings.Contains(r.Reason, "not masked") {
			t.Errorf("unmasked client: reason %q does not say why", r.Reason)
		}
	}
}
