package main

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/internal/echo"
	"github.com/rfc6455/ws/internal/wstest"
)

// TestRunEchoesAndShutsDown: wsecho echoes with the message type, and on
// shutdown closes every connection with 1001 and returns.
func TestRunEchoesAndShutsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, ln, false, 1<<20, true, "*") }()

	dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer dcancel()
	ep, _, err := conn.Dial(dctx, "ws://"+ln.Addr().String()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []frame.Opcode{frame.OpText, frame.OpBinary} {
		ep.WriteMessage(op, []byte("ping"))
		got, p, err := ep.ReadMessage(nil)
		if err != nil || got != op || string(p) != "ping" {
			t.Fatalf("echo = %v %q %v, want %v ping", got, p, err, op)
		}
	}
	cancel()
	_, _, err = ep.ReadMessage(nil)
	if conn.CloseStatus(err) != frame.CloseGoingAway {
		t.Fatalf("after shutdown read %v, want 1001", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after shutdown")
	}
}

// TestShutdownBounded: shutdown returns within -close-timeout plus 1 s and
// leaves no connection open, even with a client that sent a large message
// and stopped reading (the echo is stuck in a write), a client that never
// answers the Close, and a TCP connection that never sent its request
// (before issue 11, SIGTERM took 11 s and ended with connections open).
func TestShutdownBounded(t *testing.T) {
	old := closeTimeout
	closeTimeout = 500 * time.Millisecond
	defer func() { closeTimeout = old }()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, ln, false, 64<<20, true, "*") }()
	dial := func() *conn.Endpoint {
		dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer dcancel()
		ep, _, err := conn.Dial(dctx, "ws://"+ln.Addr().String()+"/", &conn.DialOptions{Options: conn.Options{ReadLimit: -1}})
		if err != nil {
			t.Fatal(err)
		}
		return ep
	}
	// The server's echo of 32 MiB gets stuck: this client never reads.
	stuck := dial()
	go stuck.WriteMessage(frame.OpBinary, make([]byte, 32<<20))
	// This one never reads either, so it never answers the Close.
	dial()
	// And this TCP connection never sends a request.
	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return within 10 s of shutdown")
	}
	if d := time.Since(start); d > closeTimeout+time.Second+500*time.Millisecond {
		t.Errorf("shutdown took %v, bound %v", d, closeTimeout+time.Second)
	}
}

// serve runs wsecho with -subprotocols flag until the test ends and returns
// its URL.
func serve(t *testing.T, flag string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, ln, false, 1<<20, true, flag) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run = %v", err)
		}
	})
	return "ws://" + ln.Addr().String() + "/"
}

// TestSubprotocolsFlag: -subprotocols reaches the echo, and a bad value
// stops run with an error.
func TestSubprotocolsFlag(t *testing.T) {
	for _, tt := range []struct{ flag, want string }{
		{"*", "chat"}, {"superchat", "superchat"}, {"superchat,chat", "chat"}, {"none", ""},
	} {
		u := serve(t, tt.flag)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		ep, _, err := conn.Dial(ctx, u, &conn.DialOptions{Subprotocols: []string{"chat", "superchat"}})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if got := ep.Subprotocol(); got != tt.want {
			t.Errorf("-subprotocols %s, offer chat, superchat: selected %q, want %q", tt.flag, got, tt.want)
		}
		ep.Close(frame.CloseNormal, "")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), ln, false, 1<<20, true, "a b"); !errors.Is(err, echo.ErrSubprotocolList) {
		t.Errorf("run with -subprotocols \"a b\" = %v, want echo.ErrSubprotocolList", err)
	}
}

// nodeClient offers the subprotocols of argv[3] (JSON) to the URL argv[2],
// sends a text and a binary message, checks their echoes and prints what
// happened.
const nodeClient = `
const WebSocket = require('ws');
const ws = new WebSocket(process.argv[2], JSON.parse(process.argv[3]));
const bin = Buffer.from([0, 1, 255]);
let step = 0;
ws.on('open', () => ws.send('héllo'));
ws.on('message', (data, isBinary) => {
  if (step === 0 && !isBinary && data.toString() === 'héllo') { step = 1; ws.send(bin); return; }
  if (step === 1 && isBinary && bin.equals(data)) { step = 2; ws.close(1000); return; }
  console.log('FAIL unexpected echo at step ' + step);
  process.exit(1);
});
ws.on('close', (code) => { console.log((step === 2 && code === 1000 ? 'OK' : 'FAIL') + ' close ' + code + ' protocol "' + ws.protocol + '"'); process.exit(0); });
ws.on('error', (e) => { console.log('ERROR ' + e.message); process.exit(0); });
setTimeout(() => { console.log('TIMEOUT'); process.exit(1); }, 20000);
`

// TestNodeSubprotocol: a Node ws client offering ['chat', 'superchat']
// connects to wsecho and its messages come back, with protocol 'chat' by
// default and 'superchat' with -subprotocols superchat. With -subprotocols
// none, Node refuses the handshake, as it did before wsecho selected one.
func TestNodeSubprotocol(t *testing.T) {
	node, modules := wstest.RequireNodeWS(t)
	script := filepath.Join(t.TempDir(), "client.js")
	if err := os.WriteFile(script, []byte(nodeClient), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ flag, want string }{
		{"*", `OK close 1000 protocol "chat"`},
		{"superchat", `OK close 1000 protocol "superchat"`},
		{"chat,superchat", `OK close 1000 protocol "chat"`},
		{"none", "ERROR Server sent no subprotocol"},
	} {
		t.Run("-subprotocols "+tt.flag, func(t *testing.T) {
			u := serve(t, tt.flag)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, script, u, `["chat","superchat"]`)
			cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
			cmd.WaitDelay = 5 * time.Second
			out, err := cmd.CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != tt.want {
				t.Errorf("node client vs wsecho -subprotocols %s: %v, output %q; want %q", tt.flag, err, out, tt.want)
			}
		})
	}
}
