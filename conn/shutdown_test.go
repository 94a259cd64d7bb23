package conn

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// TestShutdownServer: a real http.Server with three WebSocket clients is
// shut down with ShutdownServer: a client that answers gets 1001 and the
// reason, one that never answers the Close frame and one whose server
// side is stuck in a write (it never reads) are cut, by the context's
// deadline or by CloseTimeout, whichever comes first. Shutdown returns
// within that bound, the group is empty, and no goroutine is left.
func TestShutdownServer(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for close timeouts")
	}
	tests := []struct {
		name         string
		closeTimeout time.Duration
		ctxTimeout   time.Duration
		wantErr      error
	}{
		{"the context's deadline cuts the silent peers", 5 * time.Second, 400 * time.Millisecond, context.DeadlineExceeded},
		{"CloseTimeout cuts the silent peers (7.1.1)", 300 * time.Millisecond, 5 * time.Second, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			http.DefaultTransport.(*http.Transport).CloseIdleConnections()
			before := runtime.NumGoroutine()
			elapsed := shutdownThreeClients(t, tt.closeTimeout, tt.ctxTimeout, tt.wantErr)
			bound := min(tt.closeTimeout, tt.ctxTimeout)
			t.Logf("ShutdownServer returned after %v (bound %v)", elapsed.Round(time.Millisecond), bound)
			// The margin covers a loaded CI machine (see the hostile suite).
			if elapsed < bound-50*time.Millisecond || elapsed > bound+time.Second {
				t.Errorf("ShutdownServer took %v, want about %v", elapsed, bound)
			}
			waitGoroutines(t, before)
		})
	}
}

// shutdownThreeClients runs the scenario of TestShutdownServer and returns
// how long ShutdownServer took.
func shutdownThreeClients(t *testing.T, closeTimeout, ctxTimeout time.Duration, wantErr error) time.Duration {
	var g Group
	var flooded atomic.Int64 // bytes the flooding handler has written
	opts := &AcceptOptions{Options: Options{CloseTimeout: closeTimeout}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, err := g.Accept(w, r, opts)
		if err != nil {
			return
		}
		if r.Header.Get("X-Test") == "flood" {
			go func() { // writes until the peer's buffers are full, then blocks
				p := make([]byte, 64<<10)
				for ep.WriteMessage(frame.OpBinary, p) == nil {
					flooded.Add(int64(len(p)))
				}
			}()
			return
		}
		go echoLoop(ep)
	}))
	defer srv.Close()

	// A client that answers: its read returns the server's code and reason.
	polite := dialEndpoint(t, srv, &Options{CloseTimeout: 5 * time.Second})
	politeErr := make(chan error, 1)
	go func() {
		_, _, err := polite.ReadMessage(nil)
		politeErr <- err
	}()
	// A client that never reads nor answers (its handshake only).
	silent, silentR := rawDial(t, srv, "")
	// A client that never reads, to which the server writes.
	flood, _, _ := rawDialHeader(t, srv, "X-Test: flood\r\n", "")
	pollUntil(t, "3 tracked endpoints", func() bool { return g.Len() == 3 })
	pollUntil(t, "the flooding write to block", func() bool {
		n := flooded.Load()
		time.Sleep(100 * time.Millisecond)
		return n > 0 && flooded.Load() == n
	})

	ctx, cancel := context.WithTimeout(context.Background(), ctxTimeout)
	defer cancel()
	start := time.Now()
	err := g.ShutdownServer(ctx, srv.Config, frame.CloseGoingAway, "server shutting down")
	elapsed := time.Since(start)
	if !errors.Is(err, wantErr) || (wantErr == nil && err != nil) {
		t.Errorf("ShutdownServer = %v, want %v", err, wantErr)
	}
	if n := g.Len(); n != 0 {
		t.Errorf("Len() = %d after Shutdown, want 0", n)
	}

	// The polite client got 1001 and the reason (RFC 6455, Section 7.4.1).
	var ce CloseError
	if err := <-politeErr; !errors.As(err, &ce) || ce.Code != frame.CloseGoingAway || ce.Reason != "server shutting down" {
		t.Errorf("polite client: ReadMessage error %v, want CloseError 1001 \"server shutting down\"", err)
	}
	polite.Close(frame.CloseNormal, "")
	// The silent client was sent the Close frame, then cut.
	silent.SetReadDeadline(time.Now().Add(5 * time.Second))
	if b0, p := readServerFrame(t, silentR); b0 != 0x88 || len(p) < 2 || binary.BigEndian.Uint16(p) != 1001 {
		t.Errorf("silent client: frame %#x % x, want a Close frame with 1001", b0, p)
	}
	if _, err := silentR.ReadByte(); err == nil {
		t.Error("silent client: the connection is still open")
	}
	// The flooded client's connection was cut: reading drains what the
	// server wrote before it ends.
	flood.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, flood); isTimeout(err) {
		t.Errorf("flooded client: the connection is still open: %v", err)
	}
	silent.Close()
	flood.Close()
	return elapsed
}

// TestShutdownRefusesUpgrade: once Shutdown has begun, Group.Accept
// answers 503 with Connection: close and returns an error that is both
// ErrShutdown and a *handshake.Error.
func TestShutdownRefusesUpgrade(t *testing.T) {
	t.Parallel()
	var g Group
	acceptErr := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := g.Accept(w, r, nil)
		acceptErr <- err
	}))
	defer srv.Close()
	if err := g.Shutdown(context.Background(), frame.CloseGoingAway, ""); err != nil {
		t.Fatalf("Shutdown of an empty group = %v, want nil", err)
	}
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: "+testKey+"\r\nSec-WebSocket-Version: 13\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !resp.Close {
		t.Errorf("response %q, Connection: close %v; want 503 and close", resp.Status, resp.Close)
	}
	err = <-acceptErr
	var he *handshake.Error
	if !errors.Is(err, ErrShutdown) || !errors.As(err, &he) || he.Status != http.StatusServiceUnavailable {
		t.Errorf("Accept error %v, want ErrShutdown and a *handshake.Error with 503", err)
	}
}

// TestShutdownTrackLate: an Endpoint tracked after Shutdown has begun is
// closed with Shutdown's code and reason, and Track returns ErrShutdown.
func TestShutdownTrackLate(t *testing.T) {
	t.Parallel()
	var g Group
	if err := g.Shutdown(context.Background(), frame.CloseGoingAway, "bye"); err != nil {
		t.Fatal(err)
	}
	c1, c2 := net.Pipe()
	srv := NewEndpoint(c1, nil, Server, nil)
	cli := NewEndpoint(c2, nil, Client, nil)
	got := make(chan error, 1)
	go func() { _, _, err := cli.ReadMessage(nil); got <- err }()
	if err := g.Track(srv); !errors.Is(err, ErrShutdown) {
		t.Errorf("Track after Shutdown = %v, want ErrShutdown", err)
	}
	var ce CloseError
	if err := <-got; !errors.As(err, &ce) || ce.Code != frame.CloseGoingAway || ce.Reason != "bye" {
		t.Errorf("peer read %v, want CloseError 1001 \"bye\"", err)
	}
	if n := g.Len(); n != 0 {
		t.Errorf("Len() = %d, want 0", n)
	}
}

// TestShutdownBadCode: an invalid code or reason is refused as by Close,
// and nothing is closed or refused.
func TestShutdownBadCode(t *testing.T) {
	t.Parallel()
	var g Group
	c1, c2 := net.Pipe()
	defer c2.Close()
	ep := NewEndpoint(c1, nil, Server, nil)
	defer ep.closeConn(&CloseError{Code: frame.CloseAbnormal})
	g.Track(ep)
	if err := g.Shutdown(context.Background(), frame.CloseAbnormal, ""); err == nil {
		t.Error("Shutdown with 1006 = nil, want an error (RFC 6455, Section 7.4.1)")
	}
	if isClosed(ep) || g.down {
		t.Error("a refused Shutdown closed the Endpoint or the group")
	}
}

// TestShutdownSweeps: closed Endpoints leave the group: Len drops them,
// and Track drops a few at a time.
func TestShutdownSweeps(t *testing.T) {
	t.Parallel()
	var g Group
	var peers []net.Conn
	defer func() {
		for _, c := range peers {
			c.Close()
		}
	}()
	var eps []*Endpoint
	for range 100 {
		c1, c2 := net.Pipe()
		peers = append(peers, c2)
		ep := NewEndpoint(c1, nil, Server, nil)
		eps = append(eps, ep)
		g.Track(ep)
	}
	for _, ep := range eps[:50] {
		ep.closeConn(&CloseError{Code: frame.CloseAbnormal})
	}
	g.mu.Lock()
	if len(g.eps) != 100 {
		t.Errorf("%d entries before any sweep, want 100", len(g.eps))
	}
	g.sweepSomeLocked(100)
	if n := len(g.eps); n > 75 {
		t.Errorf("%d entries after checking 100, want at most 75", n)
	}
	g.mu.Unlock()
	if n := g.Len(); n != 50 {
		t.Errorf("Len() = %d, want 50", n)
	}
	for _, ep := range eps[50:] {
		ep.closeConn(&CloseError{Code: frame.CloseAbnormal})
	}
	if n := g.Len(); n != 0 {
		t.Errorf("Len() = %d, want 0", n)
	}
}

// TestShutdownMemory measures what tracking costs: the bytes Track
// allocates per Endpoint (TotalAlloc over tracking 10,000 Endpoints made
// by NewEndpoint on net.Pipe connections), the bytes the Group keeps, and
// the goroutines it adds: none.
func TestShutdownMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 10,000 endpoints")
	}
	const n = 10000
	conns := make([]net.Conn, 0, 2*n)
	eps := make([]*Endpoint, 0, n)
	defer func() {
		for _, ep := range eps {
			ep.closeConn(&CloseError{Code: frame.CloseAbnormal})
		}
		for _, c := range conns {
			c.Close()
		}
	}()
	var m0, m1, m2 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for range n {
		c1, c2 := net.Pipe()
		conns = append(conns, c1, c2)
		eps = append(eps, NewEndpoint(c1, nil, Server, nil))
	}
	runtime.ReadMemStats(&m1)
	// Each idle Endpoint starts its idle pump after idleDelay, in the
	// timer's goroutine, reading its pipe: let them all start first.
	time.Sleep(idleDelay)
	pollUntil(t, "the idle pumps to start", func() bool {
		n := runtime.NumGoroutine()
		time.Sleep(50 * time.Millisecond)
		return runtime.NumGoroutine() == n
	})
	var g Group
	g0 := runtime.NumGoroutine()
	runtime.ReadMemStats(&m1)
	for _, ep := range eps {
		g.Track(ep)
	}
	runtime.ReadMemStats(&m2)
	goroutines := runtime.NumGoroutine() - g0
	alloc := float64(m2.TotalAlloc-m1.TotalAlloc) / n
	kept := float64(cap(g.eps)) * 8 / n
	t.Logf("NewEndpoint on net.Pipe: %.0f B allocated each; Track: %.1f B allocated, %.1f B kept per endpoint, %d goroutines",
		float64(m1.TotalAlloc-m0.TotalAlloc)/n, alloc, kept, goroutines)
	if alloc > 64 && !deflateRace { // under -race, TotalAlloc counts the detector's own allocations
		t.Errorf("Track allocates %.1f B per endpoint, want at most 64 (a pointer, and the slice's growth)", alloc)
	}
	if goroutines > 0 {
		t.Errorf("tracking %d idle endpoints added %d goroutines, want 0", n, goroutines)
	}
	if got := g.Len(); got != n {
		t.Errorf("Len() = %d, want %d", got, n)
	}
}

// pollUntil polls cond until it holds, failing the test after 10 s.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
