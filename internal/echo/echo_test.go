package echo

import (
	"bytes"
	"context"
	"errors"
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

// TestSubprotocol: the echo selects a subprotocol the client offered
// (RFC 6455, Section 4.2.2) as Options.Subprotocol says, and the Endpoint
// reports it.
func TestSubprotocol(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		flag    string   // -subprotocols of cmd/wsecho
		offered []string // the client's offer, in its order of preference
		want    string
	}{
		{"any: the client's first offer", "*", []string{"chat", "superchat"}, "chat"},
		{"any, nothing offered: none", "*", nil, ""},
		{"a list: the only one accepted", "superchat", []string{"chat", "superchat"}, "superchat"},
		{"a list: the client's order, not the list's", "superchat,chat", []string{"chat", "superchat"}, "chat"},
		{"a list, none of it offered: none", "v2", []string{"chat", "superchat"}, ""},
		{"none", "none", []string{"chat"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			choose, err := ParseSubprotocols(tt.flag)
			if err != nil {
				t.Fatal(err)
			}
			// AcceptOptions.Subprotocols is replaced by the choice.
			opts := &Options{Subprotocol: choose}
			opts.Subprotocols = []string{"v2"}
			srv := httptest.NewServer(Handler(opts))
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			ep, resp, err := conn.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), &conn.DialOptions{Subprotocols: tt.offered})
			if err != nil {
				t.Fatal(err)
			}
			defer ep.Close(frame.CloseNormal, "")
			if got := ep.Subprotocol(); got != tt.want {
				t.Errorf("-subprotocols %q, offer %q: selected %q (header %q), want %q",
					tt.flag, tt.offered, got, resp.Header.Get("Sec-WebSocket-Protocol"), tt.want)
			}
			ep.WriteMessage(frame.OpText, []byte("hi"))
			if op, p, err := ep.ReadMessage(nil); err != nil || op != frame.OpText || string(p) != "hi" {
				t.Errorf("echo = %v %q %v, want text hi", op, p, err)
			}
		})
	}
}

func TestParseSubprotocols(t *testing.T) {
	t.Parallel()
	offer := []string{"b", "a", "c"}
	for _, tt := range []struct{ in, want string }{
		{"*", "b"}, {" * ", "b"}, {"none", ""}, {"a", "a"}, {"a, c", "a"}, {"c,a", "a"}, {"x", ""},
	} {
		choose, err := ParseSubprotocols(tt.in)
		if err != nil {
			t.Errorf("ParseSubprotocols(%q) = %v", tt.in, err)
			continue
		}
		if got := choose(offer); got != tt.want {
			t.Errorf("ParseSubprotocols(%q)(%q) = %q, want %q", tt.in, offer, got, tt.want)
		}
	}
	for _, in := range []string{"", ",", "a,", "a b", "a,*", "none,a", "chat;v=2"} {
		if _, err := ParseSubprotocols(in); !errors.Is(err, ErrSubprotocolList) {
			t.Errorf("ParseSubprotocols(%q) err = %v, want ErrSubprotocolList", in, err)
		}
	}
}
