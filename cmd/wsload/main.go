// Command wsload is an external load generator for WebSocket servers: it
// measures idle memory per connection, handshakes per second and pipelined
// echo throughput of any ws:// server, several side by side in interleaved
// rounds (medians reported), over raw TCP with no WebSocket library in the
// client. See internal/load.
//
//	go build -o /tmp/wsecho ./cmd/wsecho && go build -o /tmp/wsload ./cmd/wsload
//	/tmp/wsload -rawcopy -exec 'ours=/tmp/wsecho -q -addr 127.0.0.1:9001' ours=ws://127.0.0.1:9001/
//	/tmp/wsload -idle 1000,10000,18000 -handshakes 0 -echo '' -exec 'ours=/tmp/wsecho -q' ours=ws://127.0.0.1:9001/
//	/tmp/wsload -serve-rawcopy 127.0.0.1:9100   # only the reference server
//	/tmp/wsload -serve-echo 127.0.0.1:9101      # only an echo on conn.RawServer
//
// Each target is name=URL. A target started with -exec name=COMMAND is run
// by wsload itself (a fresh process for every idle measurement, one for
// all other shapes), so its memory is read from /proc/PID/status; -pid
// name=PID names the process of a server started by hand. -rawcopy adds the
// built-in reference server (internal/load.RawCopy) as target "raw", in a
// process of its own; -rawecho adds an echo on conn.RawServer (no
// net/http, internal/load.ServeEcho) as target "ours-raw".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/rfc6455/ws/internal/load"
)

// pairs is a repeatable name=value flag.
type pairs map[string]string

func (p pairs) String() string { return "" }
func (p pairs) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("%q: want name=value", s)
	}
	p[k] = v
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "wsload:", err)
		os.Exit(1)
	}
}

func run() error {
	execs, pids := pairs{}, pairs{}
	var (
		rounds   = flag.Int("rounds", 5, "interleaved rounds (medians are reported)")
		idle     = flag.String("idle", "10000", "idle connection counts, comma-separated ('' to skip)")
		settle   = flag.Duration("settle", 500*time.Millisecond, "wait after the last idle connection opens before reading RSS")
		hsc      = flag.Int("handshakes", 8, "concurrent clients of the handshake test (0 to skip)")
		echo     = flag.String("echo", "16,1024,16384,65536,1048576", "echo message sizes in bytes, comma-separated ('' to skip)")
		conns    = flag.Int("conns", 16, "connections of the echo test")
		duration = flag.Duration("duration", 2*time.Second, "measuring time of one handshake or echo cell")
		rawcopy  = flag.Bool("rawcopy", false, "add the built-in raw-copy reference server as target \"raw\"")
		rawecho  = flag.Bool("rawecho", false, "add the built-in echo on conn.RawServer as target \"ours-raw\"")
		serveRaw = flag.String("serve-rawcopy", "", "only serve the raw-copy reference server at this `host:port`")
		serveEch = flag.String("serve-echo", "", "only serve an echo on conn.RawServer (no net/http) at this `host:port`")
	)
	flag.Var(execs, "exec", "name=COMMAND: start target name's server with this command line (split at spaces)")
	flag.Var(pids, "pid", "name=PID: the process of target name, for idle memory")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *serveRaw != "" || *serveEch != "" {
		l, err := net.Listen("tcp", *serveRaw+*serveEch)
		if err != nil {
			return err
		}
		go func() { <-ctx.Done(); l.Close() }()
		if *serveRaw != "" {
			err = load.RawCopy(l)
		} else {
			err = load.ServeEcho(l, 64<<20)
		}
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	var targets []load.Target
	if *rawcopy {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		execs["raw"] = self + " -serve-rawcopy 127.0.0.1:9199"
		targets = append(targets, load.Target{Name: "raw", URL: "ws://127.0.0.1:9199/"})
	}
	if *rawecho {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		execs["ours-raw"] = self + " -serve-echo 127.0.0.1:9198"
		targets = append(targets, load.Target{Name: "ours-raw", URL: "ws://127.0.0.1:9198/"})
	}
	for _, a := range flag.Args() {
		name, u, ok := strings.Cut(a, "=")
		if !ok {
			return fmt.Errorf("target %q: want name=ws://host:port/path", a)
		}
		t := load.Target{Name: name, URL: u}
		if p, ok := pids[name]; ok {
			t.PID, _ = strconv.Atoi(p)
		}
		targets = append(targets, t)
	}
	if len(targets) == 0 {
		return errors.New("no targets: give name=ws://host:port/path, or -rawcopy")
	}
	fmt.Printf("# wsload: %d rounds, %s\n", *rounds, loadavg())
	if ns, err := ints(*idle); err != nil {
		return err
	} else if len(ns) > 0 {
		if err := runIdle(ctx, targets, execs, ns, *rounds, *settle); err != nil {
			return err
		}
	}
	// One server process per -exec target for the other shapes.
	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			p.Process.Kill()
			p.Wait()
		}
	}()
	for i, t := range targets {
		if c, ok := execs[t.Name]; ok {
			p, err := start(ctx, c, t)
			if err != nil {
				return err
			}
			procs = append(procs, p)
			targets[i].PID = p.Process.Pid
		}
	}
	if *hsc > 0 {
		res, err := load.Rounds(ctx, targets, *rounds, func(ctx context.Context, t load.Target) (float64, error) {
			return load.Handshakes(ctx, t, *hsc, *duration)
		})
		if err != nil {
			return err
		}
		table(fmt.Sprintf("handshakes/s, %d concurrent clients (dial, handshake, close)", *hsc), targets, res, "%.0f")
	}
	sizes, err := ints(*echo)
	if err != nil {
		return err
	}
	for _, size := range sizes {
		res, err := load.Rounds(ctx, targets, *rounds, func(ctx context.Context, t load.Target) (float64, error) {
			r, err := load.Echo(ctx, t, size, *conns, *duration)
			if size >= 4<<10 {
				return r.MBPerSec(), err
			}
			return r.MsgPerSec(), err
		})
		if err != nil {
			return err
		}
		unit := "MB/s"
		if size < 4<<10 {
			unit = "msg/s"
		}
		table(fmt.Sprintf("pipelined echo, %d B messages, %d connections, %s", size, *conns, unit), targets, res, "%.0f")
	}
	return nil
}

// runIdle measures idle memory: for each count and round, every target's
// server starts afresh (if wsload starts it) and is measured right after
// the connections are open.
func runIdle(ctx context.Context, targets []load.Target, execs pairs, ns []int, rounds int, settle time.Duration) error {
	for _, n := range ns {
		res, err := load.Rounds(ctx, targets, rounds, func(ctx context.Context, t load.Target) (float64, error) {
			var p *exec.Cmd
			if c, ok := execs[t.Name]; ok {
				var err error
				if p, err = start(ctx, c, t); err != nil {
					return 0, err
				}
				defer func() { p.Process.Kill(); p.Wait() }()
				t.PID = p.Process.Pid
			}
			if t.PID == 0 {
				return 0, fmt.Errorf("idle: no process for %s: give -exec or -pid", t.Name)
			}
			r, cs, err := load.Idle(ctx, t, n, settle)
			load.CloseAll(cs)
			return r.PerConn(), err
		})
		if err != nil {
			return err
		}
		table(fmt.Sprintf("idle memory, %d connections: server RSS growth per connection, KiB (right after they open, no forced GC)", n), targets, res, "%.2f")
	}
	return nil
}

// start runs a target's server and waits until it accepts connections.
func start(ctx context.Context, command string, t load.Target) (*exec.Cmd, error) {
	f := strings.Fields(command)
	p := exec.Command(f[0], f[1:]...)
	p.Stderr = os.Stderr
	if err := p.Start(); err != nil {
		return nil, err
	}
	host := strings.TrimPrefix(t.URL, "ws://")
	host, _, _ = strings.Cut(host, "/")
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", host, time.Second)
		if err == nil {
			c.Close()
			time.Sleep(100 * time.Millisecond) // let the probe's connection go
			return p, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			p.Process.Kill()
			p.Wait()
			return nil, fmt.Errorf("%s: server not listening at %s: %w", t.Name, host, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// table prints each target's median and rounds, and its ratio to the first
// target (the reference).
func table(title string, targets []load.Target, res [][]float64, format string) {
	fmt.Printf("\n## %s\n| target | median | ÷ %s | rounds |\n|---|---|---|---|\n", title, targets[0].Name)
	ref := load.Median(res[0])
	for i, t := range targets {
		m := load.Median(res[i])
		var rs []string
		for _, v := range res[i] {
			rs = append(rs, fmt.Sprintf(format, v))
		}
		fmt.Printf("| %s | "+format+" | %.2f | %s |\n", t.Name, m, m/ref, strings.Join(rs, " "))
	}
}

func ints(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// loadavg returns the machine's load averages, to note beside figures.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "load unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "load unknown"
	}
	return "load average " + strings.Join(f[:3], " ")
}
