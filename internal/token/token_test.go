package token

import (
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestContains(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []string
		tok    string
		want   bool
	}{
		{"exact", []string{"Upgrade"}, "Upgrade", true},
		{"case-insensitive", []string{"upgrade"}, "Upgrade", true},
		{"in a list", []string{"keep-alive, Upgrade"}, "upgrade", true},
		{"tabs and spaces", []string{"keep-alive,\t UPGRADE \t"}, "upgrade", true},
		{"repeated header", []string{"keep-alive", "Upgrade"}, "upgrade", true},
		{"empty elements ignored", []string{",, ,Upgrade,"}, "upgrade", true},
		{"absent", []string{"keep-alive"}, "upgrade", false},
		{"prefix is not a match", []string{"Upgraded"}, "upgrade", false},
		{"substring is not a match", []string{"keep-alive Upgrade"}, "upgrade", false},
		{"no values", nil, "upgrade", false},
		{"empty token never matches an empty list", []string{""}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Contains(tt.values, tt.tok); got != tt.want {
				t.Errorf("Contains(%q, %q) = %v, want %v", tt.values, tt.tok, got, tt.want)
			}
		})
	}
}

func TestIsToken(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"websocket", "permessage-deflate", "x!#$%&'*+-.^_`|~9"} {
		if !IsToken(s) {
			t.Errorf("IsToken(%q) = false, want true", s)
		}
	}
	for _, s := range []string{"", "a b", "a,b", "a;b", "a=b", `"a"`, "a\x00", "ä", "a/b", "(a)", "a\t"} {
		if IsToken(s) {
			t.Errorf("IsToken(%q) = true, want false", s)
		}
	}
}

func TestSplit(t *testing.T) {
	t.Parallel()
	got := Split([]string{" chat, superchat ,", "", "v2.json"})
	want := []string{"chat", "superchat", "v2.json"}
	if !slices.Equal(got, want) {
		t.Errorf("Split = %q, want %q", got, want)
	}
	if got := TrimOWS(" \t a b \t"); got != "a b" {
		t.Errorf("TrimOWS = %q, want %q", got, "a b")
	}
}

func TestContainsAllocs(t *testing.T) {
	v := []string{"keep-alive, Upgrade"}
	if n := testing.AllocsPerRun(100, func() { Contains(v, "upgrade") }); n != 0 {
		t.Errorf("Contains allocates %v times, want 0", n)
	}
}

// linearRatio returns how much longer f takes on 4n elements than on n,
// each size's best time over alternated runs, with no collection during a
// run. A linear f gives about 4, a quadratic one 16.
func linearRatio(t *testing.T, n int, prep func(n int) func()) float64 {
	t.Helper()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 30))
	small, large := prep(n), prep(4*n)
	timed := func(f func(), cur time.Duration) time.Duration {
		runtime.GC()
		start := time.Now()
		f()
		return min(cur, time.Since(start))
	}
	// The n-element work runs four times in a row, so both timed windows
	// are about as long on linear code and equally likely to lose the CPU
	// to another process on a loaded machine.
	small4 := func() {
		for range 4 {
			small()
		}
	}
	// Keep the best of each size over alternated runs: at least five,
	// then more while the ratio looks superlinear, for at most 3 s.
	ts, tl := time.Duration(1<<62), time.Duration(1<<62)
	begin := time.Now()
	for i := 0; i < 25; i++ {
		ts, tl = timed(small4, ts), timed(large, tl)
		if i >= 4 && (4*tl < 6*ts || time.Since(begin) > 3*time.Second) {
			break
		}
	}
	ts /= 4
	t.Logf("n=%d: %v; 4n=%d: %v", n, ts, 4*n, tl)
	return float64(tl) / float64(max(ts, time.Microsecond))
}

func tokenList(n int, sep string) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString("t" + strconv.Itoa(i))
	}
	return b.String()
}

// Contains and Split take time linear in the length of the header, for
// one long value or many short ones, and whatever the list holds.
func TestLinear(t *testing.T) {
	tests := []struct {
		name   string
		values func(n int) []string
	}{
		{"one value of n tokens", func(n int) []string { return []string{tokenList(n, ", ")} }},
		{"n values of one token", func(n int) []string { return strings.Split(tokenList(n, ","), ",") }},
		{"n empty elements", func(n int) []string { return []string{strings.Repeat(" ,", n)} }},
		{"n copies of one token", func(n int) []string { return []string{strings.Repeat("Upgrade,", n)} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := linearRatio(t, 2_500, func(n int) func() {
				v := tt.values(n)
				return func() {
					if Contains(v, "websocket") {
						t.Fatal("Contains found a token that is not there")
					}
					Split(v)
				}
			})
			if r >= 8 {
				t.Errorf("4n elements cost %.1f times n elements, want under 8 (linear: 4, quadratic: 16)", r)
			}
		})
	}
}

// Split makes one allocation, of exactly the length it returns, and none
// for a list of empty elements.
func TestSplitAllocs(t *testing.T) {
	for _, tc := range []struct {
		values []string
		n      int
		allocs float64
	}{
		{[]string{" , ,,\t,"}, 0, 0},
		{[]string{"chat"}, 1, 1},
		{[]string{tokenList(1000, ", "), ", ,", "x"}, 1001, 1},
	} {
		var got []string
		allocs := testing.AllocsPerRun(10, func() { got = Split(tc.values) })
		if len(got) != tc.n || cap(got) != tc.n || allocs != tc.allocs {
			t.Errorf("Split(%d elements): len %d cap %d, %v allocations; want %d, %d, %v",
				tc.n, len(got), cap(got), allocs, tc.n, tc.n, tc.allocs)
		}
	}
}

func BenchmarkSplit(b *testing.B) {
	for _, n := range []int{2, 40_000} {
		v := []string{tokenList(n, ", ")}
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(v[0])))
			b.ReportAllocs()
			for b.Loop() {
				Split(v)
			}
		})
	}
}

func BenchmarkContains(b *testing.B) {
	for _, n := range []int{2, 40_000} {
		v := []string{tokenList(n, ", ")}
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(v[0])))
			b.ReportAllocs() // must stay 0
			for b.Loop() {
				Contains(v, "upgrade")
			}
		})
	}
}
