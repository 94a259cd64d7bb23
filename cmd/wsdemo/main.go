// Command wsdemo is the walkthrough of the article "WebSocket Simplified" in
// Go: an HTTP server on localhost:8000 whose page opens a WebSocket on the
// same port, is greeted, sends a message, and orders food three ways
// (polling, long polling, WebSocket push) with the bytes each one cost.
//
// Usage:
//
//	go run ./cmd/wsdemo [-addr localhost:8000] [-cook 3s] [-trace] [-tls localhost:8443 [-cert FILE -key FILE]]
//
// With -tls the demo is also served over HTTPS (a self-signed certificate
// for 127.0.0.1 and localhost made at start, unless -cert and -key name
// one): the browser loads the page over HTTP/2 and opens its WebSockets on
// that same connection with an extended CONNECT (RFC 8441), which wsdemo
// turns on in net/http by importing conn/xconnect; the page shows which
// protocol carried them.
//
// The logic lives in internal/demo.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rfc6455/ws/conn"
	_ "github.com/rfc6455/ws/conn/xconnect" // RFC 8441 in net/http's HTTP/2 server
	"github.com/rfc6455/ws/internal/demo"
	"github.com/rfc6455/ws/internal/tlscert"
)

func main() {
	addr := flag.String("addr", "localhost:8000", "address to listen on")
	cook := flag.Duration("cook", 3*time.Second, "how long the food takes")
	trace := flag.Bool("trace", false, "print the bytes of every WebSocket connection to / (handshake and first frames), annotated")
	tlsAddr := flag.String("tls", "", "also serve HTTPS on this address (HTTP/2 by ALPN, WebSockets over RFC 8441)")
	certFile := flag.String("cert", "", "with -tls: certificate file (PEM); default a self-signed certificate made at start")
	keyFile := flag.String("key", "", "with -tls: private key file (PEM) of -cert")
	flag.Parse()

	log.SetFlags(log.Ltime | log.Lmicroseconds)
	opts := &demo.Options{CookTime: *cook}
	if *trace {
		opts.Trace = os.Stdout
	}
	s := demo.New(opts)
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	url := demo.URL(*addr, l.Addr())
	fmt.Printf("wsdemo: open %s in a browser (its WebSocket is ws://%s)\n", url, url[len("http://"):])
	fmt.Printf("wsdemo: plain HTTP, as in the article: curl %sconnected\n", url)
	if *tlsAddr != "" {
		cfg, err := tlscert.Config(*certFile, *keyFile)
		if err != nil {
			log.Fatal(err)
		}
		tl, err := net.Listen("tcp", *tlsAddr)
		if err != nil {
			log.Fatal(err)
		}
		surl := "https://" + demo.URL(*tlsAddr, tl.Addr())[len("http://"):]
		fmt.Printf("wsdemo: or %s: HTTP/2, its WebSockets on the page's own connection (RFC 8441)", surl)
		if *certFile == "" {
			fmt.Print("; the certificate is self-signed: accept it in the browser")
		}
		fmt.Println()
		go func() {
			if err := s.ServeTLS(tl, cfg); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Fatal(err)
			}
		}()
	} else if *certFile != "" || *keyFile != "" {
		log.Fatal("-cert and -key need -tls")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
		<-stop
		// Every WebSocket gets 1001 going away; each close handshake is
		// bounded by conn.DefaultCloseTimeout, so this bound is a backstop.
		log.Print("shutting down")
		ctx, cancel := context.WithTimeout(context.Background(), conn.DefaultCloseTimeout+time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			log.Printf("shutdown: %v; closing what is left", err)
			s.Close()
		}
	}()
	if err := s.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	<-done // Serve returns as soon as Shutdown begins
}
