package conn

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/rfc6455/ws/frame"
)

// TestPongWhileMidMessage: a ping between the fragments of a message the
// application is streaming is answered while the application reads
// (RFC 6455, Sections 5.4 and 5.5.2).
func TestPongWhileMidMessage(t *testing.T) {
	t.Parallel()
	sc, cc := tcpPair(t)
	cc.SetDeadline(time.Now().Add(5 * time.Second))
	ep := NewEndpoint(sc, nil, Server, nil)
	cc.Write(clientFrame(0x01, []byte("first ")))
	_, r, err := ep.NextReader()
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 6)
	if _, err := io.ReadFull(r, buf); err != nil {
		t.Fatal(err)
	}
	cc.Write(cat(clientFrame(0x89, []byte("mid")), clientFrame(0x80, []byte("last"))))
	rest, err := io.ReadAll(r)
	if err != nil || string(rest) != "last" {
		t.Fatalf("rest = %q, %v", rest, err)
	}
	b0, p := readServerFrame(t, bufio.NewReader(cc))
	if b0 != 0x8A || string(p) != "mid" {
		t.Fatalf("got %#x %q, want pong \"mid\"", b0, p)
	}
}

// TestPongWhileNotReading: pings are answered even when the application
// never reads (the idle pump), and a data message that arrives meanwhile
// is still delivered, whole, to the next read.
func TestPongWhileNotReading(t *testing.T) {
	t.Parallel()
	sc, cc := tcpPair(t)
	cc.SetDeadline(time.Now().Add(5 * time.Second))
	ep := NewEndpoint(sc, nil, Server, nil)
	br := bufio.NewReader(cc)
	for i := range 3 {
		cc.Write(clientFrame(0x89, []byte{byte(i)}))
		b0, p := readServerFrame(t, br)
		if b0 != 0x8A || !bytes.Equal(p, []byte{byte(i)}) {
			t.Fatalf("got %#x % x, want pong %d", b0, p, i)
		}
	}
	cc.Write(cat(clientFrame(0x82, []byte("data")), clientFrame(0x89, []byte("after"))))
	time.Sleep(2 * idleDelay)
	op, p, err := ep.ReadMessage(nil)
	if err != nil || op != frame.OpBinary || string(p) != "data" {
		t.Fatalf("ReadMessage = %v %q %v", op, p, err)
	}
	// The ping behind the data is answered once the data is read.
	b0, p := readServerFrame(t, br)
	if b0 != 0x8A || string(p) != "after" {
		t.Fatalf("got %#x %q, want pong \"after\"", b0, p)
	}
}

// TestPingFlood: a peer sending pings faster than it reads pongs gets
// backpressure, not a growing queue: every ping is answered, in order,
// and the heap does not grow with the number of pings.
func TestPingFlood(t *testing.T) {
	// Not parallel: it measures the process's heap.
	sc, cc := tcpPair(t)
	ep := NewEndpoint(sc, nil, Server, nil)
	go func() {
		for {
			if _, _, err := ep.ReadMessage(nil); err != nil {
				return
			}
		}
	}()
	const n = 20000
	ping := clientFrame(0x89, bytes.Repeat([]byte("p"), 125))
	go func() {
		w := bufio.NewWriter(cc)
		for range n {
			w.Write(ping)
		}
		w.Flush()
	}()
	// Let the flood back up: the peer is not reading its pongs yet.
	time.Sleep(300 * time.Millisecond)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heap := ms.HeapAlloc
	br := bufio.NewReader(cc)
	cc.SetDeadline(time.Now().Add(20 * time.Second))
	for i := range n {
		b0, p := readServerFrame(t, br)
		if b0 != 0x8A || len(p) != 125 {
			t.Fatalf("frame %d: %#x, %d bytes; want a 125-byte pong", i, b0, len(p))
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > heap+8<<20 {
		t.Errorf("heap grew from %d to %d during the flood", heap, ms.HeapAlloc)
	}
}

// TestPingWaitsForPong: Ping returns when the matching pong arrives, in
// both cases: the application reading, and nobody reading.
func TestPingWaitsForPong(t *testing.T) {
	t.Parallel()
	srv := serve(t, nil, func(ep *Endpoint) { echoLoop(ep) })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	t.Run("nobody reading", func(t *testing.T) {
		ep := dialEndpoint(t, srv, nil)
		defer ep.Close(frame.CloseNormal, "")
		for i := range 5 {
			if err := ep.Ping(ctx, []byte{byte(i)}); err != nil {
				t.Fatalf("Ping %d: %v", i, err)
			}
		}
	})
	t.Run("application reading", func(t *testing.T) {
		ep := dialEndpoint(t, srv, nil)
		defer ep.Close(frame.CloseNormal, "")
		go func() {
			for {
				if _, _, err := ep.ReadMessage(nil); err != nil {
					return
				}
			}
		}()
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := ep.Ping(ctx, []byte{byte(i)}); err != nil {
					t.Errorf("Ping %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
	})
	t.Run("no pong before the context ends", func(t *testing.T) {
		sc, cc := tcpPair(t)
		go io.Copy(io.Discard, cc) // reads, never answers
		ep := NewEndpoint(sc, nil, Server, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := ep.Ping(ctx, []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Ping = %v, want DeadlineExceeded", err)
		}
		// The pump the Ping ran has stopped: an application read works.
		go cc.Write(clientFrame(0x81, []byte("hi")))
		if _, p, err := ep.ReadMessage(nil); err != nil || string(p) != "hi" {
			t.Fatalf("ReadMessage after Ping = %q %v", p, err)
		}
	})
}

// TestKeepAlive: keepalive pings are answered by a live peer; a peer that
// stops answering fails the connection with ErrKeepAliveTimeout.
func TestKeepAlive(t *testing.T) {
	t.Parallel()
	t.Run("live peer", func(t *testing.T) {
		t.Parallel()
		srv := serve(t, nil, func(ep *Endpoint) { echoLoop(ep) })
		ep := dialEndpoint(t, srv, &Options{KeepAlive: 20 * time.Millisecond, KeepAliveTimeout: time.Second})
		time.Sleep(200 * time.Millisecond)
		if ce := ep.closeErr.Load(); ce != nil {
			t.Fatalf("connection closed: %v", *ce)
		}
		ep.Close(frame.CloseNormal, "")
	})
	t.Run("silent peer", func(t *testing.T) {
		t.Parallel()
		sc, cc := tcpPair(t)
		go io.Copy(io.Discard, cc)
		ep := NewEndpoint(sc, nil, Server, &Options{KeepAlive: 20 * time.Millisecond, KeepAliveTimeout: 50 * time.Millisecond})
		start := time.Now()
		_, _, err := ep.ReadMessage(nil)
		if !errors.Is(err, ErrKeepAliveTimeout) || CloseStatus(err) != frame.CloseAbnormal {
			t.Fatalf("ReadMessage = %v, want 1006 ErrKeepAliveTimeout", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("took %v", d)
		}
	})
}

// TestControlBetweenFragments: while one goroutine streams a message with
// NextWriter, pings and a close from other goroutines go out between its
// fragments, never inside one (the receiving Sequence would fail it).
func TestControlBetweenFragments(t *testing.T) {
	t.Parallel()
	sc, cc := tcpPair(t)
	server := NewEndpoint(sc, nil, Server, &Options{ReadLimit: -1})
	client := NewEndpoint(cc, nil, Client, &Options{ReadLimit: -1})
	w, err := client.NextWriter(frame.OpBinary)
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("z"), 100<<10)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			client.writeControl(frame.OpPing, []byte("hb"))
		}
	}()
	go func() {
		for range 20 {
			w.Write(chunk)
			w.(interface{ Flush() error }).Flush()
		}
		w.Close()
	}()
	op, p, err := server.ReadMessage(nil)
	close(stop)
	wg.Wait()
	if err != nil || op != frame.OpBinary || len(p) != 20*len(chunk) {
		t.Fatalf("ReadMessage = %v, %d bytes, %v", op, len(p), err)
	}
}

// TestConcurrentWriters: whole messages from many goroutines arrive
// whole, never interleaved, each exactly once.
func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	sc, cc := tcpPair(t)
	server := NewEndpoint(sc, nil, Server, &Options{ReadLimit: -1})
	client := NewEndpoint(cc, nil, Client, nil)
	const writers, each = 8, 50
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				msg := bytes.Repeat([]byte{byte('a' + g)}, 1+(i*997)%40000)
				if i%3 == 0 {
					w, err := client.NextWriter(frame.OpBinary)
					if err != nil {
						t.Error(err)
						return
					}
					for p := msg; len(p) > 0; p = p[min(len(p), 5000):] {
						w.Write(p[:min(len(p), 5000)])
						w.(interface{ Flush() error }).Flush()
					}
					w.Close()
				} else if err := client.WriteMessage(frame.OpBinary, msg); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	seen := map[byte]int{}
	var buf []byte
	for range writers * each {
		_, p, err := server.ReadMessage(buf)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) == 0 || !bytes.Equal(p, bytes.Repeat(p[:1], len(p))) {
			t.Fatalf("interleaved message of %d bytes", len(p))
		}
		seen[p[0]]++
		buf = p
	}
	wg.Wait()
	for g := range writers {
		if seen[byte('a'+g)] != each {
			t.Fatalf("writer %d: %d messages, want %d", g, seen[byte('a'+g)], each)
		}
	}
}

// TestReadDeadlineResumable: a read that times out leaves the connection
// usable, mid-header or mid-payload.
func TestReadDeadlineResumable(t *testing.T) {
	t.Parallel()
	sc, cc := tcpPair(t)
	ep := NewEndpoint(sc, nil, Server, nil)
	f := clientFrame(0x82, bytes.Repeat([]byte("d"), 300))
	for _, cut := range []int{1, 5, 100} {
		cc.Write(f[:cut])
		ep.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		_, r, err := ep.NextReader()
		if err == nil {
			_, err = io.ReadAll(r)
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("cut %d: err = %v, want a timeout", cut, err)
		}
		ep.SetReadDeadline(time.Time{})
		cc.Write(f[cut:])
		if r == nil {
			_, r, err = ep.NextReader()
			if err != nil {
				t.Fatal(err)
			}
		}
		// A timeout inside the payload keeps the message's position.
		b, err := io.ReadAll(r)
		if err != nil || len(b) == 0 {
			t.Fatalf("cut %d: after the timeout read %d bytes, %v", cut, len(b), err)
		}
	}
}

// TestCoalescedWritesFlush: replies coalesced while the reader has more
// frames buffered all arrive, in order, both when the application reads on
// (the reader flushes before it blocks) and when it stops reading (the
// timer flushes).
func TestCoalescedWritesFlush(t *testing.T) {
	t.Parallel()
	sc, cc := tcpPair(t)
	cc.SetDeadline(time.Now().Add(5 * time.Second))
	ep := NewEndpoint(sc, nil, Server, nil)
	var burst []byte
	for i := range 50 {
		burst = append(burst, clientFrame(0x82, []byte{byte(i)})...)
	}
	cc.Write(burst)
	br := bufio.NewReader(cc)
	// Read and answer only 10 of the 50: the application then stops reading.
	for range 10 {
		_, p, err := ep.ReadMessage(nil)
		if err != nil {
			t.Fatal(err)
		}
		ep.WriteMessage(frame.OpBinary, p)
	}
	for i := range 10 {
		if _, p := readServerFrame(t, br); len(p) != 1 || p[0] != byte(i) {
			t.Fatalf("reply %d = % x", i, p)
		}
	}
	// Now the rest, read and answered in a loop.
	for range 40 {
		_, p, err := ep.ReadMessage(nil)
		if err != nil {
			t.Fatal(err)
		}
		ep.WriteMessage(frame.OpBinary, p)
	}
	for i := 10; i < 50; i++ {
		if _, p := readServerFrame(t, br); len(p) != 1 || p[0] != byte(i) {
			t.Fatalf("reply %d = % x", i, p)
		}
	}
	// A ping between coalesced replies keeps its place after them.
	cc.Write(cat(clientFrame(0x82, []byte{1}), clientFrame(0x82, []byte{2})))
	for range 2 {
		_, p, _ := ep.ReadMessage(nil)
		ep.WriteMessage(frame.OpBinary, p)
		ep.writeControl(frame.OpPing, []byte("x"))
	}
	for _, want := range []byte{0x82, 0x89, 0x82, 0x89} {
		if b0, _ := readServerFrame(t, br); b0 != want {
			t.Fatalf("frame %#x, want %#x", b0, want)
		}
	}
}
