package demo

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
)

// maxTraceFrames is how many frames of a connection the page (and -trace)
// see byte by byte.
const maxTraceFrames = 12

// serveArticleWS is the article's WebSocket server: the `headers` event, the
// `connection` event with its greeting, and the `message` event.
func (s *Server) serveArticleWS(w http.ResponseWriter, r *http.Request) {
	id := s.connIDs.Add(1)
	tabID := r.URL.Query().Get("tab")
	ri := reqFrom(r)
	request := annotateHTTP(true, ri.raw)

	var hook string
	opts := &conn.AcceptOptions{}
	proto := carriedBy(r)
	answer := "101" // the status that accepts: 200 over HTTP/2 (RFC 8441, Section 5)
	if r.ProtoMajor == 2 {
		answer = "200"
	}
	// The article's `headers` event: the response headers, before they are written.
	opts.ResponseHeader = func(r *http.Request, h http.Header) error {
		hook = formatHeader(h)
		s.tabLogf(tabID, "conn %d: headers event: the %s response will carry\n%s", id, answer, strings.TrimSuffix(hook, "\n"))
		return nil
	}

	if wc := wireFrom(r.Context()); wc != nil {
		trace := s.opts.Trace
		if trace != nil {
			fmt.Fprintf(trace, "=== conn %d\n%s\n", id, request)
		}
		first := true
		tr := newTracer(maxTraceFrames, false, true, func(item string) {
			if trace != nil {
				fmt.Fprintf(trace, "=== conn %d\n%s\n", id, item)
			}
			if first { // the 101 response
				first = false
				s.publish(tabID, event{Type: "handshake", Request: request, Response: item, Hook: hook, Protocol: proto})
				return
			}
			s.publish(tabID, event{Type: "frame", Text: item})
		})
		wc.setTap(tr.feed)
		defer wc.setTap(nil)
	}

	ep, err := s.conns.Accept(w, r, opts) // Shutdown and Close send it 1001
	if err != nil {
		s.tabLogf(tabID, "conn %d: upgrade refused: %v", id, err)
		return
	}
	if wireFrom(r.Context()) == nil {
		// No bytes to show (TLS, HTTP/2): the fields net/http decoded.
		s.publish(tabID, event{Type: "handshake", Request: fieldsOf(r), Response: ":status: " + answer + "\n" + hook, Hook: hook, Protocol: proto})
	}

	// The article's `connection` event.
	s.tabLogf(tabID, "conn %d: connection event: handshake complete, sending the greeting", id)
	if err := ep.WriteMessage(frame.OpText, []byte(Greeting)); err != nil {
		s.tabLogf(tabID, "conn %d: greeting: %v", id, err)
		return
	}
	// The article's `message` event, until the client goes away.
	var buf []byte
	for {
		op, p, err := ep.ReadMessage(buf)
		if err != nil {
			s.logClosed(tabID, id, err)
			return
		}
		if op == frame.OpText {
			s.tabLogf(tabID, "conn %d: message event: %q", id, p)
			s.publish(tabID, event{Type: "received", Text: string(p)})
		} else {
			s.tabLogf(tabID, "conn %d: message event: %d bytes of binary", id, len(p))
		}
		buf = p
	}
}

// logClosed logs why a connection ended: the peer's close code (1001 when a
// tab is closed or navigates away), or 1006 when TCP dropped without one.
func (s *Server) logClosed(tabID string, id int64, err error) {
	code := conn.CloseStatus(err)
	if code == 0 {
		s.tabLogf(tabID, "conn %d: ended: %v", id, err)
		return
	}
	s.tabLogf(tabID, "conn %d: closed with code %v", id, code)
	s.publish(tabID, event{Type: "closed", Code: int(code)})
}

// carriedBy says, for the page, what carried the WebSocket of r.
func carriedBy(r *http.Request) string {
	if r.ProtoMajor == 2 {
		return "HTTP/2: an extended CONNECT (RFC 8441) answered 200; the WebSocket is one stream of the page's own HTTP/2 connection"
	}
	return "HTTP/1.1: a GET with Upgrade answered 101 Switching Protocols; the WebSocket has its TCP connection to itself"
}

// fieldsOf shows a request as net/http decoded it, pseudo-header fields
// first for HTTP/2 (RFC 9113, Section 8.3.1).
func fieldsOf(r *http.Request) string {
	var b strings.Builder
	if r.ProtoMajor == 2 {
		fmt.Fprintf(&b, ":method: %s\n", r.Method)
		for _, p := range r.Header[":protocol"] {
			fmt.Fprintf(&b, ":protocol: %s\n", p)
		}
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		fmt.Fprintf(&b, ":scheme: %s\n:authority: %s\n:path: %s\n", scheme, r.Host, r.URL.RequestURI())
	} else {
		fmt.Fprintf(&b, "%s %s %s\nHost: %s\n", r.Method, r.URL.RequestURI(), r.Proto, r.Host)
	}
	h := r.Header.Clone()
	delete(h, ":protocol")
	b.WriteString(formatHeader(h))
	return b.String()
}

// formatHeader shows h as header lines, sorted by name.
func formatHeader(h http.Header) string {
	var b strings.Builder
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	}) {
		for _, v := range h[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	return b.String()
}

// serveFoodWS is the third way: the upgrade request places the order, and
// the server pushes the food when it is ready. The request and the 101
// response count as one request; the pushed message as one message.
func (s *Server) serveFoodWS(w http.ResponseWriter, r *http.Request) {
	k, ready := s.order(r, ModeWS)
	wc := wireFrom(r.Context())
	var in0, out0 int64
	if wc != nil {
		in0, out0 = wc.in.Load(), wc.out.Load()
	}
	since := func() (up, down int64) {
		if wc == nil {
			return 0, 0
		}
		in1, out1 := wc.in.Load(), wc.out.Load()
		up, down = in1-in0, out1-out0
		in0, out0 = in1, out1
		return up, down
	}
	ep, err := s.conns.Accept(w, r, nil) // Shutdown and Close send it 1001
	up, down := since()
	s.count(k, 1, 0, reqFrom(r).n+up, down, false)
	if err != nil {
		s.tabLogf(k.Tab, "food (ws): upgrade refused: %v", err)
		return
	}
	gone := make(chan error, 1)
	go func() { // the client sends nothing; a read ends when it goes away
		for {
			if _, _, err := ep.ReadMessage(nil); err != nil {
				gone <- err
				return
			}
		}
	}()
	select {
	case <-ready:
	case err := <-gone:
		if s.isClosing() {
			s.tabLogf(k.Tab, "food (ws): closed before the food, the server shutting down: %v", err)
		} else {
			s.tabLogf(k.Tab, "food (ws): the client left before the food: %v", err)
		}
		ep.Close(frame.CloseGoingAway, "")
		return
	}
	err = ep.WriteMessage(frame.OpText, []byte(Ready))
	up, down = since()
	s.count(k, 0, 1, up, down, err == nil)
	ep.Close(frame.CloseNormal, "enjoy your meal")
}

// serveLive is the page's second WebSocket: it receives, as JSON, what the
// server saw of the tab's connections.
func (s *Server) serveLive(w http.ResponseWriter, r *http.Request) {
	tabID := r.URL.Query().Get("tab")
	ep, err := s.conns.Accept(w, r, nil) // Shutdown and Close send it 1001
	if err != nil {
		s.logf("live: upgrade refused: %v", err)
		return
	}
	past, next, cancel := s.subscribe(tabID)
	defer cancel()
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		for {
			if _, _, err := ep.ReadMessage(nil); err != nil {
				return
			}
		}
	}()
	for _, b := range past {
		if err := ep.WriteMessage(frame.OpText, b); err != nil {
			return
		}
	}
	for {
		select {
		case b := <-next:
			if err := ep.WriteMessage(frame.OpText, b); err != nil {
				return
			}
		case <-gone: // the page left, or Shutdown closed the connection
			ep.Close(frame.CloseNormal, "")
			return
		}
	}
}
