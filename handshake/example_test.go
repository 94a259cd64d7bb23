package handshake_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/rfc6455/ws/handshake"
)

// The sample handshake of RFC 6455, Section 1.3.
func ExampleAcceptKey() {
	fmt.Println(handshake.AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="))
	// Output: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
}

// A server checks the request, chooses a subprotocol and writes the 101.
func ExampleCheckRequest() {
	r, _ := http.NewRequest("GET", "http://server.example.com/chat", nil)
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.Header.Set("Sec-WebSocket-Protocol", "chat, superchat")
	opts := &handshake.ServerOptions{Subprotocols: []string{"chat"}}

	var out strings.Builder
	offer, err := handshake.CheckRequest(r, opts)
	if err == nil {
		protocol := handshake.ChooseSubprotocol(offer.Protocols, opts.Subprotocols)
		var h http.Header
		if h, err = handshake.Response(r, offer, protocol, nil, opts); err == nil {
			handshake.WriteResponse(&out, h)
		}
	}
	if err != nil {
		handshake.WriteError(&out, err) // 400, 403, 405 or 426 with a text body
	}
	fmt.Print(strings.ReplaceAll(out.String(), "\r\n", "\n"))
	// Output:
	// HTTP/1.1 101 Switching Protocols
	// Upgrade: websocket
	// Connection: Upgrade
	// Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
	// Sec-WebSocket-Protocol: chat
}

// A client builds the request for a ws:// URL, then checks the answer.
func ExampleNewRequest() {
	nonce := strings.NewReader("the sample nonce") // 16 bytes; nil means crypto/rand
	opts := &handshake.ClientOptions{Subprotocols: []string{"chat"}, Rand: nonce}
	req, key, err := handshake.NewRequest(context.Background(), "ws://server.example.com:80/chat", opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(req.Method, req.URL.RequestURI(), "Host:", req.Host, "key:", key)

	resp := &http.Response{StatusCode: 101, Header: http.Header{
		"Upgrade":                {"websocket"},
		"Connection":             {"Upgrade"},
		"Sec-Websocket-Accept":   {"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
		"Sec-Websocket-Protocol": {"chat"},
	}}
	protocol, _, err := handshake.CheckResponse(resp, key, opts)
	fmt.Printf("protocol %q, err %v\n", protocol, err)
	// Output:
	// GET /chat Host: server.example.com key: dGhlIHNhbXBsZSBub25jZQ==
	// protocol "chat", err <nil>
}
