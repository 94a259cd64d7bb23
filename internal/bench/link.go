package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultLinkBuffer is how many bytes a Relay holds per direction of a
// connection when Link.Buffer is zero: 4 MiB, more than the bandwidth-delay
// product of 100 Mbit/s over 100 ms (1.25 MB), so the buffer does not limit
// such a link.
const DefaultLinkBuffer = 4 << 20

// chunkCost is what a Relay charges against Link.Buffer for each queued
// chunk on top of its bytes: about what the chunk costs in memory (its
// linkChunk and the allocation's rounding). Without it a peer sending one
// byte at a time could make a 4 MiB buffer hold 4 million chunks.
const chunkCost = 64

// relayReadSize is the most a Relay reads from a socket at once. A chunk is
// released as a whole, so smaller chunks pace a bulk transfer more evenly.
const relayReadSize = 16 << 10

// timerSlack is how early a Relay may release a chunk. Go's timers on Linux
// fire up to about a millisecond late (the poller sleeps in whole
// milliseconds), so waiting for the exact due time would add over half a
// millisecond per direction on average; releasing whatever is due within
// half a millisecond brings it down to the 0.2–0.4 ms the kernel takes to
// wake the poller (measured on our VM, idle; more on a busy machine).
const timerSlack = 500 * time.Microsecond

// A Link describes the emulated network path of a Relay, the same in both
// directions. The zero value is a link with no delay and no bandwidth limit.
type Link struct {
	// RTT is the round-trip time: every byte (and every FIN) reaches the
	// other side RTT/2 after the relay read it, and a new connection's
	// first bytes wait one RTT more, as TCP's three-way handshake makes
	// them (RFC 9293, Section 3.5).
	RTT time.Duration `json:"rtt_ns"`
	// Bandwidth is the rate of each direction in bytes per second; 0 means
	// unlimited. A chunk of n bytes occupies the link for n/Bandwidth,
	// queued behind the chunks before it (serialization delay).
	Bandwidth int64 `json:"bandwidth,omitempty"`
	// Buffer is how many bytes the relay queues per direction before it
	// stops reading from the sender (0 means DefaultLinkBuffer; at least
	// 1 KiB; each queued read also counts chunkCost bytes). Like a
	// TCP window, it bounds the bytes in flight: a bulk sender gets at most
	// Buffer bytes per RTT/2 through.
	Buffer int `json:"buffer,omitempty"`
}

func (l Link) buffer() int {
	if l.Buffer > 0 {
		return l.Buffer
	}
	return DefaultLinkBuffer
}

// String describes the link, as "20ms RTT, 100 Mbit/s".
func (l Link) String() string {
	bw := "unlimited bandwidth"
	if l.Bandwidth > 0 {
		bw = FormatBandwidth(l.Bandwidth)
	}
	return l.RTT.String() + " RTT, " + bw
}

// FormatBandwidth writes bytes per second as Mbit/s (or Gbit/s, kbit/s).
func FormatBandwidth(bps int64) string {
	bits := float64(bps) * 8
	switch {
	case bits >= 1e9:
		return strconv.FormatFloat(bits/1e9, 'g', 4, 64) + " Gbit/s"
	case bits >= 1e6:
		return strconv.FormatFloat(bits/1e6, 'g', 4, 64) + " Mbit/s"
	default:
		return strconv.FormatFloat(bits/1e3, 'g', 4, 64) + " kbit/s"
	}
}

// ParseBandwidth parses a rate such as "100Mbit", "100Mbit/s", "1Gbit",
// "12.5MB/s" or "0" (unlimited) into bytes per second. A number without a
// unit is in bytes per second. Units are decimal (1 Mbit = 10^6 bits).
func ParseBandwidth(s string) (int64, error) {
	num, unit := s, ""
	for i, c := range s {
		if (c < '0' || c > '9') && c != '.' {
			num, unit = s[:i], s[i:]
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("bench: bandwidth %q: want a number and a unit such as 100Mbit or 12.5MB/s", s)
	}
	scale := map[string]float64{
		"": 1, "B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9,
		"bit": 1.0 / 8, "kbit": 1e3 / 8, "Kbit": 1e3 / 8, "Mbit": 1e6 / 8, "Gbit": 1e9 / 8,
	}
	unit = strings.TrimSuffix(unit, "/s")
	f, ok := scale[unit]
	if !ok {
		return 0, fmt.Errorf("bench: bandwidth %q: unknown unit %q (want B, kB, MB, GB, kbit, Mbit or Gbit, with or without /s)", s, unit)
	}
	return int64(v * f), nil
}

// A Relay is a TCP relay on 127.0.0.1 that puts an emulated link between
// the clients that dial it and the server it dials for each of them: a
// round-trip time and a bandwidth (see Link). It preserves the order of
// the bytes, passes half-closes on (a FIN takes RTT/2 like a byte) and
// holds at most Link.Buffer bytes per direction of a connection: when the
// queue is full it stops reading, and TCP's flow control slows the sender,
// as a full buffer on a real path would.
//
// What it does not emulate: TCP slow start and congestion control (the
// whole window is usable from the first round trip), loss and
// retransmission, jitter, the TCP/IP headers' share of the bandwidth, and
// the delay of a reset (an error on one side closes both at once).
//
// Each connection costs five goroutines (a reader and a writer per
// direction, and one that waits for them) and up to Link.Buffer bytes
// per direction. Its methods may be called concurrently.
type Relay struct {
	link   Link
	target string
	ln     net.Listener
	wg     sync.WaitGroup

	mu     sync.Mutex
	conns  map[*relayConn]struct{}
	closed bool

	accepted, relayed, chunks atomic.Int64
	maxQueued                 atomic.Int64
}

// RelayStats counts what a Relay has carried.
type RelayStats struct {
	Conns     int64 // connections accepted
	Bytes     int64 // bytes relayed, both directions
	Chunks    int64 // reads that carried bytes (each is released as one piece)
	MaxQueued int64 // the most ever queued in one direction of one connection: bytes plus chunkCost per chunk
}

// StartRelay listens on 127.0.0.1 (a port chosen by the system) and relays
// every connection it accepts to target through link. Close stops it.
func StartRelay(target string, link Link) (*Relay, error) {
	if link.RTT < 0 || link.Bandwidth < 0 || link.Buffer < 0 {
		return nil, fmt.Errorf("bench: relay: negative link parameter in %+v", link)
	}
	if link.Buffer > 0 && link.Buffer < 1<<10 {
		return nil, fmt.Errorf("bench: relay: a %d-byte buffer is under the 1 KiB minimum", link.Buffer)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Relay{link: link, target: target, ln: ln, conns: map[*relayConn]struct{}{}}
	r.wg.Add(1)
	go r.acceptLoop()
	return r, nil
}

// Addr returns the host:port the clients dial.
func (r *Relay) Addr() string { return r.ln.Addr().String() }

// Link returns the link the relay emulates.
func (r *Relay) Link() Link { return r.link }

// Stats returns what the relay has carried so far.
func (r *Relay) Stats() RelayStats {
	return RelayStats{r.accepted.Load(), r.relayed.Load(), r.chunks.Load(), r.maxQueued.Load()}
}

// Close stops accepting, closes every relayed connection at once (bytes
// still queued are dropped) and returns when all the relay's goroutines
// have ended.
func (r *Relay) Close() error {
	r.mu.Lock()
	r.closed = true
	conns := make([]*relayConn, 0, len(r.conns))
	for rc := range r.conns {
		conns = append(conns, rc)
	}
	r.mu.Unlock()
	err := r.ln.Close()
	for _, rc := range conns {
		rc.abort()
	}
	r.wg.Wait()
	return err
}

func (r *Relay) acceptLoop() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors or the like: wait and retry, as net/http does.
			time.Sleep(5 * time.Millisecond)
			continue
		}
		r.accepted.Add(1)
		rc := &relayConn{done: make(chan struct{})}
		rc.add(c)
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			rc.abort()
			return
		}
		r.conns[rc] = struct{}{}
		r.wg.Add(1)
		r.mu.Unlock()
		go r.serve(rc, c)
	}
}

// serve relays one client connection to a new connection to the target.
func (r *Relay) serve(rc *relayConn, client net.Conn) {
	defer r.wg.Done()
	defer func() {
		rc.abort()
		r.mu.Lock()
		delete(r.conns, rc)
		r.mu.Unlock()
	}()
	// A TCP client can send its first byte only once the SYN has gone out
	// and the SYN-ACK come back (RFC 9293, Section 3.5): one round trip.
	// On loopback connect returns at once, so the relay emulates it by
	// reading nothing for one RTT: what the client sends meanwhile waits
	// in the kernel, and leaves RTT/2 after the relay reads it.
	if !rc.sleep(r.link.RTT) {
		return
	}
	server, err := net.DialTimeout("tcp", r.target, 10*time.Second)
	if err != nil {
		return
	}
	if !rc.add(server) {
		return
	}
	up, down := r.newDir(), r.newDir()
	var wg sync.WaitGroup
	wg.Add(4)
	go func() { defer wg.Done(); up.read(client, rc) }()
	go func() { defer wg.Done(); up.write(server, rc) }()
	go func() { defer wg.Done(); down.read(server, rc) }()
	go func() { defer wg.Done(); down.write(client, rc) }()
	wg.Wait()
}

// A relayConn is one relayed connection: its two sockets and the channel
// that tells its goroutines to stop.
type relayConn struct {
	done chan struct{}
	once sync.Once

	mu    sync.Mutex
	socks []net.Conn
}

// add registers c to be closed by abort, or closes it and returns false if
// abort has already run.
func (rc *relayConn) add(c net.Conn) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	select {
	case <-rc.done:
		c.Close()
		return false
	default:
	}
	rc.socks = append(rc.socks, c)
	return true
}

// abort closes both sockets and tells every goroutine of the connection to
// stop. It may be called more than once.
func (rc *relayConn) abort() {
	rc.once.Do(func() {
		rc.mu.Lock()
		close(rc.done)
		for _, c := range rc.socks {
			c.Close()
		}
		rc.mu.Unlock()
	})
}

// sleep waits for d, and reports false if the connection was aborted first.
func (rc *relayConn) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-rc.done:
		return false
	}
}

// A linkDir is one direction of a relayed connection: the chunks read from
// one socket and not yet written to the other, each with the time it is due.
type linkDir struct {
	r    *Relay
	link Link
	room chan struct{} // signalled when the writer frees queue space
	wake chan struct{} // signalled when the reader queues a chunk

	mu     sync.Mutex
	q      []linkChunk
	queued int       // bytes in q, plus chunkCost per chunk
	free   time.Time // when the link has sent everything queued so far
}

// A linkChunk is what one read brought, or a FIN (fin set, b empty).
type linkChunk struct {
	b   []byte
	due time.Time
	fin bool
}

func (r *Relay) newDir() *linkDir {
	return &linkDir{r: r, link: r.link, room: make(chan struct{}, 1), wake: make(chan struct{}, 1)}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// push queues b (or a FIN if b is nil) read at time at, and computes when
// it is due: once the link has sent what came before it and b itself
// (len(b)/Bandwidth), plus half the round trip.
func (d *linkDir) push(b []byte, at time.Time) {
	d.mu.Lock()
	start := at
	if d.free.After(start) {
		start = d.free
	}
	if d.link.Bandwidth > 0 && len(b) > 0 {
		start = start.Add(time.Duration(int64(len(b)) * int64(time.Second) / d.link.Bandwidth))
	}
	d.free = start
	d.q = append(d.q, linkChunk{b: b, due: start.Add(d.link.RTT / 2), fin: b == nil})
	d.queued += len(b) + chunkCost
	q := int64(d.queued)
	d.mu.Unlock()
	for {
		m := d.r.maxQueued.Load()
		if q <= m || d.r.maxQueued.CompareAndSwap(m, q) {
			break
		}
	}
	signal(d.wake)
}

// read copies src into the queue until src ends: at EOF it queues a FIN; on
// any other error (including the connection's abort) it aborts.
func (d *linkDir) read(src net.Conn, rc *relayConn) {
	buf := make([]byte, relayReadSize)
	limit := d.link.buffer()
	for {
		d.mu.Lock()
		room := limit - d.queued - chunkCost
		d.mu.Unlock()
		if room <= 0 {
			// The queue is full: read nothing until the writer frees some,
			// so the sender's TCP window closes (flow control).
			select {
			case <-d.room:
				continue
			case <-rc.done:
				return
			}
		}
		n, err := src.Read(buf[:min(room, len(buf))])
		if n > 0 {
			d.r.chunks.Add(1)
			d.push(bytes.Clone(buf[:n]), time.Now())
		}
		if err == io.EOF {
			d.push(nil, time.Now())
			return
		}
		if err != nil {
			rc.abort()
			return
		}
	}
}

// write releases the queued chunks to dst as they fall due, several in one
// write when they are due together, and half-closes dst at the FIN.
func (d *linkDir) write(dst net.Conn, rc *relayConn) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	defer t.Stop()
	for {
		d.mu.Lock()
		if len(d.q) == 0 {
			d.mu.Unlock()
			select {
			case <-d.wake:
				continue
			case <-rc.done:
				return
			}
		}
		// Go's timers fire late: the runtime's poller sleeps in whole
		// milliseconds, rounding down and then sleeping once more for the
		// rest (a timer set for 10.3 ms fires after about 11.1 ms), and
		// the kernel takes a while to wake it (about 0.2 ms on our VM). So
		// the writer asks for the nearest whole millisecond and releases
		// what is due within timerSlack: a chunk leaves between half a
		// millisecond early and about as much late, typically 0.2–0.4 ms
		// late (MeasureRTT gives the round trip as a client sees it).
		now := time.Now()
		if wait := d.q[0].due.Sub(now); wait > timerSlack {
			d.mu.Unlock()
			if w := wait.Round(time.Millisecond); w > 0 {
				wait = w
			}
			t.Reset(wait)
			select {
			case <-t.C:
				continue
			case <-rc.done:
				return
			}
		}
		// Release everything due by now: a late timer must not leave
		// chunks that are already due waiting for another round.
		var out net.Buffers
		n, cost, fin, i := 0, 0, false, 0
		for ; i < len(d.q) && !d.q[i].due.After(now.Add(timerSlack)); i++ {
			cost += len(d.q[i].b) + chunkCost
			if d.q[i].fin {
				fin = true
				i++
				break
			}
			out = append(out, d.q[i].b)
			n += len(d.q[i].b)
		}
		clear(d.q[:i])
		d.q = d.q[i:]
		d.mu.Unlock()
		if n > 0 {
			if _, err := out.WriteTo(dst); err != nil {
				rc.abort()
				return
			}
			d.r.relayed.Add(int64(n))
		}
		d.mu.Lock()
		d.queued -= cost
		d.mu.Unlock()
		signal(d.room)
		if fin {
			if cw, ok := dst.(interface{ CloseWrite() error }); ok {
				cw.CloseWrite()
			} else {
				dst.Close()
			}
			return
		}
	}
}

// MeasureRTT measures link as a client sees it: it relays one connection
// to a one-byte echo server and returns the time of the first exchange
// (which also pays the connection's opening round trip, so about 2×RTT)
// and the median of n exchanges after it (about RTT).
func MeasureRTT(link Link, n int) (first, median time.Duration, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, err
	}
	defer ln.Close()
	echoed := make(chan struct{})
	go func() {
		defer close(echoed)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c)
	}()
	r, err := StartRelay(ln.Addr().String(), link)
	if err != nil {
		return 0, 0, err
	}
	defer r.Close()
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		c.Close()
		r.Close() // ends the echo server's connection if the relay has not
		<-echoed
	}()
	c.SetDeadline(time.Now().Add(time.Duration(n+3) * (2*link.RTT + time.Second)))
	var b [1]byte
	times := make([]time.Duration, 0, n)
	for i := range n + 1 {
		t0 := time.Now()
		b[0] = byte(i)
		if _, err := c.Write(b[:]); err != nil {
			return 0, 0, err
		}
		if _, err := io.ReadFull(c, b[:]); err != nil {
			return 0, 0, err
		}
		if b[0] != byte(i) {
			return 0, 0, fmt.Errorf("bench: relay echoed %d, want %d", b[0], byte(i))
		}
		if i == 0 {
			first = time.Since(t0)
			continue
		}
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	if len(times) > 0 {
		median = times[len(times)/2]
	}
	return first, median, nil
}
