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
