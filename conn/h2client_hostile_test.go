package conn_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
	"github.com/rfc6455/ws/internal/h2"
)

// A rawH2 is a hand-driven HTTP/2 server (cleartext, prior knowledge) for
// the hostile-server tests: it reads the client's preface, sends the given
// SETTINGS, and then does whatever the test says, frame by frame.
type rawH2 struct {
	t   testing.TB
	c   net.Conn
	fr  *h2.Reader
	dec *h2.Decoder
	enc h2.Encoder
}

// startRawH2 listens on 127.0.0.1 and runs fn for the first connection,
// after the preface and SETTINGS. It returns the ws:// URL.
func startRawH2(t testing.TB, settings []h2.Setting, fn func(s *rawH2)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(15 * time.Second))
		pre := make([]byte, len(h2.ClientPreface))
		if _, err := io.ReadFull(c, pre); err != nil || string(pre) != h2.ClientPreface {
			t.Errorf("client preface = %q, %v (RFC 9113, Section 3.4)", pre, err)
			return
		}
		s := &rawH2{t: t, c: c, fr: h2.NewReader(c, 1<<20), dec: h2.NewDecoder(4096)}
		s.write(h2.AppendSettings(nil, settings...))
		fn(s)
	}()
	return "ws://" + ln.Addr().String() + "/"
}

// xconnect is the SETTINGS of a server that takes WebSockets (RFC 8441).
var xconnect = []h2.Setting{{ID: h2.SettingEnableConnectProtocol, Val: 1}}

func (s *rawH2) write(b []byte) {
	if _, err := s.c.Write(b); err != nil {
		s.t.Logf("raw server write: %v", err)
	}
}

// next reads frames until one of type ft arrives and returns it; ok is
// false at EOF or error.
func (s *rawH2) next(ft h2.FrameType) (h h2.FrameHeader, p []byte, ok bool) {
	for {
		h, p, err := s.fr.ReadFrame()
		if err != nil {
			return h, nil, false
		}
		if h.Type == ft {
			return h, p, true
		}
	}
}

// awaitConnect reads the extended CONNECT and returns its stream and fields.
func (s *rawH2) awaitConnect() (uint32, map[string]string) {
	h, p, ok := s.next(h2.FrameHeaders)
	if !ok {
		s.t.Error("raw server: no HEADERS from the client")
		return 0, nil
	}
	block, err := h2.ParseHeaders(h, p)
	if err != nil || !h.Flags.Has(h2.FlagEndHeaders) {
		s.t.Errorf("raw server: HEADERS %v, END_HEADERS %v", err, h.Flags.Has(h2.FlagEndHeaders))
	}
	fields := map[string]string{}
	s.dec.Decode(block, func(f h2.HeaderField) error { fields[f.Name] = f.Value; return nil })
	return h.StreamID, fields
}

// respond sends a response HEADERS with :status and fields (name, value pairs).
func (s *rawH2) respond(id uint32, status string, end bool, kv ...string) {
	block := s.enc.AppendField(nil, h2.HeaderField{Name: ":status", Value: status})
	for i := 0; i+1 < len(kv); i += 2 {
		block = s.enc.AppendField(block, h2.HeaderField{Name: kv[i], Value: kv[i+1]})
	}
	s.write(h2.AppendHeaders(nil, id, end, true, block))
}

// accept answers the extended CONNECT with 200 and returns its stream.
func (s *rawH2) accept() uint32 {
	id, f := s.awaitConnect()
	if f[":method"] != "CONNECT" || f[":protocol"] != "websocket" || f["sec-websocket-version"] != "13" {
		s.t.Errorf("extended CONNECT fields = %v (RFC 8441, Section 4)", f)
	}
	s.respond(id, "200", false)
	return id
}

// expectGoAway reads until GOAWAY and checks its code.
func (s *rawH2) expectGoAway(want h2.ErrCode) {
	h, p, ok := s.next(h2.FrameGoAway)
	if !ok {
		s.t.Errorf("client sent no GOAWAY, want one with %v", want)
		return
	}
	_, code, _, _ := h2.ParseGoAway(h, p)
	if code != want {
		s.t.Errorf("client GOAWAY %v, want %v", code, want)
	}
}

// expectReset reads until RST_STREAM and checks its code.
func (s *rawH2) expectReset(want h2.ErrCode) {
	h, p, ok := s.next(h2.FrameRSTStream)
	if !ok {
		s.t.Errorf("client sent no RST_STREAM, want one with %v", want)
		return
	}
	if code, _ := h2.ParseRSTStream(h, p); code != want {
		s.t.Errorf("client RST_STREAM %v, want %v", code, want)
	}
}

// hpackInt appends an HPACK integer with an n-bit prefix (RFC 7541, Section 5.1).
func hpackInt(dst []byte, first byte, n uint, v int) []byte {
	max := 1<<n - 1
	if v < max {
		return append(dst, first|byte(v))
	}
	dst = append(dst, first|byte(max))
	for v -= max; v >= 128; v >>= 7 {
		dst = append(dst, byte(v%128+128))
	}
	return append(dst, byte(v))
}

func h2Dial(t *testing.T, url string, opts *conn.DialOptions) (*conn.Endpoint, error) {
	t.Helper()
	if opts == nil {
		opts = &conn.DialOptions{}
	}
	opts.HTTPVersion = conn.HTTP2
	opts.Proxy = noProxy
	ep, _, err := conn.Dial(dtCtx(t), url, opts)
	return ep, err
}

func TestH2HostileHandshake(t *testing.T) {
	tests := []struct {
		name    string
		setting []h2.Setting
		server  func(s *rawH2)
		want    string // in the Dial error
		wantIs  error
	}{
		{"no SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441, Section 3)", nil,
			func(s *rawH2) { s.expectGoAway(h2.ErrCodeNo) }, "", conn.ErrNoExtendedConnect},
		{"CONTINUATION flood (RFC 9113, Section 10.5)", xconnect, func(s *rawH2) {
			id, _ := s.awaitConnect()
			block := s.enc.AppendField(nil, h2.HeaderField{Name: ":status", Value: "200"})
			s.write(h2.AppendHeaders(nil, id, false, false, block))
			var b []byte
			for range 1000 {
				b = h2.AppendContinuation(b, id, false, nil)
			}
			s.write(b)
			s.expectGoAway(h2.ErrCodeEnhanceYourCalm)
		}, "CONTINUATION flood", nil},
		{"header block over MaxResponseHeaderBytes", xconnect, func(s *rawH2) {
			id, _ := s.awaitConnect()
			block := s.enc.AppendField(nil, h2.HeaderField{Name: ":status", Value: "200"})
			block = s.enc.AppendField(block, h2.HeaderField{Name: "x-big", Value: strings.Repeat("z", 30000)})
			s.write(h2.AppendHeaders(nil, id, false, false, block[:16000]))
			s.write(h2.AppendContinuation(nil, id, true, block[16000:]))
			s.next(h2.FrameGoAway)
		}, "", handshake.ErrResponseHeaderTooLarge},
		{"small block, huge list through the dynamic table (RFC 7541, Section 4)", xconnect, func(s *rawH2) {
			id, _ := s.awaitConnect()
			block := s.enc.AppendField(nil, h2.HeaderField{Name: ":status", Value: "200"})
			// One literal with incremental indexing of 3000 bytes (Section
			// 6.2.1), then 20 references to it: 60 KB decoded from 3 KB.
			block = append(block, 0x40, 5)
			block = append(block, "x-big"...)
			block = hpackInt(block, 0, 7, 3000)
			block = append(block, bytes.Repeat([]byte{'q'}, 3000)...)
			for range 20 {
				block = append(block, 0x80|62)
			}
			s.write(h2.AppendHeaders(nil, id, false, true, block))
			s.next(h2.FrameGoAway)
		}, "", handshake.ErrResponseHeaderTooLarge},
		{"PUSH_PROMISE with push disabled (RFC 9113, Section 6.6)", xconnect, func(s *rawH2) {
			id, _ := s.awaitConnect()
			s.write(h2.AppendFrameHeader(nil, h2.FrameHeader{Length: 4, Type: h2.FramePushPromise, Flags: h2.FlagEndHeaders, StreamID: id}))
			s.write([]byte{0, 0, 0, 2})
			s.expectGoAway(h2.ErrCodeProtocol)
		}, "PUSH_PROMISE", nil},
		{"101 is not allowed in HTTP/2 (RFC 9113, Section 8.6)", xconnect, func(s *rawH2) {
			id, _ := s.awaitConnect()
			s.respond(id, "101", false)
			s.expectReset(h2.ErrCodeProtocol)
		}, "101", nil},
		{"upper-case field name (RFC 9113, Section 8.2.1)", xconnect, func(s *rawH2) {
			id, _ := s.awaitConnect()
			block := s.enc.AppendField(nil, h2.HeaderField{Name: ":status", Value: "200"})
			block = s.enc.AppendField(block, h2.HeaderField{Name: "X-Up", Value: "1"})
			s.write(h2.AppendHeaders(nil, id, false, true, block))
			s.expectReset(h2.ErrCodeProtocol)
		}, "X-Up", nil},
		{"connection-specific field (RFC 9113, Section 8.2.2)", xconnect, func(s *rawH2) {
			id, _ := s.awaitConnect()
			block := s.enc.AppendField(nil, h2.HeaderField{Name: ":status", Value: "200"})
			block = s.enc.AppendField(block, h2.HeaderField{Name: "connection", Value: "close"})
			s.write(h2.AppendHeaders(nil, id, false, true, block))
			s.expectReset(h2.ErrCodeProtocol)
		}, "connection-specific", nil},
		{"CR in a field value (RFC 9113, Section 8.2.1)", xconnect, func(s *rawH2) {
			id, _ := s.awaitConnect()
			block := s.enc.AppendField(nil, h2.HeaderField{Name: ":status", Value: "200"})
			block = s.enc.AppendField(block, h2.HeaderField{Name: "x-v", Value: "a\rb"})
			s.write(h2.AppendHeaders(nil, id, false, true, block))
			s.expectReset(h2.ErrCodeProtocol)
		}, "x-v", nil},
		{"server resets the stream before responding", xconnect, func(s *rawH2) {
			id, _ := s.awaitConnect()
			s.write(h2.AppendRSTStream(nil, id, h2.ErrCodeRefusedStream))
			s.next(h2.FrameGoAway)
		}, "REFUSED_STREAM", nil},
		{"first frame is not SETTINGS (RFC 9113, Section 3.4)", nil, nil, "SETTINGS", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := tt.server
			var url string
			if server == nil { // a PING in place of the server preface
				url = startRawH2Raw(t, h2.AppendPing(nil, false, [8]byte{}))
			} else {
				url = startRawH2(t, tt.setting, server)
			}
			start := time.Now()
			_, err := h2Dial(t, url, nil)
			if err == nil {
				t.Fatal("Dial succeeded")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Dial = %v, want %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Dial = %v, want it to mention %q", err, tt.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Dial took %v", d)
			}
		})
	}
}

// startRawH2Raw sends first instead of a SETTINGS frame, then drains.
func startRawH2Raw(t *testing.T, first []byte) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		c.Write(first)
		io.Copy(io.Discard, c)
	}()
	return "ws://" + ln.Addr().String() + "/"
}

// TestH2HostileStream covers servers that misbehave once the WebSocket is
// open: the Endpoint ends with 1006 (or its write with a timeout), the
// client says why to the server, and nothing hangs.
func TestH2HostileStream(t *testing.T) {
	tests := []struct {
		name    string
		setting []h2.Setting
		server  func(s *rawH2, id uint32)
	}{
		{"RST_STREAM mid-message ends the Endpoint with 1006 (RFC 9113, Section 6.4)", xconnect, func(s *rawH2, id uint32) {
			hdr := frame.AppendHeader(nil, frame.Header{Fin: true, Opcode: frame.OpText, PayloadLen: 10})
			s.write(h2.AppendData(nil, id, false, append(hdr, "abc"...)))
			s.write(h2.AppendRSTStream(nil, id, h2.ErrCodeInternal))
			s.next(h2.FrameGoAway) // the connection closes with its last stream
		}},
		{"GOAWAY with an error ends the connection (RFC 9113, Section 6.8)", xconnect, func(s *rawH2, id uint32) {
			s.write(h2.AppendGoAway(nil, 0, h2.ErrCodeInternal, []byte("bye")))
		}},
		{"SETTINGS flood (RFC 9113, Section 10.5)", xconnect, func(s *rawH2, id uint32) {
			go io.Copy(io.Discard, s.c) // read our ACKs
			var b []byte
			for range 1100 {
				b = h2.AppendSettings(b)
			}
			s.write(b)
		}},
		{"PING flood (RFC 9113, Section 10.5)", xconnect, func(s *rawH2, id uint32) {
			done := make(chan struct{})
			go func() { defer close(done); s.expectGoAway(h2.ErrCodeEnhanceYourCalm) }()
			var b []byte
			for range 1100 {
				b = h2.AppendPing(b, false, [8]byte{1})
			}
			s.write(b)
			<-done
		}},
		{"WINDOW_UPDATE past 2^31-1 on the connection (RFC 9113, Section 6.9.1)", xconnect, func(s *rawH2, id uint32) {
			s.write(h2.AppendWindowUpdate(nil, 0, h2.MaxWindowSize))
			s.expectGoAway(h2.ErrCodeFlowControl)
		}},
		{"WINDOW_UPDATE past 2^31-1 on the stream (RFC 9113, Section 6.9.1)", xconnect, func(s *rawH2, id uint32) {
			s.write(h2.AppendWindowUpdate(nil, id, h2.MaxWindowSize))
			s.expectReset(h2.ErrCodeFlowControl)
		}},
		{"DATA on a stream the client never opened (RFC 9113, Section 5.1)", xconnect, func(s *rawH2, id uint32) {
			s.write(h2.AppendData(nil, id+2, false, []byte("x")))
			s.expectGoAway(h2.ErrCodeProtocol)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srvDone := make(chan struct{})
			url := startRawH2(t, tt.setting, func(s *rawH2) {
				defer close(srvDone)
				id := s.accept()
				tt.server(s, id)
			})
			ep, err := h2Dial(t, url, &conn.DialOptions{Options: conn.Options{CloseTimeout: time.Second}})
			if err != nil {
				t.Fatal(err)
			}
			ep.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, _, err = ep.ReadMessage(nil)
			if got := conn.CloseStatus(err); got != frame.CloseAbnormal {
				t.Errorf("ReadMessage = %v (status %v), want 1006", err, got)
			}
			ep.Close(frame.CloseNormal, "")
			select {
			case <-srvDone:
			case <-time.After(10 * time.Second):
				t.Error("raw server still running")
			}
		})
	}
}

// TestH2NoWindow: a server that never opens its window. A write blocked on
// flow control is a write blocked by the peer: the write deadline ends it
// and Close returns within CloseTimeout (RFC 9113, Section 6.9).
func TestH2NoWindow(t *testing.T) {
	url := startRawH2(t, []h2.Setting{{ID: h2.SettingEnableConnectProtocol, Val: 1}, {ID: h2.SettingInitialWindowSize, Val: 0}},
		func(s *rawH2) {
			s.accept()
			io.Copy(io.Discard, s.c)
		})
	ep, err := h2Dial(t, url, &conn.DialOptions{Options: conn.Options{CloseTimeout: 500 * time.Millisecond, WriteTimeout: -1}})
	if err != nil {
		t.Fatal(err)
	}
	ep.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
	start := time.Now()
	err = ep.WriteMessage(frame.OpBinary, make([]byte, 1000))
	if err == nil {
		t.Fatal("WriteMessage succeeded with a zero window")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("WriteMessage returned after %v, want near the 300 ms deadline", d)
	}
	start = time.Now()
	ep.Close(frame.CloseNormal, "")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close returned after %v, want within CloseTimeout (500 ms)", d)
	}
}

// TestH2DataBeyondWindow: a server sending more than the stream window we
// granted gets RST_STREAM FLOW_CONTROL_ERROR; the client buffered no more
// than the window (RFC 9113, Section 6.9.1).
func TestH2DataBeyondWindow(t *testing.T) {
	sent := make(chan struct{})
	url := startRawH2(t, xconnect, func(s *rawH2) {
		id := s.accept()
		chunk := make([]byte, 16384)
		var b []byte
		for range (1 << 20) / 16384 {
			b = h2.AppendData(b, id, false, chunk)
		}
		b = h2.AppendData(b, id, false, []byte{0})
		s.write(b)
		s.expectReset(h2.ErrCodeFlowControl)
		close(sent)
		s.next(h2.FrameGoAway)
	})
	ep, err := h2Dial(t, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-sent:
	case <-time.After(10 * time.Second):
		t.Fatal("no RST_STREAM")
	}
	ep.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := ep.ReadMessage(nil); err == nil {
		t.Error("ReadMessage succeeded on a reset stream")
	}
	ep.Close(frame.CloseNormal, "")
}

// TestH2CloseEndsStream: Endpoint.Close runs the close handshake on the
// stream, then ends our side with END_STREAM once the server has ended its
// own (the "TCP close" of RFC 6455, Section 7.1.1); if the server never
// answers, RST_STREAM CANCEL at the close deadline (RFC 9113, Section 8.7).
func TestH2CloseEndsStream(t *testing.T) {
	for _, answer := range []bool{true, false} {
		name := map[bool]string{true: "server answers: END_STREAM", false: "server silent: RST_STREAM CANCEL"}[answer]
		t.Run(name, func(t *testing.T) {
			got := make(chan string, 1)
			url := startRawH2(t, xconnect, func(s *rawH2) {
				id := s.accept()
				if h, _, ok := s.next(h2.FrameData); !ok || h.StreamID != id {
					got <- "no Close frame"
					return
				}
				if answer {
					cl := frame.AppendHeader(nil, frame.Header{Fin: true, Opcode: frame.OpClose, PayloadLen: 2})
					s.write(h2.AppendData(nil, id, true, append(cl, 0x03, 0xe8)))
				}
				for {
					h, p, err := s.fr.ReadFrame()
					if err != nil {
						got <- "EOF"
						return
					}
					switch {
					case h.Type == h2.FrameData && h.Flags.Has(h2.FlagEndStream):
						got <- "END_STREAM"
						return
					case h.Type == h2.FrameRSTStream:
						code, _ := h2.ParseRSTStream(h, p)
						got <- "RST_STREAM " + code.String()
						return
					}
				}
			})
			ep, err := h2Dial(t, url, &conn.DialOptions{Options: conn.Options{CloseTimeout: 300 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = ep.Close(frame.CloseNormal, "")
			if answer && err != nil {
				t.Errorf("Close = %v, want a clean close handshake", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Close took %v, want within CloseTimeout", d)
			}
			want := map[bool]string{true: "END_STREAM", false: "RST_STREAM CANCEL"}[answer]
			select {
			case g := <-got:
				if g != want {
					t.Errorf("after Close the server saw %s, want %s", g, want)
				}
			case <-time.After(5 * time.Second):
				t.Errorf("server saw nothing, want %s", want)
			}
		})
	}
}

// TestH2IgnoredFrames: frames of unknown types (RFC 9113, Section 5.5),
// PRIORITY (Section 5.3.2) and frames on a stream the client has closed
// (Section 5.1) are ignored; the WebSockets of the connection go on.
func TestH2IgnoredFrames(t *testing.T) {
	text := func(s string) []byte {
		return append(frame.AppendHeader(nil, frame.Header{Fin: true, Opcode: frame.OpText, PayloadLen: int64(len(s))}), s...)
	}
	first := make(chan struct{})
	url := startRawH2(t, xconnect, func(s *rawH2) {
		id1 := s.accept()
		b := h2.AppendFrameHeader(nil, h2.FrameHeader{Length: 3, Type: 0xfa, StreamID: id1})
		b = append(b, 1, 2, 3)
		b = append(b, h2.AppendFrameHeader(nil, h2.FrameHeader{Length: 5, Type: h2.FramePriority, StreamID: id1})...)
		b = append(b, 0, 0, 0, 0, 16)
		b = h2.AppendData(b, id1, false, text("one"))
		s.write(b)
		<-first // the client has read "one" and reset stream 1
		id3 := s.accept()
		b = h2.AppendData(nil, id1, false, []byte("late data on a closed stream"))
		b = h2.AppendWindowUpdate(b, id1, 100)
		b = h2.AppendData(b, id3, false, text("two"))
		s.write(b)
		io.Copy(io.Discard, s.c)
	})
	pool := &conn.HTTP2Pool{}
	defer pool.Close()
	opts := &conn.DialOptions{Pool: pool, Options: conn.Options{CloseTimeout: 100 * time.Millisecond}}
	ep1, err := h2Dial(t, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	ep1.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, p, err := ep1.ReadMessage(nil); err != nil || string(p) != "one" {
		t.Fatalf("first WebSocket read %q, %v; want one past an unknown frame and PRIORITY", p, err)
	}
	ep1.Close(frame.CloseNormal, "") // no answer: RST_STREAM CANCEL at the deadline
	close(first)
	ep2, err := h2Dial(t, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	ep2.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, p, err := ep2.ReadMessage(nil); err != nil || string(p) != "two" {
		t.Errorf("second WebSocket read %q, %v; want two past frames on the closed stream", p, err)
	}
	ep2.Close(frame.CloseNormal, "")
}

// TestH2ServerClosesAndResets: a server that sends its Close frame, ends
// the stream and resets it with NO_ERROR at once (as net/http does when a
// handler returns without reading the request body) still gives the client
// its close code: the reset only tells the client to stop sending
// (RFC 9113, Section 8.1).
func TestH2ServerClosesAndResets(t *testing.T) {
	url := startRawH2(t, xconnect, func(s *rawH2) {
		id := s.accept()
		cl := frame.AppendHeader(nil, frame.Header{Fin: true, Opcode: frame.OpClose, PayloadLen: 4})
		cl = append(cl, 0x03, 0xe9, 'b', 'y') // 1001 "by"
		b := h2.AppendData(nil, id, true, cl)
		b = h2.AppendRSTStream(b, id, h2.ErrCodeNo)
		s.write(b)
		io.Copy(io.Discard, s.c)
	})
	ep, err := h2Dial(t, url, &conn.DialOptions{Options: conn.Options{CloseTimeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	ep.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = ep.ReadMessage(nil)
	var ce conn.CloseError
	if !errors.As(err, &ce) || ce.Code != frame.CloseGoingAway || ce.Reason != "by" {
		t.Errorf("ReadMessage = %v, want the server's 1001 \"by\"", err)
	}
	t.Logf("close error: %+v", ce)
}

// TestH2MaxFrameSize: the client advertises SETTINGS_MAX_FRAME_SIZE 64 KiB
// (so a server sends large messages in fewer DATA frames), takes a DATA
// frame of exactly that size, and answers one byte more with GOAWAY
// FRAME_SIZE_ERROR: "An endpoint MUST send an error code of
// FRAME_SIZE_ERROR if a frame exceeds the size defined in
// SETTINGS_MAX_FRAME_SIZE" (RFC 9113, Section 4.2).
func TestH2MaxFrameSize(t *testing.T) {
	const limit = 64 << 10
	msg := bytes.Repeat([]byte("m"), 100<<10)
	advertised := make(chan uint32, 1)
	url := startRawH2(t, xconnect, func(s *rawH2) {
		h, p, ok := s.next(h2.FrameSettings) // the client's, before our ack
		var v uint32
		if ok {
			h2.ParseSettings(h, p, func(st h2.Setting) error {
				if st.ID == h2.SettingMaxFrameSize {
					v = st.Val
				}
				return nil
			})
		}
		advertised <- v
		id := s.accept()
		ws := frame.AppendHeader(nil, frame.Header{Fin: true, Opcode: frame.OpBinary, PayloadLen: int64(len(msg))})
		ws = append(ws, msg...)
		b := h2.AppendData(nil, id, false, ws[:limit]) // a frame of exactly the limit
		b = h2.AppendData(b, id, false, ws[limit:])
		s.write(b)
		s.write(h2.AppendData(nil, id, false, make([]byte, limit+1)))
		s.expectGoAway(h2.ErrCodeFrameSize)
	})
	ep, err := h2Dial(t, url, &conn.DialOptions{Options: conn.Options{ReadLimit: 1 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close(frame.CloseNormal, "")
	if v := <-advertised; v != limit {
		t.Errorf("client SETTINGS_MAX_FRAME_SIZE = %d, want %d", v, limit)
	}
	ep.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, p, err := ep.ReadMessage(nil); err != nil || !bytes.Equal(p, msg) {
		t.Fatalf("message in a %d-byte DATA frame: %d bytes, %v", limit, len(p), err)
	}
	if _, _, err := ep.ReadMessage(nil); err == nil || !strings.Contains(err.Error(), "FRAME_SIZE") {
		t.Errorf("after a DATA frame of %d bytes: %v, want the connection failed with FRAME_SIZE_ERROR", limit+1, err)
	}
}
