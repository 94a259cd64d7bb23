package wscat

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
