package conn

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// RawServer serves WebSocket connections straight from a net.Listener,
// without net/http: it reads each opening handshake itself
// (handshake.ReadRequest, bounded by handshake.MaxHeaderBytes), checks it
// as Accept does (RFC 6455, Section 4.2.1), answers 101 or the refusal
// (Section 4.2.2) and runs Handler in a goroutine of its own.
//
// It exists for servers that hold many connections or accept them fast.
// net/http allocates about 13 KiB per request that a hijack leaves to the
// collector (its bufio reader and writer, and the request); here the
// request head is read through a pooled 4 KiB reader into a pooled
// request (handshake.ReadRequestInto), so right after a burst of
// connections the process holds little garbage besides the connections
// themselves. Handler starts on a fresh goroutine stack, not
// the one that parsed the request. What is lost against net/http: plain
// HTTP requests on the same port (each gets 400 Bad Request or 426 Upgrade
// Required) and TLS (wrap the listener with tls.NewListener).
//
// The zero value is not usable: set Handler. A RawServer must not be copied
// after first use.
type RawServer struct {
	// Handler serves one connection. When it returns, the connection is
	// closed with 1000 (normal closure) if it is still open.
	Handler func(ep *Endpoint)
	// Options configures each connection and its handshake, as for Accept.
	// HandshakeTimeout bounds the whole handshake here: reading the
	// request and writing the response (0 means DefaultHandshakeTimeout).
	Options AcceptOptions
	// ErrorLog, if set, is called with every failed handshake.
	ErrorLog func(remote net.Addr, err error)

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	shaking   map[net.Conn]struct{} // connections in their handshake
	down      bool
	handlers  sync.WaitGroup
	group     Group
}

// ErrServerClosed is returned by RawServer.Serve after Shutdown.
var ErrServerClosed = errors.New("conn: server closed")

// Serve serves WebSocket connections on l with handler, as a RawServer with
// opts (which may be nil) does. It returns when l fails.
func Serve(l net.Listener, handler func(ep *Endpoint), opts *AcceptOptions) error {
	s := &RawServer{Handler: handler}
	if opts != nil {
		s.Options = *opts
	}
	return s.Serve(l)
}

// Serve accepts connections on l and serves each in a goroutine of its
// own until l fails or Shutdown is called (ErrServerClosed). Temporary
// accept errors (too many open files) are retried after a pause.
func (s *RawServer) Serve(l net.Listener) error {
	if err := checkOutputsUnset(&s.Options.Options, "RawServer.Options", "ServerOptions.Subprotocols"); err != nil {
		return err
	}
	s.mu.Lock()
	if s.down {
		s.mu.Unlock()
		return ErrServerClosed
	}
	if s.listeners == nil {
		s.listeners = make(map[net.Listener]struct{})
		s.shaking = make(map[net.Conn]struct{})
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()
	pause := time.Duration(0)
	for {
		c, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			down := s.down
			s.mu.Unlock()
			if down {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				pause = min(max(2*pause, 5*time.Millisecond), time.Second)
				time.Sleep(pause)
				continue
			}
			return err
		}
		pause = 0
		go s.handshake(c)
	}
}

// handshake upgrades c and starts the handler in a fresh goroutine: this
// one's stack grew while parsing the request, and an idle connection
// should wait on the smallest stack the runtime has (2 KiB).
func (s *RawServer) handshake(c net.Conn) {
	s.mu.Lock()
	if s.down {
		s.mu.Unlock()
		handshake.WriteError(c, errUpgradeRefused)
		c.Close()
		return
	}
	s.shaking[c] = struct{}{}
	s.handlers.Add(1)
	s.mu.Unlock()
	ep, err := Upgrade(c, &s.Options)
	s.mu.Lock()
	delete(s.shaking, c)
	s.mu.Unlock()
	if err != nil {
		if s.ErrorLog != nil {
			s.ErrorLog(c.RemoteAddr(), err)
		}
		s.handlers.Done()
		return
	}
	if s.group.Track(ep) != nil {
		s.handlers.Done() // Shutdown began meanwhile: Track closed ep
		return
	}
	go s.serve(ep)
}

// serve runs the handler on one connection.
func (s *RawServer) serve(ep *Endpoint) {
	defer s.handlers.Done()
	defer ep.Close(frame.CloseNormal, "")
	s.Handler(ep)
}

// Shutdown stops the RawServer: it closes its listeners (Serve returns
// ErrServerClosed), cuts connections still in their handshake, closes
// every open connection with 1001, going away (RFC 6455, Section 7.4.1),
// and waits until every handler has returned or ctx ends (then it returns
// ctx.Err(), the connections having been cut).
func (s *RawServer) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.down = true
	for l := range s.listeners {
		l.Close()
	}
	for c := range s.shaking {
		c.Close()
	}
	s.mu.Unlock()
	err := s.group.Shutdown(ctx, frame.CloseGoingAway, "server shutting down")
	done := make(chan struct{})
	go func() { s.handlers.Wait(); close(done) }()
	select {
	case <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// headPool holds the readers Upgrade reads request heads through. 4 KiB
// holds a browser's handshake with its cookies; a longer head is read on
// through handshake.ReadRequest's slow path, up to MaxHeaderBytes.
var headPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4<<10) }}

// reqPool holds the requests upgrade parses, when no hook can keep one.
var reqPool = sync.Pool{New: func() any { return new(http.Request) }}

// Upgrade performs the server side of the opening handshake on c, a
// connection nothing has read from yet, without net/http: it reads the
// request (handshake.ReadRequest), checks it (handshake.CheckRequest with
// opts.ServerOptions), chooses the subprotocol and extensions, writes the
// 101 response (RFC 6455, Section 4.2.2) and returns the server Endpoint.
// opts.HandshakeTimeout (0: DefaultHandshakeTimeout) bounds all of it.
//
// A request that is not an acceptable handshake gets the HTTP error
// response (handshake.WriteError: 400, 403, 405, 426 or 431), c is closed
// and the error returned. Bytes the client sent after its request are
// kept for the Endpoint. opts may be nil.
func Upgrade(c net.Conn, opts *AcceptOptions) (*Endpoint, error) {
	if opts == nil {
		opts = &AcceptOptions{}
	}
	if err := checkOutputsUnset(&opts.Options, "AcceptOptions", "ServerOptions.Subprotocols"); err != nil {
		c.Close()
		return nil, err
	}
	timeout := opts.HandshakeTimeout
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	c.SetDeadline(time.Now().Add(timeout))
	br := headPool.Get().(*bufio.Reader)
	br.Reset(c)
	ep, err := upgrade(c, br, opts)
	br.Reset(nil)
	headPool.Put(br)
	if err != nil {
		c.Close()
		return nil, err
	}
	return ep, nil
}

// upgrade is Upgrade with the request read through br, which it leaves
// empty: the bytes after the request go to the Endpoint.
func upgrade(c net.Conn, br *bufio.Reader, opts *AcceptOptions) (*Endpoint, error) {
	// Without a ResponseHeader hook no code but ours sees the request, so
	// it comes from a pool and goes back (handshake.ReadRequestInto): an
	// upgrade then leaves about 1 KB less to the collector.
	hook := opts.ResponseHeader != nil
	var r *http.Request
	if hook {
		r = new(http.Request)
	} else {
		r = reqPool.Get().(*http.Request)
		defer func() {
			h := r.Header
			*r = http.Request{Header: h}
			reqPool.Put(r)
		}()
	}
	if err := handshake.ReadRequestInto(br, r); err != nil {
		if !errors.Is(err, net.ErrClosed) && !isTimeout(err) && err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) {
			handshake.WriteError(c, err)
		}
		return nil, err
	}
	if hook {
		r.RemoteAddr = c.RemoteAddr().String()
	}
	offer, err := handshake.CheckRequest(r, &opts.ServerOptions)
	if err != nil {
		handshake.WriteError(c, err)
		return nil, err
	}
	protocol := handshake.ChooseSubprotocol(offer.Protocols, opts.Subprotocols)
	accepted, deflateParams := acceptDeflate(offer, &opts.Compression) // RFC 7692, conn/deflate.go
	hdr, err := handshake.Response(r, offer, protocol, accepted, &opts.ServerOptions)
	if err != nil {
		handshake.WriteError(c, err)
		return nil, err
	}
	b := getBuf()
	resp, err := handshake.AppendResponse((*b)[:0], hdr)
	if err == nil {
		_, err = c.Write(resp)
	}
	putBuf(b)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Time{})
	var buffered []byte
	if n := br.Buffered(); n > 0 {
		buffered, _ = br.Peek(n)
	}
	o := opts.Options
	o.Subprotocol = protocol
	o.Compression.Negotiated = deflateParams
	return NewEndpoint(c, buffered, Server, &o), nil
}
