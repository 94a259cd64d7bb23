package bench

import (
	"context"
	"net"
	"sync/atomic"
)

// A Counter counts the bytes read and written through the connections it
// wraps, and how many connections it has wrapped. Its methods may be called
// concurrently; the zero value is ready to use.
type Counter struct {
	read, written, conns, writes atomic.Int64
}

// CounterSnapshot is the state of a Counter at one moment.
type CounterSnapshot struct {
	Read    int64 // bytes read through wrapped connections
	Written int64 // bytes written through wrapped connections
	Conns   int64 // connections wrapped
	Writes  int64 // successful Write calls (a rough count of TCP segments sent)
}

// Bytes returns the bytes counted in both directions.
func (s CounterSnapshot) Bytes() int64 { return s.Read + s.Written }

// Sub returns s minus t, field by field.
func (s CounterSnapshot) Sub(t CounterSnapshot) CounterSnapshot {
	return CounterSnapshot{s.Read - t.Read, s.Written - t.Written, s.Conns - t.Conns, s.Writes - t.Writes}
}

// Snapshot returns the counts so far.
func (c *Counter) Snapshot() CounterSnapshot {
	return CounterSnapshot{c.read.Load(), c.written.Load(), c.conns.Load(), c.writes.Load()}
}

// Conn wraps nc so that the bytes going through it are counted.
func (c *Counter) Conn(nc net.Conn) net.Conn {
	c.conns.Add(1)
	return &countedConn{Conn: nc, c: c}
}

// Listener wraps l so that every connection it accepts is counted.
func (c *Counter) Listener(l net.Listener) net.Listener {
	return &countedListener{Listener: l, c: c}
}

// DialContext returns a dial function, for http.Transport.DialContext and
// the like, that dials with d (a zero net.Dialer if nil) and counts the
// connections it returns.
func (c *Counter) DialContext(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if d == nil {
		d = &net.Dialer{}
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return c.Conn(nc), nil
	}
}

type countedConn struct {
	net.Conn
	c *Counter
}

func (cc *countedConn) Read(p []byte) (int, error) {
	n, err := cc.Conn.Read(p)
	cc.c.read.Add(int64(n))
	return n, err
}

func (cc *countedConn) Write(p []byte) (int, error) {
	n, err := cc.Conn.Write(p)
	cc.c.written.Add(int64(n))
	if n > 0 {
		cc.c.writes.Add(1)
	}
	return n, err
}

type countedListener struct {
	net.Listener
	c *Counter
}

func (cl *countedListener) Accept() (net.Conn, error) {
	nc, err := cl.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return cl.c.Conn(nc), nil
}
