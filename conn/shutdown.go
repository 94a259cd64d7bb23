package conn

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// A Group is a set of open Endpoints that are closed together: the
// registry a server needs to shut down gracefully. http.Server.Shutdown
// does not see hijacked connections, so it neither closes WebSocket
// connections nor waits for them; Group.Shutdown closes every Endpoint of
// the group with a status code, CloseGoingAway (1001) for a server going
// down (RFC 6455, Section 7.4.1), and waits for them up to a context's
// deadline. ShutdownServer does both.
//
// Endpoints join with Accept (conn.Accept, then Track) or Track (those
// from Dial or NewEndpoint), and leave when their TCP connection closes,
// however it closes.
//
// A Group costs one pointer per Endpoint and nothing else: no goroutine
// and no timer per connection. An Endpoint does not tell the Group when it
// closes; the Group finds closed Endpoints when it looks at them: each
// Track looks at a few (sweepPerTrack), Len and Shutdown at all. Until
// then a closed Endpoint stays reachable from the Group, with what it
// holds: while connections come and go at a steady rate, closed ones
// number under a third of the open ones; after a burst of closes, they
// stay until the next Track, Len or Shutdown.
//
// The zero value is an empty Group ready to use. A Group must not be
// copied after first use. Its methods may be called from any goroutine.
type Group struct {
	mu     sync.Mutex
	eps    []*Endpoint // open Endpoints, and closed ones not swept yet
	next   int         // where Track's partial sweep resumes in eps
	down   bool        // Shutdown has begun
	code   frame.CloseCode
	reason string // Shutdown's code and reason, for Endpoints tracked later
}

// sweepPerTrack is how many entries each Track checks for closed
// Endpoints. In a steady churn (one close per Track) a full pass over n
// entries takes n/sweepPerTrack Tracks, so closed entries number about
// open/(sweepPerTrack-1).
const sweepPerTrack = 4

var (
	// ErrShutdown is the error of Track, and of Group.Accept (wrapped with
	// a *handshake.Error), once Shutdown has begun.
	ErrShutdown = errors.New("conn: group is shutting down")

	// errUpgradeRefused is Group.Accept's answer once Shutdown has begun.
	// RFC 6455 lets a server refuse an upgrade with any HTTP status
	// (Section 4.2.2); 503 says the refusal is temporary (RFC 9110,
	// Section 15.6.4). handshake.ServeError adds Connection: close.
	errUpgradeRefused = &handshake.Error{Status: http.StatusServiceUnavailable,
		Reason: "upgrade refused: the server is shutting down"}
)

// Accept is conn.Accept followed by Track. Once Shutdown has begun it
// refuses the upgrade with 503 Service Unavailable and Connection: close,
// and returns an error matching both ErrShutdown (errors.Is) and a
// *handshake.Error (errors.As); the handler should just return. An upgrade
// that was already under way when Shutdown began is completed, then closed
// as Track closes late Endpoints, and Accept returns ErrShutdown.
func (g *Group) Accept(w http.ResponseWriter, r *http.Request, opts *AcceptOptions) (*Endpoint, error) {
	g.mu.Lock()
	down := g.down
	g.mu.Unlock()
	if down {
		handshake.ServeError(w, errUpgradeRefused)
		return nil, fmt.Errorf("%w: %w", ErrShutdown, errUpgradeRefused)
	}
	ep, err := Accept(w, r, opts)
	if err != nil {
		return nil, err
	}
	if err := g.Track(ep); err != nil {
		return nil, err
	}
	return ep, nil
}

// Track adds ep to the group, so that Shutdown closes it; it leaves the
// group when it closes. Track an Endpoint once, and not one that
// Group.Accept returned. It also checks a few entries and drops those
// that have closed.
//
// Once Shutdown has begun, Track closes ep as Shutdown does (Close with
// Shutdown's code and reason, which returns within Options.CloseTimeout)
// and returns ErrShutdown; a Shutdown still waiting waits for it too.
func (g *Group) Track(ep *Endpoint) error {
	g.mu.Lock()
	g.sweepSomeLocked(sweepPerTrack)
	g.eps = append(g.eps, ep)
	down, code, reason := g.down, g.code, g.reason
	g.mu.Unlock()
	if down {
		ep.Close(code, reason)
		return ErrShutdown
	}
	return nil
}

// Len reports how many Endpoints of the group are open (including those
// being closed). It checks every entry, dropping those that have closed.
func (g *Group) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sweepLocked()
	return len(g.eps)
}

// Shutdown closes every Endpoint of the group at once, each with
// Endpoint.Close(code, reason) in a goroutine of its own, so that each
// sends its Close frame and gets the peer's within its own
// Options.CloseTimeout. Use CloseGoingAway (1001) with a short reason for
// a server going down (RFC 6455, Section 7.4.1); code and reason are
// checked as by Close, and an invalid one is an error that closes nothing.
// From the moment Shutdown begins, Group.Accept refuses upgrades and Track
// closes what it is given.
//
// Shutdown returns nil once every Endpoint is closed, Endpoints tracked
// during Shutdown included. If ctx ends first, it cuts those still open
// (TCP closed at once; their reads return a CloseError with code 1006 and
// Err ctx.Err()), waits for its goroutines, which then return at once, and
// returns ctx.Err(). Shutdown may be called again, to wait again; code and
// reason of the first call are those used for late Endpoints.
func (g *Group) Shutdown(ctx context.Context, code frame.CloseCode, reason string) error {
	if err := checkClose(code, reason); err != nil {
		return err
	}
	eps := g.begin(code, reason)
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, ep := range eps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ep.Close(code, reason)
		}()
	}
	// Wait for those, then for any tracked meanwhile (closed by Track).
	for len(eps) > 0 {
		for _, ep := range eps {
			select {
			case <-ep.done:
			case <-ctx.Done():
				return g.cut(ctx.Err())
			}
		}
		eps = g.open()
	}
	return nil
}

// ShutdownServer shuts srv and the group down together: it calls
// srv.Shutdown(ctx), which closes the listeners and waits for the requests
// in flight (handshakes included), and g.Shutdown(ctx, code, reason) at
// the same time, and returns when both have. Upgrades are refused from the
// start, so a handshake in flight when it is called gets 503 rather than a
// connection closed at once. It returns srv.Shutdown's error, or else
// Group.Shutdown's; if ctx ended first, that is ctx.Err(), and, as after
// http.Server.Shutdown, HTTP connections still busy are left open: call
// srv.Close. The WebSocket connections of the group are closed by then.
//
// If srv.Shutdown is called elsewhere (a framework's own signal handling),
// register Group.Shutdown instead, and wait for it before exiting, as
// srv.Shutdown does not wait for the functions it starts:
//
//	done := make(chan struct{})
//	srv.RegisterOnShutdown(func() {
//		defer close(done)
//		g.Shutdown(ctx, conn.CloseGoingAway, "server shutting down")
//	})
//	// ... srv.Shutdown(ctx) is called, then:
//	<-done
func (g *Group) ShutdownServer(ctx context.Context, srv *http.Server, code frame.CloseCode, reason string) error {
	if err := checkClose(code, reason); err != nil {
		return err
	}
	g.begin(code, reason) // refuse upgrades before srv.Shutdown starts
	gerr := make(chan error, 1)
	go func() { gerr <- g.Shutdown(ctx, code, reason) }()
	err := srv.Shutdown(ctx)
	if e := <-gerr; err == nil {
		err = e
	}
	return err
}

// checkClose checks code and reason as Close does.
func checkClose(code frame.CloseCode, reason string) error {
	var b [125]byte
	_, err := frame.AppendClosePayload(b[:0], frame.ClosePayload{Code: code, Reason: reason})
	return err
}

// begin marks the group as shutting down, keeping the first code and
// reason, and returns the Endpoints still open.
func (g *Group) begin(code frame.CloseCode, reason string) []*Endpoint {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.down {
		g.down, g.code, g.reason = true, code, reason
	}
	g.sweepLocked()
	return append([]*Endpoint(nil), g.eps...)
}

// open returns the Endpoints still open.
func (g *Group) open() []*Endpoint {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sweepLocked()
	return append([]*Endpoint(nil), g.eps...)
}

// cut closes TCP under every Endpoint still open, for Shutdown whose
// context ended, and returns err; with none left open it returns nil.
func (g *Group) cut(err error) error {
	eps := g.open()
	if len(eps) == 0 {
		return nil
	}
	for _, ep := range eps {
		ep.closeConn(&CloseError{Code: frame.CloseAbnormal, Reason: err.Error(), Err: err})
	}
	g.mu.Lock()
	g.sweepLocked()
	g.mu.Unlock()
	return err
}

// isClosed reports whether ep's TCP connection is closed (or closing).
func isClosed(ep *Endpoint) bool { return ep.closeErr.Load() != nil }

// sweepSomeLocked checks up to n entries from where the last partial
// sweep stopped, dropping closed ones. g.mu held.
func (g *Group) sweepSomeLocked(n int) {
	for ; n > 0 && len(g.eps) > 0; n-- {
		if g.next >= len(g.eps) {
			g.next = 0
		}
		if isClosed(g.eps[g.next]) {
			last := len(g.eps) - 1
			g.eps[g.next] = g.eps[last] // checked on the next step
			g.eps[last] = nil
			g.eps = g.eps[:last]
		} else {
			g.next++
		}
	}
}

// sweepLocked drops every closed entry, and gives memory back when the
// group has shrunk to a quarter of its capacity. g.mu held.
func (g *Group) sweepLocked() {
	eps := g.eps[:0]
	for _, ep := range g.eps {
		if !isClosed(ep) {
			eps = append(eps, ep)
		}
	}
	clear(g.eps[len(eps):])
	if cap(eps) > 64 && len(eps) < cap(eps)/4 {
		eps = append(make([]*Endpoint, 0, 2*len(eps)), eps...)
	}
	g.eps, g.next = eps, 0
}
