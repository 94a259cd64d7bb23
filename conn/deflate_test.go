package conn

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
	"github.com/rfc6455/ws/internal/deflate"
)

// dialCompressed opens a client Endpoint to srv with Dial, offering
// permessage-deflate with c.
func dialCompressed(t testing.TB, srv *httptest.Server, c Compression) *Endpoint {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ep, _, err := Dial(ctx, "ws://"+srv.Listener.Addr().String()+"/", &DialOptions{Options: Options{ReadLimit: 4 << 20, Compression: c}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close(frame.CloseNormal, "") })
	return ep
}

// wsText returns n bytes of valid UTF-8 text that compresses like JSON.
func wsText(rng *rand.Rand, n int) []byte {
	words := []string{`{"id":`, `"name":"`, `Grüße`, `", `, `true}`, `[1,2,3]`, "\n", ` `, `日本語`}
	var b bytes.Buffer
	for b.Len() < n {
		if rng.IntN(6) == 0 {
			fmt.Fprintf(&b, "%d", rng.IntN(1e6))
		} else {
			b.WriteString(words[rng.IntN(len(words))])
		}
	}
	// Cut at n bytes, then back off to a code point boundary.
	p := b.Bytes()[:n]
	for len(p) > 0 && p[len(p)-1]&0xc0 == 0x80 || len(p) > 0 && p[len(p)-1] >= 0xc0 {
		p = p[:len(p)-1]
	}
	return append(p, bytes.Repeat([]byte{'x'}, n-len(p))...)
}

// TestDeflateEcho runs messages of 0 B to 1 MiB, text and binary, whole
// and streamed, through a compressing server and client, for takeover on
// and off and several windows on each side.
func TestDeflateEcho(t *testing.T) {
	t.Parallel()
	configs := []struct {
		name   string
		server Compression
		client Compression
		want   handshake.DeflateParams
	}{
		{"default", Compression{Enable: true}, Compression{Enable: true}, handshake.DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"no context takeover", Compression{Enable: true, ServerNoContextTakeover: true}, Compression{Enable: true, ClientNoContextTakeover: true},
			handshake.DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"small windows asked by the server", Compression{Enable: true, ServerMaxWindowBits: 9, ClientMaxWindowBits: 8}, Compression{Enable: true},
			handshake.DeflateParams{ServerMaxWindowBits: 9, ClientMaxWindowBits: 8}},
		{"small windows asked by the client", Compression{Enable: true}, Compression{Enable: true, ServerMaxWindowBits: 10, ClientMaxWindowBits: 11},
			handshake.DeflateParams{ServerMaxWindowBits: 10, ClientMaxWindowBits: 11}},
		{"compress everything", Compression{Enable: true, Threshold: -1}, Compression{Enable: true, Threshold: -1}, handshake.DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
	}
	for i, cfg := range configs {
		t.Run(cfg.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(7, uint64(i)))
			sizes := []int{0, 1, 63, 64, 125, 126, 1000, 16 << 10, 65535, 65536}
			if i == 0 {
				sizes = append(sizes, 200_000, 1<<20) // the large ones once: slow under -race
			}
			srv := serve(t, &AcceptOptions{Options: Options{ReadLimit: 4 << 20, Compression: cfg.server}}, func(ep *Endpoint) {
				if !ep.Compressed() {
					ep.Close(frame.CloseInternalError, "not compressed")
					return
				}
				echoLoop(ep)
			})
			ep := dialCompressed(t, srv, cfg.client)
			defer ep.Close(frame.CloseNormal, "")
			if !ep.Compressed() {
				t.Fatal("permessage-deflate not negotiated")
			}
			// The client compresses with the agreed window and takeover.
			if w := ep.dfl.w; w.WindowBits() != cfg.want.ClientMaxWindowBits || w.ContextTakeover() == cfg.want.ClientNoContextTakeover {
				t.Errorf("client compressor: %d bits, takeover %v; want %+v", w.WindowBits(), w.ContextTakeover(), cfg.want)
			}
			for _, n := range sizes {
				for _, op := range []frame.Opcode{frame.OpText, frame.OpBinary} {
					var msg []byte
					if op == frame.OpText {
						msg = wsText(rng, n)
					} else if n%2 == 0 {
						msg = wsText(rng, n) // compressible binary
					} else {
						msg = make([]byte, n)
						for i := range msg {
							msg[i] = byte(rng.Uint32())
						}
					}
					streamed := n%3 == 0
					if streamed {
						w, err := ep.NextWriter(op)
						if err != nil {
							t.Fatal(err)
						}
						for p := msg; len(p) > 0; {
							k := min(len(p), 1+rng.IntN(40000))
							if _, err := w.Write(p[:k]); err != nil {
								t.Fatal(err)
							}
							p = p[k:]
						}
						if err := w.Close(); err != nil {
							t.Fatal(err)
						}
					} else if err := ep.WriteMessage(op, msg); err != nil {
						t.Fatal(err)
					}
					var got []byte
					var gop frame.Opcode
					var err error
					if n%2 == 1 {
						var r io.Reader
						gop, r, err = ep.NextReader()
						if err == nil {
							got, err = io.ReadAll(r)
						}
					} else {
						gop, got, err = ep.ReadMessage(nil)
					}
					if err != nil || gop != op || !bytes.Equal(got, msg) {
						t.Fatalf("%d-byte %v message (streamed %v): got %v, %d bytes, %v", n, op, streamed, gop, len(got), err)
					}
				}
			}
		})
	}
}

// TestDeflateNegotiation checks what Accept answers and what ends up in
// effect on both sides.
func TestDeflateNegotiation(t *testing.T) {
	t.Parallel()
	// Server without compression: the offer is declined, RSV1 stays forbidden.
	srv := serve(t, nil, func(ep *Endpoint) { echoLoop(ep) })
	ep := dialCompressed(t, srv, Compression{Enable: true})
	if ep.Compressed() {
		t.Error("compression in effect with a server that has it off")
	}
	ep.Close(frame.CloseNormal, "")

	// Server with compression, client without: none.
	srv = serve(t, &AcceptOptions{Options: Options{Compression: Compression{Enable: true}}}, func(ep *Endpoint) { echoLoop(ep) })
	c, _, resp := rawDialHeader(t, srv, "", "")
	if h := resp.Header.Get("Sec-WebSocket-Extensions"); h != "" {
		t.Errorf("no offer, response extensions %q", h)
	}
	c.Close()
	// An invalid offer, then a valid one: the valid one is accepted (RFC 7692, Section 5).
	c, _, resp = rawDialHeader(t, srv, "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16, permessage-deflate; client_max_window_bits\r\n", "")
	if h := resp.Header.Get("Sec-WebSocket-Extensions"); h != "permessage-deflate" {
		t.Errorf("response extensions %q, want permessage-deflate", h)
	}
	c.Close()
}

// deflateClient opens a raw connection that negotiated permessage-deflate
// with default parameters.
func deflateClient(t *testing.T, opts *AcceptOptions) (net.Conn, *bufio.Reader, chan error) {
	t.Helper()
	errc := make(chan error, 1)
	if opts == nil {
		opts = &AcceptOptions{}
	}
	opts.Compression.Enable = true
	srv := serve(t, opts, func(ep *Endpoint) { errc <- echoLoop(ep) })
	c, br, resp := rawDialHeader(t, srv, "Sec-WebSocket-Extensions: permessage-deflate\r\n", "")
	if h := resp.Header.Get("Sec-WebSocket-Extensions"); h != "permessage-deflate" {
		t.Fatalf("response extensions %q", h)
	}
	return c, br, errc
}

func compress(t testing.TB, p []byte) []byte {
	t.Helper()
	w, _ := deflate.NewWriter(15, false)
	var b bytes.Buffer
	w.Start(&b)
	w.Write(p)
	w.Close()
	return b.Bytes()
}

// TestDeflateFailures sends compressed frames that break a rule and checks
// the close code the server sends.
func TestDeflateFailures(t *testing.T) {
	t.Parallel()
	hello := compress(t, []byte("Hello"))
	bomb := compress(t, make([]byte, 10<<20))
	badUTF8 := compress(t, append(bytes.Repeat([]byte("ok "), 1000), 0xed, 0xa0, 0x80))
	tests := []struct {
		name   string
		frames [][]byte
		limit  int64
		code   frame.CloseCode
	}{
		{"RSV1 on a continuation frame (RFC 7692, Section 6.1)", [][]byte{clientFrame(0x40|0x01, hello[:2]), clientFrame(0xc0, hello[2:])}, 0, frame.CloseProtocolError},
		{"RSV1 on a ping (RFC 7692, Section 6.1)", [][]byte{clientFrame(0xc0|0x09, nil)}, 0, frame.CloseProtocolError},
		{"RSV2 is still reserved (RFC 6455, Section 5.2)", [][]byte{clientFrame(0xa0|0x01, hello)}, 0, frame.CloseProtocolError},
		{"inflates past the read limit: 1009 (RFC 6455, Section 7.4.1)", [][]byte{clientFrame(0xc0|0x02, bomb)}, 1 << 20, frame.CloseMessageTooBig},
		{"inflated text is not UTF-8: 1007 (RFC 6455, Section 8.1)", [][]byte{clientFrame(0xc0|0x01, badUTF8)}, 0, frame.CloseInvalidPayload},
		{"not DEFLATE data: 1007", [][]byte{clientFrame(0xc0|0x02, []byte{0xff, 0xff, 0xff})}, 0, frame.CloseInvalidPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, br, errc := deflateClient(t, &AcceptOptions{Options: Options{ReadLimit: tt.limit}})
			for _, f := range tt.frames {
				c.Write(f)
			}
			b0, payload := readServerFrame(t, br)
			if frame.Opcode(b0&0x0f) != frame.OpClose || len(payload) < 2 {
				t.Fatalf("got frame %#x % x, want a close frame", b0, payload)
			}
			if code := frame.CloseCode(payload[0])<<8 | frame.CloseCode(payload[1]); code != tt.code {
				t.Errorf("close code %d (%s), want %d", code, payload[2:], tt.code)
			}
			if err := <-errc; CloseStatus(err) != tt.code {
				t.Errorf("server error %v, want code %d", err, tt.code)
			}
		})
	}
}

// TestDeflateWire checks the bytes on the wire: RSV1 on the first frame of
// a compressed message only, the payload of RFC 7692, Section 7.2.3.1 for
// "Hello", uncompressed messages under the threshold, and a compressed
// message split across frames (RFC 7692, Section 7.2.3.1's second example).
func TestDeflateWire(t *testing.T) {
	t.Parallel()
	c, br, _ := deflateClient(t, &AcceptOptions{Options: Options{Compression: Compression{Threshold: -1}}})
	// "Hello" compressed, split in two frames, only the first has RSV1.
	hello := []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}
	c.Write(clientFrame(0x40|0x01, hello[:3]))
	c.Write(clientFrame(0x80, hello[3:]))
	// An uncompressed message is fine too (RFC 7692, Section 6: per message).
	c.Write(clientFrame(0x81, []byte("plain")))
	// With context takeover the second "Hello" refers to the first
	// (RFC 7692, Section 7.2.3.2).
	c.Write(clientFrame(0xc1, hello))
	c.Write(clientFrame(0xc1, []byte{0xf2, 0x00, 0x11, 0x00, 0x00}))
	// The server compresses every echo (threshold -1) with context takeover.
	r, _ := deflate.NewReader(15, true)
	for i, want := range []string{"Hello", "plain", "Hello", "Hello"} {
		b0, payload := readServerFrame(t, br)
		if b0 != 0xc1 {
			t.Fatalf("echo %d: first byte %#x, want 0xc1 (FIN, RSV1, text)", i, b0)
		}
		if i == 0 && !bytes.Equal(payload, hello) {
			t.Errorf("echo of Hello = % x, want % x (RFC 7692, Section 7.2.3.1)", payload, hello)
		}
		r.Start(bytes.NewReader(payload), -1)
		if got, err := io.ReadAll(r); string(got) != want || err != nil {
			t.Errorf("echo %d inflates to %q, %v; want %q", i, got, err, want)
		}
	}
}

// TestDeflateThreshold: below the threshold WriteMessage sends RSV1 clear.
func TestDeflateThreshold(t *testing.T) {
	t.Parallel()
	c, br, _ := deflateClient(t, nil)
	short := strings.Repeat("a", DefaultCompressionThreshold-1)
	c.Write(clientFrame(0x81, []byte(short)))
	if b0, payload := readServerFrame(t, br); b0 != 0x81 || string(payload) != short {
		t.Errorf("short message echoed as %#x % x, want uncompressed", b0, payload)
	}
	long := strings.Repeat("a", DefaultCompressionThreshold)
	c.Write(clientFrame(0x81, []byte(long)))
	if b0, payload := readServerFrame(t, br); b0 != 0xc1 || len(payload) >= len(long) {
		t.Errorf("long message echoed as %#x, %d bytes, want compressed", b0, len(payload))
	}
}
