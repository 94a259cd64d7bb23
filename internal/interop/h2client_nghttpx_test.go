package interop

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
)

// requireNghttpx returns the nghttpx binary (Debian's nghttp2-proxy), or
// skips (fails under WSTEST_REQUIRE_PEERS=1).
func requireNghttpx(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("nghttpx")
	if err != nil {
		if os.Getenv("WSTEST_REQUIRE_PEERS") == "1" {
			t.Fatal("nghttpx not found; WSTEST_REQUIRE_PEERS=1 requires it (apt-get install nghttp2-proxy)")
		}
		t.Skip("skipping nghttpx interop: nghttpx not found (apt-get install nghttp2-proxy)")
	}
	return p
}

// freePort returns a port that was free a moment ago on 127.0.0.1.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startNghttpx runs nghttpx with a cleartext HTTP/2 frontend (prior
// knowledge) on a free port, forwarding to an HTTP/1.1 backend at
// backend (host:port), and returns the frontend address once it accepts.
func startNghttpx(t *testing.T, ctx context.Context, bin, backend string) string {
	t.Helper()
	host, port, _ := net.SplitHostPort(backend)
	front := "127.0.0.1:" + strconv.Itoa(freePort(t))
	fhost, fport, _ := net.SplitHostPort(front)
	cmd := exec.CommandContext(ctx, bin,
		"--conf=/dev/null", // not /etc/nghttpx/nghttpx.conf
		"--frontend="+fhost+","+fport+";no-tls",
		"--backend="+host+","+port,
		"--single-process", "--workers=1",
		"--accesslog-file=/dev/null", "--errorlog-file=/dev/stderr", "--log-level=WARN",
	)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("nghttpx stderr:\n%s", stderr.String())
		}
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", front); err == nil {
			c.Close()
			return front
		}
	}
	t.Fatalf("nghttpx did not listen on %s: %s", front, stderr.String())
	return ""
}

// nodeH1EchoJS is an HTTP/1.1 WebSocket echo server with Node's ws.
const nodeH1EchoJS = `
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 << 20 });
wss.on('listening', () => console.log('PORT ' + wss.address().port));
wss.on('connection', (ws, req) => {
  console.log('UPGRADE ' + req.httpVersion + ' ' + req.headers['upgrade']);
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('close', (code) => console.log('CLOSE ' + code));
});
`

// h2EchoThrough dials url over HTTP/2 (prior knowledge) and echoes
// messages of 0 B to 1 MiB, then closes.
func h2EchoThrough(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	ep, resp, err := conn.Dial(ctx, url, &conn.DialOptions{HTTPVersion: conn.HTTP2, Proxy: noProxy,
		Options: conn.Options{ReadLimit: 4 << 20}})
	if err != nil {
		t.Fatalf("Dial through nghttpx: %v", err)
	}
	if resp.ProtoMajor != 2 || resp.StatusCode != 200 {
		t.Fatalf("nghttpx answered %s %d, want HTTP/2 200 (RFC 8441, Section 5)", resp.Proto, resp.StatusCode)
	}
	ep.SetDeadline(time.Now().Add(30 * time.Second))
	for i, m := range messages() {
		op := frame.OpText
		if m.Binary {
			op = frame.OpBinary
		}
		want := payload(m)
		if err := ep.WriteMessage(op, want); err != nil {
			t.Fatalf("message %d: write: %v", i, err)
		}
		gop, p, err := ep.ReadMessage(nil)
		if err != nil || gop != op || string(p) != string(want) {
			t.Fatalf("message %d (%d bytes): echo %v, %d bytes, %v", i, m.N, gop, len(p), err)
		}
	}
	if err := ep.Close(frame.CloseNormal, "done"); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestH2ClientNghttpxToGo: our client over HTTP/2 -> nghttpx (RFC 8441
// frontend) -> our own HTTP/1.1 server (RFC 6455 Upgrade backend).
func TestH2ClientNghttpxToGo(t *testing.T) {
	bin := requireNghttpx(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	upgrades := make(chan string, 1)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case upgrades <- r.Proto + " " + r.Header.Get("Upgrade"):
		default:
		}
		ep, err := conn.Accept(w, r, &conn.AcceptOptions{Options: conn.Options{ReadLimit: 4 << 20}})
		if err != nil {
			return
		}
		defer ep.Close(frame.CloseNormal, "")
		ep.SetDeadline(time.Now().Add(30 * time.Second))
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
	}))
	defer backend.Close()
	front := startNghttpx(t, ctx, bin, backend.Listener.Addr().String())
	h2EchoThrough(t, ctx, "ws://"+front+"/echo")
	select {
	case u := <-upgrades:
		if u != "HTTP/1.1 websocket" {
			t.Errorf("backend saw %q, want an HTTP/1.1 Upgrade: websocket", u)
		}
	default:
		t.Error("backend saw no request")
	}
}

// TestH2ClientNghttpxToNode: our client over HTTP/2 -> nghttpx -> Node's
// ws HTTP/1.1 server.
func TestH2ClientNghttpxToNode(t *testing.T) {
	bin := requireNghttpx(t)
	node, modules := requireNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	port, lines := startNode(t, ctx, nodeScript(t, ctx, node, modules, nodeH1EchoJS))
	front := startNghttpx(t, ctx, bin, "127.0.0.1:"+port)
	h2EchoThrough(t, ctx, "ws://"+front+"/")
	if l := waitLine(lines, "UPGRADE ", 10*time.Second); l != "UPGRADE 1.1 websocket" {
		t.Errorf("Node saw %q, want an HTTP/1.1 Upgrade", l)
	}
	if l := waitLine(lines, "CLOSE ", 10*time.Second); l != "CLOSE 1000" {
		t.Errorf("Node printed %q, want CLOSE 1000", l)
	}
}
