package main

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/internal/tlscert"
)

// startTLS gives run a -tls listener with a self-signed certificate and
// returns the plain and TLS listeners.
func startTLS(t *testing.T) (ln net.Listener, tlsAddr string) {
	t.Helper()
	var err error
	if tlsConfig, err = tlscert.Config("", ""); err != nil {
		t.Fatal(err)
	}
	if tlsListener, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tlsListener, tlsConfig = nil, nil })
	if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return ln, tlsListener.Addr().String()
}

// dialH2 opens a WebSocket to u over HTTP/2 (h2c for ws://, TLS with ALPN
// h2 for wss://) and checks the response says so.
func dialH2(t *testing.T, u string, opts *conn.DialOptions) *conn.Endpoint {
	t.Helper()
	if opts == nil {
		opts = &conn.DialOptions{}
	}
	opts.HTTPVersion = conn.HTTP2
	opts.TLSConfig = &tls.Config{InsecureSkipVerify: true} // tlscert's self-signed certificate
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ep, resp, err := conn.Dial(ctx, u, opts)
	if err != nil {
		t.Fatalf("Dial %s over HTTP/2: %v", u, err)
	}
	if resp.ProtoMajor != 2 || resp.StatusCode != 200 {
		t.Fatalf("Dial %s: %s %d, want HTTP/2 200 (RFC 8441, Section 5)", u, resp.Proto, resp.StatusCode)
	}
	if strings.HasPrefix(u, "wss:") && (resp.TLS == nil || resp.TLS.NegotiatedProtocol != "h2") {
		t.Fatalf("Dial %s: TLS %+v, want ALPN h2", u, resp.TLS)
	}
	return ep
}

// TestH2BothListeners: the -addr listener serves WebSockets over h2c and
// HTTP/1.1, the -tls one over HTTP/2 and HTTP/1.1 by ALPN; on shutdown
// every one of them gets 1001 and run returns.
func TestH2BothListeners(t *testing.T) {
	ln, tlsAddr := startTLS(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, ln, false, 1<<20, true, "*") }()

	eps := []*conn.Endpoint{
		dialH2(t, "ws://"+ln.Addr().String()+"/", nil),
		dialH2(t, "wss://"+tlsAddr+"/", &conn.DialOptions{Subprotocols: []string{"chat"}}),
	}
	for _, u := range []string{"ws://" + ln.Addr().String() + "/", "wss://" + tlsAddr + "/"} {
		dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
		ep, resp, err := conn.Dial(dctx, u, &conn.DialOptions{HTTPVersion: conn.HTTP1, TLSConfig: &tls.Config{InsecureSkipVerify: true}})
		dcancel()
		if err != nil || resp.ProtoMajor != 1 {
			t.Fatalf("Dial %s over HTTP/1.1: %v", u, err)
		}
		eps = append(eps, ep)
	}
	if eps[1].Subprotocol() != "chat" {
		t.Errorf("wss:// over HTTP/2: subprotocol %q, want chat", eps[1].Subprotocol())
	}
	for i, ep := range eps {
		msg := []byte(strings.Repeat("echo ", 1000))
		if err := ep.WriteMessage(frame.OpText, msg); err != nil {
			t.Fatal(err)
		}
		if op, p, err := ep.ReadMessage(nil); err != nil || op != frame.OpText || string(p) != string(msg) {
			t.Fatalf("connection %d: echo %v %d bytes %v", i, op, len(p), err)
		}
	}
	cancel()
	for i, ep := range eps {
		if _, _, err := ep.ReadMessage(nil); conn.CloseStatus(err) != frame.CloseGoingAway {
			t.Errorf("connection %d after shutdown: %v, want 1001", i, err)
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after shutdown")
	}
}

// TestH2ShutdownBounded: shutdown stays within -close-timeout plus 1 s
// with HTTP/2 streams that hold it up: one whose echo is stuck on the
// client's flow-control window (the client never reads) and one that never
// answers the Close.
func TestH2ShutdownBounded(t *testing.T) {
	old := closeTimeout
	closeTimeout = 500 * time.Millisecond
	defer func() { closeTimeout = old }()
	ln, tlsAddr := startTLS(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, ln, false, 64<<20, true, "*") }()
	big := &conn.DialOptions{Options: conn.Options{ReadLimit: -1}}
	stuck := dialH2(t, "wss://"+tlsAddr+"/", big)
	go stuck.WriteMessage(frame.OpBinary, make([]byte, 16<<20))
	dialH2(t, "ws://"+ln.Addr().String()+"/", nil) // never reads
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return within 10 s of shutdown")
	}
	if d := time.Since(start); d > closeTimeout+time.Second+500*time.Millisecond {
		t.Errorf("shutdown took %v, bound %v", d, closeTimeout+time.Second)
	}
}
