package conn_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/rfc6455/ws/conn"
	_ "github.com/rfc6455/ws/conn/xconnect" // the server side: extended CONNECT in net/http's HTTP/2 server
)

// WebSockets over HTTP/2 (RFC 8441). The server is net/http's HTTP/2
// server with extended CONNECT turned on (conn/xconnect) and an ordinary
// Accept handler. The client asks for HTTP/2, and with an HTTP2Pool its two
// WebSockets share one TLS connection, each on its own stream: the second
// Dial costs one round trip, not a TCP and TLS handshake.
func ExampleDial_http2() {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, err := conn.Accept(w, r, nil) // the same handler serves HTTP/1.1 and HTTP/2
		if err != nil {
			return
		}
		defer ep.Close(conn.CloseNormal, "")
		op, p, err := ep.ReadMessage(nil)
		if err == nil {
			ep.WriteMessage(op, append([]byte("echo: "), p...))
		}
		ep.ReadMessage(nil) // wait for the client's Close
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	pool := &conn.HTTP2Pool{}
	defer pool.Close()
	opts := &conn.DialOptions{
		HTTPVersion: conn.HTTP2, // the zero value, HTTPAuto, would pick HTTP/2 here too
		Pool:        pool,
		TLSConfig:   srv.Client().Transport.(*http.Transport).TLSClientConfig, // trusts the test certificate
	}
	url := "wss" + strings.TrimPrefix(srv.URL, "https")
	for i := range 2 {
		ep, resp, err := conn.Dial(context.Background(), url, opts)
		if err != nil {
			log.Fatal(err)
		}
		ep.WriteMessage(conn.OpText, []byte(fmt.Sprint("hello ", i)))
		_, p, _ := ep.ReadMessage(nil)
		fmt.Println(resp.Proto, resp.StatusCode, string(p))
		ep.Close(conn.CloseNormal, "")
	}
	// Output:
	// HTTP/2.0 200 echo: hello 0
	// HTTP/2.0 200 echo: hello 1
}
