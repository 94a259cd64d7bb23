package bench

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestRotate(t *testing.T) {
	t.Parallel()
	in := []string{"a", "b", "c"}
	for k, want := range [][]string{{"a", "b", "c"}, {"b", "c", "a"}, {"c", "a", "b"}, {"a", "b", "c"}} {
		if got := rotate(in, k); !slices.Equal(got, want) {
			t.Errorf("rotate(%v, %d) = %v, want %v", in, k, got, want)
		}
	}
	if in[0] != "a" {
		t.Errorf("rotate modified its argument: %v", in)
	}
}

func TestRatios(t *testing.T) {
	t.Parallel()
	res := []RequestsResult{
		{Mode: ModeHTTPClose, PerConn: 50, PerSecond: Spread{Median: 1000}},
		{Mode: ModeHTTPKeepAlive, PerConn: 50, PerSecond: Spread{Median: 4000}},
		{Mode: ModeWSRequests, PerConn: 50, PerSecond: Spread{Median: 6000}},
	}
	got := ratios(res, []int{50})
	if len(got) != 1 || got[0].WSOverNewConn != 6 || got[0].WSOverKeepAlive != 1.5 || got[0].Article != 1.5 {
		t.Errorf("ratios = %+v, want 6, 1.5 and the article's 1.5", got)
	}
	if a := ArticleClaims[2000].Ratio; math.Abs(a-3900.0/950) > 1e-9 {
		t.Errorf("article ratio at 2000 = %v, want 3900/950", a)
	}
}

func TestFormatSpread(t *testing.T) {
	t.Parallel()
	if got := formatSpread(Spread{2, 1, 3}, 1); got != "2.0 (1.0–3.0)" {
		t.Errorf("formatSpread = %q", got)
	}
	if got := formatSpread(Spread{2, 2, 2}, 0); got != "2" {
		t.Errorf("formatSpread of equal rounds = %q, want 2", got)
	}
}

func TestWriteMarkdownTimesWebSocket(t *testing.T) {
	t.Parallel()
	rep := &Report{Config: DefaultConfig(), Updates: []UpdatesResult{
		{Mode: ModePoll, Clients: 1, BytesPerUpdate: Spread{500, 500, 500}},
		{Mode: ModeWebSocket, Clients: 1, BytesPerUpdate: Spread{100, 100, 100}},
	}}
	var b strings.Builder
	if err := WriteMarkdown(&b, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| 1 | polling | 500 | 5.0 |") {
		t.Errorf("markdown lacks the polling row with 5.0 × WebSocket:\n%s", b.String())
	}
}
