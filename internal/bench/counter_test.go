package bench

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// countedPair returns a client connection and the server's end of it,
// counted by client and server counters respectively.
func countedPair(t *testing.T, client, server *Counter) (net.Conn, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cl := server.Listener(l)
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := cl.Accept()
		if err != nil {
			c = nil
		}
		accepted <- c
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cc, err := client.DialContext(nil)(ctx, "tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sc := <-accepted
	if sc == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { cc.Close(); sc.Close() })
	return cc, sc
}

func TestCounterKnownExchange(t *testing.T) {
	t.Parallel()
	var client, server Counter
	cc, sc := countedPair(t, &client, &server)
	if _, err := cc.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(sc, buf); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Write([]byte("world!")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(cc, make([]byte, 6)); err != nil {
		t.Fatal(err)
	}
	if got, want := client.Snapshot(), (CounterSnapshot{Read: 6, Written: 5, Conns: 1, Writes: 1}); got != want {
		t.Errorf("client counter = %+v, want %+v", got, want)
	}
	if got, want := server.Snapshot(), (CounterSnapshot{Read: 5, Written: 6, Conns: 1, Writes: 1}); got != want {
		t.Errorf("server counter = %+v, want %+v", got, want)
	}
	if got := client.Snapshot().Bytes(); got != 11 {
		t.Errorf("client Bytes() = %d, want 11", got)
	}
}

// TestCounterEmptyPoll sends one known polling request through net/http and
// checks the count against the bytes of the request and of a 204 response
// (status line, the fixed-width Date header, blank line: RFC 9112, Section 4).
func TestCounterEmptyPoll(t *testing.T) {
	t.Parallel()
	var client, server Counter
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer()
	hs := srv.Serve(server.Listener(l))
	defer hs.Close()
	cc, err := client.DialContext(nil)(context.Background(), "tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	req := "GET " + PathPoll + "?since=0 HTTP/1.1\r\nHost: x\r\n\r\n"
	if _, err := io.WriteString(cc, req); err != nil {
		t.Fatal(err)
	}
	cc.SetDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(cc), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status = %s, want 204", resp.Status)
	}
	// "HTTP/1.1 204 No Content\r\n" + "Date: Mon, 02 Jan 2006 15:04:05 GMT\r\n" + "\r\n"
	wantResp := int64(len("HTTP/1.1 204 No Content\r\n") + len("Date: ") + len(http.TimeFormat) + 2 + 2)
	got := client.Snapshot()
	if got.Written != int64(len(req)) || got.Read != wantResp {
		t.Errorf("client counted %d written, %d read; want %d, %d", got.Written, got.Read, len(req), wantResp)
	}
	// The server's count of the same connection agrees.
	deadline := time.Now().Add(5 * time.Second)
	for server.Snapshot().Written != wantResp && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if s := server.Snapshot(); s.Read != got.Written || s.Written != got.Read {
		t.Errorf("server counted %d read, %d written; client %d written, %d read", s.Read, s.Written, got.Written, got.Read)
	}
}
