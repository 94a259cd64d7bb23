package conn_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	_ "github.com/rfc6455/ws/conn/xconnect" // extended CONNECT in net/http's HTTP/2 server
	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// h2Server is our own server over HTTP/2: net/http's HTTP/2 server with
// extended CONNECT (conn/xconnect) and conn.Accept echoing every message.
type h2Server struct {
	srv   *httptest.Server
	conns atomic.Int32 // TCP connections accepted
	reqs  chan *http.Request
	tls   *tls.Config
}

// newH2Server starts an echo server speaking HTTP/2 over TLS (ALPN h2 and
// http/1.1) or, if !secure, HTTP/1.1 and h2c with prior knowledge.
func newH2Server(t testing.TB, secure bool, opts *conn.AcceptOptions) *h2Server {
	t.Helper()
	s := newH2ServerUnstartedOpts(t, opts)
	if secure {
		s.srv.EnableHTTP2 = true
		s.srv.StartTLS()
	} else {
		p := new(http.Protocols)
		p.SetHTTP1(true)
		p.SetUnencryptedHTTP2(true)
		s.srv.Config.Protocols = p
		s.srv.Start()
	}
	return s
}

// newH2ServerUnstarted is the echo server of newH2Server, not started.
func newH2ServerUnstarted(t testing.TB) *h2Server { return newH2ServerUnstartedOpts(t, nil) }

func newH2ServerUnstartedOpts(t testing.TB, opts *conn.AcceptOptions) *h2Server {
	t.Helper()
	s := &h2Server{reqs: make(chan *http.Request, 100)}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case s.reqs <- r:
		default:
		}
		if r.URL.Path == "/forbidden" {
			w.Header().Set("X-Why", "test")
			http.Error(w, "go away", http.StatusForbidden)
			return
		}
		ep, err := conn.Accept(w, r, opts)
		if err != nil {
			return
		}
		defer ep.Close(frame.CloseNormal, "")
		ep.SetDeadline(time.Now().Add(15 * time.Second))
		var buf []byte
		for {
			op, p, err := ep.ReadMessage(buf)
			if err != nil {
				return
			}
			if err := ep.WriteMessage(op, p); err != nil {
				return
			}
			buf = p
		}
	})
	s.srv = httptest.NewUnstartedServer(h)
	s.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	t.Cleanup(s.srv.Close)
	return s
}

func (s *h2Server) url(path string) string { return wsURL(s.srv, path) }

// opts returns DialOptions trusting the server's certificate, with one
// *tls.Config per server (the pool keys connections by it).
func (s *h2Server) opts(v conn.HTTPVersion) *conn.DialOptions {
	o := &conn.DialOptions{HTTPVersion: v, Proxy: noProxy}
	if s.srv.TLS != nil {
		if s.tls == nil {
			s.tls = tlsConfigOf(s.srv)
		}
		o.TLSConfig = s.tls
	}
	return o
}

func TestH2DialEcho(t *testing.T) {
	for _, tc := range []struct {
		name    string
		secure  bool
		version conn.HTTPVersion
	}{
		{"wss auto picks HTTP/2 (RFC 8441, Section 3)", true, conn.HTTPAuto},
		{"wss forced HTTP/2", true, conn.HTTP2},
		{"ws forced HTTP/2 is h2c with prior knowledge (RFC 9113, Section 3.3)", false, conn.HTTP2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newH2Server(t, tc.secure, &conn.AcceptOptions{Options: conn.Options{ReadLimit: 1 << 20}, ServerOptions: handshake.ServerOptions{Subprotocols: []string{"chat"}}})
			opts := s.opts(tc.version)
			opts.Subprotocols = []string{"chat", "other"}
			opts.Header = http.Header{"X-Test": {"1"}}
			opts.ReadLimit = 1 << 20
			ep, resp, err := conn.Dial(dtCtx(t), s.url("/path?q=1"), opts)
			if err != nil {
				t.Fatalf("Dial = %v", err)
			}
			if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 {
				t.Errorf("response = %d %s, want 200 over HTTP/2 (RFC 8441, Section 5)", resp.StatusCode, resp.Proto)
			}
			if (resp.TLS != nil) != tc.secure {
				t.Errorf("resp.TLS = %v, want set for wss only", resp.TLS)
			}
			if ep.Subprotocol() != "chat" {
				t.Errorf("Subprotocol = %q, want chat", ep.Subprotocol())
			}
			r := <-s.reqs
			if r.ProtoMajor != 2 || r.Method != http.MethodConnect || r.URL.RequestURI() != "/path?q=1" {
				t.Errorf("server saw %s %s %s, want CONNECT /path?q=1 over HTTP/2", r.Proto, r.Method, r.URL.RequestURI())
			}
			if r.Header.Get("X-Test") != "1" || r.Header.Get("Sec-Websocket-Key") != "" || r.Header.Get("Upgrade") != "" {
				t.Errorf("server saw header %v: want X-Test, no Sec-WebSocket-Key, no Upgrade (RFC 8441, Section 5)", r.Header)
			}
			ep.SetDeadline(time.Now().Add(10 * time.Second))
			for _, n := range []int{0, 1, 125, 126, 16 << 10, 65535, 65536, 300_000} {
				msg := bytes.Repeat([]byte{byte(n)}, n)
				if err := ep.WriteMessage(frame.OpBinary, msg); err != nil {
					t.Fatalf("WriteMessage(%d bytes) = %v", n, err)
				}
				op, p, err := ep.ReadMessage(nil)
				if err != nil || op != frame.OpBinary || !bytes.Equal(p, msg) {
					t.Fatalf("echo of %d bytes = %v, %d bytes, %v", n, op, len(p), err)
				}
			}
			if err := ep.Close(frame.CloseNormal, "bye"); err != nil {
				t.Errorf("Close = %v, want a clean close handshake over the stream", err)
			}
		})
	}
}

func TestH2DialCompression(t *testing.T) {
	s := newH2Server(t, true, &conn.AcceptOptions{Options: conn.Options{Compression: conn.Compression{Enable: true}}})
	opts := s.opts(conn.HTTP2)
	opts.Compression.Enable = true
	ep, _, err := conn.Dial(dtCtx(t), s.url("/"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !ep.Compressed() {
		t.Fatal("permessage-deflate not negotiated over HTTP/2 (RFC 7692 applies unchanged)")
	}
	echoOnce(t, ep, strings.Repeat("compress me ", 1000))
}

func TestH2DialStreaming(t *testing.T) {
	s := newH2Server(t, true, nil)
	ep, _, err := conn.Dial(dtCtx(t), s.url("/"), s.opts(conn.HTTP2))
	if err != nil {
		t.Fatal(err)
	}
	ep.SetDeadline(time.Now().Add(10 * time.Second))
	w, err := ep.NextWriter(frame.OpText)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	for i := range 50 {
		line := fmt.Sprintf("line %d\n", i)
		want.WriteString(line)
		if _, err := w.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, p, err := ep.ReadMessage(nil)
	if err != nil || !bytes.Equal(p, want.Bytes()) {
		t.Fatalf("streamed message echo = %d bytes, %v; want %d bytes", len(p), err, want.Len())
	}
	ep.Close(frame.CloseNormal, "")
}

// TestH2DialFallback: a server without HTTP/2 gets the HTTP/1.1 Upgrade in
// auto mode, and a clear error in HTTP2 mode.
func TestH2DialFallback(t *testing.T) {
	srv, _ := dtEchoServer(t, true, nil) // httptest's TLS server offers http/1.1 only
	opts := &conn.DialOptions{TLSConfig: tlsConfigOf(srv), Proxy: noProxy}
	ep, resp, err := conn.Dial(dtCtx(t), wsURL(srv, "/"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.ProtoMajor != 1 {
		t.Errorf("auto mode against an HTTP/1.1 server: %d %s, want 101 over HTTP/1.1", resp.StatusCode, resp.Proto)
	}
	echoOnce(t, ep, "hello")

	opts.HTTPVersion = conn.HTTP2
	_, _, err = conn.Dial(dtCtx(t), wsURL(srv, "/"), opts)
	if !errors.Is(err, conn.ErrNoHTTP2) {
		t.Errorf("HTTP2 mode against an HTTP/1.1-only TLS server: err = %v, want ErrNoHTTP2", err)
	}
	// ws:// forced to h2c at an HTTP/1.1 server: the preface is not HTTP/1.1.
	plain, _ := dtEchoServer(t, false, nil)
	_, _, err = conn.Dial(dtCtx(t), wsURL(plain, "/"), &conn.DialOptions{HTTPVersion: conn.HTTP2, Proxy: noProxy})
	if err == nil {
		t.Error("h2c prior knowledge to an HTTP/1.1-only server succeeded")
	}
}

// TestH2HTTP1Mode: HTTP1 never offers h2, even to an HTTP/2 server.
func TestH2HTTP1Mode(t *testing.T) {
	s := newH2Server(t, true, nil)
	ep, resp, err := conn.Dial(dtCtx(t), s.url("/"), s.opts(conn.HTTP1))
	if err != nil {
		t.Fatal(err)
	}
	if resp.ProtoMajor != 1 || resp.StatusCode != 101 {
		t.Errorf("HTTP1 mode: %s %d, want HTTP/1.1 101", resp.Proto, resp.StatusCode)
	}
	echoOnce(t, ep, "hello")
}

// TestH2DialRefused: a status other than 200 is a *handshake.ResponseError
// with the response and its body, as over HTTP/1.1 (RFC 8441, Section 5).
func TestH2DialRefused(t *testing.T) {
	s := newH2Server(t, true, nil)
	_, resp, err := conn.Dial(dtCtx(t), s.url("/forbidden"), s.opts(conn.HTTP2))
	var re *handshake.ResponseError
	if !errors.As(err, &re) || !errors.Is(err, handshake.ErrH2Status) {
		t.Fatalf("Dial = %v, want a ResponseError wrapping ErrH2Status", err)
	}
	if resp == nil || resp.StatusCode != http.StatusForbidden || resp.ProtoMajor != 2 {
		t.Fatalf("response = %+v, want the server's 403 over HTTP/2", resp)
	}
	if !strings.Contains(string(re.Body), "go away") || resp.Header.Get("X-Why") != "test" {
		t.Errorf("body %q header %v: want the server's body and header", re.Body, resp.Header)
	}
}

// TestH2PoolSharesConnection: WebSockets dialed with one pool share one
// HTTP/2 connection, each on its own stream, and interleaved large
// messages reach only their own stream.
func TestH2PoolSharesConnection(t *testing.T) {
	s := newH2Server(t, true, &conn.AcceptOptions{Options: conn.Options{ReadLimit: 4 << 20}})
	pool := &conn.HTTP2Pool{}
	defer pool.Close()
	const n = 5
	eps := make([]*conn.Endpoint, n)
	for i := range eps {
		opts := s.opts(conn.HTTPAuto)
		opts.Pool = pool
		opts.ReadLimit = 4 << 20
		ep, resp, err := conn.Dial(dtCtx(t), s.url(fmt.Sprintf("/%d", i)), opts)
		if err != nil {
			t.Fatalf("Dial %d = %v", i, err)
		}
		if resp.ProtoMajor != 2 {
			t.Fatalf("Dial %d over %s, want HTTP/2", i, resp.Proto)
		}
		eps[i] = ep
	}
	if got := s.conns.Load(); got != 1 {
		t.Errorf("server accepted %d TCP connections for %d pooled WebSockets, want 1", got, n)
	}
	var wg sync.WaitGroup
	for i, ep := range eps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ep.SetDeadline(time.Now().Add(15 * time.Second))
			for round := range 3 {
				msg := bytes.Repeat([]byte{byte('a' + i)}, 200_000+round*1000+i)
				if err := ep.WriteMessage(frame.OpBinary, msg); err != nil {
					t.Errorf("stream %d: write: %v", i, err)
					return
				}
				_, p, err := ep.ReadMessage(nil)
				if err != nil || !bytes.Equal(p, msg) {
					t.Errorf("stream %d round %d: got %d bytes (%v), want its own %d bytes of %q", i, round, len(p), err, len(msg), 'a'+i)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, ep := range eps {
		if err := ep.Close(frame.CloseNormal, ""); err != nil {
			t.Errorf("Close = %v", err)
		}
	}
}

// TestH2SlowStreamDoesNotStallOthers: a WebSocket whose reader is stalled
// fills its own stream window only; the other streams of the connection
// keep moving (RFC 9113, Section 5.2).
func TestH2SlowStreamDoesNotStallOthers(t *testing.T) {
	s := newH2Server(t, true, &conn.AcceptOptions{Options: conn.Options{ReadLimit: 8 << 20}})
	pool := &conn.HTTP2Pool{}
	defer pool.Close()
	dial := func() *conn.Endpoint {
		opts := s.opts(conn.HTTP2)
		opts.CloseTimeout = 500 * time.Millisecond
		opts.Pool = pool
		opts.ReadLimit = 8 << 20
		ep, _, err := conn.Dial(dtCtx(t), s.url("/"), opts)
		if err != nil {
			t.Fatal(err)
		}
		return ep
	}
	slow, fast := dial(), dial()
	// The slow stream sends 6 MiB it never reads back: the server's echo
	// fills the slow stream's window and then blocks on it.
	big := make([]byte, 6<<20)
	slow.SetDeadline(time.Now().Add(15 * time.Second))
	go slow.WriteMessage(frame.OpBinary, big)
	fast.SetDeadline(time.Now().Add(10 * time.Second))
	for i := range 20 {
		msg := bytes.Repeat([]byte{byte(i)}, 50_000)
		if err := fast.WriteMessage(frame.OpBinary, msg); err != nil {
			t.Fatalf("fast stream write %d: %v", i, err)
		}
		if _, p, err := fast.ReadMessage(nil); err != nil || !bytes.Equal(p, msg) {
			t.Fatalf("fast stream echo %d: %d bytes, %v", i, len(p), err)
		}
	}
	if got := s.conns.Load(); got != 1 {
		t.Errorf("%d TCP connections, want 1 shared", got)
	}
	fast.Close(frame.CloseNormal, "")
	slow.Close(frame.CloseNormal, "")
}

// TestH2ServerCloses: a close started by the server reaches the client with
// its code, and the client's reply completes the handshake on the stream.
func TestH2ServerCloses(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, err := conn.Accept(w, r, nil)
		if err != nil {
			return
		}
		ep.Close(frame.CloseGoingAway, "shutting down")
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	ep, _, err := conn.Dial(dtCtx(t), wsURL(srv, "/"), &conn.DialOptions{TLSConfig: tlsConfigOf(srv), Proxy: noProxy, HTTPVersion: conn.HTTP2})
	if err != nil {
		t.Fatal(err)
	}
	ep.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = ep.ReadMessage(nil)
	var ce conn.CloseError
	if !errors.As(err, &ce) || ce.Code != frame.CloseGoingAway || ce.Reason != "shutting down" || ce.Err != nil {
		t.Errorf("ReadMessage = %v, want the server's clean 1001 \"shutting down\"", err)
	}
}

// TestH2DialLimits: read limits work over HTTP/2 as over TCP, both ways:
// a message over the server's limit is closed with 1009 by the server, one
// over the client's by the client (RFC 6455, Section 7.4.1).
func TestH2DialLimits(t *testing.T) {
	s := newH2Server(t, true, &conn.AcceptOptions{Options: conn.Options{ReadLimit: 1 << 10}})
	ep, _, err := conn.Dial(dtCtx(t), s.url("/"), s.opts(conn.HTTP2))
	if err != nil {
		t.Fatal(err)
	}
	ep.SetDeadline(time.Now().Add(5 * time.Second))
	ep.WriteMessage(frame.OpBinary, make([]byte, 2<<10))
	if _, _, err := ep.ReadMessage(nil); conn.CloseStatus(err) != frame.CloseMessageTooBig {
		t.Errorf("after a message over the server's limit: %v, want the server's 1009", err)
	}
	ep.Close(frame.CloseNormal, "")

	s2 := newH2Server(t, true, &conn.AcceptOptions{Options: conn.Options{ReadLimit: 1 << 20}})
	opts := s2.opts(conn.HTTP2)
	opts.ReadLimit = 1 << 10
	ep, _, err = conn.Dial(dtCtx(t), s2.url("/"), opts)
	if err != nil {
		t.Fatal(err)
	}
	ep.SetDeadline(time.Now().Add(5 * time.Second))
	ep.WriteMessage(frame.OpBinary, make([]byte, 2<<10)) // echoed: over our limit
	if _, _, err := ep.ReadMessage(nil); conn.CloseStatus(err) != frame.CloseMessageTooBig {
		t.Errorf("reading a message over the client's limit: %v, want 1009", err)
	}
	ep.Close(frame.CloseNormal, "")
}
