package bench

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestPreviewTiming(t *testing.T) {
	if os.Getenv("PREVIEW") == "" {
		t.Skip()
	}
	r := testRunner(t, DefaultConfig())
	for _, c := range []int{1, 10, 50} {
		for _, m := range []string{ModePoll, ModeLongPoll} {
			t0 := time.Now()
			s, err := r.updatesCell(context.Background(), m, c, 20)
			t.Logf("%s C=%d %v: %+v bpu=%.0f err=%v", m, c, time.Since(t0), s, float64(s.Bytes)/float64(s.Delivered), err)
		}
	}
	p := make([]byte, 64)
	for _, pc := range []int{1, 10, 2000} {
		for _, m := range []string{ModeHTTPClose, ModeHTTPKeepAlive} {
			s, err := r.requestsCell(context.Background(), m, pc, 300*time.Millisecond, p)
			t.Logf("%s R=%d: %.0f req/s %+v %v", m, pc, float64(s.Requests)/s.Seconds, s, err)
		}
	}
}
