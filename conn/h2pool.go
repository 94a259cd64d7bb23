package conn

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// An HTTP2Pool lets several Dials to the same origin share one HTTP/2
// connection, each WebSocket on its own stream (RFC 8441, RFC 9113,
// Section 5): the second WebSocket costs one round trip (the extended
// CONNECT), not a TCP and TLS handshake. Set DialOptions.Pool to use it.
//
// Connections are keyed by scheme, host and port, TLS configuration
// (the *tls.Config pointer) and proxy. A connection takes new WebSockets
// while it stays within the server's SETTINGS_MAX_CONCURRENT_STREAMS; past
// it, Dial opens another connection. A connection that received GOAWAY or
// failed is dropped from the pool (its open WebSockets run on); one left
// without WebSockets is closed after IdleTimeout.
//
// Servers that do not speak HTTP/2 with extended CONNECT are not pooled:
// such Dials fall back to HTTP/1.1 as without a pool (in HTTPAuto mode).
// The pool remembers, for IdleTimeout, an origin that selected h2 without
// enabling extended CONNECT, so that later HTTPAuto Dials go straight to
// HTTP/1.1 instead of opening an HTTP/2 connection first each time.
//
// The zero value is ready to use. An HTTP2Pool is safe for concurrent use.
type HTTP2Pool struct {
	// IdleTimeout is how long a connection with no WebSocket stays open.
	// 0 means DefaultHTTP2IdleTimeout.
	IdleTimeout time.Duration

	mu      sync.Mutex
	conns   map[string][]*h2Client
	dialing map[string]chan struct{} // closed when a connection's dial for the key ends
	noH2    map[string]time.Time     // origins without extended CONNECT, until when
	closed  bool
}

// errPoolClosed is returned by Dial with a closed pool.
var errPoolClosed = errors.New("conn: HTTP2Pool is closed")

func (p *HTTP2Pool) idleTimeout() time.Duration {
	if p.IdleTimeout > 0 {
		return p.IdleTimeout
	}
	return DefaultHTTP2IdleTimeout
}

// Close closes the pool's idle connections and stops pooling: a
// connection still carrying WebSockets closes after its last one, and
// later Dials with the pool fail. It returns nil.
func (p *HTTP2Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	var all []*h2Client
	for _, cs := range p.conns {
		all = append(all, cs...)
	}
	p.conns = nil
	p.mu.Unlock()
	for _, c := range all {
		c.mu.Lock()
		c.pool = nil
		c.goaway = true // no new streams; closes after the last one
		c.mu.Unlock()
		c.maybeIdle()
	}
	return nil
}

// remove drops c from the pool.
func (p *HTTP2Pool) remove(c *h2Client) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for key, cs := range p.conns {
		for i, x := range cs {
			if x == c {
				cs = append(cs[:i:i], cs[i+1:]...)
				if len(cs) == 0 {
					delete(p.conns, key)
				} else {
					p.conns[key] = cs
				}
				return
			}
		}
	}
}

// get returns a pooled connection for key with a stream slot reserved, or
// dials one with dial. Concurrent Dials for a key wait for one dial in
// progress rather than each opening a connection. dial returns either an
// HTTP/2 connection with extended CONNECT, or (for a fallback) a nil
// connection with an HTTP/1.1 connection to use or a nil one, and
// errNoH2.
//
// In HTTPAuto mode (force false), an origin remembered as lacking
// extended CONNECT gets errNoH2 at once.
func (p *HTTP2Pool) get(ctx context.Context, key string, force bool, dial func(context.Context) (*h2Client, net.Conn, error)) (*h2Client, net.Conn, error) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, nil, errPoolClosed
		}
		if until, ok := p.noH2[key]; ok && !force {
			if time.Now().Before(until) {
				p.mu.Unlock()
				return nil, nil, errNoH2
			}
			delete(p.noH2, key)
		}
		for _, c := range p.conns[key] {
			if c.reserve() {
				p.mu.Unlock()
				return c, nil, nil
			}
		}
		if ch := p.dialing[key]; ch != nil {
			p.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
		}
		ch := make(chan struct{})
		if p.dialing == nil {
			p.dialing = make(map[string]chan struct{})
		}
		p.dialing[key] = ch
		p.mu.Unlock()

		c, spare, err := dial(ctx)

		p.mu.Lock()
		delete(p.dialing, key)
		close(ch)
		if err == nil && !p.closed && c.reserve() {
			if p.conns == nil {
				p.conns = make(map[string][]*h2Client)
			}
			p.conns[key] = append(p.conns[key], c)
			c.mu.Lock()
			c.pool = p
			c.mu.Unlock()
			p.mu.Unlock()
			return c, nil, nil
		}
		if errors.Is(err, errNoH2) && spare == nil {
			// h2 without extended CONNECT: remember it for a while. Expired
			// origins go now, so that a process dialing many origins does
			// not keep one entry for each forever.
			if p.noH2 == nil {
				p.noH2 = make(map[string]time.Time)
			}
			now := time.Now()
			for k, until := range p.noH2 {
				if now.After(until) {
					delete(p.noH2, k)
				}
			}
			p.noH2[key] = now.Add(p.idleTimeout())
		}
		closed := p.closed
		p.mu.Unlock()
		if err == nil {
			c.close()
			if closed {
				return nil, nil, errPoolClosed
			}
			return nil, nil, ErrHTTP2Closed
		}
		return nil, spare, err
	}
}
