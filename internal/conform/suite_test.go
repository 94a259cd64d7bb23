package conform_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/internal/conform"
)

// The in-process suite: every case of groups 1-7, 9 and 10 against this
// library's own server (internal/echo over conn.Accept) and its own client
// (internal/testee over conn.Dial), one subtest per case id. The expected
// grade is OK everywhere, except INFORMATIONAL for the cases the
// Autobahn|Testsuite never grades OK.

// informational are the cases that always report INFORMATIONAL
// (catalogue, section 1.1).
var informational = map[string]bool{"7.1.6": true, "7.13.1": true, "7.13.2": true}

// skip lists cases known to fail against our own conn, with the reason.
// The goal is an empty list; each entry is a conn bug reported to the lead.
var skip = map[string]string{}

// suiteCases are the cases of this suite: groups 1-7, 9, 10 (12 and 13
// need permessage-deflate and have their own test).
func suiteCases(t *testing.T) []*conform.Case {
	cases, err := conform.Select(conform.All(), "1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.*,10.*", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 301 {
		t.Fatalf("%d cases in groups 1-7, 9, 10, want 301", len(cases))
	}
	return cases
}

// runOptions shrinks group 9 in race builds (see race_test.go) and allows
// 3 s instead of Autobahn's 1 s for the peer's close frame and the server's
// TCP close: `go test ./...` runs many packages at once on two cores, and a
// loaded machine was seen to take over a second to schedule a close reply.
// A peer that never answers still fails, only later.
func runOptions(agent string) *conform.Options {
	return &conform.Options{Agent: agent, MaxMessageSize: maxMessageSize,
		CloseTimeout: 3 * time.Second, DropTimeout: 3 * time.Second}
}

func check(t *testing.T, who string, r *conform.Result) {
	t.Helper()
	want := conform.OK
	if informational[r.ID] {
		want = conform.Informational
	}
	if r.Grade != want {
		var log strings.Builder
		for _, e := range r.Log {
			if log.Len() > 4000 {
				log.WriteString("...\n")
				break
			}
			log.WriteString(e.At.Round(time.Microsecond).String() + " " + e.Dir + " " + e.Text + "\n")
		}
		t.Errorf("%s, case %s: grade %s (behavior %s, close %s), want %s: %s\n%s", who, r.ID, r.Grade, r.Behavior, r.BehaviorClose, want, r.Reason, log.String())
	}
}

func result(fs *conform.FuzzingServer, agent, id string) *conform.Result {
	for _, r := range fs.Results(agent) {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func logSummary(t *testing.T, role string, results []*conform.Result, took time.Duration) {
	var b strings.Builder
	conform.Summarize(results).WriteTable(&b)
	t.Logf("%s: %d cases in %v:\n%s", role, len(results), took.Round(time.Millisecond), b.String())
}
