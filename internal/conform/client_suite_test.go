package conform_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/internal/conform"
	"github.com/rfc6455/ws/internal/testee"
)

func TestClientSuite(t *testing.T) {
	t.Parallel() // runs beside TestServerSuite; cases within a suite run in order
	clientSuite(t, suiteCases(t), runOptions(""), &conn.DialOptions{}, false)
}

// clientSuite runs cases with our client testee (internal/testee over
// conn.Dial, options dial) against our fuzzing server, as Autobahn's
// fuzzingserver drives a client: the case count, each case, then the
// report update. With http2 the fuzzing server also speaks cleartext
// HTTP/2 (FuzzingServer.ServeBoth) and the client dials every case with
// conn.HTTP2: an RFC 8441 stream on an h2c connection of its own.
func clientSuite(t *testing.T, cases []*conform.Case, fsOpts *conform.Options, dial *conn.DialOptions, http2 bool) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fs := &conform.FuzzingServer{Cases: cases, Options: fsOpts}
	if http2 {
		hs := conform.NewHTTP2Server(fs, nil)
		defer hs.Close()
		go fs.ServeBoth(l, hs)
		d := *dial
		d.HTTPVersion = conn.HTTP2
		dial = &d
	} else {
		go fs.Serve(l)
	}
	base := "ws://" + l.Addr().String()
	agent := "rfc6455-ws client"
	topts := &testee.Options{Agent: agent, Dial: dial}
	ctx := context.Background()
	n, err := testee.CaseCount(ctx, base, topts)
	if err != nil || n != len(cases) {
		t.Fatalf("CaseCount = %d, %v; want %d", n, err, len(cases))
	}
	start := time.Now()
	for i, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			if why, ok := skip["client "+c.ID]; ok {
				t.Skip(why)
			}
			if err := testee.RunCase(ctx, base, i+1, topts); err != nil {
				t.Fatal(err)
			}
			// The fuzzing server records the result after the connection ends.
			deadline := time.Now().Add(5 * time.Second)
			for {
				if r := result(fs, agent, c.ID); r != nil {
					check(t, agent, r)
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("no result recorded for case %s", c.ID)
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	reported := make(chan int, 1)
	fs.UpdateReports = func(a string, rs []*conform.Result) { reported <- len(rs) }
	if err := testee.UpdateReports(ctx, base, topts); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-reported:
		if got != len(cases) {
			t.Errorf("updateReports saw %d results, want %d", got, len(cases))
		}
	case <-time.After(5 * time.Second):
		t.Error("updateReports never reached the fuzzing server")
	}
	logSummary(t, "client", fs.Results(agent), time.Since(start))
}

// TestCaseInfoAndStatus reads Autobahn's informational endpoints with our client.
func TestCaseInfoAndStatus(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fs := &conform.FuzzingServer{Cases: []*conform.Case{conform.Lookup("2.1")}}
	go fs.Serve(l)
	base := "ws://" + l.Addr().String()
	ctx := context.Background()
	get := func(path string) string {
		ep, _, err := conn.Dial(ctx, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ep.Close(1000, "")
		_, p, err := ep.ReadMessage(nil)
		if err != nil {
			t.Fatal(err)
		}
		return string(p)
	}
	if got := get("/getCaseInfo?case=1"); !strings.Contains(got, `"id":"2.1"`) {
		t.Errorf("getCaseInfo = %s", got)
	}
	if got := get("/getCaseStatus?case=1&agent=x"); got != `{"behavior":"UNKNOWN"}` {
		t.Errorf("getCaseStatus before the run = %s", got)
	}
	if err := testee.RunCase(ctx, base, 1, &testee.Options{Agent: "x"}); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if got := get("/getCaseStatus?case=1&agent=x"); got == `{"behavior":"OK"}` {
			return
		}
	}
	t.Error(`getCaseStatus never said {"behavior":"OK"}`)
}
