package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Update delivery modes.
const (
	ModePoll      = "polling"
	ModeLongPoll  = "long-polling"
	ModeWebSocket = "websocket"
)

// UpdateModes lists the update delivery modes in their reporting order.
var UpdateModes = []string{ModePoll, ModeLongPoll, ModeWebSocket}

// Request/response modes.
const (
	ModeHTTPClose     = "http-new-conn"   // HTTP/1.1, a new connection per request
	ModeHTTPKeepAlive = "http-keep-alive" // HTTP/1.1, R requests per connection
	ModeWSRequests    = "websocket"       // messages, R exchanges per WebSocket connection
)

// RequestModes lists the request/response modes in their reporting order.
var RequestModes = []string{ModeHTTPClose, ModeHTTPKeepAlive, ModeWSRequests}

// Config sets up a run. Zero fields take the defaults of DefaultConfig.
type Config struct {
	Addr string `json:"addr,omitempty"` // host:port of a server started by `wsbench -serve`; "" = one in this process on 127.0.0.1

	Updates      int           `json:"updates"`          // N: updates produced per run
	Rate         float64       `json:"rate"`             // updates per second
	Clients      []int         `json:"clients"`          // C: client counts to measure
	PollInterval time.Duration `json:"poll_interval_ns"` // P: polling interval
	Size         int           `json:"size"`             // payload bytes of an update, a request and a response

	PerConn     []int         `json:"per_conn"`    // R: requests per connection to measure
	Duration    time.Duration `json:"duration_ns"` // measuring time of one requests cell
	Concurrency int           `json:"concurrency"` // parallel client workers in requests mode

	// IdleClients is how many clients of each update mode wait at once
	// while the memory held for them is measured (in process only; 0
	// means 200, negative skips the measurement).
	IdleClients int `json:"idle_clients"`

	Rounds int  `json:"rounds"`  // measured rounds (the median is reported)
	NoWarm bool `json:"no_warm"` // skip the warm-up round

	// BrowserHeaders adds a browser's request header fields (BrowserHeader)
	// to every HTTP request and WebSocket handshake.
	BrowserHeaders bool `json:"browser_headers"`

	RunUpdates  bool `json:"run_updates"`  // run the updates experiment
	RunRequests bool `json:"run_requests"` // run the requests experiment

	// RTTs, if set, runs the experiments once per round-trip time through
	// a Relay between the clients and the server (an emulated link, see
	// Link) instead of over plain loopback; 0 is the relay with no delay.
	// The memory of waiting clients is not measured then.
	RTTs []time.Duration `json:"rtts_ns,omitempty"`
	// Bandwidth is the link's rate in each direction, bytes per second
	// (0 = unlimited); it applies only with RTTs.
	Bandwidth int64 `json:"bandwidth,omitempty"`
	// RelayCommand, if set, runs each link's Relay in a child process,
	// argv followed by the arguments of RelayChildMain, so that the CPU
	// time measured leaves the relay's work out; nil runs it in process.
	RelayCommand []string `json:"-"`

	// Progress, if set, is called with a one-line status before each cell.
	Progress func(line string) `json:"-"`
}

// DefaultConfig returns the defaults of cmd/wsbench: both experiments in
// well under a minute on a 2-core machine.
func DefaultConfig() Config {
	return Config{
		Updates:      10,
		Rate:         10,
		Clients:      []int{1, 10, 50},
		PollInterval: 50 * time.Millisecond,
		Size:         64,
		PerConn:      []int{1, 10, 50, 500, 1000, 2000},
		Duration:     200 * time.Millisecond,
		Concurrency:  4,
		IdleClients:  200,
		Rounds:       3,
		RunUpdates:   true,
		RunRequests:  true,
	}
}

func (c *Config) fill() {
	d := DefaultConfig()
	if c.Updates <= 0 {
		c.Updates = d.Updates
	}
	if c.Rate <= 0 {
		c.Rate = d.Rate
	}
	if len(c.Clients) == 0 {
		c.Clients = d.Clients
	}
	if c.PollInterval <= 0 {
		c.PollInterval = d.PollInterval
	}
	if c.Size < 0 {
		c.Size = 0
	}
	if len(c.PerConn) == 0 {
		c.PerConn = d.PerConn
	}
	if c.Duration <= 0 {
		c.Duration = d.Duration
	}
	if c.Concurrency <= 0 {
		c.Concurrency = d.Concurrency
	}
	if c.Rounds <= 0 {
		c.Rounds = d.Rounds
	}
	if c.IdleClients == 0 {
		c.IdleClients = d.IdleClients
	}
}

// Machine describes where a run happened.
type Machine struct {
	NumCPU     int    `json:"num_cpu"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	GOOS       string `json:"goos"`
	GOARCH     string `json:"goarch"`
	GoVersion  string `json:"go_version"`
	CPUModel   string `json:"cpu_model,omitempty"`
	LoadAvg    string `json:"load_avg,omitempty"` // /proc/loadavg at the start
	Server     string `json:"server"`             // "in-process, 127.0.0.1" or the address
}

// CurrentMachine describes this machine.
func CurrentMachine() Machine {
	m := Machine{
		NumCPU: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, GoVersion: runtime.Version(),
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	return m
}

// UpdatesSample is one round of one updates cell.
type UpdatesSample struct {
	Bytes     int64   `json:"bytes"`                  // both directions, all connections, as the clients counted them
	ServerBy  int64   `json:"server_bytes,omitempty"` // the same, as the server counted them (in process only)
	Delivered int64   `json:"delivered"`              // updates received, all clients
	Requests  int64   `json:"requests"`               // HTTP requests (WebSocket: handshakes)
	Empty     int64   `json:"empty"`                  // requests answered with no update
	Conns     int64   `json:"conns"`                  // TCP connections opened
	P50ms     float64 `json:"p50_ms"`                 // delivery latency
	P99ms     float64 `json:"p99_ms"`
	CPUms     float64 `json:"cpu_ms"` // process CPU time (user + system), all of it: clients, server, producer
	WallMs    float64 `json:"wall_ms"`
}

// UpdatesResult is one updates cell (mode, client count) over all rounds.
type UpdatesResult struct {
	Mode           string          `json:"mode"`
	Clients        int             `json:"clients"`
	BytesPerUpdate Spread          `json:"bytes_per_update"`
	Requests       Spread          `json:"requests"`
	Empty          Spread          `json:"empty"`
	P50ms          Spread          `json:"p50_ms"`
	P99ms          Spread          `json:"p99_ms"`
	CPUUsPerUpdate Spread          `json:"cpu_us_per_update"`
	Rounds         []UpdatesSample `json:"rounds"`
}

// RequestsSample is one round of one requests cell.
type RequestsSample struct {
	Requests int64   `json:"requests"`
	Seconds  float64 `json:"seconds"`
	Bytes    int64   `json:"bytes"`                  // as the clients counted them
	ServerBy int64   `json:"server_bytes,omitempty"` // as the server counted them (in process only)
	Conns    int64   `json:"conns"`
	CPUms    float64 `json:"cpu_ms"`
}

// RequestsResult is one requests cell (mode, requests per connection) over
// all rounds.
type RequestsResult struct {
	Mode            string           `json:"mode"`
	PerConn         int              `json:"per_conn"`
	PerSecond       Spread           `json:"requests_per_second"`
	BytesPerRequest Spread           `json:"bytes_per_request"`
	CPUUsPerRequest Spread           `json:"cpu_us_per_request"`
	Rounds          []RequestsSample `json:"rounds"`
}

// Ratio compares WebSocket with HTTP at one R: ratios of the medians.
type Ratio struct {
	PerConn         int     `json:"per_conn"`
	WSOverNewConn   float64 `json:"ws_over_http_new_conn"`
	WSOverKeepAlive float64 `json:"ws_over_http_keep_alive"`
	// The same comparison by process CPU time per request (HTTP's over
	// WebSocket's): what the throughput ratio would be if the process were
	// CPU-bound and alone, steadier than requests/s on a shared machine.
	CPUNewConnOverWS   float64 `json:"cpu_http_new_conn_over_ws"`
	CPUKeepAliveOverWS float64 `json:"cpu_http_keep_alive_over_ws"`
	Article            float64 `json:"article_ratio,omitempty"` // the article's WebSocket/HTTP ratio, 0 where it gives none
	ArticleClaim       string  `json:"article_claim"`
}

// ArticleClaims gives, for each R the article shows, its claim about
// Socket.io (WebSocket) against HTTP and the ratio it implies.
var ArticleClaims = map[int]struct {
	Ratio float64
	Claim string
}{
	1:    {0.5, "about 50% slower"},
	10:   {0, "slower, less so"},
	50:   {1.5, "about 50% faster"},
	500:  {3900.0 / 950, "HTTP ~950 req/s, WS ~3900"},
	1000: {3900.0 / 950, "HTTP ~950 req/s, WS ~3900"},
	2000: {3900.0 / 950, "HTTP ~950 req/s, WS ~3900"},
}

// Report is the result of a run, as written to the JSON file.
type Report struct {
	Started time.Time `json:"started"` // UTC
	Seconds float64   `json:"seconds"` // the whole run, warm-up included
	// UpdatesSeconds and RequestsSeconds are the wall time of each
	// experiment, warm-up included.
	UpdatesSeconds  float64          `json:"updates_seconds,omitempty"`
	RequestsSeconds float64          `json:"requests_seconds,omitempty"`
	Machine         Machine          `json:"machine"`
	Config          Config           `json:"config"`
	Updates         []UpdatesResult  `json:"updates,omitempty"`
	Idle            []IdleResult     `json:"idle,omitempty"` // memory per waiting client, by update mode
	Requests        []RequestsResult `json:"requests,omitempty"`
	Ratios          []Ratio          `json:"ratios,omitempty"` // one per R, in Config.PerConn order
	Links           []LinkResult     `json:"links,omitempty"`  // one per Config.RTTs, when set
}

// Run runs the experiments cfg asks for and returns their report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg.fill()
	rep := &Report{Started: time.Now().UTC(), Machine: CurrentMachine(), Config: cfg}
	r := &runner{cfg: cfg, base: "http://" + cfg.Addr, ctl: &http.Client{Timeout: 5 * time.Minute}}
	r.ctlBase = r.base
	if cfg.Addr == "" {
		ts, err := startServer()
		if err != nil {
			return nil, err
		}
		defer ts.stop()
		r.base, r.ctlBase, r.server = ts.base, ts.ctlBase, ts.counter
		rep.Machine.Server = "in-process, " + strings.TrimPrefix(ts.base, "http://")
	} else {
		rep.Machine.Server = cfg.Addr
	}
	defer r.ctl.CloseIdleConnections()
	if len(cfg.RTTs) > 0 {
		if err := r.overLinks(ctx, rep); err != nil {
			return nil, err
		}
		rep.Seconds = time.Since(rep.Started).Seconds()
		return rep, nil
	}
	if cfg.RunUpdates {
		t0 := time.Now()
		res, idle, err := r.updates(ctx)
		if err != nil {
			return nil, err
		}
		rep.Updates, rep.Idle = res, idle
		rep.UpdatesSeconds = time.Since(t0).Seconds()
	}
	if cfg.RunRequests {
		t0 := time.Now()
		res, err := r.requests(ctx)
		if err != nil {
			return nil, err
		}
		rep.Requests = res
		rep.Ratios = ratios(res, cfg.PerConn)
		rep.RequestsSeconds = time.Since(t0).Seconds()
	}
	rep.Seconds = time.Since(rep.Started).Seconds()
	return rep, nil
}

// inProcess is a server started by this process: the measured endpoints
// on a listener whose connections are counted, and the control endpoints
// on another, so that control traffic stays out of the count.
type inProcess struct {
	base, ctlBase string
	counter       *Counter
	stop          func()
}

func startServer() (*inProcess, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	lc, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		l.Close()
		return nil, err
	}
	c := &Counter{}
	srv := NewServer()
	hs, hc := srv.Serve(c.Listener(l)), srv.Serve(lc)
	return &inProcess{
		base: "http://" + l.Addr().String(), ctlBase: "http://" + lc.Addr().String(), counter: c,
		stop: func() { srv.Close(); hs.Close(); hc.Close() },
	}, nil
}

type runner struct {
	cfg     Config
	base    string       // measured endpoints
	ctlBase string       // control endpoints
	ctl     *http.Client // control requests: not counted
	server  *Counter     // the server's count of the measured connections; nil if not in process
	cell    int          // cells run so far
	cells   int          // cells in all

	overLink bool   // base is a Relay's: no idle-memory cells, cheap warm-ups
	label    string // prefix of the progress lines
}

// settle returns the bytes the clients counted on c since c0, and those
// the server counted since s0, once the two agree or a second has passed.
// Both need the wait: a write's count is added when Write returns, which
// can be after the peer has read the bytes and answered (net/http writes
// requests from a goroutine of its own). With no server in this process,
// it waits briefly and returns 0 for the server.
func (r *runner) settle(c *Counter, c0, s0 CounterSnapshot) (CounterSnapshot, int64) {
	if r.server == nil {
		time.Sleep(20 * time.Millisecond)
		return c.Snapshot().Sub(c0), 0
	}
	deadline := time.Now().Add(time.Second)
	for {
		cs, ss := c.Snapshot().Sub(c0), r.server.Snapshot().Sub(s0)
		if cs.Bytes() == ss.Bytes() || time.Now().After(deadline) {
			return cs, ss.Bytes()
		}
		time.Sleep(time.Millisecond)
	}
}

// serverSnapshot returns the server's counter, or zero.
func (r *runner) serverSnapshot() CounterSnapshot {
	if r.server == nil {
		return CounterSnapshot{}
	}
	return r.server.Snapshot()
}

func (r *runner) header() http.Header {
	if r.cfg.BrowserHeaders {
		return BrowserHeader()
	}
	return nil
}

func (r *runner) progress(format string, args ...any) {
	r.cell++
	if r.cfg.Progress != nil {
		r.cfg.Progress(r.label + fmt.Sprintf("[%d/%d] ", r.cell, r.cells) + fmt.Sprintf(format, args...))
	}
}

// rotate returns modes rotated left by k, so each round starts with a
// different mode.
func rotate(modes []string, k int) []string {
	k %= len(modes)
	return append(slices.Clone(modes[k:]), modes[:k]...)
}

func (r *runner) control(ctx context.Context, method, path string, q url.Values) error {
	req, err := http.NewRequestWithContext(ctx, method, r.ctlBase+path+"?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	resp, err := r.ctl.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("bench: %s %s: %s", method, path, resp.Status)
	}
	return nil
}

func (r *runner) updates(ctx context.Context) ([]UpdatesResult, []IdleResult, error) {
	cfg := r.cfg
	r.cell, r.cells = 0, len(cfg.Clients)*len(UpdateModes)*cfg.Rounds
	idle := r.server != nil && cfg.IdleClients > 0 && !r.overLink
	if idle {
		r.cells += len(UpdateModes) * cfg.Rounds
	}
	if !cfg.NoWarm {
		r.cells += len(UpdateModes)
		for _, mode := range UpdateModes {
			r.progress("updates warm-up: %s", mode)
			if _, err := r.updatesCell(ctx, mode, slices.Min(cfg.Clients), min(cfg.Updates, 5)); err != nil {
				return nil, nil, fmt.Errorf("updates warm-up, %s: %w", mode, err)
			}
		}
	}
	type key struct {
		mode    string
		clients int
	}
	samples := map[key][]UpdatesSample{}
	idleSamples := map[string][]IdleSample{}
	for round := range cfg.Rounds {
		for i, c := range cfg.Clients {
			for _, mode := range rotate(UpdateModes, round+i) {
				r.progress("updates round %d/%d: %d clients, %s", round+1, cfg.Rounds, c, mode)
				s, err := r.updatesCell(ctx, mode, c, cfg.Updates)
				if err != nil {
					return nil, nil, fmt.Errorf("updates, %d clients, %s: %w", c, mode, err)
				}
				samples[key{mode, c}] = append(samples[key{mode, c}], s)
			}
		}
		if !idle {
			continue
		}
		for _, mode := range rotate(UpdateModes, round) {
			r.progress("updates round %d/%d: memory of %d waiting clients, %s", round+1, cfg.Rounds, cfg.IdleClients, mode)
			s, err := r.idleCell(ctx, mode, cfg.IdleClients)
			if err != nil {
				return nil, nil, fmt.Errorf("updates, memory of %d waiting clients, %s: %w", cfg.IdleClients, mode, err)
			}
			idleSamples[mode] = append(idleSamples[mode], s)
		}
	}
	var out []UpdatesResult
	for _, c := range cfg.Clients {
		for _, mode := range UpdateModes {
			ss := samples[key{mode, c}]
			out = append(out, UpdatesResult{
				Mode: mode, Clients: c, Rounds: ss,
				BytesPerUpdate: spreadBy(ss, func(s UpdatesSample) float64 { return float64(s.Bytes) / float64(s.Delivered) }),
				Requests:       spreadBy(ss, func(s UpdatesSample) float64 { return float64(s.Requests) }),
				Empty:          spreadBy(ss, func(s UpdatesSample) float64 { return float64(s.Empty) }),
				P50ms:          spreadBy(ss, func(s UpdatesSample) float64 { return s.P50ms }),
				P99ms:          spreadBy(ss, func(s UpdatesSample) float64 { return s.P99ms }),
				CPUUsPerUpdate: spreadBy(ss, func(s UpdatesSample) float64 { return s.CPUms * 1000 / float64(s.Delivered) }),
			})
		}
	}
	var idleOut []IdleResult
	for _, mode := range UpdateModes {
		if ss := idleSamples[mode]; len(ss) > 0 {
			idleOut = append(idleOut, IdleResult{
				Mode: mode, Clients: cfg.IdleClients, Rounds: ss,
				KiBPerClient:        spreadBy(ss, func(s IdleSample) float64 { return s.KiBPerConn }),
				GoroutinesPerClient: spreadBy(ss, func(s IdleSample) float64 { return float64(s.Goroutines) / float64(s.Clients) }),
			})
		}
	}
	return out, idleOut, nil
}

func spreadBy[S any](ss []S, f func(S) float64) Spread {
	xs := make([]float64, len(ss))
	for i, s := range ss {
		xs[i] = f(s)
	}
	return SpreadOf(xs)
}

// updatesCell runs one round of one mode: n updates for clients clients.
func (r *runner) updatesCell(ctx context.Context, mode string, clients, n int) (UpdatesSample, error) {
	interval := time.Duration(float64(time.Second) / r.cfg.Rate)
	if err := r.control(ctx, http.MethodPost, PathReset, url.Values{"n": {strconv.Itoa(n)}}); err != nil {
		return UpdatesSample{}, err
	}
	// Everything must be in well after the last update is produced.
	ctx, cancel := context.WithTimeout(ctx, time.Duration(n)*interval+r.cfg.PollInterval+30*time.Second)
	defer cancel()
	runtime.GC() // start every cell with the same heap, outside the measurement

	var counter Counter
	cs := clientSide{&counter, r.header()}
	rcs := make([]*Receiver, clients)
	for i := range rcs {
		rcs[i] = &Receiver{Total: int64(n)}
	}
	snap0, srv0 := counter.Snapshot(), r.serverSnapshot()
	cpu0, _ := processCPU()
	t0 := time.Now()

	var tasks []func() error
	var cleanup []func()
	defer func() {
		for _, f := range cleanup {
			f()
		}
	}()
	switch mode {
	case ModePoll, ModeLongPoll:
		for i, rc := range rcs {
			hc, tr := cs.httpClient(true)
			cleanup = append(cleanup, tr.CloseIdleConnections)
			if mode == ModeLongPoll {
				tasks = append(tasks, func() error { return LongPoll(ctx, hc, r.base, rc) })
				continue
			}
			// Clients poll at the same interval in evenly spread phases,
			// as independent browsers would.
			phase := r.cfg.PollInterval * time.Duration(2*i+1) / time.Duration(2*clients)
			tasks = append(tasks, func() error {
				select {
				case <-time.After(phase):
				case <-ctx.Done():
					return ctx.Err()
				}
				t := time.NewTicker(r.cfg.PollInterval)
				defer t.Stop()
				return Poll(ctx, hc, r.base, rc, t.C)
			})
		}
	case ModeWebSocket:
		// All clients are connected before the first update exists. They
		// dial at once: over an emulated link a handshake takes two round
		// trips (TCP's, then the upgrade's).
		wus := make([]*wsUpdates, len(rcs))
		errs := make([]error, len(rcs))
		var wg sync.WaitGroup
		for i, rc := range rcs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				wus[i], errs[i] = dialUpdates(ctx, cs, r.base, rc)
			}()
		}
		wg.Wait()
		for _, wu := range wus {
			if wu != nil {
				cleanup = append(cleanup, wu.abort)
				tasks = append(tasks, func() error { return wu.receive(ctx) })
			}
		}
		if err := errors.Join(errs...); err != nil {
			return UpdatesSample{}, err
		}
	default:
		return UpdatesSample{}, fmt.Errorf("bench: unknown updates mode %q", mode)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(tasks))
	for i, task := range tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = task()
			if errs[i] != nil {
				cancel()
			}
		}()
	}
	err := r.control(ctx, http.MethodPost, PathProduce, url.Values{
		"interval": {interval.String()}, "size": {strconv.Itoa(r.cfg.Size)}})
	if err != nil {
		cancel()
	}
	wg.Wait()
	wall := time.Since(t0)
	cpu1, _ := processCPU()
	snap, serverBytes := r.settle(&counter, snap0, srv0)
	if err != nil {
		return UpdatesSample{}, err
	}
	if err := errors.Join(errs...); err != nil {
		return UpdatesSample{}, err
	}
	if err := r.control(ctx, http.MethodGet, PathProduced, nil); err != nil {
		return UpdatesSample{}, err
	}
	s := UpdatesSample{Bytes: snap.Bytes(), Conns: snap.Conns, CPUms: float64(cpu1-cpu0) / 1e6, WallMs: float64(wall) / 1e6}
	s.ServerBy = serverBytes
	var lat []float64
	for _, rc := range rcs {
		if err := rc.Check(); err != nil {
			return UpdatesSample{}, err
		}
		s.Delivered += rc.Got
		s.Requests += rc.Requests
		s.Empty += rc.Empty
		lat = append(lat, rc.Latency...)
	}
	slices.Sort(lat)
	s.P50ms = Percentile(lat, 50) * 1000
	s.P99ms = Percentile(lat, 99) * 1000
	return s, nil
}

func (r *runner) requests(ctx context.Context) ([]RequestsResult, error) {
	cfg := r.cfg
	r.cell, r.cells = 0, len(cfg.PerConn)*len(RequestModes)*cfg.Rounds
	payload := make([]byte, cfg.Size)
	for i := range payload {
		payload[i] = 'a' + byte(i%26)
	}
	warmR := 10
	if r.overLink {
		warmR = slices.Min(cfg.PerConn) // a connection begun is finished: 10 exchanges at 100 ms take a second
	}
	if !cfg.NoWarm {
		r.cells += len(RequestModes)
		for _, mode := range RequestModes {
			r.progress("requests warm-up: %s", mode)
			if _, err := r.requestsCell(ctx, mode, warmR, cfg.Duration/2, payload); err != nil {
				return nil, fmt.Errorf("requests warm-up, %s: %w", mode, err)
			}
		}
	}
	type key struct {
		mode    string
		perConn int
	}
	samples := map[key][]RequestsSample{}
	for round := range cfg.Rounds {
		for i, pc := range cfg.PerConn {
			for _, mode := range rotate(RequestModes, round+i) {
				r.progress("requests round %d/%d: %d per connection, %s", round+1, cfg.Rounds, pc, mode)
				s, err := r.requestsCell(ctx, mode, pc, cfg.Duration, payload)
				if err != nil {
					return nil, fmt.Errorf("requests, %d per connection, %s: %w", pc, mode, err)
				}
				samples[key{mode, pc}] = append(samples[key{mode, pc}], s)
			}
		}
	}
	var out []RequestsResult
	for _, pc := range cfg.PerConn {
		for _, mode := range RequestModes {
			ss := samples[key{mode, pc}]
			out = append(out, RequestsResult{
				Mode: mode, PerConn: pc, Rounds: ss,
				PerSecond:       spreadBy(ss, func(s RequestsSample) float64 { return float64(s.Requests) / s.Seconds }),
				BytesPerRequest: spreadBy(ss, func(s RequestsSample) float64 { return float64(s.Bytes) / float64(s.Requests) }),
				CPUUsPerRequest: spreadBy(ss, func(s RequestsSample) float64 { return s.CPUms * 1000 / float64(s.Requests) }),
			})
		}
	}
	return out, nil
}

// requestsCell runs one round of one mode with the configured number of
// workers, each making perConn requests per connection on connection after
// connection until d has passed. A connection begun is finished, so every
// connection carries exactly perConn requests and the cell may run over d
// by the time of one connection; the rate is measured over the whole time.
func (r *runner) requestsCell(ctx context.Context, mode string, perConn int, d time.Duration, payload []byte) (RequestsSample, error) {
	ctx, cancel := context.WithTimeout(ctx, d+time.Minute)
	defer cancel()
	runtime.GC()
	var counter Counter
	cs := clientSide{&counter, r.header()}
	var done atomic.Int64
	srv0 := r.serverSnapshot()
	cpu0, _ := processCPU()
	t0 := time.Now()
	deadline := t0.Add(d)
	var wg sync.WaitGroup
	errs := make([]error, r.cfg.Concurrency)
	for w := range r.cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			switch mode {
			case ModeHTTPClose:
				hc, tr := cs.httpClient(false)
				for err == nil && time.Now().Before(deadline) {
					if err = echoHTTP(ctx, hc, r.base, payload); err == nil {
						done.Add(1)
					}
				}
				tr.CloseIdleConnections()
			case ModeHTTPKeepAlive:
				for err == nil && time.Now().Before(deadline) {
					hc, tr := cs.httpClient(true)
					for i := 0; err == nil && i < perConn; i++ {
						if err = echoHTTP(ctx, hc, r.base, payload); err == nil {
							done.Add(1)
						}
					}
					tr.CloseIdleConnections()
				}
			case ModeWSRequests:
				for err == nil && time.Now().Before(deadline) {
					err = wsRequests(ctx, cs, r.base, perConn, payload, &done)
				}
			default:
				err = fmt.Errorf("bench: unknown requests mode %q", mode)
			}
			if err != nil {
				errs[w] = err
				cancel()
			}
		}()
	}
	wg.Wait()
	secs := time.Since(t0).Seconds()
	cpu1, _ := processCPU()
	if err := errors.Join(errs...); err != nil {
		return RequestsSample{}, err
	}
	snap, serverBytes := r.settle(&counter, CounterSnapshot{}, srv0)
	n := done.Load()
	if n == 0 {
		return RequestsSample{}, errors.New("bench: no request completed")
	}
	return RequestsSample{Requests: n, Seconds: secs, Bytes: snap.Bytes(), ServerBy: serverBytes,
		Conns: snap.Conns, CPUms: float64(cpu1-cpu0) / 1e6}, nil
}

// echoHTTP makes one POST to PathEcho and checks the body comes back.
func echoHTTP(ctx context.Context, hc *http.Client, base string, payload []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+PathEcho, strings.NewReader(string(payload)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var buf [512]byte
	n := 0
	for {
		m, err := resp.Body.Read(buf[:])
		n += m
		if err != nil {
			break
		}
	}
	if resp.StatusCode != http.StatusOK || n != len(payload) {
		return fmt.Errorf("bench: POST %s: %s, %d bytes back, want %d", PathEcho, resp.Status, n, len(payload))
	}
	return nil
}

// ratios compares the medians of the WebSocket and HTTP modes at each R,
// by requests per second and by CPU time per request.
func ratios(res []RequestsResult, perConn []int) []Ratio {
	med, cpu := map[string]float64{}, map[string]float64{}
	for _, r := range res {
		med[r.Mode+"/"+strconv.Itoa(r.PerConn)] = r.PerSecond.Median
		cpu[r.Mode+"/"+strconv.Itoa(r.PerConn)] = r.CPUUsPerRequest.Median
	}
	var out []Ratio
	for _, pc := range perConn {
		k := "/" + strconv.Itoa(pc)
		ws := med[ModeWSRequests+k]
		rt := Ratio{PerConn: pc}
		if v := med[ModeHTTPClose+k]; v > 0 {
			rt.WSOverNewConn = ws / v
		}
		if v := med[ModeHTTPKeepAlive+k]; v > 0 {
			rt.WSOverKeepAlive = ws / v
		}
		if ws := cpu[ModeWSRequests+k]; ws > 0 {
			rt.CPUNewConnOverWS = cpu[ModeHTTPClose+k] / ws
			rt.CPUKeepAliveOverWS = cpu[ModeHTTPKeepAlive+k] / ws
		}
		if a, ok := ArticleClaims[pc]; ok {
			rt.Article, rt.ArticleClaim = a.Ratio, a.Claim
		}
		out = append(out, rt)
	}
	return out
}
