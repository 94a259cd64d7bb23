// Package wscat is the logic of cmd/wscat, a command-line WebSocket client in
// the spirit of the well-known wscat: it connects to a ws:// or wss:// URL,
// sends each line of its input as a message, prints each message received on
// its own line as soon as it arrives, and on end of input closes with 1000
// and waits for the close handshake (RFC 6455, Section 7). With -frames it
// prints every frame sent and received, header fields spelled out, to watch
// the protocol work.
//
// Unlike a server, which bounds messages to protect itself from many
// peers, a command-line client talks to one server the user chose, so its
// read limit is large: DefaultReadLimit, 100 MiB, as Node's wscat accepts
// (-limit changes it). It offers permessage-deflate (RFC 7692) by default,
// as Node's wscat does (its ws client offers it unless told not to) and
// browsers do: a client that offers it costs nothing when the server
// declines, and receives large compressible messages in a fraction of the
// bytes when it accepts. -deflate=false offers nothing, to see a server's
// uncompressed frames with -frames (compressed ones show RSV=100 and their
// bytes in hex). -http2 opens the WebSocket on an HTTP/2 stream (RFC 8441)
// instead of the HTTP/1.1 Upgrade; with -frames the HTTP/2 frames are
// printed too ("> http2 DATA stream=1 len=11"), interleaved with the
// WebSocket frames they carry.
package wscat

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// Exit codes of Run.
const (
	ExitOK       = 0 // closed normally: 1000, or 1001 (going away)
	ExitFailed   = 1 // could not connect: dial error or refused handshake
	ExitUsage    = 2 // bad command line
	ExitAbnormal = 3 // the connection ended any other way: another close code, 1006, a close timeout
)

// DefaultReadLimit is the largest message wscat receives unless -limit
// says otherwise: 100 MiB, the default maxPayload of Node's ws, which
// Node's wscat keeps.
const DefaultReadLimit = 100 << 20

// Config is a parsed command line.
type Config struct {
	URL          string
	Subprotocols []string
	Header       http.Header
	Binary       bool          // send lines as binary messages
	Frames       bool          // trace every frame
	Insecure     bool          // skip TLS certificate verification
	Timeout      time.Duration // opening handshake bound
	ReadLimit    int64         // largest message received, in bytes; <0 means none (conn.Options.ReadLimit)
	Deflate      bool          // offer permessage-deflate (RFC 7692)
	HTTP2        bool          // WebSocket over HTTP/2 only (RFC 8441)
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ", ") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// ParseArgs parses the command line (without the program name). Errors and
// -h output go to stderr; -h returns flag.ErrHelp.
func ParseArgs(args []string, stderr io.Writer) (*Config, error) {
	fs := flag.NewFlagSet("wscat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var protocols, headers listFlag
	cfg := &Config{Header: http.Header{}}
	fs.Var(&protocols, "s", "offer this subprotocol (repeat for several, in preference order)")
	fs.Var(&headers, "H", `add a request header, "Name: value" (repeatable), e.g. -H "Origin: http://localhost"`)
	fs.BoolVar(&cfg.Binary, "binary", false, "send each line as a binary message instead of text")
	fs.BoolVar(&cfg.Frames, "frames", false, "print every frame sent (>) and received (<) with its header fields, on stderr")
	fs.BoolVar(&cfg.Insecure, "insecure", false, "do not verify the server's TLS certificate (wss:// to a test server)")
	fs.DurationVar(&cfg.Timeout, "timeout", conn.DefaultHandshakeTimeout, "bound on connecting and the opening handshake")
	fs.Int64Var(&cfg.ReadLimit, "limit", DefaultReadLimit, "largest message received, in bytes; a larger one closes with 1009 (<0: no limit)")
	fs.BoolVar(&cfg.HTTP2, "http2", false, "open the WebSocket over HTTP/2 (RFC 8441): TLS with ALPN h2 for wss://, h2c with prior knowledge for ws://; fails if the server does not enable extended CONNECT")
	fs.BoolVar(&cfg.Deflate, "deflate", true, "offer permessage-deflate compression (RFC 7692); -deflate=false offers nothing")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: wscat [flags] ws://host[:port]/path\n\n"+
			"Sends each line of standard input as a message and prints each message received.\n"+
			"At end of input it closes with 1000 and waits for the close handshake.\n"+
			"Exit status: 0 normal closure, 1 connection or handshake failed, 2 usage, 3 abnormal closure.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if cfg.ReadLimit == 0 {
		// conn.Options reads 0 as its own 64 KiB default.
		fmt.Fprintln(stderr, "wscat: -limit 0 would accept only empty messages; use -limit -1 for no limit")
		return nil, errors.New("wscat: -limit 0")
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return nil, errors.New("wscat: want exactly one URL")
	}
	if u := fs.Arg(0); !strings.HasPrefix(u, "ws://") && !strings.HasPrefix(u, "wss://") {
		fmt.Fprintf(stderr, "wscat: %q is not a ws:// or wss:// URL\n", u)
		return nil, fmt.Errorf("wscat: %q is not a ws:// or wss:// URL", u)
	}
	cfg.URL = fs.Arg(0)
	cfg.Subprotocols = protocols
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" || strings.ContainsAny(name, " \t") {
			fmt.Fprintf(stderr, "wscat: header %q is not \"Name: value\"\n", h)
			return nil, fmt.Errorf("wscat: header %q is not \"Name: value\"", h)
		}
		cfg.Header.Add(name, strings.TrimSpace(value))
	}
	return cfg, nil
}

// lockedWriter serialises lines written from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (lw *lockedWriter) line(s string) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	io.WriteString(lw.w, s+"\n")
}

// Run connects as cfg says and runs the session: stdin lines out, messages
// received to stdout (text as is, binary in hex), diagnostics and frame
// traces to stderr. Canceling ctx (an interrupt) ends the session like end
// of input. It returns the exit code.
func Run(ctx context.Context, cfg *Config, stdin io.Reader, stdout, stderr io.Writer) int {
	out := &lockedWriter{w: stdout}
	diag := &lockedWriter{w: stderr}
	opts := &conn.DialOptions{
		Options: conn.Options{
			ReadLimit:   cfg.ReadLimit,
			Compression: conn.Compression{Enable: cfg.Deflate},
		},
		Subprotocols:     cfg.Subprotocols,
		Header:           cfg.Header,
		HandshakeTimeout: cfg.Timeout,
	}
	if cfg.Insecure {
		opts.TLSConfig = &tls.Config{InsecureSkipVerify: true}
	}
	if cfg.HTTP2 {
		opts.HTTPVersion = conn.HTTP2
	}
	if cfg.Frames {
		opts.WrapConn = func(c net.Conn) net.Conn { return newTraceConn(c, diag.line) }
		// Over HTTP/2 the frames that carry the WebSocket are shown too, in
		// order: each DATA frame just before the WebSocket frames in it.
		opts.TraceHTTP2 = func(sent bool, f string) {
			arrow := "<"
			if sent {
				arrow = ">"
			}
			diag.line(arrow + " http2 " + f)
		}
	}
	ep, resp, err := conn.Dial(ctx, cfg.URL, opts)
	if err != nil {
		diag.line("wscat: " + err.Error())
		var re *handshake.ResponseError
		if errors.As(err, &re) && re.Response != nil {
			diag.line("wscat: server answered " + re.Response.Proto + " " + re.Response.Status)
			for _, k := range []string{"Content-Type", "Www-Authenticate", "Proxy-Authenticate", "Sec-Websocket-Version"} {
				if v := re.Response.Header.Get(k); v != "" {
					diag.line("wscat:   " + k + ": " + v)
				}
			}
			if len(re.Body) > 0 {
				diag.line("wscat: body: " + strings.TrimRight(string(re.Body), "\r\n"))
			}
		}
		return ExitFailed
	}
	msg := "wscat: connected (" + resp.Status
	if resp.ProtoMajor == 2 {
		msg = "wscat: connected over HTTP/2 (" + resp.Status
	}
	if p := ep.Subprotocol(); p != "" {
		msg += ", subprotocol " + p
	}
	if ep.Compressed() {
		msg += ", permessage-deflate"
	}
	diag.line(msg + "); end input (Ctrl-D) to close")

	// Reader: print each message as it arrives.
	readDone := make(chan error, 1)
	go func() {
		var buf []byte
		for {
			op, p, err := ep.ReadMessage(buf)
			if err != nil {
				readDone <- err
				return
			}
			if op == frame.OpBinary {
				out.line(hex.EncodeToString(p))
			} else {
				out.line(string(p))
			}
			buf = p
		}
	}()

	// Writer: each input line is a message.
	inputDone := make(chan error, 1)
	go func() {
		op := frame.OpText
		if cfg.Binary {
			op = frame.OpBinary
		}
		br := bufio.NewReader(stdin)
		for {
			line, err := br.ReadString('\n')
			if line != "" {
				line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
				if op == frame.OpText && !utf8.ValidString(line) {
					// A text message must be UTF-8 (RFC 6455, Section 5.6).
					diag.line("wscat: line is not UTF-8, not sent (use -binary)")
				} else if werr := ep.WriteMessage(op, []byte(line)); werr != nil {
					inputDone <- werr
					return
				}
			}
			if err != nil {
				if err == io.EOF {
					err = nil
				}
				inputDone <- err
				return
			}
		}
	}()

	var rerr error
	select {
	case rerr = <-readDone:
		// The server closed (or the connection dropped) first.
	case err := <-inputDone:
		if err != nil {
			diag.line("wscat: " + err.Error())
		}
		rerr = closeAndWait(ep, readDone, diag)
	case <-ctx.Done():
		rerr = closeAndWait(ep, readDone, diag)
	}
	return report(rerr, diag)
}

// closeAndWait starts the close handshake (RFC 6455, Section 7.1.2) with
// 1000 and returns how the reader saw the end. CloseWrite leaves the reading
// to the reader goroutine, so echoes of the last lines that arrive before
// the server's Close frame are still printed.
func closeAndWait(ep *conn.Endpoint, readDone chan error, diag *lockedWriter) error {
	if err := ep.CloseWrite(frame.CloseNormal, ""); err != nil {
		diag.line("wscat: close: " + err.Error())
	}
	return <-readDone
}

// report prints how the connection ended and returns the exit code.
func report(err error, diag *lockedWriter) int {
	var ce conn.CloseError
	if !errors.As(err, &ce) {
		diag.line("wscat: " + err.Error())
		return ExitAbnormal
	}
	msg := "wscat: closed: " + ce.Code.String()
	if ce.Reason != "" {
		msg += ": " + ce.Reason
	}
	if ce.Err != nil {
		msg += " (" + ce.Err.Error() + ")"
	}
	diag.line(msg)
	if ce.Err == nil && (ce.Code == frame.CloseNormal || ce.Code == frame.CloseGoingAway) {
		return ExitOK
	}
	return ExitAbnormal
}
