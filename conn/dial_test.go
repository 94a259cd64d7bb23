package conn_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// noProxy dials directly whatever the environment says.
func noProxy(*http.Request) (*url.URL, error) { return nil, nil }

// dtEchoServer starts a server (TLS if secure) that accepts with opts and
// echoes messages; it records the last handshake request.
func dtEchoServer(t *testing.T, secure bool, opts *conn.AcceptOptions) (*httptest.Server, chan *http.Request) {
	t.Helper()
	reqs := make(chan *http.Request, 10)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case reqs <- r:
		default:
		}
		ep, err := conn.Accept(w, r, opts)
		if err != nil {
			return
		}
		defer ep.Close(frame.CloseNormal, "")
		ep.SetDeadline(time.Now().Add(10 * time.Second))
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
	var srv *httptest.Server
	if secure {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv, reqs
}

func wsURL(srv *httptest.Server, path string) string {
	if srv.TLS != nil {
		return "wss://" + srv.Listener.Addr().String() + path
	}
	return "ws://" + srv.Listener.Addr().String() + path
}

func tlsConfigOf(srv *httptest.Server) *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return &tls.Config{RootCAs: pool}
}

func dtCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// echoOnce sends a text message and checks it comes back, then closes.
func echoOnce(t *testing.T, ep *conn.Endpoint, msg string) {
	t.Helper()
	ep.SetDeadline(time.Now().Add(5 * time.Second))
	if err := ep.WriteMessage(frame.OpText, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	op, p, err := ep.ReadMessage(nil)
	if err != nil || op != frame.OpText || string(p) != msg {
		t.Fatalf("ReadMessage = %v %q %v, want text %q", op, p, err, msg)
	}
	if err := ep.Close(frame.CloseNormal, ""); err != nil {
		t.Errorf("Close = %v", err)
	}
}

func TestDialEcho(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		name := map[bool]string{false: "ws", true: "wss"}[secure]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, reqs := dtEchoServer(t, secure, &conn.AcceptOptions{ServerOptions: handshake.ServerOptions{Subprotocols: []string{"v2", "v1"}}})
			opts := &conn.DialOptions{
				Subprotocols: []string{"v1", "v2"},
				Header:       http.Header{"Authorization": {"Bearer t0k3n"}, "Origin": {"http://" + srv.Listener.Addr().String()}},
				Proxy:        noProxy,
			}
			if secure {
				opts.TLSConfig = tlsConfigOf(srv)
			}
			ep, resp, err := conn.Dial(dtCtx(t), wsURL(srv, "/chat?x=1"), opts)
			if err != nil {
				t.Fatal(err)
			}
			if secure != (resp.TLS != nil) {
				t.Errorf("resp.TLS = %v for %s (set for wss://, as net/http does for https)", resp.TLS, name)
			}
			if secure && (!resp.TLS.HandshakeComplete || len(resp.TLS.PeerCertificates) == 0) {
				t.Errorf("resp.TLS does not describe the handshake: %+v", resp.TLS)
			}
			if resp.StatusCode != http.StatusSwitchingProtocols || ep.Subprotocol() != "v2" {
				t.Errorf("Dial: status %d, subprotocol %q; want 101, v2 (the server's preference)", resp.StatusCode, ep.Subprotocol())
			}
			r := <-reqs
			if r.Header.Get("Authorization") != "Bearer t0k3n" || r.URL.RequestURI() != "/chat?x=1" || r.Host != srv.Listener.Addr().String() {
				t.Errorf("server saw %s Host %q Authorization %q", r.URL.RequestURI(), r.Host, r.Header.Get("Authorization"))
			}
			echoOnce(t, ep, "hello")
		})
	}
}

// The TLS config is used: without the test CA, wss fails with a TLS error.
func TestDialTLSUnknownAuthority(t *testing.T) {
	t.Parallel()
	srv, _ := dtEchoServer(t, true, nil)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // "tls: bad certificate" is the point
	_, _, err := conn.Dial(dtCtx(t), wsURL(srv, "/"), &conn.DialOptions{Proxy: noProxy})
	var uerr x509.UnknownAuthorityError
	if !errors.As(err, &uerr) {
		t.Errorf("Dial without the CA: err = %v, want x509.UnknownAuthorityError", err)
	}
	if msg := err.Error(); strings.Contains(msg, "tls: tls:") || !strings.Contains(msg, "TLS handshake with") {
		t.Errorf("error text %q: want one prefix naming the TLS handshake", msg)
	}
}

// dtRawServer runs fn on every TCP connection, after reading the request.
func dtRawServer(t *testing.T, fn func(c net.Conn, r *http.Request)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				r, err := handshake.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				fn(c, r)
			}()
		}
	}()
	return "ws://" + ln.Addr().String() + "/"
}

func accept101(r *http.Request, extra string) string {
	return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + handshake.AcceptKey(r.Header.Get("Sec-WebSocket-Key")) + "\r\n" + extra + "\r\n"
}

// Bytes the server sends in the same write as its 101 are the first frames.
func TestDialKeepsBytesAfter101(t *testing.T) {
	t.Parallel()
	u := dtRawServer(t, func(c net.Conn, r *http.Request) {
		// 101 and an unmasked text frame "Hello" (RFC 6455, Section 5.7) in one write.
		io.WriteString(c, accept101(r, "")+"\x81\x05Hello")
		c.Read(make([]byte, 64)) // the client's Close frame; then close TCP (Section 7.1.1)
	})
	ep, _, err := conn.Dial(dtCtx(t), u, &conn.DialOptions{Proxy: noProxy})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close(frame.CloseNormal, "")
	ep.SetReadDeadline(time.Now().Add(5 * time.Second))
	op, p, err := ep.ReadMessage(nil)
	if err != nil || op != frame.OpText || string(p) != "Hello" {
		t.Errorf("first message = %v %q %v, want text Hello", op, p, err)
	}
}

func TestDialFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		serve      func(c net.Conn, r *http.Request)
		opts       *conn.DialOptions
		wantErr    error
		wantStatus int
		wantBody   string
	}{
		{"401 with its body kept", func(c net.Conn, r *http.Request) {
			io.WriteString(c, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 14\r\n\r\nlogin required")
		}, nil, handshake.ErrStatus, 401, "login required"},
		{"200 from a misconfigured server", func(c net.Conn, r *http.Request) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<h1>It works!</h1>")
			c.Close() // the body ends at EOF
		}, nil, handshake.ErrStatus, 200, "<h1>It works!</h1>"},
		{"bad accept key (4.1)", func(c net.Conn, r *http.Request) {
			r.Header.Set("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA==")
			io.WriteString(c, accept101(r, ""))
		}, nil, handshake.ErrAccept, 101, ""},
		{"unoffered subprotocol (4.1)", func(c net.Conn, r *http.Request) {
			io.WriteString(c, accept101(r, "Sec-WebSocket-Protocol: v3\r\n"))
		}, &conn.DialOptions{Subprotocols: []string{"v1"}}, handshake.ErrUnofferedProtocol, 101, ""},
		{"unoffered extension (4.1)", func(c net.Conn, r *http.Request) {
			io.WriteString(c, accept101(r, "Sec-WebSocket-Extensions: permessage-deflate\r\n"))
		}, nil, handshake.ErrUnofferedExtension, 101, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := dtRawServer(t, func(c net.Conn, r *http.Request) {
				tt.serve(c, r)
				io.Copy(io.Discard, c)
			})
			opts := tt.opts
			if opts == nil {
				opts = &conn.DialOptions{}
			}
			opts.Proxy = noProxy
			ep, resp, err := conn.Dial(dtCtx(t), u, opts)
			if ep != nil || !errors.Is(err, tt.wantErr) {
				t.Fatalf("Dial = %v, %v; want nil, %v", ep, err, tt.wantErr)
			}
			var re *handshake.ResponseError
			if !errors.As(err, &re) || resp == nil || re.Response != resp || resp.StatusCode != tt.wantStatus {
				t.Fatalf("Dial err = %v, resp = %v; want a ResponseError with the %d response", err, resp, tt.wantStatus)
			}
			if string(re.Body) != tt.wantBody {
				t.Errorf("ResponseError.Body = %q, want %q", re.Body, tt.wantBody)
			}
			if b, _ := io.ReadAll(resp.Body); string(b) != tt.wantBody {
				t.Errorf("resp.Body = %q, want %q", b, tt.wantBody)
			}
		})
	}
}

func TestDialBadURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"http://127.0.0.1/", "ws://", "ws://127.0.0.1/#x", "127.0.0.1:80"} {
		ep, resp, err := conn.Dial(dtCtx(t), u, nil)
		var he *handshake.Error
		if ep != nil || resp != nil || !errors.As(err, &he) {
			t.Errorf("Dial(%q) = %v, %v, %v; want a *handshake.Error", u, ep, resp, err)
		}
	}
	_, _, err := conn.Dial(dtCtx(t), "ws://127.0.0.1/", &conn.DialOptions{Header: http.Header{"Sec-WebSocket-Key": {"x"}}})
	if !errors.Is(err, handshake.ErrReservedHeader) {
		t.Errorf("Dial with a reserved header: err = %v", err)
	}
}

// A server that accepts TCP and never answers: the context bounds Dial, and
// HandshakeTimeout bounds it without a context deadline.
func TestDialDeadline(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	u := "ws://" + ln.Addr().String() + "/"
	for _, tt := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		opts *conn.DialOptions
	}{
		{"context deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 200*time.Millisecond)
		}, &conn.DialOptions{Proxy: noProxy}},
		{"HandshakeTimeout", func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}, &conn.DialOptions{Proxy: noProxy, HandshakeTimeout: 200 * time.Millisecond}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			start := time.Now()
			ep, _, err := conn.Dial(ctx, u, tt.opts)
			if ep != nil || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Dial = %v, %v; want context.DeadlineExceeded", ep, err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("Dial took %v, want about 200ms", d)
			}
		})
	}
	// Canceling the context interrupts a Dial in progress.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if _, _, err := conn.Dial(ctx, u, &conn.DialOptions{Proxy: noProxy}); !errors.Is(err, context.Canceled) {
		t.Errorf("Dial with a canceled context: err = %v, want context.Canceled", err)
	}
}

// The proxy function sees an http:// URL for ws:// and https:// for wss://,
// so http.ProxyFromEnvironment picks HTTP_PROXY or HTTPS_PROXY; its error
// stops Dial.
func TestDialProxyFuncSeesHTTPScheme(t *testing.T) {
	t.Parallel()
	boom := errors.New("no proxy for you")
	for in, want := range map[string]string{"ws://127.0.0.1:1/a?b": "http://127.0.0.1:1/a?b", "wss://example.invalid/": "https://example.invalid/"} {
		var got string
		_, _, err := conn.Dial(dtCtx(t), in, &conn.DialOptions{Proxy: func(r *http.Request) (*url.URL, error) {
			got = r.URL.String()
			return nil, boom
		}})
		if got != want || !errors.Is(err, boom) {
			t.Errorf("Dial(%q): proxy saw %q, err %v; want %q, %v", in, got, err, want, boom)
		}
	}
	_, _, err := conn.Dial(dtCtx(t), "ws://127.0.0.1:1/", &conn.DialOptions{Proxy: func(*http.Request) (*url.URL, error) {
		return url.Parse("socks5://127.0.0.1:1080")
	}})
	if err == nil || !strings.Contains(err.Error(), "socks5") {
		t.Errorf("Dial through a socks5 proxy: err = %v, want unsupported", err)
	}
}

// countConn counts the bytes read through it.
type countConn struct {
	net.Conn
	n int
}

func (c *countConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n += n
	return n, err
}

// WrapConn sees every frame byte, including those that came with the 101.
func TestDialWrapConn(t *testing.T) {
	t.Parallel()
	u := dtRawServer(t, func(c net.Conn, r *http.Request) {
		io.WriteString(c, accept101(r, "")+"\x81\x05Hello")
		c.Read(make([]byte, 64))
	})
	var cc *countConn
	opts := &conn.DialOptions{Proxy: noProxy, WrapConn: func(c net.Conn) net.Conn {
		cc = &countConn{Conn: c}
		return cc
	}}
	ep, _, err := conn.Dial(dtCtx(t), u, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close(frame.CloseNormal, "")
	ep.SetReadDeadline(time.Now().Add(5 * time.Second))
	op, p, err := ep.ReadMessage(nil)
	if err != nil || op != frame.OpText || string(p) != "Hello" {
		t.Fatalf("first message = %v %q %v, want text Hello", op, p, err)
	}
	if cc == nil || cc.n < 7 {
		t.Errorf("the wrapper read %v bytes, want the 7 of the frame", cc)
	}
}

// Dial leaves no goroutine behind, whether it succeeds or fails.
func TestDialNoGoroutineLeak(t *testing.T) {
	// Not parallel: it counts goroutines.
	before := runtime.NumGoroutine()
	func() {
		ok, _ := dtEchoServer(t, false, nil)
		defer ok.Close()
		refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "no", http.StatusForbidden)
		}))
		defer refuse.Close()
		silent, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer silent.Close()
		go func() {
			for {
				c, err := silent.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		for range 5 {
			ep, _, err := conn.Dial(dtCtx(t), wsURL(ok, "/"), &conn.DialOptions{Proxy: noProxy})
			if err != nil {
				t.Fatal(err)
			}
			echoOnce(t, ep, "x")
			if _, _, err := conn.Dial(dtCtx(t), wsURL(refuse, "/"), &conn.DialOptions{Proxy: noProxy}); err == nil {
				t.Fatal("Dial to a 403: err = nil")
			}
			if _, _, err := conn.Dial(dtCtx(t), "ws://"+silent.Addr().String()+"/", &conn.DialOptions{Proxy: noProxy, HandshakeTimeout: 50 * time.Millisecond}); err == nil {
				t.Fatal("Dial to a silent server: err = nil")
			}
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+1 {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
