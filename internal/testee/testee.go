// Package testee is the client testee for Autobahn-style fuzzing servers
// (the Autobahn|Testsuite's fuzzingserver mode, or wsconform client). It
// drives this library's client, conn.Dial, through the fuzzing server's URL
// protocol: /getCaseCount (a text message holding the number of cases), then
// /runCase?case=N&agent=NAME for N = 1..count, echoing every message with its
// type until the server ends the connection, then /updateReports?agent=NAME.
//
// The testee does nothing clever: every protocol decision (UTF-8 checks,
// close codes, control frames between fragments) is package conn's, which is
// what the fuzzing server grades.
package testee

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
)

// DefaultReadLimit is the message size limit the testee uses when
// Options.Dial sets none: the largest case (9.1.6, 9.2.6) sends 16 MiB.
const DefaultReadLimit = 64 << 20

// Options configures the testee. The zero value (and nil) uses the agent
// name "rfc6455-ws" and conn's defaults with DefaultReadLimit.
type Options struct {
	Agent string            // agent name sent to the fuzzing server
	Dial  *conn.DialOptions // options for every connection (copied); nil for defaults
	// Logf, if set, receives one line per case and per problem.
	Logf func(format string, args ...any)
	// CaseTimeout bounds one case's connection (default 20 minutes: the
	// catalogue's longest deadline is 1000 s, for 9.5/9.6).
	CaseTimeout time.Duration
}

func (o *Options) agent() string {
	if o == nil || o.Agent == "" {
		return "rfc6455-ws"
	}
	return o.Agent
}

func (o *Options) logf(format string, args ...any) {
	if o != nil && o.Logf != nil {
		o.Logf(format, args...)
	}
}

func (o *Options) dial() *conn.DialOptions {
	var d conn.DialOptions
	if o != nil && o.Dial != nil {
		d = *o.Dial
	}
	if d.ReadLimit == 0 {
		d.ReadLimit = DefaultReadLimit
	}
	return &d
}

func (o *Options) caseTimeout() time.Duration {
	if o == nil || o.CaseTimeout <= 0 {
		return 20 * time.Minute
	}
	return o.CaseTimeout
}

func endpointURL(base, path string, q url.Values) string {
	u := strings.TrimRight(base, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// CaseCount asks the fuzzing server at base (ws://HOST:PORT) how many cases it runs.
func CaseCount(ctx context.Context, base string, opts *Options) (int, error) {
	ep, _, err := conn.Dial(ctx, endpointURL(base, "/getCaseCount", nil), opts.dial())
	if err != nil {
		return 0, fmt.Errorf("testee: getCaseCount: %w", err)
	}
	defer ep.Close(frame.CloseNormal, "")
	ep.SetReadDeadline(time.Now().Add(30 * time.Second))
	op, p, err := ep.ReadMessage(nil)
	if err != nil {
		return 0, fmt.Errorf("testee: getCaseCount: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(p)))
	if op != frame.OpText || err != nil || n < 0 {
		return 0, fmt.Errorf("testee: getCaseCount: bad answer %q", p)
	}
	// Read on until the server closes, so that its close is answered.
	for {
		if _, _, err := ep.ReadMessage(nil); err != nil {
			return n, nil
		}
	}
}

// RunCase runs case n (1-based): it echoes every message, with its type,
// until the connection ends. The end of the connection, however it comes
// (close frame, failed connection, dropped TCP), is the normal end of a
// case, not an error; only a failed opening handshake is.
func RunCase(ctx context.Context, base string, n int, opts *Options) error {
	ctx, cancel := context.WithTimeout(ctx, opts.caseTimeout())
	defer cancel()
	q := url.Values{"case": {strconv.Itoa(n)}, "agent": {opts.agent()}}
	ep, _, err := conn.Dial(ctx, endpointURL(base, "/runCase", q), opts.dial())
	if err != nil {
		return fmt.Errorf("testee: case %d: %w", n, err)
	}
	stop := context.AfterFunc(ctx, func() { ep.Close(frame.CloseGoingAway, "testee timeout") })
	defer stop()
	var buf []byte
	for {
		op, p, err := ep.ReadMessage(buf)
		if err != nil {
			opts.logf("case %d: connection ended: %v (close status %d)", n, err, conn.CloseStatus(err))
			ep.Close(frame.CloseNormal, "")
			return nil
		}
		if err := ep.WriteMessage(op, p); err != nil {
			opts.logf("case %d: write: %v", n, err)
			ep.Close(frame.CloseNormal, "")
			return nil
		}
		buf = p[:0]
	}
}

// UpdateReports tells the fuzzing server the agent is done, so it writes
// its reports.
func UpdateReports(ctx context.Context, base string, opts *Options) error {
	q := url.Values{"agent": {opts.agent()}}
	ep, _, err := conn.Dial(ctx, endpointURL(base, "/updateReports", q), opts.dial())
	if err != nil {
		return fmt.Errorf("testee: updateReports: %w", err)
	}
	ep.SetReadDeadline(time.Now().Add(5 * time.Minute))
	for {
		if _, _, err := ep.ReadMessage(nil); err != nil {
			ep.Close(frame.CloseNormal, "")
			return nil
		}
	}
}

// Run does the whole run against the fuzzing server at base: the case
// count, every case in order, then the report update. It returns an error
// if the count or the report update failed or a case could not connect;
// nil means the run completed (the grades are the server's business).
func Run(ctx context.Context, base string, opts *Options) error {
	n, err := CaseCount(ctx, base, opts)
	if err != nil {
		return err
	}
	opts.logf("%d cases", n)
	var errs []error
	for i := 1; i <= n; i++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		start := time.Now()
		if err := RunCase(ctx, base, i, opts); err != nil {
			opts.logf("%v", err)
			errs = append(errs, err)
			continue
		}
		opts.logf("case %d/%d done in %v", i, n, time.Since(start).Round(time.Millisecond))
	}
	if err := UpdateReports(ctx, base, opts); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
