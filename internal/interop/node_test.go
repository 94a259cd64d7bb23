package interop

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/internal/wstest"
)

// requireNode returns the node binary and the node_modules directory that
// holds ws, or skips (fails under WSTEST_REQUIRE_PEERS=1).
func requireNode(t *testing.T) (node, modules string) {
	t.Helper()
	return wstest.RequireNodeWS(t)
}

// nodeScript writes a script to a temp dir and returns a command running it.
func nodeScript(t *testing.T, ctx context.Context, node, modules, script string, args ...string) *exec.Cmd {
	t.Helper()
	path := filepath.Join(t.TempDir(), "peer.js")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, node, append([]string{path}, args...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// A message of the test: its size, type and a seed.
type message struct {
	N      int  `json:"n"`
	Binary bool `json:"binary"`
	Seed   int  `json:"seed"`
}

// messages lists 0 B to 1 MiB, text and binary.
func messages() []message {
	var ms []message
	for i, n := range []int{0, 1, 125, 126, 1000, 16 << 10, 65535, 65536, 200_000, 1 << 20} {
		ms = append(ms, message{n, false, i}, message{n, true, i})
	}
	return ms
}

// payloadJS builds a message's payload in Node exactly as payload does in Go.
const payloadJS = `
function payload(m) {
  // Text: JSON-like ASCII words chosen by an LCG; binary: the same for an
  // even seed (compressible), LCG bytes for an odd one (incompressible).
  const words = ['{"id":', '"name":"', 'websocket', '", ', 'true}', '[1,2,3]', '\n', ' ', 'deflate'];
  let x = (m.seed * 2654435761 + 12345) >>> 0;
  const next = () => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x >>> 8; };
  const b = Buffer.alloc(m.n);
  if (m.binary && m.seed % 2 === 1) {
    for (let i = 0; i < m.n; i++) b[i] = next() & 0xff;
    return b;
  }
  let i = 0;
  while (i < m.n) {
    const w = words[next() % words.length];
    for (let j = 0; j < w.length && i < m.n; j++) b[i++] = w.charCodeAt(j);
  }
  return m.binary ? b : b.toString('latin1');
}
`

func payload(m message) []byte {
	words := []string{`{"id":`, `"name":"`, "websocket", `", `, "true}", "[1,2,3]", "\n", " ", "deflate"}
	x := uint32(m.Seed)*2654435761 + 12345
	next := func() uint32 { x = x*1103515245 + 12345; return x >> 8 }
	b := make([]byte, m.N)
	if m.Binary && m.Seed%2 == 1 {
		for i := range b {
			b[i] = byte(next())
		}
		return b
	}
	for i := 0; i < m.N; {
		w := words[next()%uint32(len(words))]
		for j := 0; j < len(w) && i < m.N; j++ {
			b[i] = w[j]
			i++
		}
	}
	return b
}

// wireBudget is how many bytes the messages may take on the wire if they
// were compressed: the incompressible ones in full, a third of the others,
// plus frame headers.
func wireBudget(ms []message) int {
	total := 0
	for _, m := range ms {
		if m.Binary && m.Seed%2 == 1 {
			total += m.N + 64
		} else {
			total += m.N/3 + 64
		}
	}
	return total
}

const nodeClientJS = payloadJS + `
const WebSocket = require('ws');
const cfg = JSON.parse(process.argv[2]);
const ws = new WebSocket(cfg.url, { perMessageDeflate: cfg.pmd, maxPayload: 64 << 20 });
let i = 0;
const send = () => {
  if (i === cfg.msgs.length) { ws.close(1000, 'done'); return; }
  const m = cfg.msgs[i];
  ws.send(payload(m), { binary: m.binary, compress: true });
};
ws.on('open', () => { console.log('EXT ' + ws.extensions + ' ' + JSON.stringify((ws._extensions['permessage-deflate'] || {}).params)); send(); });
ws.on('message', (data, isBinary) => {
  const m = cfg.msgs[i];
  const want = Buffer.from(payload(m), 'latin1');
  if (isBinary !== m.binary || !want.equals(data)) {
    console.log('FAIL message ' + i + ' (' + m.n + ' bytes, binary ' + m.binary + '): got ' + data.length + ' bytes, binary ' + isBinary);
    process.exit(1);
  }
  i++;
  send();
});
ws.on('close', (code) => {
  console.log('CLOSE ' + code + ' ' + i + ' ' + ws._socket.bytesRead);
  process.exit(i === cfg.msgs.length && code === 1000 ? 0 : 1);
});
ws.on('error', (e) => { console.log('ERROR ' + e.message); process.exit(1); });
setTimeout(() => { console.log('TIMEOUT at message ' + i); process.exit(1); }, 100000);
`

// countingListener counts the bytes read from accepted connections.
type countingListener struct {
	net.Listener
	n atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{c, &l.n}, nil
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestNodeClient: Node's ws client sends every message compressed to our
// server, which echoes it compressed; the client checks each echo.
func TestNodeClient(t *testing.T) {
	node, modules := requireNode(t)
	tests := []struct {
		name   string
		server conn.Compression
		pmd    string // Node's perMessageDeflate option
		ext    string // Node's view of the agreed extension
	}{
		{"context takeover", conn.Compression{Enable: true, Threshold: -1}, `{"threshold":0}`, "permessage-deflate"},
		{"no context takeover asked by the server", conn.Compression{Enable: true, Threshold: -1, ServerNoContextTakeover: true, ClientNoContextTakeover: true},
			`{"threshold":0}`, `"server_no_context_takeover":true`},
		{"no context takeover asked by the client", conn.Compression{Enable: true, Threshold: -1},
			`{"threshold":0,"serverNoContextTakeover":true,"clientNoContextTakeover":true}`, `"client_no_context_takeover":true`},
		{"9-bit server window asked by the client", conn.Compression{Enable: true, Threshold: -1},
			`{"threshold":0,"serverMaxWindowBits":9}`, `"server_max_window_bits":9`},
		{"10-bit client window asked by the server", conn.Compression{Enable: true, Threshold: -1, ClientMaxWindowBits: 10},
			`{"threshold":0}`, `"client_max_window_bits":10`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			cl := &countingListener{Listener: ln}
			compressed := make(chan bool, 1)
			srv := &httptest.Server{Listener: cl, Config: &http.Server{Handler: echoHandler(tt.server, compressed)}}
			srv.Start()
			defer srv.Close()

			ms := messages()
			cfg, _ := json.Marshal(map[string]any{"url": "ws://" + ln.Addr().String() + "/", "pmd": json.RawMessage(tt.pmd), "msgs": ms})
			ctx, cancel := context.WithTimeout(context.Background(), 110*time.Second)
			defer cancel()
			out, err := nodeScript(t, ctx, node, modules, nodeClientJS, string(cfg)).CombinedOutput()
			if err != nil {
				t.Fatalf("node client: %v\n%s", err, out)
			}
			if !<-compressed {
				t.Fatal("server: permessage-deflate not in effect")
			}
			if !strings.Contains(string(out), "EXT permessage-deflate") || !strings.Contains(string(out), tt.ext) {
				t.Errorf("Node's agreed extensions: %s; want %q", out, tt.ext)
			}
			if got, budget := cl.n.Load(), wireBudget(ms); got > int64(budget) {
				t.Errorf("server read %d bytes from the wire, more than %d: were the messages compressed?", got, budget)
			}
			t.Logf("%d messages, %d bytes of payload each way; server read %d bytes; Node: %s", len(ms), totalSize(ms), cl.n.Load(), strings.TrimSpace(string(out)))
		})
	}
}

func totalSize(ms []message) int {
	n := 0
	for _, m := range ms {
		n += m.N
	}
	return n
}

const nodeServerJS = `
const { WebSocketServer } = require('ws');
const pmd = JSON.parse(process.argv[2]);
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: pmd, maxPayload: 64 << 20 });
wss.on('listening', () => console.log('PORT ' + wss.address().port));
wss.on('connection', (ws) => {
  console.log('EXT ' + ws.extensions + ' ' + JSON.stringify((ws._extensions['permessage-deflate'] || {}).params));
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary, compress: true }));
  ws.on('close', (code) => { console.log('CLOSE ' + code + ' BYTES ' + ws._socket.bytesRead); process.exit(0); });
  ws.on('error', (e) => { console.log('ERROR ' + e.message); process.exit(1); });
});
setTimeout(() => { console.log('TIMEOUT'); process.exit(1); }, 100000);
`

// TestNodeServer: our client sends every message compressed to Node's ws
// server, which echoes it compressed.
func TestNodeServer(t *testing.T) {
	node, modules := requireNode(t)
	tests := []struct {
		name   string
		client conn.Compression
		pmd    string
		ext    string
	}{
		{"context takeover", conn.Compression{Enable: true, Threshold: -1}, `{"threshold":0}`, "permessage-deflate"},
		{"no context takeover asked by the server", conn.Compression{Enable: true, Threshold: -1},
			`{"threshold":0,"serverNoContextTakeover":true,"clientNoContextTakeover":true}`, `"client_no_context_takeover":true`},
		{"no context takeover asked by the client", conn.Compression{Enable: true, Threshold: -1, ServerNoContextTakeover: true, ClientNoContextTakeover: true},
			`{"threshold":0}`, `"server_no_context_takeover":true`},
		{"9-bit client window asked by the server", conn.Compression{Enable: true, Threshold: -1},
			`{"threshold":0,"clientMaxWindowBits":9}`, `"client_max_window_bits":9`},
		{"10-bit server window asked by the client", conn.Compression{Enable: true, Threshold: -1, ServerMaxWindowBits: 10},
			`{"threshold":0}`, `"server_max_window_bits":10`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 110*time.Second)
			defer cancel()
			cmd := nodeScript(t, ctx, node, modules, nodeServerJS, tt.pmd)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			lines := make(chan string, 16)
			go func() {
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			var port string
			select {
			case l := <-lines:
				port, _ = strings.CutPrefix(l, "PORT ")
			case <-ctx.Done():
				t.Fatal("Node server did not start")
			}
			ep, _, err := conn.Dial(ctx, "ws://127.0.0.1:"+port+"/", &conn.DialOptions{Options: conn.Options{ReadLimit: 4 << 20, Compression: tt.client}})
			if err != nil {
				t.Fatalf("Dial: %v (%s)", err, stderr.String())
			}
			if !ep.Compressed() {
				t.Fatal("client: permessage-deflate not in effect")
			}
			ms := messages()
			var buf []byte
			for i, m := range ms {
				op := frame.OpText
				if m.Binary {
					op = frame.OpBinary
				}
				want := payload(m)
				if i%3 == 2 {
					// Streamed, in uneven writes.
					w, err := ep.NextWriter(op)
					if err != nil {
						t.Fatal(err)
					}
					rng := rand.New(rand.NewPCG(uint64(i), 1))
					for p := want; len(p) > 0; {
						k := min(len(p), 1+rng.IntN(30000))
						w.Write(p[:k])
						p = p[k:]
					}
					if err := w.Close(); err != nil {
						t.Fatal(err)
					}
				} else if err := ep.WriteMessage(op, want); err != nil {
					t.Fatal(err)
				}
				gop, p, err := ep.ReadMessage(buf)
				if err != nil || gop != op || string(p) != string(want) {
					t.Fatalf("message %d (%d bytes, %v): echo %v, %d bytes, %v", i, m.N, op, gop, len(p), err)
				}
				buf = p
			}
			if err := ep.Close(frame.CloseNormal, "done"); err != nil {
				t.Errorf("Close: %v", err)
			}
			var log []string
			for l := range lines {
				log = append(log, l)
			}
			out := strings.Join(log, "\n")
			if !strings.Contains(out, "EXT permessage-deflate") || !strings.Contains(out, tt.ext) {
				t.Errorf("Node's agreed extensions: %s; want %q", out, tt.ext)
			}
			var code, read int
			for _, l := range log {
				if _, err := fmt.Sscanf(l, "CLOSE %d BYTES %d", &code, &read); err == nil {
					break
				}
			}
			if code != 1000 {
				t.Errorf("Node saw close code %d, want 1000\n%s", code, out)
			}
			if budget := wireBudget(ms); read == 0 || read > budget {
				t.Errorf("Node read %d bytes from the wire, want 0 < n <= %d: were the messages compressed?", read, budget)
			}
			t.Logf("%d messages, %d bytes of payload each way; Node read %d bytes", len(ms), totalSize(ms), read)
		})
	}
}

// echoHandler accepts with compression preferences server, reports on
// compressed whether permessage-deflate was negotiated, and echoes every
// message with its type until the connection ends.
func echoHandler(server conn.Compression, compressed chan<- bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ep, err := conn.Accept(w, r, &conn.AcceptOptions{Options: conn.Options{ReadLimit: 4 << 20, Compression: server}})
		if err != nil {
			return
		}
		compressed <- ep.Compressed()
		var buf []byte
		for {
			op, p, err := ep.ReadMessage(buf)
			if err != nil {
				return
			}
			if err := ep.WriteMessage(op, p); err != nil {
				return
			}
			buf = p
		}
	}
}
