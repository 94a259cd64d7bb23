package demo

import (
	"io"
	"net/http"
	"strconv"
	"time"
)

// A Mode is one way of waiting for the food.
type Mode string

// The article's three ways.
const (
	ModePoll     Mode = "poll"     // ask every second: GET /food/poll
	ModeLongPoll Mode = "longpoll" // ask once, the server holds the request: GET /food/longpoll
	ModeWS       Mode = "ws"       // open a WebSocket, the server pushes: GET /food/ws
)

// An OrderKey names an order: the tab that placed it, the attempt number
// within the tab (the page's "order again") and the mode.
type OrderKey struct {
	Tab  string `json:"tab"`
	N    string `json:"n"`
	Mode Mode   `json:"mode"`
}

// OrderStats is what one order cost until the food arrived, measured on the
// server's side of the sockets.
type OrderStats struct {
	OrderKey
	Requests  int   `json:"requests"`  // HTTP requests (for ModeWS: the one upgrade request)
	Messages  int   `json:"messages"`  // WebSocket messages (ModeWS only)
	BytesUp   int64 `json:"bytesUp"`   // client to server: request lines, headers, frames
	BytesDown int64 `json:"bytesDown"` // server to client: status lines, headers, bodies, frames
	Done      bool  `json:"done"`      // the food has been delivered
	Millis    int64 `json:"ms"`        // from the first request to delivery (or to now)
}

// maxOrders bounds the orders kept in memory (orders are forgotten after an
// hour); past it new orders are never ready.
const maxOrders = 10000

// An order is being cooked from its first request. Its fields are guarded by
// the Server's mutex.
type order struct {
	stats   OrderStats
	start   time.Time
	ready   <-chan struct{}
	arrived time.Time
}

func (o *order) statsLocked() OrderStats {
	st := o.stats
	end := o.arrived
	if !st.Done {
		end = time.Now()
	}
	st.Millis = end.Sub(o.start).Milliseconds()
	return st
}

// order returns the order for r's tab and attempt in mode m, placing it (and
// starting the cook) if this is its first request.
func (s *Server) order(r *http.Request, m Mode) (OrderKey, <-chan struct{}) {
	q := r.URL.Query()
	k := OrderKey{Tab: q.Get("tab"), N: q.Get("n"), Mode: m}
	s.mu.Lock()
	o := s.orders[k]
	placed := o == nil
	if placed && len(s.orders) >= maxOrders {
		s.mu.Unlock()
		return k, nil // a nil channel is never ready: the answer stays NotReady
	}
	if placed {
		now := time.Now()
		for ok, old := range s.orders { // forget orders of the last hour
			if now.Sub(old.start) > time.Hour {
				delete(s.orders, ok)
			}
		}
		o = &order{stats: OrderStats{OrderKey: k}, start: now}
		s.orders[k] = o
	}
	s.mu.Unlock()
	if placed {
		ready := s.cook(k)
		s.mu.Lock()
		o.ready = ready
		s.mu.Unlock()
		s.tabLogf(k.Tab, "food (%s): order %s placed", m, k.N)
	}
	s.mu.Lock()
	ready := o.ready
	s.mu.Unlock()
	return k, ready
}

func (s *Server) cook(k OrderKey) <-chan struct{} {
	if s.opts.Cook != nil {
		return s.opts.Cook(k)
	}
	ch := make(chan struct{})
	time.AfterFunc(s.opts.CookTime, func() { close(ch) })
	return ch
}

// count adds one request's figures to order k and tells its tab. Figures
// arriving after the food are not counted ("until the food arrived").
func (s *Server) count(k OrderKey, requests, messages int, up, down int64, done bool) OrderStats {
	s.mu.Lock()
	o := s.orders[k]
	if o == nil || o.stats.Done {
		s.mu.Unlock()
		return OrderStats{}
	}
	o.stats.Requests += requests
	o.stats.Messages += messages
	o.stats.BytesUp += up
	o.stats.BytesDown += down
	if done {
		o.stats.Done = true
		o.arrived = time.Now()
	}
	st := o.statsLocked()
	s.mu.Unlock()
	s.publish(k.Tab, event{Type: "food", Food: &st})
	if done {
		s.tabLogf(k.Tab, "food (%s): order %s delivered after %s, %d bytes up, %d bytes down",
			k.Mode, k.N, plural(st.Requests, "request"), st.BytesUp, st.BytesDown)
	}
	return st
}

// Order returns the figures of an order so far.
func (s *Server) Order(k OrderKey) (OrderStats, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[k]
	if o == nil {
		return OrderStats{}, false
	}
	return o.statsLocked(), true
}

func isReady(ready <-chan struct{}) bool {
	select {
	case <-ready:
		return true
	default:
		return false
	}
}

// servePoll is polling: every request gets an answer at once, NotReady
// until the food is ready.
func (s *Server) servePoll(w http.ResponseWriter, r *http.Request) {
	k, ready := s.order(r, ModePoll)
	answer := NotReady
	if isReady(ready) {
		answer = Ready
	}
	down := reply(w, r, answer)
	s.count(k, 1, 0, reqFrom(r).n, down, answer == Ready)
}

// serveLongPoll is long polling: the request is held until the food is
// ready, or answered NotReady after LongPollTimeout so the client asks again.
func (s *Server) serveLongPoll(w http.ResponseWriter, r *http.Request) {
	k, ready := s.order(r, ModeLongPoll)
	timer := time.NewTimer(s.opts.LongPollTimeout)
	defer timer.Stop()
	closed := make(chan struct{})
	untrack, ok := s.track(func() { close(closed) })
	if ok {
		defer untrack()
	} else {
		close(closed) // the server is closing: answer at once
	}
	answer := NotReady
	select {
	case <-ready:
		answer = Ready
	case <-timer.C:
	case <-closed:
	case <-r.Context().Done(): // the client went away
		s.count(k, 1, 0, reqFrom(r).n, 0, false)
		return
	}
	down := reply(w, r, answer)
	s.count(k, 1, 0, reqFrom(r).n, down, answer == Ready)
}

// reply writes a small text answer with an explicit Content-Length, flushes
// it, and returns the bytes that went to the socket for it (status line and
// headers included), or 0 on a connection Serve did not accept.
func reply(w http.ResponseWriter, r *http.Request, text string) int64 {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(text)))
	h.Set("Cache-Control", "no-store")
	wc := wireFrom(r.Context())
	var before int64
	if wc != nil {
		before = wc.out.Load()
	}
	io.WriteString(w, text)
	http.NewResponseController(w).Flush()
	if wc == nil {
		return 0
	}
	return wc.out.Load() - before
}

// plural returns "1 request", "2 requests".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
