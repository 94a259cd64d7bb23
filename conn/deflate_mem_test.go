package conn

import (
	"bytes"
	"math/rand/v2"
	"net"
	"runtime"
	"testing"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// heapAfterGC returns the live heap once pools are emptied (sync.Pool
// survives one GC in its victim cache, so two).
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// idlePairs opens n pairs of Endpoints over net.Pipe with the given
// agreed parameters (nil: no compression), sends one 48 KiB text message
// each way so any context-takeover window is full, and returns the live
// heap growth per Endpoint once they are idle. It closes them after.
func idlePairs(t testing.TB, n int, agreed *handshake.DeflateParams) (perEndpoint float64, retained int) {
	msg := wsText(rand.New(rand.NewPCG(1, 1)), 48<<10)
	var eps []*Endpoint
	before := heapAfterGC()
	for i := 0; i < n; i++ {
		a, b := net.Pipe()
		opts := &Options{Compression: Compression{Enable: agreed != nil, Negotiated: agreed}}
		srv := NewEndpoint(a, nil, Server, opts)
		cli := NewEndpoint(b, nil, Client, opts)
		for _, pair := range [][2]*Endpoint{{cli, srv}, {srv, cli}} {
			done := make(chan error, 1)
			go func() { done <- pair[0].WriteMessage(frame.OpText, msg) }()
			_, p, err := pair[1].ReadMessage(nil)
			if err != nil || !bytes.Equal(p, msg) || <-done != nil {
				t.Fatalf("exchange: %v", err)
			}
		}
		eps = append(eps, srv, cli)
		if agreed != nil {
			for _, ep := range []*Endpoint{srv, cli} {
				retained = max(retained, ep.dfl.w.Retained()+ep.dfl.r.Retained())
			}
		}
	}
	after := heapAfterGC()
	for _, ep := range eps {
		ep.closeConn(&CloseError{Code: frame.CloseAbnormal}) // stops its timers too
	}
	runtime.KeepAlive(msg)
	return (float64(after) - float64(before)) / float64(2*n), retained
}

// TestDeflateIdleMemory measures what permessage-deflate costs an idle
// Endpoint: with context takeover, the two windows (what it sent and what it
// received, 2 × 32 KiB at 15 bits); without, nothing but a few small structs.
// Compressor and decompressor tables are pooled while idle.
func TestDeflateIdleMemory(t *testing.T) {
	if testing.Short() || deflateRace {
		t.Skip("memory measurement: not in -short or -race runs")
	}
	const n = 400
	idlePairs(t, 10, &handshake.DeflateParams{}) // warm up: package-level state, pools' first objects
	plain, _ := idlePairs(t, n, nil)
	takeover, rTakeover := idlePairs(t, n, &handshake.DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15})
	small, rSmall := idlePairs(t, n, &handshake.DeflateParams{ServerMaxWindowBits: 10, ClientMaxWindowBits: 10})
	none, rNone := idlePairs(t, n, &handshake.DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15})
	t.Logf("idle Endpoint, live heap after GC (±2 KiB of noise): no compression %.0f B; permessage-deflate with context takeover %.0f B (+%.0f), "+
		"takeover with 10-bit windows %.0f B (+%.0f), no context takeover %.0f B (+%.0f)",
		plain, takeover, takeover-plain, small, small-plain, none, none-plain)
	t.Logf("buffers held between messages: takeover %d B, 10-bit windows %d B, no takeover %d B", rTakeover, rSmall, rNone)
	// Exact: the buffers kept are the windows, nothing else.
	if rTakeover != 2*32<<10 || rSmall != 2*1<<10 || rNone != 0 {
		t.Errorf("buffers held while idle: %d, %d, %d B; want 65536, 2048, 0", rTakeover, rSmall, rNone)
	}
	// Measured, with room for the noise of a shared machine: no table or
	// pooled buffer stays with an idle connection.
	if extra := takeover - plain; extra > 2*32<<10+8<<10 {
		t.Errorf("context takeover costs %.0f B per idle Endpoint, want two 32 KiB windows + a few KiB", extra)
	}
	if extra := small - plain; extra > 2*1<<10+8<<10 {
		t.Errorf("10-bit windows cost %.0f B per idle Endpoint, want two 1 KiB windows + a few KiB", extra)
	}
	if extra := none - plain; extra > 8<<10 {
		t.Errorf("no context takeover costs %.0f B per idle Endpoint, want a few KiB at most", extra)
	}
}
