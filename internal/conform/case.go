package conform

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rfc6455/ws/handshake"
)

// A Case is one numbered conformance case.
type Case struct {
	ID          string // Autobahn case id, e.g. "5.19"
	Description string // what the fuzzer sends
	Expectation string // what a conforming peer does

	// Offer lists the extensions the fuzzer offers when it is the client
	// (testing a server). Nil offers none.
	Offer []handshake.Extension
	// Accept, if set, answers a client's extension offer when the fuzzer is
	// the server (testing a client); it returns the extensions to accept.
	// Nil accepts none.
	Accept func(offered []handshake.Extension) []handshake.Extension

	// Run drives the case over an open connection. It must end with one of
	// the terminal Session calls (CloseAfter, KillAfter, Close, Wait) or
	// return; the runner then closes the connection if it is still open.
	Run func(s *Session)

	// Timeout bounds the whole case (0: derived from the catalogue's
	// deadlines; the runner adds the closing handshake timeouts).
	Timeout time.Duration
}

var registry = struct {
	sync.Mutex
	cases map[string]*Case
}{cases: map[string]*Case{}}

// Register adds cases to the registry. It panics on a duplicate id, a
// programming error at init time. Groups 12 and 13 register from their own
// files this way.
func Register(cases ...*Case) {
	registry.Lock()
	defer registry.Unlock()
	for _, c := range cases {
		if _, dup := registry.cases[c.ID]; dup {
			panic("conform: duplicate case " + c.ID)
		}
		registry.cases[c.ID] = c
	}
}

// All returns every registered case in id order (numeric by component, as
// the Autobahn|Testsuite orders them).
func All() []*Case {
	registry.Lock()
	out := make([]*Case, 0, len(registry.cases))
	for _, c := range registry.cases {
		out = append(out, c)
	}
	registry.Unlock()
	sort.Slice(out, func(i, j int) bool { return CompareIDs(out[i].ID, out[j].ID) < 0 })
	return out
}

// Lookup returns the registered case with the given id, or nil.
func Lookup(id string) *Case {
	registry.Lock()
	defer registry.Unlock()
	return registry.cases[id]
}

// CompareIDs orders case ids numerically component by component
// ("9.10.1" after "9.2.1"). It returns -1, 0 or +1.
func CompareIDs(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		switch {
		case ea == nil && eb == nil && na != nb:
			if na < nb {
				return -1
			}
			return 1
		case (ea != nil || eb != nil) && pa[i] != pb[i]:
			if pa[i] < pb[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(pa) < len(pb):
		return -1
	case len(pa) > len(pb):
		return 1
	}
	return 0
}

// Group returns the top-level group of a case id ("6" for "6.4.1").
func Group(id string) string {
	g, _, _ := strings.Cut(id, ".")
	return g
}

// Select returns the cases whose id matches one of the comma-separated
// include patterns (empty or "*" = all) and none of the exclude patterns.
// In a pattern, "*" matches any run of characters, dots included, so "6.*"
// selects every case of group 6 and "6.4.*" the four fail-fast cases; a
// pattern without "*" matches that case id or, if it names a section such
// as "6.4", every case under it.
func Select(cases []*Case, include, exclude string) ([]*Case, error) {
	inc, exc := splitPatterns(include), splitPatterns(exclude)
	for _, p := range append(append([]string{}, inc...), exc...) {
		if strings.Trim(p, "0123456789.*") != "" {
			return nil, fmt.Errorf("conform: bad case pattern %q (digits, dots and * only)", p)
		}
	}
	var out []*Case
	for _, c := range cases {
		if (len(inc) == 0 || matchAny(inc, c.ID)) && !matchAny(exc, c.ID) {
			out = append(out, c)
		}
	}
	return out, nil
}

func splitPatterns(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func matchAny(patterns []string, id string) bool {
	for _, p := range patterns {
		if p == "*" || glob(p, id) || (!strings.Contains(p, "*") && strings.HasPrefix(id, p+".")) {
			return true
		}
	}
	return false
}

// glob matches s against p, where '*' matches any (possibly empty) run.
func glob(p, s string) bool {
	for len(p) > 0 {
		if p[0] == '*' {
			for i := len(s); i >= 0; i-- {
				if glob(p[1:], s[i:]) {
					return true
				}
			}
			return false
		}
		if len(s) == 0 || s[0] != p[0] {
			return false
		}
		p, s = p[1:], s[1:]
	}
	return len(s) == 0
}
