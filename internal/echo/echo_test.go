package echo

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
)

func dial(t *testing.T, srv *httptest.Server) *conn.Endpoint {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ep, _, err := conn.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), &conn.DialOptions{Options: conn.Options{ReadLimit: -1}})
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

// TestHandler echoes messages of every size with their type, whole and
// streamed, and a fragmented message comes back whole.
func TestHandler(t *testing.T) {
	for _, streaming := range []bool{false, true} {
		srv := httptest.NewServer(Handler(&Options{Streaming: streaming}))
		ep := dial(t, srv)
		for _, n := range []int{0, 1, 125, 126, 65535, 65536, 1 << 20} {
			for _, op := range []frame.Opcode{frame.OpText, frame.OpBinary} {
				msg := bytes.Repeat([]byte("é"), n/2)
				w, _ := ep.NextWriter(op)
				for p := msg; len(p) > 0; p = p[min(len(p), 1000):] {
					w.Write(p[:min(len(p), 1000)])
				}
				w.Close()
				got, r, err := ep.NextReader()
				if err != nil {
					t.Fatal(err)
				}
				p, err := io.ReadAll(r)
				if err != nil || got != op || !bytes.Equal(p, msg) {
					t.Fatalf("streaming=%v: echo of %d bytes: op %v, %d bytes, %v", streaming, len(msg), got, len(p), err)
				}
			}
		}
		if err := ep.Close(frame.CloseNormal, ""); err != nil {
			t.Fatal(err)
		}
		srv.Close()
	}
}

// TestShutdown: canceling Options.Context closes connections with 1001,
// and Conns counts them down to zero.
func TestShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var logMu sync.Mutex
	var logs []string
	srv := httptest.NewServer(Handler(&Options{Context: ctx, Conns: &wg, Log: func(f string, a ...any) {
		logMu.Lock()
		logs = append(logs, f)
		logMu.Unlock()
	}}))
	defer srv.Close()
	eps := []*conn.Endpoint{dial(t, srv), dial(t, srv)}
	cancel()
	for _, ep := range eps {
		if _, _, err := ep.ReadMessage(nil); conn.CloseStatus(err) != frame.CloseGoingAway {
			t.Fatalf("read after shutdown = %v, want 1001", err)
		}
	}
	wg.Wait()
	logMu.Lock()
	defer logMu.Unlock()
	if len(logs) != 4 {
		t.Fatalf("logged %q, want open and closed for each connection", logs)
	}
}
