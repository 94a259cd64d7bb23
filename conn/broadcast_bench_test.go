package conn

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// Broadcast: tests that need the PreparedMessage's internals, and the
// benchmark of a broadcast to 10,000 endpoints. The behaviour seen from
// outside is tested in prepared_test.go.

// memEndpoint returns an Endpoint over a benchConn (writes discarded), with
// its idle pump stopped, as a broadcast target costs in memory only.
func memEndpoint(role Role, opts *Options) *Endpoint {
	ep := NewEndpoint(&benchConn{closed: make(chan struct{})}, nil, role, opts)
	ep.idle.Stop() // nothing to read: no pump goroutine per endpoint
	return ep
}

func broadcastOpts(bits int, noTakeover bool) *Options {
	return &Options{Compression: Compression{Negotiated: &handshake.DeflateParams{
		ServerNoContextTakeover: noTakeover, ClientNoContextTakeover: noTakeover,
		ServerMaxWindowBits: bits, ClientMaxWindowBits: bits}}}
}

// Many goroutines send one PreparedMessage to many endpoints at once: each
// compressed form is built once per window size, shared by both roles, and
// never for endpoints with context takeover, or without compression, or
// for a message under the compression threshold.
func TestPreparedBuildsOnce(t *testing.T) {
	t.Parallel()
	var eps []*Endpoint
	for _, role := range []Role{Server, Client} {
		for range 4 {
			for _, bits := range []int{9, 12, 15} {
				eps = append(eps, memEndpoint(role, broadcastOpts(bits, true)))
			}
			eps = append(eps, memEndpoint(role, broadcastOpts(15, false)), memEndpoint(role, nil))
		}
	}
	defer func() {
		for _, ep := range eps {
			ep.closeConn(&CloseError{Code: frame.CloseAbnormal})
		}
	}()
	big, _ := NewPreparedMessage(frame.OpText, bytes.Repeat([]byte("broadcast "), 100))
	small, _ := NewPreparedMessage(frame.OpText, []byte("tiny"))
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, ep := range eps {
				for _, pm := range []*PreparedMessage{big, small} {
					if err := ep.WritePreparedMessage(pm); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if n := big.builds.Load(); n != 3 {
		t.Errorf("compressed forms built: %d, want 3 (one per window size)", n)
	}
	if n := small.builds.Load(); n != 0 {
		t.Errorf("compressed forms built for a message under the threshold: %d, want 0", n)
	}
}

// A server whose Compression asks for no context takeover on its side
// gets it from Accept whatever the client offered (RFC 7692, Section
// 7.1.1.1), and so shares a prepared message's compressed form.
func TestPreparedAcceptNoContextTakeover(t *testing.T) {
	t.Parallel()
	msg := []byte(strings.Repeat("shared compression ", 50))
	pm, _ := NewPreparedMessage(frame.OpText, msg)
	srv := serve(t, &AcceptOptions{Options: Options{Compression: Compression{Enable: true, ServerNoContextTakeover: true}}}, func(ep *Endpoint) {
		ep.WritePreparedMessage(pm)
		ep.ReadMessage(nil) // until the client closes
	})
	ep, _, err := Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), &DialOptions{Options: Options{Compression: Compression{Enable: true}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close(frame.CloseNormal, "")
	if _, p, err := ep.ReadMessage(nil); err != nil || !bytes.Equal(p, msg) {
		t.Fatalf("ReadMessage = %d bytes, %v", len(p), err)
	}
	if n := pm.builds.Load(); n != 1 {
		t.Errorf("compressed forms built: %d, want 1", n)
	}
}

// broadcastN is the number of recipients of one broadcast.
const broadcastN = 10_000

// BenchmarkBroadcast sends a 1 KiB text message to each of 10,000 server
// endpoints (in memory, writes discarded): one op is one recipient. The
// prepared case makes one PreparedMessage per broadcast (its cost, and the
// compression, shared by the 10,000); the loop case calls WriteMessage for
// each recipient. With compression, neither side uses context takeover,
// so the compressed form can be shared.
func BenchmarkBroadcast(b *testing.B) {
	const n = 1 << 10
	for _, mode := range []string{"plain", "deflate"} {
		for _, how := range []string{"prepared", "loop"} {
			b.Run(mode+"/"+how, func(b *testing.B) {
				var opts *Options
				if mode == "deflate" {
					opts = broadcastOpts(15, true)
				}
				eps := make([]*Endpoint, broadcastN)
				for i := range eps {
					eps[i] = memEndpoint(Server, opts)
				}
				defer func() {
					for _, ep := range eps {
						ep.closeConn(&CloseError{Code: frame.CloseAbnormal})
					}
				}()
				var pm *PreparedMessage
				b.SetBytes(n)
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					k := i % broadcastN
					msg := benchMsg(i/broadcastN, n) // a new message per broadcast
					var err error
					if how == "prepared" {
						if k == 0 {
							pm, _ = NewPreparedMessage(frame.OpText, msg)
						}
						err = eps[k].WritePreparedMessage(pm)
					} else {
						err = eps[k].WriteMessage(frame.OpText, msg)
					}
					if err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}
