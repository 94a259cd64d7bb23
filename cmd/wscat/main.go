// Command wscat is a command-line WebSocket client:
//
//	wscat ws://127.0.0.1:9001/
//
// connects, sends each line of standard input as a text message, prints each
// message received on its own line as it arrives, and at end of input closes
// with 1000 and waits for the close handshake. -frames prints every frame
// sent and received with its header fields spelled out; -h lists the flags.
// Messages of up to 100 MiB are received (-limit sets another bound in
// bytes, -limit -1 none; a larger message closes with 1009, exit 3), and
// permessage-deflate is offered (-deflate=false offers nothing), as Node's
// wscat does. -http2 opens the WebSocket over HTTP/2 (RFC 8441): TLS with
// ALPN h2 for wss://, cleartext HTTP/2 with prior knowledge for ws://; it
// fails clearly when the server does not enable extended CONNECT. Without
// it, wss:// still uses HTTP/2 when the server offers it. -insecure skips
// certificate checks for a test server.
// The exit status is 0 after a normal closure, 1 if the connection or the
// handshake failed, 2 for a bad command line and 3 for an abnormal closure.
// The logic lives in internal/wscat.
package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"os/signal"
	"syscall"

	"github.com/rfc6455/ws/internal/wscat"
)

func main() {
	cfg, err := wscat.ParseArgs(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(wscat.ExitOK)
	}
	if err != nil {
		os.Exit(wscat.ExitUsage)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := wscat.Run(ctx, cfg, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
