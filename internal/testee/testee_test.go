package testee_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/rfc6455/ws/internal/conform"
	"github.com/rfc6455/ws/internal/testee"
)

// TestRun drives a whole run (count, cases, report update) against the
// fuzzing server with a few cases.
func TestRun(t *testing.T) {
	cases, err := conform.Select(conform.All(), "1.1.1,2.2,5.6,6.4.2,7.9.1", "")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	reported := make(chan []*conform.Result, 1)
	fs := &conform.FuzzingServer{Cases: cases, UpdateReports: func(agent string, rs []*conform.Result) {
		if agent == "test-agent" {
			reported <- rs
		}
	}}
	go fs.Serve(l)
	var lines int
	opts := &testee.Options{Agent: "test-agent", Logf: func(string, ...any) { lines++ }}
	if err := testee.Run(context.Background(), "ws://"+l.Addr().String()+"/", opts); err != nil {
		t.Fatal(err)
	}
	select {
	case rs := <-reported:
		if len(rs) != len(cases) {
			t.Fatalf("%d results reported, want %d", len(rs), len(cases))
		}
		for _, r := range rs {
			if r.Grade != conform.OK {
				t.Errorf("case %s: %s: %s", r.ID, r.Grade, r.Reason)
			}
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no /updateReports")
	}
	if lines == 0 {
		t.Error("Logf never called")
	}
}

// TestRunNoServer: a run that cannot reach the server is an error.
func TestRunNoServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := testee.Run(ctx, "ws://"+addr, nil); err == nil {
		t.Fatal("Run against a closed port succeeded")
	}
}
