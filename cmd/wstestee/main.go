// Command wstestee is the client testee for Autobahn-style fuzzing servers:
// the Autobahn|Testsuite in fuzzingserver mode, or wsconform client. It runs
// every case the server offers with this library's client (conn.Dial),
// echoing each message with its type, then asks the server to update its
// reports. It exits 0 when the run completed; the grades are in the server's
// report.
//
//	wstestee -url ws://127.0.0.1:9001 -agent rfc6455-ws
package main

import (
	"context"
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
