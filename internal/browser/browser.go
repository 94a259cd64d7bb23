// Package browser starts headless Chromium for tests that need a real
// WebSocket peer: the demo's page test (issue 6) and interop tests.
//
// It only launches and stops the browser. A test checks what happened through
// its own server: the page it serves reports back (over HTTP or a WebSocket),
// or, for a page that finishes by itself, through DumpDOM.
//
// Which browser: $CHROMIUM if set, else the first of chromium,
// chromium-browser, google-chrome and google-chrome-stable on $PATH. Tests call
// Require, which skips when no browser is found, unless WSTEST_REQUIRE_PEERS=1
// (set by .ci/run), where a missing browser fails the test.
package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// ErrNotFound reports that no Chromium binary was found.
var ErrNotFound = errors.New("browser: chromium not found (set $CHROMIUM or install chromium)")

// Path returns the Chromium binary to run: $CHROMIUM if set, else the first
// known name found on $PATH.
func Path() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("browser: $CHROMIUM=%q: %w", p, err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNotFound
}

// Require returns the Chromium binary for a test. When there is none, it
// skips the test with a message saying how to get one, or fails it when the
// environment variable WSTEST_REQUIRE_PEERS is "1" (CI must not skip).
func Require(tb testing.TB) string {
	tb.Helper()
	p, err := Path()
	if err == nil {
		return p
	}
	if os.Getenv("WSTEST_REQUIRE_PEERS") == "1" {
		tb.Fatalf("%v; WSTEST_REQUIRE_PEERS=1 requires it", err)
	}
	tb.Skipf("skipping real-browser test: %v (apt-get install -y chromium, or set CHROMIUM=/path/to/chrome)", err)
	return ""
}

// Flags returns the command-line flags every run uses (the team contract's
// list): headless, no sandbox (CI runs as root), no GPU, no background
// traffic, and a fresh profile in userDataDir.
func Flags(userDataDir string) []string {
	return []string{
		"--headless",
		"--no-sandbox",
		"--disable-gpu",
		"--disable-background-networking",
		"--disable-component-update",
		"--disable-sync",
		"--no-first-run",
		"--no-default-browser-check",
		"--user-data-dir=" + userDataDir,
	}
}

// A Browser is a running headless Chromium. Its methods may be called from
// any goroutine.
type Browser struct {
	cmd  *exec.Cmd
	dir  string
	out  lockedBuffer
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, set before done is closed

	closeOnce sync.Once
}

// Start launches headless Chromium at path on url, with Flags and then extra
// flags, in a fresh profile directory that Close removes. The browser runs
// until Close, or until ctx is done.
func Start(ctx context.Context, path, url string, extra ...string) (*Browser, error) {
	dir, err := os.MkdirTemp("", "wstest-chromium-")
	if err != nil {
		return nil, fmt.Errorf("browser: %w", err)
	}
	args := append(Flags(dir), extra...)
	args = append(args, url)
	b := &Browser{dir: dir, done: make(chan struct{})}
	b.cmd = exec.Command(path, args...)
	b.cmd.Stdout = &b.out
	b.cmd.Stderr = &b.out
	setGroup(b.cmd)
	if err := b.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("browser: start %s: %w", path, err)
	}
	go func() {
		b.err = b.cmd.Wait()
		close(b.done)
	}()
	go func() {
		select {
		case <-ctx.Done():
			b.kill()
		case <-b.done:
		}
	}()
	return b, nil
}

// Done returns a channel closed when the browser process has exited.
func (b *Browser) Done() <-chan struct{} { return b.done }

// Output returns what the browser has printed so far (stdout and stderr
// together), for a test's failure message.
func (b *Browser) Output() string { return b.out.String() }

// Close stops the browser and its child processes, waits for it to exit
// (at most 10 seconds) and removes its profile directory. It is idempotent.
func (b *Browser) Close() error {
	b.closeOnce.Do(func() {
		b.kill()
		select {
		case <-b.done:
		case <-time.After(10 * time.Second):
		}
		os.RemoveAll(b.dir)
	})
	return nil
}

func (b *Browser) kill() {
	select {
	case <-b.done:
		return
	default:
	}
	killGroup(b.cmd)
}

// DumpDOM loads url in a fresh headless Chromium and returns the document's
// serialized DOM after the page has run for budget of virtual time
// (--virtual-time-budget: timers run fast while the page is otherwise idle).
// Pages that wait on a live server (WebSockets, long polls) should report
// back to that server instead, with Start.
func DumpDOM(ctx context.Context, path, url string, budget time.Duration) (string, error) {
	dir, err := os.MkdirTemp("", "wstest-chromium-")
	if err != nil {
		return "", fmt.Errorf("browser: %w", err)
	}
	defer os.RemoveAll(dir)
	args := append(Flags(dir), fmt.Sprintf("--virtual-time-budget=%d", budget.Milliseconds()), "--dump-dom", url)
	cmd := exec.CommandContext(ctx, path, args...)
	setGroup(cmd)
	cmd.Cancel = func() error { killGroup(cmd); return nil }
	var stdout bytes.Buffer
	var stderr lockedBuffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("browser: dump-dom %s: %w\n%s", url, err, stderr.String())
	}
	return stdout.String(), nil
}

// lockedBuffer is a bytes.Buffer safe for the writer goroutines of exec.Cmd
// and a reader at the same time.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (lb *lockedBuffer) Write(p []byte) (int, error) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	if lb.buf.Len() > 1<<20 { // keep memory bounded; the head is what matters
		return len(p), nil
	}
	return lb.buf.Write(p)
}

func (lb *lockedBuffer) String() string {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return lb.buf.String()
}
