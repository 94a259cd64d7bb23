package bench

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// LinkResult is a run of the experiments through one emulated link.
type LinkResult struct {
	Link Link `json:"link"`
	// MeasuredRTTms is the median round trip of one-byte exchanges
	// through a relay with this link, measured just before the run
	// (MeasureRTT): what the clients actually got.
	MeasuredRTTms float64          `json:"measured_rtt_ms"`
	Updates       []UpdatesResult  `json:"updates,omitempty"`
	Requests      []RequestsResult `json:"requests,omitempty"`
	Ratios        []Ratio          `json:"ratios,omitempty"`
	Relay         RelayStats       `json:"relay"`         // what the relay carried, warm-up included
	RelayProcess  bool             `json:"relay_process"` // the relay ran in a child process: its CPU time is not in the figures
	Seconds       float64          `json:"seconds"`
}

// DefaultLinkConfig returns the defaults of `wsbench -rtt`: both
// experiments at round trips of 0, 20 and 100 ms, in about three minutes
// on a 2-core machine.
//
// The update pace is slower than on loopback so that a 100 ms round trip
// still leaves polling its meaning: a poll every 125 ms takes 100 ms to
// come back, so polls do not queue up behind each other (with a shorter
// interval than the round trip, polling turns into back-to-back requests,
// one per RTT). Updates come every 250 ms, two polling intervals, so that
// as on loopback about every second poll finds nothing. Ten clients: the
// round trip, not the client count, is what changes here. Requests are
// swept over R = 1, 10 and 50, where the article makes its claims: at
// 100 ms a connection carrying 50 exchanges lasts over 5 s, and a
// connection begun is finished.
func DefaultLinkConfig() Config {
	c := DefaultConfig()
	c.RTTs = []time.Duration{0, 20 * time.Millisecond, 100 * time.Millisecond}
	c.Updates = 8
	c.Rate = 4
	c.PollInterval = 125 * time.Millisecond
	c.Clients = []int{10}
	c.PerConn = []int{1, 10, 50}
	c.Duration = 500 * time.Millisecond
	return c
}

// overLinks runs the configured experiments once per round-trip time,
// each time through a new Relay between the clients and the measured
// endpoints; control requests still go straight to the server.
func (r *runner) overLinks(ctx context.Context, rep *Report) error {
	cfg := r.cfg
	direct := r.base
	target := strings.TrimPrefix(direct, "http://")
	r.overLink = true
	defer func() { r.base, r.overLink, r.label = direct, false, "" }()
	for i, rtt := range cfg.RTTs {
		t0 := time.Now()
		link := Link{RTT: rtt, Bandwidth: cfg.Bandwidth}
		lr := LinkResult{Link: link}
		_, med, err := MeasureRTT(link, 7)
		if err != nil {
			return fmt.Errorf("measuring the round trip of %v: %w", link, err)
		}
		lr.MeasuredRTTms = float64(med) / 1e6
		var stop func() (RelayStats, error)
		if len(cfg.RelayCommand) > 0 {
			p, err := startRelayProcess(cfg.RelayCommand, target, link)
			if err != nil {
				return err
			}
			r.base, stop, lr.RelayProcess = "http://"+p.addr, p.stop, true
		} else {
			relay, err := StartRelay(target, link)
			if err != nil {
				return err
			}
			r.base = "http://" + relay.Addr()
			stop = func() (RelayStats, error) { relay.Close(); return relay.Stats(), nil }
		}
		r.label = fmt.Sprintf("RTT %v (%d/%d) ", rtt, i+1, len(cfg.RTTs))
		if cfg.RunUpdates {
			lr.Updates, _, err = r.updates(ctx)
		}
		if err == nil && cfg.RunRequests {
			lr.Requests, err = r.requests(ctx)
			lr.Ratios = ratios(lr.Requests, cfg.PerConn)
		}
		st, serr := stop()
		if err == nil {
			err = serr
		}
		if err != nil {
			return fmt.Errorf("RTT %v: %w", rtt, err)
		}
		lr.Relay = st
		lr.Seconds = time.Since(t0).Seconds()
		rep.Links = append(rep.Links, lr)
	}
	return nil
}
