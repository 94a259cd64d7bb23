package interop

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/internal/browser"
)

// pageHTML sends every message of msgs to /ws, checks each echo, and posts
// the outcome to /result. Chromium offers "permessage-deflate;
// client_max_window_bits" by itself.
const pageHTML = `<!doctype html><meta charset="utf-8"><title>deflate interop</title><script>
const msgs = MSGS;
function payload(m) {
  const words = ['{"id":', '"name":"', 'websocket', '", ', 'true}', '[1,2,3]', '\n', ' ', 'deflate'];
  let x = (m.seed * 2654435761 + 12345) >>> 0;
  const next = () => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x >>> 8; };
  const b = new Uint8Array(m.n);
  if (m.binary && m.seed % 2 === 1) {
    for (let i = 0; i < m.n; i++) b[i] = next() & 0xff;
    return b;
  }
  let i = 0;
  while (i < m.n) {
    const w = words[next() % words.length];
    for (let j = 0; j < w.length && i < m.n; j++) b[i++] = w.charCodeAt(j);
  }
  return m.binary ? b : new TextDecoder().decode(b);
}
function report(s) { fetch('/result', {method: 'POST', body: s}); }
const ws = new WebSocket('ws://' + location.host + '/ws');
ws.binaryType = 'arraybuffer';
let i = 0, want;
function send() {
  if (i === msgs.length) { ws.close(1000, 'done'); return; }
  want = payload(msgs[i]);
  ws.send(want);
}
ws.onopen = send;
ws.onmessage = (e) => {
  const m = msgs[i];
  let ok;
  if (m.binary) {
    const got = new Uint8Array(e.data);
    ok = e.data instanceof ArrayBuffer && got.length === want.length && got.every((v, k) => v === want[k]);
  } else {
    ok = typeof e.data === 'string' && e.data === want;
  }
  if (!ok) { report('FAIL message ' + i + ' (' + m.n + ' bytes, binary ' + m.binary + ')'); ws.close(); return; }
  i++;
  send();
};
ws.onclose = (e) => report((i === msgs.length && e.code === 1000 ? 'OK ' : 'FAIL ') + i + ' messages, close ' + e.code + ', extensions: ' + ws.extensions);
ws.onerror = () => report('FAIL error at message ' + i);
</script>`

// TestChromium: headless Chromium sends 0 B to 1 MiB messages, text and
// binary, to our server with permessage-deflate in effect and checks the
// echoes.
func TestChromium(t *testing.T) {
	path := browser.Require(t)
	tests := []struct {
		name   string
		server conn.Compression
		ext    string // what the page's ws.extensions must contain
	}{
		{"context takeover", conn.Compression{Enable: true, Threshold: -1}, "extensions: permessage-deflate"},
		{"no context takeover", conn.Compression{Enable: true, ServerNoContextTakeover: true, ClientNoContextTakeover: true},
			"server_no_context_takeover; client_no_context_takeover"},
		{"9-bit windows", conn.Compression{Enable: true, ServerMaxWindowBits: 9, ClientMaxWindowBits: 9},
			"server_max_window_bits=9; client_max_window_bits=9"},
	}
	ms := messages()
	msgsJSON, _ := json.Marshal(ms)
	page := strings.Replace(pageHTML, "MSGS", string(msgsJSON), 1)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			cl := &countingListener{Listener: ln}
			result := make(chan string, 1)
			compressed := make(chan bool, 1)
			mux := http.NewServeMux()
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				io.WriteString(w, page)
			})
			mux.HandleFunc("/favicon.ico", http.NotFound)
			mux.HandleFunc("/result", func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				select {
				case result <- string(b):
				default:
				}
			})
			mux.Handle("/ws", echoHandler(tt.server, compressed))
			srv := &httptest.Server{Listener: cl, Config: &http.Server{Handler: mux}}
			srv.Start()
			defer srv.Close()

			ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
			defer cancel()
			b, err := browser.Start(ctx, path, "http://"+ln.Addr().String()+"/")
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			var got string
			select {
			case got = <-result:
			case <-ctx.Done():
				t.Fatalf("no result from the page in time\n%s", b.Output())
			case <-b.Done():
				t.Fatalf("Chromium exited\n%s", b.Output())
			}
			if !strings.HasPrefix(got, "OK ") {
				t.Fatalf("page: %s", got)
			}
			if !<-compressed {
				t.Error("server: permessage-deflate not in effect")
			}
			if !strings.Contains(got, tt.ext) {
				t.Errorf("page: %s; want extensions with %q", got, tt.ext)
			}
			// The page and the handshake are small; the messages must have
			// come compressed.
			if n, budget := cl.n.Load(), wireBudget(ms)+8<<10; n > int64(budget) {
				t.Errorf("server read %d bytes from the wire, more than %d: did Chromium compress?", n, budget)
			}
			t.Logf("page: %s; server read %d bytes for %d bytes of payload", got, cl.n.Load(), totalSize(ms))
		})
	}
}
