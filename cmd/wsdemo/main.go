// Command wsdemo is the walkthrough of the article "WebSocket Simplified" in
// Go: an HTTP server on localhost:8000 whose page opens a WebSocket on the
// same port, is greeted, sends a message, and orders food three ways
// (polling, long polling, WebSocket push) with the bytes each one cost.
//
// Usage:
//
//	go run ./cmd/wsdemo [-addr localhost:8000] [-cook 3s] [-trace]
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
	"github.com/rfc6455/ws/internal/demo"
)

func main() {
	addr := flag.String("addr", "localhost:8000", "address to listen on")
	cook := flag.Duration("cook", 3*time.Second, "how long the food takes")
	trace := flag.Bool("trace", false, "print the bytes of every WebSocket connection to / (handshake and first frames), annotated")
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
