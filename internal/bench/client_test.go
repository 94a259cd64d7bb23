package bench

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"
)

func TestReceiverExactlyOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		seqs          []int64
		dup, missing  int64
		wantCheckFail bool
	}{
		{"in order", []int64{1, 2, 3}, 0, 0, false},
		{"duplicate", []int64{1, 2, 2, 3}, 1, 0, true},
		{"gap", []int64{1, 3}, 0, 1, true},
		{"short", []int64{1, 2}, 0, 0, true},
	}
	for _, tt := range tests {
		rc := &Receiver{Total: 3}
		for _, s := range tt.seqs {
			rc.Receive(s, 0, 1)
		}
		if rc.Duplicates != tt.dup || rc.Missing != tt.missing {
			t.Errorf("%s: duplicates %d, missing %d; want %d, %d", tt.name, rc.Duplicates, rc.Missing, tt.dup, tt.missing)
		}
		if err := rc.Check(); (err != nil) != tt.wantCheckFail {
			t.Errorf("%s: Check() = %v, want failure %v", tt.name, err, tt.wantCheckFail)
		}
	}
}

func TestBodyRoundTrip(t *testing.T) {
	t.Parallel()
	us := []Update{{1, 100, []byte("ab")}, {2, 200, nil}, {3, 300, []byte("xyz")}}
	body := appendBody(nil, us)
	if want := 3*(4+recordHeaderLen) + 5; len(body) != want {
		t.Fatalf("len(body) = %d, want %d", len(body), want)
	}
	var got []int64
	err := parseBody(body, func(seq, created int64) error {
		got = append(got, seq, created)
		return nil
	})
	if err != nil || len(got) != 6 || got[0] != 1 || got[1] != 100 || got[4] != 3 || got[5] != 300 {
		t.Errorf("parseBody = %v, %v", got, err)
	}
	if err := parseBody(body[:len(body)-1], func(int64, int64) error { return nil }); !errors.Is(err, errBadRecord) {
		t.Errorf("parseBody(truncated) = %v, want errBadRecord", err)
	}
}

// testServer starts a Server on 127.0.0.1 whose handler signals on served
// after every response, and returns its base URL.
func testServer(t *testing.T, served chan<- string) (*Server, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer()
	h := srv.Handler()
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if served != nil {
			served <- r.URL.Path
		}
	})}
	go hs.Serve(l)
	t.Cleanup(func() { srv.Close(); hs.Close() })
	return srv, "http://" + l.Addr().String()
}

// TestPollRequestCount drives a poller with a tick channel: one request at
// start and one per tick, each counted, empty ones apart.
func TestPollRequestCount(t *testing.T) {
	t.Parallel()
	served := make(chan string, 16)
	srv, base := testServer(t, served)
	hub := srv.Reset(3)
	var c Counter
	hc, tr := clientSide{counter: &c}.httpClient(true)
	defer tr.CloseIdleConnections()
	ticks := make(chan time.Time)
	rc := &Receiver{Total: 3}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Poll(ctx, hc, base, rc, ticks) }()

	tick := func() {
		select {
		case ticks <- time.Now():
		case <-ctx.Done():
			t.Fatal("poller stopped waiting for ticks")
		}
	}
	<-served // request 1: empty
	tick()
	<-served // request 2: empty
	hub.Publish([]byte("a"))
	hub.Publish([]byte("b"))
	tick()
	<-served // request 3: updates 1 and 2
	tick()
	<-served // request 4: empty
	hub.Publish([]byte("c"))
	tick() // request 5: update 3, then the poller stops
	if err := <-done; err != nil {
		t.Fatalf("Poll: %v", err)
	}
	if rc.Requests != 5 || rc.Empty != 3 {
		t.Errorf("requests %d (empty %d), want 5 (3)", rc.Requests, rc.Empty)
	}
	if err := rc.Check(); err != nil {
		t.Error(err)
	}
	if got := c.Snapshot().Conns; got != 1 {
		t.Errorf("poller opened %d connections, want 1 (keep-alive)", got)
	}
}

// TestPollAtInterval polls for a fixed time at a fixed interval with
// nothing to receive: about one request per interval, all empty.
func TestPollAtInterval(t *testing.T) {
	t.Parallel()
	srv, base := testServer(t, nil)
	srv.Reset(1)
	var c Counter
	hc, tr := clientSide{counter: &c}.httpClient(true)
	defer tr.CloseIdleConnections()
	const interval, span = 20 * time.Millisecond, 400 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), span)
	defer cancel()
	tk := time.NewTicker(interval)
	defer tk.Stop()
	rc := &Receiver{Total: 1}
	err := Poll(ctx, hc, base, rc, tk.C)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Poll = %v, want deadline exceeded", err)
	}
	want := int64(span/interval) + 1 // at once, then one per tick
	// A loaded machine delays and drops ticks (time.Ticker drops those a
	// slow receiver misses), so only the upper bound is firm; the exact
	// count is TestPollRequestCount's.
	if rc.Requests > want || rc.Requests < 2 {
		t.Errorf("%d requests in %v at %v, want at most %d (and several)", rc.Requests, span, interval, want)
	}
	t.Logf("%d requests in %v at %v (%d ticks)", rc.Requests, span, interval, want-1)
	if rc.Empty != rc.Requests {
		t.Errorf("%d of %d requests empty, want all", rc.Empty, rc.Requests)
	}
}

func TestLongPollTimeoutIsEmpty(t *testing.T) {
	t.Parallel()
	served := make(chan string, 16)
	srv, base := testServer(t, served)
	srv.LongPollTimeout = 30 * time.Millisecond
	hub := srv.Reset(1)
	var c Counter
	hc, tr := clientSide{counter: &c}.httpClient(true)
	defer tr.CloseIdleConnections()
	go func() {
		<-served // a long poll has timed out with nothing
		<-served // and another
		hub.Publish(nil)
	}()
	rc := &Receiver{Total: 1}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := LongPoll(ctx, hc, base, rc); err != nil {
		t.Fatal(err)
	}
	if rc.Requests < 3 || rc.Empty != rc.Requests-1 {
		t.Errorf("requests %d (empty %d), want >= 3 with all but the last empty", rc.Requests, rc.Empty)
	}
	if err := rc.Check(); err != nil {
		t.Error(err)
	}
}
