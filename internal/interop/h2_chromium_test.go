package interop

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	_ "github.com/rfc6455/ws/conn/xconnect" // RFC 8441 in this test binary's HTTP/2 servers
	"github.com/rfc6455/ws/internal/browser"
	"github.com/rfc6455/ws/internal/tlscert"
)

// h2PageHTML opens a WebSocket to its own origin over wss://, sends text,
// binary and compressible messages, checks each echo, closes with 1000 and
// posts the outcome to /result.
const h2PageHTML = `<!doctype html><meta charset="utf-8"><title>RFC 8441 interop</title><script>
const text = 'héllo over HTTP/2 '.repeat(2000), bin = new Uint8Array(70000).map((_, i) => (i * 7919) & 0xff);
const msgs = ['hello', text, bin, new Uint8Array(0)];
function report(s) { fetch('/result', {method: 'POST', body: s}); }
const ws = new WebSocket('wss://' + location.host + '/ws', ['chat']);
ws.binaryType = 'arraybuffer';
let i = 0;
function same(a, b) {
  if (typeof b === 'string') return a === b;
  const g = new Uint8Array(a);
  return a instanceof ArrayBuffer && g.length === b.length && g.every((v, k) => v === b[k]);
}
ws.onopen = () => ws.send(msgs[0]);
ws.onmessage = (e) => {
  if (!same(e.data, msgs[i])) { report('FAIL echo of message ' + i); ws.close(); return; }
  if (++i === msgs.length) { ws.close(1000, 'done'); return; }
  ws.send(msgs[i]);
};
ws.onclose = (e) => report((i === msgs.length && e.code === 1000 ? 'OK ' : 'FAIL ') + i + ' messages, close ' + e.code +
  ', protocol ' + ws.protocol + ', extensions: ' + ws.extensions);
ws.onerror = () => report('FAIL error at message ' + i);
</script>`

// TestChromiumHTTP2: headless Chromium loads a page over HTTPS (HTTP/2 by
// ALPN; the server advertises extended CONNECT) and opens its WebSocket
// on that HTTP/2 connection (RFC 8441): the echoes of text, binary and
// compressed messages come back and it closes with 1000. Three witnesses
// agree that HTTP/2 carried it, so a silent fallback to HTTP/1.1 fails
// the test: the handler saw r.ProtoMajor 2 and method CONNECT; Chromium's
// own DevTools report a 200 handshake response (not 101) and a request
// without Sec-WebSocket-Key (RFC 8441, Section 5).
func TestChromiumHTTP2(t *testing.T) {
	path := browser.Require(t)
	type seen struct {
		proto      int
		method     string
		compressed bool
		code       conn.CloseCode
	}
	served := make(chan seen, 1)
	result := make(chan string, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, h2PageHTML)
	})
	mux.HandleFunc("/favicon.ico", http.NotFound)
	mux.HandleFunc("/result", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case result <- string(b):
		default:
		}
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		opts := &conn.AcceptOptions{Options: conn.Options{ReadLimit: 1 << 20, Compression: conn.Compression{Enable: true, Threshold: -1}}}
		opts.Subprotocols = []string{"chat"}
		ep, err := conn.Accept(w, r, opts)
		if err != nil {
			t.Errorf("Accept over %s %s: %v", r.Proto, r.Method, err)
			return
		}
		s := seen{proto: r.ProtoMajor, method: r.Method, compressed: ep.Compressed()}
		var buf []byte
		for {
			op, p, err := ep.ReadMessage(buf[:0])
			if err != nil {
				s.code = conn.CloseStatus(err)
				break
			}
			buf = p
			ep.WriteMessage(op, p)
		}
		<-ep.Done()
		served <- s
	})
	tlsConf, err := tlscert.Config("", "")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(mux)
	srv.TLS = tlsConf
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	b, dt, err := browser.StartDevTools(ctx, path, "--ignore-certificate-errors")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := dt.OpenPage(ctx, srv.URL+"/", "Network"); err != nil {
		t.Fatalf("%v\n%s", err, b.Output())
	}
	var got string
	select {
	case got = <-result:
	case <-ctx.Done():
		t.Fatalf("no result from the page in time\n%s", b.Output())
	case <-b.Done():
		t.Fatalf("Chromium exited\n%s", b.Output())
	}
	if !strings.HasPrefix(got, "OK ") || !strings.Contains(got, "permessage-deflate") || !strings.Contains(got, "protocol chat") {
		t.Fatalf("page: %s; want OK, protocol chat, permessage-deflate", got)
	}
	s := <-served
	if s.proto != 2 || s.method != http.MethodConnect {
		t.Fatalf("server saw HTTP/%d %s: Chromium fell back from RFC 8441", s.proto, s.method)
	}
	if !s.compressed || s.code != 1000 {
		t.Errorf("server: compression %v, close %d; want permessage-deflate and 1000", s.compressed, s.code)
	}

	// What Chromium itself reports about the handshake.
	req, err := dt.WaitEvent(ctx, "Network.webSocketWillSendHandshakeRequest")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := dt.WaitEvent(ctx, "Network.webSocketHandshakeResponseReceived")
	if err != nil {
		t.Fatal(err)
	}
	var rq struct {
		Request struct {
			Headers map[string]string `json:"headers"`
		} `json:"request"`
	}
	var rs struct {
		Response struct {
			Status         int               `json:"status"`
			Headers        map[string]string `json:"headers"`
			RequestHeaders map[string]string `json:"requestHeaders"`
		} `json:"response"`
	}
	if err := json.Unmarshal(req.Params, &rq); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(resp.Params, &rs); err != nil {
		t.Fatal(err)
	}
	t.Logf("DevTools: handshake request %v; response %d %v", rq.Request.Headers, rs.Response.Status, rs.Response.Headers)
	if rs.Response.Status != 200 {
		t.Errorf("DevTools: handshake response status %d, want 200 (RFC 8441, Section 5)", rs.Response.Status)
	}
	// DevTools shows the request as the WebSocket layer built it, with
	// Upgrade and Connection, which the HTTP/2 layer drops (net/http
	// would have refused them with 400: RFC 9113, Section 8.2.2); but an
	// HTTP/1.1 handshake would have had a key, and the answer an Accept.
	if len(rq.Request.Headers) == 0 || len(rs.Response.Headers) == 0 {
		t.Fatalf("DevTools: no headers in the handshake events: %s / %s", req.Params, resp.Params)
	}
	for _, h := range []map[string]string{rq.Request.Headers, rs.Response.RequestHeaders} {
		for k := range h {
			if strings.EqualFold(k, "Sec-WebSocket-Key") {
				t.Errorf("DevTools: handshake request has %s: HTTP/1.1, not RFC 8441 (Section 5)", k)
			}
		}
	}
	for k := range rs.Response.Headers {
		if k := strings.ToLower(k); k == "sec-websocket-accept" || k == "upgrade" || k == "connection" {
			t.Errorf("DevTools: handshake response has %s: HTTP/1.1, not RFC 8441 (Section 5)", k)
		}
	}
}
