package conn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rfc6455/ws/handshake"
	"github.com/rfc6455/ws/internal/h2"
)

// HTTPVersion chooses the HTTP version Dial opens a WebSocket with.
type HTTPVersion int

const (
	// HTTPAuto, the zero value, uses HTTP/2 for wss:// when the server
	// selects h2 by ALPN and enables extended CONNECT (RFC 8441, Section
	// 3), and the HTTP/1.1 Upgrade otherwise; ws:// uses HTTP/1.1.
	HTTPAuto HTTPVersion = iota
	// HTTP1 uses the HTTP/1.1 Upgrade of RFC 6455, Section 4 only.
	HTTP1
	// HTTP2 uses RFC 8441 only: TLS with ALPN h2 for wss://, cleartext
	// HTTP/2 with prior knowledge (RFC 9113, Section 3.3) for ws://. Dial
	// fails with ErrNoHTTP2 or ErrNoExtendedConnect when the server cannot.
	HTTP2
)

// String returns "auto", "HTTP/1.1" or "HTTP/2".
func (v HTTPVersion) String() string {
	switch v {
	case HTTP1:
		return "HTTP/1.1"
	case HTTP2:
		return "HTTP/2"
	}
	return "auto"
}

// errNoH2 tells Dial to fall back to HTTP/1.1 (HTTPAuto mode).
var errNoH2 = errors.New("conn: no HTTP/2 with extended CONNECT")

// dialHTTP2 opens a WebSocket on an HTTP/2 stream (RFC 8441): on a pooled
// connection, or on a new one. It returns errNoH2 (with, when the TLS
// server chose HTTP/1.1 by ALPN, that connection to go on with) when the
// server cannot and force is false.
func dialHTTP2(ctx context.Context, rawURL string, opts *DialOptions, copts *handshake.ClientOptions, proxyURL *url.URL, addr string, force bool) (*Endpoint, *http.Response, net.Conn, error) {
	req, err := handshake.NewRequestH2(ctx, rawURL, copts)
	if err != nil {
		return nil, nil, nil, err
	}
	c, resp, spare, err := h2ClientFor(ctx, req, opts, proxyURL, addr, force)
	if err != nil {
		return nil, resp, spare, err
	}
	ep, resp, err := openWebSocket(ctx, c, req, copts, opts)
	return ep, resp, nil, err
}

// h2ClientFor returns an HTTP/2 connection for req with a stream slot
// reserved for it: a pooled one (opts.Pool) or a new one. On failure it
// returns the proxy's response if a proxy refused the tunnel, and, with
// errNoH2, the TLS connection on which the server chose HTTP/1.1.
func h2ClientFor(ctx context.Context, req *http.Request, opts *DialOptions, proxyURL *url.URL, addr string, force bool) (*h2Client, *http.Response, net.Conn, error) {
	secure := req.URL.Scheme == "wss"
	dial := func(ctx context.Context) (*h2Client, net.Conn, error) {
		return dialH2Conn(ctx, opts, proxyURL, addr, req.URL.Hostname(), secure, force)
	}
	var c *h2Client
	var spare net.Conn
	var err error
	if opts.Pool != nil {
		proxy := ""
		if proxyURL != nil {
			proxy = proxyURL.String()
		}
		key := fmt.Sprintf("%s|%s|%p|%s", req.URL.Scheme, addr, opts.TLSConfig, proxy)
		c, spare, err = opts.Pool.get(ctx, key, force, dial)
	} else {
		c, spare, err = dial(ctx)
		if err == nil && !c.reserve() {
			c.close()
			err = ErrHTTP2Closed
		}
	}
	if err != nil {
		var re *handshake.ResponseError
		if errors.As(err, &re) {
			return nil, re.Response, spare, err // a proxy refused the tunnel
		}
		return nil, nil, spare, err
	}
	return c, nil, nil, nil
}

// dialH2Conn connects to addr and starts HTTP/2 on the connection: TLS
// with ALPN h2 for wss:// (RFC 9113, Section 3.2), prior knowledge for
// ws:// (Section 3.3). It waits for the server's SETTINGS and returns the
// connection if they enable extended CONNECT.
func dialH2Conn(ctx context.Context, opts *DialOptions, proxyURL *url.URL, addr, host string, secure, force bool) (c *h2Client, spare net.Conn, err error) {
	nc, _, err := dialTunnel(ctx, opts, proxyURL, addr)
	if err != nil {
		return nil, nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	defer func() {
		if !stop() && err == nil {
			err = ctx.Err() // the interruption may have hit the connection
		}
		if err != nil && !errors.Is(err, errNoH2) {
			if c != nil {
				c.fail(err)
			}
			nc.Close()
			return
		}
		// The connection outlives Dial: no handshake deadline on it.
		nc.SetDeadline(time.Time{})
	}()
	var tlsState *tls.ConnectionState
	if secure {
		cfg := tlsConfigFor(opts.TLSConfig, host)
		cfg.NextProtos = []string{"h2", "http/1.1"}
		if force {
			cfg.NextProtos = []string{"h2"}
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			// no_application_protocol (RFC 7301, Section 3.2): the server
			// refused h2, the only protocol HTTP2 mode offers.
			// crypto/tls reports a peer's alert as an unexported type, so
			// its text is all there is to go by.
			if force && strings.Contains(err.Error(), "no application protocol") {
				err = fmt.Errorf("%w: %w", ErrNoHTTP2, err)
			}
			return nil, nil, fmt.Errorf("TLS handshake with %s: %w", addr, err)
		}
		st := tc.ConnectionState()
		tlsState = &st
		nc = tc
		if st.NegotiatedProtocol != "h2" {
			if force {
				return nil, nil, ErrNoHTTP2
			}
			return nil, tc, errNoH2 // HTTP/1.1 on this connection
		}
	}
	c, err = newH2Client(nc, opts.MaxResponseHeaderBytes, opts.TraceHTTP2)
	if err != nil {
		return nil, nil, err
	}
	c.tlsState = tlsState
	xconnect, err := c.waitSettings(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !xconnect {
		c.close()
		c = nil
		if force {
			return nil, nil, ErrNoExtendedConnect
		}
		// HTTP/2 without extended CONNECT: a new connection with HTTP/1.1.
		return nil, nil, errNoH2
	}
	return c, nil, nil
}

// openWebSocket sends the extended CONNECT on a new stream of c, checks
// the response and starts the Endpoint on the stream (RFC 8441, Section 5).
func openWebSocket(ctx context.Context, c *h2Client, req *http.Request, copts *handshake.ClientOptions, opts *DialOptions) (*Endpoint, *http.Response, error) {
	st, err := c.openStream(ctx, h2RequestFields(req))
	if err != nil {
		return nil, nil, err
	}
	// Bound the wait for the response, and the read of an error body, by ctx.
	if dl, ok := ctx.Deadline(); ok {
		st.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { st.SetDeadline(time.Unix(1, 0)) })
	ep, resp, err := func() (*Endpoint, *http.Response, error) {
		resp, err := st.awaitResponse(ctx)
		if err != nil {
			return nil, nil, err
		}
		resp.Request = req
		resp.TLS = c.tlsState // as net/http's client sets it for https
		if resp.StatusCode != http.StatusOK {
			resp.Body = h2ClientBody{st}
		} else {
			resp.Body = http.NoBody
		}
		protocol, exts, err := handshake.CheckResponseH2(resp, copts)
		if err != nil {
			return nil, resp, err
		}
		deflateParams, err := checkDeflate(exts, &opts.Compression) // RFC 7692 applies unchanged
		if err != nil {
			return nil, resp, err
		}
		if !stop() {
			return nil, resp, ctx.Err()
		}
		st.SetDeadline(time.Time{})
		var nc net.Conn = st
		if opts.WrapConn != nil {
			nc = opts.WrapConn(nc)
		}
		o := opts.Options
		o.Subprotocol = protocol
		o.Compression.Negotiated = deflateParams
		return NewEndpoint(nc, nil, Client, &o), resp, nil
	}()
	if err != nil {
		stop()
		st.Close() // RST_STREAM CANCEL unless the server ended the stream
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%w)", ctxErr, err)
		}
	}
	return ep, resp, err
}

// h2ClientBody is the body of a failed extended CONNECT's response: the stream's
// data, until END_STREAM.
type h2ClientBody struct{ st *h2ClientStream }

func (b h2ClientBody) Read(p []byte) (int, error) { return b.st.Read(p) }
func (b h2ClientBody) Close() error               { return nil }

// h2RequestFields returns the header fields of the extended CONNECT for
// req, built by handshake.NewRequestH2 (RFC 8441, Section 4): the
// pseudo-header fields first (RFC 9113, Section 8.3), then the regular
// fields with lower-case names (Section 8.2.1), in a stable order.
func h2RequestFields(req *http.Request) []h2.HeaderField {
	// "The scheme of the target URI MUST be "https" for "wss"-schemed
	// WebSockets and "http" for "ws"-schemed WebSockets." (RFC 8441, Section 5)
	scheme := "http"
	if req.URL.Scheme == "wss" {
		scheme = "https"
	}
	fields := []h2.HeaderField{
		{Name: ":method", Value: http.MethodConnect},
		{Name: ":protocol", Value: "websocket"},
		{Name: ":scheme", Value: scheme},
		{Name: ":path", Value: req.URL.RequestURI()},
		{Name: ":authority", Value: req.Host},
	}
	keys := make([]string, 0, len(req.Header))
	for k := range req.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		name := strings.ToLower(k)
		// Credentials are sent never-indexed (RFC 7541, Section 7.1.3).
		sensitive := name == "authorization" || name == "cookie" || name == "proxy-authorization"
		for _, v := range req.Header[k] {
			fields = append(fields, h2.HeaderField{Name: name, Value: v, Sensitive: sensitive})
		}
	}
	return fields
}
