package conn

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// TestHandshakeOutputsRefused: Options.Subprotocol and
// Compression.Negotiated are the handshake's results; Accept and Dial
// refuse them set, with an error that names the field to use instead,
// rather than silently overwrite them.
func TestHandshakeOutputsRefused(t *testing.T) {
	var acceptErr error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, acceptErr = Accept(w, r, &AcceptOptions{Options: Options{Subprotocol: "chat"}})
	}))
	defer srv.Close()
	_, resp, err := Dial(context.Background(), "ws://"+srv.Listener.Addr().String()+"/", &DialOptions{Subprotocols: []string{"chat"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("Dial against a misconfigured Accept: %v, %v; want a 500", resp, err)
	}
	if acceptErr == nil || !strings.Contains(acceptErr.Error(), "Subprotocols") {
		t.Errorf("Accept error %v: want one naming ServerOptions.Subprotocols", acceptErr)
	}
	_, _, err = Dial(context.Background(), "ws://127.0.0.1:1/", &DialOptions{Options: Options{Compression: Compression{Negotiated: &handshake.DeflateParams{}}}})
	if err == nil || !strings.Contains(err.Error(), "Compression.Negotiated") {
		t.Errorf("Dial with Negotiated set: %v", err)
	}
}

// TestCloseErrorReasonLocal: for a failure detected here, Reason is this
// end's own text (the rule broken) and Err is set; for the peer's Close,
// Reason is the peer's and Err is nil.
func TestCloseErrorReasonLocal(t *testing.T) {
	a, b := tcpPair(t)
	ep := NewEndpoint(a, nil, Server, nil)
	b.Write([]byte{0x83, 0x80, 0, 0, 0, 0}) // reserved opcode 3, masked, empty
	_, _, err := ep.ReadMessage(nil)
	ce, ok := err.(CloseError)
	if !ok || ce.Err == nil || ce.Code != frame.CloseProtocolError || !strings.Contains(ce.Reason, "opcode") {
		t.Fatalf("local failure: %#v", err)
	}
	a2, b2 := tcpPair(t)
	ep2 := NewEndpoint(a2, nil, Server, nil)
	b2.Write(clientFrame(0x88, []byte{0x03, 0xe9, 'b', 'y', 'e'}))
	_, _, err = ep2.ReadMessage(nil)
	if ce, ok := err.(CloseError); !ok || ce.Err != nil || ce.Reason != "bye" || ce.Code != frame.CloseGoingAway {
		t.Fatalf("peer's close: %#v", err)
	}
}

// TestCloseErrorAsPointer: errors.As finds a CloseError with a value
// target and with a pointer target.
func TestCloseErrorAsPointer(t *testing.T) {
	err := fmt.Errorf("read: %w", CloseError{Code: frame.CloseGoingAway, Reason: "bye"})
	var v CloseError
	var p *CloseError
	if !errors.As(err, &v) || v.Code != frame.CloseGoingAway {
		t.Fatalf("value target: %v", v)
	}
	if !errors.As(err, &p) || p == nil || p.Reason != "bye" {
		t.Fatalf("pointer target: %v", p)
	}
}
