// Command wsbench measures HTTP polling, long polling and WebSocket side by
// side with this library, and checks the claims of the article "WebSocket
// Simplified" (bandwidth of polling against WebSocket; requests per second
// against requests per connection).
//
// By default the servers and the clients run in this process over loopback
// TCP, and both experiments run with defaults sized to finish in under a
// minute on a 2-core machine:
//
//	go run ./cmd/wsbench                      # both experiments, files in ./wsbench-out
//	go run ./cmd/wsbench -mode updates -clients 1,10,100 -poll 1s -rate 2 -n 10
//	go run ./cmd/wsbench -serve 127.0.0.1:8081   # a server for another machine's clients
//	go run ./cmd/wsbench -addr host:8081         # clients against that server
//	go run ./cmd/wsbench -rtt 0,20ms,100ms       # through an emulated link, per round trip
//
// It prints a table, and writes wsbench.json, wsbench.md (the tables in
// Markdown), updates.svg, requests.svg and ratios.svg to the -out
// directory; -render redraws them from a wsbench.json. With -rtt it puts a
// relay between the clients and the server that delays every byte by half
// the round trip each way (and paces it to -bandwidth), runs both
// experiments once per round trip, and writes link-latency.svg,
// link-bytes.svg and link-requests.svg instead. The logic lives in
// internal/bench.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/rfc6455/ws/internal/bench"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == bench.RelayChildFlag {
		// A relay for a parent wsbench -rtt (see bench.Config.RelayCommand).
		if err := bench.RelayChildMain(os.Args[1:], os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "wsbench relay:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "wsbench:", err)
		os.Exit(1)
	}
}

func run() error {
	d := bench.DefaultConfig()
	var (
		mode     = flag.String("mode", "all", "experiments to run: all, updates or requests")
		n        = flag.Int("n", d.Updates, "N: updates produced per round")
		rate     = flag.Float64("rate", d.Rate, "updates produced per second")
		clients  = flag.String("clients", joinInts(d.Clients), "C: client counts, comma-separated")
		poll     = flag.Duration("poll", d.PollInterval, "P: polling interval")
		size     = flag.Int("size", d.Size, "payload bytes of an update, a request and a response")
		perConn  = flag.String("r", joinInts(d.PerConn), "R: requests per connection, comma-separated")
		duration = flag.Duration("duration", d.Duration, "measuring time of one requests cell")
		conc     = flag.Int("concurrency", d.Concurrency, "parallel client workers in requests mode")
		idle     = flag.Int("idle-clients", d.IdleClients, "clients of each update mode held waiting while their memory is measured (in process; negative: skip)")
		rounds   = flag.Int("rounds", d.Rounds, "measured rounds (the median is reported)")
		noWarm   = flag.Bool("no-warmup", false, "skip the warm-up round")
		browser  = flag.Bool("browser", false, "send a browser's request header fields (User-Agent, Accept, Sec-Fetch-*...) instead of Go's few")
		out      = flag.String("out", "wsbench-out", "directory for wsbench.json and the SVG charts")
		addr     = flag.String("addr", "", "`host:port` of a server started with -serve (default: one in this process on 127.0.0.1)")
		render   = flag.String("render", "", "only redraw the tables and charts of a `wsbench.json` into -out")
		serve    = flag.String("serve", "", "only serve the benchmark endpoints at this `host:port`, for clients started with -addr")
		rtts     = flag.String("rtt", "", "round-trip `times` of an emulated link between clients and server, comma-separated (e.g. 0,20ms,100ms); each runs the experiments once. Unset: plain loopback")
		bw       = flag.String("bandwidth", "0", "`rate` of the emulated link each way, e.g. 100Mbit or 12.5MB/s; 0: unlimited (with -rtt only)")
		inProc   = flag.Bool("relay-in-process", false, "run the -rtt relay in this process (its CPU time then counts in the figures) instead of a child process")
	)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), `wsbench measures HTTP polling, long polling and WebSocket side by side:
bytes, requests, latency and CPU per delivered update (-mode updates), and
requests per second against requests per connection (-mode requests).
It prints tables and writes JSON, Markdown and SVG charts to -out.

Usage: wsbench [flags]

With -rtt, the flags -n, -rate, -poll, -clients, -r and -duration default
to 8 updates at 4/s, polling every 125ms, 10 clients, R=1,10,50 and 500ms
(see bench.DefaultLinkConfig: polling slower than the longest round trip).

`)
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *serve != "" {
		return serveOnly(ctx, *serve)
	}
	if *render != "" {
		return renderOnly(*render, *out)
	}
	cfg := bench.Config{
		Addr: *addr, Updates: *n, Rate: *rate, PollInterval: *poll, Size: *size,
		Duration: *duration, Concurrency: *conc, Rounds: *rounds, NoWarm: *noWarm, IdleClients: *idle,
		BrowserHeaders: *browser,
	}
	var err error
	if *rtts != "" {
		if cfg.RTTs, err = parseDurations(*rtts); err != nil {
			return fmt.Errorf("-rtt: %w", err)
		}
		if cfg.Bandwidth, err = bench.ParseBandwidth(*bw); err != nil {
			return fmt.Errorf("-bandwidth: %w", err)
		}
		if !*inProc {
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("-rtt: the relay's child process: %w", err)
			}
			cfg.RelayCommand = []string{exe}
		}
		// The link's own defaults, for the flags not given.
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		l := bench.DefaultLinkConfig()
		if !set["n"] {
			cfg.Updates = l.Updates
		}
		if !set["rate"] {
			cfg.Rate = l.Rate
		}
		if !set["poll"] {
			cfg.PollInterval = l.PollInterval
		}
		if !set["duration"] {
			cfg.Duration = l.Duration
		}
		if !set["clients"] {
			*clients = joinInts(l.Clients)
		}
		if !set["r"] {
			*perConn = joinInts(l.PerConn)
		}
	}
	if cfg.Clients, err = parseInts(*clients); err != nil {
		return fmt.Errorf("-clients: %w", err)
	}
	if cfg.PerConn, err = parseInts(*perConn); err != nil {
		return fmt.Errorf("-r: %w", err)
	}
	switch *mode {
	case "all":
		cfg.RunUpdates, cfg.RunRequests = true, true
	case "updates":
		cfg.RunUpdates = true
	case "requests":
		cfg.RunRequests = true
	default:
		return fmt.Errorf("-mode %q: want all, updates or requests", *mode)
	}
	tty := isTerminal(os.Stderr)
	cfg.Progress = func(line string) {
		if tty {
			fmt.Fprintf(os.Stderr, "\r\033[K%s", line)
		} else {
			fmt.Fprintln(os.Stderr, line)
		}
	}
	fmt.Fprintf(os.Stderr, "wsbench: %d CPUs, GOMAXPROCS %d; progress below\n", runtime.NumCPU(), runtime.GOMAXPROCS(0))
	rep, err := bench.Run(ctx, cfg)
	if tty {
		fmt.Fprint(os.Stderr, "\r\033[K")
	}
	if err != nil {
		return err
	}
	if len(rep.Links) > 0 {
		fmt.Fprintf(os.Stderr, "done in %.1fs\n", rep.Seconds)
	} else {
		fmt.Fprintf(os.Stderr, "done in %.1fs (updates %.1fs, requests %.1fs)\n", rep.Seconds, rep.UpdatesSeconds, rep.RequestsSeconds)
	}
	if err := bench.WriteTable(os.Stdout, rep); err != nil {
		return err
	}
	_, statErr := os.Stat(*out)
	paths, err := bench.WriteFiles(*out, rep)
	if err != nil {
		return err
	}
	if os.IsNotExist(statErr) {
		// A directory made here ignores itself in a git work tree, so a run
		// in a clone leaves `git status` clean.
		os.WriteFile(filepath.Join(*out, ".gitignore"), []byte("*\n"), 0o644)
	}
	fmt.Printf("\nwrote %s\n", strings.Join(paths, ", "))
	return nil
}

func renderOnly(file, out string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := bench.ReadJSON(f)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if err := bench.WriteTable(os.Stdout, rep); err != nil {
		return err
	}
	paths, err := bench.WriteFiles(out, rep)
	if err != nil {
		return err
	}
	fmt.Printf("\nwrote %s\n", strings.Join(paths, ", "))
	return nil
}

func serveOnly(ctx context.Context, addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := bench.NewServer()
	hs := srv.Serve(l)
	fmt.Fprintf(os.Stderr, "wsbench: serving on http://%s (Ctrl-C stops)\n", l.Addr())
	<-ctx.Done()
	srv.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// parseDurations parses a comma-separated list of durations; a bare 0 is
// allowed.
func parseDurations(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, f := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(f))
		if err != nil || d < 0 {
			return nil, fmt.Errorf("%q is not a duration such as 20ms", f)
		}
		out = append(out, d)
	}
	return out, nil
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
