package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"testing"
	"time"
)

// within reports whether got is within max(pct of want, abs) of want.
func within(got, want time.Duration, pct float64, abs time.Duration) bool {
	tol := max(time.Duration(float64(want)*pct/100), abs)
	return got >= want-tol && got <= want+tol
}

// withinLate reports whether got is at most max(5 %, early) below want and
// at most max(30 %, 10 ms) above it: timers on a loaded machine fire late,
// never early.
func withinLate(got, want, early time.Duration) bool {
	below := max(want*5/100, early)
	above := max(want*30/100, 10*time.Millisecond)
	return got >= want-below && got <= want+above
}

// TestRelayRTT measures the round trip through the relay with one-byte
// exchanges: the median is never more than 5 % or 2 ms below the round
// trip asked for (the relay must not be faster than the link it emulates),
// and the first exchange also pays the connection's opening round trip.
// The 2 ms are the timers' granularity: a relay's timer fires 0.2–0.4 ms
// late per direction on an idle machine, up to a millisecond on a busy one
// (see linkDir.write). Above, the bound is wide, 30 % or 10 ms: on the
// shared 2-core CI box under -race (load 15–20) every one of three
// attempts measured medians of 103–133 ms for 100 ms and first exchanges
// of 204–233 ms for 200 ms, 5 failures in 20 runs at the old ±5 %, and a
// descheduled process only ever adds delay. The timing tests are not
// parallel, so they do not slow each other down.
func TestRelayRTT(t *testing.T) {
	for _, tt := range []struct {
		rtt time.Duration
		n   int
	}{{20 * time.Millisecond, 15}, {100 * time.Millisecond, 5}} {
		t.Run(tt.rtt.String(), func(t *testing.T) {
			attempts(t, 3, func() error {
				first, median, err := MeasureRTT(Link{RTT: tt.rtt}, tt.n)
				if err != nil {
					return err
				}
				t.Logf("MeasureRTT(%v): first exchange %v, median %v", tt.rtt, first, median)
				if !withinLate(median, tt.rtt, 2*time.Millisecond) {
					return fmt.Errorf("MeasureRTT(%v) median = %v, want %v, -max(5%%, 2ms) +max(30%%, 10ms)", tt.rtt, median, tt.rtt)
				}
				// The first byte waits for the emulated TCP handshake (one
				// RTT, RFC 9293, Section 3.5), then makes its own round trip.
				if !withinLate(first, 2*tt.rtt, 4*time.Millisecond) {
					return fmt.Errorf("MeasureRTT(%v) first exchange = %v, want %v (connect + exchange), -max(5%%, 4ms) +max(30%%, 10ms)", tt.rtt, first, 2*tt.rtt)
				}
				return nil
			})
		})
	}
}

// attempts runs a timing check up to n times and fails the test only if
// every attempt fails. On a shared machine a descheduled process only ever
// adds delay, so one clean attempt shows what the relay itself does.
func attempts(t *testing.T, n int, check func() error) {
	t.Helper()
	var errs []error
	for range n {
		err := check()
		if err == nil {
			return
		}
		errs = append(errs, err)
	}
	t.Errorf("%d attempts failed: %v", n, errors.Join(errs...))
}

// echoOne accepts one connection on ln and echoes it until it closes.
func echoOne(ln net.Listener) {
	c, err := ln.Accept()
	if err != nil {
		return
	}
	defer c.Close()
	io.Copy(c, c)
}

// startTestRelay starts a listener for the test's server side and a relay
// to it, both stopped at the end of the test.
func startTestRelay(t *testing.T, link Link) (net.Listener, *Relay) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	r, err := StartRelay(ln.Addr().String(), link)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return ln, r
}

// TestRelayBandwidth sends 1 MB at 8 MB/s over a 20 ms link: the last byte
// arrives 125 ms (serialization) + 10 ms (RTT/2) after the first is sent,
// and the acknowledgement 10 ms later.
func TestRelayBandwidth(t *testing.T) {
	attempts(t, 3, func() error { return bulkThroughRelay(t) })
}

func bulkThroughRelay(t *testing.T) error {
	const size, rate, rtt = 1_000_000, 8_000_000, 20 * time.Millisecond
	ln, r := startTestRelay(t, Link{RTT: rtt, Bandwidth: rate})
	srvErr := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			srvErr <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		b := make([]byte, size)
		// A one-byte exchange first, so the timing below starts on an open
		// connection, then the bulk transfer and a one-byte answer.
		if _, err := io.ReadFull(c, b[:1]); err != nil {
			srvErr <- err
			return
		}
		if _, err := c.Write(b[:1]); err != nil {
			srvErr <- err
			return
		}
		if _, err := io.ReadFull(c, b); err != nil {
			srvErr <- err
			return
		}
		_, err = c.Write(b[:1])
		srvErr <- err
	}()
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var one [1]byte
	if _, err := c.Write(one[:]); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, one[:]); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	go c.Write(make([]byte, size)) // the relay queues it all (1 MB < DefaultLinkBuffer)
	if _, err := io.ReadFull(c, one[:]); err != nil {
		t.Fatal(err)
	}
	got := time.Since(t0)
	if err := <-srvErr; err != nil {
		t.Fatal(err)
	}
	// The relay counts a write once it returns, which can be after the
	// client has read the answer.
	deadline := time.Now().Add(time.Second)
	for r.Stats().Bytes < size+3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if s := r.Stats(); s.Bytes != size+3 {
		t.Errorf("relay carried %d bytes, want %d", s.Bytes, size+3)
	}
	want := time.Duration(size)*time.Second/rate + rtt
	t.Logf("1 MB at 8 MB/s over %v RTT: acknowledged after %v, want %v", rtt, got, want)
	if !within(got, want, 5, time.Millisecond) {
		return fmt.Errorf("1 MB at 8 MB/s over %v RTT took %v to acknowledge, want %v ± 5%%", rtt, got, want)
	}
	return nil
}

// TestRelayOrder pushes random bytes written in random pieces through a
// relay with a small buffer to an echo server and back: every byte comes
// back in order, and the relay never queued more than its buffer.
func TestRelayOrder(t *testing.T) {
	t.Parallel()
	const size, buffer = 256 << 10, 8 << 10
	ln, r := startTestRelay(t, Link{RTT: 2 * time.Millisecond, Bandwidth: 50_000_000, Buffer: buffer})
	go echoOne(ln)
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	go func() {
		for rest := data; len(rest) > 0; {
			n := min(1+rng.IntN(5000), len(rest))
			if _, err := c.Write(rest[:n]); err != nil {
				return
			}
			rest = rest[n:]
		}
		c.(*net.TCPConn).CloseWrite()
	}()
	back, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, data) {
		i := 0
		for i < len(back) && i < len(data) && back[i] == data[i] {
			i++
		}
		t.Fatalf("echo through the relay differs from byte %d (%d bytes back, %d sent)", i, len(back), len(data))
	}
	if s := r.Stats(); s.MaxQueued > buffer || s.Bytes != 2*size {
		t.Errorf("relay stats %+v: want at most %d bytes queued and %d relayed", s, buffer, 2*size)
	}
}

// TestRelayBufferBound has a sender write one byte at a time, the costly
// case for a queue: every queued read is charged chunkCost on top of its
// byte, so a 4 KiB buffer holds at most about 60 reads, and every byte
// still arrives in order.
func TestRelayBufferBound(t *testing.T) {
	t.Parallel()
	const n, buffer = 2000, 4 << 10
	ln, r := startTestRelay(t, Link{RTT: 10 * time.Millisecond, Buffer: buffer})
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(15 * time.Second))
		b, _ := io.ReadAll(c)
		got <- b
	}()
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	want := make([]byte, n)
	for i := range want {
		want[i] = byte(i)
		if _, err := c.Write(want[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	c.(*net.TCPConn).CloseWrite()
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("server got %d bytes, want the %d sent, in order", len(b), n)
	}
	if s := r.Stats(); s.MaxQueued > buffer {
		t.Errorf("relay queued up to %d (bytes plus %d per read), want at most the %d-byte buffer", s.MaxQueued, chunkCost, buffer)
	}
	if _, err := StartRelay("127.0.0.1:1", Link{Buffer: 100}); err == nil {
		t.Errorf("StartRelay accepted a 100-byte buffer")
	}
}

// TestRelayHalfClose checks that a FIN crosses the relay RTT/2 after it is
// sent, and that the other direction keeps working until it closes too.
func TestRelayHalfClose(t *testing.T) {
	const rtt = 20 * time.Millisecond
	ln, r := startTestRelay(t, Link{RTT: rtt})
	type result struct {
		got   []byte
		eofAt time.Time
		err   error
	}
	res := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			res <- result{err: err}
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		got, err := io.ReadAll(c)
		eofAt := time.Now()
		if err == nil {
			_, err = c.Write([]byte("bye"))
		}
		res <- result{got, eofAt, err}
	}()
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	finAt := time.Now()
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	back, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	s := <-res
	if s.err != nil {
		t.Fatal(s.err)
	}
	if string(s.got) != "hello" || string(back) != "bye" {
		t.Errorf("server read %q, client read %q; want hello and bye", s.got, back)
	}
	if d := s.eofAt.Sub(finAt); d < rtt/2-timerSlack {
		t.Errorf("FIN crossed the relay in %v, want at least RTT/2 = %v", d, rtt/2)
	}
}

// waitGoroutines waits up to 5 s for the goroutine count to fall to n or
// below, and returns the count.
func waitGoroutines(n int) int {
	deadline := time.Now().Add(5 * time.Second)
	for {
		g := runtime.NumGoroutine()
		if g <= n || time.Now().After(deadline) {
			return g
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRelayGoroutines checks that no goroutine is left behind: those of a
// connection end when its two sides have closed, and Close ends the rest,
// with connections still open and bytes still queued. Not parallel: it
// counts the process's goroutines.
func TestRelayGoroutines(t *testing.T) {
	base := runtime.NumGoroutine()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var servers []net.Conn
	accepted := make(chan net.Conn)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	r, err := StartRelay(ln.Addr().String(), Link{RTT: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// A connection both sides close: its goroutines end by themselves.
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("x"))
	s := <-accepted
	c.Close()
	io.ReadAll(s) // the FIN arrives RTT/2 later
	s.Close()
	if g := waitGoroutines(base + 2); g > base+2 {
		t.Errorf("%d goroutines after a connection closed on both sides, want %d (the relay's and the test's accept loops)", g, base+2)
	}
	// Connections left open, one with bytes queued in the link: Close ends all.
	var clients []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", r.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte("queued"))
		clients = append(clients, c)
		servers = append(servers, <-accepted)
	}
	clients[0].Write(make([]byte, 1000))
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	for i, c := range clients {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		// EOF or a reset both tell the client; a timeout would mean a hang.
		if _, err := io.ReadAll(c); err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("client %d after Close: %v, want EOF or reset", i, err)
		}
	}
	for _, s := range servers {
		s.Close()
	}
	ln.Close()
	<-accepted
	if g := waitGoroutines(base); g > base {
		t.Errorf("%d goroutines after Close, want %d", g, base)
	}
}

func TestParseBandwidth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"100Mbit", 12_500_000, true},
		{"100Mbit/s", 12_500_000, true},
		{"1Gbit", 125_000_000, true},
		{"12.5MB/s", 12_500_000, true},
		{"8000000", 8_000_000, true},
		{"fast", 0, false},
		{"10 parsecs", 0, false},
		{"-1Mbit", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseBandwidth(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseBandwidth(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if s := (Link{RTT: 20 * time.Millisecond, Bandwidth: 12_500_000}).String(); s != "20ms RTT, 100 Mbit/s" {
		t.Errorf("Link.String() = %q", s)
	}
}

// BenchmarkRelayExchange measures what the relay costs the process: a
// one-byte exchange with an echo server, straight and through a Relay with
// no delay (two chunks relayed per exchange). It reports the process's CPU
// time per exchange (cpu-µs/op), which wsbench's CPU figures include when
// it runs with -rtt.
func BenchmarkRelayExchange(b *testing.B) {
	for _, through := range []bool{false, true} {
		name := "direct"
		if through {
			name = "relay"
		}
		b.Run(name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer ln.Close()
			go echoOne(ln)
			addr := ln.Addr().String()
			if through {
				r, err := StartRelay(addr, Link{})
				if err != nil {
					b.Fatal(err)
				}
				defer r.Close()
				addr = r.Addr()
			}
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			var one [1]byte
			cpu0, _ := processCPU()
			for b.Loop() {
				if _, err := c.Write(one[:]); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, one[:]); err != nil {
					b.Fatal(err)
				}
			}
			cpu1, _ := processCPU()
			b.ReportMetric(float64(cpu1-cpu0)/1e3/float64(b.N), "cpu-µs/op")
		})
	}
}
