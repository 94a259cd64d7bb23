package wscat

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// syncBuffer is a bytes.Buffer safe to read while Run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server starts a test server whose handler runs fn on each accepted Endpoint.
func server(t *testing.T, opts *conn.AcceptOptions, fn func(ep *conn.Endpoint)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, err := conn.Accept(w, r, opts)
		if err != nil {
			return
		}
		ep.SetDeadline(time.Now().Add(10 * time.Second))
		fn(ep)
	}))
	t.Cleanup(srv.Close)
	return "ws://" + srv.Listener.Addr().String() + "/"
}

func echo(ep *conn.Endpoint) {
	var buf []byte
	for {
		op, p, err := ep.ReadMessage(buf)
		if err != nil {
			return
		}
		if ep.WriteMessage(op, p) != nil {
			return
		}
		buf = p
	}
}

// run runs wscat with args and stdin, bounded in time.
func run(t *testing.T, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runFor(t, 15*time.Second, stdin, args...)
}

// runFor runs wscat with args and stdin, interrupted after d.
func runFor(t *testing.T, d time.Duration, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var errb syncBuffer
	cfg, err := ParseArgs(args, &errb)
	if err != nil {
		t.Fatalf("ParseArgs(%q) = %v", args, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var outb syncBuffer
	code = Run(ctx, cfg, stdin, &outb, &errb)
	return code, outb.String(), errb.String()
}

func TestEcho(t *testing.T) {
	t.Parallel()
	u := server(t, nil, echo)
	code, out, errs := run(t, strings.NewReader("hello\nwörld\r\n\nlast line without newline"), u)
	if code != ExitOK || out != "hello\nwörld\n\nlast line without newline\n" {
		t.Errorf("wscat = %d, stdout %q; want 0 and the lines echoed\nstderr: %s", code, out, errs)
	}
	if !strings.Contains(errs, "closed: "+frame.CloseNormal.String()) {
		t.Errorf("stderr %q does not report the normal closure", errs)
	}
}

func TestFrames(t *testing.T) {
	t.Parallel()
	u := server(t, nil, echo)
	code, out, errs := run(t, strings.NewReader("hello\n"), "-frames", u)
	if code != ExitOK || out != "hello\n" {
		t.Fatalf("wscat -frames = %d, stdout %q\nstderr: %s", code, out, errs)
	}
	for _, want := range []string{
		"> FIN=1 RSV=000 opcode=0x1 (text) MASK=1 key=", // our masked frame (5.3)
		` len=5 "hello"`, // unmasked for display
		`< FIN=1 RSV=000 opcode=0x1 (text) MASK=0 len=5 "hello"`, // the server's, unmasked (5.1)
		"> FIN=1 RSV=000 opcode=0x8 (close) MASK=1 key=",
		"len=2 code=" + frame.CloseNormal.String(),
		"< FIN=1 RSV=000 opcode=0x8 (close) MASK=0 len=2 code=" + frame.CloseNormal.String(),
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("-frames output lacks %q:\n%s", want, errs)
		}
	}
}

func TestBinarySubprotocolHeader(t *testing.T) {
	t.Parallel()
	var gotToken string
	opts := &conn.AcceptOptions{ServerOptions: handshake.ServerOptions{
		Subprotocols: []string{"chat"},
		ResponseHeader: func(r *http.Request, h http.Header) error {
			gotToken = r.Header.Get("X-Token")
			return nil
		},
	}}
	u := server(t, opts, echo)
	code, out, errs := run(t, strings.NewReader("hi\n"), "-binary", "-s", "v9", "-s", "chat", "-H", "X-Token: abc", u)
	if code != ExitOK || out != "6869\n" {
		t.Errorf("wscat -binary = %d, stdout %q; want 0, 6869\nstderr: %s", code, out, errs)
	}
	if !strings.Contains(errs, "subprotocol chat") || gotToken != "abc" {
		t.Errorf("stderr %q, server saw X-Token %q; want subprotocol chat and abc", errs, gotToken)
	}
}

func TestHandshakeRefused(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="chat"`)
		http.Error(w, "login required", http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	code, _, errs := run(t, strings.NewReader(""), "ws://"+srv.Listener.Addr().String()+"/")
	if code != ExitFailed {
		t.Errorf("wscat to a 401 = %d, want %d", code, ExitFailed)
	}
	for _, want := range []string{"401 Unauthorized", `Bearer realm="chat"`, "body: login required"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}

func TestServerCloses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fn       func(ep *conn.Endpoint)
		wantCode int
		wantErr  string
	}{
		{"1000 is a normal end", func(ep *conn.Endpoint) { ep.Close(frame.CloseNormal, "bye") }, ExitOK, "bye"},
		{"1001 is a normal end", func(ep *conn.Endpoint) { ep.Close(frame.CloseGoingAway, "restart") }, ExitOK, "restart"},
		{"1011 is abnormal", func(ep *conn.Endpoint) { ep.Close(frame.CloseInternalError, "oops") }, ExitAbnormal, "oops"},
		{"dropped TCP is 1006", dropTCP, ExitAbnormal, frame.CloseAbnormal.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := server(t, nil, tt.fn)
			stdin, w := io.Pipe() // input stays open: the server ends the session
			defer w.Close()
			code, _, errs := run(t, stdin, u)
			if code != tt.wantCode || !strings.Contains(errs, tt.wantErr) {
				t.Errorf("wscat = %d, stderr %q; want %d and %q", code, errs, tt.wantCode, tt.wantErr)
			}
		})
	}
}

// dropTCP closes the TCP connection under ep without a close handshake: the
// Close frame cannot be written past the deadline, so TCP is closed bare.
func dropTCP(ep *conn.Endpoint) {
	ep.SetDeadline(time.Unix(1, 0))
	ep.Close(frame.CloseInternalError, "")
}

// Each message is printed as it arrives, not at the end.
func TestPrintsAsItArrives(t *testing.T) {
	t.Parallel()
	u := server(t, nil, func(ep *conn.Endpoint) {
		ep.WriteMessage(frame.OpText, []byte("tick"))
		echo(ep)
	})
	stdin, w := io.Pipe()
	var outb, errb syncBuffer
	cfg, _ := ParseArgs([]string{u}, &errb)
	done := make(chan int, 1)
	go func() { done <- Run(context.Background(), cfg, stdin, &outb, &errb) }()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(outb.String(), "tick\n") {
		if time.Now().After(deadline) {
			t.Fatalf("no tick printed while input is open; stdout %q stderr %q", outb.String(), errb.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	io.WriteString(w, "tock\n")
	for !strings.Contains(outb.String(), "tock\n") {
		if time.Now().After(deadline) {
			t.Fatalf("echo not printed while input is open; stdout %q", outb.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	w.Close()
	select {
	case code := <-done:
		if code != ExitOK {
			t.Errorf("wscat = %d, want 0; stderr %q", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("wscat did not exit after end of input")
	}
}

// An interrupt (ctx canceled) closes like end of input.
func TestInterrupt(t *testing.T) {
	t.Parallel()
	u := server(t, nil, echo)
	stdin, w := io.Pipe()
	defer w.Close()
	var outb, errb syncBuffer
	cfg, _ := ParseArgs([]string{u}, &errb)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	if code := Run(ctx, cfg, stdin, &outb, &errb); code != ExitOK {
		t.Errorf("wscat after interrupt = %d, want 0; stderr %q", code, errb.String())
	}
}

func TestParseArgs(t *testing.T) {
	t.Parallel()
	var errb bytes.Buffer
	cfg, err := ParseArgs([]string{"-s", "a", "-s", "b", "-H", "Origin: http://x", "-H", "Cookie:  k=v ", "-binary", "-frames", "-insecure", "-timeout", "3s",
		"-limit", "-1", "-deflate=false", "wss://h/p"}, &errb)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.URL != "wss://h/p" || len(cfg.Subprotocols) != 2 || cfg.Header.Get("Origin") != "http://x" || cfg.Header.Get("Cookie") != "k=v" ||
		!cfg.Binary || !cfg.Frames || !cfg.Insecure || cfg.Timeout != 3*time.Second || cfg.ReadLimit != -1 || cfg.Deflate {
		t.Errorf("ParseArgs = %+v", cfg)
	}
	// The defaults: 100 MiB, as Node's wscat; permessage-deflate offered.
	if cfg, err := ParseArgs([]string{"ws://h/"}, &errb); err != nil || cfg.ReadLimit != 100<<20 || !cfg.Deflate {
		t.Errorf("ParseArgs(ws://h/) = %+v, %v; want ReadLimit 100 MiB, Deflate", cfg, err)
	}
	for _, args := range [][]string{
		{},
		{"ws://a", "ws://b"},
		{"http://example.com/"},
		{"-H", "NoColon", "ws://a"},
		{"-H", "Bad Name: 1", "ws://a"},
		{"-nosuchflag", "ws://a"},
		{"-limit", "0", "ws://a"},
		{"-limit", "1M", "ws://a"},
	} {
		errb.Reset()
		if _, err := ParseArgs(args, &errb); err == nil || errb.Len() == 0 {
			t.Errorf("ParseArgs(%q) = %v, stderr %q; want an error, explained", args, err, errb.String())
		}
	}
	if _, err := ParseArgs([]string{"-h"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("ParseArgs(-h) = %v, want flag.ErrHelp", err)
	}
}

// TestReadLimit: messages up to 100 MiB are received by default (the
// library's 64 KiB default once ended wscat with 1009 on a 1 MiB message);
// -limit n refuses a larger one with 1009, exit 3; -limit -1 has no bound.
func TestReadLimit(t *testing.T) {
	t.Parallel()
	msg := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	tests := []struct {
		args     []string
		wantCode int
	}{
		{nil, ExitOK},
		{[]string{"-limit", "1048576"}, ExitOK},
		{[]string{"-limit", "1048575"}, ExitAbnormal},
		{[]string{"-limit", "-1"}, ExitOK},
	}
	for _, tt := range tests {
		t.Run(strings.Join(append([]string{"args"}, tt.args...), " "), func(t *testing.T) {
			t.Parallel()
			closed := make(chan frame.CloseCode, 1)
			u := server(t, nil, func(ep *conn.Endpoint) {
				ep.WriteMessage(frame.OpText, msg)
				_, _, err := ep.ReadMessage(nil)
				closed <- conn.CloseStatus(err)
			})
			code, out, errs := run(t, strings.NewReader(""), append(tt.args, u)...)
			if code != tt.wantCode {
				t.Fatalf("wscat %q receiving 1 MiB = %d, want %d\nstderr: %s", tt.args, code, tt.wantCode, errs)
			}
			if tt.wantCode != ExitOK {
				// wscat sends 1009 and closes TCP with the rest of the
				// message unread, so the server may see a reset (1006)
				// before the Close frame: check wscat's side.
				if !strings.Contains(errs, "closed: "+frame.CloseMessageTooBig.String()) {
					t.Errorf("wscat %q stderr %q; want a close with 1009 (RFC 6455, Section 7.4.1)", tt.args, errs)
				}
				return
			}
			if got := <-closed; out != string(msg)+"\n" || got != frame.CloseNormal {
				t.Errorf("wscat %q printed %d bytes, closed with %v; want the message and 1000", tt.args, len(out), got)
			}
		})
	}
}

// TestDeflate: wscat offers permessage-deflate (RFC 7692) by default, says
// when it is in effect, and receives a compressed message (RSV1 set,
// Section 6); -deflate=false offers nothing.
func TestDeflate(t *testing.T) {
	t.Parallel()
	msg := strings.Repeat("compress me ", 1000)
	for _, off := range []bool{false, true} {
		compressed := make(chan bool, 1)
		u := server(t, &conn.AcceptOptions{Options: conn.Options{Compression: conn.Compression{Enable: true}}}, func(ep *conn.Endpoint) {
			compressed <- ep.Compressed()
			ep.WriteMessage(frame.OpText, []byte(msg))
			echo(ep)
		})
		args := []string{"-frames", u}
		if off {
			args = append([]string{"-deflate=false"}, args...)
		}
		code, out, errs := run(t, strings.NewReader(""), args...)
		if code != ExitOK || out != msg+"\n" {
			t.Fatalf("wscat %q = %d, stdout %.40q\nstderr: %.2000s", args, code, out, errs)
		}
		if got := <-compressed; got == off {
			t.Errorf("wscat %q: server's Compressed() = %v", args, got)
		}
		if got := strings.Contains(errs, ", permessage-deflate)"); got == off {
			t.Errorf("wscat %q reports permessage-deflate: %v\n%.300s", args, got, errs)
		}
		if got := strings.Contains(errs, "< FIN=1 RSV=100 opcode=0x1 (text)"); got == off {
			t.Errorf("wscat %q: compressed text frame (RSV1) in the trace: %v\n%.2000s", args, got, errs)
		}
	}
}
