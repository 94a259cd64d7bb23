package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// IdleSample is one round of one idle cell: memory held while clients wait
// for an update that does not come.
type IdleSample struct {
	Clients    int     `json:"clients"`
	Bytes      int64   `json:"bytes"`      // heap in use plus goroutine stacks, after GC, minus the same before the clients
	Goroutines int64   `json:"goroutines"` // goroutines added by the clients and what serves them
	KiBPerConn float64 `json:"kib_per_client"`
}

// IdleResult is one idle cell (mode) over all rounds.
type IdleResult struct {
	Mode                string       `json:"mode"`
	Clients             int          `json:"clients"`
	KiBPerClient        Spread       `json:"kib_per_client"`
	GoroutinesPerClient Spread       `json:"goroutines_per_client"`
	Rounds              []IdleSample `json:"rounds"`
}

// heldMemory returns the heap in use plus goroutine stacks after a
// collection, and the number of goroutines.
func heldMemory() (int64, int64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse + ms.StackInuse), int64(runtime.NumGoroutine())
}

// waiting asks the server how many long polls and WebSocket update
// connections it holds.
func (r *runner) waiting(ctx context.Context) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.ctlBase+PathWaiting, nil)
	if err != nil {
		return 0, err
	}
	resp, err := r.ctl.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64))
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

// awaitWaiting polls the server until it holds want waiting clients.
func (r *runner) awaitWaiting(ctx context.Context, want int64) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := r.waiting(ctx)
		if err != nil {
			return err
		}
		if n == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: server holds %d waiting clients, want %d", n, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// idleCell measures the memory the process (clients and server together)
// holds for clients clients of mode waiting for an update: polling clients
// between two polls (one idle keep-alive connection each), long-polling
// clients with a request parked at the server, WebSocket clients connected.
// It needs the server in this process.
func (r *runner) idleCell(ctx context.Context, mode string, clients int) (IdleSample, error) {
	if err := r.control(ctx, http.MethodPost, PathReset, url.Values{"n": {"1"}}); err != nil {
		return IdleSample{}, err
	}
	if err := r.awaitWaiting(ctx, 0); err != nil {
		return IdleSample{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cctx, stopClients := context.WithCancel(ctx) // the clients' own context
	defer stopClients()
	mem0, g0 := heldMemory()

	var counter Counter
	cs := clientSide{&counter, r.header()}
	var wg sync.WaitGroup
	var cleanup []func()
	defer func() {
		stopClients()
		for _, f := range cleanup {
			f()
		}
		wg.Wait()
	}()
	for range clients {
		rc := &Receiver{Total: 1}
		switch mode {
		case ModePoll:
			hc, tr := cs.httpClient(true)
			cleanup = append(cleanup, tr.CloseIdleConnections)
			if err := getUpdates(cctx, hc, r.base+PathPoll, rc); err != nil {
				return IdleSample{}, err
			}
		case ModeLongPoll:
			hc, tr := cs.httpClient(true)
			cleanup = append(cleanup, tr.CloseIdleConnections)
			wg.Add(1)
			go func() { defer wg.Done(); LongPoll(cctx, hc, r.base, rc) }()
		case ModeWebSocket:
			wu, err := dialUpdates(cctx, cs, r.base, rc)
			if err != nil {
				return IdleSample{}, err
			}
			cleanup = append(cleanup, wu.abort)
			wg.Add(1)
			go func() { defer wg.Done(); wu.receive(cctx) }()
		default:
			return IdleSample{}, fmt.Errorf("bench: unknown updates mode %q", mode)
		}
	}
	if mode != ModePoll {
		if err := r.awaitWaiting(ctx, int64(clients)); err != nil {
			return IdleSample{}, err
		}
	}
	mem1, g1 := heldMemory()
	s := IdleSample{Clients: clients, Bytes: mem1 - mem0, Goroutines: g1 - g0}
	s.KiBPerConn = float64(s.Bytes) / 1024 / float64(clients)
	// Let everything go, and wait until the server has let go too.
	stopClients()
	for _, f := range cleanup {
		f()
	}
	cleanup = nil
	wg.Wait()
	if err := r.awaitWaiting(ctx, 0); err != nil {
		return IdleSample{}, err
	}
	return s, nil
}
