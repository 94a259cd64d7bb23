package conn_test

// This file imports no package of this module but conn (TestAliasOneImport
// checks it): what it does, a chat server and client need no more.

import (
	"context"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/rfc6455/ws/conn"
)

// A chat server and its client written with conn alone: the server
// accepts into a Group and answers each message; the client dials with a
// subprotocol, talks, and sees the server's shutdown as 1001, going away.
func Example_chat() {
	var conns conn.Group
	opts := &conn.AcceptOptions{ServerOptions: conn.ServerOptions{Subprotocols: []string{"chat"}}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, err := conns.Accept(w, r, opts)
		if err != nil {
			return // Accept has answered; a *conn.HandshakeError says how
		}
		go func() {
			for {
				op, p, err := ep.ReadMessage(nil)
				if err != nil {
					return // a conn.CloseError
				}
				ep.WriteMessage(op, append([]byte("you said: "), p...))
			}
		}()
	}))
	defer srv.Close()

	ctx := context.Background()
	dopts := &conn.DialOptions{Subprotocols: []string{"chat"}}
	ep, _, err := conn.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), dopts)
	if err != nil {
		fmt.Println(err)
		return
	}
	ep.WriteMessage(conn.OpText, []byte("hello"))
	op, p, _ := ep.ReadMessage(nil)
	fmt.Println(ep.Subprotocol(), op, string(p))

	shut := make(chan error)
	go func() { shut <- conns.Shutdown(ctx, conn.CloseGoingAway, "server restarting") }()
	_, _, err = ep.ReadMessage(nil)
	fmt.Println(conn.CloseStatus(err) == conn.CloseGoingAway, err)
	fmt.Println(<-shut, conns.Len())
	// Output:
	// chat text you said: hello
	// true conn: closed: 1001 (going away): server restarting
	// <nil> 0
}

// TestAliasOneImport: this file, which uses the aliases, imports conn and
// the standard library only.
func TestAliasOneImport(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "alias_test.go", nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		first, _, _ := strings.Cut(path, "/")
		if strings.Contains(first, ".") && path != "github.com/rfc6455/ws/conn" {
			t.Errorf("alias_test.go imports %s; it must need conn only", path)
		}
	}
}

// TestAliasValues: each alias is frame's or handshake's own type (%T
// names it) and each constant has its RFC 6455 value (Sections 5.2 and
// 7.4.1, and the IANA registry of Section 11.7).
func TestAliasValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		got      any
		wantType string
		want     string // the value as frame's String method prints it
	}{
		{conn.OpText, "frame.Opcode", "text"},
		{conn.OpBinary, "frame.Opcode", "binary"},
		{conn.CloseNormal, "frame.CloseCode", "1000 (normal closure)"},
		{conn.CloseGoingAway, "frame.CloseCode", "1001 (going away)"},
		{conn.CloseProtocolError, "frame.CloseCode", "1002 (protocol error)"},
		{conn.CloseUnsupportedData, "frame.CloseCode", "1003 (unsupported data)"},
		{conn.CloseNoStatus, "frame.CloseCode", "1005 (no status received)"},
		{conn.CloseAbnormal, "frame.CloseCode", "1006 (abnormal closure)"},
		{conn.CloseInvalidPayload, "frame.CloseCode", "1007 (invalid payload data)"},
		{conn.ClosePolicyViolation, "frame.CloseCode", "1008 (policy violation)"},
		{conn.CloseMessageTooBig, "frame.CloseCode", "1009 (message too big)"},
		{conn.CloseMandatoryExtension, "frame.CloseCode", "1010 (mandatory extension)"},
		{conn.CloseInternalError, "frame.CloseCode", "1011 (internal error)"},
		{conn.CloseServiceRestart, "frame.CloseCode", "1012 (service restart)"},
		{conn.CloseTryAgainLater, "frame.CloseCode", "1013 (try again later)"},
		{conn.CloseBadGateway, "frame.CloseCode", "1014 (bad gateway)"},
		{conn.CloseTLSHandshake, "frame.CloseCode", "1015 (TLS handshake failure)"},
		{conn.ServerOptions{}, "handshake.ServerOptions", ""},
		{conn.DeflateParams{}, "handshake.DeflateParams", ""},
		{&conn.HandshakeError{}, "*handshake.Error", ""},
		{&conn.ResponseError{}, "*handshake.ResponseError", ""},
	}
	for _, tt := range tests {
		if got := fmt.Sprintf("%T", tt.got); got != tt.wantType {
			t.Errorf("%v: type %s, want %s", tt.got, got, tt.wantType)
		}
		if s, ok := tt.got.(fmt.Stringer); ok && s.String() != tt.want {
			t.Errorf("%s = %q, want %q", tt.wantType, s.String(), tt.want)
		}
	}
	// The numbers themselves, as the RFC gives them.
	if conn.OpText != 0x1 || conn.OpBinary != 0x2 || conn.CloseNormal != 1000 || conn.CloseTLSHandshake != 1015 {
		t.Error("opcode or close code values differ from RFC 6455")
	}
}

// TestAliasHandshakeErrors: the handshake errors of Accept and Dial are
// reachable through conn's aliases.
func TestAliasHandshakeErrors(t *testing.T) {
	t.Parallel()
	acceptErr := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := conn.Accept(w, r, nil)
		acceptErr <- err
	}))
	defer srv.Close()
	// A plain GET is not a handshake: Accept answers 400 (RFC 6455, Section 4.2.1).
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var he *conn.HandshakeError
	if err := <-acceptErr; !errors.As(err, &he) || he.Status != resp.StatusCode {
		t.Errorf("Accept error %v, want a *conn.HandshakeError with status %d", err, resp.StatusCode)
	}
	// A server that does not upgrade: Dial's error holds the response (Section 4.1).
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	_, _, err = conn.Dial(context.Background(), "ws"+strings.TrimPrefix(plain.URL, "http"), nil)
	var re *conn.ResponseError
	if !errors.As(err, &re) || re.Response.StatusCode != http.StatusNotFound {
		t.Errorf("Dial error %v, want a *conn.ResponseError with a 404", err)
	}
}
