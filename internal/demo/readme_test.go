package demo

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
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
	p("```\n%s```\n```\n%s```\n```\n%s\n```\n\n", items[4], items[5], logLines("closed with code"))

	p("**7. Is the food ready?** The page orders the same food (ready 3 s after the first request) three\n")
	p("ways at once and shows what each cost, counted by the server on its sockets (request lines, headers,\n")
	p("bodies, frames) until the food arrived. Measured with headless Chromium 156 against `go run ./cmd/wsdemo`\n")
	p("(the figures are not regenerated by the test; `go test ./internal/demo -run TestBrowser -v` logs its own):\n\n")
	p("| way | requests | bytes up | bytes down | total | food seen after |\n")
	p("|---|---|---|---|---|---|\n")
	p("| polling, every second | 4 | 2,252 | 620 | 2,872 | 3.7 s |\n")
	p("| long polling | 1 | 567 | 170 | 737 | 3.0 s |\n")
	p("| WebSocket | 1 upgrade + 1 pushed frame | 519 | 159 | 678 | 3.0 s |\n\n")
	p("A browser request is about 560 bytes of headers, so each \"No, wait.\" costs some 720 bytes and polling\n")
	p("also sees the food up to a second late. For one event, long polling is nearly as cheap as a WebSocket;\n")
	p("the WebSocket wins on what follows: every later message costs 2 to 10 bytes of framing from the server\n")
	p("(6 to 14 from a client, which adds the 4-byte mask) on the connection already open, where each long\n")
	p("poll pays the headers again and holds a request open meanwhile.\n\n")
	p("The page learns what the server saw through a second WebSocket, `/live?tab=…`, on which the server\n")
	p("pushes JSON: the handshake bytes, the first frames annotated as above, its log lines for the tab and the\n")
	p("food figures. The browser test (`TestBrowser`) starts the server on 127.0.0.1:0, opens the page in\n")
	p("headless Chromium with `?report=1&poll=500` and a 1.5 s cook, and waits for the page to POST its results\n")
	p("(connected, greeting received, message logged by the server, three orders done) to `/api/report`; the\n")
	p("page then navigates away and the server logs the close code 1001.\n")
	return b.String()
}
