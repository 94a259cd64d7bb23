package conn_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
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

// endless is what the hostile peers below send: 64 MiB of header, 64 KiB at
// a time, with no line end. The chunk is made once, outside the measured
// allocations.
const endless = 64 << 20

var aChunk = []byte(strings.Repeat("a", 64<<10))

// streamEndless writes head, then up to 64 MiB of 'a' until the client
// hangs up.
func streamEndless(c net.Conn, head string) {
	c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, head); err != nil {
		return
	}
	for sent := 0; sent < endless; sent += len(aChunk) {
		if _, err := c.Write(aChunk); err != nil {
			return
		}
	}
}

// manyFields returns n header field lines "A: b".
func manyFields(n int) string { return strings.Repeat("A: b\r\n", n) }

// hostileProxy listens on 127.0.0.1 and answers each CONNECT with reply(c).
func hostileProxy(t *testing.T, reply func(c net.Conn)) func(*http.Request) (*url.URL, error) {
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
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				reply(c)
			}()
		}
	}()
	return http.ProxyURL(&url.URL{Scheme: "http", Host: ln.Addr().String()})
}

// allocated returns the bytes allocated by the whole process while f runs
// (runtime.MemStats.TotalAlloc): the client, the test's peer and anything
// else running. These tests are not parallel, so that is little besides.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A server or proxy that sends an endless or overfull response head makes
// Dial fail at once with ErrResponseHeaderTooLarge, having read and
// allocated about the limit, not what was sent. Before the bound, a 400 MiB
// header line took the client to 1.3 GiB.
func TestDialResponseHeadBounded(t *testing.T) {
	status101 := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	tests := []struct {
		name     string
		server   func(c net.Conn, r *http.Request) // nil: the proxy misbehaves
		proxy    func(c net.Conn)
		maxBytes int
		wantText string
	}{
		{"101 then an endless header line", func(c net.Conn, r *http.Request) {
			streamEndless(c, status101+"X-Endless: ")
		}, nil, 0, "head over 16384 bytes (DialOptions.MaxResponseHeaderBytes)"},
		{"an endless status line", func(c net.Conn, r *http.Request) {
			streamEndless(c, "HTTP/1.1 101 ")
		}, nil, 0, "head over 16384 bytes"},
		{"101 then 10,000 tiny header fields", func(c net.Conn, r *http.Request) {
			io.WriteString(c, accept101(r, manyFields(10_000)))
		}, nil, 0, "head over 16384 bytes"},
		{"10,000 tiny header fields under a 1 MiB byte limit", func(c net.Conn, r *http.Request) {
			io.WriteString(c, accept101(r, manyFields(10_000)))
		}, nil, 1 << 20, "10003 header fields, over 100 (handshake.MaxHeaderLines)"},
		{"proxy: 200 then an endless header line", nil, func(c net.Conn) {
			streamEndless(c, "HTTP/1.1 200 Connection established\r\nX-Endless: ")
		}, 0, "proxy: read CONNECT response: handshake: response header too large: head over 16384 bytes"},
		{"proxy: 200 then 10,000 tiny header fields", nil, func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 200 Connection established\r\n"+manyFields(10_000)+"\r\n")
		}, 0, "proxy: read CONNECT response: handshake: response header too large: head over 16384 bytes"},
		{"proxy: 407 with 10,000 header fields under a 1 MiB byte limit", nil, func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\n"+manyFields(10_000)+"Content-Length: 0\r\n\r\n")
		}, 1 << 20, "proxy: read CONNECT response: handshake: response header too large: 10001 header fields, over 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := "ws://example.invalid/"
			opts := &conn.DialOptions{Proxy: noProxy, MaxResponseHeaderBytes: tt.maxBytes}
			if tt.server != nil {
				u = dtRawServer(t, func(c net.Conn, r *http.Request) {
					tt.server(c, r)
					io.Copy(io.Discard, c)
				})
			} else {
				opts.Proxy = hostileProxy(t, func(c net.Conn) {
					tt.proxy(c)
					io.Copy(io.Discard, c)
				})
			}
			var (
				ep      *conn.Endpoint
				resp    *http.Response
				err     error
				elapsed time.Duration
			)
			alloc := allocated(func() {
				start := time.Now()
				ep, resp, err = conn.Dial(dtCtx(t), u, opts)
				elapsed = time.Since(start)
			})
			t.Logf("Dial: %v, %d bytes allocated, %v", elapsed, alloc, err)
			if ep != nil || resp != nil || !errors.Is(err, handshake.ErrResponseHeaderTooLarge) {
				t.Fatalf("Dial = %v, %v, %v; want nil, nil, ErrResponseHeaderTooLarge", ep, resp, err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Dial error %q does not say %q", err, tt.wantText)
			}
			var he *handshake.Error
			if !errors.As(err, &he) || he.Status != 0 {
				t.Errorf("Dial error %v is not a client-side *handshake.Error", err)
			}
			if elapsed > 5*time.Second {
				t.Errorf("Dial took %v to fail, want it to stop at the limit", elapsed)
			}
			// The peer sends up to 64 MiB; the client reads at most the limit
			// and parses it once or twice. 8 MiB leaves room for the rest of
			// the process (and for the 1 MiB limit cases).
			if alloc > 8<<20 {
				t.Errorf("Dial allocated %d bytes (TotalAlloc), want under 8 MiB", alloc)
			}
		})
	}
}

// Heads within the limits work, whatever comes after them: frames the
// server sent in the same write as its 101 reach the Endpoint, and the body
// of a refusal is still read once the head is.
func TestDialResponseHeadLimits(t *testing.T) {
	t.Parallel()
	// head101 returns a 101 of exactly size bytes holding nFields header
	// fields in all (Upgrade, Connection and Sec-WebSocket-Accept included).
	head101 := func(r *http.Request, size, nFields int) string {
		h := accept101(r, manyFields(nFields-4)+"X-Pad: \r\n")
		return accept101(r, manyFields(nFields-4)+"X-Pad: "+strings.Repeat("p", size-len(h))+"\r\n")
	}
	tests := []struct {
		name     string
		maxBytes int
		serve    func(c net.Conn, r *http.Request)
		wantErr  error
		wantText string
	}{
		{"a 16 KiB head, a frame in the same write", 0, func(c net.Conn, r *http.Request) {
			io.WriteString(c, head101(r, 16<<10, 4)+"\x81\x05Hello")
		}, nil, ""},
		{"a 16 KiB + 1 head", 0, func(c net.Conn, r *http.Request) {
			io.WriteString(c, head101(r, 16<<10+1, 4)+"\x81\x05Hello")
		}, handshake.ErrResponseHeaderTooLarge, "head over 16384 bytes"},
		{"a negative limit means 16 KiB", -1, func(c net.Conn, r *http.Request) {
			io.WriteString(c, head101(r, 16<<10+1, 4)+"\x81\x05Hello")
		}, handshake.ErrResponseHeaderTooLarge, "head over 16384 bytes"},
		{"a 64 KiB head under MaxResponseHeaderBytes 64 KiB", 64 << 10, func(c net.Conn, r *http.Request) {
			io.WriteString(c, head101(r, 64<<10, 4)+"\x81\x05Hello")
		}, nil, ""},
		{"a 1000-byte head over MaxResponseHeaderBytes 999", 999, func(c net.Conn, r *http.Request) {
			io.WriteString(c, head101(r, 1000, 4)+"\x81\x05Hello")
		}, handshake.ErrResponseHeaderTooLarge, "head over 999 bytes"},
		{"100 header fields", 0, func(c net.Conn, r *http.Request) {
			io.WriteString(c, head101(r, 1000, 100)+"\x81\x05Hello")
		}, nil, ""},
		{"101 header fields", 0, func(c net.Conn, r *http.Request) {
			io.WriteString(c, head101(r, 1000, 101)+"\x81\x05Hello")
		}, handshake.ErrResponseHeaderTooLarge, "101 header fields, over 100"},
		{"a 401 with a 20 KiB body after a short head", 0, func(c net.Conn, r *http.Request) {
			io.WriteString(c, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 20480\r\n\r\n"+strings.Repeat("b", 20<<10))
		}, handshake.ErrStatus, "401 Unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := dtRawServer(t, func(c net.Conn, r *http.Request) {
				tt.serve(c, r)
				c.Read(make([]byte, 64)) // the client's Close frame, or its hang-up
			})
			ep, resp, err := conn.Dial(dtCtx(t), u, &conn.DialOptions{Proxy: noProxy, MaxResponseHeaderBytes: tt.maxBytes})
			if !errors.Is(err, tt.wantErr) || (err != nil && !strings.Contains(err.Error(), tt.wantText)) {
				t.Fatalf("Dial err = %v, want %v saying %q", err, tt.wantErr, tt.wantText)
			}
			if errors.Is(err, handshake.ErrStatus) {
				if b, _ := io.ReadAll(resp.Body); len(b) != handshake.MaxErrorBody {
					t.Errorf("resp.Body holds %d bytes, want the first %d", len(b), handshake.MaxErrorBody)
				}
				return
			}
			if err != nil {
				return
			}
			defer ep.Close(frame.CloseNormal, "")
			ep.SetReadDeadline(time.Now().Add(5 * time.Second))
			op, p, err := ep.ReadMessage(nil)
			if err != nil || op != frame.OpText || string(p) != "Hello" {
				t.Errorf("first message = %v %q %v, want text Hello", op, p, err)
			}
		})
	}
}

// A proxy's reply to CONNECT with 100 header fields is within the limit,
// and the bytes it sends behind it (here the server's 101 and a frame)
// belong to the tunnel.
func TestDialProxyHeadWithinLimit(t *testing.T) {
	t.Parallel()
	const key = "AQIDBAUGBwgJCgsMDQ4PEA==" // repeatRand's
	proxy := hostileProxy(t, func(c net.Conn) {
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\n"+manyFields(100)+"\r\n"+
			"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Accept: "+handshake.AcceptKey(key)+"\r\n\r\n\x81\x02hi")
		br := bufio.NewReader(c)
		handshake.ReadRequest(br) // the client's request, now late
		br.Read(make([]byte, 64)) // its Close frame
	})
	opts := &conn.DialOptions{Options: conn.Options{Rand: &repeatRand{}}, Proxy: proxy}
	ep, _, err := conn.Dial(dtCtx(t), "ws://example.invalid/", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close(frame.CloseNormal, "")
	ep.SetReadDeadline(time.Now().Add(5 * time.Second))
	if op, p, err := ep.ReadMessage(nil); err != nil || op != frame.OpText || string(p) != "hi" {
		t.Errorf("ReadMessage = %v %q %v, want text hi", op, p, err)
	}
}

// BenchmarkDialHead measures Dial against a server whose 101 comes with
// 50 header fields, the path the head limit is on.
func BenchmarkDialHead(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				r, err := handshake.ReadRequest(br)
				if err != nil {
					return
				}
				io.WriteString(c, accept101(r, manyFields(47)))
				br.Read(make([]byte, 64)) // the client's Close frame; then close TCP
			}()
		}
	}()
	u := fmt.Sprintf("ws://%s/", ln.Addr())
	opts := &conn.DialOptions{Proxy: noProxy}
	b.ReportAllocs()
	for b.Loop() {
		ep, _, err := conn.Dial(b.Context(), u, opts)
		if err != nil {
			b.Fatal(err)
		}
		ep.Close(frame.CloseNormal, "")
	}
}

// Middleware wrappers of the ResponseWriter, as a logging or metrics
// middleware would write them.
type (
	// plainWrapper has no Unwrap: it hides net/http's Hijacker.
	plainWrapper struct{ http.ResponseWriter }
	// unwrapWrapper follows http.ResponseController's convention.
	unwrapWrapper struct{ http.ResponseWriter }
	// nilUnwrapWrapper has Unwrap, but it returns nil.
	nilUnwrapWrapper struct{ http.ResponseWriter }
)

func (w unwrapWrapper) Unwrap() http.ResponseWriter    { return w.ResponseWriter }
func (w nilUnwrapWrapper) Unwrap() http.ResponseWriter { return nil }

// Accept behind a wrapper without Unwrap answers an HTTP/1.1 request with
// 500, naming the wrapper that hides the connection and the fix; behind
// wrappers with Unwrap the upgrade works.
func TestAcceptBehindWrapper(t *testing.T) {
	t.Parallel()
	const fix = "implements neither http.Hijacker nor Unwrap() http.ResponseWriter; if it is a middleware's wrapper, give it an Unwrap() http.ResponseWriter method"
	tests := []struct {
		name     string
		wrap     func(http.ResponseWriter) http.ResponseWriter
		wantText string // "" for a working upgrade
	}{
		{"no Unwrap", func(w http.ResponseWriter) http.ResponseWriter { return plainWrapper{w} },
			"conn_test.plainWrapper " + fix},
		{"Unwrap to a wrapper without one: the inner one is named", func(w http.ResponseWriter) http.ResponseWriter {
			return unwrapWrapper{&plainWrapper{w}}
		}, "*conn_test.plainWrapper " + fix},
		{"Unwrap returning nil", func(w http.ResponseWriter) http.ResponseWriter { return nilUnwrapWrapper{w} },
			"the Unwrap method of conn_test.nilUnwrapWrapper returned nil"},
		{"Unwrap", func(w http.ResponseWriter) http.ResponseWriter { return unwrapWrapper{w} }, ""},
		{"Unwrap twice", func(w http.ResponseWriter) http.ResponseWriter { return &unwrapWrapper{unwrapWrapper{w}} }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := make(chan error, 1)
			h := func(w http.ResponseWriter, r *http.Request) {
				ep, err := conn.Accept(tt.wrap(w), r, nil)
				errs <- err
				if err != nil {
					return
				}
				defer ep.Close(frame.CloseNormal, "")
				ep.SetDeadline(time.Now().Add(5 * time.Second))
				if op, p, err := ep.ReadMessage(nil); err == nil {
					ep.WriteMessage(op, p)
				}
			}
			srv := httptestServer(t, h)
			ep, resp, err := conn.Dial(dtCtx(t), "ws://"+srv+"/", &conn.DialOptions{Proxy: noProxy})
			serverErr := <-errs
			if tt.wantText == "" {
				if err != nil || serverErr != nil {
					t.Fatalf("Dial err = %v, Accept err = %v; want an upgrade", err, serverErr)
				}
				echoOnce(t, ep, "through the wrapper")
				return
			}
			var he *handshake.Error
			if !errors.As(serverErr, &he) || he.Status != http.StatusInternalServerError || !strings.Contains(serverErr.Error(), tt.wantText) {
				t.Errorf("Accept err = %v, want a *handshake.Error with status 500 saying %q", serverErr, tt.wantText)
			}
			if err == nil || resp == nil || resp.StatusCode != http.StatusInternalServerError {
				t.Fatalf("Dial = %v, %v; want the server's 500", resp, err)
			}
			if body, _ := io.ReadAll(resp.Body); !strings.Contains(string(body), tt.wantText) {
				t.Errorf("500 body = %q, want it to say %q", body, tt.wantText)
			}
		})
	}
}

// httptestServer serves h over HTTP/1.1 on 127.0.0.1 and returns its address.
func httptestServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// A ResponseWriter that cannot hijack means a wrapper for HTTP/1.1 (500).
// Over HTTP/2 nothing is hijacked: a GET with Upgrade is refused with 405
// and the rule (RFC 8441 extended CONNECT instead; h2server_test.go).
func TestAcceptNoHijackByProtocol(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		major, minor int
		wantStatus   int
		wantText     string
	}{
		{1, 1, http.StatusInternalServerError, "*httptest.ResponseRecorder implements neither http.Hijacker nor Unwrap() http.ResponseWriter"},
		{2, 0, http.StatusMethodNotAllowed, "HTTP/2 has no Upgrade (RFC 9113, Section 8.6)"},
	} {
		r := httptestRequest()
		r.ProtoMajor, r.ProtoMinor, r.Proto = tc.major, tc.minor, fmt.Sprintf("HTTP/%d.%d", tc.major, tc.minor)
		rec := httptest.NewRecorder()
		ep, err := conn.Accept(rec, r, nil)
		var he *handshake.Error
		if ep != nil || !errors.As(err, &he) || he.Status != tc.wantStatus || !strings.Contains(err.Error(), tc.wantText) {
			t.Errorf("%s: Accept = %v, %v; want a *handshake.Error with status %d saying %q", r.Proto, ep, err, tc.wantStatus, tc.wantText)
		}
		if rec.Code != tc.wantStatus || !strings.Contains(rec.Body.String(), tc.wantText) {
			t.Errorf("%s: Accept answered %d %q, want %d saying %q", r.Proto, rec.Code, rec.Body.String(), tc.wantStatus, tc.wantText)
		}
	}
}

// httptestRequest returns the opening handshake of RFC 6455, Section 1.3.
func httptestRequest() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://server.example.com/chat", nil)
	r.Header = http.Header{
		"Upgrade":               {"websocket"},
		"Connection":            {"Upgrade"},
		"Sec-Websocket-Key":     {"dGhlIHNhbXBsZSBub25jZQ=="},
		"Sec-Websocket-Version": {"13"},
	}
	return r
}
