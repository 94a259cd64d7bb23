package demo

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/rfc6455/ws/internal/browser"
)

// pageResults is what the page reports (its #results element) when opened
// with ?report=1.
type pageResults struct {
	Tab          string `json:"tab"`
	Connected    bool   `json:"connected"`
	Greeting     bool   `json:"greeting"`
	Sent         bool   `json:"sent"`
	ServerLogged bool   `json:"serverLogged"`
	Handshake    bool   `json:"handshake"`
	Protocol     string `json:"protocol"` // what carried the page's WebSocket
	Food         map[Mode]struct {
		Arrived   bool  `json:"arrived"`
		Done      bool  `json:"done"`
		Requests  int   `json:"requests"`
		Messages  int   `json:"messages"`
		BytesUp   int64 `json:"bytesUp"`
		BytesDown int64 `json:"bytesDown"`
		Millis    int64 `json:"ms"`
	} `json:"food"`
}

// TestBrowser opens the page in headless Chromium against the demo server and
// checks, through what the page reports, that the article's exchange and the
// three food orders happened; then that the server logged the client's
// message and, when the page navigated away, the close code 1001.
func TestBrowser(t *testing.T) {
	path := browser.Require(t)
	t.Parallel()
	reports := make(chan []byte, 1)
	const cook = 1500 * time.Millisecond
	_, addr, lr := startServer(t, &Options{
		CookTime: cook,
		OnReport: func(tab string, body []byte) {
			select {
			case reports <- body:
			default:
			}
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	start := time.Now()
	// --enable-logging=stderr puts the page's console (script errors) in
	// b.Output(), shown if the test fails.
	b, err := browser.Start(ctx, path, "http://"+addr+"/?poll=500&report=1", "--enable-logging=stderr")
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
	t.Logf("page reported after %v", time.Since(start).Round(time.Millisecond))

	if !res.Connected || !res.Greeting || !res.Sent || !res.ServerLogged || !res.Handshake {
		t.Errorf("page results %+v, want connected, greeting, sent, serverLogged and handshake all true", res)
	}
	lr.waitFor(t, `message event: "`+ClientMessage+`"`)
	for _, m := range []Mode{ModePoll, ModeLongPoll, ModeWS} {
		f, ok := res.Food[m]
		if !ok || !f.Done || !f.Arrived {
			t.Errorf("food %s: %+v, want arrived and done", m, f)
			continue
		}
		t.Logf("food %-8s %d requests, %d messages, %5d bytes up, %5d bytes down, %4d ms", m, f.Requests, f.Messages, f.BytesUp, f.BytesDown, f.Millis)
		if f.BytesUp <= 0 || f.BytesDown <= 0 {
			t.Errorf("food %s: no bytes counted: %+v", m, f)
		}
		if time.Duration(f.Millis)*time.Millisecond < cook-100*time.Millisecond {
			t.Errorf("food %s arrived after %d ms, before the cooking time %v", m, f.Millis, cook)
		}
	}
	// Polling asks every 500 ms and the food takes 1500 ms: at least one
	// "No, wait." before it, however slow a loaded machine makes each request.
	if f := res.Food[ModePoll]; f.Requests < 2 {
		t.Errorf("polling made %d requests, want at least 2", f.Requests)
	}
	if f := res.Food[ModeLongPoll]; f.Requests != 1 {
		t.Errorf("long polling made %d requests, want 1", f.Requests)
	}
	if f := res.Food[ModeWS]; f.Requests != 1 || f.Messages != 1 {
		t.Errorf("WebSocket made %d requests and %d messages, want 1 and 1", f.Requests, f.Messages)
	}
	// After reporting, the page navigates away: Chromium closes its
	// WebSockets with 1001 going away (RFC 6455, Section 7.4.1).
	lr.waitFor(t, "closed with code 1001")
}
