package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
)

// DevTools is a client of a running Chromium's remote-debugging protocol
// (the Chrome DevTools Protocol), spoken over a WebSocket, ours: tests use
// it to watch what the browser itself says about the requests it makes,
// such as the status and headers of a WebSocket's opening handshake
// (Network.webSocketHandshakeResponseReceived). Its methods may be called
// from any goroutine.
type DevTools struct {
	ep *conn.Endpoint

	mu      sync.Mutex
	nextID  int
	replies map[int]chan reply
	events  []Event
	notify  chan struct{} // closed and replaced when an event arrives
	err     error         // why the reader stopped
	done    chan struct{}
}

// An Event is a DevTools event: Method is its name
// ("Network.webSocketCreated"), Params its parameters, SessionID the page
// session it belongs to.
type Event struct {
	Method    string          `json:"method"`
	Params    json.RawMessage `json:"params"`
	SessionID string          `json:"sessionId"`
}

type reply struct {
	Result json.RawMessage
	Err    error
}

// devToolsLine is what Chromium prints once it listens for DevTools.
var devToolsLine = regexp.MustCompile(`DevTools listening on (ws://\S+)`)

// StartDevTools launches headless Chromium at path like Start, on a blank
// page, with remote debugging on a free port of 127.0.0.1, and connects
// to it. Open pages with OpenPage. Close the Browser to end both.
func StartDevTools(ctx context.Context, path string, extra ...string) (*Browser, *DevTools, error) {
	args := append([]string{"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0"}, extra...)
	b, err := Start(ctx, path, "about:blank", args...)
	if err != nil {
		return nil, nil, err
	}
	var url string
	for deadline := time.Now().Add(30 * time.Second); url == ""; {
		if m := devToolsLine.FindStringSubmatch(b.Output()); m != nil {
			url = m[1]
			break
		}
		select {
		case <-b.Done():
			return nil, nil, fmt.Errorf("browser: exited before DevTools listened\n%s", b.Output())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.Close()
			return nil, nil, fmt.Errorf("browser: no DevTools address within 30 s\n%s", b.Output())
		}
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ep, _, err := conn.Dial(dctx, url, &conn.DialOptions{Options: conn.Options{ReadLimit: 64 << 20}})
	if err != nil {
		b.Close()
		return nil, nil, fmt.Errorf("browser: DevTools: %w", err)
	}
	d := &DevTools{ep: ep, replies: map[int]chan reply{}, notify: make(chan struct{}), done: make(chan struct{})}
	go d.read()
	go func() {
		<-b.Done()
		ep.Close(frame.CloseGoingAway, "")
	}()
	return b, d, nil
}

// read dispatches replies and events until the connection ends.
func (d *DevTools) read() {
	defer close(d.done)
	var buf []byte
	for {
		_, p, err := d.ep.ReadMessage(buf[:0])
		if err != nil {
			d.mu.Lock()
			d.err = err
			for id, c := range d.replies {
				c <- reply{Err: err}
				delete(d.replies, id)
			}
			d.mu.Unlock()
			return
		}
		buf = p
		var m struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
			Event
		}
		if json.Unmarshal(p, &m) != nil {
			continue
		}
		d.mu.Lock()
		if m.ID != 0 {
			if c := d.replies[m.ID]; c != nil {
				r := reply{Result: m.Result}
				if m.Error != nil {
					r.Err = errors.New("browser: DevTools: " + m.Error.Message)
				}
				c <- r
				delete(d.replies, m.ID)
			}
		} else if m.Method != "" {
			d.events = append(d.events, m.Event)
			// Closing wakes every WaitEvent, not just one.
			close(d.notify)
			d.notify = make(chan struct{})
		}
		d.mu.Unlock()
	}
}

// Call sends a command (to the page session sessionID, or to the browser
// if it is empty) and returns its result.
func (d *DevTools) Call(ctx context.Context, sessionID, method string, params any) (json.RawMessage, error) {
	d.mu.Lock()
	if d.err != nil {
		d.mu.Unlock()
		return nil, d.err
	}
	d.nextID++
	id := d.nextID
	c := make(chan reply, 1)
	d.replies[id] = c
	d.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if sessionID != "" {
		msg["sessionId"] = sessionID
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	if err := d.ep.WriteMessage(frame.OpText, b); err != nil {
		d.forget(id)
		return nil, err
	}
	select {
	case r := <-c:
		return r.Result, r.Err
	case <-ctx.Done():
		d.forget(id)
		return nil, ctx.Err()
	}
}

// forget drops the reply Call no longer waits for.
func (d *DevTools) forget(id int) {
	d.mu.Lock()
	delete(d.replies, id)
	d.mu.Unlock()
}

// OpenPage opens url in a new page with the given DevTools domains enabled
// before it loads ("Network", say), so their events cover the page from
// its first request, and returns the page's session.
func (d *DevTools) OpenPage(ctx context.Context, url string, domains ...string) (sessionID string, err error) {
	res, err := d.Call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"})
	if err != nil {
		return "", err
	}
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := json.Unmarshal(res, &target); err != nil {
		return "", err
	}
	res, err = d.Call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true})
	if err != nil {
		return "", err
	}
	var session struct {
		SessionID string `json:"sessionId"`
	}
	if err := json.Unmarshal(res, &session); err != nil {
		return "", err
	}
	for _, dom := range domains {
		if _, err := d.Call(ctx, session.SessionID, dom+".enable", nil); err != nil {
			return "", err
		}
	}
	if _, err := d.Call(ctx, session.SessionID, "Page.navigate", map[string]any{"url": url}); err != nil {
		return "", err
	}
	return session.SessionID, nil
}

// Events returns the events received so far whose Method is method (all
// of them for "").
func (d *DevTools) Events(method string) []Event {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []Event
	for _, e := range d.events {
		if method == "" || e.Method == method {
			out = append(out, e)
		}
	}
	return out
}

// WaitEvent waits until an event named method has arrived and returns the
// first one.
func (d *DevTools) WaitEvent(ctx context.Context, method string) (Event, error) {
	for {
		// Take the channel before looking, so an event that arrives in
		// between still wakes this wait.
		d.mu.Lock()
		notify := d.notify
		d.mu.Unlock()
		if es := d.Events(method); len(es) > 0 {
			return es[0], nil
		}
		select {
		case <-notify:
		case <-d.done:
			if es := d.Events(method); len(es) > 0 {
				return es[0], nil
			}
			return Event{}, fmt.Errorf("browser: DevTools closed before %s", method)
		case <-ctx.Done():
			return Event{}, fmt.Errorf("browser: no %s event: %w", method, ctx.Err())
		}
	}
}
