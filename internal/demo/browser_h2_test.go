package demo

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	_ "github.com/rfc6455/ws/conn/xconnect" // RFC 8441 in this test binary's servers, as in cmd/wsdemo
	"github.com/rfc6455/ws/internal/browser"
	"github.com/rfc6455/ws/internal/tlscert"
)

// TestBrowserHTTP2: served over HTTPS (ServeTLS, cmd/wsdemo -tls), the
// page loads over HTTP/2 and opens its WebSockets on that connection by
// extended CONNECT (RFC 8441): the article's exchange and the three food
// orders still happen, the page says HTTP/2 carried its WebSocket, and
// the server sees the end of the stream when the page navigates away.
func TestBrowserHTTP2(t *testing.T) {
	path := browser.Require(t)
	t.Parallel()
	reports := make(chan []byte, 1)
	lr := &logRecorder{}
	s := New(&Options{
		Log:      lr.logf,
		CookTime: 1500 * time.Millisecond,
		OnReport: func(tab string, body []byte) {
			select {
			case reports <- body:
			default:
			}
		},
	})
	cfg, err := tlscert.Config("", "")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.ServeTLS(l, cfg); close(done) }()
	defer func() {
		s.Close()
		<-done
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	b, err := browser.Start(ctx, path, "https://"+l.Addr().String()+"/?poll=500&report=1", "--ignore-certificate-errors", "--enable-logging=stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var res pageResults
	select {
	case body := <-reports:
		if err := json.Unmarshal(body, &res); err != nil {
			t.Fatalf("page report %q: %v", body, err)
		}
	case <-b.Done():
		t.Fatalf("chromium exited before the page reported:\n%s\nserver log:\n%v", b.Output(), lr.snapshot())
	case <-ctx.Done():
		t.Fatalf("the page did not report within 120 s\nchromium:\n%s\nserver log:\n%v", b.Output(), lr.snapshot())
	}
	if !res.Connected || !res.Greeting || !res.Sent || !res.ServerLogged || !res.Handshake {
		t.Errorf("page results %+v, want connected, greeting, sent, serverLogged and handshake all true", res)
	}
	if !strings.HasPrefix(res.Protocol, "HTTP/2: an extended CONNECT") {
		t.Errorf("page says its WebSocket was carried by %q, want HTTP/2 (RFC 8441)", res.Protocol)
	}
	for _, m := range []Mode{ModePoll, ModeLongPoll, ModeWS} {
		if f, ok := res.Food[m]; !ok || !f.Done || !f.Arrived {
			t.Errorf("food %s: %+v, want arrived and done", m, f)
		}
	}
	lr.waitFor(t, `message event: "`+ClientMessage+`"`)
	lr.waitFor(t, "the 200 response will carry")
	// Leaving the page, Chromium cancels the WebSocket's stream
	// (RST_STREAM CANCEL, seen in net/http's frame log) instead of sending
	// the Close frame with 1001 it sends over HTTP/1.1: the server sees an
	// abnormal closure, 1006, at once (RFC 8441, Section 5 likens the reset
	// to a TCP reset).
	lr.waitFor(t, "closed with code 1006")
}
