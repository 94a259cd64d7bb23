// Command wstestee is the client testee for Autobahn-style fuzzing servers:
// the Autobahn|Testsuite in fuzzingserver mode, or wsconform client. It runs
// every case the server offers with this library's client (conn.Dial),
// echoing each message with its type, then asks the server to update its
// reports. It exits 0 when the run completed; the grades are in the server's
// report.
//
//	wstestee -url ws://127.0.0.1:9001 -agent rfc6455-ws
//	wstestee -http2 -url ws://127.0.0.1:9001     # every WebSocket over HTTP/2 (RFC 8441), h2c
//	wstestee -http2 -insecure -url wss://127.0.0.1:9443  # over TLS with ALPN h2, self-signed certificate
//
// With -http2 every Dial uses conn.HTTP2: an extended CONNECT on an HTTP/2
// connection of its own (h2c with prior knowledge for ws://, TLS with ALPN
// h2 for wss://), failing if the server cannot.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/internal/testee"
)

func main() {
	u := flag.String("url", "ws://127.0.0.1:9001", "fuzzing server base URL")
	agent := flag.String("agent", "rfc6455-ws", "agent name in the server's reports")
	verbose := flag.Bool("v", false, "log every case")
	http2 := flag.Bool("http2", false, "open every WebSocket over HTTP/2 (RFC 8441): h2c with prior knowledge for ws://, TLS with ALPN h2 for wss://")
	insecure := flag.Bool("insecure", false, "wss://: do not verify the server's certificate")
	deflate := flag.Bool("deflate", true, "offer permessage-deflate (RFC 7692) with client_no_context_takeover, for Autobahn groups 12 and 13 (-deflate=false: no extension)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts := &testee.Options{Agent: *agent}
	if *deflate {
		// 13.2, 13.5, 13.6 and 13.7 accept only a client that offers
		// client_no_context_takeover.
		opts.Dial = &conn.DialOptions{Options: conn.Options{Compression: conn.Compression{Enable: true, ClientNoContextTakeover: true}}}
	}
	if *http2 || *insecure {
		if opts.Dial == nil {
			opts.Dial = &conn.DialOptions{}
		}
		if *http2 {
			opts.Dial.HTTPVersion = conn.HTTP2
		}
		if *insecure {
			opts.Dial.TLSConfig = &tls.Config{InsecureSkipVerify: true}
		}
	}
	logger := log.New(os.Stderr, "wstestee: ", 0)
	if *verbose {
		opts.Logf = logger.Printf
	}
	if err := testee.Run(ctx, *u, opts); err != nil {
		logger.Print(err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "wstestee: run completed; see the fuzzing server's report")
}
