package load

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
)

// serveEcho starts a conn.RawServer echo on 127.0.0.1 and returns its target.
func serveEcho(t *testing.T) Target {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts := &conn.AcceptOptions{}
	opts.ReadLimit = 1 << 20
	go conn.Serve(ln, echoMessages, opts)
	t.Cleanup(func() { ln.Close() })
	return Target{Name: "echo", URL: "ws://" + ln.Addr().String() + "/"}
}

// Each shape of the generator runs briefly against a real echo and against
// the raw-copy reference, and reports plausible figures: every handshake
// checked (101 and Sec-WebSocket-Accept), every echoed message counted at
// its full length.
func TestShapesSmoke(t *testing.T) {
	echo := serveEcho(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go RawCopy(ln)
	raw := Target{Name: "raw", URL: "ws://" + ln.Addr().String() + "/"}
	ctx := context.Background()
	for _, tg := range []Target{echo, raw} {
		hs, err := Handshakes(ctx, tg, 2, 200*time.Millisecond)
		if err != nil || hs <= 0 {
			t.Errorf("%s: Handshakes = %.0f/s, %v; want > 0", tg.Name, hs, err)
		}
		for _, size := range []int{16, 70000} {
			r, err := Echo(ctx, tg, size, 2, 300*time.Millisecond)
			if err != nil || r.Msgs == 0 || r.Bytes != r.Msgs*int64(size) {
				t.Errorf("%s: Echo(%d) = %+v, %v; want messages echoed whole", tg.Name, size, r, err)
			}
		}
	}
	// Idle with this process as the "server": RSS is read, connections stay open.
	echo.PID = selfPID()
	res, cs, err := Idle(ctx, echo, 50, 10*time.Millisecond)
	defer CloseAll(cs)
	if err != nil || len(cs) != 50 || res.RSSAfter <= 0 {
		t.Fatalf("Idle = %+v, %d connections, %v", res, len(cs), err)
	}
}

// A server that refuses the upgrade is an error, not a handshake counted.
func TestHandshakeRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
			c.Close()
		}
	}()
	_, err = Handshakes(context.Background(), Target{Name: "no", URL: "ws://" + ln.Addr().String() + "/"}, 1, 100*time.Millisecond)
	if err == nil {
		t.Fatal("Handshakes against a 400 server: no error")
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}}
	for _, tt := range tests {
		if got := Median(tt.in); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func selfPID() int { return os.Getpid() }

// A server that accepts the connection and never answers the handshake
// fails dialWS after handshakeTimeout instead of holding it forever.
func TestDialWSSilentServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(io.Discard, c) // reads the request, answers nothing
	}()
	defer func(d time.Duration) { handshakeTimeout = d }(handshakeTimeout)
	handshakeTimeout = 100 * time.Millisecond
	done := make(chan error, 1)
	go func() {
		_, err := dialWS(context.Background(), &net.Dialer{}, ln.Addr().String(), request(ln.Addr().String(), "/"), bufio.NewReader(nil))
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("dialWS succeeded against a server that never answered")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("dialWS still waiting 10 s after its 100 ms handshake timeout")
	}
}
