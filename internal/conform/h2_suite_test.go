package conform_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rfc6455/ws/conn"
	_ "github.com/rfc6455/ws/conn/xconnect" // extended CONNECT in this test binary's HTTP/2 servers
	"github.com/rfc6455/ws/internal/conform"
	"github.com/rfc6455/ws/internal/echo"
)

// The in-process suite over HTTP/2 (RFC 8441): every case of groups 1-7, 9
// and 10, and a sample of 12 and 13, each on its own extended CONNECT
// stream of an h2c connection, against our own server (both echo modes)
// and our own client, with the grades expected over HTTP/1.1.

func TestHTTP2ServerSuite(t *testing.T) {
	t.Parallel()
	serverSuite(t, conn.AcceptOptions{}, suiteCases(t), h2RunOptions, true)
}

func TestHTTP2ClientSuite(t *testing.T) {
	t.Parallel()
	clientSuite(t, suiteCases(t), h2RunOptions(""), &conn.DialOptions{}, true)
}

// h2RunOptions are runOptions with group 9 capped at h2MaxMessageSize under
// the race detector (race_test.go).
func h2RunOptions(agent string) *conform.Options {
	o := runOptions(agent)
	if h2MaxMessageSize > 0 {
		o.MaxMessageSize = h2MaxMessageSize
	}
	return o
}

// h2DeflateCases is the sample of groups 12 and 13 run over HTTP/2: the
// smallest and the largest message of every data set and negotiation
// (rows 1 and 18 of each subgroup), so each permessage-deflate parameter
// set crosses the stream.
func h2DeflateCases(t *testing.T) []*conform.Case {
	cases, err := conform.Select(conform.All(), "12.*.1,12.*.18,13.*.1,13.*.18", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 24 {
		t.Fatalf("%d cases in the HTTP/2 sample of groups 12 and 13, want 24", len(cases))
	}
	return cases
}

func TestHTTP2DeflateServerSample(t *testing.T) {
	t.Parallel()
	serverSuite(t, conn.AcceptOptions{Options: compression()}, h2DeflateCases(t), deflateRunOptions, true)
}

func TestHTTP2DeflateClientSample(t *testing.T) {
	t.Parallel()
	opts := compression()
	opts.Compression.ClientNoContextTakeover = true
	clientSuite(t, h2DeflateCases(t), deflateRunOptions(""), &conn.DialOptions{Options: opts}, true)
}

// TestHTTP2Report: a case over HTTP/2 says so in its result and records
// the extended CONNECT's header block (RFC 8441, Section 4), pseudo-header
// fields first, and the 200 answer.
func TestHTTP2Report(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(echo.Handler(&echo.Options{AcceptOptions: conn.AcceptOptions{Options: compression()}}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	defer srv.Close()
	o := runOptions("h2")
	o.HTTP2 = true
	r := conform.RunServerCase(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http")+"/x", conform.Lookup("12.1.1"), o)
	if r.Grade != conform.OK || r.HTTP != "HTTP/2" {
		t.Fatalf("12.1.1 over HTTP/2: grade %s, HTTP %q (%s); want OK, HTTP/2", r.Grade, r.HTTP, r.Reason)
	}
	wantReq := ":method: CONNECT\r\n:protocol: websocket\r\n:scheme: http\r\n:path: /x\r\n:authority: " + srv.Listener.Addr().String() + "\r\nsec-websocket-extensions: permessage-deflate"
	if !strings.HasPrefix(r.Request, wantReq) || !strings.Contains(r.Request, "sec-websocket-version: 13\r\n") || strings.Contains(strings.ToLower(r.Request), "sec-websocket-key") {
		t.Errorf("request head =\n%s\nwant it to start with\n%s\nand carry version 13, no key", r.Request, wantReq)
	}
	if !strings.HasPrefix(r.Response, ":status: 200\r\n") || !strings.Contains(r.Response, "sec-websocket-extensions: permessage-deflate") || strings.Contains(strings.ToLower(r.Response), "sec-websocket-accept") {
		t.Errorf("response head =\n%s\nwant :status 200 with the accepted extension and no Sec-WebSocket-Accept", r.Response)
	}
}
