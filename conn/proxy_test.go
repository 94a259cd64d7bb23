package conn_test

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/handshake"
)

// dtProxy is a tiny HTTP CONNECT proxy on 127.0.0.1 for tests. If auth is
// not empty it requires "Proxy-Authorization: Basic <auth>" and answers 407
// otherwise. It records the CONNECT targets it was asked for.
type dtProxy struct {
	ln      net.Listener
	auth    string
	mu      sync.Mutex
	targets []string
}

func startProxy(t *testing.T, user, pass string) *dtProxy {
	return startProxyTLS(t, user, pass, nil)
}

// startProxyTLS starts a proxy that speaks TLS with cfg (an https:// proxy)
// if cfg is not nil.
func startProxyTLS(t *testing.T, user, pass string, cfg *tls.Config) *dtProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	p := &dtProxy{ln: ln}
	if user != "" {
		p.auth = base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *dtProxy) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	if req.Method != http.MethodConnect {
		io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
		return
	}
	p.mu.Lock()
	p.targets = append(p.targets, req.RequestURI)
	p.mu.Unlock()
	if p.auth != "" && req.Header.Get("Proxy-Authorization") != "Basic "+p.auth {
		io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 11\r\n\r\nwho are you")
		return
	}
	up, err := net.Dial("tcp", req.RequestURI)
	if err != nil {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	defer up.Close()
	io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{})
	go func() {
		io.Copy(up, br) // includes anything the client sent behind its CONNECT
		up.(*net.TCPConn).CloseWrite()
		close(done)
	}()
	io.Copy(c, up)
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	<-done
}

func (p *dtProxy) url(user, pass string) *url.URL {
	u := &url.URL{Scheme: "http", Host: p.ln.Addr().String()}
	if user != "" {
		u.User = url.UserPassword(user, pass)
	}
	return u
}

func (p *dtProxy) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.targets...)
}

// Both ws:// and wss:// go through the CONNECT tunnel, with Basic
// credentials taken from the proxy URL.
func TestDialThroughProxy(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		name := map[bool]string{false: "ws", true: "wss"}[secure]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, _ := dtEchoServer(t, secure, nil)
			proxy := startProxy(t, "alice", "s3cr:t")
			opts := &conn.DialOptions{Proxy: http.ProxyURL(proxy.url("alice", "s3cr:t"))}
			if secure {
				opts.TLSConfig = tlsConfigOf(srv)
			}
			ep, _, err := conn.Dial(dtCtx(t), wsURL(srv, "/"), opts)
			if err != nil {
				t.Fatal(err)
			}
			echoOnce(t, ep, "through the tunnel")
			if got := proxy.seen(); len(got) != 1 || got[0] != srv.Listener.Addr().String() {
				t.Errorf("proxy saw CONNECT %q, want [%s]", got, srv.Listener.Addr())
			}
		})
	}
}

// wss:// through an https:// proxy: TLS to the proxy, then TLS to the
// server inside the tunnel, whichever HTTP version the Dial asks for (the
// tunnel is a TLS connection to the proxy, never the server's TLS).
func TestDialThroughHTTPSProxy(t *testing.T) {
	t.Parallel()
	for _, v := range []conn.HTTPVersion{conn.HTTPAuto, conn.HTTP1} {
		t.Run(v.String(), func(t *testing.T) {
			t.Parallel()
			srv, _ := dtEchoServer(t, true, nil)
			proxy := startProxyTLS(t, "", "", srv.TLS) // the test certificate is valid for 127.0.0.1
			u := proxy.url("", "")
			u.Scheme = "https"
			ep, resp, err := conn.Dial(dtCtx(t), wsURL(srv, "/"), &conn.DialOptions{Proxy: http.ProxyURL(u),
				TLSConfig: tlsConfigOf(srv), HTTPVersion: v})
			if err != nil {
				t.Fatal(err)
			}
			if resp.TLS == nil {
				t.Error("resp.TLS is nil after a wss:// Dial")
			}
			echoOnce(t, ep, "tls in tls")
			if got := proxy.seen(); len(got) != 1 {
				t.Errorf("proxy saw CONNECT %q, want one", got)
			}
		})
	}
}

// A proxy that refuses the CONNECT: the 407 and its body are kept.
func TestDialProxyRefused(t *testing.T) {
	t.Parallel()
	srv, _ := dtEchoServer(t, false, nil)
	proxy := startProxy(t, "alice", "right")
	ep, resp, err := conn.Dial(dtCtx(t), wsURL(srv, "/"), &conn.DialOptions{Proxy: http.ProxyURL(proxy.url("alice", "wrong"))})
	var re *handshake.ResponseError
	if ep != nil || !errors.Is(err, conn.ErrProxyRefused) || !errors.As(err, &re) {
		t.Fatalf("Dial = %v, %v; want ErrProxyRefused in a ResponseError", ep, err)
	}
	if resp == nil || resp.StatusCode != http.StatusProxyAuthRequired || string(re.Body) != "who are you" {
		t.Errorf("Dial response = %v, body %q; want 407 \"who are you\"", resp, re.Body)
	}
	// Without credentials at all, the same.
	_, _, err = conn.Dial(dtCtx(t), wsURL(srv, "/"), &conn.DialOptions{Proxy: http.ProxyURL(proxy.url("", ""))})
	if !errors.Is(err, conn.ErrProxyRefused) {
		t.Errorf("Dial without proxy credentials: err = %v, want ErrProxyRefused", err)
	}
}

// A proxy that is not there: the error says so.
func TestDialProxyUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, _, err = conn.Dial(dtCtx(t), "ws://127.0.0.1:1/", &conn.DialOptions{Proxy: http.ProxyURL(&url.URL{Scheme: "http", Host: addr})})
	var oe *net.OpError
	if !errors.As(err, &oe) {
		t.Errorf("Dial through a closed proxy port: err = %v, want a *net.OpError", err)
	}
}

// repeatRand yields 0x01..0x10 again and again: a pinned Sec-WebSocket-Key
// (AQIDBAUGBwgJCgsMDQ4PEA==) and masking keys.
type repeatRand struct{ i byte }

func (r *repeatRand) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.i%16 + 1
		r.i++
	}
	return len(p), nil
}

// Bytes a proxy sends right behind its 200 belong to the tunnel: here the
// server's whole 101 and a first frame arrive with the 200, before the
// client has even sent its request, and nothing is lost.
func TestDialProxyBytesAfter200(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	const key = "AQIDBAUGBwgJCgsMDQ4PEA=="
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"+
			"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Accept: "+handshake.AcceptKey(key)+"\r\n\r\n\x81\x02hi")
		handshake.ReadRequest(br) // the client's request, now late
		br.Read(make([]byte, 64)) // its close frame
	}()
	opts := &conn.DialOptions{Options: conn.Options{Rand: &repeatRand{}}, Proxy: http.ProxyURL(&url.URL{Scheme: "http", Host: ln.Addr().String()})}
	ep, _, err := conn.Dial(dtCtx(t), "ws://example.invalid/", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close(1000, "")
	op, p, err := ep.ReadMessage(nil)
	if err != nil || op != 1 || string(p) != "hi" {
		t.Errorf("ReadMessage = %v %q %v, want text hi", op, p, err)
	}
}
