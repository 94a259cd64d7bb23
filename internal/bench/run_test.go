package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func testRunner(t *testing.T, cfg Config) *runner {
	t.Helper()
	ts, err := startServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.stop)
	cfg.fill()
	return &runner{cfg: cfg, base: ts.base, ctlBase: ts.ctlBase, server: ts.counter, ctl: &http.Client{Timeout: time.Minute}}
}

// TestUpdatesExactlyOnce runs each mode with several clients: every client
// gets every update once, in order (updatesCell checks each Receiver).
func TestUpdatesExactlyOnce(t *testing.T) {
	t.Parallel()
	const n, clients = 12, 3
	r := testRunner(t, Config{Rate: 200, PollInterval: 7 * time.Millisecond, Size: 10})
	for _, mode := range UpdateModes {
		s, err := r.updatesCell(context.Background(), mode, clients, n)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if s.Delivered != n*clients {
			t.Errorf("%s: delivered %d, want %d", mode, s.Delivered, n*clients)
		}
		if s.ServerBy != s.Bytes {
			t.Errorf("%s: clients counted %d bytes, the server %d", mode, s.Bytes, s.ServerBy)
		}
		if s.Bytes <= n*clients*(recordHeaderLen+10) {
			t.Errorf("%s: %d bytes on the wire, fewer than the payloads alone", mode, s.Bytes)
		}
		switch mode {
		case ModeWebSocket:
			if s.Requests != clients || s.Empty != 0 || s.Conns != clients {
				t.Errorf("%s: requests %d, empty %d, conns %d; want %d, 0, %d", mode, s.Requests, s.Empty, s.Conns, clients, clients)
			}
		default:
			if s.Requests < clients || s.Conns != clients {
				t.Errorf("%s: requests %d, conns %d; want >= %d and %d (keep-alive)", mode, s.Requests, s.Conns, clients, clients)
			}
		}
		if !(s.P50ms > 0 && s.P99ms >= s.P50ms) {
			t.Errorf("%s: latency p50 %v ms, p99 %v ms", mode, s.P50ms, s.P99ms)
		}
	}
}

// TestRunEndToEnd makes a short full run and checks the files it writes:
// JSON that decodes into a Report, SVGs that are well-formed XML.
//
// It is not parallel: its idle-memory cells read the process's heap, which
// the package's parallel tests (the relay's among them) would grow and
// shrink under it (CI once saw -2.8 KiB per waiting client). Go runs the
// parallel tests only after the sequential ones have finished.
func TestRunEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run skipped in -short mode")
	}
	cfg := Config{
		Updates: 4, Rate: 100, Clients: []int{1, 2}, PollInterval: 10 * time.Millisecond, Size: 16, IdleClients: 20,
		PerConn: []int{1, 10}, Duration: 30 * time.Millisecond, Concurrency: 2, Rounds: 2,
		RunUpdates: true, RunRequests: true,
	}
	var lines int
	cfg.Progress = func(string) { lines++ }
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := (3*2*2 + 3 + 3*2) + (3*2*2 + 3); lines != want {
		t.Errorf("%d progress lines, want %d", lines, want)
	}
	if len(rep.Updates) != 6 || len(rep.Requests) != 6 || len(rep.Ratios) != 2 {
		t.Fatalf("report has %d updates, %d requests, %d ratios results; want 6, 6, 2", len(rep.Updates), len(rep.Requests), len(rep.Ratios))
	}
	if len(rep.Idle) != 3 {
		t.Fatalf("report has %d idle results, want 3", len(rep.Idle))
	}
	for _, m := range rep.Idle {
		// Every mode holds at least a connection and a goroutine per client.
		if m.KiBPerClient.Median <= 0 || m.GoroutinesPerClient.Min < 1 {
			t.Errorf("%s: %+v KiB and %+v goroutines per waiting client", m.Mode, m.KiBPerClient, m.GoroutinesPerClient)
		}
	}
	var table bytes.Buffer
	if err := WriteTable(&table, rep); err != nil || table.Len() == 0 {
		t.Fatalf("WriteTable: %v, %d bytes", err, table.Len())
	}
	dir := t.TempDir()
	paths, err := WriteFiles(dir, rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 5 {
		t.Errorf("WriteFiles wrote %v, want 5 files", paths)
	}
	b, err := os.ReadFile(filepath.Join(dir, FileJSON))
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("JSON does not decode: %v", err)
	}
	again, err := ReadJSON(bytes.NewReader(b))
	if err != nil || len(again.Requests) != len(rep.Requests) {
		t.Fatalf("ReadJSON = %v", err)
	}
	if back.Machine.NumCPU < 1 || len(back.Updates) != 6 || back.Updates[0].Rounds == nil || len(back.Updates[0].Rounds) != 2 {
		t.Errorf("decoded report is missing data: %+v", back.Machine)
	}
	for _, rq := range back.Requests {
		for _, s := range rq.Rounds {
			if s.ServerBy != s.Bytes {
				t.Errorf("%s/%d: clients counted %d bytes, the server %d", rq.Mode, rq.PerConn, s.Bytes, s.ServerBy)
			}
		}
	}
	for _, u := range back.Updates {
		for _, s := range u.Rounds {
			if s.ServerBy != s.Bytes {
				t.Errorf("%s/%d: clients counted %d bytes, the server %d", u.Mode, u.Clients, s.Bytes, s.ServerBy)
			}
		}
		if u.BytesPerUpdate.Median <= 0 || u.BytesPerUpdate.Min > u.BytesPerUpdate.Median || u.BytesPerUpdate.Median > u.BytesPerUpdate.Max {
			t.Errorf("%s/%d: bytes per update %+v", u.Mode, u.Clients, u.BytesPerUpdate)
		}
	}
	for _, name := range []string{FileUpdates, FileRequests, FileRatios} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		checkSVG(t, name, f)
		f.Close()
	}
}

// checkSVG parses r as XML and checks the root is an svg element with some
// drawing in it.
func checkSVG(t *testing.T, name string, r io.Reader) {
	t.Helper()
	dec := xml.NewDecoder(r)
	var root string
	elems := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Errorf("%s: not well-formed XML: %v", name, err)
			return
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
				if se.Name.Space != "http://www.w3.org/2000/svg" {
					t.Errorf("%s: root namespace %q", name, se.Name.Space)
				}
			}
			elems++
		}
	}
	if root != "svg" || elems < 20 {
		t.Errorf("%s: root %q with %d elements, want svg with a chart", name, root, elems)
	}
}

// TestRunAgainstAddr runs the clients against a server at an address, as
// `wsbench -addr` does against `wsbench -serve`: control requests share
// the server's one listener and only the clients count bytes.
func TestRunAgainstAddr(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer()
	hs := srv.Serve(l)
	defer func() { srv.Close(); hs.Close() }()
	rep, err := Run(context.Background(), Config{
		Addr: l.Addr().String(), Updates: 3, Rate: 100, Clients: []int{2}, PollInterval: 10 * time.Millisecond,
		PerConn: []int{5}, Duration: 20 * time.Millisecond, Concurrency: 1, Rounds: 1, NoWarm: true,
		RunUpdates: true, RunRequests: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Machine.Server != l.Addr().String() || len(rep.Updates) != 3 || len(rep.Requests) != 3 {
		t.Fatalf("report: server %q, %d updates and %d requests results", rep.Machine.Server, len(rep.Updates), len(rep.Requests))
	}
	for _, u := range rep.Updates {
		if s := u.Rounds[0]; s.Delivered != 6 || s.Bytes == 0 || s.ServerBy != 0 {
			t.Errorf("%s: delivered %d, %d bytes, server bytes %d; want 6, some, 0", u.Mode, s.Delivered, s.Bytes, s.ServerBy)
		}
	}
	if c := countCheck(rep); c != "" {
		t.Errorf("countCheck = %q for a server elsewhere, want none", c)
	}
}
