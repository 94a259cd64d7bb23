package bench

import (
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// TestRelayChildHelper is not a test: it is the child process that
// TestRelayProcess starts, the way os/exec's tests start helpers.
func TestRelayChildHelper(t *testing.T) {
	if os.Getenv("BENCH_RELAY_CHILD") != "1" {
		t.Skip("the child process of TestRelayProcess")
	}
	args := os.Args
	for i, a := range args {
		if a == RelayChildFlag {
			args = args[i:]
			break
		}
	}
	if err := RelayChildMain(args, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// TestRelayProcess runs a relay in a child process, as `wsbench -rtt`
// does to keep the relay's CPU time out of its figures: the parent gets
// the address, bytes cross with the round trip asked for, and closing the
// child's stdin ends it with the stats of what it carried.
func TestRelayProcess(t *testing.T) {
	t.Setenv("BENCH_RELAY_CHILD", "1") // not parallel: the environment is the process's
	const rtt = 20 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go echoOne(ln)
	// "--" ends the test binary's flags, so the relay's pass through.
	p, err := startRelayProcess([]string{os.Args[0], "-test.run=^TestRelayChildHelper$", "--"}, ln.Addr().String(), Link{RTT: rtt})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		p.stop()
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	msg := []byte("ping")
	var took time.Duration
	for range 3 {
		t0 := time.Now()
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, msg); err != nil || string(msg) != "ping" {
			t.Fatalf("echo through the child's relay: %q, %v", msg, err)
		}
		took = time.Since(t0)
	}
	c.Close()
	if took < rtt-2*timerSlack {
		t.Errorf("an exchange through the child's relay took %v, want at least %v", took, rtt)
	}
	st, err := p.stop()
	if err != nil {
		t.Fatal(err)
	}
	if st.Conns != 1 || st.Bytes != 2*3*4 {
		t.Errorf("child's relay stats %+v, want 1 connection and 24 bytes", st)
	}
}
