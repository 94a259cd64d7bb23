package conn_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/rfc6455/ws/conn"
)

// An echo server: Accept in a net/http handler, then read and write
// whole messages, reusing one buffer, until the peer closes.
func ExampleAccept() {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, err := conn.Accept(w, r, nil)
		if err != nil {
			return // Accept has already written the HTTP error
		}
		defer ep.Close(conn.CloseNormal, "")
		var buf []byte
		for {
			op, p, err := ep.ReadMessage(buf)
			if err != nil {
				return // a conn.CloseError: the peer closed, or the connection failed
			}
			if err := ep.WriteMessage(op, p); err != nil {
				return
			}
			buf = p
		}
	})
	srv := httptest.NewServer(handler)
	defer srv.Close()

	// A client talks to it.
	ep, _, err := conn.Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		log.Fatal(err)
	}
	ep.WriteMessage(conn.OpText, []byte("hello"))
	op, p, _ := ep.ReadMessage(nil)
	fmt.Println(op == conn.OpText, string(p))
	fmt.Println(ep.Close(conn.CloseNormal, "bye"))
	// Output:
	// true hello
	// <nil>
}

// A client connects, sends a message, reads the reply, and closes with
// the close handshake; after it, reads return the peer's code.
func ExampleDial() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, err := conn.Accept(w, r, nil)
		if err != nil {
			return
		}
		_, p, err := ep.ReadMessage(nil)
		if err == nil {
			ep.WriteMessage(conn.OpText, []byte(strings.ToUpper(string(p))))
		}
		ep.ReadMessage(nil) // until the client's Close
	}))
	defer srv.Close()

	ep, _, err := conn.Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		log.Fatal(err)
	}
	ep.WriteMessage(conn.OpText, []byte("shout"))
	_, p, _ := ep.ReadMessage(nil)
	fmt.Println(string(p))
	ep.Close(conn.CloseNormal, "done")
	_, _, err = ep.ReadMessage(nil)
	fmt.Println(conn.CloseStatus(err))
	// Output:
	// SHOUT
	// 1000 (normal closure)
}

// NewEndpoint wraps a connection whose handshake is already done; here
// the two ends of a net.Pipe.
func ExampleEndpoint_ReadMessage() {
	a, b := net.Pipe()
	server := conn.NewEndpoint(a, nil, conn.Server, nil)
	client := conn.NewEndpoint(b, nil, conn.Client, nil)
	go client.WriteMessage(conn.OpBinary, []byte{1, 2, 3})
	op, p, err := server.ReadMessage(nil)
	fmt.Println(op, p, err)
	// Output:
	// binary [1 2 3] <nil>
}

// NextReader streams a message of any size; text is checked as UTF-8 as
// it arrives.
func ExampleEndpoint_NextReader() {
	a, b := net.Pipe()
	server := conn.NewEndpoint(a, nil, conn.Server, nil)
	client := conn.NewEndpoint(b, nil, conn.Client, nil)
	go func() {
		w, _ := client.NextWriter(conn.OpText)
		fmt.Fprint(w, "streamed ")
		fmt.Fprint(w, "in pieces")
		w.Close()
	}()
	_, r, _ := server.NextReader()
	text, err := io.ReadAll(r)
	fmt.Println(len(text), err, string(text))
	// Output:
	// 18 <nil> streamed in pieces
}
