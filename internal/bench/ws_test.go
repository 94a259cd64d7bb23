package bench

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/rfc6455/ws/frame"
)

// TestCounterWebSocketFrames counts a known exchange after the handshake:
// a 5-byte binary message from the client (2-byte header, 4-byte masking
// key, payload: RFC 6455, Section 5.2), its 7-byte echo, then the close
// handshake with status 1000 (8 bytes out, 4 back: Section 5.5.1).
func TestCounterWebSocketFrames(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var server, client Counter
	srv := NewServer()
	hs := srv.Serve(server.Listener(l))
	defer hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ep, err := dialWS(ctx, clientSide{counter: &client}, "ws://"+l.Addr().String()+PathEchoWS)
	if err != nil {
		t.Fatal(err)
	}
	defer stopOnDone(ctx, ep)()
	s0 := client.Snapshot()
	if s0.Written == 0 || s0.Read == 0 || s0.Conns != 1 {
		t.Fatalf("handshake counted as %+v", s0)
	}
	if err := ep.WriteMessage(frame.OpBinary, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	op, p, err := ep.ReadMessage(nil)
	if err != nil || op != frame.OpBinary || string(p) != "hello" {
		t.Fatalf("ReadMessage = %v, %q, %v; want binary hello", op, p, err)
	}
	if got := client.Snapshot().Sub(s0); got.Written != 2+4+5 || got.Read != 2+5 {
		t.Errorf("one message each way counted %d written, %d read; want 11, 7", got.Written, got.Read)
	}
	if err := ep.Close(frame.CloseNormal, ""); err != nil && !isNormalClose(err) {
		t.Fatalf("Close: %v", err)
	}
	total := client.Snapshot()
	if got := total.Sub(s0); got.Written != 11+2+4+2 || got.Read != 7+2+2 {
		t.Errorf("message and close counted %d written, %d read; want 19, 11", got.Written, got.Read)
	}
	// The server's count of the same connection agrees, handshake included.
	deadline := time.Now().Add(5 * time.Second)
	for server.Snapshot().Read != total.Written && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if s := server.Snapshot(); s.Read != total.Written || s.Written != total.Read {
		t.Errorf("server counted %d read, %d written; client %d written, %d read", s.Read, s.Written, total.Written, total.Read)
	}
}
