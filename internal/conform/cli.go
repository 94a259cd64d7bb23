package conform

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sync"

	"github.com/rfc6455/ws/internal/tlscert"
)

const usage = `usage:
  wsconform server [flags] ws://HOST:PORT/PATH   test an echo server (the fuzzer is the client)
  wsconform server -http2 [-insecure] ws://... or wss://...
                                                  the same over HTTP/2 (RFC 8441): h2c with prior
                                                  knowledge for ws://, TLS with ALPN h2 for wss://
  wsconform client [flags] [-addr HOST:PORT]      test a client testee (the fuzzer is the server,
                                                  Autobahn URL protocol: /getCaseCount, /runCase, /updateReports)
  wsconform client -http2 [-tls HOST:PORT]        also serve it over HTTP/2: h2c on -addr beside
                                                  HTTP/1.1, and TLS (ALPN h2, self-signed) on -tls
  wsconform list [-cases P] [-exclude P]          list the cases

Case patterns are comma-separated; * matches anything: -cases '1.*,5.*' -exclude '9.*'.
Exit status: 0 when no case FAILED, 1 when one did, 2 on bad usage or I/O errors.
`

// CLI runs the wsconform command with args (without the program name) and
// returns the exit status.
func CLI(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	mode, args := args[0], args[1:]
	fs := flag.NewFlagSet("wsconform "+mode, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	cases := fs.String("cases", "*", "cases to run (comma-separated patterns)")
	exclude := fs.String("exclude", "", "cases to skip (comma-separated patterns)")
	report := fs.String("report", "", "report directory (default reports/servers or reports/clients)")
	agent := fs.String("agent", "", "name of the server under test in reports (server mode)")
	addr := fs.String("addr", "127.0.0.1:9001", "listen address (client mode)")
	once := fs.Bool("once", true, "client mode: exit after the first /updateReports")
	maxSize := fs.Int64("max-size", 0, "cap the message sizes of group 9 (0: catalogue sizes)")
	verbose := fs.Bool("v", false, "print every case's result, not only the failures")
	closeTimeout := fs.Duration("close-timeout", DefaultCloseTimeout, "wait for the peer's close frame after the fuzzer's")
	dropTimeout := fs.Duration("drop-timeout", DefaultDropTimeout, "server mode: wait for the server to close TCP after the closing handshake")
	http2 := fs.Bool("http2", false, "run the cases over HTTP/2 extended CONNECT streams (RFC 8441)")
	insecure := fs.Bool("insecure", false, "server mode, wss://: do not verify the server's certificate")
	tlsAddr := fs.String("tls", "", "client mode with -http2: also listen for TLS (HTTP/2 by ALPN h2, self-signed certificate) on this address")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *tlsAddr != "" && (!*http2 || mode != "client") {
		fmt.Fprintln(stderr, "wsconform: -tls is for client mode with -http2")
		return 2
	}
	selected, err := Select(All(), *cases, *exclude)
	if err != nil {
		fmt.Fprintln(stderr, "wsconform:", err)
		return 2
	}
	opts := &Options{Agent: *agent, MaxMessageSize: *maxSize, CloseTimeout: *closeTimeout, DropTimeout: *dropTimeout}
	if mode == "server" && *http2 {
		opts.HTTP2 = true
		if *insecure {
			opts.TLSConfig = &tls.Config{InsecureSkipVerify: true}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	switch mode {
	case "list":
		for _, c := range selected {
			fmt.Fprintf(stdout, "%-8s %s\n", c.ID, c.Description)
		}
		return 0
	case "server":
		if fs.NArg() != 1 {
			fmt.Fprint(stderr, usage)
			return 2
		}
		parse := ParseServerURL
		if *http2 {
			parse = parseServerURLH2
		}
		u, err := parse(fs.Arg(0))
		if err != nil {
			fmt.Fprintln(stderr, "wsconform:", err)
			return 2
		}
		if opts.Agent == "" {
			if pu, err := url.Parse(u); err == nil {
				opts.Agent = pu.Host
			}
		}
		dir := *report
		if dir == "" {
			dir = filepath.Join("reports", "servers")
		}
		over := ""
		if *http2 {
			over = " over HTTP/2 (RFC 8441)"
		}
		fmt.Fprintf(stderr, "wsconform: %d cases against %s%s\n", len(selected), u, over)
		p := newProgress(stderr, *verbose)
		results := RunServer(ctx, u, selected, opts, func(i, n int, r *Result) { p.print(i, n, r) })
		p.done()
		return finish(stdout, stderr, dir, "wsconform: server "+u+over, results)
	case "client":
		if fs.NArg() != 0 {
			fmt.Fprint(stderr, usage)
			return 2
		}
		dir := *report
		if dir == "" {
			dir = filepath.Join("reports", "clients")
		}
		l, err := net.Listen("tcp", *addr)
		if err != nil {
			fmt.Fprintln(stderr, "wsconform:", err)
			return 2
		}
		defer l.Close()
		if *http2 && !xconnectEnabled() {
			fmt.Fprintln(stderr, "wsconform: -http2:", errNoXConnect)
			return 2
		}
		var tl net.Listener
		var tlsConfig *tls.Config
		if *tlsAddr != "" {
			if tlsConfig, err = tlscert.Config("", ""); err == nil {
				tl, err = net.Listen("tcp", *tlsAddr)
			}
			if err != nil {
				fmt.Fprintln(stderr, "wsconform:", err)
				return 2
			}
			defer tl.Close()
		}
		fmt.Fprintf(stderr, "wsconform: fuzzing server on ws://%s with %d cases; run the client testee against it\n", l.Addr(), len(selected))
		if *http2 {
			fmt.Fprintf(stderr, "wsconform: also over HTTP/2 (RFC 8441): h2c with prior knowledge on ws://%s\n", l.Addr())
		}
		if tl != nil {
			fmt.Fprintf(stderr, "wsconform: and TLS with ALPN h2 (self-signed certificate) on wss://%s\n", tl.Addr())
		}
		status := make(chan int, 1)
		var mu sync.Mutex
		p := newProgress(stderr, *verbose)
		srv := &FuzzingServer{Cases: selected, Options: opts,
			Progress: func(agent string, i, n int, r *Result) {
				mu.Lock()
				p.print(i, n, r)
				mu.Unlock()
			},
			UpdateReports: func(agent string, results []*Result) {
				mu.Lock()
				p.done()
				st := finish(stdout, stderr, dir, "wsconform: client "+agent, results)
				mu.Unlock()
				if *once {
					select {
					case status <- st:
					default:
					}
				}
			}}
		if *http2 {
			hs := NewHTTP2Server(srv, tlsConfig)
			defer hs.Close()
			go srv.ServeBoth(l, hs)
			if tl != nil {
				go hs.ServeTLS(tl, "", "")
			}
		} else {
			go srv.Serve(l)
		}
		select {
		case st := <-status:
			return st
		case <-ctx.Done():
			fmt.Fprintln(stderr, "wsconform: interrupted")
			return 2
		}
	}
	fmt.Fprint(stderr, usage)
	return 2
}

// finish prints the summary, writes the reports and returns the exit status.
func finish(stdout, stderr io.Writer, dir, title string, results []*Result) int {
	sum := Summarize(results)
	fmt.Fprintln(stdout, title)
	sum.WriteTable(stdout)
	for _, r := range results {
		if r.Grade == Failed {
			fmt.Fprintf(stdout, "FAILED %s: %s\n", r.ID, r.Reason)
		}
	}
	if err := WriteReports(dir, title, results); err != nil {
		fmt.Fprintln(stderr, "wsconform: report:", err)
		return 2
	}
	fmt.Fprintf(stdout, "reports: %s (index.html, index.json)\n", dir)
	if sum.Failed() > 0 || len(results) == 0 {
		return 1
	}
	return 0
}

// progress prints one line per FAILED case (every case with -v) and, on a
// terminal, a progress line rewritten in place.
type progress struct {
	w       io.Writer
	verbose bool
	tty     bool
	line    bool
	group   string
}

func newProgress(w io.Writer, verbose bool) *progress {
	p := &progress{w: w, verbose: verbose}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) print(i, n int, r *Result) {
	if p.verbose || r.Grade == Failed {
		p.done()
		fmt.Fprintf(p.w, "%-8s %-13s %8.1f ms  %s\n", r.ID, r.Grade, r.DurationMS, r.Reason)
		return
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r[%d/%d] %-8s %-13s", i, n, r.ID, r.Grade)
		p.line = true
		return
	}
	if g := Group(r.ID); g != p.group {
		p.group = g
		fmt.Fprintf(p.w, "[%d/%d] group %s\n", i, n, g)
	}
}

func (p *progress) done() {
	if p.line {
		fmt.Fprintln(p.w)
		p.line = false
	}
}
