package conform

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rfc6455/ws/handshake"
)

func TestCLIServerAgainstLenientPeer(t *testing.T) {
	url := lenientServer(t)
	dir := t.TempDir()
	var out, errb bytes.Buffer
	st := CLI([]string{"server", "-cases", "1.1.1,3.1", "-agent", "lenient", "-report", dir, url}, &out, &errb)
	if st != 1 {
		t.Fatalf("exit status %d, want 1 (3.1 fails)\nstdout:\n%s\nstderr:\n%s", st, &out, &errb)
	}
	if !strings.Contains(out.String(), "FAILED 3.1:") {
		t.Errorf("stdout does not name the failed case:\n%s", &out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var results []map[string]any
	if err := json.Unmarshal(b, &results); err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || results[0]["id"] != "1.1.1" || results[0]["grade"] != "OK" || results[1]["grade"] != "FAILED" {
		t.Errorf("index.json = %s", b)
	}
	for _, f := range []string{"index.html", "lenient_case_1_1_1.html", "lenient_case_3_1.html"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestCLIUsage(t *testing.T) {
	var out, errb bytes.Buffer
	for _, args := range [][]string{nil, {"bogus"}, {"server"}, {"server", "http://x/"}, {"list", "-cases", "1.x"}} {
		if st := CLI(args, &out, &errb); st != 2 {
			t.Errorf("CLI(%q) = %d, want 2", args, st)
		}
	}
	out.Reset()
	if st := CLI([]string{"list", "-cases", "6.4"}, &out, &errb); st != 0 || strings.Count(out.String(), "\n") != 4 {
		t.Errorf("list 6.4: status %d, output:\n%s", st, &out)
	}
}

// TestFuzzingServerRefuses checks the answers to requests outside the URL protocol.
func TestFuzzingServerRefuses(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fs := &FuzzingServer{Cases: All()[:3]}
	go fs.Serve(l)
	for path, want := range map[string]int{
		"/runCase?case=0&agent=a": http.StatusNotFound,
		"/runCase?case=4&agent=a": http.StatusNotFound,
		"/runCase?case=x&agent=a": http.StatusNotFound,
		"/nothing":                http.StatusNotFound,
		"/getCaseCount":           http.StatusSwitchingProtocols,
		"/getCaseInfo?case=3":     http.StatusSwitchingProtocols,
		"/getCaseInfo?case=4":     http.StatusNotFound,
		"/getCaseStatus?case=1":   http.StatusSwitchingProtocols,
	} {
		req, _, err := handshake.NewRequest(context.Background(), "ws://"+l.Addr().String()+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		nc, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		req.Write(nc)
		resp, err := http.ReadResponse(bufio.NewReader(nc), req)
		nc.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d", path, resp.StatusCode, want)
		}
	}
}
