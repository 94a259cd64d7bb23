package conn

import (
	"errors"
	"testing"
	"time"

	"github.com/rfc6455/ws/frame"
)

// TestCloseWriteKeepsLateMessages: after CloseWrite the reader still gets
// every data message the peer sent before its own Close frame (Close would
// drop them when no one is reading, as RFC 6455, Section 7.1.2 allows),
// then the peer's code with a clean close.
func TestCloseWriteKeepsLateMessages(t *testing.T) {
	t.Parallel()
	sc, cc := tcpPair(t)
	server := NewEndpoint(sc, nil, Server, nil)
	client := NewEndpoint(cc, nil, Client, &Options{CloseTimeout: 5 * time.Second})
	want := []string{"one", "two", "three"}
	serverDone := make(chan error, 1)
	go func() {
		for _, m := range want {
			if err := server.WriteMessage(frame.OpText, []byte(m)); err != nil {
				serverDone <- err
				return
			}
		}
		_, _, err := server.ReadMessage(nil) // the client's Close: echoed, TCP closed
		serverDone <- err
	}()
	time.Sleep(50 * time.Millisecond) // the three messages are on their way
	if err := client.CloseWrite(frame.CloseNormal, "bye"); err != nil {
		t.Fatalf("CloseWrite = %v", err)
	}
	for _, m := range want {
		_, p, err := client.ReadMessage(nil)
		if err != nil || string(p) != m {
			t.Fatalf("ReadMessage after CloseWrite = %q, %v; want %q", p, err, m)
		}
	}
	_, _, err := client.ReadMessage(nil)
	var ce CloseError
	if !errors.As(err, &ce) || ce.Code != frame.CloseNormal || ce.Err != nil {
		t.Fatalf("last ReadMessage = %v, want a clean CloseError 1000", err)
	}
	if err := <-serverDone; CloseStatus(err) != frame.CloseNormal {
		t.Fatalf("server saw %v, want the client's 1000", err)
	}
}

// TestCloseWriteTimeout: a peer that never answers our Close frame is cut
// off after CloseTimeout, and the reader learns why.
func TestCloseWriteTimeout(t *testing.T) {
	t.Parallel()
	sc, cc := tcpPair(t)
	defer sc.Close() // a silent peer: reads nothing, answers nothing
	client := NewEndpoint(cc, nil, Client, &Options{CloseTimeout: 100 * time.Millisecond})
	if err := client.CloseWrite(frame.CloseNormal, ""); err != nil {
		t.Fatalf("CloseWrite = %v", err)
	}
	_, _, err := client.ReadMessage(nil)
	if !errors.Is(err, ErrCloseTimeout) || CloseStatus(err) != frame.CloseAbnormal {
		t.Fatalf("ReadMessage = %v, want ErrCloseTimeout with 1006", err)
	}
	if err := client.CloseWrite(frame.CloseNormal, ""); err != nil {
		t.Fatalf("second CloseWrite = %v, want nil", err)
	}
}
