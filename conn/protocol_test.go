package conn

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/rfc6455/ws/frame"
)

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t testing.TB) (a, b net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ch := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		ch <- c
	}()
	b, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	a = <-ch
	if a == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// closeCode decodes the code of a close frame body (1005 for empty).
func closeCode(p []byte) frame.CloseCode {
	if len(p) < 2 {
		return frame.CloseNoStatus
	}
	return frame.CloseCode(binary.BigEndian.Uint16(p))
}

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

// TestServerFailsBadFrames has a raw client send each kind of bad frame
// and checks the close code the server sends back, the error its reader
// gets, and that the server then closes TCP.
func TestServerFailsBadFrames(t *testing.T) {
	t.Parallel()
	long := bytes.Repeat([]byte("x"), 126)
	tests := []struct {
		name  string
		limit int64
		in    []byte
		want  frame.CloseCode
	}{
		{"unmasked client frame (5.1)", 0, []byte{0x81, 0x02, 'h', 'i'}, 1002},
		{"reserved opcode 0x3 (5.2)", 0, clientFrame(0x83, nil), 1002},
		{"reserved opcode 0xB (5.2)", 0, clientFrame(0x8B, nil), 1002},
		{"RSV1 without extension (5.2)", 0, clientFrame(0xC1, []byte("a")), 1002},
		{"RSV2 (5.2)", 0, clientFrame(0xA1, []byte("a")), 1002},
		{"RSV3 (5.2)", 0, clientFrame(0x91, []byte("a")), 1002},
		{"fragmented ping (5.5)", 0, clientFrame(0x09, nil), 1002},
		{"ping over 125 bytes (5.5)", 0, clientFrame(0x89, long), 1002},
		{"continuation without a message (5.4)", 0, clientFrame(0x80, []byte("a")), 1002},
		{"new text frame inside a message (5.4)", 0, cat(clientFrame(0x01, []byte("a")), clientFrame(0x81, []byte("b"))), 1002},
		{"non-minimal 16-bit length (5.2)", 0, []byte{0x82, 0x80 | 126, 0, 5, 1, 2, 3, 4, 0, 0, 0, 0, 0}, 1002},
		{"64-bit length with MSB set (5.2)", 0, []byte{0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4}, 1002},
		{"close body of one byte (5.5.1)", 0, clientFrame(0x88, []byte{0x03}), 1002},
		{"close code 1005 on the wire (7.4.1)", 0, clientFrame(0x88, []byte{0x03, 0xed}), 1002},
		{"close code 999 (7.4.2)", 0, clientFrame(0x88, []byte{0x03, 0xe7}), 1002},
		{"close code 1004 (7.4.1)", 0, clientFrame(0x88, []byte{0x03, 0xec}), 1002},
		{"close code 5000 (7.4.2)", 0, clientFrame(0x88, []byte{0x13, 0x88}), 1002},
		{"close reason not UTF-8 (5.5.1)", 0, clientFrame(0x88, []byte{0x03, 0xe8, 0xff}), 1007},
		{"text not UTF-8 (8.1)", 0, clientFrame(0x81, []byte{'a', 0xff}), 1007},
		{"text surrogate (8.1)", 0, clientFrame(0x81, []byte{0xed, 0xa0, 0x80}), 1007},
		{"text ends mid code point (8.1)", 0, clientFrame(0x81, []byte{'a', 0xe2, 0x82}), 1007},
		{"UTF-8 broken across fragments (8.1)", 0, cat(clientFrame(0x01, []byte{0xce}), clientFrame(0x80, []byte{0x28})), 1007},
		{"over the read limit in one frame (7.4.1)", 10, clientFrame(0x82, make([]byte, 11)), 1009},
		{"over the read limit across fragments (7.4.1)", 10, cat(clientFrame(0x02, make([]byte, 6)), clientFrame(0x80, make([]byte, 5))), 1009},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, cc := tcpPair(t)
			cc.SetDeadline(time.Now().Add(5 * time.Second))
			ep := NewEndpoint(sc, nil, Server, &Options{ReadLimit: tt.limit})
			errc := make(chan error, 1)
			go func() {
				var err error
				for err == nil {
					_, _, err = ep.ReadMessage(nil)
				}
				errc <- err
			}()
			if _, err := cc.Write(tt.in); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(cc)
			b0, p := readServerFrame(t, br)
			if b0 != 0x88 || closeCode(p) != tt.want {
				t.Fatalf("server replied %#x % x, want close %d", b0, p, tt.want)
			}
			// RFC 6455, Section 7.1.1: the server closes TCP first (at
			// least its sending half, right after the close frame).
			if n, err := br.Read(make([]byte, 1)); err != io.EOF {
				t.Fatalf("after the close frame read %d bytes, err %v; want EOF", n, err)
			}
			cc.Close()
			err := <-errc
			var ce CloseError
			if !errors.As(err, &ce) || ce.Code != tt.want || ce.Err == nil {
				t.Fatalf("ReadMessage error = %#v, want a CloseError %d with its cause", err, tt.want)
			}
			var pe frame.ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("ReadMessage error %v does not carry a frame.ProtocolError", err)
			}
		})
	}
}

// TestUTF8FailFast checks that a text frame fails at its first invalid
// byte, before the rest of the frame has even been sent (RFC 6455,
// Section 8.1).
func TestUTF8FailFast(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		prefix []byte
	}{
		{"invalid byte", []byte("hello \xff")},
		{"surrogate at its second byte", []byte("ok \xed\xa0")},
		{"over U+10FFFF at its second byte", []byte("\xf4\x90")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, cc := tcpPair(t)
			cc.SetDeadline(time.Now().Add(5 * time.Second))
			ep := NewEndpoint(sc, nil, Server, nil)
			go func() {
				for {
					if _, r, err := ep.NextReader(); err != nil {
						return
					} else {
						io.Copy(io.Discard, r)
					}
				}
			}()
			// A 1000-byte frame, of which only the prefix is sent.
			f := clientFrame(0x81, append(tt.prefix, bytes.Repeat([]byte("a"), 1000-len(tt.prefix))...))
			cc.Write(f[:8+len(tt.prefix)])
			b0, p := readServerFrame(t, bufio.NewReader(cc))
			if b0 != 0x88 || closeCode(p) != 1007 {
				t.Fatalf("got %#x % x, want close 1007 before the frame is complete", b0, p)
			}
		})
	}
	t.Run("code point split across fragments is valid", func(t *testing.T) {
		t.Parallel()
		sc, cc := tcpPair(t)
		ep := NewEndpoint(sc, nil, Server, nil)
		go cc.Write(cat(clientFrame(0x01, []byte{0xe2}), clientFrame(0x00, []byte{0x82}), clientFrame(0x80, []byte{0xac})))
		op, p, err := ep.ReadMessage(nil)
		if err != nil || op != frame.OpText || string(p) != "€" {
			t.Fatalf("ReadMessage = %v %q %v, want text €", op, p, err)
		}
	})
}

// TestClientFailsMaskedServerFrame: a client fails with 1002 on a masked
// server frame (RFC 6455, Section 5.1), and masks its own close frame.
func TestClientFailsMaskedServerFrame(t *testing.T) {
	t.Parallel()
	sc, cc := tcpPair(t)
	sc.SetDeadline(time.Now().Add(5 * time.Second))
	ep := NewEndpoint(cc, nil, Client, &Options{CloseTimeout: 200 * time.Millisecond})
	go sc.Write(clientFrame(0x81, []byte("masked")))
	_, _, err := ep.ReadMessage(nil)
	if CloseStatus(err) != 1002 || !errors.Is(err, frame.ErrMaskUnexpected) {
		t.Fatalf("ReadMessage = %v, want 1002 (ErrMaskUnexpected)", err)
	}
	var h [6]byte
	io.ReadFull(sc, h[:])
	body := make([]byte, h[1]&0x7f)
	io.ReadFull(sc, body)
	frame.Mask([4]byte(h[2:6]), body, 0)
	if h[0] != 0x88 || h[1]&0x80 == 0 || closeCode(body) != 1002 {
		t.Fatalf("client sent % x % x, want a masked close 1002", h, body)
	}
}

// TestPeerInitiatedClose: the endpoint echoes the peer's code, reports
// the peer's code and reason, and a server closes TCP first.
func TestPeerInitiatedClose(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		body     []byte
		wantCode frame.CloseCode
		reply    []byte
	}{
		{"1001 with reason", []byte{0x03, 0xe9, 'b', 'y', 'e'}, 1001, []byte{0x03, 0xe9}},
		{"4000", []byte{0x0f, 0xa0}, 4000, []byte{0x0f, 0xa0}},
		{"empty body is 1005, echoed empty (7.1.5)", nil, frame.CloseNoStatus, []byte{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, cc := tcpPair(t)
			cc.SetDeadline(time.Now().Add(5 * time.Second))
			ep := NewEndpoint(sc, nil, Server, nil)
			cc.Write(clientFrame(0x88, tt.body))
			_, _, err := ep.ReadMessage(nil)
			var ce CloseError
			if !errors.As(err, &ce) || ce.Code != tt.wantCode || ce.Err != nil {
				t.Fatalf("ReadMessage = %#v, want peer close %d", err, tt.wantCode)
			}
			if len(tt.body) > 2 && ce.Reason != string(tt.body[2:]) {
				t.Fatalf("reason %q, want %q", ce.Reason, tt.body[2:])
			}
			br := bufio.NewReader(cc)
			b0, p := readServerFrame(t, br)
			if b0 != 0x88 || !bytes.Equal(p, tt.reply) {
				t.Fatalf("reply %#x % x, want close % x", b0, p, tt.reply)
			}
			if _, err := br.ReadByte(); err != io.EOF {
				t.Fatalf("server did not close TCP: %v", err)
			}
			if err := ep.WriteMessage(frame.OpText, []byte("late")); !errors.Is(err, ErrClosed) {
				t.Fatalf("WriteMessage after close = %v, want ErrClosed", err)
			}
			if err := ep.Close(frame.CloseNormal, ""); err != nil {
				t.Fatalf("Close after peer close = %v", err)
			}
		})
	}
}

// TestClientWaitsForServerEOF: after the close handshake a client waits
// for the server to close TCP (RFC 6455, Section 7.1.1), bounded by
// CloseTimeout.
func TestClientWaitsForServerEOF(t *testing.T) {
	t.Parallel()
	sc, cc := tcpPair(t)
	ep := NewEndpoint(cc, nil, Client, &Options{CloseTimeout: 300 * time.Millisecond})
	sc.Write([]byte{0x88, 0x02, 0x03, 0xe8})
	start := time.Now()
	_, _, err := ep.ReadMessage(nil)
	if CloseStatus(err) != 1000 {
		t.Fatalf("ReadMessage = %v, want 1000", err)
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 3*time.Second {
		t.Fatalf("client closed after %v; want it to wait about CloseTimeout for the server's EOF", d)
	}
	// The client's reply is masked and echoes 1000.
	var f [8]byte
	sc.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := io.ReadFull(sc, f[:]); err != nil || f[0] != 0x88 || f[1] != 0x82 {
		t.Fatalf("client reply % x (%v), want a masked 2-byte close", f, err)
	}
}

// TestCloseTimeout: Close gives up after CloseTimeout when the peer never
// answers, and closes TCP.
func TestCloseTimeout(t *testing.T) {
	t.Parallel()
	sc, cc := tcpPair(t)
	ep := NewEndpoint(sc, nil, Server, &Options{CloseTimeout: 200 * time.Millisecond})
	go io.Copy(io.Discard, cc)
	start := time.Now()
	if err := ep.Close(frame.CloseNormal, ""); !errors.Is(err, ErrCloseTimeout) {
		t.Fatalf("Close = %v, want ErrCloseTimeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v", d)
	}
	_, _, err := ep.ReadMessage(nil)
	if CloseStatus(err) != frame.CloseAbnormal || !errors.Is(err, ErrCloseTimeout) {
		t.Fatalf("ReadMessage after timed-out close = %v, want 1006 ErrCloseTimeout", err)
	}
}

// TestCloseFromManyGoroutines: Close is idempotent and safe from any
// goroutine, while another goroutine is reading.
func TestCloseFromManyGoroutines(t *testing.T) {
	t.Parallel()
	srv := serve(t, nil, func(ep *Endpoint) { echoLoop(ep) })
	ep := dialEndpoint(t, srv, nil)
	readErr := make(chan error, 1)
	go func() {
		var err error
		for err == nil {
			_, _, err = ep.ReadMessage(nil)
		}
		readErr <- err
	}()
	done := make(chan error, 8)
	for range 8 {
		go func() { done <- ep.Close(frame.CloseGoingAway, "") }()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Errorf("Close = %v", err)
		}
	}
	if err := <-readErr; CloseStatus(err) != frame.CloseGoingAway {
		t.Fatalf("reader got %v, want the echoed 1001", err)
	}
}

// TestCloseInvalid: an invalid code or reason is an error and closes nothing.
func TestCloseInvalid(t *testing.T) {
	t.Parallel()
	sc, _ := tcpPair(t)
	ep := NewEndpoint(sc, nil, Server, nil)
	for _, tt := range []struct {
		code   frame.CloseCode
		reason string
	}{{1006, ""}, {999, ""}, {1000, "\xff"}, {1000, string(make([]byte, 124))}} {
		if err := ep.Close(tt.code, tt.reason); err == nil {
			t.Errorf("Close(%d, %q) = nil, want an error", tt.code, tt.reason)
		}
	}
	if ep.closeErr.Load() != nil {
		t.Fatal("invalid Close closed the connection")
	}
}

// TestWriteTimeout: a peer that stops reading makes a write fail after
// WriteTimeout, which closes the connection (1006, nothing more sent).
func TestWriteTimeout(t *testing.T) {
	t.Parallel()
	sc, _ := tcpPair(t) // the client never reads
	ep := NewEndpoint(sc, nil, Server, &Options{WriteTimeout: 100 * time.Millisecond})
	big := make([]byte, 1<<20)
	var err error
	start := time.Now()
	for err == nil && time.Since(start) < 10*time.Second {
		err = ep.WriteMessage(frame.OpBinary, big)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("WriteMessage = %v, want a timeout", err)
	}
	if err := ep.WriteMessage(frame.OpBinary, []byte("x")); !errors.Is(err, ErrClosed) && !errors.As(err, &ne) {
		t.Fatalf("write after the failure = %v", err)
	}
	_, _, rerr := ep.ReadMessage(nil)
	if CloseStatus(rerr) != frame.CloseAbnormal {
		t.Fatalf("ReadMessage after write timeout = %v, want 1006", rerr)
	}
}
