package wscat

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/internal/wstest"
)

// nodeServer is a Node ws@8 server that prints its port, then for each
// connection records the Origin and subprotocol it saw, echoes messages
// and, on "bye", closes with 1000 and reason "bye".
const nodeServer = `
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0,
  handleProtocols: (protocols) => protocols.has('chat') ? 'chat' : false });
wss.on('listening', () => console.log(wss.address().port));
wss.on('connection', (ws, req) => {
  ws.send('origin=' + req.headers['origin'] + ' protocol=' + ws.protocol);
  ws.on('message', (data, isBinary) => {
    if (!isBinary && data.toString() === 'bye') { ws.close(1000, 'bye'); return; }
    ws.send(data, { binary: isBinary });
  });
});
`

// wscat against a real peer, Node's ws: the subprotocol and headers are
// understood, text and binary messages round-trip, and both close
// handshakes (ours at end of input, the server's) end with exit 0.
func TestNodeServer(t *testing.T) {
	t.Parallel()
	node, modules := wstest.RequireNodeWS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	script := filepath.Join(t.TempDir(), "server.js")
	if err := os.WriteFile(script, []byte(nodeServer), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	cmd.WaitDelay = 5 * time.Second
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	port, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("node server did not start: %v", err)
	}
	u := "ws://127.0.0.1:" + strings.TrimSpace(port) + "/"

	// Our close at end of input.
	code, out, errs := run(t, strings.NewReader("héllo\n"), "-s", "v9", "-s", "chat", "-H", "Origin: http://wscat.test", "-frames", u)
	if code != ExitOK || out != "origin=http://wscat.test protocol=chat\nhéllo\n" {
		t.Errorf("wscat vs node = %d, stdout %q\nstderr: %s", code, out, errs)
	}
	if !strings.Contains(errs, "< FIN=1 RSV=000 opcode=0x8 (close) MASK=0 len=2 code=1000") {
		t.Errorf("no close frame from node in the trace:\n%s", errs)
	}
	// Binary messages, then the server's close.
	code, out, errs = run(t, strings.NewReader("hi\n"), "-binary", u)
	if code != ExitOK || !strings.HasSuffix(out, "\n6869\n") {
		t.Errorf("wscat -binary vs node = %d, stdout %q\nstderr: %s", code, out, errs)
	}
	code, out, errs = run(t, strings.NewReader("bye\n"), u)
	if code != ExitOK || !strings.Contains(errs, "bye") {
		t.Errorf("wscat vs node closing = %d, stdout %q\nstderr: %s", code, out, errs)
	}
}

// nodeLargeServer is a Node ws@8 server, with permessage-deflate if argv[2]
// is "deflate", that prints its port and then, for each connection to
// /n1,n2,…, prints the extensions agreed and sends for each n a text
// message of n bytes (words, some of them 2-byte UTF-8, no newline) and a
// binary message of n random bytes, printing each one's length and SHA-256,
// then closes with 1000. On each close it prints the code received and the
// bytes it wrote to the socket.
const nodeLargeServer = `
const { WebSocketServer } = require('ws');
const crypto = require('crypto');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: process.argv[2] === 'deflate' });
wss.on('listening', () => console.log(wss.address().port));
const words = ['websocket ', 'deflate ', 'héllo ', '{"id":42,', '"name":"wscat"} ', 'große ', '[1,2,3] '].map((w) => Buffer.from(w));
function text(n) {
  const b = Buffer.alloc(n, ' ');
  for (let i = 0; ; ) {
    const w = words[Math.floor(Math.random() * words.length)];
    if (i + w.length > n) break;
    w.copy(b, i);
    i += w.length;
  }
  return b;
}
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
wss.on('connection', (ws, req) => {
  console.log('EXT ' + (ws.extensions || 'none'));
  for (const n of req.url.slice(1).split(',').map(Number)) {
    const t = text(n), b = crypto.randomBytes(n);
    console.log('SENT text ' + n + ' ' + sha(t));
    ws.send(t, { binary: false });
    console.log('SENT binary ' + n + ' ' + sha(b));
    ws.send(b, { binary: true });
  }
  ws.close(1000, 'done');
  ws.on('close', (code) => console.log('CLOSE ' + code + ' WROTE ' + ws._socket.bytesWritten));
});
`

// TestNodeLargeMessages: wscat receives 1 MiB and 16 MiB messages, text and
// binary, from Node's ws server byte for byte (SHA-256), with
// permessage-deflate negotiated (both sides say so, and Node wrote fewer
// bytes than the payloads) and without it (-deflate=false, or a server
// that declines). A message over -limit closes with 1009 (exit 3).
func TestNodeLargeMessages(t *testing.T) {
	t.Parallel()
	node, modules := wstest.RequireNodeWS(t)
	tests := []struct {
		name     string
		server   string // "deflate" enables Node's perMessageDeflate
		args     []string
		sizes    string
		deflated bool // permessage-deflate in effect
	}{
		{"compressed", "deflate", nil, "1048576,16777216", true},
		{"-deflate=false", "deflate", []string{"-deflate=false"}, "1048576,16777216", false},
		{"server declines", "plain", nil, "1048576,16777216", false},
		{"compressed, -limit -1", "deflate", []string{"-limit", "-1"}, "16777216", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, lines := startNode(t, node, modules, nodeLargeServer, tt.server)
			stdin, w := io.Pipe() // input stays open: the server ends the session
			defer w.Close()
			args := append(append([]string{"-timeout", "30s"}, tt.args...), u+tt.sizes)
			code, out, errs := runFor(t, 90*time.Second, stdin, args...)
			log := collect(lines)
			if code != ExitOK {
				t.Fatalf("wscat %q = %d; want 0\nstderr: %.2000s\nnode: %s", args, code, errs, log)
			}
			if got := strings.Contains(errs, "permessage-deflate)"); got != tt.deflated {
				t.Errorf("wscat reports permessage-deflate %v, want %v: %.300s", got, tt.deflated, errs)
			}
			if got := strings.Contains(log, "EXT permessage-deflate"); got != tt.deflated {
				t.Errorf("Node agreed on permessage-deflate %v, want %v: %s", got, tt.deflated, log)
			}
			var sent []string // "text n sha" and "binary n sha", in order
			var total, wrote int64
			for _, l := range strings.Split(log, "\n") {
				if s, ok := strings.CutPrefix(l, "SENT "); ok {
					sent = append(sent, s)
					var kind, sum string
					var n int64
					fmt.Sscan(s, &kind, &n, &sum)
					total += n
				}
				fmt.Sscanf(l, "CLOSE 1000 WROTE %d", &wrote)
			}
			got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(got) != len(sent) {
				t.Fatalf("wscat printed %d lines, Node sent %d messages", len(got), len(sent))
			}
			for i, line := range got {
				p := []byte(line)
				if strings.HasPrefix(sent[i], "binary ") {
					var err error
					if p, err = hex.DecodeString(line); err != nil {
						t.Fatalf("message %d: %v", i, err)
					}
				}
				if s := fmt.Sprintf("%d %x", len(p), sha256.Sum256(p)); !strings.HasSuffix(sent[i], " "+s) {
					t.Errorf("message %d: received %s, Node sent %s", i, s, sent[i])
				}
			}
			// Random binary data does not compress, the text does (about 3:1).
			if tt.deflated && (wrote == 0 || wrote > total*4/5) {
				t.Errorf("Node wrote %d bytes for %d bytes of messages: were they compressed?", wrote, total)
			}
			if !tt.deflated && wrote < total {
				t.Errorf("Node wrote %d bytes for %d bytes of messages uncompressed", wrote, total)
			}
			t.Logf("%d bytes of messages, %d on the wire", total, wrote)
		})
	}
	t.Run("over -limit", func(t *testing.T) {
		t.Parallel()
		u, lines := startNode(t, node, modules, nodeLargeServer, "deflate")
		stdin, w := io.Pipe()
		defer w.Close()
		code, _, errs := runFor(t, 30*time.Second, stdin, "-limit", "1048575", u+"1048576")
		log := collect(lines)
		// wscat sends 1009 and closes TCP with the rest of the message
		// unread: Node may see the reset before the Close frame, so only
		// wscat's side is checked.
		if code != ExitAbnormal || !strings.Contains(errs, "closed: "+frame.CloseMessageTooBig.String()) {
			t.Errorf("wscat -limit 1048575 receiving 1 MiB = %d, stderr %q; want %d after closing with 1009\nnode: %s", code, errs, ExitAbnormal, log)
		}
		t.Logf("node: %s", log)
	})
}

// startNode runs a Node script that prints its port on its first line and
// returns the server's URL and the rest of its output, line by line.
func startNode(t *testing.T, node, modules, script string, args ...string) (string, <-chan string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "server.js")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, append([]string{path}, args...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	cmd.WaitDelay = 5 * time.Second
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		t.Fatalf("node server did not start: %v", sc.Err())
	}
	u := "ws://127.0.0.1:" + strings.TrimSpace(sc.Text()) + "/"
	lines := make(chan string, 64)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	return u, lines
}

// collect returns the lines Node printed until its CLOSE line (or a pause
// of 5 s), joined.
func collect(lines <-chan string) string {
	var log []string
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return strings.Join(log, "\n")
			}
			log = append(log, l)
			if strings.HasPrefix(l, "CLOSE ") {
				return strings.Join(log, "\n")
			}
		case <-time.After(5 * time.Second):
			return strings.Join(log, "\n")
		}
	}
}
