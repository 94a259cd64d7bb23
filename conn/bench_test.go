package conn

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/rfc6455/ws/frame"
)

// benchSizes are the message sizes of issue 4's targets.
var benchSizes = []int{16, 1 << 10, 64 << 10, 1 << 20}

// BenchmarkEcho measures a round trip over loopback TCP: the client sends
// a message, the server echoes it, the client reads it back. "tcp" is the
// same exchange with no WebSocket framing at all, the upper limit; "ws"
// uses WriteMessage and ReadMessage into reused buffers on both ends;
// "stream" uses NextWriter and NextReader. allocs/op covers both ends.
func BenchmarkEcho(b *testing.B) {
	for _, n := range benchSizes {
		msg := bytes.Repeat([]byte("a"), n)
		b.Run("tcp/"+strconv.Itoa(n), func(b *testing.B) {
			sc, cc := tcpPair(b)
			go func() {
				buf := make([]byte, n)
				for {
					if _, err := io.ReadFull(sc, buf); err != nil {
						return
					}
					if _, err := sc.Write(buf); err != nil {
						return
					}
				}
			}()
			buf := make([]byte, n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cc.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(cc, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("ws/"+strconv.Itoa(n), func(b *testing.B) {
			server, client := benchPair(b)
			go echoLoop(server)
			var buf []byte
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if err := client.WriteMessage(frame.OpBinary, msg); err != nil {
					b.Fatal(err)
				}
				var err error
				if _, buf, err = client.ReadMessage(buf); err != nil || len(buf) != n {
					b.Fatal(err)
				}
			}
		})
		b.Run("stream/"+strconv.Itoa(n), func(b *testing.B) {
			server, client := benchPair(b)
			go func() {
				buf := make([]byte, 32<<10)
				for {
					op, r, err := server.NextReader()
					if err != nil {
						return
					}
					w, _ := server.NextWriter(op)
					for {
						k, err := r.Read(buf)
						w.Write(buf[:k])
						if err == io.EOF {
							break
						}
						if err != nil {
							return
						}
					}
					w.Close()
				}
			}()
			buf := make([]byte, 32<<10)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				w, _ := client.NextWriter(frame.OpBinary)
				w.Write(msg)
				w.Close()
				_, r, err := client.NextReader()
				if err != nil {
					b.Fatal(err)
				}
				got := 0
				for {
					k, err := r.Read(buf)
					got += k
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				if got != n {
					b.Fatalf("got %d bytes", got)
				}
			}
		})
	}
}

func benchPair(b *testing.B) (server, client *Endpoint) {
	sc, cc := tcpPair(b)
	server = NewEndpoint(sc, nil, Server, &Options{ReadLimit: -1})
	client = NewEndpoint(cc, nil, Client, &Options{ReadLimit: -1})
	b.Cleanup(func() { client.c.Close() })
	return server, client
}

// BenchmarkReadMessage reads pre-encoded client frames from memory: the
// read path alone (parse, unmask, UTF-8 for text), 0 allocs/op.
func BenchmarkReadMessage(b *testing.B) {
	for _, n := range benchSizes {
		for _, op := range []frame.Opcode{frame.OpBinary, frame.OpText} {
			f := clientFrame(0x80|byte(op), bytes.Repeat([]byte("a"), n))
			b.Run(op.String()+"/"+strconv.Itoa(n), func(b *testing.B) {
				r := &loopConn{frame: f}
				ep := NewEndpoint(r, nil, Server, &Options{ReadLimit: -1})
				var buf []byte
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					var err error
					if _, buf, err = ep.ReadMessage(buf); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkWriteMessage writes to a connection that discards: the write
// path alone (header, masking for a client, one write), 0 allocs/op.
func BenchmarkWriteMessage(b *testing.B) {
	for _, n := range benchSizes {
		for _, role := range []Role{Server, Client} {
			msg := bytes.Repeat([]byte("a"), n)
			b.Run(role.String()+"/"+strconv.Itoa(n), func(b *testing.B) {
				ep := NewEndpoint(&loopConn{}, nil, role, nil)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					if err := ep.WriteMessage(frame.OpBinary, msg); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// loopConn is a net.Conn whose reads return frame over and over (or
// block forever if frame is empty) and whose writes are discarded.
type loopConn struct {
	frame []byte
	off   int
}

func (c *loopConn) Read(p []byte) (int, error) {
	if len(c.frame) == 0 {
		select {} // an idle peer
	}
	n := copy(p, c.frame[c.off:])
	c.off = (c.off + n) % len(c.frame)
	return n, nil
}
func (c *loopConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *loopConn) Close() error                     { return nil }
func (c *loopConn) LocalAddr() net.Addr              { return nil }
func (c *loopConn) RemoteAddr() net.Addr             { return nil }
func (c *loopConn) SetDeadline(time.Time) error      { return nil }
func (c *loopConn) SetWriteDeadline(time.Time) error { return nil }
func (c *loopConn) SetReadDeadline(time.Time) error  { return nil }

// BenchmarkPipelined measures a server answering pipelined small messages:
// the client writes a burst of 100 pre-masked 16-byte frames in one write
// and reads the 100 echoes. With coalescing the server's replies leave in a
// few writes instead of 100.
func BenchmarkPipelined(b *testing.B) {
	const burst = 100
	sc, cc := tcpPair(b)
	server := NewEndpoint(sc, nil, Server, nil)
	go echoLoop(server)
	var frames []byte
	for range burst {
		frames = append(frames, clientFrame(0x82, bytes.Repeat([]byte("p"), 16))...)
	}
	reply := make([]byte, burst*(2+16))
	b.SetBytes(burst * 16)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cc.Write(frames); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(cc, reply); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*burst)/b.Elapsed().Seconds(), "msg/s")
}

// BenchmarkHandshake measures whole upgrades over loopback TCP, as a
// client that loops dial, handshake, close sees them: "net/http" is Accept
// in an http.Server handler that hands the Endpoint to a goroutine of its
// own (internal/echo's pattern), "raw" is RawServer. The client is raw
// TCP with a fixed request, and its own allocations (about 12 per
// connection: dial and a small reader) are in allocs/op.
func BenchmarkHandshake(b *testing.B) {
	serveEcho := func(ep *Endpoint) {
		var buf []byte
		for {
			_, p, err := ep.ReadMessage(buf)
			if err != nil {
				return
			}
			buf = p
		}
	}
	run := func(b *testing.B, addr string) {
		req := []byte("GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
		resp := make([]byte, 512)
		b.ReportAllocs()
		for b.Loop() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.Write(req); err != nil {
				b.Fatal(err)
			}
			if n, err := c.Read(resp); err != nil || !bytes.HasPrefix(resp[:n], []byte("HTTP/1.1 101 ")) {
				b.Fatalf("response %q, %v", resp[:n], err)
			}
			c.Close()
		}
	}
	b.Run("net/http", func(b *testing.B) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ep, err := Accept(w, r, nil); err == nil {
				go serveEcho(ep)
			}
		})}
		go srv.Serve(ln)
		defer srv.Close()
		run(b, ln.Addr().String())
	})
	b.Run("raw", func(b *testing.B) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer ln.Close()
		go Serve(ln, serveEcho, nil)
		run(b, ln.Addr().String())
	})
}
