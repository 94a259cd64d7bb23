// Command wsecho is a WebSocket echo server: every message comes back with
// its type. It is the testee for the Autobahn|Testsuite's fuzzingclient.
//
//	go run ./cmd/wsecho                 # ws://127.0.0.1:9001/ (any path)
//	go run ./cmd/wsecho -stream         # echo fragment by fragment
//	go run ./cmd/wsecho -deflate=false  # refuse permessage-deflate (it is accepted by default)
//	go run ./cmd/wsecho -subprotocols chat,superchat  # select only these subprotocols
//	go run ./cmd/wsecho -tls 127.0.0.1:9443  # also wss://, self-signed (-cert/-key for your own)
//
// The -addr listener speaks HTTP/1.1 and cleartext HTTP/2 with prior
// knowledge (h2c); -tls adds a TLS listener that offers HTTP/2 and
// HTTP/1.1 by ALPN. Over HTTP/2 a WebSocket opens with an extended CONNECT
// (RFC 8441), which wsecho turns on in net/http by importing
// conn/xconnect: browsers open their WebSockets to wss:// over HTTP/2.
//
// An echo speaks every subprotocol, so by default (-subprotocols '*') it
// selects the first one the client offers (RFC 6455, Section 4.2.2):
// browsers and Node's ws refuse a handshake that selects none of those they
// offered. -subprotocols a,b selects the first subprotocol the client
// offered that is a or b, following the client's order of preference, not
// the flag's; if it offered neither, none is selected. -subprotocols none
// never selects one. See echo.ParseSubprotocols.
//
// It logs each connection and the code it closed with, and on SIGINT or
// SIGTERM closes every connection with 1001 (going away) and exits.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/conn/xconnect" // RFC 8441 in net/http's HTTP/2 server
	"github.com/rfc6455/ws/internal/echo"
	"github.com/rfc6455/ws/internal/tlscert"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9001", "address to listen on")
	stream := flag.Bool("stream", false, "echo fragment by fragment instead of whole messages")
	limit := flag.Int64("limit", echo.DefaultReadLimit, "largest message accepted, in bytes (<0: no limit)")
	quiet := flag.Bool("q", false, "do not log connections")
	flag.BoolVar(&deflate, "deflate", true, "accept permessage-deflate (RFC 7692), for Autobahn groups 12 and 13 (-deflate=false: refuse the extension)")
	protocols := flag.String("subprotocols", "*", "subprotocols to select (RFC 6455, Section 4.2.2): '*' the client's first offer, 'none', or a comma list of those accepted, chosen in the client's order of preference")
	flag.DurationVar(&closeTimeout, "close-timeout", conn.DefaultCloseTimeout, "bound on each close handshake, and so on shutdown (which takes at most this plus 1s)")
	tlsAddr := flag.String("tls", "", "also listen for TLS on this address (wss://; HTTP/2 and HTTP/1.1 by ALPN)")
	certFile := flag.String("cert", "", "with -tls: certificate file (PEM); default a self-signed certificate for 127.0.0.1 and localhost, made at start")
	keyFile := flag.String("key", "", "with -tls: private key file (PEM) of -cert")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err == nil && *tlsAddr != "" {
		if tlsConfig, err = tlscert.Config(*certFile, *keyFile); err == nil {
			tlsListener, err = net.Listen("tcp", *tlsAddr)
		}
	} else if err == nil && (*certFile != "" || *keyFile != "") {
		err = errors.New("-cert and -key need -tls")
	}
	if err == nil {
		err = run(ctx, ln, *stream, *limit, *quiet, *protocols)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wsecho:", err)
		os.Exit(1)
	}
}

// deflate accepts permessage-deflate (-deflate, on by default).
var deflate bool

// closeTimeout bounds each connection's close handshake (-close-timeout).
var closeTimeout = conn.DefaultCloseTimeout

// tlsListener, if set, is the -tls listener, served with tlsConfig's
// certificate.
var (
	tlsListener net.Listener
	tlsConfig   *tls.Config
)

// run serves until ctx is canceled, then closes every connection with 1001
// and waits (bounded) for the handlers to finish. subprotocols is the
// -subprotocols flag, in the syntax of echo.ParseSubprotocols.
func run(ctx context.Context, ln net.Listener, stream bool, limit int64, quiet bool, subprotocols string) error {
	choose, err := echo.ParseSubprotocols(subprotocols)
	if err != nil {
		ln.Close()
		if tlsListener != nil {
			tlsListener.Close()
		}
		return fmt.Errorf("-subprotocols: %w", err)
	}
	logf := log.Printf
	if quiet {
		logf = func(string, ...any) {}
	}
	// conns closes every connection with 1001 on shutdown; wg waits for
	// their handlers to log how each ended.
	var conns conn.Group
	var wg sync.WaitGroup
	opts := &echo.Options{Streaming: stream, Log: logf, Group: &conns, Conns: &wg, Subprotocol: choose}
	opts.ReadLimit = limit
	opts.Compression.Enable = deflate
	opts.CloseTimeout = closeTimeout
	srv := &http.Server{Handler: echo.Handler(opts), ReadHeaderTimeout: 10 * time.Second, TLSConfig: tlsConfig}
	// HTTP/1.1 and h2c with prior knowledge on ln (RFC 9113, Section
	// 3.3); HTTP/2 and HTTP/1.1 by ALPN on the TLS listener (Section 3.2).
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetHTTP2(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	mode := "message"
	if stream {
		mode = "streaming"
	}
	h2 := "HTTP/2 without extended CONNECT: GODEBUG has http2xconnect=0"
	if xconnect.Enabled() {
		h2 = "HTTP/2 with extended CONNECT, RFC 8441"
	}
	log.Printf("wsecho: listening on ws://%s/ (%s echo, read limit %d, subprotocols %s; HTTP/1.1 and h2c, %s)", ln.Addr(), mode, limit, subprotocols, h2)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if tlsListener != nil {
		log.Printf("wsecho: listening on wss://%s/ (HTTP/2 and HTTP/1.1 by ALPN)", tlsListener.Addr())
		go func() { errc <- srv.ServeTLS(tlsListener, "", "") }()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Every connection's Close starts at once and returns within
	// closeTimeout, whatever the peer does (conn.Endpoint.Close); new
	// upgrades are refused meanwhile (503). Connections net/http still
	// holds (a client that never sent its request) are cut at the bound.
	log.Printf("wsecho: shutting down: closing connections with 1001 (within %v)", closeTimeout)
	sctx, scancel := context.WithTimeout(context.Background(), closeTimeout+time.Second)
	defer scancel()
	err = conns.ShutdownServer(sctx, srv, conn.CloseGoingAway, "server shutting down")
	if err != nil {
		srv.Close()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-sctx.Done():
		err = errors.Join(err, fmt.Errorf("connections still open after %v", closeTimeout+time.Second))
	}
	if errors.Is(err, context.DeadlineExceeded) && conns.Len() == 0 {
		err = nil // only net/http's idle connections were left, and srv.Close cut them
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
