package conn_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/rfc6455/ws/conn"
	_ "github.com/rfc6455/ws/conn/xconnect" // extended CONNECT (RFC 8441) in net/http's HTTP/2 server
)

// echoProto is one handler for both versions: the HTTP/1.1 Upgrade and,
// over HTTP/2, the extended CONNECT of RFC 8441. It answers each message
// with the protocol that carried it.
func echoProto(w http.ResponseWriter, r *http.Request) {
	ep, err := conn.Accept(w, r, nil)
	if err != nil {
		return // Accept has answered (400, 403, 405, 426, 501...)
	}
	for {
		op, p, err := ep.ReadMessage(nil)
		if err != nil {
			break // the close handshake, or a failure: ep is closing
		}
		ep.WriteMessage(op, append([]byte(r.Proto+": "), p...))
	}
	// Over HTTP/2 the WebSocket is the request's stream, which ends when
	// the handler returns: wait until the Endpoint is done with it.
	<-ep.Done()
}

// A server whose one handler takes WebSockets over HTTP/1.1 and, on the
// same port, over cleartext HTTP/2 with prior knowledge (over TLS, ALPN
// picks the version). The client dials once with each.
func ExampleAccept_http2() {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(echoProto))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true) // h2c (RFC 9113, Section 3.3)
	srv.Start()
	defer srv.Close()

	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	for _, v := range []conn.HTTPVersion{conn.HTTP1, conn.HTTP2} {
		ep, _, err := conn.Dial(context.Background(), url, &conn.DialOptions{HTTPVersion: v})
		if err != nil {
			log.Fatal(err)
		}
		ep.WriteMessage(conn.OpText, []byte("hello"))
		_, p, _ := ep.ReadMessage(nil)
		fmt.Println(string(p))
		ep.Close(conn.CloseNormal, "")
	}
	// Output:
	// HTTP/1.1: hello
	// HTTP/2.0: hello
}
