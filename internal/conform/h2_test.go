package conform_test

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
	"github.com/rfc6455/ws/internal/conform"
)

// TestHTTP2StreamEndGrades: over HTTP/2 the stream's end stands for TCP's
// (RFC 8441, Section 5). A server that ends the stream after the close
// handshake (END_STREAM) closes cleanly; one that resets it (RST_STREAM)
// drops the connection, and a case that requires a clean close fails.
func TestHTTP2StreamEndGrades(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		reset bool
		want  conform.Grade
	}{
		{"END_STREAM is an orderly close", false, conform.OK},
		{"RST_STREAM is a dropped connection", true, conform.Failed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				nc, err := conn.AcceptHTTP2Stream(w, r, nil)
				if err != nil {
					return
				}
				ep := conn.NewEndpoint(nc, nil, conn.Server, nil)
				ep.SetDeadline(time.Now().Add(10 * time.Second))
				for {
					op, p, err := ep.ReadMessage(nil)
					if err != nil {
						break
					}
					ep.WriteMessage(op, p)
				}
				<-ep.Done()
				if tc.reset {
					panic(http.ErrAbortHandler) // net/http resets the stream
				}
			}))
			srv.Config.Protocols = new(http.Protocols)
			srv.Config.Protocols.SetUnencryptedHTTP2(true)
			srv.Start()
			defer srv.Close()
			o := runOptions("h2")
			o.HTTP2 = true
			r := conform.RunServerCase(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), conform.Lookup("1.1.1"), o)
			if r.Grade != tc.want || tc.reset && r.BehaviorClose != conform.Unclean {
				t.Errorf("1.1.1: grade %s (close %s: %s), want %s", r.Grade, r.BehaviorClose, r.Reason, tc.want)
			}
		})
	}
}

// TestServeBothKeepsHTTP1: with -http2 the fuzzing server's port speaks
// HTTP/2 with prior knowledge and still its own HTTP/1.1 (101), and
// refuses over HTTP/2 as over HTTP/1.1 (404 for an unknown path).
func TestServeBothKeepsHTTP1(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fs := &conform.FuzzingServer{Cases: conform.All()[:3]}
	hs := conform.NewHTTP2Server(fs, nil)
	defer hs.Close()
	go fs.ServeBoth(l, hs)
	base := "ws://" + l.Addr().String()

	// HTTP/1.1: the fuzzer's own handshake, as Serve.
	req, _, err := handshake.NewRequest(context.Background(), base+"/getCaseCount", nil)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	var b bytes.Buffer
	req.Write(&b)
	nc.Write(b.Bytes())
	resp, err := http.ReadResponse(bufio.NewReader(nc), req)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("HTTP/1.1 /getCaseCount: %v, %v; want 101", resp, err)
	}

	// HTTP/2: the case count as a text message, and a refusal.
	dial := &conn.DialOptions{HTTPVersion: conn.HTTP2}
	ep, resp, err := conn.Dial(context.Background(), base+"/getCaseCount", dial)
	if err != nil || resp.ProtoMajor != 2 {
		t.Fatalf("HTTP/2 /getCaseCount: %v, %v", resp, err)
	}
	defer ep.Close(frame.CloseNormal, "")
	if _, p, err := ep.ReadMessage(nil); err != nil || string(p) != "3" {
		t.Errorf("HTTP/2 case count = %q, %v; want 3", p, err)
	}
	_, resp, err = conn.Dial(context.Background(), base+"/nothing", dial)
	if err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("HTTP/2 /nothing: %v, %v; want 404", resp, err)
	}
}

// TestCLIHTTP2Usage: -tls belongs to client mode with -http2, and server
// mode over HTTP/2 takes ws:// and wss:// only.
func TestCLIHTTP2Usage(t *testing.T) {
	var out, errb bytes.Buffer
	for _, args := range [][]string{
		{"server", "-http2", "http://127.0.0.1:1/"},
		{"server", "-tls", "127.0.0.1:0", "ws://127.0.0.1:1/"},
		{"client", "-tls", "127.0.0.1:0"},
		{"server", "wss://127.0.0.1:1/"}, // wss:// needs -http2
	} {
		if st := conform.CLI(args, &out, &errb); st != 2 {
			t.Errorf("CLI(%q) = %d, want 2", args, st)
		}
	}
}
