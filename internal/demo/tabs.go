package demo

import (
	"encoding/json"
	"time"
)

// An event is one JSON message on a page's live channel (/live).
type event struct {
	Type string `json:"type"` // "handshake", "frame", "log", "received", "closed", "food"

	Text     string `json:"text,omitempty"`     // log, received, frame (annotated bytes)
	Request  string `json:"request,omitempty"`  // handshake: the request as it arrived
	Response string `json:"response,omitempty"` // handshake: the 101 response as written
	Hook     string `json:"hook,omitempty"`     // handshake: the headers the ResponseHeader hook saw
	Protocol string `json:"protocol,omitempty"` // handshake: what carried the WebSocket (HTTP/1.1 or HTTP/2)
	Code     int    `json:"code,omitempty"`     // closed: the close code

	Food *OrderStats `json:"food,omitempty"`
}

// maxEvents bounds the events a tab keeps for replay to a live channel that
// connects late (the page opens it at the same time as everything else).
const maxEvents = 500

// maxTabs bounds the tabs kept in memory.
const maxTabs = 10000

// A tab is one page load, named by the random id the page puts in its URLs.
type tab struct {
	events [][]byte
	subs   map[int]chan []byte
	seen   time.Time
}

// publish sends ev to the live channels of tab id, and keeps it for replay.
func (s *Server) publish(id string, ev event) {
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tabLocked(id)
	if len(t.events) < maxEvents {
		t.events = append(t.events, b)
	}
	for _, ch := range t.subs {
		select {
		case ch <- b:
		default: // a live channel that can't keep up misses events
		}
	}
}

// subscribe returns the events of tab id so far, and a channel for the next
// ones; cancel stops them.
func (s *Server) subscribe(id string) (past [][]byte, next <-chan []byte, cancel func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tabLocked(id)
	ch := make(chan []byte, maxEvents)
	s.nextID++
	n := s.nextID
	t.subs[n] = ch
	past = append([][]byte(nil), t.events...)
	return past, ch, func() {
		s.mu.Lock()
		delete(t.subs, n)
		t.seen = time.Now()
		s.mu.Unlock()
	}
}

// tabLocked returns tab id, creating it; it forgets tabs nobody has watched
// for ten minutes. s.mu is held.
func (s *Server) tabLocked(id string) *tab {
	t := s.tabs[id]
	if t == nil {
		now := time.Now()
		for k, old := range s.tabs {
			if len(old.subs) == 0 && now.Sub(old.seen) > 10*time.Minute {
				delete(s.tabs, k)
			}
		}
		t = &tab{subs: make(map[int]chan []byte), seen: now}
		if len(s.tabs) < maxTabs { // past it, a tab's events are not kept
			s.tabs[id] = t
		}
	}
	return t
}
