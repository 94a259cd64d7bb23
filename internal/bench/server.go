package bench

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Paths served by Server.
const (
	PathPoll     = "/updates/poll"     // GET ?since=K: updates after K now, or 204 No Content
	PathLongPoll = "/updates/long"     // GET ?since=K: waits until there are updates after K (or the long-poll timeout: 204)
	PathUpdateWS = "/updates/ws"       // WebSocket ?since=K: one binary message per update after K
	PathEcho     = "/echo"             // POST: the request body comes back as the response body
	PathEchoWS   = "/echo/ws"          // WebSocket: every message comes back with its type
	PathReset    = "/control/reset"    // POST ?n=N: a new hub for a run of N updates
	PathProduce  = "/control/produce"  // POST ?interval=D&size=B: start producing in the background
	PathProduced = "/control/produced" // GET: waits until production ends; 200, or 500 with the error
	PathWaiting  = "/control/waiting"  // GET: how many long polls and WebSocket update clients the server holds, as text
)

// DefaultLongPollTimeout is how long a long poll waits for an update before
// it is answered with 204 No Content, when Server.LongPollTimeout is zero.
const DefaultLongPollTimeout = 25 * time.Second

// Server is the server side of both experiments: an update hub with polling,
// long-polling and WebSocket endpoints, and an echo service over HTTP and
// WebSocket. Control endpoints let a client in another process drive a run.
type Server struct {
	// LongPollTimeout bounds a long poll (0 means DefaultLongPollTimeout).
	LongPollTimeout time.Duration

	waiting atomic.Int64 // long polls parked and WebSocket update connections open

	mu       sync.Mutex
	hub      *Hub
	produced chan error // receives Produce's result, buffered
	stop     context.CancelFunc
}

// NewServer returns a server with an empty hub.
func NewServer() *Server {
	return &Server{hub: NewHub(0)}
}

// Reset replaces the hub with a new one for a run of total updates,
// stopping any production still going on.
func (s *Server) Reset(total int64) *Hub {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
	s.hub = NewHub(total)
	s.produced = nil
	return s.hub
}

// Hub returns the current hub.
func (s *Server) Hub() *Hub {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hub
}

// StartProducing makes the current hub produce its updates in the
// background, one every interval, size bytes each.
func (s *Server) StartProducing(interval time.Duration, size int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil {
		s.stop()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	ch := make(chan error, 1)
	s.produced = ch
	h := s.hub
	go func() { ch <- h.Produce(ctx, interval, size) }()
}

// WaitProduced waits until the production started by StartProducing ends
// and returns its result, or ctx's error.
func (s *Server) WaitProduced(ctx context.Context) error {
	s.mu.Lock()
	ch := s.produced
	s.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case err := <-ch:
		ch <- err // let later callers see it too
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops any production going on.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

// Handler returns the HTTP handler serving every path of the server.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathPoll, s.servePoll)
	mux.HandleFunc("GET "+PathLongPoll, s.serveLongPoll)
	mux.HandleFunc("GET "+PathUpdateWS, s.serveUpdatesWS)
	mux.HandleFunc("POST "+PathEcho, serveEcho)
	mux.HandleFunc("GET "+PathEchoWS, serveEchoWS)
	mux.HandleFunc("POST "+PathReset, s.serveReset)
	mux.HandleFunc("POST "+PathProduce, s.serveProduce)
	mux.HandleFunc("GET "+PathProduced, s.serveProduced)
	mux.HandleFunc("GET "+PathWaiting, s.serveWaiting)
	return mux
}

// Serve serves the handler on l until l is closed, and returns the
// http.Server so the caller can shut it down.
func (s *Server) Serve(l net.Listener) *http.Server {
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(l)
	return hs
}

func sinceParam(r *http.Request) (int64, bool) {
	v := r.URL.Query().Get("since")
	if v == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil && n >= 0
}

func writeUpdates(w http.ResponseWriter, us []Update) {
	if len(us) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	body := appendBody(nil, us)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

func (s *Server) servePoll(w http.ResponseWriter, r *http.Request) {
	since, ok := sinceParam(r)
	if !ok {
		http.Error(w, "bad since", http.StatusBadRequest)
		return
	}
	us, _ := s.Hub().After(since)
	writeUpdates(w, us)
}

func (s *Server) serveLongPoll(w http.ResponseWriter, r *http.Request) {
	since, ok := sinceParam(r)
	if !ok {
		http.Error(w, "bad since", http.StatusBadRequest)
		return
	}
	timeout := s.LongPollTimeout
	if timeout <= 0 {
		timeout = DefaultLongPollTimeout
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	s.waiting.Add(1)
	us, _ := s.Hub().Wait(ctx, since) // on timeout: none, 204
	s.waiting.Add(-1)
	writeUpdates(w, us)
}

// maxEchoBody bounds the body of an echo request.
const maxEchoBody = 16 << 20

func serveEcho(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxEchoBody+1))
	if err != nil || len(body) > maxEchoBody {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

func (s *Server) serveReset(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
	if err != nil || n < 0 {
		http.Error(w, "bad n", http.StatusBadRequest)
		return
	}
	s.Reset(n)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) serveProduce(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	interval, err1 := time.ParseDuration(q.Get("interval"))
	size, err2 := strconv.Atoi(q.Get("size"))
	if err1 != nil || err2 != nil || interval <= 0 || size < 0 || size > maxEchoBody {
		http.Error(w, "bad interval or size", http.StatusBadRequest)
		return
	}
	s.StartProducing(interval, size)
	w.WriteHeader(http.StatusNoContent)
}

// Waiting returns how many long polls are parked and WebSocket update
// connections are open.
func (s *Server) Waiting() int64 { return s.waiting.Load() }

func (s *Server) serveWaiting(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, strconv.FormatInt(s.Waiting(), 10))
}

func (s *Server) serveProduced(w http.ResponseWriter, r *http.Request) {
	if err := s.WaitProduced(r.Context()); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
