package conn

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// TestIdleMemory opens many idle WebSocket connections to a net/http
// server that accepts them with Accept and sits in ReadMessage, as an echo
// server does, and reports how much the server process's RSS grew per
// connection. The clients run in a child process so only the server side
// is counted. Issue 4's target is 6 KiB per connection at 10,000.
//
// It is skipped unless WSTEST_IDLE_CONNS is set (for example to 10000);
// CI does not run it.
func TestIdleMemory(t *testing.T) {
	if os.Getenv("WSTEST_IDLE_CHILD") != "" {
		idleClients(t)
		return
	}
	n, _ := strconv.Atoi(os.Getenv("WSTEST_IDLE_CONNS"))
	if n <= 0 || testing.Short() {
		t.Skip("set WSTEST_IDLE_CONNS=10000 to measure idle memory per connection")
	}
	// "handoff": the handler starts a goroutine for the connection and
	// returns, so net/http frees its per-connection state (about 10 KiB of
	// bufio buffers) — what internal/echo does. "in handler": the handler
	// itself loops on ReadMessage, so net/http's state lives as long.
	for _, handoff := range []bool{true, false} {
		name := map[bool]string{true: "handoff", false: "in handler"}[handoff]
		t.Run(name, func(t *testing.T) {
			per := idleMemory(t, n, handoff)
			t.Logf("%s: %d idle connections, %.2f KiB per connection", name, n, per/1024)
			if handoff && per > 6*1024 {
				t.Errorf("%.2f KiB per idle connection, target 6 KiB", per/1024)
			}
		})
	}
}

// idleMemory opens n idle connections to a fresh server and returns the
// growth of the process's RSS per connection, in bytes.
func idleMemory(t *testing.T, n int, handoff bool) float64 {
	var accepted atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	loop := func(ep *Endpoint) {
		var buf []byte
		for {
			_, p, err := ep.ReadMessage(buf)
			if err != nil {
				return
			}
			buf = p
		}
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, err := Accept(w, r, nil)
		if err != nil {
			return
		}
		accepted.Add(1)
		if handoff {
			go loop(ep)
		} else {
			loop(ep)
		}
	})}
	go srv.Serve(ln)
	defer srv.Close()

	child := func(count int) (*exec.Cmd, io.WriteCloser) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestIdleMemory$", "-test.v")
		cmd.Env = append(os.Environ(), "WSTEST_IDLE_CHILD=1",
			"WSTEST_IDLE_ADDR="+ln.Addr().String(), "WSTEST_IDLE_N="+strconv.Itoa(count))
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(stdout)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("child: %v", err)
			}
			if strings.HasPrefix(line, "READY") {
				return cmd, stdin
			}
		}
	}
	wait := func(want int64) {
		deadline := time.Now().Add(60 * time.Second)
		for accepted.Load() < want {
			if time.Now().After(deadline) {
				t.Fatalf("%d connections accepted, want %d", accepted.Load(), want)
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(idleDelay * 2) // idle timers fire and find the readers blocked
	}
	// Warm up first: the first connections allocate what later ones reuse.
	const warm = 500
	cmd, stdin := child(warm)
	wait(warm)
	before := settledRSS()
	cmd2, stdin2 := child(n)
	wait(int64(warm + n))
	after := settledRSS()
	t.Logf("server RSS %d KiB -> %d KiB, %d goroutines", before>>10, after>>10, runtime.NumGoroutine())
	stdin.Close()
	stdin2.Close()
	cmd.Wait()
	cmd2.Wait()
	return float64(after-before) / float64(n)
}

// settledRSS collects garbage, returns freed memory to the OS and reads
// VmRSS from /proc/self/status.
func settledRSS() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if f := strings.Fields(string(line)); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// idleClients is the child process: it opens WSTEST_IDLE_N WebSocket
// connections (raw handshakes), prints READY, and holds them until stdin
// closes.
func idleClients(t *testing.T) {
	addr := os.Getenv("WSTEST_IDLE_ADDR")
	n, _ := strconv.Atoi(os.Getenv("WSTEST_IDLE_N"))
	conns := make([]net.Conn, 0, n)
	req := "GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + testKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, req)
		resp, err := http.ReadResponse(bufio.NewReaderSize(c, 256), nil)
		if err != nil || resp.StatusCode != 101 {
			t.Fatalf("handshake: %v", err)
		}
		conns = append(conns, c)
	}
	fmt.Println("READY")
	io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
}

// TestEndpointSize keeps an Endpoint within the heap's 1280-byte size
// class: every idle connection holds one, so a field that pushes it into
// the next class (1408 bytes) costs 128 bytes per connection.
func TestEndpointSize(t *testing.T) {
	if n := unsafe.Sizeof(Endpoint{}); n > 1280 {
		t.Errorf("Endpoint is %d bytes, over the 1280-byte size class", n)
	}
}
