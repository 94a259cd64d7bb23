package echo

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rfc6455/ws/internal/browser"
)

// subprotocolPage opens new WebSocket(url, ["chat"]) to /ws, sends a text
// and a binary message, checks their echoes and posts the outcome, with
// the selected protocol, to /result.
const subprotocolPage = `<!doctype html><meta charset="utf-8"><title>subprotocol</title><script>
function report(s) { fetch('/result', {method: 'POST', body: s}); }
const ws = new WebSocket('ws://' + location.host + '/ws', ['chat']);
ws.binaryType = 'arraybuffer';
let step = 0;
ws.onopen = () => ws.send('héllo');
ws.onmessage = (e) => {
  if (step === 0 && e.data === 'héllo') { step = 1; ws.send(new Uint8Array([0, 1, 255])); return; }
  const b = e.data instanceof ArrayBuffer ? new Uint8Array(e.data) : null;
  if (step === 1 && b && b.length === 3 && b[0] === 0 && b[1] === 1 && b[2] === 255) { step = 2; ws.close(1000); return; }
  report('FAIL unexpected echo at step ' + step);
};
ws.onclose = (e) => report((step === 2 && e.code === 1000 ? 'OK' : 'FAIL') + ' close ' + e.code + ' protocol "' + ws.protocol + '"');
</script>`

// TestChromiumSubprotocol: headless Chromium's new WebSocket(url, ["chat"])
// connects to the echo as cmd/wsecho configures it by default, gets
// protocol "chat", and its messages come back. With -subprotocols none the
// echo selects none and Chromium refuses the connection (the failure this
// default fixes; RFC 6455 allows the server's choice, the WHATWG WebSocket
// standard makes the browser fail it).
func TestChromiumSubprotocol(t *testing.T) {
	path := browser.Require(t)
	tests := []struct {
		flag string // -subprotocols
		want string // the page's report
	}{
		{"*", `OK close 1000 protocol "chat"`},
		{"chat", `OK close 1000 protocol "chat"`},
		{"none", `FAIL close 1006 protocol ""`},
	}
	for _, tt := range tests {
		t.Run("-subprotocols "+tt.flag, func(t *testing.T) {
			choose, err := ParseSubprotocols(tt.flag)
			if err != nil {
				t.Fatal(err)
			}
			result := make(chan string, 1)
			mux := http.NewServeMux()
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				io.WriteString(w, subprotocolPage)
			})
			mux.HandleFunc("/favicon.ico", http.NotFound)
			mux.HandleFunc("/result", func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				select {
				case result <- string(b):
				default:
				}
			})
			mux.Handle("/ws", Handler(&Options{Subprotocol: choose}))
			srv := httptest.NewServer(mux)
			defer srv.Close()

			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			b, err := browser.Start(ctx, path, srv.URL+"/")
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			select {
			case got := <-result:
				if got != tt.want {
					t.Errorf("page: %s, want %s", got, tt.want)
				}
			case <-ctx.Done():
				t.Fatalf("no result from the page in time\n%s", b.Output())
			case <-b.Done():
				t.Fatalf("Chromium exited\n%s", b.Output())
			}
		})
	}
}
