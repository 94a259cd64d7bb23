package demo

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// kitchen lets a test decide when each order is ready.
type kitchen struct {
	mu     sync.Mutex
	orders map[OrderKey]chan struct{}
}

func (k *kitchen) cook(o OrderKey) <-chan struct{} {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.orders == nil {
		k.orders = make(map[OrderKey]chan struct{})
	}
	if k.orders[o] == nil {
		k.orders[o] = make(chan struct{})
	}
	return k.orders[o]
}

// ready makes order o ready (placing it first if need be).
func (k *kitchen) ready(o OrderKey) {
	k.cook(o)
	k.mu.Lock()
	defer k.mu.Unlock()
	ch := k.orders[o]
	select {
	case <-ch:
	default:
		close(ch)
	}
}

// logRecorder collects the server log.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
	t     testing.TB
}

func (lr *logRecorder) logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	lr.mu.Lock()
	lr.lines = append(lr.lines, line)
	lr.mu.Unlock()
}

func (lr *logRecorder) snapshot() []string {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	return append([]string(nil), lr.lines...)
}

// waitFor waits until a log line contains s, or fails the test after 30 s
// (generous: CI machines run Chromium and the race detector side by side).
func (lr *logRecorder) waitFor(t testing.TB, s string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		lr.mu.Lock()
		for _, l := range lr.lines {
			if strings.Contains(l, s) {
				lr.mu.Unlock()
				return l
			}
		}
		lr.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	lr.mu.Lock()
	defer lr.mu.Unlock()
	t.Fatalf("no log line contains %q; log:\n%s", s, strings.Join(lr.lines, "\n"))
	return ""
}

// startServer serves a demo Server on 127.0.0.1 until the test ends.
func startServer(t *testing.T, opts *Options) (*Server, string, *logRecorder) {
	t.Helper()
	lr := &logRecorder{}
	if opts == nil {
		opts = &Options{}
	}
	if opts.Log == nil {
		opts.Log = lr.logf
	}
	s := New(opts)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.Serve(l); close(done) }()
	t.Cleanup(func() {
		s.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after Close")
		}
	})
	return s, l.Addr().String(), lr
}

// countConn counts the bytes a client sends and receives.
type countConn struct {
	net.Conn
	in, out atomic.Int64
}

func (c *countConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.in.Add(int64(n))
	return n, err
}

func (c *countConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.out.Add(int64(n))
	return n, err
}

// rawClient sends hand-written HTTP/1.1 requests on one keep-alive
// connection and counts the bytes on its side.
type rawClient struct {
	t  *testing.T
	cc *countConn
	br *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
	cc := &countConn{Conn: c}
	return &rawClient{t: t, cc: cc, br: bufio.NewReader(cc)}
}

func (rc *rawClient) get(target string) string {
	rc.t.Helper()
	fmt.Fprintf(rc.cc, "GET %s HTTP/1.1\r\nHost: demo.test\r\nUser-Agent: demo-test\r\n\r\n", target)
	resp, err := http.ReadResponse(rc.br, nil)
	if err != nil {
		rc.t.Fatalf("GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		rc.t.Fatalf("GET %s: %v", target, err)
	}
	return string(body)
}

func TestPlainHTTP(t *testing.T) {
	t.Parallel()
	_, addr, _ := startServer(t, nil)
	rc := dialRaw(t, addr)
	if got := rc.get("/connected"); got != Connected {
		t.Errorf("GET /connected = %q, want %q", got, Connected)
	}
	if got := rc.get("/"); !strings.Contains(got, "This is a client page") {
		t.Errorf("GET / = %.100q…, want the page", got)
	}
	for _, p := range []string{"/page/app.js", "/page/style.css"} {
		if got := rc.get(p); len(got) < 100 {
			t.Errorf("GET %s = %q, want the file", p, got)
		}
	}
}

// TestPolling asks three times before the food is ready and once after:
// four requests, and the server's byte counts equal the client's.
func TestPolling(t *testing.T) {
	t.Parallel()
	var k kitchen
	s, addr, _ := startServer(t, &Options{Cook: k.cook})
	rc := dialRaw(t, addr)
	rc.get("/connected") // bytes of other requests on the connection are not counted
	key := OrderKey{Tab: "t1", N: "1", Mode: ModePoll}
	in0, out0 := rc.cc.in.Load(), rc.cc.out.Load()
	for i := range 3 {
		if got := rc.get("/food/poll?tab=t1&n=1"); got != NotReady {
			t.Fatalf("poll %d = %q, want %q", i+1, got, NotReady)
		}
	}
	k.ready(key)
	if got := rc.get("/food/poll?tab=t1&n=1"); got != Ready {
		t.Fatalf("poll 4 = %q, want %q", got, Ready)
	}
	in1, out1 := rc.cc.in.Load(), rc.cc.out.Load()
	rc.get("/connected")
	st, ok := s.Order(key)
	if !ok {
		t.Fatal("order not found")
	}
	if st.Requests != 4 || !st.Done || st.BytesUp != out1-out0 || st.BytesDown != in1-in0 {
		t.Errorf("Order(%v) = %+v, want 4 requests, done, %d bytes up, %d down (the client's counts)",
			key, st, out1-out0, in1-in0)
	}
}

// TestLongPolling holds one request until the food is ready.
func TestLongPolling(t *testing.T) {
	t.Parallel()
	var k kitchen
	s, addr, _ := startServer(t, &Options{Cook: k.cook})
	rc := dialRaw(t, addr)
	key := OrderKey{Tab: "t1", N: "1", Mode: ModeLongPoll}
	got := make(chan string, 1)
	go func() { got <- rc.get("/food/longpoll?tab=t1&n=1") }()
	time.Sleep(100 * time.Millisecond)
	select {
	case g := <-got:
		t.Fatalf("long poll answered %q before the food was ready", g)
	default:
	}
	k.ready(key)
	select {
	case g := <-got:
		if g != Ready {
			t.Errorf("long poll = %q, want %q", g, Ready)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("long poll not answered after the food was ready")
	}
	up, down := rc.cc.out.Load(), rc.cc.in.Load()
	rc.get("/connected") // the server has finished with the long poll when it reads the next request
	st, _ := s.Order(key)
	if st.Requests != 1 || !st.Done || st.BytesUp != up || st.BytesDown != down {
		t.Errorf("Order(%v) = %+v, want 1 request, done, %d bytes up, %d down", key, st, up, down)
	}
}

// TestLongPollTimeout answers NotReady when the food takes longer than the
// hold time, and the client's second request gets it.
func TestLongPollTimeout(t *testing.T) {
	t.Parallel()
	var k kitchen
	s, addr, _ := startServer(t, &Options{Cook: k.cook, LongPollTimeout: 50 * time.Millisecond})
	rc := dialRaw(t, addr)
	key := OrderKey{Tab: "t2", N: "1", Mode: ModeLongPoll}
	if got := rc.get("/food/longpoll?tab=t2&n=1"); got != NotReady {
		t.Fatalf("first long poll = %q, want %q", got, NotReady)
	}
	k.ready(key)
	if got := rc.get("/food/longpoll?tab=t2&n=1"); got != Ready {
		t.Fatalf("second long poll = %q, want %q", got, Ready)
	}
	total := rc.cc.out.Load() + rc.cc.in.Load()
	rc.get("/connected")
	st, _ := s.Order(key)
	if st.Requests != 2 || !st.Done || st.BytesUp+st.BytesDown != total {
		t.Errorf("Order(%v) = %+v, want 2 requests, done, %d bytes", key, st, total)
	}
}

func TestURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ addr, listened, want string }{
		{"localhost:8000", "127.0.0.1:8000", "http://localhost:8000/"},
		{":8000", "[::]:8000", "http://localhost:8000/"},
		{"0.0.0.0:0", "0.0.0.0:41234", "http://localhost:41234/"},
		{"127.0.0.1:0", "127.0.0.1:41234", "http://127.0.0.1:41234/"},
		{"[::1]:9000", "[::1]:9000", "http://[::1]:9000/"},
	}
	for _, tt := range tests {
		l, err := net.ResolveTCPAddr("tcp", tt.listened)
		if err != nil {
			t.Fatal(err)
		}
		if got := URL(tt.addr, l); got != tt.want {
			t.Errorf("URL(%q, %v) = %q, want %q", tt.addr, l, got, tt.want)
		}
	}
}
