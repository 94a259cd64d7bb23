package conn_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/internal/h2"
)

// BenchmarkH2Handshake measures opening and closing one WebSocket (Dial,
// then the close handshake) against our own server over TLS:
//
//   - "h2-pooled": an extended CONNECT on an HTTP/2 connection already
//     open (HTTP2Pool): one round trip, no TCP or TLS handshake;
//   - "h2-new": a new TCP+TLS connection with ALPN h2, SETTINGS, then the
//     extended CONNECT;
//   - "h1-new": a new TCP+TLS connection and the HTTP/1.1 Upgrade, what
//     every WebSocket costs without HTTP/2.
func BenchmarkH2Handshake(b *testing.B) {
	s := newH2Server(b, true, nil)
	for _, tc := range []struct {
		name    string
		version conn.HTTPVersion
		pool    bool
	}{
		{"h2-pooled", conn.HTTP2, true},
		{"h2-new", conn.HTTP2, false},
		{"h1-new", conn.HTTP1, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			opts := s.opts(tc.version)
			if tc.pool {
				opts.Pool = &conn.HTTP2Pool{}
				defer opts.Pool.Close()
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				ep, _, err := conn.Dial(ctx, s.url("/"), opts)
				if err != nil {
					b.Fatal(err)
				}
				if err := ep.Close(frame.CloseNormal, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkH2Echo measures a round trip of one message (client writes,
// our server echoes, client reads) over an HTTP/2 stream (h2c with prior
// knowledge) and over HTTP/1.1, both cleartext on loopback, so the
// difference is HTTP/2's framing and flow control. allocs/op covers both
// ends.
func BenchmarkH2Echo(b *testing.B) {
	s := newH2Server(b, false, &conn.AcceptOptions{Options: conn.Options{ReadLimit: 2 << 20}})
	for _, n := range []int{16, 1 << 10, 64 << 10, 1 << 20} {
		msg := bytes.Repeat([]byte("a"), n)
		for _, v := range []conn.HTTPVersion{conn.HTTP2, conn.HTTP1} {
			name := "h2"
			if v == conn.HTTP1 {
				name = "h1"
			}
			b.Run(name+"/"+strconv.Itoa(n), func(b *testing.B) {
				opts := s.opts(v)
				opts.ReadLimit = 2 << 20
				ep, _, err := conn.Dial(context.Background(), s.url("/"), opts)
				if err != nil {
					b.Fatal(err)
				}
				defer ep.Close(frame.CloseNormal, "")
				var buf []byte
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					if err := ep.WriteMessage(frame.OpBinary, msg); err != nil {
						b.Fatal(err)
					}
					if _, buf, err = ep.ReadMessage(buf); err != nil || len(buf) != n {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// heapInUse returns the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// idleStreams is how many idle WebSockets BenchmarkH2IdleMemory opens.
const idleStreams = 500

// BenchmarkH2IdleMemory reports the heap kept per idle WebSocket on one
// HTTP/2 connection, after a message each way:
//
//   - "client": our client's side alone, against a hand-driven server
//     that only answers each extended CONNECT with 200 (no WebSocket
//     state of its own);
//   - "client+server": our client and our own server (net/http's HTTP/2
//     server and conn.Accept) in the same process.
func BenchmarkH2IdleMemory(b *testing.B) {
	b.Run("client", func(b *testing.B) {
		for b.Loop() {
			var eps []*conn.Endpoint
			url := startRawH2(b, []h2.Setting{{ID: h2.SettingEnableConnectProtocol, Val: 1}}, func(s *rawH2) {
				for {
					h, _, ok := s.next(h2.FrameHeaders)
					if !ok {
						return
					}
					s.respond(h.StreamID, "200", false)
				}
			})
			pool := &conn.HTTP2Pool{}
			before := heapInUse()
			for range idleStreams {
				ep, _, err := conn.Dial(context.Background(), url, &conn.DialOptions{HTTPVersion: conn.HTTP2, Pool: pool, Proxy: noProxy,
					Options: conn.Options{CloseTimeout: 10 * time.Millisecond}})
				if err != nil {
					b.Fatal(err)
				}
				eps = append(eps, ep)
			}
			after := heapInUse()
			b.ReportMetric(float64(after-before)/idleStreams, "B/stream")
			closeAll(eps)
			pool.Close()
		}
	})
	b.Run("client+server", func(b *testing.B) {
		for b.Loop() {
			s := newH2ServerIdle(b)
			pool := &conn.HTTP2Pool{}
			opts := s.opts(conn.HTTP2)
			opts.Pool = pool
			var eps []*conn.Endpoint
			before := heapInUse()
			for range idleStreams {
				ep, _, err := conn.Dial(context.Background(), s.url("/"), opts)
				if err != nil {
					b.Fatal(err)
				}
				ep.SetDeadline(time.Now().Add(30 * time.Second))
				if err := ep.WriteMessage(frame.OpText, []byte("hello")); err != nil {
					b.Fatal(err)
				}
				if _, _, err := ep.ReadMessage(nil); err != nil {
					b.Fatal(err)
				}
				eps = append(eps, ep)
			}
			after := heapInUse()
			b.ReportMetric(float64(after-before)/idleStreams, "B/stream")
			closeAll(eps)
			pool.Close()
		}
	})
}

// newH2ServerIdle is newH2Server with a handler that echoes without a
// deadline (an idle WebSocket stays open) and a stream limit high enough.
func newH2ServerIdle(tb testing.TB) *h2Server {
	s := &h2Server{}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, err := conn.Accept(w, r, nil)
		if err != nil {
			return
		}
		var buf []byte
		for {
			op, p, err := ep.ReadMessage(buf)
			if err != nil {
				return
			}
			if ep.WriteMessage(op, p) != nil {
				return
			}
			buf = p[:0]
		}
	}))
	s.srv.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: 2 * idleStreams}
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	s.srv.Config.Protocols = p
	s.srv.Start()
	tb.Cleanup(s.srv.Close)
	return s
}

// closeAll closes the Endpoints at once.
func closeAll(eps []*conn.Endpoint) {
	done := make(chan struct{}, len(eps))
	for _, ep := range eps {
		go func() { ep.Close(frame.CloseNormal, ""); done <- struct{}{} }()
	}
	for range eps {
		<-done
	}
}
