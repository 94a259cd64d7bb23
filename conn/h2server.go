package conn

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// WebSockets over HTTP/2, the server side (RFC 8441).
//
// Over HTTP/1.1 Accept takes the TCP connection over (Hijack) and the
// Endpoint owns it. Over HTTP/2 the WebSocket is one stream of a
// connection that net/http's HTTP/2 server keeps running: the client's
// DATA frames arrive through r.Body, ours leave through the
// ResponseWriter, and the stream ends when the handler returns (net/http
// then sends END_STREAM). h2Stream makes that stream the net.Conn under
// the Endpoint, so everything above it (frames, messages, close
// handshake, deadlines) is the same code for both versions.
//
// What differs, and how it maps:
//
//   - Flow control. A write waits inside net/http until the peer's HTTP/2
//     window lets it through (RFC 9113, Section 5.2), as a TCP write waits
//     for the peer's receive window: backpressure is the same.
//   - Deadlines. net/http's stream deadlines (http.ResponseController)
//     are final: a read deadline that passes closes the request body for
//     good and a write deadline resets the stream. An Endpoint moves its
//     read deadline all the time (the idle pump is interrupted that way)
//     and expects a timed-out read to resume. So h2Stream keeps its own
//     deadlines: reads wait on a channel beside their deadline, fed by one
//     goroutine that reads r.Body; a write deadline that passes while a
//     write is blocked resets the stream, the only way net/http offers to
//     abort that write (as the deadline of a TCP write fails the
//     connection).
//   - Closing. Closing a TCP connection aborts a write stuck on a peer that
//     does not read; Close here resets the stream if a write is blocked
//     (RST_STREAM; net/http's code is INTERNAL_ERROR where RFC 8441,
//     Section 5 likens a TCP reset to CANCEL), waits for that write to
//     return, and then no write starts again. Otherwise Close leaves the
//     stream to end cleanly: the handler, which waits on Endpoint.Done,
//     returns, and net/http sends END_STREAM (RFC 8441, Section 5: "The
//     HTTP/2 stream closure is also analogous to the TCP connection
//     closure"), followed by RST_STREAM NO_ERROR if the client has not
//     ended its side yet (RFC 9113, Section 8.1 allows it).
//   - The peer's RST_STREAM, or the connection dropping, fails the body's
//     reads; the Endpoint reports it as 1006, like a TCP reset.

// h2Stream is the net.Conn of a WebSocket carried by an HTTP/2 stream.
type h2Stream struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	body   io.ReadCloser
	local  net.Addr
	remote net.Addr

	// Read side: pump reads body into buf and hands each chunk over feed;
	// Read copies from chunk and, once it is used up, tells pump through
	// next that buf may be read into again. rerr is pump's last error,
	// set before feed is closed.
	rmu   sync.Mutex // one Read at a time; guards chunk
	chunk []byte
	feed  chan []byte
	next  chan struct{}
	rerr  error
	rdl   deadline

	// Write side.
	wmu     sync.Mutex // one Write at a time
	writing atomic.Bool
	wdl     deadline
	reset   sync.Once // resets the stream (resetStream)
	// resetByUs is set when we reset the stream (readEnd).
	resetByUs atomic.Bool

	closeOnce sync.Once
	closed    chan struct{}
	// shut is closed by CloseWrite: reads and writes end, the stream
	// itself ends when the handler returns.
	shutOnce sync.Once
	shut     chan struct{}
	// gone is set once net/http has ended the request (its context is
	// done): the ResponseWriter must not be touched again.
	gone      atomic.Bool
	stopWatch func() bool
}

// errStreamEnded is a write's error once net/http has ended the stream
// (its request's context is done).
var errStreamEnded = errors.New("conn: the HTTP/2 stream has ended")

// h2SmallRead is the buffer the pump reads into while the stream is
// quiet; a read that fills it moves to a pooled 16 KiB buffer until a read
// comes back short (the Endpoint's own strategy, conn/read.go).
const h2SmallRead = 512

// newH2Stream wraps the stream of an extended CONNECT whose 200 response
// has been sent; rc is w's ResponseController.
func newH2Stream(w http.ResponseWriter, rc *http.ResponseController, r *http.Request) *h2Stream {
	s := &h2Stream{
		w:      w,
		rc:     rc,
		body:   r.Body,
		remote: parseAddr(r.RemoteAddr),
		feed:   make(chan []byte),
		next:   make(chan struct{}, 1),
		closed: make(chan struct{}),
		shut:   make(chan struct{}),
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		s.local = a
	} else {
		s.local = h2Addr("")
	}
	s.rdl.init()
	s.wdl.init()
	s.wdl.onExpire = s.abortWrite
	// net/http cancels the request's context when the stream ends: the
	// handler returned, the stream was reset, or the connection dropped.
	// From then on the ResponseWriter is not ours to use. (The body's
	// reads fail too, and the Endpoint with them.)
	s.stopWatch = context.AfterFunc(r.Context(), func() { s.gone.Store(true) })
	go s.pump()
	return s
}

// pump reads the request body, the peer's DATA frames, one chunk at a
// time, and hands each chunk to Read. It ends with the body (END_STREAM,
// RST_STREAM, the connection's end) or when the stream is closed.
func (s *h2Stream) pump() {
	var small [h2SmallRead]byte
	buf := small[:]
	var big *[]byte
	for {
		n, err := s.body.Read(buf)
		inUse := false // Read holds a chunk of buf
		if n > 0 {
			select {
			case s.feed <- buf[:n]:
				select {
				case <-s.next:
				case <-s.closed:
					err, inUse = net.ErrClosed, true
				case <-s.shut:
					err, inUse = net.ErrClosed, true
				}
			case <-s.closed:
				err = net.ErrClosed
			case <-s.shut:
				err = net.ErrClosed
			}
		}
		if err != nil {
			// A chunk Read may still be copying from stays out of the
			// pool (the garbage collector takes it).
			if big != nil && !inUse {
				putBuf(big)
			}
			s.rerr = err
			close(s.feed)
			return
		}
		// Grow while reads fill the buffer, shrink back when the peer
		// pauses, so an idle stream holds no pooled buffer.
		switch {
		case n == len(buf) && big == nil:
			big = getBuf()
			buf = *big
		case n < len(buf) && big != nil:
			putBuf(big)
			big, buf = nil, small[:]
		}
	}
}

// Read reads what the peer sent on the stream. It returns
// os.ErrDeadlineExceeded when the read deadline passes, leaving the
// stream as it was: the next Read resumes.
func (s *h2Stream) Read(p []byte) (int, error) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	select {
	case <-s.closed:
		s.chunk = nil
		return 0, net.ErrClosed
	case <-s.shut:
		s.chunk = nil
		return 0, net.ErrClosed
	default:
	}
	if len(s.chunk) == 0 {
		select {
		case <-s.rdl.done():
			return 0, os.ErrDeadlineExceeded
		default:
		}
		select {
		case c, ok := <-s.feed:
			if !ok {
				return 0, s.readEnd()
			}
			s.chunk = c
		case <-s.rdl.done():
			return 0, os.ErrDeadlineExceeded
		case <-s.closed:
			return 0, net.ErrClosed
		case <-s.shut:
			return 0, net.ErrClosed
		}
	}
	n := copy(p, s.chunk)
	s.chunk = s.chunk[n:]
	if len(s.chunk) == 0 {
		s.next <- struct{}{} // one slot, and pump waits for it: never blocks
	}
	return n, nil
}

// readEnd returns the error that ended the body. When we reset the stream
// ourselves, to abort a write past its deadline, the write reports it:
// the Endpoint fails the connection with the write's timeout, as over
// TCP, where a write deadline leaves the read side alone. So the read side
// holds the stream's end back until the Endpoint has closed the stream,
// for at most resetGrace in case the write got through after all.
func (s *h2Stream) readEnd() error {
	if s.resetByUs.Load() {
		select {
		case <-s.closed:
			return net.ErrClosed
		case <-s.rdl.done():
			return os.ErrDeadlineExceeded
		case <-time.After(resetGrace):
		}
	}
	return s.rerr
}

// resetGrace bounds how long readEnd holds back the end of a stream we
// reset.
const resetGrace = time.Second

// Write sends p in DATA frames and flushes them. It waits for the peer's
// flow-control window as a TCP write waits for its receive window.
func (s *h2Stream) Write(p []byte) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	// writing is set before the checks, and abortWrite and Close set their
	// condition before they look at writing: one of the two always sees
	// the other.
	s.writing.Store(true)
	defer s.writing.Store(false)
	select {
	case <-s.closed:
		return 0, net.ErrClosed
	case <-s.shut:
		return 0, net.ErrClosed
	case <-s.wdl.done():
		return 0, os.ErrDeadlineExceeded
	default:
	}
	if s.gone.Load() {
		return 0, errStreamEnded
	}
	n, err := s.w.Write(p)
	if err == nil {
		err = s.rc.Flush()
	}
	if err != nil {
		// The stream was reset by us: report why. The deadline comes
		// first, as the reset also ends the request, which closes s.
		if isClosedChan(s.wdl.done()) {
			return n, os.ErrDeadlineExceeded
		}
		if isClosedChan(s.closed) {
			return n, net.ErrClosed
		}
	}
	return n, err
}

// abortWrite runs when the write deadline passes: a write in progress is
// blocked (on the peer's window, most likely) and can only be aborted by
// resetting the stream.
func (s *h2Stream) abortWrite() {
	if s.writing.Load() {
		s.resetStream()
	}
}

// resetStream makes net/http reset the stream (RST_STREAM), which fails a
// write blocked in it. Setting a write deadline in the past is net/http's
// way to do that from a handler.
func (s *h2Stream) resetStream() {
	s.reset.Do(func() {
		s.resetByUs.Store(true)
		if !s.gone.Load() {
			s.rc.SetWriteDeadline(aLongTimeAgo)
		}
	})
}

// Close ends the stream's use by the Endpoint: reads and writes in
// progress return net.ErrClosed (a write blocked on flow control by a
// reset of the stream), and none starts again. The stream itself ends when
// the handler returns.
func (s *h2Stream) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		if s.writing.Load() {
			s.resetStream()
		}
		s.wmu.Lock() // a write in progress has returned: none will start
		s.wmu.Unlock()
		s.body.Close() // the pump's read returns
		s.rdl.stop()
		s.wdl.stop()
		s.stopWatch()
	})
	return nil
}

// CloseWrite ends our side of the stream as far as net/http lets a
// handler: it cannot send END_STREAM and go on reading, since it ends a
// stream as a whole when the handler returns (then resetting the client's
// side with NO_ERROR, RFC 9113, Section 8.1). So CloseWrite ends both
// directions for us: later writes and reads return net.ErrClosed, and the
// request body is closed (net/http discards what the client still sends
// and gives back its connection window). END_STREAM follows when the
// handler returns.
//
// That is what the Endpoint's failure path needs (close.go, linger). On
// TCP it half-closes after its Close frame and drains the peer's bytes
// for up to a second, so that closing does not turn unread bytes into a
// TCP reset that could destroy the Close frame in flight. Over HTTP/2
// there is no such risk: the handler's END_STREAM and RST_STREAM follow
// the Close frame on one ordered connection, and a client reads the frame
// before the reset. So the drain ends at once, the Endpoint closes, the
// handler returns on Done, and the client gets its END_STREAM without
// waiting that second (RFC 6455, Section 7.1.7: after a failure nothing
// more is processed anyway).
func (s *h2Stream) CloseWrite() error {
	s.shutOnce.Do(func() {
		close(s.shut)
		s.body.Close() // the pump's read returns
	})
	return nil
}

func (s *h2Stream) LocalAddr() net.Addr  { return s.local }
func (s *h2Stream) RemoteAddr() net.Addr { return s.remote }

func (s *h2Stream) SetDeadline(t time.Time) error {
	s.rdl.set(t)
	s.wdl.set(t)
	return nil
}

func (s *h2Stream) SetReadDeadline(t time.Time) error  { s.rdl.set(t); return nil }
func (s *h2Stream) SetWriteDeadline(t time.Time) error { s.wdl.set(t); return nil }

// A deadline is a net.Conn deadline as a channel that is closed when it
// passes, so a wait can select on it; setting a new one makes a new
// channel if the old one was closed. onExpire, if set, runs (outside the
// lock) when the channel is closed.
type deadline struct {
	mu       sync.Mutex
	t        time.Time
	c        chan struct{}
	timer    *time.Timer
	onExpire func()
}

func (d *deadline) init() { d.c = make(chan struct{}) }

// done returns the channel closed when the deadline passes.
func (d *deadline) done() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.c
}

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	d.t = t
	if d.timer != nil {
		d.timer.Stop() // a late fire finds d.t moved and does nothing
	}
	expired := isClosedChan(d.c)
	if expired {
		d.c = make(chan struct{})
	}
	if t.IsZero() {
		d.mu.Unlock()
		return
	}
	if dur := time.Until(t); dur > 0 {
		if d.timer == nil {
			d.timer = time.AfterFunc(dur, d.fire)
		} else {
			d.timer.Reset(dur)
		}
		d.mu.Unlock()
		return
	}
	d.expireLocked()
}

// fire is the timer's function: it closes the channel if the deadline in
// force has passed.
func (d *deadline) fire() {
	d.mu.Lock()
	if d.t.IsZero() || time.Now().Before(d.t) || isClosedChan(d.c) {
		d.mu.Unlock()
		return
	}
	d.expireLocked()
}

// expireLocked closes the channel, releases d.mu (held by the caller) and
// runs onExpire outside it.
func (d *deadline) expireLocked() {
	close(d.c)
	d.mu.Unlock()
	if d.onExpire != nil {
		d.onExpire()
	}
}

// stop releases the timer.
func (d *deadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
	}
}

func isClosedChan(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// parseAddr turns net/http's Request.RemoteAddr ("ip:port") into a
// net.Addr.
func parseAddr(s string) net.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return net.TCPAddrFromAddrPort(ap)
	}
	return h2Addr(s)
}

// h2Addr is an address net/http gave only as text.
type h2Addr string

func (a h2Addr) Network() string { return "tcp" }
func (a h2Addr) String() string  { return string(a) }

// acceptH2 completes Accept for an extended CONNECT (RFC 8441, Section
// 5): the 200 response with hdr, flushed at once, then the Endpoint on
// the stream.
func acceptH2(w http.ResponseWriter, r *http.Request, hdr http.Header, timeout time.Duration, o *Options) (*Endpoint, error) {
	s, err := respondH2(w, r, hdr, timeout)
	if err != nil {
		return nil, err
	}
	return NewEndpoint(s, nil, Server, o), nil
}

// respondH2 sends the 200 response with hdr to an extended CONNECT,
// flushed at once, and returns the stream as a net.Conn.
func respondH2(w http.ResponseWriter, r *http.Request, hdr http.Header, timeout time.Duration) (*h2Stream, error) {
	rc := http.NewResponseController(w)
	// The server's ReadTimeout and WriteTimeout would end the stream: a
	// WebSocket outlives a request. Our own bound covers the response.
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Now().Add(timeout))
	for k, v := range hdr {
		w.Header()[k] = v
	}
	// "If the server agrees to the WebSocket connection, it MUST respond
	// with a 200 (OK) status code" (RFC 8441, Section 5)
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return nil, err
	}
	rc.SetWriteDeadline(time.Time{})
	return newH2Stream(w, rc, r), nil
}
