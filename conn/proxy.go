package conn

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/rfc6455/ws/handshake"
)

// ErrProxyRefused is wrapped, inside a *handshake.ResponseError holding the
// proxy's response, when an HTTP proxy answers a CONNECT with a status
// other than 2xx (a 407 asks for credentials).
var ErrProxyRefused = errors.New("conn: proxy refused the CONNECT tunnel")

// proxyFor returns the proxy to use for the handshake request req, or nil.
// The proxy function sees an http:// or https:// URL, as it would from
// http.Transport, so that http.ProxyFromEnvironment applies HTTP_PROXY to
// ws:// and HTTPS_PROXY to wss://, and NO_PROXY to both.
func proxyFor(req *http.Request, proxy func(*http.Request) (*url.URL, error)) (*url.URL, error) {
	if proxy == nil {
		proxy = http.ProxyFromEnvironment
	}
	u := *req.URL
	u.Scheme = "http"
	if req.URL.Scheme == "wss" {
		u.Scheme = "https"
	}
	preq := req.Clone(req.Context())
	preq.URL = &u
	p, err := proxy(preq)
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	if p != nil && p.Scheme != "http" && p.Scheme != "https" {
		return nil, fmt.Errorf("proxy: scheme %q not supported (http and https only)", p.Scheme)
	}
	return p, nil
}

// dialTunnel connects to addr, directly or, when proxy is not nil, through
// a CONNECT tunnel. On a refused CONNECT it returns the proxy's response.
func dialTunnel(ctx context.Context, opts *DialOptions, proxy *url.URL, addr string) (net.Conn, *http.Response, error) {
	d := opts.NetDialer
	if d == nil {
		d = &net.Dialer{}
	}
	if proxy == nil {
		nc, err := d.DialContext(ctx, "tcp", addr)
		return nc, nil, err
	}
	port := proxy.Port()
	if port == "" {
		port = "80"
		if proxy.Scheme == "https" {
			port = "443"
		}
	}
	nc, err := d.DialContext(ctx, "tcp", net.JoinHostPort(proxy.Hostname(), port))
	if err != nil {
		return nil, nil, fmt.Errorf("proxy: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	c, resp, err := connect(ctx, nc, opts, proxy, addr)
	if !stop() && err == nil {
		err = ctx.Err()
	}
	if err != nil {
		nc.Close()
		return nil, resp, err
	}
	return c, nil, nil
}

// connect asks the proxy on nc for a tunnel to addr
// (RFC 9110, Section 9.3.6) and returns the tunnel. RFC 6455, Section 4.1:
// "the client SHOULD connect to that proxy and ask it to open a TCP
// connection to the host given by /host/ and the port given by /port/",
// with a CONNECT request as its example, for ws:// and wss:// alike.
func connect(ctx context.Context, nc net.Conn, opts *DialOptions, proxy *url.URL, addr string) (net.Conn, *http.Response, error) {
	c := nc
	if proxy.Scheme == "https" {
		tc := tls.Client(nc, tlsConfigFor(opts.TLSConfig, proxy.Hostname()))
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, nil, fmt.Errorf("proxy: tls: %w", err)
		}
		c = tc
	}
	// "CONNECT server.example.com:80 HTTP/1.1 / Host: server.example.com"
	// (RFC 9110, Section 9.3.6): the request target is the authority.
	var b strings.Builder
	b.WriteString("CONNECT " + addr + " HTTP/1.1\r\nHost: " + addr + "\r\n")
	if u := proxy.User; u != nil {
		pass, _ := u.Password()
		cred := base64.StdEncoding.EncodeToString([]byte(u.Username() + ":" + pass))
		b.WriteString("Proxy-Authorization: Basic " + cred + "\r\n")
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(c, b.String()); err != nil {
		return nil, nil, fmt.Errorf("proxy: %w", err)
	}
	creq := &http.Request{Method: http.MethodConnect, URL: &url.URL{Opaque: addr}, Host: addr}
	br, resp, err := readResponse(c, creq, opts.MaxResponseHeaderBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("proxy: read CONNECT response: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		re := &handshake.ResponseError{Err: ErrProxyRefused, Response: resp}
		re.Body, _ = io.ReadAll(io.LimitReader(resp.Body, handshake.MaxErrorBody))
		resp.Body.Close()
		resp.Body = io.NopCloser(strings.NewReader(string(re.Body)))
		return nil, resp, re
	}
	// A 2xx answer to CONNECT has no body; the tunnel starts right after
	// it. Bytes the proxy already passed on are in br.
	if br.Buffered() > 0 {
		return &prefixConn{Conn: c, r: io.MultiReader(io.LimitReader(br, int64(br.Buffered())), c)}, nil, nil
	}
	return c, nil, nil
}

// prefixConn is a net.Conn whose first reads come from bytes already read.
type prefixConn struct {
	net.Conn
	r io.Reader
}

func (c *prefixConn) Read(p []byte) (int, error) { return c.r.Read(p) }
