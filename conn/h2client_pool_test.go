package conn_test

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
	"github.com/rfc6455/ws/internal/h2"
)

// TestH2ThroughProxy: the HTTP/2 connection runs inside an HTTP CONNECT
// tunnel (RFC 9110, Section 9.3.6), TLS and ALPN h2 end to end.
func TestH2ThroughProxy(t *testing.T) {
	s := newH2Server(t, true, nil)
	proxy := startProxy(t, "", "")
	opts := s.opts(conn.HTTPAuto)
	opts.Proxy = http.ProxyURL(proxy.url("", ""))
	ep, resp, err := conn.Dial(dtCtx(t), s.url("/"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("through the proxy: %s, want HTTP/2", resp.Proto)
	}
	echoOnce(t, ep, "through the tunnel over HTTP/2")
	if got := proxy.seen(); len(got) != 1 || got[0] != s.srv.Listener.Addr().String() {
		t.Errorf("proxy saw CONNECT %q, want [%s]", got, s.srv.Listener.Addr())
	}
}

// TestH2PoolMaxConcurrentStreams: past the server's
// SETTINGS_MAX_CONCURRENT_STREAMS the pool opens another connection
// (RFC 9113, Section 5.1.2), and reuses a slot once a WebSocket closes.
func TestH2PoolMaxConcurrentStreams(t *testing.T) {
	s := newH2ServerLimit(t, 2)
	pool := &conn.HTTP2Pool{}
	defer pool.Close()
	opts := s.opts(conn.HTTP2)
	opts.Pool = pool
	var eps []*conn.Endpoint
	for range 3 {
		ep, _, err := conn.Dial(dtCtx(t), s.url("/"), opts)
		if err != nil {
			t.Fatal(err)
		}
		eps = append(eps, ep)
	}
	if got := s.conns.Load(); got != 2 {
		t.Errorf("3 WebSockets with MAX_CONCURRENT_STREAMS 2: %d connections, want 2", got)
	}
	echoOnce(t, eps[0], "one") // closes it: its stream slot frees up
	ep, _, err := conn.Dial(dtCtx(t), s.url("/"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.conns.Load(); got != 2 {
		t.Errorf("after a close, a fourth WebSocket opened connection %d, want the freed slot", got)
	}
	for _, ep := range append(eps[1:], ep) {
		echoOnce(t, ep, "more")
	}
}

// newH2ServerLimit is newH2Server over TLS with a stream limit.
func newH2ServerLimit(t *testing.T, streams int) *h2Server {
	s := newH2ServerUnstarted(t)
	s.srv.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: streams}
	s.srv.EnableHTTP2 = true
	s.srv.StartTLS()
	return s
}

// TestH2PoolIdleTimeout: a pooled connection without WebSockets closes
// after IdleTimeout, and Pool.Close closes idle connections at once.
func TestH2PoolIdleTimeout(t *testing.T) {
	s := newH2ServerUnstarted(t)
	var closed atomic.Int32
	s.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			s.conns.Add(1)
		case http.StateClosed:
			closed.Add(1)
		}
	}
	s.srv.EnableHTTP2 = true
	s.srv.StartTLS()
	pool := &conn.HTTP2Pool{IdleTimeout: 200 * time.Millisecond}
	opts := s.opts(conn.HTTP2)
	opts.Pool = pool
	ep, _, err := conn.Dial(dtCtx(t), s.url("/"), opts)
	if err != nil {
		t.Fatal(err)
	}
	echoOnce(t, ep, "x")
	waitFor(t, 5*time.Second, func() bool { return closed.Load() == 1 }, "the idle pooled connection to close")

	ep, _, err = conn.Dial(dtCtx(t), s.url("/"), opts)
	if err != nil {
		t.Fatal(err)
	}
	echoOnce(t, ep, "y")
	pool.Close()
	waitFor(t, 2*time.Second, func() bool { return closed.Load() == 2 }, "Pool.Close to close the idle connection")
	if _, _, err := conn.Dial(dtCtx(t), s.url("/"), opts); err == nil {
		t.Error("Dial with a closed pool succeeded")
	}
}

func waitFor(t *testing.T, d time.Duration, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Errorf("timed out waiting for %s", what)
}

// TestH2PoolGoAway: after a GOAWAY (NO_ERROR) the open WebSocket runs on,
// and the pool opens a new connection for the next Dial (RFC 9113,
// Section 6.8).
func TestH2PoolGoAway(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n := accepted.Add(1)
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				io.ReadFull(c, make([]byte, len(h2.ClientPreface)))
				c.Write(h2.AppendSettings(nil, h2.Setting{ID: h2.SettingEnableConnectProtocol, Val: 1}))
				s := &rawH2{t: t, c: c, fr: h2.NewReader(c, 1<<20), dec: h2.NewDecoder(4096)}
				id := s.accept()
				if n == 1 {
					s.write(h2.AppendGoAway(nil, id, h2.ErrCodeNo, nil))
				}
				// Echo one WebSocket text frame, "hi" (the client's is masked).
				h, p, ok := s.next(h2.FrameData)
				if !ok || h.StreamID != id {
					return
				}
				_ = p
				out := frame.AppendHeader(nil, frame.Header{Fin: true, Opcode: frame.OpText, PayloadLen: 2})
				s.write(h2.AppendData(nil, id, false, append(out, "hi"...)))
				io.Copy(io.Discard, c)
			}()
		}
	}()
	pool := &conn.HTTP2Pool{}
	defer pool.Close()
	opts := &conn.DialOptions{HTTPVersion: conn.HTTP2, Pool: pool, Proxy: noProxy, Options: conn.Options{CloseTimeout: 200 * time.Millisecond}}
	url := "ws://" + ln.Addr().String() + "/"
	ep1, _, err := conn.Dial(dtCtx(t), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the GOAWAY arrive
	ep2, _, err := conn.Dial(dtCtx(t), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := accepted.Load(); got != 2 {
		t.Errorf("after GOAWAY: %d connections, want a new one (2)", got)
	}
	for i, ep := range []*conn.Endpoint{ep1, ep2} {
		ep.SetDeadline(time.Now().Add(5 * time.Second))
		ep.WriteMessage(frame.OpText, []byte("hi"))
		if _, p, err := ep.ReadMessage(nil); err != nil || string(p) != "hi" {
			t.Errorf("WebSocket %d after GOAWAY: %q, %v; want it to run on", i+1, p, err)
		}
		ep.Close(frame.CloseNormal, "")
	}
}

// TestH2ConnectionSpecificHeader: a connection-specific field in
// DialOptions.Header is refused before anything is sent (RFC 9113,
// Section 8.2.2).
func TestH2ConnectionSpecificHeader(t *testing.T) {
	s := newH2Server(t, true, nil)
	opts := s.opts(conn.HTTP2)
	opts.Header = http.Header{"Keep-Alive": {"timeout=5"}}
	_, _, err := conn.Dial(dtCtx(t), s.url("/"), opts)
	if !errors.Is(err, handshake.ErrH2ConnectionHeader) {
		t.Errorf("Dial with Keep-Alive = %v, want ErrH2ConnectionHeader", err)
	}
}

// TestH2NoGoroutineLeak: once every WebSocket is closed and the pool is
// closed, the client's goroutines are gone.
func TestH2NoGoroutineLeak(t *testing.T) {
	s := newH2Server(t, true, nil)
	before := runtime.NumGoroutine()
	pool := &conn.HTTP2Pool{}
	opts := s.opts(conn.HTTP2)
	opts.Pool = pool
	for range 3 {
		ep, _, err := conn.Dial(dtCtx(t), s.url("/"), opts)
		if err != nil {
			t.Fatal(err)
		}
		echoOnce(t, ep, "x")
	}
	ep, _, err := conn.Dial(dtCtx(t), s.url("/"), s.opts(conn.HTTP2)) // unpooled
	if err != nil {
		t.Fatal(err)
	}
	echoOnce(t, ep, "y")
	pool.Close()
	s.srv.Close()
	waitFor(t, 5*time.Second, func() bool { return runtime.NumGoroutine() <= before }, "goroutines to return to the baseline")
}

// TestH2AutoFallbackRemembered: a TLS server that selects h2 by ALPN but
// does not enable extended CONNECT gets the HTTP/1.1 Upgrade in HTTPAuto
// mode, on a second connection (RFC 8441, Section 3); with a pool, later
// Dials remember it and go straight to HTTP/1.1.
func TestH2AutoFallbackRemembered(t *testing.T) {
	var h2conns atomic.Int32
	s := newH2ServerUnstarted(t)
	s.srv.TLS = &tls.Config{NextProtos: []string{"h2", "http/1.1"}}
	s.srv.Config.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){
		// An HTTP/2 server without SETTINGS_ENABLE_CONNECT_PROTOCOL.
		"h2": func(_ *http.Server, c *tls.Conn, _ http.Handler) {
			h2conns.Add(1)
			c.SetDeadline(time.Now().Add(10 * time.Second))
			c.Write(h2.AppendSettings(nil, h2.Setting{ID: h2.SettingMaxConcurrentStreams, Val: 100}))
			io.Copy(io.Discard, c)
		},
	}
	s.srv.StartTLS()
	pool := &conn.HTTP2Pool{}
	defer pool.Close()
	for _, pooled := range []bool{false, true} {
		h2conns.Store(0)
		opts := s.opts(conn.HTTPAuto)
		if pooled {
			opts.Pool = pool
		}
		for i := range 3 {
			ep, resp, err := conn.Dial(dtCtx(t), s.url("/"), opts)
			if err != nil {
				t.Fatalf("pooled %v, Dial %d: %v", pooled, i, err)
			}
			if resp.ProtoMajor != 1 || resp.StatusCode != 101 {
				t.Errorf("pooled %v, Dial %d: %s %d, want the HTTP/1.1 fallback", pooled, i, resp.Proto, resp.StatusCode)
			}
			echoOnce(t, ep, "fallback")
		}
		want := int32(3)
		if pooled {
			want = 1
		}
		if got := h2conns.Load(); got != want {
			t.Errorf("pooled %v: %d HTTP/2 connections for 3 Dials, want %d", pooled, got, want)
		}
	}
	// HTTP2 mode is not fooled by the memory: it reports the server's lack.
	opts := s.opts(conn.HTTP2)
	opts.Pool = pool
	if _, _, err := conn.Dial(dtCtx(t), s.url("/"), opts); !errors.Is(err, conn.ErrNoExtendedConnect) {
		t.Errorf("HTTP2 mode: %v, want ErrNoExtendedConnect", err)
	}
}
