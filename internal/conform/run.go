package conform

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// Options configures a run. The zero value (and nil) uses the catalogue's
// sizes and timers.
type Options struct {
	// Agent names the peer in reports (the fuzzing server takes it from the
	// client's URL instead).
	Agent string
	// MaxMessageSize, if positive, caps the message sizes of group 9 (for
	// slow builds such as the race detector); each capped case says so in
	// its log. 0 runs the catalogue's sizes.
	MaxMessageSize int64
	// HandshakeTimeout bounds the opening handshake (default 5 s).
	HandshakeTimeout time.Duration
	// DeflateMessages, if positive, caps the number of messages each case
	// of groups 12 and 13 sends (the catalogue's 1000 take minutes per case
	// in a test run); each capped case says so in its log. 0 sends 1000.
	DeflateMessages int
	// CloseTimeout is how long the fuzzer waits for the peer's close frame
	// after sending its own before it drops TCP (default DefaultCloseTimeout,
	// Autobahn's 1 s). DropTimeout is how long a fuzzing client waits for
	// the server to close TCP after the closing handshake before it drops
	// it itself and grades FAILED BY CLIENT (default DefaultDropTimeout).
	// Raise them only to run on a heavily loaded machine.
	CloseTimeout, DropTimeout time.Duration
	// HTTP2 makes the fuzzing client (RunServerCase) run each case on its
	// own RFC 8441 extended CONNECT stream, on an HTTP/2 connection of its
	// own: cleartext with prior knowledge for ws://, TLS with ALPN h2 for
	// wss://. See h2.go.
	HTTP2 bool
	// TLSConfig configures TLS for wss:// URLs (HTTP2 only); nil means
	// crypto/tls defaults.
	TLSConfig *tls.Config
}

func (o *Options) closeTimeout() time.Duration {
	if o == nil || o.CloseTimeout <= 0 {
		return DefaultCloseTimeout
	}
	return o.CloseTimeout
}

func (o *Options) dropTimeout() time.Duration {
	if o == nil || o.DropTimeout <= 0 {
		return DefaultDropTimeout
	}
	return o.DropTimeout
}

func (o *Options) handshakeTimeout() time.Duration {
	if o == nil || o.HandshakeTimeout <= 0 {
		return 5 * time.Second
	}
	return o.HandshakeTimeout
}

// defaultCaseTimeout bounds a case that sets no Timeout of its own.
const defaultCaseTimeout = 60 * time.Second

// run drives c over the open session and grades it into r.
func (s *Session) run(ctx context.Context, r *Result) {
	go s.reader()
	timeout := s.c.Timeout
	if timeout <= 0 {
		timeout = defaultCaseTimeout
	}
	guard := time.AfterFunc(timeout, func() { s.abort(fmt.Sprintf("case did not end within %v", timeout)) })
	defer guard.Stop()
	stop := context.AfterFunc(ctx, func() { s.abort("canceled: " + context.Cause(ctx).Error()) })
	defer stop()
	func() {
		defer func() {
			if p := recover(); p != nil {
				s.abort(fmt.Sprintf("internal error in case %s: %v", s.c.ID, p))
			}
		}()
		s.c.Run(s)
	}()
	if s.IsOpen() {
		s.SendClose(frame.CloseNormal, "")
	}
	select {
	case <-s.readerDone:
	case <-time.After(s.opts.closeTimeout() + s.opts.dropTimeout() + 2*time.Second):
		s.abort("the connection did not end after the case")
		<-s.readerDone
	}
	s.grade(r)
}

func newResult(c *Case, mode, agent string) *Result {
	return &Result{ID: c.ID, Mode: mode, Agent: agent, Description: c.Description, Expectation: c.Expectation}
}

func failHandshake(r *Result, start time.Time, err error) *Result {
	r.Grade, r.Behavior, r.BehaviorClose = Failed, Failed, Failed
	r.Reason = "opening handshake failed: " + err.Error()
	r.Duration = time.Since(start)
	r.DurationMS = ms(r.Duration)
	return r
}

// RunServerCase runs case c against the WebSocket server at rawURL, the
// fuzzer acting as the client: it does the opening handshake itself
// (offering c.Offer), then runs and grades the case. Over HTTP/1.1 (ws://
// only) it writes the Upgrade request on its own TCP connection; with
// opts.HTTP2 it opens an extended CONNECT stream (ws:// or wss://, h2.go).
func RunServerCase(ctx context.Context, rawURL string, c *Case, opts *Options) *Result {
	if opts == nil {
		opts = &Options{}
	}
	if opts.HTTP2 {
		return runServerCaseH2(ctx, rawURL, c, opts) // RFC 8441, h2.go
	}
	start := time.Now()
	r := newResult(c, "server", opts.Agent)
	hctx, cancel := context.WithTimeout(ctx, opts.handshakeTimeout())
	defer cancel()
	copts := &handshake.ClientOptions{Extensions: c.Offer}
	req, key, err := handshake.NewRequest(hctx, rawURL, copts)
	if err != nil {
		return failHandshake(r, start, err)
	}
	if req.URL.Scheme != "ws" {
		return failHandshake(r, start, errors.New("only ws:// URLs are supported (the fuzzer speaks raw TCP)"))
	}
	addr := req.URL.Host
	if req.URL.Port() == "" {
		addr = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	var d net.Dialer
	nc, err := d.DialContext(hctx, "tcp", addr)
	if err != nil {
		return failHandshake(r, start, err)
	}
	deadline, _ := hctx.Deadline()
	nc.SetDeadline(deadline)
	var rb bytes.Buffer
	if err := req.Write(&rb); err != nil {
		nc.Close()
		return failHandshake(r, start, err)
	}
	r.Request = rb.String()
	if _, err := nc.Write(rb.Bytes()); err != nil {
		nc.Close()
		return failHandshake(r, start, err)
	}
	br := bufio.NewReaderSize(nc, 64<<10)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		nc.Close()
		return failHandshake(r, start, err)
	}
	r.Response = dumpResponse(resp)
	_, exts, err := handshake.CheckResponse(resp, key, copts)
	if err != nil {
		nc.Close()
		return failHandshake(r, start, err)
	}
	nc.SetDeadline(time.Time{})
	r.Extensions = handshake.FormatExtensions(exts)
	s := newSession(c, opts, nc, br, true, exts)
	s.start = start
	s.run(ctx, r)
	return r
}

func dumpResponse(resp *http.Response) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/%d.%d %s\r\n", resp.ProtoMajor, resp.ProtoMinor, resp.Status)
	resp.Header.Write(&b)
	b.WriteString("\r\n")
	return b.String()
}

// RunServer runs cases in order against the server at rawURL, one
// connection per case, calling progress (if not nil) after each.
func RunServer(ctx context.Context, rawURL string, cases []*Case, opts *Options, progress func(i, n int, r *Result)) []*Result {
	out := make([]*Result, 0, len(cases))
	for i, c := range cases {
		if ctx.Err() != nil {
			break
		}
		r := RunServerCase(ctx, rawURL, c, opts)
		out = append(out, r)
		if progress != nil {
			progress(i+1, len(cases), r)
		}
	}
	return out
}

// A FuzzingServer is the fuzzer acting as a server, to test clients. It
// speaks the URL protocol of the Autobahn|Testsuite's fuzzing server, so a
// client testee written for Autobahn works unchanged:
//
//	/getCaseCount                  sends the number of cases as a text message, then closes
//	/runCase?case=N&agent=NAME     runs the N-th case (1-based, in id order)
//	/updateReports?agent=NAME      closes at once and reports the agent's results
//	/getCaseInfo?case=N            sends {"id": ..., "description": ...}, then closes
//	/getCaseStatus?case=N&agent=A  sends {"behavior": grade}, then closes
type FuzzingServer struct {
	Cases   []*Case  // the cases, in the order they are numbered
	Options *Options // may be nil

	// Progress, if set, is called after each case with its 1-based number.
	Progress func(agent string, n, total int, r *Result)
	// UpdateReports, if set, is called when a client asks for
	// /updateReports, with the agent's results so far in case order.
	UpdateReports func(agent string, results []*Result)

	mu      sync.Mutex
	results map[string]map[int]*Result
	running int // runCase connections not yet graded
}

// Serve accepts connections on l until it fails (e.g. l is closed), each
// served by its own goroutine. Callers close l to stop it.
func (fs *FuzzingServer) Serve(l net.Listener) error {
	for {
		nc, err := l.Accept()
		if err != nil {
			return err
		}
		go fs.ServeConn(context.Background(), nc)
	}
}

// Results returns the results recorded for agent, in case order.
func (fs *FuzzingServer) Results(agent string) []*Result {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	m := fs.results[agent]
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	out := make([]*Result, 0, len(keys))
	for _, k := range keys {
		out = append(out, m[k])
	}
	return out
}

// ServeConn serves one client connection: it reads the opening handshake
// with handshake.ReadRequest and answers it itself.
func (fs *FuzzingServer) ServeConn(ctx context.Context, nc net.Conn) {
	opts := fs.options()
	start := time.Now()
	nc.SetDeadline(start.Add(opts.handshakeTimeout()))
	br := bufio.NewReaderSize(nc, 64<<10)
	req, err := handshake.ReadRequest(br)
	if err != nil {
		handshake.WriteError(nc, err)
		nc.Close()
		return
	}
	fs.serve(ctx, req, start, &h1Handshake{nc: nc, br: br})
}

func (fs *FuzzingServer) options() *Options {
	if fs.Options == nil {
		return &Options{}
	}
	return fs.Options
}

// A serverHandshake answers a client's opening handshake in one HTTP
// version: HTTP/1.1 on the raw connection (h1Handshake), or HTTP/2 through
// net/http (h2Handshake, h2.go).
type serverHandshake interface {
	// refuse answers a refused handshake with err's status and ends the
	// connection or stream.
	refuse(err error)
	// accept answers with the header fields h and returns the connection
	// or stream the session runs on, a reader over it, and the response
	// head for the report.
	accept(h http.Header) (net.Conn, *bufio.Reader, string, error)
	// requestHead returns the request head for the report.
	requestHead(req *http.Request) string
}

// h1Handshake is the HTTP/1.1 Upgrade of RFC 6455, Section 4.2.2, written
// by the fuzzer itself on the raw connection.
type h1Handshake struct {
	nc net.Conn
	br *bufio.Reader
}

func (h *h1Handshake) refuse(err error) {
	handshake.WriteError(h.nc, err)
	h.nc.Close()
}

func (h *h1Handshake) accept(hdr http.Header) (net.Conn, *bufio.Reader, string, error) {
	var rb bytes.Buffer
	handshake.WriteResponse(&rb, hdr)
	if _, err := h.nc.Write(rb.Bytes()); err != nil {
		h.nc.Close()
		return nil, nil, "", err
	}
	h.nc.SetDeadline(time.Time{})
	return h.nc, h.br, rb.String(), nil
}

func (h *h1Handshake) requestHead(req *http.Request) string {
	var b bytes.Buffer
	req.Write(&b)
	return b.String()
}

// serve runs the case req asks for (the Autobahn URL protocol), the
// handshake answered through hs.
func (fs *FuzzingServer) serve(ctx context.Context, req *http.Request, start time.Time, hs serverHandshake) {
	opts := fs.options()
	sopts := &handshake.ServerOptions{InsecureSkipOriginCheck: true}
	refuse := func(status int, reason string) {
		hs.refuse(&handshake.Error{Status: status, Section: "4.2.2", Reason: reason})
	}
	offer, err := handshake.CheckRequest(req, sopts)
	if err != nil {
		hs.refuse(err)
		return
	}
	q := req.URL.Query()
	agent := q.Get("agent")
	var c *Case
	var caseNo int
	switch req.URL.Path {
	case "/getCaseCount":
		n := len(fs.Cases)
		c = &Case{ID: "getCaseCount", Run: func(s *Session) {
			s.Send(Delivery{}, Final(frame.OpText, []byte(strconv.Itoa(n))))
			s.Close(frame.CloseNormal, "")
		}}
	case "/getCaseInfo", "/getCaseStatus":
		// Autobahn's informational endpoints, used by some testees: the
		// case's id and description, or the agent's grade for it, as JSON.
		n, err := strconv.Atoi(q.Get("case"))
		if err != nil || n < 1 || n > len(fs.Cases) {
			refuse(http.StatusNotFound, fmt.Sprintf("no case %q (there are %d)", q.Get("case"), len(fs.Cases)))
			return
		}
		var msg []byte
		if req.URL.Path == "/getCaseInfo" {
			msg, _ = json.Marshal(map[string]string{"id": fs.Cases[n-1].ID, "description": fs.Cases[n-1].Description})
		} else {
			fs.mu.Lock()
			behavior := "UNKNOWN"
			if r := fs.results[agent][n]; r != nil {
				behavior = string(r.Grade)
			}
			fs.mu.Unlock()
			msg, _ = json.Marshal(map[string]string{"behavior": behavior})
		}
		c = &Case{ID: req.URL.Path[1:], Run: func(s *Session) {
			s.Send(Delivery{}, Final(frame.OpText, msg))
			s.Close(frame.CloseNormal, "")
		}}
	case "/updateReports":
		// A client may ask as soon as its side of the last case is closed,
		// before the fuzzer has graded it: wait (bounded) for running cases.
		for end := time.Now().Add(opts.closeTimeout() + opts.dropTimeout() + 5*time.Second); time.Now().Before(end); {
			fs.mu.Lock()
			n := fs.running
			fs.mu.Unlock()
			if n == 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		results := fs.Results(agent)
		c = &Case{ID: "updateReports", Run: func(s *Session) {
			if fs.UpdateReports != nil {
				fs.UpdateReports(agent, results)
			}
			s.Close(frame.CloseNormal, "")
		}}
	case "/runCase":
		caseNo, err = strconv.Atoi(q.Get("case"))
		if err != nil || caseNo < 1 || caseNo > len(fs.Cases) {
			refuse(http.StatusNotFound, fmt.Sprintf("no case %q (there are %d)", q.Get("case"), len(fs.Cases)))
			return
		}
		c = fs.Cases[caseNo-1]
		fs.mu.Lock()
		fs.running++
		fs.mu.Unlock()
		defer func() {
			fs.mu.Lock()
			fs.running--
			fs.mu.Unlock()
		}()
	default:
		refuse(http.StatusNotFound, "unknown path "+strconv.Quote(req.URL.Path)+" (use /getCaseCount, /runCase, /updateReports)")
		return
	}
	var accepted []handshake.Extension
	if c.Accept != nil {
		accepted = c.Accept(offer.Extensions)
	}
	h, err := handshake.Response(req, offer, "", accepted, sopts)
	if err != nil {
		hs.refuse(err)
		return
	}
	nc, br, head, err := hs.accept(h)
	if err != nil {
		return
	}
	r := newResult(c, "client", agent)
	if handshake.IsHTTP2(req) {
		r.HTTP = "HTTP/2"
	}
	r.Request, r.Response = hs.requestHead(req), head
	r.Extensions = handshake.FormatExtensions(accepted)
	s := newSession(c, opts, nc, br, false, accepted)
	s.start, s.http2 = start, handshake.IsHTTP2(req)
	s.run(ctx, r)
	if caseNo == 0 {
		return
	}
	fs.mu.Lock()
	if fs.results == nil {
		fs.results = map[string]map[int]*Result{}
	}
	if fs.results[agent] == nil {
		fs.results[agent] = map[int]*Result{}
	}
	fs.results[agent][caseNo] = r
	fs.mu.Unlock()
	if fs.Progress != nil {
		fs.Progress(agent, caseNo, len(fs.Cases), r)
	}
}

// ParseServerURL checks a ws:// URL given on a command line.
func ParseServerURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if u.Scheme != "ws" || u.Host == "" {
		return "", fmt.Errorf("want a ws://HOST:PORT/PATH URL, got %q", raw)
	}
	return u.String(), nil
}

// parseServerURLH2 checks a ws:// or wss:// URL for a run over HTTP/2.
func parseServerURLH2(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if u.Scheme != "ws" && u.Scheme != "wss" || u.Host == "" {
		return "", fmt.Errorf("want a ws:// or wss://HOST:PORT/PATH URL, got %q", raw)
	}
	return u.String(), nil
}
