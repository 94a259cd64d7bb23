package conn

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rfc6455/ws/handshake"
)

// testKey is the Sec-WebSocket-Key of RFC 6455, Section 1.3.
const testKey = "dGhlIHNhbXBsZSBub25jZQ=="

// rawDial opens a TCP connection to srv and sends a valid opening
// handshake; it returns the connection and a reader positioned after the
// 101 response.
func rawDial(t testing.TB, srv *httptest.Server, extra string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, br, _ := rawDialHeader(t, srv, "", extra)
	return c, br
}

// rawDialHeader is rawDial with extra header lines ("Name: value\r\n").
func rawDialHeader(t testing.TB, srv *httptest.Server, header, extra string) (net.Conn, *bufio.Reader, *http.Response) {
	t.Helper()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET / HTTP/1.1\r\nHost: " + srv.Listener.Addr().String() + "\r\n" +
		"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + testKey + "\r\n" +
		"Sec-WebSocket-Version: 13\r\n" + header + "\r\n" + extra
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", resp.StatusCode)
	}
	if got, want := resp.Header.Get("Sec-WebSocket-Accept"), handshake.AcceptKey(testKey); got != want {
		t.Fatalf("Sec-WebSocket-Accept %q, want %q", got, want)
	}
	return c, br, resp
}

// dialEndpoint returns a client Endpoint connected to srv.
func dialEndpoint(t testing.TB, srv *httptest.Server, opts *Options) *Endpoint {
	t.Helper()
	c, br := rawDial(t, srv, "")
	c.SetDeadline(time.Time{})
	var buffered []byte
	if n := br.Buffered(); n > 0 {
		buffered, _ = br.Peek(n)
	}
	return NewEndpoint(c, buffered, Client, opts)
}

// serve starts a server whose handler runs fn on each accepted Endpoint.
func serve(t testing.TB, opts *AcceptOptions, fn func(*Endpoint)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, err := Accept(w, r, opts)
		if err != nil {
			return
		}
		fn(ep)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// echoLoop echoes whole messages until an error.
func echoLoop(ep *Endpoint) error {
	var buf []byte
	for {
		op, p, err := ep.ReadMessage(buf)
		if err != nil {
			return err
		}
		if err := ep.WriteMessage(op, p); err != nil {
			return err
		}
		buf = p
	}
}

// fixedRand is a Rand that always yields the RFC 6455 Section 5.7 key.
type fixedRand struct{}

func (fixedRand) Read(p []byte) (int, error) {
	k := []byte{0x37, 0xfa, 0x21, 0x3d}
	for i := range p {
		p[i] = k[i%4]
	}
	return len(p), nil
}

// clientFrame builds a masked client frame with the Section 5.7 key.
func clientFrame(b0 byte, payload []byte) []byte {
	key := []byte{0x37, 0xfa, 0x21, 0x3d}
	var f []byte
	f = append(f, b0)
	switch n := len(payload); {
	case n <= 125:
		f = append(f, 0x80|byte(n))
	case n <= 0xffff:
		f = append(f, 0x80|126, byte(n>>8), byte(n))
	default:
		f = append(f, 0x80|127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	f = append(f, key...)
	for i, b := range payload {
		f = append(f, b^key[i%4])
	}
	return f
}

// readServerFrame reads one unmasked server frame from br.
func readServerFrame(t testing.TB, br *bufio.Reader) (b0 byte, payload []byte) {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		t.Fatalf("reading frame header: %v", err)
	}
	if h[1]&0x80 != 0 {
		t.Fatalf("server frame masked: % x", h)
	}
	n := int(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		io.ReadFull(br, l[:])
		n = int(l[0])<<8 | int(l[1])
	case 127:
		var l [8]byte
		io.ReadFull(br, l[:])
		n = 0
		for _, b := range l {
			n = n<<8 | int(b)
		}
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(br, payload); err != nil {
		t.Fatalf("reading payload: %v", err)
	}
	return h[0], payload
}
