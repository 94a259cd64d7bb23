package demo

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
)

// maxCapture bounds the bytes a wireConn keeps of one request (the rest is
// still counted, just not kept).
const maxCapture = 16 << 10

// A wireConn is a net.Conn that counts every byte read from and written to
// the socket, so that the food-order figures include HTTP request lines,
// headers and WebSocket framing, exactly as they crossed the wire. After a
// WebSocket upgrade, net/http hands this same value to conn.Accept (Hijack
// returns the connection it was given), so frames are counted too.
type wireConn struct {
	net.Conn
	in, out atomic.Int64

	mu   sync.Mutex
	mark int64                           // in at the start of the previous request
	head []byte                          // bytes read since mark, up to maxCapture
	tap  func(fromClient bool, p []byte) // sees every byte once set (WebSocket trace)
}

func (wc *wireConn) Read(p []byte) (int, error) {
	n, err := wc.Conn.Read(p)
	if n > 0 {
		wc.in.Add(int64(n))
		wc.mu.Lock()
		if len(wc.head) < maxCapture {
			wc.head = append(wc.head, p[:min(n, maxCapture-len(wc.head))]...)
		}
		tap := wc.tap
		wc.mu.Unlock()
		if tap != nil {
			tap(true, p[:n])
		}
	}
	return n, err
}

func (wc *wireConn) Write(p []byte) (int, error) {
	wc.mu.Lock()
	tap := wc.tap
	wc.mu.Unlock()
	n, err := wc.Conn.Write(p)
	if n > 0 {
		wc.out.Add(int64(n))
		if tap != nil {
			tap(false, p[:n])
		}
	}
	return n, err
}

// startRequest is called when a handler starts. Browsers do not pipeline
// HTTP/1.1 requests, so the bytes read since the previous request started are
// this request: its line, headers and (small) body. It returns their count and
// the first maxCapture of them.
func (wc *wireConn) startRequest() (n int64, raw []byte) {
	wc.mu.Lock()
	defer wc.mu.Unlock()
	in := wc.in.Load()
	n, raw = in-wc.mark, wc.head
	wc.mark, wc.head = in, nil
	return n, raw
}

// setTap installs f to see every byte read or written from now on.
func (wc *wireConn) setTap(f func(fromClient bool, p []byte)) {
	wc.mu.Lock()
	wc.tap = f
	wc.mu.Unlock()
}

// wireListener wraps every accepted connection in a wireConn.
type wireListener struct{ net.Listener }

func (l wireListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &wireConn{Conn: c}, nil
}

type wireKey struct{}

// withWire is the http.Server's ConnContext: handlers find their wireConn in
// the request's context.
func withWire(ctx context.Context, c net.Conn) context.Context {
	if wc, ok := c.(*wireConn); ok {
		return context.WithValue(ctx, wireKey{}, wc)
	}
	return ctx
}

func wireFrom(ctx context.Context) *wireConn {
	wc, _ := ctx.Value(wireKey{}).(*wireConn)
	return wc
}
