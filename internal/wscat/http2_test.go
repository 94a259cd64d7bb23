package wscat

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	_ "github.com/rfc6455/ws/conn/xconnect" // extended CONNECT in net/http's HTTP/2 server
	"github.com/rfc6455/ws/internal/h2"
)

// h2cServer starts an echo server speaking HTTP/1.1 and cleartext HTTP/2
// with prior knowledge, with extended CONNECT (RFC 8441).
func h2cServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, err := conn.Accept(w, r, nil)
		if err != nil {
			return
		}
		ep.SetDeadline(time.Now().Add(10 * time.Second))
		echo(ep)
	}))
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	srv.Config.Protocols = p
	srv.Start()
	t.Cleanup(srv.Close)
	return "ws://" + srv.Listener.Addr().String() + "/"
}

// TestHTTP2Frames: -http2 -frames opens the WebSocket on an HTTP/2 stream
// and prints the HTTP/2 frames in order with the WebSocket frames.
func TestHTTP2Frames(t *testing.T) {
	t.Parallel()
	u := h2cServer(t)
	code, out, errs := run(t, strings.NewReader("hello\n"), "-http2", "-frames", u)
	if code != ExitOK || out != "hello\n" {
		t.Fatalf("wscat -http2 = %d, stdout %q\nstderr: %s", code, out, errs)
	}
	want := []string{
		"> http2 SETTINGS ENABLE_PUSH=0",           // our preface's SETTINGS
		"< http2 SETTINGS",                         // the server's
		"ENABLE_CONNECT_PROTOCOL=1",                // RFC 8441, Section 3
		"> http2 HEADERS stream=1",                 // the extended CONNECT
		"< http2 HEADERS stream=1",                 // its 200
		"wscat: connected over HTTP/2 (200 OK",     // the result
		"> http2 DATA stream=1",                    // the DATA frame that carries ...
		"> FIN=1 RSV=000 opcode=0x1 (text) MASK=1", // ... our masked text frame
		"< http2 DATA stream=1",
		`< FIN=1 RSV=000 opcode=0x1 (text) MASK=0 len=5 "hello"`,
	}
	rest := errs
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("-http2 -frames output lacks %q (or has it out of order):\n%s", w, errs)
		}
		rest = rest[i+len(w):]
	}
	// Our Close frame may leave before the echo arrives.
	for _, w := range []string{"> FIN=1 RSV=000 opcode=0x8 (close) MASK=1", "< FIN=1 RSV=000 opcode=0x8 (close) MASK=0", "END_STREAM"} {
		if !strings.Contains(errs, w) {
			t.Errorf("-http2 -frames output lacks %q:\n%s", w, errs)
		}
	}
}

// TestHTTP2NoExtendedConnect: a server whose SETTINGS lack
// SETTINGS_ENABLE_CONNECT_PROTOCOL makes -http2 fail clearly, with exit 1.
func TestHTTP2NoExtendedConnect(t *testing.T) {
	t.Parallel()
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
		c.SetDeadline(time.Now().Add(10 * time.Second))
		c.Write(h2.AppendSettings(nil, h2.Setting{ID: h2.SettingMaxConcurrentStreams, Val: 100}))
		io.Copy(io.Discard, c)
	}()
	code, _, errs := run(t, strings.NewReader("hello\n"), "-http2", "ws://"+ln.Addr().String()+"/")
	if code != ExitFailed || !strings.Contains(errs, "SETTINGS_ENABLE_CONNECT_PROTOCOL") || !strings.Contains(errs, "RFC 8441, Section 3") {
		t.Errorf("wscat -http2 = %d, stderr %q; want 1 and an error naming RFC 8441, Section 3", code, errs)
	}
}

// TestHTTP2AgainstHTTP1Server: h2c prior knowledge to an HTTP/1.1-only
// server fails with exit 1, not a hang.
func TestHTTP2AgainstHTTP1Server(t *testing.T) {
	t.Parallel()
	u := server(t, nil, echo)
	code, _, errs := run(t, strings.NewReader("hello\n"), "-http2", u)
	if code != ExitFailed || !strings.Contains(errs, "http2") {
		t.Errorf("wscat -http2 to an HTTP/1.1 server = %d, stderr %q; want 1 and an HTTP/2 error", code, errs)
	}
}
