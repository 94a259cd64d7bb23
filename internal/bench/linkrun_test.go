package bench

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUpdatesOverLink runs the updates experiment through a 20 ms link,
// as `wsbench -rtt 20ms` does, and checks what a reader of its table
// relies on: every update reaches every client exactly once in every mode
// (updatesCell checks each Receiver); a WebSocket update takes the one-way
// delay, RTT/2, and less than a round trip; a polled one waits for the
// next poll as well; and the relay changes no byte: the clients, the server and the
// relay count the same bytes, and a WebSocket client's bytes are those of
// the same run on plain loopback.
func TestUpdatesOverLink(t *testing.T) {
	t.Parallel()
	const rtt, n, clients = 20 * time.Millisecond, 6, 3
	ts, err := startServer()
	if err != nil {
		t.Fatal(err)
	}
	defer ts.stop()
	relay, err := StartRelay(strings.TrimPrefix(ts.base, "http://"), Link{RTT: rtt})
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	// Updates every 50 ms, polls every 40 ms: a poll is back long before
	// the next one is due, and a long poll is back in place before the
	// next update.
	cfg := Config{Rate: 20, PollInterval: 40 * time.Millisecond, Size: 16}
	cfg.fill()
	direct := &runner{cfg: cfg, base: ts.base, ctlBase: ts.ctlBase, server: ts.counter, ctl: &http.Client{Timeout: time.Minute}}
	linked := *direct
	linked.base, linked.overLink = "http://"+relay.Addr(), true

	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	for _, mode := range UpdateModes {
		before := relay.Stats().Bytes
		s, err := linked.updatesCell(context.Background(), mode, clients, n)
		if err != nil {
			t.Fatalf("%s over the link: %v", mode, err)
		}
		if s.Delivered != n*clients {
			t.Errorf("%s: %d updates delivered, want %d", mode, s.Delivered, n*clients)
		}
		deadline := time.Now().Add(time.Second)
		for relay.Stats().Bytes-before < s.Bytes && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if rb := relay.Stats().Bytes - before; s.ServerBy != s.Bytes || rb != s.Bytes {
			t.Errorf("%s: the clients counted %d bytes, the server %d, the relay %d; want all equal", mode, s.Bytes, s.ServerBy, rb)
		}
		t.Logf("%s over %v: p50 %.1f ms, p99 %.1f ms, %d bytes, %d requests", mode, rtt, s.P50ms, s.P99ms, s.Bytes, s.Requests)
		switch mode {
		case ModeWebSocket:
			// Pushed at once: the one-way delay, plus the relay's timer
			// granularity and a loaded machine's scheduling, and less than
			// a round trip: no update waits for a request.
			if s.P50ms < ms(rtt/2-timerSlack) || s.P50ms >= ms(rtt) {
				t.Errorf("websocket: median latency %.1f ms, want RTT/2 = %.0f ms and under a round trip", s.P50ms, ms(rtt/2))
			}
			d, err := direct.updatesCell(context.Background(), mode, clients, n)
			if err != nil {
				t.Fatalf("websocket on loopback: %v", err)
			}
			if d.Bytes != s.Bytes {
				t.Errorf("websocket: %d bytes over the link, %d on loopback; the delay must not change them", s.Bytes, d.Bytes)
			}
		case ModeLongPoll:
			if s.P50ms < ms(rtt/2-timerSlack) || s.P50ms > ms(rtt+rtt/2+5*time.Millisecond) {
				t.Errorf("long-polling: median latency %.1f ms, want at least RTT/2 = %.0f ms and at most a round trip more", s.P50ms, ms(rtt/2))
			}
		case ModePoll:
			// An update waits for the next poll (uniformly up to P, so
			// P/2 at the median) and then the answer's one-way trip.
			if min := ms(rtt/2 + cfg.PollInterval/8); s.P50ms < min {
				t.Errorf("polling: median latency %.1f ms, want at least %.0f ms (RTT/2 + P/8)", s.P50ms, min)
			}
		}
	}
}

// TestRunOverLinks makes a short run through two links, as `wsbench -rtt`
// does, and checks the report and the files: a result per link with every
// mode, and the link tables and charts.
func TestRunOverLinks(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run skipped in -short mode")
	}
	t.Parallel()
	cfg := Config{
		Updates: 3, Rate: 50, Clients: []int{2}, PollInterval: 20 * time.Millisecond, Size: 16,
		PerConn: []int{1, 3}, Duration: 30 * time.Millisecond, Concurrency: 2, Rounds: 1, NoWarm: true,
		RunUpdates: true, RunRequests: true,
		RTTs: []time.Duration{0, 10 * time.Millisecond}, Bandwidth: 12_500_000,
	}
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Links) != 2 || len(rep.Updates) != 0 || len(rep.Idle) != 0 {
		t.Fatalf("report has %d links, %d plain updates, %d idle results; want 2, 0, 0", len(rep.Links), len(rep.Updates), len(rep.Idle))
	}
	for _, l := range rep.Links {
		if len(l.Updates) != 3 || len(l.Requests) != 6 || len(l.Ratios) != 2 {
			t.Errorf("link %v: %d updates, %d requests, %d ratios results; want 3, 6, 2", l.Link, len(l.Updates), len(l.Requests), len(l.Ratios))
		}
		if l.Relay.Conns == 0 || l.Relay.Bytes == 0 || l.Link.Bandwidth != cfg.Bandwidth {
			t.Errorf("link %v: relay stats %+v", l.Link, l.Relay)
		}
		if want := float64(l.Link.RTT) / 1e6; l.MeasuredRTTms < want-1 || l.MeasuredRTTms > want+5 {
			t.Errorf("link %v: measured RTT %.2f ms", l.Link, l.MeasuredRTTms)
		}
	}
	var table bytes.Buffer
	if err := WriteTable(&table, rep); err != nil || !strings.Contains(table.String(), "OVER AN EMULATED LINK") {
		t.Errorf("WriteTable: %v\n%s", err, table.String())
	}
	if strings.Contains(table.String(), "DISAGREE") {
		t.Errorf("byte counts disagree:\n%s", table.String())
	}
	dir := t.TempDir()
	paths, err := WriteFiles(dir, rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 5 {
		t.Errorf("WriteFiles wrote %v, want JSON, Markdown and 3 charts", paths)
	}
	for _, name := range []string{FileLinkLatency, FileLinkBytes, FileLinkRequests} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		checkSVG(t, name, f)
		f.Close()
	}
	b, err := os.ReadFile(filepath.Join(dir, FileJSON))
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(bytes.NewReader(b))
	if err != nil || len(back.Links) != 2 || len(back.Links[1].Ratios) != 2 || back.Config.RTTs[1] != 10*time.Millisecond {
		t.Fatalf("ReadJSON: %v, %d links", err, len(back.Links))
	}
	md, err := os.ReadFile(filepath.Join(dir, FileMarkdown))
	if err != nil || !bytes.Contains(md, []byte("| RTT ms | clients | mode |")) {
		t.Errorf("Markdown lacks the link updates table: %v\n%s", err, md)
	}
}
