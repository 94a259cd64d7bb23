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

// jsonMessages returns n distinct JSON-like text messages of about size
// bytes each: records with repeated keys and varying values, as a chat or
// market feed sends.
func jsonMessages(n, size int) [][]byte {
	rng := rand.New(rand.NewPCG(14, 14))
	words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"}
	msgs := make([][]byte, n)
	for i := range msgs {
		b := []byte(`{"items":[`)
		for j := 0; len(b) < size-80; j++ {
			if j > 0 {
				b = append(b, ',')
			}
			b = fmt.Appendf(b, `{"id":%d,"user":"%s%d","price":%d.%02d,"tags":["%s","%s"],"ok":%t}`,
				rng.IntN(1e6), words[rng.IntN(len(words))], rng.IntN(100), rng.IntN(1000), rng.IntN(100),
				words[rng.IntN(len(words))], words[rng.IntN(len(words))], rng.IntN(2) == 1)
		}
		b = fmt.Appendf(b, `],"seq":%d}`, i)
		msgs[i] = b
	}
	return msgs
}

// countConn counts the bytes written to a net.Conn.
type countConn struct {
	net.Conn
	n *int64
}

func (c countConn) Write(p []byte) (int, error) { *c.n += int64(len(p)); return c.Conn.Write(p) }

// BenchmarkDeflateEcho is a permessage-deflate echo of 1 KiB JSON-like
// text over loopback TCP (issue 14): the client writes a message, the
// server reads it and writes it back, the client reads the echo; both ends
// compress and inflate (RFC 7692), with context takeover (15-bit window)
// and without, beside plain framing and beside compress/flate doing the
// same two compressions and two inflations per message (its sync flush,
// the trailer removed as RFC 7692, Section 7.2.1 does; with no takeover, a
// Reset writer and reader per message). Reported: ns/op (one echo, CPU of
// both ends), wire-B/msg (client to server, header included), and
// B/conn, the live heap of one idle Endpoint after a 48 KiB message each
// way (idlePairs, deflate_mem_test.go: a takeover window is then full).
func BenchmarkDeflateEcho(b *testing.B) {
	msgs := jsonMessages(512, 1<<10)
	for _, mode := range []string{"plain", "takeover", "no-takeover"} {
		b.Run(mode, func(b *testing.B) {
			sc, cc := tcpPair(b)
			var wire int64
			cc = countConn{cc, &wire}
			so, co := &Options{}, &Options{}
			var agreed *handshake.DeflateParams
			if mode != "plain" {
				agreed = &handshake.DeflateParams{ServerNoContextTakeover: mode == "no-takeover", ClientNoContextTakeover: mode == "no-takeover"}
				so.Compression.Negotiated, co.Compression.Negotiated = agreed, agreed
			}
			perConn, _ := idlePairs(b, 50, agreed)
			server, client := NewEndpoint(sc, nil, Server, so), NewEndpoint(cc, nil, Client, co)
			defer client.Close(frame.CloseNormal, "")
			go echoLoop(server)
			var buf []byte
			b.SetBytes(1 << 10)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				msg := msgs[i%len(msgs)]
				i++
				if err := client.WriteMessage(frame.OpText, msg); err != nil {
					b.Fatal(err)
				}
				var err error
				if _, buf, err = client.ReadMessage(buf); err != nil || len(buf) != len(msg) {
					b.Fatal(len(buf), err)
				}
			}
			b.ReportMetric(float64(wire)/float64(i), "wire-B/msg")
			b.ReportMetric(perConn, "B/conn")
		})
	}
	for _, takeover := range []bool{true, false} {
		name := map[bool]string{true: "compress-flate/takeover", false: "compress-flate/no-takeover"}[takeover]
		b.Run(name, func(b *testing.B) {
			// Two streams, as the two directions of a connection.
			type dir struct {
				z   bytes.Buffer
				w   *flate.Writer
				src bytes.Reader
				r   io.ReadCloser
			}
			var ds [2]dir
			for k := range ds {
				ds[k].w, _ = flate.NewWriter(&ds[k].z, flate.DefaultCompression)
				ds[k].r = flate.NewReader(&ds[k].src)
			}
			out := make([]byte, 4<<10)
			var wire int64
			b.SetBytes(1 << 10)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				msg := msgs[i%len(msgs)]
				i++
				for k := range ds {
					d := &ds[k]
					d.z.Reset()
					if !takeover {
						d.w.Reset(&d.z)
					}
					d.w.Write(msg)
					d.w.Flush()
					c := d.z.Bytes()[:d.z.Len()-4] // RFC 7692, Section 7.2.1: drop 00 00 ff ff
					if k == 0 {
						wire += int64(len(c)) + 6 + 2 // masked client frame header
					}
					// The reader sees the stream again with the trailer.
					d.src.Reset(append(c, 0, 0, 0xff, 0xff))
					if !takeover {
						d.r.(flate.Resetter).Reset(&d.src, nil)
					}
					n, err := io.ReadAtLeast(d.r, out, len(msg))
					if n != len(msg) {
						b.Fatal(n, err)
					}
				}
			}
			b.ReportMetric(float64(wire)/float64(i), "wire-B/msg")
		})
	}
}
