package conform

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/handshake"
	"github.com/rfc6455/ws/internal/h2"
)

// The cases over HTTP/2 (RFC 8441). A WebSocket over HTTP/2 is one stream
// of an HTTP/2 connection, opened by an extended CONNECT; its DATA frames
// carry the WebSocket's bytes exactly as TCP does over HTTP/1.1 (RFC 8441,
// Section 5). So the fuzzer runs the same Session on the stream, through
// conn.DialHTTP2Stream (the fuzzer as client) and conn.AcceptHTTP2Stream
// (the fuzzer as server), which hand over the raw stream with no Endpoint
// on it: frames are still built and parsed by the fuzzer itself.
//
// What "the TCP connection" means is the stream: "The HTTP/2 stream
// closure is also analogous to the TCP connection closure of [RFC6455]"
// (RFC 8441, Section 5). So:
//
//   - the peer closing TCP is the peer ending the stream with END_STREAM:
//     a read returns io.EOF, as a TCP FIN gives;
//   - the peer dropping TCP abruptly is RST_STREAM (or the HTTP/2
//     connection ending): a read fails with another error, which makes
//     the close unclean, as a TCP reset does;
//   - the fuzzing client dropping TCP is closing its stream (Session
//     closes its net.Conn): END_STREAM if the server has ended its side,
//     else RST_STREAM CANCEL;
//   - the fuzzing server closing TCP after the closing handshake (RFC
//     6455, Section 7.1.1) is its handler returning: net/http ends the
//     stream with END_STREAM;
//   - the fuzzing client, once the closing handshake is done, ends its
//     side of the stream (END_STREAM, Session.endStream) and waits for
//     the server to end the stream: an HTTP/2 server cannot half-close,
//     and one that waits for the client's end before its own (as a TCP
//     server drains after a half-close) would otherwise wait for us.
//
// Each case runs on an HTTP/2 connection of its own (no pool): a case that
// fails the connection, or a server that resets it, cannot disturb the
// next case, and a case's report names one connection, as over HTTP/1.1.

// runServerCaseH2 is RunServerCase over an extended CONNECT stream.
func runServerCaseH2(ctx context.Context, rawURL string, c *Case, opts *Options) *Result {
	start := time.Now()
	r := newResult(c, "server", opts.Agent)
	r.HTTP = "HTTP/2"
	hdr := http.Header{}
	copts := &handshake.ClientOptions{Extensions: c.Offer}
	if len(c.Offer) > 0 {
		hdr.Set("Sec-WebSocket-Extensions", handshake.FormatExtensions(c.Offer))
	}
	dopts := &conn.DialOptions{
		TLSConfig:        opts.TLSConfig,
		HandshakeTimeout: opts.handshakeTimeout(),
		Proxy:            func(*http.Request) (*url.URL, error) { return nil, nil },
	}
	nc, resp, err := conn.DialHTTP2Stream(ctx, rawURL, hdr, dopts)
	if resp != nil {
		r.Request = formatH2Request(resp.Request)
		r.Response = formatH2Response(resp.StatusCode, resp.Header)
	}
	if err != nil {
		return failHandshake(r, start, err)
	}
	_, exts, err := handshake.CheckResponseH2(resp, copts)
	if err != nil {
		nc.Close()
		return failHandshake(r, start, err)
	}
	r.Extensions = handshake.FormatExtensions(exts)
	s := newSession(c, opts, nc, bufio.NewReaderSize(nc, 64<<10), true, exts)
	s.start, s.http2 = start, true
	s.run(ctx, r)
	return r
}

// ServeHTTP serves the Autobahn URL protocol over HTTP/2: each extended
// CONNECT (RFC 8441) is one connection of ServeConn, on its stream. Other
// requests get 400 (this handler does not hijack HTTP/1.1 connections:
// ServeConn serves those, and Serve sends each connection to the right
// one). The net/http server needs extended CONNECT enabled (import
// conn/xconnect in the main package).
func (fs *FuzzingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !handshake.IsHTTP2(r) {
		http.Error(w, "wsconform: this handler serves HTTP/2 extended CONNECT only", http.StatusBadRequest)
		return
	}
	// The handler stays until the session has ended: its return ends the
	// stream (END_STREAM), the fuzzing server's TCP close. The request's
	// context is not the session's: net/http cancels it as the stream
	// ends, which the session observes through its reads, as over TCP.
	fs.serve(context.Background(), r, time.Now(), &h2Handshake{w: w, r: r})
}

// h2Handshake is the 200 answer of RFC 8441, Section 5 to an extended
// CONNECT, through net/http.
type h2Handshake struct {
	w http.ResponseWriter
	r *http.Request
}

func (h *h2Handshake) refuse(err error) { handshake.ServeErrorFor(h.w, h.r, err) }

func (h *h2Handshake) accept(hdr http.Header) (net.Conn, *bufio.Reader, string, error) {
	nc, err := conn.AcceptHTTP2Stream(h.w, h.r, hdr)
	if err != nil {
		return nil, nil, "", err
	}
	return nc, bufio.NewReaderSize(nc, 64<<10), formatH2Response(http.StatusOK, hdr), nil
}

func (h *h2Handshake) requestHead(req *http.Request) string { return formatH2Request(req) }

// formatH2Request renders an extended CONNECT's header block for reports:
// the pseudo-header fields first, then the regular fields in lower case,
// sorted (RFC 9113, Sections 8.2.1 and 8.3), one "name: value" per line.
// The request is conn's own (the fuzzer as client) or as net/http parsed
// it (the fuzzer as server: net/http keeps :protocol among the fields and
// does not tell the scheme).
func formatH2Request(req *http.Request) string {
	if req == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(":method: " + req.Method + "\r\n")
	protocol := req.Header.Get(":protocol")
	if protocol == "" {
		protocol = "websocket"
	}
	b.WriteString(":protocol: " + protocol + "\r\n")
	switch {
	case req.URL == nil:
	case req.URL.Scheme == "ws":
		b.WriteString(":scheme: http\r\n")
	case req.URL.Scheme == "wss":
		b.WriteString(":scheme: https\r\n")
	case req.TLS != nil:
		b.WriteString(":scheme: https\r\n")
	default:
		b.WriteString(":scheme: http\r\n")
	}
	if req.URL != nil {
		b.WriteString(":path: " + req.URL.RequestURI() + "\r\n")
	}
	b.WriteString(":authority: " + req.Host + "\r\n")
	writeH2Fields(&b, req.Header)
	return b.String()
}

// formatH2Response renders a response's header block for reports.
func formatH2Response(status int, h http.Header) string {
	var b strings.Builder
	fmt.Fprintf(&b, ":status: %d\r\n", status)
	writeH2Fields(&b, h)
	return b.String()
}

func writeH2Fields(b *strings.Builder, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		if !strings.HasPrefix(k, ":") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			b.WriteString(strings.ToLower(k) + ": " + v + "\r\n")
		}
	}
	b.WriteString("\r\n")
}

// ServeBoth accepts connections on l until it fails (e.g. l is closed):
// each one that opens with the HTTP/2 preface is served by srv (an
// http.Server with unencrypted HTTP/2 on, whose handler leads to
// ServeHTTP), every other one by ServeConn, the fuzzer's own HTTP/1.1, as
// Serve does. Callers close l and srv to stop it.
func (fs *FuzzingServer) ServeBoth(l net.Listener, srv *http.Server) error {
	h2l := &chanListener{addr: l.Addr(), conns: make(chan net.Conn), done: make(chan struct{})}
	defer h2l.Close()
	go srv.Serve(h2l)
	for {
		nc, err := l.Accept()
		if err != nil {
			return err
		}
		go func() {
			timeout := fs.options().handshakeTimeout()
			nc.SetReadDeadline(time.Now().Add(timeout))
			// The client connection preface (RFC 9113, Section 3.4) tells
			// a cleartext HTTP/2 client with prior knowledge from an
			// HTTP/1.1 one. Byte by byte, so a short HTTP/1.1 request is
			// not held waiting for 24 bytes: the first byte that differs
			// decides.
			br := bufio.NewReaderSize(nc, len(h2.ClientPreface))
			isH2 := true
			for n := 1; n <= len(h2.ClientPreface) && isH2; n++ {
				p, err := br.Peek(n)
				isH2 = err == nil && p[n-1] == h2.ClientPreface[n-1]
			}
			nc.SetReadDeadline(time.Time{})
			pc := &peekedConn{Conn: nc, r: br}
			if !isH2 {
				fs.ServeConn(context.Background(), pc)
				return
			}
			select {
			case h2l.conns <- pc:
			case <-h2l.done:
				nc.Close()
			}
		}()
	}
}

// peekedConn is a net.Conn whose first bytes were peeked into r.
type peekedConn struct {
	net.Conn
	r io.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// chanListener is a net.Listener fed through a channel.
type chanListener struct {
	addr  net.Addr
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }

// NewHTTP2Server returns the http.Server for ServeBoth: cleartext HTTP/2
// with prior knowledge and, with tlsConfig, HTTP/2 over TLS (ALPN h2
// only), fs as its handler. RFC 8441 needs extended CONNECT enabled in
// net/http: the program imports conn/xconnect.
func NewHTTP2Server(fs *FuzzingServer, tlsConfig *tls.Config) *http.Server {
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	p.SetHTTP2(true)
	srv := &http.Server{Handler: fs, Protocols: p, ReadHeaderTimeout: fs.options().handshakeTimeout()}
	if tlsConfig != nil {
		c := tlsConfig.Clone()
		c.NextProtos = []string{"h2"}
		srv.TLSConfig = c
	}
	return srv
}

// errNoXConnect is the error of -http2 when net/http's HTTP/2 server will
// not take extended CONNECT.
var errNoXConnect = errors.New("net/http's HTTP/2 server has extended CONNECT off (RFC 8441): import github.com/rfc6455/ws/conn/xconnect or run with GODEBUG=http2xconnect=1")

// xconnectEnabled reports whether GODEBUG turns extended CONNECT on in
// net/http's HTTP/2 server (conn/xconnect sets it before net/http reads it).
func xconnectEnabled() bool {
	for _, kv := range strings.Split(os.Getenv("GODEBUG"), ",") {
		if strings.TrimSpace(kv) == "http2xconnect=1" {
			return true
		}
	}
	return false
}
