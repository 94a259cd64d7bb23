package main

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
)

// TestRunEchoesAndShutsDown: wsecho echoes with the message type, and on
// shutdown closes every connection with 1001 and returns.
func TestRunEchoesAndShutsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, ln, false, 1<<20, true) }()

	dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer dcancel()
	ep, _, err := conn.Dial(dctx, "ws://"+ln.Addr().String()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []frame.Opcode{frame.OpText, frame.OpBinary} {
		ep.WriteMessage(op, []byte("ping"))
		got, p, err := ep.ReadMessage(nil)
		if err != nil || got != op || string(p) != "ping" {
			t.Fatalf("echo = %v %q %v, want %v ping", got, p, err, op)
		}
	}
	cancel()
	_, _, err = ep.ReadMessage(nil)
	if conn.CloseStatus(err) != frame.CloseGoingAway {
		t.Fatalf("after shutdown read %v, want 1001", err)
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

// TestShutdownBounded: shutdown returns within -close-timeout plus 1 s and
// leaves no connection open, even with a client that sent a large message
// and stopped reading (the echo is stuck in a write), a client that never
// answers the Close, and a TCP connection that never sent its request
// (before issue 11, SIGTERM took 11 s and ended with connections open).
func TestShutdownBounded(t *testing.T) {
	old := closeTimeout
	closeTimeout = 500 * time.Millisecond
	defer func() { closeTimeout = old }()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, ln, false, 64<<20, true) }()
	dial := func() *conn.Endpoint {
		dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer dcancel()
		ep, _, err := conn.Dial(dctx, "ws://"+ln.Addr().String()+"/", &conn.DialOptions{Options: conn.Options{ReadLimit: -1}})
		if err != nil {
			t.Fatal(err)
		}
		return ep
	}
	// The server's echo of 32 MiB gets stuck: this client never reads.
	stuck := dial()
	go stuck.WriteMessage(frame.OpBinary, make([]byte, 32<<20))
	// This one never reads either, so it never answers the Close.
	dial()
	// And this TCP connection never sends a request.
	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
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
