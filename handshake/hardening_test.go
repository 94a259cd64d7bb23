package handshake

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// checkLinear fails if work on an input of 4n elements costs more than 8
// times the work on n elements. A linear parser costs about 4 times as
// much, a quadratic one 16 times. prep builds an input of the given size
// (untimed) and returns the work to time. Each size keeps its best time over
// alternated runs, so a loaded machine slows both and the ratio holds.
func checkLinear(t *testing.T, n int, prep func(n int) func()) {
	t.Helper()
	small, large := prep(n), prep(4*n)
	// Collection cycles would land in the large runs only (the small ones
	// fit in the minimum heap), so collect before each run and not during:
	// a memory limit still lets the collector run if a run balloons.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 30))
	best := func(f func(), cur time.Duration) time.Duration {
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
		ts, tl = best(small4, ts), best(large, tl)
		if i >= 4 && (4*tl < 6*ts || time.Since(begin) > 3*time.Second) {
			break
		}
	}
	ts /= 4
	ratio := float64(tl) / float64(max(ts, time.Microsecond))
	t.Logf("n=%d: %v; 4n=%d: %v; ratio %.1f", n, ts, 4*n, tl, ratio)
	if ratio >= 8 {
		t.Errorf("4n elements cost %.1f times n elements (%v against %v), want under 8 (linear: 4, quadratic: 16)", ratio, tl, ts)
	}
}

// list returns n copies of elem(i), joined with sep.
func list(n int, sep string, elem func(i int) string) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(elem(i))
	}
	return b.String()
}

func distinct(prefix string) func(int) string {
	return func(i int) string { return prefix + strconv.Itoa(i) }
}

func same(s string) func(int) string { return func(int) string { return s } }

// requestWith returns the Section 1.3 request with the header field k set to v.
func requestWith(k, v string) *http.Request {
	r := sampleRequest()
	r.Header[k] = []string{v}
	return r
}

// The server's checks of a request are linear in the size of every header
// field the client controls. 40,000 subprotocols (156 KiB, under net/http's
// 1 MiB header limit) once cost 4 s of CPU in the duplicate check.
func TestCheckRequestLinear(t *testing.T) {
	const n = 2_500 // and 10,000: both fit in a core's cache, so the ratio measures the algorithm
	tests := []struct {
		name    string
		k       string
		v       func(n int) string
		wantErr error
	}{
		{"distinct subprotocols (4.1)", "Sec-Websocket-Protocol",
			func(n int) string { return list(n, ", ", distinct("p")) }, nil},
		{"distinct subprotocols then a repeat of the first (4.1)", "Sec-Websocket-Protocol",
			func(n int) string { return list(n, ", ", distinct("p")) + ", p0" }, ErrProtocolSyntax},
		{"one subprotocol repeated (4.1)", "Sec-Websocket-Protocol",
			func(n int) string { return list(n, ", ", same("chat")) }, ErrProtocolSyntax},
		{"empty subprotocol list elements (RFC 9110, 5.6.1)", "Sec-Websocket-Protocol",
			func(n int) string { return strings.Repeat(" ,", n) + "chat" }, nil},
		{"distinct extensions (9.1)", "Sec-Websocket-Extensions",
			func(n int) string { return list(n, ", ", distinct("x")) }, nil},
		{"one extension offered again and again (9.1)", "Sec-Websocket-Extensions",
			func(n int) string { return list(n, ", ", same("permessage-deflate; x")) }, nil},
		{"one parameter repeated (9.1)", "Sec-Websocket-Extensions",
			func(n int) string { return "permessage-deflate; " + list(n, "; ", same("client_max_window_bits")) }, nil},
		{"distinct parameters (9.1)", "Sec-Websocket-Extensions",
			func(n int) string { return "x; " + list(n, "; ", distinct("p")) }, nil},
		{"quoted values with escapes (9.1)", "Sec-Websocket-Extensions",
			func(n int) string { return "x; " + list(n, "; ", same(`p="\1"`)) }, nil},
		{"empty extension list elements (RFC 9110, 5.6.1)", "Sec-Websocket-Extensions",
			func(n int) string { return strings.Repeat(",", n) + "x" }, nil},
		{"a syntax error after many parameters (9.1)", "Sec-Websocket-Extensions",
			func(n int) string { return "x; " + list(n, "; ", same(`p="\1"`)) + "; =" }, ErrExtensionSyntax},
		{"Connection tokens, Upgrade last (4.2.1)", "Connection",
			func(n int) string { return list(n, ", ", distinct("c")) + ", Upgrade" }, nil},
		{"Connection tokens without Upgrade (4.2.1)", "Connection",
			func(n int) string { return list(n, ", ", distinct("c")) }, ErrConnection},
		{"Upgrade tokens, websocket last (4.2.1)", "Upgrade",
			func(n int) string { return list(n, ", ", distinct("u")) + ", websocket" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLinear(t, n, func(n int) func() {
				r := requestWith(tt.k, tt.v(n))
				return func() {
					// conn.Accept's path: check, choose, negotiate, respond.
					o, err := CheckRequest(r, nil)
					if !errors.Is(err, tt.wantErr) {
						t.Fatalf("CheckRequest(%d elements) err = %v, want %v", n, err, tt.wantErr)
					}
					if err != nil {
						return
					}
					p := ChooseSubprotocol(o.Protocols, []string{"chat", "p3"})
					resp, _, ok := AcceptDeflate(o.Extensions, DeflateParams{})
					var accepted []Extension
					if ok {
						accepted = append(accepted, resp)
					}
					if _, err := Response(r, o, p, accepted, nil); err != nil {
						t.Fatalf("Response: %v", err)
					}
				}
			})
		})
	}
}

// The request of the report: 40,000 distinct subprotocols in 156 KiB (under
// net/http's 1 MiB header limit) took seconds of CPU in CheckRequest (2.8 s on
// a 2-core EPYC); now a few milliseconds. The bound leaves room for slow or
// loaded machines and the race detector.
func TestCheckRequest40000Subprotocols(t *testing.T) {
	base36 := func(i int) string { return strconv.FormatInt(int64(i), 36) }
	r := requestWith("Sec-Websocket-Protocol", list(40_000, ",", base36))
	if n := len(r.Header["Sec-Websocket-Protocol"][0]); n > 160<<10 {
		t.Fatalf("header is %d bytes, want the report's 156 KiB", n)
	}
	best := time.Hour
	for range 3 {
		start := time.Now()
		o, err := CheckRequest(r, nil)
		best = min(best, time.Since(start))
		if err != nil || len(o.Protocols) != 40_000 {
			t.Fatalf("CheckRequest(40,000 subprotocols) = %d protocols, %v", len(o.Protocols), err)
		}
	}
	t.Logf("CheckRequest(40,000 subprotocols): %v", best)
	if best > 500*time.Millisecond {
		t.Errorf("CheckRequest(40,000 subprotocols) took %v, want well under 500ms", best)
	}
}

// Response checks each accepted extension against the offers in linear
// time, even when a server accepts everything it was offered.
func TestResponseLinear(t *testing.T) {
	checkLinear(t, 2_500, func(n int) func() {
		r := requestWith("Sec-Websocket-Extensions", list(n, ", ", distinct("x")))
		o, err := CheckRequest(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		return func() {
			if _, err := Response(r, o, "", o.Extensions, nil); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// ChooseSubprotocol is linear in both lists.
func TestChooseSubprotocolLinear(t *testing.T) {
	checkLinear(t, 2_500, func(n int) func() {
		offered := strings.Split(list(n, ",", distinct("p")), ",")
		supported := strings.Split(list(n, ",", distinct("q")), ",")
		return func() {
			if got := ChooseSubprotocol(offered, supported); got != "" {
				t.Fatalf("ChooseSubprotocol = %q, want none", got)
			}
		}
	})
}

// The client's checks of the server's response are linear in its size too.
func TestCheckResponseLinear(t *testing.T) {
	const key = "dGhlIHNhbXBsZSBub25jZQ=="
	deflate := DeflateParams{}
	opts := &ClientOptions{Subprotocols: []string{"chat"}, Extensions: []Extension{deflate.Offer()}}
	tests := []struct {
		name    string
		k       string
		v       func(n int) string
		wantErr error
	}{
		{"Connection tokens, Upgrade last (4.1)", "Connection",
			func(n int) string { return list(n, ", ", distinct("c")) + ", Upgrade" }, nil},
		{"Connection tokens without Upgrade (4.1)", "Connection",
			func(n int) string { return list(n, ", ", distinct("c")) }, ErrResponseConnection},
		{"permessage-deflate accepted again and again (RFC 7692, 5)", "Sec-Websocket-Extensions",
			func(n int) string { return list(n, ", ", same("permessage-deflate")) }, ErrDeflateResponse},
		{"a parameter repeated (RFC 7692, 7)", "Sec-Websocket-Extensions",
			func(n int) string { return "permessage-deflate; " + list(n, "; ", same("server_no_context_takeover")) }, ErrDeflateResponse},
		{"quoted values with escapes (9.1)", "Sec-Websocket-Extensions",
			func(n int) string { return "permessage-deflate; " + list(n, "; ", same(`p="\1"`)) }, ErrDeflateResponse},
		{"unoffered extensions (4.1)", "Sec-Websocket-Extensions",
			func(n int) string { return list(n, ", ", distinct("x")) }, ErrUnofferedExtension},
		{"subprotocol list (11.3.4)", "Sec-Websocket-Protocol",
			func(n int) string { return list(n, ", ", same("chat")) }, ErrUnofferedProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLinear(t, 2_500, func(n int) func() {
				resp := &http.Response{StatusCode: http.StatusSwitchingProtocols, Header: http.Header{
					"Upgrade":              {"websocket"},
					"Connection":           {"Upgrade"},
					"Sec-Websocket-Accept": {AcceptKey(key)},
				}}
				resp.Header[tt.k] = []string{tt.v(n)}
				return func() {
					_, exts, err := CheckResponse(resp, key, opts)
					if err == nil {
						_, _, err = CheckDeflateResponse(exts, deflate)
					}
					if !errors.Is(err, tt.wantErr) {
						t.Fatalf("CheckResponse(%d elements) err = %v, want %v", n, err, tt.wantErr)
					}
				}
			})
		})
	}
}

// Memory, not only time: parsing N quoted values with escapes allocates in
// proportion to N (each value once allocated a buffer as long as the rest of
// the header).
func TestParseExtensionsAllocLinear(t *testing.T) {
	alloc := func(n int) uint64 {
		h := http.Header{"Sec-Websocket-Extensions": {"x; " + list(n, "; ", same(`p="\1"`))}}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := ParseExtensions(h); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := alloc(5_000), alloc(20_000)
	t.Logf("5,000 values: %d bytes; 20,000: %d bytes", small, large)
	if large > 8*small {
		t.Errorf("ParseExtensions allocates %d bytes for 20,000 quoted values, %d for 5,000: want linear growth", large, small)
	}
}

// Errors quote the offending element, not the whole header: a refusal's
// body stays short whatever the client sent.
func TestErrorQuoteBounded(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 1<<20)
	tests := []struct {
		name    string
		k, v    string
		wantErr error
	}{
		{"long subprotocol that is not a token (4.1)", "Sec-Websocket-Protocol", long + "/", ErrProtocolSyntax},
		{"long repeated subprotocol (4.1)", "Sec-Websocket-Protocol", long + ", " + long, ErrProtocolSyntax},
		{"long extension header with a syntax error at its end (9.1)", "Sec-Websocket-Extensions", "x; " + long + "; =", ErrExtensionSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CheckRequest(requestWith(tt.k, tt.v), nil)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("CheckRequest err = %v, want %v", err, tt.wantErr)
			}
			if len(err.Error()) > 400 {
				t.Errorf("CheckRequest error is %d bytes long, want at most 400: %.200s...", len(err.Error()), err)
			}
		})
	}
	short := func(t *testing.T, err, want error) {
		t.Helper()
		if err == nil || !errors.Is(err, want) {
			t.Fatalf("err = %v, want %v", err, want)
		}
		if n := len(err.Error()); n > 400 {
			t.Errorf("error is %d bytes long, want at most 400: %.200s...", n, err)
		}
	}
	t.Run("long cross-site Origin (10.2)", func(t *testing.T) {
		_, err := CheckRequest(requestWith("Origin", "https://"+long+".example"), nil)
		short(t, err, ErrOrigin)
	})
	t.Run("long unknown permessage-deflate parameter (RFC 7692, 7)", func(t *testing.T) {
		_, _, err := CheckDeflateResponse([]Extension{{Name: DeflateName, Params: []Param{{Name: long}}}}, DeflateParams{})
		short(t, err, ErrDeflateResponse)
	})
	const key = "dGhlIHNhbXBsZSBub25jZQ=="
	for _, tc := range []struct {
		name    string
		k, v    string
		wantErr error
	}{
		{"long unoffered subprotocol (4.1)", "Sec-Websocket-Protocol", long, ErrUnofferedProtocol},
		{"long unoffered extension (4.1)", "Sec-Websocket-Extensions", long, ErrUnofferedExtension},
		{"long extension response with a syntax error (9.1)", "Sec-Websocket-Extensions", long + ";", ErrResponseExtensions},
	} {
		t.Run("client: "+tc.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: http.StatusSwitchingProtocols, Header: http.Header{
				"Upgrade": {"websocket"}, "Connection": {"Upgrade"}, "Sec-Websocket-Accept": {AcceptKey(key)}, tc.k: {tc.v}}}
			_, _, err := CheckResponse(resp, key, &ClientOptions{Subprotocols: []string{"chat"}})
			short(t, err, tc.wantErr)
		})
	}
}

// The duplicate check reports the repeated subprotocol, on both sides.
func TestDuplicateSubprotocols(t *testing.T) {
	t.Parallel()
	for _, n := range []int{2, 16, 17, 100} { // both sides of pairwiseMax (16 names)
		offer := list(n-1, ", ", distinct("p")) + ", p" + strconv.Itoa(n-2)
		_, err := CheckRequest(requestWith("Sec-Websocket-Protocol", offer), nil)
		want := fmt.Sprintf("%q repeated", "p"+strconv.Itoa(n-2))
		if !errors.Is(err, ErrProtocolSyntax) || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckRequest(%d subprotocols, last repeated) err = %v, want ErrProtocolSyntax naming %s", n, err, want)
		}
		protos := strings.Split(offer, ", ")
		_, _, err = NewRequest(nil, "ws://example.com/", &ClientOptions{Subprotocols: protos})
		if !errors.Is(err, ErrOfferSyntax) || !strings.Contains(err.Error(), want) {
			t.Errorf("NewRequest(%d subprotocols, last repeated) err = %v, want ErrOfferSyntax naming %s", n, err, want)
		}
		o, err := CheckRequest(requestWith("Sec-Websocket-Protocol", strings.Join(protos[:n-1], ",")), nil)
		if err != nil || len(o.Protocols) != n-1 {
			t.Errorf("CheckRequest(%d distinct subprotocols) = %v, %v; want them all", n-1, o, err)
		}
	}
	// Subprotocol names are compared exactly (case-sensitive), so these differ.
	if _, err := CheckRequest(requestWith("Sec-Websocket-Protocol", "chat, Chat, CHAT"), nil); err != nil {
		t.Errorf("CheckRequest(chat, Chat, CHAT) err = %v, want nil", err)
	}
}

// The list checks past pairwiseMax, where they use a map, give the same
// answers as the pairwise loops.
func TestLongListChecks(t *testing.T) {
	t.Parallel()
	offered := strings.Split(list(200, ",", distinct("p")), ",")
	if got := ChooseSubprotocol(offered, []string{"x", "p150", "p3"}); got != "p150" {
		t.Errorf("ChooseSubprotocol(200 offered, [x p150 p3]) = %q, want p150 (the server's order)", got)
	}
	if got := ChooseSubprotocol(offered, strings.Split(list(200, ",", distinct("q")), ",")); got != "" {
		t.Errorf("ChooseSubprotocol(200 offered, 200 others) = %q, want none", got)
	}
	r := requestWith("Sec-Websocket-Extensions", list(100, ", ", distinct("x")))
	o, err := CheckRequest(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	accepted := append(slices.Clone(o.Extensions[:50]), Extension{Name: "y"})
	if _, err := Response(r, o, "", accepted, nil); !errors.Is(err, ErrExtensionNotOffered) || !strings.Contains(err.Error(), `"y"`) {
		t.Errorf("Response accepting 50 offered and one unoffered extension: err = %v, want ErrExtensionNotOffered naming y", err)
	}
	if _, err := Response(r, o, "", o.Extensions, nil); err != nil {
		t.Errorf("Response accepting all 100 offered extensions: %v", err)
	}
}

// ParseExtensions fills one slice of extensions and one of parameters,
// each of exactly the size needed, and an Extension's Params are capped so
// that appending to them does not overwrite the next extension's.
func TestParseExtensionsShared(t *testing.T) {
	h := http.Header{"Sec-Websocket-Extensions": {"a; p; q=1, b; r", `c; s="\t"`}}
	exts, err := ParseExtensions(h)
	if err != nil {
		t.Fatal(err)
	}
	exts[0].Params = append(exts[0].Params, Param{Name: "z"})
	want := []Extension{{"a", []Param{{Name: "p"}, {"q", "1", true}, {Name: "z"}}}, {"b", []Param{{Name: "r"}}}, {"c", []Param{{"s", "t", true}}}}
	if !reflect.DeepEqual(exts, want) {
		t.Errorf("after an append to the first Params, ParseExtensions(%q) = %+v, want %+v", h["Sec-Websocket-Extensions"], exts, want)
	}
	long := http.Header{"Sec-Websocket-Extensions": {list(1000, ", ", same("permessage-deflate; client_max_window_bits"))}}
	if n := testing.AllocsPerRun(10, func() { ParseExtensions(long) }); n != 2 {
		t.Errorf("ParseExtensions(1000 extensions, one parameter each) makes %v allocations, want 2", n)
	}
}

func BenchmarkCheckRequestSubprotocols(b *testing.B) {
	for _, n := range []int{2, 16, 1_000, 40_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			r := requestWith("Sec-Websocket-Protocol", list(n, ", ", distinct("p")))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := CheckRequest(r, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseExtensionsMany(b *testing.B) {
	for _, tc := range []struct {
		name string
		v    string
	}{
		{"offers", list(40_000, ", ", same("permessage-deflate"))},
		{"params", "x; " + list(40_000, "; ", distinct("p"))},
		{"quoted", "x; " + list(40_000, "; ", same(`p="\1"`))},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := http.Header{"Sec-Websocket-Extensions": {tc.v}}
			b.SetBytes(int64(len(tc.v)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseExtensions(h); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
