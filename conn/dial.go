package conn

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/rfc6455/ws/handshake"
)

// DialOptions configures Dial. The zero value, and nil, dial directly or
// through the proxy named by the environment, with crypto/tls defaults for
// wss://, offering no subprotocol, bounded by DefaultHandshakeTimeout.
type DialOptions struct {
	// Options configures the Endpoint. Its Rand is also the source of the
	// Sec-WebSocket-Key nonce. Leave its Subprotocol and
	// Compression.Negotiated empty: Dial sets them from the handshake, and
	// refuses options where they are set.
	Options
	// Subprotocols are offered to the server, in preference order
	// (RFC 6455, Section 1.9); Endpoint.Subprotocol reports its choice.
	Subprotocols []string
	// Header holds extra request header fields: Origin, Authorization,
	// Cookie, User-Agent... (Host replaces the Host header). The fields the
	// handshake sets itself are refused.
	Header http.Header
	// TLSConfig configures TLS for wss:// URLs (and https:// proxies). Nil
	// means crypto/tls defaults. Dial uses a copy: ServerName defaults to
	// the URL's host, and NextProtos is replaced by the ALPN protocols
	// HTTPVersion calls for: "h2" and "http/1.1" (HTTPAuto), "h2" alone
	// (HTTP2) or "http/1.1" alone (HTTP1, proxies, and the fallback).
	TLSConfig *tls.Config
	// HTTPVersion chooses between the HTTP/1.1 Upgrade (RFC 6455, Section
	// 4) and an extended CONNECT on an HTTP/2 stream (RFC 8441). The zero
	// value, HTTPAuto, tries HTTP/2 for wss:// (ALPN h2, then the server's
	// SETTINGS_ENABLE_CONNECT_PROTOCOL) and falls back to HTTP/1.1; ws://
	// uses HTTP/1.1. HTTP2 forces HTTP/2 (h2c with prior knowledge for
	// ws://) and fails with ErrNoHTTP2 or ErrNoExtendedConnect when the
	// server cannot; HTTP1 never tries it. Over HTTP/2 the response is a
	// 200 with ProtoMajor 2 and no Sec-WebSocket-Accept, and the Endpoint
	// behaves exactly as over TCP. See docs/http2.md.
	HTTPVersion HTTPVersion
	// Pool, if set, lets Dials over HTTP/2 to the same origin share one
	// connection, each WebSocket on its own stream. Nil means one HTTP/2
	// connection per WebSocket, closed with it.
	Pool *HTTP2Pool
	// TraceHTTP2, if set, is called with a one-line description of every
	// HTTP/2 frame sent (sent is true) and received, as it goes: cmd/wscat
	// -frames prints them. It is called from the connection's reader
	// goroutine and from writers, one call at a time per direction.
	TraceHTTP2 func(sent bool, frame string)
	// NetDialer dials the TCP connection. Nil means a zero net.Dialer.
	NetDialer *net.Dialer
	// Proxy returns the HTTP proxy for a request, as http.Transport.Proxy
	// does; the request it is given has an http:// URL for ws:// and an
	// https:// URL for wss://, so http.ProxyFromEnvironment picks HTTP_PROXY
	// or HTTPS_PROXY. Nil means http.ProxyFromEnvironment, which ignores
	// requests to localhost and loopback addresses. A nil URL means no
	// proxy: set Proxy to a function returning nil, nil to dial directly
	// whatever the environment says. See Dial for how proxies are used.
	Proxy func(*http.Request) (*url.URL, error)
	// HandshakeTimeout bounds the whole of Dial: TCP, proxy, TLS and the
	// opening handshake, on top of the context's own deadline. 0 means
	// DefaultHandshakeTimeout; a negative value means the context alone.
	HandshakeTimeout time.Duration
	// MaxResponseHeaderBytes bounds the head of the server's response
	// (status line and header fields, CRLFs included) and, through a proxy,
	// the head of the proxy's reply to CONNECT. 0 or a negative value means
	// handshake.MaxHeaderBytes (16 KiB), the most our server accepts in a
	// request. Each head may also hold at most handshake.MaxHeaderLines (100)
	// header fields. See Dial.
	MaxResponseHeaderBytes int
	// WrapConn, if set, is called once the opening handshake has succeeded
	// with the connection (TLS included) and returns the net.Conn the
	// Endpoint will use, for tracing or counting the frame bytes: cmd/wscat
	// -frames decodes every frame with it. Bytes the server sent behind its
	// 101 are read through the wrapper too, so it sees every frame from the
	// first.
	// Over HTTP/2 it wraps the WebSocket's stream: the bytes are the
	// WebSocket frames, without the HTTP/2 framing around them.
	WrapConn func(net.Conn) net.Conn
}

// Dial opens a WebSocket connection to a ws:// or wss:// URL (RFC 6455,
// Section 4.1) and returns the client Endpoint and the server's response.
//
// It dials TCP (through opts.NetDialer), or through an HTTP proxy with a
// CONNECT tunnel (RFC 9110, Section 9.3.6) for both ws:// and wss://,
// sending Proxy-Authorization: Basic when the proxy URL has a user; then
// runs TLS for wss://; then sends the handshake request and checks the
// response with handshake.CheckResponse. Every step is bounded by ctx and
// opts.HandshakeTimeout; when the bound expires, the error wraps the
// context's error (context.DeadlineExceeded).
//
// If the server does not complete the handshake, Dial returns a nil
// Endpoint, the response (its Body replaced by a reader over the first
// handshake.MaxErrorBody bytes the server sent, so it stays readable after
// the connection is closed) and an error wrapping a
// *handshake.ResponseError that says what was wrong: a 401, or a 200 from
// a misconfigured server or proxy, can be inspected. A proxy that refuses
// the CONNECT is reported the same way with the proxy's response. Bytes the
// server sent right behind its 101 are handed to the Endpoint, never lost.
// Once Dial has returned, ctx no longer affects the Endpoint: it uses
// deadlines. opts may be nil.
//
// RFC 6455 sets no limit on the response, but a server or proxy must not
// make the client buffer an endless header: Dial reads at most
// opts.MaxResponseHeaderBytes (16 KiB by default) of the server's response
// head and of a proxy's reply head, allows at most handshake.MaxHeaderLines
// (100) header fields in each, and fails past either limit with an error
// wrapping handshake.ErrResponseHeaderTooLarge that names the limit.
//
// RFC 6455, Section 4.1 also asks a client to have at most one connection
// to a host in the CONNECTING state at a time (a guard against scripts
// flooding a server); Dial leaves that to the application.
func Dial(ctx context.Context, rawURL string, opts *DialOptions) (*Endpoint, *http.Response, error) {
	if opts == nil {
		opts = &DialOptions{}
	}
	if err := checkOutputsUnset(&opts.Options, "DialOptions", "DialOptions.Subprotocols"); err != nil {
		return nil, nil, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := handshakeContext(ctx, opts.HandshakeTimeout)
	defer cancel()
	copts := &handshake.ClientOptions{Subprotocols: opts.Subprotocols, Header: opts.Header, Rand: opts.Rand,
		Extensions: deflateOffer(&opts.Compression)} // RFC 7692, conn/deflate.go
	req, key, err := handshake.NewRequest(ctx, rawURL, copts)
	if err != nil {
		return nil, nil, fmt.Errorf("conn: dial: %w", err)
	}
	fail := func(err error) error {
		ctxErr := ctx.Err()
		if ctxErr == nil && errors.Is(err, os.ErrDeadlineExceeded) {
			// The connection's deadline is the context's: it may fire a
			// moment before the context's timer does.
			ctxErr = context.DeadlineExceeded
		}
		if ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%w)", ctxErr, err)
		}
		return fmt.Errorf("conn: dial %s: %w", req.URL.Redacted(), err)
	}

	secure := req.URL.Scheme == "wss"
	addr := dialAddr(req.URL)
	proxyURL, err := proxyFor(req, opts.Proxy)
	if err != nil {
		return nil, nil, fail(err)
	}
	// nc is the connection the HTTP/1.1 Upgrade runs on; originTLS says
	// that TLS with the server is already done on it (a TLS connection to
	// an https:// proxy is not that).
	var nc net.Conn
	originTLS := false
	if opts.HTTPVersion == HTTP2 || opts.HTTPVersion == HTTPAuto && secure {
		// RFC 8441: an extended CONNECT on an HTTP/2 stream (h2dial.go).
		ep, resp, spare, err := dialHTTP2(ctx, rawURL, opts, copts, proxyURL, addr, opts.HTTPVersion == HTTP2)
		if !errors.Is(err, errNoH2) {
			if spare != nil {
				spare.Close()
			}
			if err != nil {
				return nil, resp, fail(err)
			}
			return ep, resp, nil
		}
		// Fall back to HTTP/1.1: on the TLS connection where the server
		// chose it by ALPN, or on a new one.
		nc = spare
		originTLS = spare != nil
	}
	if nc == nil {
		var proxyResp *http.Response
		nc, proxyResp, err = dialTunnel(ctx, opts, proxyURL, addr)
		if err != nil {
			return nil, proxyResp, fail(err)
		}
	}
	// Bound the handshake I/O by ctx: its deadline now, and an interruption
	// if it is canceled before.
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	start, resp, err := handshakeOver(ctx, nc, originTLS, req, key, copts, secure, opts)
	if !stop() && err == nil {
		err = ctx.Err() // the interruption may have hit the connection
	}
	if err != nil {
		nc.Close()
		return nil, resp, fail(err)
	}
	// The interruption can no longer run: clear the handshake deadline.
	if err := nc.SetDeadline(time.Time{}); err != nil {
		nc.Close()
		return nil, resp, fail(err)
	}
	return start(), resp, nil
}

// handshakeOver runs TLS (for wss://) and the opening handshake over nc.
// On success it returns the function that starts the Endpoint, which Dial
// calls once the context can no longer interrupt the connection.
func handshakeOver(ctx context.Context, nc net.Conn, originTLS bool, req *http.Request, key string, copts *handshake.ClientOptions, secure bool, opts *DialOptions) (start func() *Endpoint, resp *http.Response, err error) {
	c := nc
	// "If /secure/ is true, the client MUST perform a TLS handshake over the
	// connection after opening the connection and before sending the
	// handshake data" (Section 4.1)
	var tlsState *tls.ConnectionState
	if tc, ok := nc.(*tls.Conn); ok && originTLS {
		// TLS with the server is done: it chose HTTP/1.1 by ALPN when
		// offered h2 (h2dial.go). A TLS connection to an https:// proxy is
		// not this case (originTLS is false): TLS to the server runs
		// inside that tunnel below.
		st := tc.ConnectionState()
		tlsState = &st
	} else if secure {
		tc := tls.Client(nc, tlsConfigFor(opts.TLSConfig, req.URL.Hostname()))
		if err := tc.HandshakeContext(ctx); err != nil {
			// crypto/tls's errors already say "tls: ".
			return nil, nil, fmt.Errorf("TLS handshake with %s: %w", req.URL.Host, err)
		}
		st := tc.ConnectionState()
		tlsState = &st
		c = tc
	}
	// req.Write buffers the request and sends it in one write.
	if err := req.Write(c); err != nil {
		return nil, nil, err
	}
	br, resp, err := readResponse(c, req, opts.MaxResponseHeaderBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("read handshake response: %w", err)
	}
	resp.TLS = tlsState // as net/http's client sets it for https
	protocol, exts, err := handshake.CheckResponse(resp, key, copts)
	if err != nil {
		return nil, resp, err
	}
	deflateParams, err := checkDeflate(exts, &opts.Compression) // RFC 7692, conn/deflate.go
	if err != nil {
		return nil, resp, err
	}
	// RFC 6455, Section 4.1: once the 101 is read, the connection carries
	// frames. Whatever the server sent behind it is already in br.
	var buffered []byte
	if n := br.Buffered(); n > 0 {
		buffered, _ = br.Peek(n)
	}
	start = func() *Endpoint {
		if opts.WrapConn != nil {
			if len(buffered) > 0 {
				c = &prefixConn{Conn: c, r: io.MultiReader(bytes.NewReader(bytes.Clone(buffered)), c)}
				buffered = nil
			}
			c = opts.WrapConn(c)
		}
		o := opts.Options
		o.Subprotocol = protocol
		o.Compression.Negotiated = deflateParams
		return NewEndpoint(c, buffered, Client, &o)
	}
	return start, resp, nil
}

// dialAddr returns the host:port to connect to for a ws:// or wss:// URL.
func dialAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		// RFC 6455, Section 3: "The port component is OPTIONAL; the default
		// for "ws" is port 80, while the default for "wss" is port 443."
		port = "80"
		if u.Scheme == "wss" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// tlsConfigFor returns the TLS configuration for a wss:// connection to host.
func tlsConfigFor(base *tls.Config, host string) *tls.Config {
	var cfg *tls.Config
	if base != nil {
		cfg = base.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	// The opening handshake is HTTP/1.1 (RFC 6455, Section 4.1): do not let
	// ALPN pick h2 (h2dial.go offers h2 itself).
	cfg.NextProtos = []string{"http/1.1"}
	return cfg
}

// readResponse reads the response to req from r with http.ReadResponse,
// bounded: the head may take at most maxBytes bytes (0 or less means
// handshake.MaxHeaderBytes) and hold at most handshake.MaxHeaderLines
// fields. It returns the bufio.Reader it read through, whose buffered bytes
// follow the head (frames behind a 101, or the first bytes of a tunnel);
// the body, if any, reads from it without limit.
func readResponse(r io.Reader, req *http.Request, maxBytes int) (*bufio.Reader, *http.Response, error) {
	if maxBytes <= 0 {
		maxBytes = handshake.MaxHeaderBytes
	}
	hr := &headReader{r: r, n: maxBytes}
	br := bufio.NewReader(hr)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		if hr.n == 0 {
			// The head did not end within maxBytes: http.ReadResponse, which
			// has no limit of its own, got errHeadLimit from hr.
			return nil, nil, fmt.Errorf("%w: head over %d bytes (DialOptions.MaxResponseHeaderBytes)",
				handshake.ErrResponseHeaderTooLarge, maxBytes)
		}
		return nil, nil, err
	}
	fields := 0
	for _, vs := range resp.Header {
		fields += len(vs)
	}
	if fields > handshake.MaxHeaderLines {
		resp.Body.Close()
		return nil, nil, fmt.Errorf("%w: %d header fields, over %d (handshake.MaxHeaderLines)",
			handshake.ErrResponseHeaderTooLarge, fields, handshake.MaxHeaderLines)
	}
	hr.n = -1 // the head is read: the body and later bytes are not bounded here
	return br, resp, nil
}

// errHeadLimit is what a headReader returns once its bytes are spent.
var errHeadLimit = errors.New("conn: response head limit reached")

// headReader lets at most n bytes through, then fails with errHeadLimit; a
// negative n lets everything through. Under the bufio.Reader that
// http.ReadResponse parses, it bounds what an endless header line can make
// the client read and buffer (net/http's textproto would grow its line
// buffer without end), as net/http's Transport does with its
// MaxResponseHeaderBytes.
type headReader struct {
	r io.Reader
	n int
}

func (hr *headReader) Read(p []byte) (int, error) {
	if hr.n < 0 {
		return hr.r.Read(p)
	}
	if hr.n == 0 {
		return 0, errHeadLimit
	}
	if len(p) > hr.n {
		p = p[:hr.n]
	}
	n, err := hr.r.Read(p)
	hr.n -= n
	return n, err
}

// handshakeContext bounds ctx by timeout, the DialOptions.HandshakeTimeout
// rule: 0 means DefaultHandshakeTimeout, a negative value the context alone.
func handshakeContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout == 0 {
		timeout = DefaultHandshakeTimeout
	}
	if timeout < 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, timeout)
}
