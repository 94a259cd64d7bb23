package conn

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
	"github.com/rfc6455/ws/internal/deflate"
)

// benchConn is a net.Conn that discards writes (counting them) and serves
// reads from a repeating script.
type benchConn struct {
	written int64
	script  []byte
	pos     int
	closed  chan struct{} // with no script, Read blocks until Close
	expired bool          // a read deadline was set: reads fail (ends linger after a failure)
}

func (c *benchConn) Write(p []byte) (int, error) { c.written += int64(len(p)); return len(p), nil }
func (c *benchConn) Read(p []byte) (int, error) {
	if c.expired {
		return 0, os.ErrDeadlineExceeded
	}
	if len(c.script) == 0 {
		<-c.closed
		return 0, io.EOF
	}
	n := copy(p, c.script[c.pos:])
	c.pos = (c.pos + n) % len(c.script)
	return n, nil
}
func (c *benchConn) Close() error {
	if c.closed != nil {
		select {
		case <-c.closed:
		default:
			close(c.closed)
		}
	}
	return nil
}
func (c *benchConn) LocalAddr() net.Addr               { return &net.TCPAddr{} }
func (c *benchConn) RemoteAddr() net.Addr              { return &net.TCPAddr{} }
func (c *benchConn) SetDeadline(time.Time) error       { return nil }
func (c *benchConn) SetReadDeadline(t time.Time) error { c.expired = !t.IsZero(); return nil }
func (c *benchConn) SetWriteDeadline(time.Time) error  { return nil }

var deflateBenchSizes = []int{1 << 10, 64 << 10, 1 << 20}

// benchText is 4 MiB of text; message i of a benchmark is its i-th slice,
// so messages differ (with context takeover, repeating one message would
// compress it to a back-reference).
var benchText = wsText(rand.New(rand.NewPCG(9, 9)), 4<<20)

func benchMsg(i, n int) []byte {
	off := (i * n) % (len(benchText) - n + 1)
	return benchText[off : off+n]
}

// BenchmarkDeflateWriteMessage: a server writes compressed text messages
// (context takeover, 15-bit window), beside compress/flate used directly on
// the same data. ratio = payload bytes / bytes on the wire.
func BenchmarkDeflateWriteMessage(b *testing.B) {
	for _, n := range deflateBenchSizes {
		b.Run("conn/"+strconv.Itoa(n), func(b *testing.B) {
			c := &benchConn{closed: make(chan struct{})}
			ep := NewEndpoint(c, nil, Server, &Options{Compression: Compression{Negotiated: &handshake.DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}}})
			defer ep.closeConn(&CloseError{Code: frame.CloseAbnormal})
			b.SetBytes(int64(n))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := ep.WriteMessage(frame.OpBinary, benchMsg(i, n)); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(n)*float64(b.N)/float64(c.written), "ratio")
		})
		b.Run("flate/"+strconv.Itoa(n), func(b *testing.B) {
			var out benchConn
			fw, _ := flate.NewWriter(&out, flate.DefaultCompression)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				fw.Write(benchMsg(i, n))
				fw.Flush()
				out.written -= 4 // the 00 00 ff ff RFC 7692 strips
				i++
			}
			b.ReportMetric(float64(n)*float64(b.N)/float64(out.written), "ratio")
		})
	}
}

// BenchmarkDeflateReadMessage: a server reads compressed text messages
// (no context takeover, so the same frame can be served again and again)
// into a reused buffer, UTF-8 checked, beside compress/flate inflating the
// same payload directly.
func BenchmarkDeflateReadMessage(b *testing.B) {
	for _, n := range deflateBenchSizes {
		msg := wsText(rand.New(rand.NewPCG(9, uint64(n))), n) // whole characters: it is a text message
		comp := compress(b, msg)
		b.Run("conn/"+strconv.Itoa(n), func(b *testing.B) {
			c := &benchConn{script: clientFrame(0xc1, comp)}
			ep := NewEndpoint(c, nil, Server, &Options{ReadLimit: 2 << 20, Compression: Compression{Negotiated: &handshake.DeflateParams{
				ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}}})
			defer ep.closeConn(&CloseError{Code: frame.CloseAbnormal})
			var buf []byte
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				_, p, err := ep.ReadMessage(buf)
				if err != nil || len(p) != n {
					b.Fatal(len(p), err)
				}
				buf = p
			}
			b.ReportMetric(float64(n)/float64(len(comp)), "ratio")
		})
		b.Run("flate/"+strconv.Itoa(n), func(b *testing.B) {
			full := append(append([]byte(nil), comp...), 0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff)
			src := bytes.NewReader(full)
			fr := flate.NewReader(src)
			buf := make([]byte, n+512)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				src.Reset(full)
				fr.(flate.Resetter).Reset(src, nil)
				if _, err := io.ReadFull(fr, buf[:n]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/float64(len(comp)), "ratio")
		})
	}
}

// BenchmarkTinyMessageRead reads 20-byte messages from memory: plain
// frames, and compressed frames with and without context takeover (issue
// 11 item 10: with takeover each message cost about 33 µs against 0.25 µs
// plain, because the inflater's history was copied and reversed byte by
// byte per message). The script is 4096 distinct messages, compressed as
// one stream, served again and again: with takeover the repeated stream
// refers back into history that differs from the writer's, which costs
// the same to decode (binary, so its bytes are not checked).
func BenchmarkTinyMessageRead(b *testing.B) {
	const n = 20
	for _, mode := range []string{"plain", "deflate-takeover", "deflate-no-takeover"} {
		b.Run(mode, func(b *testing.B) {
			takeover := mode == "deflate-takeover"
			var w *deflate.Writer
			if mode != "plain" {
				w, _ = deflate.NewWriter(15, takeover)
			}
			var script []byte
			for i := range 4096 {
				msg := []byte(fmt.Sprintf(`{"seq":%08d,"v":1}`, i))[:n]
				if w == nil {
					script = append(script, clientFrame(0x82, msg)...)
					continue
				}
				var z bytes.Buffer
				w.Start(&z)
				w.Write(msg)
				w.Close()
				script = append(script, clientFrame(0xc2, z.Bytes())...)
			}
			opts := &Options{}
			if w != nil {
				opts.Compression.Negotiated = &handshake.DeflateParams{ClientNoContextTakeover: !takeover, ServerNoContextTakeover: !takeover}
			}
			ep := NewEndpoint(&benchConn{script: script}, nil, Server, opts)
			defer ep.closeConn(&CloseError{Code: frame.CloseAbnormal})
			var buf []byte
			b.SetBytes(n)
			b.ReportAllocs()
			for b.Loop() {
				_, p, err := ep.ReadMessage(buf)
				if err != nil || len(p) != n {
					b.Fatal(len(p), err)
				}
				buf = p
			}
		})
	}
}
