package conn

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/frame"
)

// startRaw serves l with a RawServer that echoes every message, and
// returns the server and its ws:// URL.
func startRaw(t *testing.T, opts AcceptOptions) (*RawServer, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &RawServer{Handler: func(ep *Endpoint) { echoLoop(ep) }, Options: opts}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		if err := <-served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v after Shutdown, want ErrServerClosed", err)
		}
	})
	return s, "ws://" + ln.Addr().String() + "/chat"
}

// A client of the raw path gets what a client of Accept gets: the
// subprotocol chosen (RFC 6455, Section 4.2.2), permessage-deflate agreed
// (RFC 7692), and its messages echoed.
func TestRawServerEcho(t *testing.T) {
	opts := AcceptOptions{}
	opts.Subprotocols = []string{"chat"}
	opts.Compression.Enable = true
	opts.ReadLimit = 1 << 20
	_, url := startRaw(t, opts)
	dopts := &DialOptions{Subprotocols: []string{"superchat", "chat"}}
	dopts.Compression.Enable = true
	dopts.ReadLimit = 1 << 20
	ep, _, err := Dial(context.Background(), url, dopts)
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close(frame.CloseNormal, "")
	if got := ep.Subprotocol(); got != "chat" {
		t.Errorf("Subprotocol() = %q, want chat", got)
	}
	for _, msg := range []string{"hello", strings.Repeat("x", 100<<10)} {
		if err := ep.WriteMessage(frame.OpText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		op, p, err := ep.ReadMessage(nil)
		if err != nil || op != frame.OpText || string(p) != msg {
			t.Fatalf("echo of %d bytes: op %v, %d bytes, err %v", len(msg), op, len(p), err)
		}
	}
}

// Frames sent right behind the request, in the same write, are not lost:
// the bytes the head reader read past the request go to the Endpoint.
func TestRawServerBytesAfterRequest(t *testing.T) {
	_, url := startRaw(t, AcceptOptions{})
	c, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/chat"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	// A masked text frame "Hi" (RFC 6455, Section 5.7 style), key 0.
	c.Write(append([]byte(req), 0x81, 0x82, 0, 0, 0, 0, 'H', 'i'))
	c.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("response %v, err %v; want 101", resp, err)
	}
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Errorf("Sec-WebSocket-Accept %q, want the RFC 6455, Section 1.3 value", got)
	}
	echo := make([]byte, 4)
	if _, err := br.Read(echo); err != nil || string(echo) != "\x81\x02Hi" {
		t.Fatalf("echo % x, err %v; want 81 02 'Hi'", echo, err)
	}
}

// A request that is not a WebSocket handshake gets the HTTP refusal of
// RFC 6455, Section 4.2.2 (426 with Sec-WebSocket-Version for a wrong
// version, 400 for a missing key), and the connection is closed.
func TestRawServerRefuses(t *testing.T) {
	_, url := startRaw(t, AcceptOptions{})
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/chat")
	tests := []struct {
		name, req string
		status    int
	}{
		{"version 8 (4.2.2)", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n", 426},
		{"no key (4.2.1)", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n", 400},
		{"plain HTTP", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			c.Write([]byte(tt.req))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil || resp.StatusCode != tt.status {
				t.Fatalf("status %v, err %v; want %d", resp, err, tt.status)
			}
		})
	}
}

// Shutdown closes open connections with 1001 (RFC 6455, Section 7.4.1),
// cuts one still in its handshake, and Serve returns ErrServerClosed.
func TestRawServerShutdown(t *testing.T) {
	s, url := startRaw(t, AcceptOptions{})
	ep, _, err := Dial(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	half, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/chat"))
	if err != nil {
		t.Fatal(err)
	}
	defer half.Close()
	half.Write([]byte("GET / HTTP/1.1\r\n")) // and never the rest
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("Shutdown took %v", d)
	}
	if _, _, err := ep.ReadMessage(nil); CloseStatus(err) != frame.CloseGoingAway {
		t.Errorf("client read after Shutdown: %v, want a CloseError with 1001", err)
	}
	half.SetDeadline(time.Now().Add(5 * time.Second))
	if n, err := half.Read(make([]byte, 1)); err == nil {
		t.Errorf("half-open handshake: read %d bytes, want the connection cut", n)
	}
}
