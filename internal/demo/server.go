package demo

import (
	"context"
	"crypto/tls"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
)

// The article's messages.
const (
	Greeting      = "This is a message from server, connection is established"
	ClientMessage = "This is a message from client" // what the page sends on open
	Connected     = "I am connected"                // plain HTTP answer
	NotReady      = "No, wait."
	Ready         = "Yes sir, here is your order."
)

//go:embed page
var pageFS embed.FS

// Options configures a Server. The zero value (or nil) gives the article's
// settings.
type Options struct {
	// Log receives the server log, one line per call. Nil logs with the
	// standard log package.
	Log func(format string, args ...any)

	// CookTime is how long an order takes to become ready, counted from the
	// first request of that order. Zero means 3 seconds, as in the article.
	CookTime time.Duration

	// Cook, if set, replaces CookTime: it is called once per order and the
	// order is ready when the returned channel is closed. Tests use it to
	// decide exactly when the food is ready.
	Cook func(o OrderKey) <-chan struct{}

	// LongPollTimeout is how long /food/longpoll holds a request before
	// answering NotReady, so that the client asks again (proxies drop
	// requests idle for much longer). Zero means 25 seconds.
	LongPollTimeout time.Duration

	// Trace, if set, receives an annotated transcript of every connection to
	// the article's WebSocket (/): the request, the 101 response and the
	// first frames, byte by byte, as they crossed the socket.
	Trace io.Writer

	// OnReport, if set, is called with the JSON body a page POSTs to
	// /api/report (the page does so when opened with ?report=1). The browser
	// test reads the page's results this way.
	OnReport func(tab string, body []byte)
}

// A Server is the demo: an http.Handler for the page, the article's
// WebSocket, the food orders and the page's live channel.
type Server struct {
	opts Options
	mux  *http.ServeMux

	mu      sync.Mutex
	tabs    map[string]*tab
	orders  map[OrderKey]*order
	closing bool
	closers map[int]func() // held long polls, answered on Shutdown or Close
	nextID  int
	connIDs atomic.Int64 // numbers the article's connections in the log
	hsrv    *http.Server

	// conns holds the open WebSocket connections: http.Server does not
	// see them once hijacked, so Shutdown and Close close them with 1001
	// through it.
	conns conn.Group
}

// goingAway is the reason sent with 1001 when the server shuts down.
const goingAway = "server shutting down"

// New returns a Server with opts (nil means the defaults).
func New(opts *Options) *Server {
	s := &Server{
		tabs:    make(map[string]*tab),
		orders:  make(map[OrderKey]*order),
		closers: make(map[int]func()),
	}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Log == nil {
		s.opts.Log = log.Printf
	}
	if s.opts.CookTime == 0 {
		s.opts.CookTime = 3 * time.Second
	}
	if s.opts.LongPollTimeout == 0 {
		s.opts.LongPollTimeout = 25 * time.Second
	}
	page, err := fs.Sub(pageFS, "page")
	if err != nil {
		panic(err) // the embedded directory is part of the binary
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.serveRoot)
	mux.Handle("GET /page/", http.StripPrefix("/page/", http.FileServerFS(page)))
	mux.HandleFunc("GET /connected", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte(Connected))
	})
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /food/poll", s.servePoll)
	mux.HandleFunc("GET /food/longpoll", s.serveLongPoll)
	mux.HandleFunc("GET /food/ws", s.serveFoodWS)
	mux.HandleFunc("GET /live", s.serveLive)
	// Over HTTP/2 a browser opens its WebSockets with an extended CONNECT
	// (RFC 8441) on the page's own connection: the same handlers serve it.
	mux.HandleFunc("CONNECT /{$}", s.serveArticleWS)
	mux.HandleFunc("CONNECT /food/ws", s.serveFoodWS)
	mux.HandleFunc("CONNECT /live", s.serveLive)
	mux.HandleFunc("GET /api/orders", s.serveOrders)
	mux.HandleFunc("POST /api/report", s.serveReport)
	s.mux = mux
	return s
}

// ServeHTTP routes a request. It marks the start of each request on a
// counted connection, so bytes are attributed to the request they belong to.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var n int64
	var raw []byte
	if wc := wireFrom(r.Context()); wc != nil {
		n, raw = wc.startRequest()
	}
	r = r.WithContext(context.WithValue(r.Context(), reqKey{}, &reqInfo{n: n, raw: raw}))
	s.mux.ServeHTTP(w, r)
}

type reqKey struct{}

// reqInfo is what the socket delivered for one request.
type reqInfo struct {
	n   int64  // bytes of the request, line and headers included
	raw []byte // the bytes themselves (first maxCapture)
}

func reqFrom(r *http.Request) *reqInfo {
	if ri, ok := r.Context().Value(reqKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

// Serve accepts connections on l and serves the demo on them over
// HTTP/1.1 until Close. It counts the bytes of every connection (see
// Options and the package doc). It may run beside ServeTLS.
func (s *Server) Serve(l net.Listener) error {
	hsrv, err := s.server()
	if err != nil {
		return err
	}
	return hsrv.Serve(wireListener{l})
}

// ServeTLS accepts TLS connections on l with cfg's certificate and serves
// the demo on them until Close, over HTTP/2 or HTTP/1.1 as the browser
// chooses by ALPN (RFC 7301). Over HTTP/2 the browser opens the page's
// WebSockets on the page's own connection (RFC 8441), provided the
// program turned extended CONNECT on (conn/xconnect): the page shows which
// protocol carried each. Bytes are not counted there (they are encrypted,
// and HTTP/2 interleaves requests), so the food figures read 0 and the
// handshake is shown as the fields net/http decoded. cfg is not modified.
func (s *Server) ServeTLS(l net.Listener, cfg *tls.Config) error {
	hsrv, err := s.server()
	if err != nil {
		return err
	}
	cfg = cfg.Clone()
	if len(cfg.NextProtos) == 0 {
		cfg.NextProtos = []string{"h2", "http/1.1"}
	}
	return hsrv.Serve(tls.NewListener(l, cfg))
}

// server returns the http.Server that Serve and ServeTLS share, made on
// first use, or http.ErrServerClosed once the Server is closing.
func (s *Server) server() (*http.Server, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, http.ErrServerClosed
	}
	if s.hsrv == nil {
		s.hsrv = &http.Server{
			Handler:           s,
			ConnContext:       withWire,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          log.New(logWriter{s}, "", 0),
		}
		// HTTP/1.1 on Serve's listener; HTTP/2 only where TLS offers it.
		s.hsrv.Protocols = new(http.Protocols)
		s.hsrv.Protocols.SetHTTP1(true)
		s.hsrv.Protocols.SetHTTP2(true)
	}
	return s.hsrv, nil
}

type logWriter struct{ s *Server }

func (lw logWriter) Write(p []byte) (int, error) {
	lw.s.logf("%s", strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// Shutdown stops the server gracefully: it stops listening, answers held
// long polls, refuses new upgrades (503), closes every WebSocket
// connection with 1001 going away (RFC 6455, Section 7.4.1), and waits up
// to ctx for those and for the HTTP requests in flight. If ctx ends first
// it returns ctx.Err(), the WebSocket connections cut; Close then cuts
// the HTTP ones left.
func (s *Server) Shutdown(ctx context.Context) error {
	hsrv := s.stop()
	if hsrv == nil { // used as an http.Handler only
		return s.conns.Shutdown(ctx, frame.CloseGoingAway, goingAway)
	}
	return s.conns.ShutdownServer(ctx, hsrv, frame.CloseGoingAway, goingAway)
}

// Close stops the server at once: the listener and every HTTP connection
// are closed, held long polls answered, and every WebSocket connection is
// sent 1001 going away; Close returns once those are closed, within their
// close timeout (conn.DefaultCloseTimeout).
func (s *Server) Close() error {
	hsrv := s.stop()
	shut := make(chan struct{})
	go func() {
		defer close(shut)
		s.conns.Shutdown(context.Background(), frame.CloseGoingAway, goingAway)
	}()
	var err error
	if hsrv != nil {
		err = hsrv.Close()
	}
	<-shut
	return err
}

// stop marks the server as closing, answers the held long polls, and
// returns the http.Server Serve runs, if any.
func (s *Server) stop() *http.Server {
	s.mu.Lock()
	s.closing = true
	hsrv := s.hsrv
	var closers []func()
	for _, f := range s.closers {
		closers = append(closers, f)
	}
	s.mu.Unlock()
	for _, f := range closers {
		f()
	}
	return hsrv
}

// isClosing reports whether Shutdown or Close has been called.
func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// track registers f to run on Shutdown or Close (a held long poll's
// release), and returns a function that unregisters it. It reports false
// if the server is already closing. WebSocket connections are in s.conns.
func (s *Server) track(f func()) (untrack func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, false
	}
	s.nextID++
	id := s.nextID
	s.closers[id] = f
	return func() {
		s.mu.Lock()
		delete(s.closers, id)
		s.mu.Unlock()
	}, true
}

func (s *Server) logf(format string, args ...any) {
	s.opts.Log(format, args...)
}

// tabLogf logs a line and also sends it to the page of tab id.
func (s *Server) tabLogf(id, format string, args ...any) {
	s.logf(format, args...)
	if id != "" {
		s.publish(id, event{Type: "log", Text: fmt.Sprintf(format, args...)})
	}
}

// serveRoot is the article's server: the page for plain HTTP, and the
// WebSocket upgrade on the same URL.
func (s *Server) serveRoot(w http.ResponseWriter, r *http.Request) {
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		s.serveArticleWS(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.ServeFileFS(w, r, pageFS, "page/index.html")
}

func (s *Server) serveReport(w http.ResponseWriter, r *http.Request) {
	body, err := readAllLimit(r.Body, 1<<20)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	tab := r.URL.Query().Get("tab")
	s.logf("report from tab %s: %s", tab, body)
	if s.opts.OnReport != nil {
		s.opts.OnReport(tab, body)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) serveOrders(w http.ResponseWriter, r *http.Request) {
	tab := r.URL.Query().Get("tab")
	s.mu.Lock()
	var list []OrderStats
	for k, o := range s.orders {
		if tab == "" || k.Tab == tab {
			list = append(list, o.statsLocked())
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(list)
}

var errTooLarge = errors.New("demo: body too large")

// readAllLimit reads r to its end, refusing more than limit bytes.
func readAllLimit(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = errTooLarge
	}
	return b, err
}

// URL returns the address to open for a server listening on l that was
// asked to listen on addr: addr's host name (localhost if empty or
// unspecified) with l's port.
func URL(addr string, l net.Addr) string {
	host, _, _ := net.SplitHostPort(addr)
	_, port, _ := net.SplitHostPort(l.String())
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
