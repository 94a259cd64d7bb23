package conn

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/frame"
)

// TestAcceptKeepsEarlyBytes: frames the client sends right behind its
// handshake request, which net/http has already buffered, are not lost.
func TestAcceptKeepsEarlyBytes(t *testing.T) {
	t.Parallel()
	got := make(chan string, 2)
	srv := serve(t, nil, func(ep *Endpoint) {
		for range 2 {
			_, p, err := ep.ReadMessage(nil)
			if err != nil {
				got <- err.Error()
				return
			}
			got <- string(p)
		}
	})
	early := string(clientFrame(0x81, []byte("early"))) + string(clientFrame(0x81, []byte("bird")))
	rawDial(t, srv, early)
	for _, want := range []string{"early", "bird"} {
		select {
		case s := <-got:
			if s != want {
				t.Fatalf("got %q, want %q", s, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("timeout")
		}
	}
}

// TestAcceptRefuses: a request that is not a WebSocket handshake gets the
// HTTP error from package handshake, and Accept returns an error.
func TestAcceptRefuses(t *testing.T) {
	t.Parallel()
	errc := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := Accept(w, r, nil)
		errc <- err
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 {
		t.Fatalf("status %d, want an error status", resp.StatusCode)
	}
	if err := <-errc; err == nil {
		t.Fatal("Accept returned nil error for a plain GET")
	}
}

// TestAcceptSubprotocol: the server's preferred subprotocol among the
// client's is chosen and reported (RFC 6455, Section 4.2.2).
func TestAcceptSubprotocol(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	opts := &AcceptOptions{}
	opts.Subprotocols = []string{"superchat", "chat"}
	srv := serve(t, opts, func(ep *Endpoint) { got <- ep.Subprotocol() })
	_, _, resp := rawDialHeader(t, srv, "Sec-WebSocket-Protocol: chat, superchat\r\n", "")
	if p := <-got; p != "superchat" || resp.Header.Get("Sec-WebSocket-Protocol") != "superchat" {
		t.Fatalf("Subprotocol = %q, response header %q; want superchat", p, resp.Header.Get("Sec-WebSocket-Protocol"))
	}
	rawDial(t, srv, "") // offers nothing
	if p := <-got; p != "" {
		t.Fatalf("Subprotocol = %q with no offer", p)
	}
}

// TestNoGoroutineLeaks opens many connections and ends them every way —
// clean close from either side, abrupt TCP close, protocol failure — and
// checks the goroutine count returns to where it started.
func TestNoGoroutineLeaks(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 200 connections")
	}
	srv := serve(t, &AcceptOptions{Options: Options{KeepAlive: 50 * time.Millisecond}}, func(ep *Endpoint) { echoLoop(ep) })
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	time.Sleep(50 * time.Millisecond)
	before := runtime.NumGoroutine()
	for i := range 200 {
		ep := dialEndpoint(t, srv, &Options{KeepAlive: 30 * time.Millisecond, CloseTimeout: time.Second})
		ep.WriteMessage(frame.OpText, []byte("hello"))
		kind := i % 5
		if kind == 4 && i > 20 {
			kind = 0 // a few idle ones are enough, each sleeps
		}
		switch kind {
		case 0: // clean close from the client
			ep.ReadMessage(nil)
			ep.Close(frame.CloseNormal, "")
		case 1: // abrupt: TCP dropped
			ep.c.Close()
		case 2: // the client breaks a rule: the server fails the connection
			ep.c.Write([]byte{0x81, 0x01, 'x'}) // unmasked
			ep.ReadMessage(nil)
		case 3: // a Ping in flight when the connection drops
			go ep.Ping(t.Context(), nil)
			ep.c.Close()
		case 4: // the client goes idle (idle pump starts) then closes
			time.Sleep(idleDelay + 20*time.Millisecond)
			ep.Close(frame.CloseGoingAway, "")
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines, %d before\n%s", n, before, buf)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNetConn: the net.Conn adapter streams bytes over messages and ends
// with io.EOF on a normal close.
func TestNetConn(t *testing.T) {
	t.Parallel()
	sc, cc := tcpPair(t)
	server := NewEndpoint(sc, nil, Server, nil).NetConn(frame.OpBinary)
	client := NewEndpoint(cc, nil, Client, nil).NetConn(frame.OpBinary)
	want := bytes.Repeat([]byte("0123456789"), 5000)
	go func() {
		for p := want; len(p) > 0; p = p[min(len(p), 333):] {
			client.Write(p[:min(len(p), 333)])
		}
		client.Close()
	}()
	got, err := io.ReadAll(server)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("ReadAll = %d bytes, %v; want %d bytes", len(got), err, len(want))
	}
	server.SetReadDeadline(time.Now().Add(-time.Second))
	if server.LocalAddr() == nil || !strings.HasPrefix(server.RemoteAddr().String(), "127.0.0.1:") {
		t.Fatalf("addresses %v %v", server.LocalAddr(), server.RemoteAddr())
	}
	server.Close()
}

// TestCloseDuringStreamedWrite: Close from another goroutine while a
// message is being streamed goes out between its fragments; the writer's
// next Write fails with ErrClosed and its Close releases the message lock.
func TestCloseDuringStreamedWrite(t *testing.T) {
	t.Parallel()
	srv := serve(t, nil, func(ep *Endpoint) { echoLoop(ep) })
	ep := dialEndpoint(t, srv, nil)
	w, err := ep.NextWriter(frame.OpBinary)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("part one"))
	w.(interface{ Flush() error }).Flush()
	if err := ep.Close(frame.CloseNormal, "mid-message"); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if _, err := w.Write([]byte("part two")); err == nil {
		w.(interface{ Flush() error }).Flush()
	}
	if err := w.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("writer Close after Close = %v, want ErrClosed", err)
	}
	if err := ep.WriteMessage(frame.OpText, []byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("WriteMessage after Close = %v, want ErrClosed", err)
	}
}
