package demo

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// dial opens a WebSocket to the demo server with this library's client.
func dial(t *testing.T, addr, target string) *conn.Endpoint {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ep, _, err := conn.Dial(ctx, "ws://"+addr+target, nil)
	if err != nil {
		t.Fatalf("Dial %s: %v", target, err)
	}
	ep.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { ep.Close(frame.CloseNormal, "") })
	return ep
}

// readText reads one message and fails the test unless it is text.
func readText(t *testing.T, ep *conn.Endpoint) string {
	t.Helper()
	op, p, err := ep.ReadMessage(nil)
	if err != nil {
		t.Fatalf("ReadMessage: %v", err)
	}
	if op != frame.OpText {
		t.Fatalf("ReadMessage: %v message, want text", op)
	}
	return string(p)
}

// TestArticleExchange is the article's exchange: the headers event, the
// greeting, the client's message logged, and the close code logged.
func TestArticleExchange(t *testing.T) {
	t.Parallel()
	_, addr, lr := startServer(t, nil)
	ep := dial(t, addr, "/?tab=t1")
	if got := readText(t, ep); got != Greeting {
		t.Fatalf("first message = %q, want %q", got, Greeting)
	}
	hook := lr.waitFor(t, "headers event")
	for _, want := range []string{"Connection: Upgrade", "Upgrade: websocket", "Sec-Websocket-Accept: "} {
		if !strings.Contains(hook, want) {
			t.Errorf("headers event log %q, want it to contain %q", hook, want)
		}
	}
	for _, msg := range []string{ClientMessage, "second"} {
		if err := ep.WriteMessage(frame.OpText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		lr.waitFor(t, fmt.Sprintf("conn 1: message event: %q", msg))
	}
	if err := ep.Close(frame.CloseGoingAway, "tab closed"); err != nil {
		t.Errorf("Close: %v", err)
	}
	lr.waitFor(t, "conn 1: closed with code 1001 (going away)")
}

// TestSeveralTabs runs three connections at once; each is greeted and logged
// on its own, and a dropped TCP connection is logged as 1006.
func TestSeveralTabs(t *testing.T) {
	t.Parallel()
	_, addr, lr := startServer(t, nil)
	tabs := make([]*conn.Endpoint, 3)
	for i := range tabs {
		tabs[i] = dial(t, addr, fmt.Sprintf("/?tab=tab%d", i))
	}
	crashed := dialRawWS(t, addr, "/?tab=crashed")
	var wg sync.WaitGroup
	for i, ep := range tabs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, p, err := ep.ReadMessage(nil); err != nil || string(p) != Greeting {
				t.Errorf("tab %d: first message %q, %v, want the greeting", i, p, err)
			}
			if err := ep.WriteMessage(frame.OpText, []byte(fmt.Sprintf("hello from tab %d", i))); err != nil {
				t.Errorf("tab %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	for i := range tabs {
		lr.waitFor(t, fmt.Sprintf(`message event: "hello from tab %d"`, i))
	}
	crashed.read(t)
	crashed.c.Close() // the tab crashed: TCP ends with no close frame
	lr.waitFor(t, "closed with code 1006")
	tabs[2].Close(frame.CloseGoingAway, "")
	lr.waitFor(t, "closed with code 1001")
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
	ep := dial(t, addr, "/?tab=t1")
	readText(t, ep)
	ep.WriteMessage(frame.OpText, []byte(ClientMessage))
	lr.waitFor(t, "message event")
	rc := dialRaw(t, addr)
	k.ready(OrderKey{Tab: "t1", N: "1", Mode: ModePoll})
	rc.get("/food/poll?tab=t1&n=1")

	live := dial(t, addr, "/live?tab=t1")
	seen := map[string]event{}
	for len(seen) < 6 {
		p := readText(t, live)
		var ev event
		if err := json.Unmarshal([]byte(p), &ev); err != nil {
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
	ep := dial(t, addr, "/?tab=t1")
	readText(t, ep)
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	_, _, err := ep.ReadMessage(nil)
	if code := conn.CloseStatus(err); code != frame.CloseGoingAway {
		t.Errorf("on server close: ReadMessage error %v (close code %v), want close 1001", err, code)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
}

// TestShutdownGoingAway: Shutdown answers a held long poll and sends 1001
// with its reason to every WebSocket (the article's, the food's and the
// live channel), waits for them, and returns nil well before its bound.
func TestShutdownGoingAway(t *testing.T) {
	t.Parallel()
	var k kitchen
	s, addr, lr := startServer(t, &Options{Cook: k.cook})
	article := dial(t, addr, "/?tab=t1")
	readText(t, article)
	food := dial(t, addr, "/food/ws?tab=t1&n=1")
	live := dial(t, addr, "/live?tab=t1")
	rc := dialRaw(t, addr)
	poll := make(chan string, 1)
	fmt.Fprintf(rc.cc, "GET /food/longpoll?tab=t1&n=2 HTTP/1.1\r\nHost: demo.test\r\n\r\n")
	go func() {
		resp, err := http.ReadResponse(rc.br, nil)
		if err != nil {
			poll <- err.Error()
			return
		}
		body, _ := io.ReadAll(resp.Body)
		poll <- string(body)
	}()
	pollUntil(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.conns.Len() == 3 && len(s.closers) == 1 // the long poll is held
	})

	// The clients read, as a page does, so they answer the Close frames.
	ends := make(chan error, 3)
	for _, ep := range []*conn.Endpoint{article, food, live} {
		go func() {
			for {
				if _, _, err := ep.ReadMessage(nil); err != nil {
					ends <- err
					return
				}
			}
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown = %v, want nil", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Shutdown took %v, want much less than the close timeout", d)
	}
	for range 3 {
		err := <-ends
		var ce conn.CloseError
		if !errors.As(err, &ce) || ce.Code != frame.CloseGoingAway || ce.Reason != "server shutting down" {
			t.Errorf("ReadMessage error %v, want 1001 \"server shutting down\"", err)
		}
	}
	select {
	case got := <-poll:
		if got != NotReady {
			t.Errorf("held long poll answered %q, want %q", got, NotReady)
		}
	case <-time.After(10 * time.Second):
		t.Error("held long poll not answered")
	}
	lr.waitFor(t, "food (ws): closed before the food, the server shutting down")
	if n := s.conns.Len(); n != 0 {
		t.Errorf("%d WebSocket connections open after Shutdown, want 0", n)
	}
}

// pollUntil waits up to 10 s for cond.
func pollUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
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

// rawWS is a WebSocket client built from the handshake and frame packages
// alone, so that everything it sends is pinned: the Host header, the
// Sec-WebSocket-Key and the masking keys come from the test.
type rawWS struct {
	c   *countConn
	br  *bufio.Reader
	fr  *frame.Reader
	fw  *frame.Writer
	key byte // next masking key is {key, key+1, key+2, key+3}
}

// dialRawWS connects to addr and opens a WebSocket as if to
// ws://localhost:8000 + target.
func dialRawWS(t *testing.T, addr, target string) *rawWS {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
	cc := &countConn{Conn: c}
	// Pinned key: the nonce of RFC 6455, Section 1.3, "the sample nonce".
	opts := &handshake.ClientOptions{
		Rand:   strings.NewReader("the sample nonce"),
		Header: http.Header{"User-Agent": {"readme-walkthrough"}},
	}
	req, key, err := handshake.NewRequest(context.Background(), "ws://localhost:8000"+target, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := req.Write(cc); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(cc)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := handshake.CheckResponse(resp, key, opts); err != nil {
		t.Fatal(err)
	}
	return &rawWS{c: cc, br: br, fr: frame.NewReader(br), fw: frame.NewWriter(cc), key: 0x37}
}

// read returns the next frame's opcode and payload.
func (ws *rawWS) read(t *testing.T) (frame.Opcode, []byte) {
	t.Helper()
	h, err := ws.fr.ReadHeader()
	if err != nil {
		t.Fatal(err)
	}
	p, err := io.ReadAll(ws.fr)
	if err != nil {
		t.Fatal(err)
	}
	return h.Opcode, p
}

// write sends one masked frame (RFC 6455, Section 5.3).
func (ws *rawWS) write(t *testing.T, op frame.Opcode, p []byte) {
	t.Helper()
	k := ws.key
	ws.key += 4
	h := frame.Header{Fin: true, Opcode: op, Masked: true, MaskKey: [4]byte{k, k + 1, k + 2, k + 3}}
	if err := ws.fw.WriteFrame(h, p); err != nil {
		t.Fatal(err)
	}
}
