package conn

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rfc6455/ws/frame"
)

// TestReadMessageContextCancel: cancelling a blocked read returns
// context.Canceled promptly and leaves the connection usable.
func TestReadMessageContextCancel(t *testing.T) {
	a, b := tcpPair(t)
	ep := NewEndpoint(a, nil, Server, nil)
	peer := NewEndpoint(b, nil, Client, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	if _, _, err := ep.ReadMessageContext(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("ReadMessageContext: %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("cancel took %v", d)
	}
	peer.WriteMessage(frame.OpText, []byte("after"))
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if _, p, err := ep.ReadMessageContext(ctx2, nil); err != nil || string(p) != "after" {
		t.Fatalf("next read: %q, %v", p, err)
	}
}

// TestReadMessageContextMidMessage: contexts that expire again and again
// in the middle of a slowly arriving message, compressed or not, return
// context.DeadlineExceeded each time; the message arrives whole.
func TestReadMessageContextMidMessage(t *testing.T) {
	msg := wsText(rand.New(rand.NewPCG(3, 4)), 100000)
	for _, compressed := range []bool{false, true} {
		a, b := tcpPair(t)
		opts := &Options{ReadLimit: 1 << 20}
		if compressed {
			opts = deflateOpts(1 << 20)
		}
		ep := NewEndpoint(a, nil, Server, opts)
		peerOpts := *opts
		peer := NewEndpoint(slowConn{b, 2 << 10, 2 * time.Millisecond}, nil, Client, &peerOpts)
		go peer.WriteMessage(frame.OpText, msg)
		expired := 0
		var p []byte
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Millisecond)
			var err error
			_, p, err = ep.ReadMessageContext(ctx, p)
			cancel()
			if err == nil {
				break
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("compressed %v: after %d expiries: %v", compressed, expired, err)
			}
			expired++
		}
		if !bytes.Equal(p, msg) || expired < 2 {
			t.Fatalf("compressed %v: %d bytes (want %d), %d expiries", compressed, len(p), len(msg), expired)
		}
	}
}

// TestReadContextAndDeadline: the earlier of the user's read deadline and
// the context's applies, and the user's deadline is back afterwards.
func TestReadContextAndDeadline(t *testing.T) {
	a, _ := tcpPair(t)
	ep := NewEndpoint(a, nil, Server, nil)
	ep.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, _, err := ep.ReadMessageContext(ctx, nil)
	var te interface{ Timeout() bool }
	if !errors.As(err, &te) || !te.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the user's earlier deadline should end the read with a plain timeout, got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
	ep.SetReadDeadline(time.Time{})
	ctx2, cancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel2()
	if _, _, err := ep.ReadMessageContext(ctx2, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the context's earlier deadline: %v", err)
	}
}

// TestWriteContextWaiting: a write waiting behind an open NextWriter gives
// up when its context ends, and the connection is untouched.
func TestWriteContextWaiting(t *testing.T) {
	a, b := tcpPair(t)
	ep := NewEndpoint(a, nil, Server, nil)
	peer := NewEndpoint(b, nil, Client, nil)
	w, _ := ep.NextWriter(frame.OpText)
	w.Write([]byte("first"))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := ep.WriteMessageContext(ctx, frame.OpText, []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WriteMessageContext: %v, want DeadlineExceeded", err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := ep.NextWriterContext(ctx2, frame.OpText); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("NextWriterContext: %v, want DeadlineExceeded", err)
	}
	w.Close()
	ctx3, cancel3 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel3()
	if err := ep.WriteMessageContext(ctx3, frame.OpText, []byte("second")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"first", "second"} {
		peer.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, p, err := peer.ReadMessage(nil); err != nil || string(p) != want {
			t.Fatalf("peer read %q, %v; want %q", p, err, want)
		}
	}
}

// TestWriteContextStuck: a context that ends while a frame is stuck on a
// peer that does not read aborts the write; the connection fails (a frame
// cut short cannot be resumed) and the call returns ctx's error.
func TestWriteContextStuck(t *testing.T) {
	a, _ := tcpPair(t)
	ep := NewEndpoint(a, nil, Server, &Options{WriteTimeout: -1})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	errc := make(chan error, 1)
	go func() { errc <- ep.WriteMessageContext(ctx, frame.OpBinary, make([]byte, 32<<20)) }()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("WriteMessageContext: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stuck write was not aborted by its context")
	}
	if err := ep.WriteMessage(frame.OpText, []byte("x")); err == nil {
		t.Fatal("a write after an aborted frame succeeded")
	}
	if _, _, err := ep.ReadMessage(nil); CloseStatus(err) != frame.CloseAbnormal {
		t.Fatalf("after an aborted frame: %v, want the connection failed with 1006", err)
	}
}

// TestCloseContext: a context shorter than CloseTimeout bounds Close.
func TestCloseContext(t *testing.T) {
	a, b := tcpPair(t)
	go io.Copy(io.Discard, b) // reads, never answers the Close
	ep := NewEndpoint(a, nil, Server, &Options{CloseTimeout: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := ep.CloseContext(ctx, frame.CloseGoingAway, "bye"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("CloseContext: %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("CloseContext took %v", d)
	}
	if _, _, err := ep.ReadMessage(nil); CloseStatus(err) != frame.CloseAbnormal {
		t.Fatalf("after CloseContext: %v, want 1006", err)
	}
}

// TestContextBackgroundAllocs: with a context that never ends, the
// context variants cost what the plain methods cost: 0 allocs.
func TestContextBackgroundAllocs(t *testing.T) {
	script := clientFrame(0x82, []byte("hello"))
	ep := NewEndpoint(&benchConn{script: script}, nil, Server, nil)
	defer ep.closeConn(&CloseError{Code: frame.CloseAbnormal})
	buf := make([]byte, 0, 64)
	ctx := context.Background()
	allocs := testing.AllocsPerRun(1000, func() {
		if _, p, err := ep.ReadMessageContext(ctx, buf); err != nil || len(p) != 5 {
			t.Fatal(err)
		}
		if err := ep.WriteMessageContext(ctx, frame.OpBinary, buf[:5]); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per read+write with context.Background", allocs)
	}
}

// TestSetReadLimit: the limit can be raised (and lowered) on a live
// Endpoint; it applies from the next message.
func TestSetReadLimit(t *testing.T) {
	a, b := tcpPair(t)
	ep := NewEndpoint(a, nil, Server, &Options{ReadLimit: 1 << 10})
	peer := NewEndpoint(b, nil, Client, &Options{ReadLimit: -1})
	big := bytes.Repeat([]byte("x"), 100<<10)
	ep.SetReadLimit(1 << 20) // e.g. after authentication
	go peer.WriteMessage(frame.OpBinary, big)
	if _, p, err := ep.ReadMessage(nil); err != nil || len(p) != len(big) {
		t.Fatalf("after raising the limit: %d bytes, %v", len(p), err)
	}
	ep.SetReadLimit(1 << 10)
	go peer.WriteMessage(frame.OpBinary, big)
	if _, _, err := ep.ReadMessage(nil); CloseStatus(err) != frame.CloseMessageTooBig {
		t.Fatalf("after lowering the limit: %v, want 1009", err)
	}
}

// TestSetWriteDeadlineUnblocks: SetWriteDeadline called while a write is
// blocked on a peer that does not read applies to that write at once, as
// net.Conn's does (it does not wait for the write lock).
func TestSetWriteDeadlineUnblocks(t *testing.T) {
	a, _ := tcpPair(t)
	ep := NewEndpoint(a, nil, Server, &Options{WriteTimeout: -1})
	errc := make(chan error, 1)
	go func() { errc <- ep.WriteMessage(frame.OpBinary, make([]byte, 32<<20)) }()
	time.Sleep(100 * time.Millisecond) // stuck by now
	done := make(chan struct{})
	go func() { ep.SetWriteDeadline(time.Now().Add(50 * time.Millisecond)); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("SetWriteDeadline waited for the blocked write")
	}
	select {
	case err := <-errc:
		var te interface{ Timeout() bool }
		if !errors.As(err, &te) || !te.Timeout() {
			t.Fatalf("blocked write: %v, want a timeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the blocked write ignored the new deadline")
	}
}
