package bench

import (
	"os"
	"testing"
)

func TestPreviewCharts(t *testing.T) {
	if os.Getenv("PREVIEW") == "" {
		t.Skip()
	}
	cfg := DefaultConfig()
	rep := &Report{Machine: CurrentMachine(), Config: cfg}
	bpu := map[string]float64{ModePoll: 600, ModeLongPoll: 230, ModeWebSocket: 30}
	for _, c := range cfg.Clients {
		for _, m := range UpdateModes {
			v := bpu[m] * (1 + float64(c)/500)
			rep.Updates = append(rep.Updates, UpdatesResult{Mode: m, Clients: c, BytesPerUpdate: Spread{v, v * 0.9, v * 1.2}})
		}
	}
	rps := map[string]float64{ModeHTTPClose: 3000, ModeHTTPKeepAlive: 9000, ModeWSRequests: 12000}
	for _, r := range cfg.PerConn {
		for _, m := range RequestModes {
			v := rps[m]
			if m == ModeWSRequests && r == 1 {
				v = 2500
			}
			rep.Requests = append(rep.Requests, RequestsResult{Mode: m, PerConn: r, PerSecond: Spread{v, v * 0.8, v * 1.1}})
		}
	}
	rep.Ratios = ratios(rep.Requests, cfg.PerConn)
	os.WriteFile("/tmp/preview.txt", nil, 0o644)
	if _, err := WriteFiles("/tmp/preview", rep); err != nil {
		t.Fatal(err)
	}
}
