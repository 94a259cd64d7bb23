package demo

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rfc6455/ws/frame"
)

// TestArticleExchange is the article's exchange: the headers event, the
// greeting, the client's message logged, and the close code logged.
func TestArticleExchange(t *testing.T) {
	t.Parallel()
	_, addr, lr := startServer(t, nil)
	ws := dialRawWS(t, addr, "/?tab=t1")
	if op, p := ws.read(t); op != frame.OpText || string(p) != Greeting {
		t.Fatalf("first message = %v %q, want text %q", op, p, Greeting)
	}
	hook := lr.waitFor(t, "headers event")
	for _, want := range []string{"Upgrade: websocket", "Sec-Websocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="} {
		if !strings.Contains(hook, want) {
			t.Errorf("headers event log %q, want it to contain %q", hook, want)
		}
	}
	ws.write(t, frame.OpText, []byte(ClientMessage))
	lr.waitFor(t, `conn 1: message event: "`+ClientMessage+`"`)
	ws.write(t, frame.OpText, []byte("second"))
	lr.waitFor(t, `conn 1: message event: "second"`)
	body, _ := frame.AppendClosePayload(nil, frame.ClosePayload{Code: frame.CloseGoingAway})
	ws.write(t, frame.OpClose, body)
	op, p := ws.read(t)
	if cp, err := frame.ParseClosePayload(p); op != frame.OpClose || err != nil || cp.Code != frame.CloseGoingAway {
		t.Errorf("answer to a close 1001 = %v % x, want a close frame with 1001", op, p)
	}
	lr.waitFor(t, "conn 1: closed with code 1001 (going away)")
}

// TestSeveralTabs runs three connections at once; each is greeted and logged
// on its own, and a dropped TCP connection is logged as 1006.
func TestSeveralTabs(t *testing.T) {
	t.Parallel()
	_, addr, lr := startServer(t, nil)
	var wg sync.WaitGroup
	clients := make([]*rawWS, 3)
	for i := range clients {
		clients[i] = dialRawWS(t, addr, fmt.Sprintf("/?tab=tab%d", i))
	}
	for i, ws := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, p := ws.read(t); string(p) != Greeting {
				t.Errorf("tab %d: first message %q, want the greeting", i, p)
			}
			ws.write(t, frame.OpText, []byte(fmt.Sprintf("hello from tab %d", i)))
		}()
	}
	wg.Wait()
	for i := range clients {
		lr.waitFor(t, fmt.Sprintf(`message event: "hello from tab %d"`, i))
	}
	clients[1].c.Close() // the tab crashed: no close frame
	lr.waitFor(t, "closed with code 1006")
}

// TestFoodWebSocket is the third way: one upgrade request, one pushed
// message, and the server's byte counts equal what the client sent and
// received until the food arrived.
func TestFoodWebSocket(t *testing.T) {
	t.Parallel()
	var k kitchen
	s, addr, _ := startServer(t, &Options{Cook: k.cook})
	ws := dialRawWS(t, addr, "/food/ws?tab=t1&n=1")
	up := ws.c.out.Load()     // the upgrade request
	down101 := ws.c.in.Load() // the 101 response (nothing else is sent before the food)
	key := OrderKey{Tab: "t1", N: "1", Mode: ModeWS}
	if st, _ := s.Order(key); st.Requests != 1 || st.Done {
		t.Errorf("before the food: Order = %+v, want 1 request, not done", st)
	}
	k.ready(key)
	if op, p := ws.read(t); op != frame.OpText || string(p) != Ready {
		t.Fatalf("pushed message = %v %q, want %q", op, p, Ready)
	}
	if op, p := ws.read(t); op != frame.OpClose {
		t.Errorf("after the food got %v % x, want a close frame", op, p)
	}
	st, _ := s.Order(key)
	want := OrderStats{OrderKey: key, Requests: 1, Messages: 1, Done: true,
		BytesUp: up, BytesDown: down101 + 2 + int64(len(Ready))}
	st.Millis = 0
	if st != want {
		t.Errorf("Order = %+v, want %+v", st, want)
	}
}

// TestLive checks what the page's live channel receives about its tab:
// the handshake bytes, annotated frames, the client's message and the food.
func TestLive(t *testing.T) {
	t.Parallel()
	var k kitchen
	_, addr, lr := startServer(t, &Options{Cook: k.cook})
	ws := dialRawWS(t, addr, "/?tab=t1")
	ws.read(t)
	ws.write(t, frame.OpText, []byte(ClientMessage))
	lr.waitFor(t, "message event")
	rc := dialRaw(t, addr)
	k.ready(OrderKey{Tab: "t1", N: "1", Mode: ModePoll})
	rc.get("/food/poll?tab=t1&n=1")

	live := dialRawWS(t, addr, "/live?tab=t1")
	seen := map[string]event{}
	for len(seen) < 6 {
		op, p := live.read(t)
		if op != frame.OpText {
			t.Fatalf("live: %v frame, want text", op)
		}
		var ev event
		if err := json.Unmarshal(p, &ev); err != nil {
			t.Fatalf("live: %q: %v", p, err)
		}
		if _, ok := seen[ev.Type]; !ok || ev.Type == "food" {
			seen[ev.Type] = ev
		}
		if ev.Type == "food" && ev.Food.Done {
			break
		}
	}
	if ev := seen["handshake"]; !strings.Contains(ev.Request, "GET /?tab=t1 HTTP/1.1") ||
		!strings.Contains(ev.Response, "HTTP/1.1 101 Switching Protocols") || !strings.Contains(ev.Hook, "Sec-Websocket-Accept") {
		t.Errorf("handshake event %+v", ev)
	}
	if ev := seen["frame"]; !strings.Contains(ev.Text, "# server → client, 58 bytes: a text frame") {
		t.Errorf("first frame event %q, want the greeting annotated", ev.Text)
	}
	if ev := seen["received"]; ev.Text != ClientMessage {
		t.Errorf("received event %+v, want %q", ev, ClientMessage)
	}
	if ev := seen["food"]; ev.Food == nil || !ev.Food.Done || ev.Food.Requests != 1 {
		t.Errorf("food event %+v, want done after 1 request", ev.Food)
	}
}

// TestCloseGoingAway: closing the server sends 1001 to connected clients.
func TestCloseGoingAway(t *testing.T) {
	t.Parallel()
	s, addr, _ := startServer(t, nil)
	ws := dialRawWS(t, addr, "/?tab=t1")
	ws.read(t)
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	op, p := ws.read(t)
	if cp, err := frame.ParseClosePayload(p); op != frame.OpClose || err != nil || cp.Code != frame.CloseGoingAway {
		t.Errorf("on server close got %v % x, want close 1001", op, p)
	}
	body, _ := frame.AppendClosePayload(nil, frame.ClosePayload{Code: frame.CloseGoingAway})
	ws.write(t, frame.OpClose, body)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
}

// TestBadUpgrade: a request on / that asks for a WebSocket but is not a
// valid handshake gets the handshake's error status, and the page is not
// served in its place.
func TestBadUpgrade(t *testing.T) {
	t.Parallel()
	_, addr, lr := startServer(t, nil)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400 (no Sec-WebSocket-Key, RFC 6455, Section 4.2.1)", resp.StatusCode)
	}
	lr.waitFor(t, "upgrade refused")
}
