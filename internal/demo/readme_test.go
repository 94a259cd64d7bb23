package demo

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

var update = flag.Bool("update", false, "rewrite the demo section of README.md from a real run")

// rawWS is a WebSocket client built from the handshake and frame packages
// alone, so that everything it sends is pinned: the Host header, the
// Sec-WebSocket-Key and the masking keys come from the test.
type rawWS struct {
	c   *countConn
	br  *bufio.Reader
	fr  *frame.Reader
	fw  *frame.Writer
	key byte // next masking key is {key, key+1, key+2, key+3}
}

// dialRawWS connects to addr and opens a WebSocket as if to
// ws://localhost:8000 + target.
func dialRawWS(t *testing.T, addr, target string) *rawWS {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
	cc := &countConn{Conn: c}
	// Pinned key: the nonce of RFC 6455, Section 1.3, "the sample nonce".
	opts := &handshake.ClientOptions{
		Rand:   strings.NewReader("the sample nonce"),
		Header: http.Header{"User-Agent": {"readme-walkthrough"}},
	}
	req, key, err := handshake.NewRequest(context.Background(), "ws://localhost:8000"+target, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := req.Write(cc); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(cc)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := handshake.CheckResponse(resp, key, opts); err != nil {
		t.Fatal(err)
	}
	return &rawWS{c: cc, br: br, fr: frame.NewReader(br), fw: frame.NewWriter(cc), key: 0x37}
}

// read returns the next frame's opcode and payload.
func (ws *rawWS) read(t *testing.T) (frame.Opcode, []byte) {
	t.Helper()
	h, err := ws.fr.ReadHeader()
	if err != nil {
		t.Fatal(err)
	}
	p, err := io.ReadAll(ws.fr)
	if err != nil {
		t.Fatal(err)
	}
	return h.Opcode, p
}

// write sends one masked frame (RFC 6455, Section 5.3).
func (ws *rawWS) write(t *testing.T, op frame.Opcode, p []byte) {
	t.Helper()
	k := ws.key
	ws.key += 4
	h := frame.Header{Fin: true, Opcode: op, Masked: true, MaskKey: [4]byte{k, k + 1, k + 2, k + 3}}
	if err := ws.fw.WriteFrame(h, p); err != nil {
		t.Fatal(err)
	}
}

// countingReader yields next, next+1, next+2, ...
type countingReader struct{ next byte }

func (cr *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = cr.next
		cr.next++
	}
	return len(p), nil
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (sb *syncBuffer) Write(p []byte) (int, error) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.b.Write(p)
}

func (sb *syncBuffer) String() string {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.b.String()
}

// TestREADME runs the article's exchange with a pinned client and checks that
// the README's demo section shows exactly these bytes; with -update it
// rewrites the section.
func TestREADME(t *testing.T) {
	var trace syncBuffer
	s, addr, lr := startServer(t, &Options{Trace: &trace})
	_ = s

	// Step 1: plain HTTP, the bytes as the client received them.
	rc := dialRaw(t, addr)
	var plainResp bytes.Buffer
	rc.br = bufio.NewReader(io.TeeReader(rc.cc, &plainResp))
	plainReq := "GET /connected HTTP/1.1\r\nHost: localhost:8000\r\nUser-Agent: readme-walkthrough\r\n\r\n"
	io.WriteString(rc.cc, plainReq)
	resp, err := http.ReadResponse(rc.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)

	// Steps 2 to 6: the WebSocket, with this library's client, pinned: the
	// Host header says localhost:8000 whatever port the test got, and the
	// random source gives the nonce of RFC 6455, Section 1.3 ("the sample
	// nonce"), then masking keys 37 38 39 3a, 3b 3c 3d 3e, ...
	opts := &conn.DialOptions{
		Header: http.Header{"Host": {"localhost:8000"}, "User-Agent": {"readme-walkthrough"}},
		Proxy:  func(*http.Request) (*url.URL, error) { return nil, nil },
	}
	opts.Rand = io.MultiReader(strings.NewReader("the sample nonce"), &countingReader{next: 0x37})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ep, _, err := conn.Dial(ctx, "ws://"+addr+"/?tab=readme", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close(frame.CloseNormal, "")
	ep.SetDeadline(time.Now().Add(10 * time.Second))
	if op, p, err := ep.ReadMessage(nil); err != nil || op != frame.OpText || string(p) != Greeting {
		t.Fatalf("first message = %v %q %v, want the greeting", op, p, err)
	}
	if err := ep.WriteMessage(frame.OpText, []byte(ClientMessage)); err != nil {
		t.Fatal(err)
	}
	lr.waitFor(t, "message event")
	if err := ep.Close(frame.CloseGoingAway, ""); err != nil {
		t.Fatal(err)
	}
	lr.waitFor(t, "closed with code")
	time.Sleep(50 * time.Millisecond) // let the tracer see the last bytes

	items := strings.Split(strings.TrimPrefix(trace.String(), "=== conn 1\n"), "\n=== conn 1\n")
	for i, it := range items {
		items[i] = strings.TrimRight(it, "\n") + "\n"
	}
	if len(items) < 6 {
		t.Fatalf("trace has %d items, want 6:\n%s", len(items), trace.String())
	}
	logs := lr.snapshot()
	section := renderREADME(plainReq, plainResp.String(), items, logs)

	const readme = "../../README.md"
	old, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := []byte("<!-- BEGIN demo -->\n"), []byte("<!-- END demo -->")
	i, j := bytes.Index(old, begin), bytes.Index(old, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q ... %q markers", readme, begin, end)
	}
	cur := string(old[i+len(begin) : j])
	if *update {
		out := append(append(append([]byte(nil), old[:i+len(begin)]...), section...), old[j:]...)
		if err := os.WriteFile(readme, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	date := regexp.MustCompile(`Date: .*`)
	if date.ReplaceAllString(cur, "Date: -") != date.ReplaceAllString(section, "Date: -") {
		t.Errorf("README.md's demo section is not what a run shows now; run\n\tgo test ./internal/demo -run TestREADME -update\nand review the diff. This run:\n%s", section)
	}
}

func renderREADME(plainReq, plainResp string, items, logs []string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	crlf := func(s string) string { return strings.ReplaceAll(strings.TrimSuffix(s, "\r\n\r\n"), "\r\n", "\n") }
	logLines := func(substr string) string {
		var out []string
		for _, l := range logs {
			if strings.Contains(l, substr) {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	p("`go run ./cmd/wsdemo` serves the article on http://localhost:8000 (`-addr` to change it). Open it and\n")
	p("the page opens `new WebSocket('ws://localhost:8000/?tab=…')`, is greeted, sends\n")
	p("\"%s\", shows the handshake it went through and the first frames byte by byte,\n", ClientMessage)
	p("and orders food three ways (polling every second, long polling, WebSocket push) with the requests and\n")
	p("bytes each one cost, counted on the server's sockets. Open several tabs; close one and the server logs\n")
	p("its close code (1001, going away). `go run ./cmd/wsdemo -trace` prints every connection's bytes.\n\n")
	p("Below, what crosses the wire at each step of the article, recorded by the demo server's socket in a\n")
	p("real run (`go test ./internal/demo -run TestREADME -update` regenerates it; the test fails when it\n")
	p("drifts). The client is this library's `conn.Dial` with its random source pinned (the key and the masking\n")
	p("keys), so the bytes are the same every run; a browser sends more headers (the page shows its own).\n\n")

	p("**1. Plain HTTP.** The article's first server answers every request with \"I am connected\"; the demo\n")
	p("does so on `/connected` (and serves the page on `/`). The connection could now close: HTTP is done.\n\n")
	p("```http\n%s\n```\n```http\n%s\n```\n\n", crlf(plainReq), strings.ReplaceAll(plainResp, "\r\n", "\n"))

	p("**2. The client asks to upgrade** (RFC 6455, Section 4.1): a GET with `Upgrade: websocket`,\n")
	p("`Connection: Upgrade`, a random 16-byte `Sec-WebSocket-Key` in base64 and `Sec-WebSocket-Version: 13`.\n\n")
	p("```\n%s```\n\n", items[0])

	p("**3. The `headers` event, then 101 Switching Protocols** (Section 4.2.2). Before the response is\n")
	p("written, `handshake.ServerOptions.ResponseHeader` sees (and could change or refuse) its headers; the\n")
	p("demo logs them. `Sec-WebSocket-Accept` is base64(SHA-1(key + \"%s\")).\n", handshake.GUID)
	p("After the empty line the same TCP connection speaks frames.\n\n")
	p("```\n%s\n```\n```\n%s```\n\n", logLines("headers event"), items[1])

	p("**4. The `connection` event: the greeting.** One text frame from the server: FIN set, opcode 1,\n")
	p("not masked (a server never masks, Section 5.1), the 7-bit length, then the UTF-8 payload.\n\n")
	p("```\n%s\n```\n```\n%s```\n\n", logLines("connection event"), items[2])

	p("**5. The `message` event: the client's message.** A client masks every frame (Section 5.3): MASK=1,\n")
	p("a 4-byte masking key, and each payload byte XORed with key byte i mod 4.\n\n")
	p("```\n%s```\n```\n%s\n```\n\n", items[3], logLines("message event"))

	p("**6. The tab closes.** A browser closing a tab sends a close frame with 1001 (going away, Section 7.4.1),\n")
	p("and so does this client; the server answers with a close frame of its own and closes TCP (Section 7.1.2).\n\n")
	p("```\n%s```\n```\n%s```\n```\n%s\n```\n", items[4], items[5], logLines("closed with code"))
	return b.String()
}
