package conform_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/internal/conform"
	"github.com/rfc6455/ws/internal/testee"
)

func TestClientSuite(t *testing.T) {
	t.Parallel() // runs beside TestServerSuite; cases within a suite run in order
	cases := suiteCases(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fs := &conform.FuzzingServer{Cases: cases, Options: runOptions("")}
	go fs.Serve(l)
	base := "ws://" + l.Addr().String()
	agent := "rfc6455-ws client"
	topts := &testee.Options{Agent: agent, Dial: &conn.DialOptions{}}
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
