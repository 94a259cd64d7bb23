package conn

import (
	"io"
	"net"
	"time"

	"github.com/rfc6455/ws/frame"
)

// NetConn returns a net.Conn that carries a byte stream over ep, for code
// that wants a plain connection:
//
//   - Write sends each call's bytes as one data message of type op
//     (frame.OpBinary or frame.OpText); an empty Write sends nothing.
//   - Read returns the payload of the messages received, one after another,
//     with message boundaries dropped; it returns io.EOF once the peer
//     closes with 1000 (normal) or 1001 (going away), and the CloseError
//     otherwise.
//   - Close runs ep.Close(frame.CloseNormal, "").
//   - The deadlines are ep's, so a Read or Write that times out returns an
//     error whose Timeout method reports true; a timed-out Read can be
//     retried, a timed-out Write has failed the connection.
//
// Use one NetConn per Endpoint, and do not read from ep directly while it
// is in use.
func (ep *Endpoint) NetConn(op frame.Opcode) net.Conn {
	return &netConn{ep: ep, op: op}
}

type netConn struct {
	ep *Endpoint
	op frame.Opcode
	r  io.Reader // current message, or nil
}

func (c *netConn) Read(p []byte) (int, error) {
	for {
		if c.r == nil {
			_, r, err := c.ep.NextReader()
			if err != nil {
				if code := CloseStatus(err); code == frame.CloseNormal || code == frame.CloseGoingAway {
					if ce, ok := err.(CloseError); ok && ce.Err == nil {
						return 0, io.EOF
					}
				}
				return 0, err
			}
			c.r = r
		}
		n, err := c.r.Read(p)
		if err == io.EOF {
			c.r = nil
			if n > 0 || len(p) == 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

func (c *netConn) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if err := c.ep.WriteMessage(c.op, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (c *netConn) Close() error                       { return c.ep.Close(frame.CloseNormal, "") }
func (c *netConn) LocalAddr() net.Addr                { return c.ep.LocalAddr() }
func (c *netConn) RemoteAddr() net.Addr               { return c.ep.RemoteAddr() }
func (c *netConn) SetDeadline(t time.Time) error      { return c.ep.SetDeadline(t) }
func (c *netConn) SetReadDeadline(t time.Time) error  { return c.ep.SetReadDeadline(t) }
func (c *netConn) SetWriteDeadline(t time.Time) error { return c.ep.SetWriteDeadline(t) }
