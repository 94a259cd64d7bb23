// Package load is an external load generator for WebSocket servers, the
// logic behind cmd/wsload. It speaks the client side of RFC 6455 over raw
// TCP with no library of ours in the way (a fixed handshake, pre-masked
// frames), so the server is what is measured, whichever library it uses:
//
//   - Idle: open N connections that send nothing and report the server's
//     resident memory (VmRSS from /proc/PID/status) per connection, right
//     after they are open, with no forced collection;
//   - Handshakes: C clients each looping dial → handshake → close;
//   - Echo: K connections each sending S-byte binary messages pipelined
//     (a bounded window ahead of the echoes) and counting what comes back.
//
// Runs interleave the targets in rotated order round after round and
// report medians (Median), so a shared, noisy machine affects every
// target alike; read the ratios between targets of one run.
//
// RawCopy is a reference server: it answers the 101 correctly and then
// copies bytes back with no framing work, the ceiling of what loopback and
// this generator allow.
package load

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rfc6455/ws/handshake"
)

// clientKey is the Sec-WebSocket-Key every client of the generator sends:
// the sample nonce of RFC 6455, Section 1.3. The server cannot tell, and a
// fixed key lets the generator check Sec-WebSocket-Accept with no work.
const clientKey = "dGhlIHNhbXBsZSBub25jZQ=="

// Target is a server under test.
type Target struct {
	Name string
	URL  string // ws://host:port/path
	PID  int    // the server process, for Idle's memory figures; 0 if unknown
}

func (t Target) hostPath() (host, path string, err error) {
	u, err := url.Parse(t.URL)
	if err != nil {
		return "", "", err
	}
	if u.Scheme != "ws" {
		return "", "", fmt.Errorf("load: %s: only ws:// URLs are supported", t.URL)
	}
	path = u.RequestURI()
	return u.Host, path, nil
}

// request returns the opening handshake request of RFC 6455, Section 4.1.
func request(host, path string) []byte {
	return []byte("GET " + path + " HTTP/1.1\r\nHost: " + host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + clientKey +
		"\r\nSec-WebSocket-Version: 13\r\n\r\n")
}

// errNot101 is the error when a server refuses the handshake.
var errNot101 = errors.New("load: the server did not answer 101 Switching Protocols")

// dialWS opens one WebSocket connection: the request, then the response
// head read through br (RFC 6455, Section 4.1). Bytes after the head stay
// in br.
func dialWS(ctx context.Context, d *net.Dialer, host string, req []byte, br *bufio.Reader) (net.Conn, error) {
	c, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	// A server that accepts and never answers fails the handshake rather
	// than holding the run.
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	if _, err := c.Write(req); err != nil {
		c.Close()
		return nil, err
	}
	br.Reset(c)
	if err := readResponse(br); err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// handshakeTimeout bounds one opening handshake of dialWS.
var handshakeTimeout = 10 * time.Second // a test shortens it

// wantAccept is the Sec-WebSocket-Accept value for clientKey.
var wantAccept = []byte(handshake.AcceptKey(clientKey))

// readResponse reads a response head and checks its status and
// Sec-WebSocket-Accept (RFC 6455, Section 4.1, points 1 and 4).
func readResponse(br *bufio.Reader) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 101 ")) {
		return fmt.Errorf("%w: %q", errNot101, bytes.TrimSpace(line))
	}
	accepted := false
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			break
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		if bytes.EqualFold(name, []byte("Sec-WebSocket-Accept")) {
			accepted = bytes.Equal(bytes.TrimSpace(value), wantAccept)
		}
	}
	if !accepted {
		return errors.New("load: wrong or missing Sec-WebSocket-Accept (RFC 6455, Section 4.1)")
	}
	return nil
}

// RSS returns the resident memory of process pid (VmRSS, Linux), in bytes.
func RSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("load: no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
}

// IdleResult is one idle measurement.
type IdleResult struct {
	Conns     int
	RSSBefore int64 // server RSS before the connections, bytes (0 without a PID)
	RSSAfter  int64 // right after the last one is open plus Settle
	Open      time.Duration
}

// PerConn returns the server's RSS growth per connection, in KiB.
func (r IdleResult) PerConn() float64 {
	return float64(r.RSSAfter-r.RSSBefore) / float64(r.Conns) / 1024
}

// Total returns the server's whole RSS per connection, in KiB.
func (r IdleResult) Total() float64 { return float64(r.RSSAfter) / float64(r.Conns) / 1024 }

// Idle opens n connections to t that send nothing, parallel at most 64 at
// a time, waits settle, reads the server's RSS, and returns the
// connections still open: the caller closes them (CloseAll), so that
// several sizes can be measured on one server.
func Idle(ctx context.Context, t Target, n int, settle time.Duration) (IdleResult, []net.Conn, error) {
	host, path, err := t.hostPath()
	if err != nil {
		return IdleResult{}, nil, err
	}
	res := IdleResult{Conns: n}
	if t.PID != 0 {
		if res.RSSBefore, err = RSS(t.PID); err != nil {
			return res, nil, err
		}
	}
	req := request(host, path)
	conns := make([]net.Conn, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, 64)
	start := time.Now()
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := &net.Dialer{}
			br := bufio.NewReaderSize(nil, 512)
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				c, err := dialWS(ctx, d, host, req, br)
				if err != nil {
					errs[w] = fmt.Errorf("connection %d: %w", i, err)
					return
				}
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	res.Open = time.Since(start)
	if err := errors.Join(errs...); err != nil {
		CloseAll(conns)
		return res, nil, err
	}
	select {
	case <-time.After(settle):
	case <-ctx.Done():
	}
	if t.PID != 0 {
		if res.RSSAfter, err = RSS(t.PID); err != nil {
			CloseAll(conns)
			return res, nil, err
		}
	}
	return res, conns, nil
}

// CloseAll closes every non-nil connection of cs.
func CloseAll(cs []net.Conn) {
	for _, c := range cs {
		if c != nil {
			c.Close()
		}
	}
}

// Handshakes runs c clients for d, each looping dial → handshake → close,
// and returns the handshakes completed per second.
func Handshakes(ctx context.Context, t Target, c int, d time.Duration) (float64, error) {
	host, path, err := t.hostPath()
	if err != nil {
		return 0, err
	}
	req := request(host, path)
	var stop atomic.Bool
	t0 := time.AfterFunc(d, func() { stop.Store(true) })
	defer t0.Stop()
	var done atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, c)
	start := time.Now()
	for w := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dl := &net.Dialer{Timeout: 10 * time.Second}
			br := bufio.NewReaderSize(nil, 512)
			for !stop.Load() && ctx.Err() == nil {
				nc, err := dialWS(ctx, dl, host, req, br)
				if err != nil {
					errs[w] = err
					return
				}
				nc.Close()
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	return float64(done.Load()) / el.Seconds(), nil
}

// EchoResult is one echo measurement.
type EchoResult struct {
	Msgs  int64
	Bytes int64 // payload bytes echoed
	Time  time.Duration
}

// MsgPerSec returns messages echoed per second.
func (r EchoResult) MsgPerSec() float64 { return float64(r.Msgs) / r.Time.Seconds() }

// MBPerSec returns payload megabytes (10^6) echoed per second.
func (r EchoResult) MBPerSec() float64 { return float64(r.Bytes) / r.Time.Seconds() / 1e6 }

// window is how many payload bytes a connection may send ahead of the
// echoes it has read back (at least one message).
const window = 256 << 10

// clientFrame returns one masked binary frame carrying size bytes (RFC
// 6455, Section 5.2: a client masks every frame).
func clientFrame(size int) []byte {
	var key [4]byte
	rand.Read(key[:])
	b := []byte{0x82}
	switch {
	case size < 126:
		b = append(b, 0x80|byte(size))
	case size <= 0xffff:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(size))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(size))
	}
	b = append(b, key[:]...)
	for i := range size {
		b = append(b, byte('a'+i%26)^key[i&3])
	}
	return b
}

// Echo runs k connections for d, each sending size-byte binary messages
// as fast as the window allows and reading the echoes.
func Echo(ctx context.Context, t Target, size, k int, d time.Duration) (EchoResult, error) {
	host, path, err := t.hostPath()
	if err != nil {
		return EchoResult{}, err
	}
	req := request(host, path)
	fr := clientFrame(size)
	// Frames are written in batches of up to 64 KiB; the window is in batches.
	per := max(1, (64<<10)/len(fr))
	batch := bytes.Repeat(fr, per)
	credits := max(1, window/(per*max(size, 1)))
	conns := make([]net.Conn, k)
	brs := make([]*bufio.Reader, k)
	dl := &net.Dialer{}
	for i := range k {
		brs[i] = bufio.NewReaderSize(nil, 64<<10)
		if conns[i], err = dialWS(ctx, dl, host, req, brs[i]); err != nil {
			CloseAll(conns)
			return EchoResult{}, err
		}
	}
	defer CloseAll(conns)
	var msgs atomic.Int64
	var measuring atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, 2*k)
	for i, c := range conns {
		tokens := make(chan struct{}, credits)
		for range credits {
			tokens <- struct{}{}
		}
		wg.Add(1)
		go func() {
			defer wg.Done() // writer
			for {
				select {
				case <-tokens:
				case <-stop:
					return
				}
				if _, err := c.Write(batch); err != nil {
					select {
					case <-stop:
					default:
						errs[2*i] = err
					}
					return
				}
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done() // reader: count whole messages (FIN frames)
			br := brs[i]
			got := 0
			for {
				n, fin, err := readServerFrame(br)
				if err != nil {
					select {
					case <-stop:
					default:
						errs[2*i+1] = err
					}
					return
				}
				if n != int64(size) && fin {
					errs[2*i+1] = fmt.Errorf("load: echoed message of %d bytes, sent %d", n, size)
					return
				}
				if !fin {
					continue
				}
				if measuring.Load() {
					msgs.Add(1)
				}
				if got++; got == per {
					got = 0
					tokens <- struct{}{}
				}
			}
		}()
	}
	warm := min(d/4, time.Second)
	sleepCtx(ctx, warm)
	measuring.Store(true)
	start := time.Now()
	sleepCtx(ctx, d)
	n := msgs.Load()
	el := time.Since(start)
	close(stop)
	for _, c := range conns {
		c.SetDeadline(time.Now()) // wake readers and writers
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return EchoResult{}, err
	}
	return EchoResult{Msgs: n, Bytes: n * int64(size), Time: el}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}

// readServerFrame reads one unmasked server frame (RFC 6455, Section 5.2)
// and discards its payload. A fragmented echo counts as one message, at its
// final frame; n is then the whole message's length only if it came as one
// frame, so Echo checks lengths only of single-frame messages.
func readServerFrame(br *bufio.Reader) (n int64, fin bool, err error) {
	h, err := br.Peek(2)
	if err != nil {
		return 0, false, err
	}
	fin = h[0]&0x80 != 0
	if op := h[0] & 0x0f; op >= 8 {
		fin = false // a control frame is no message
	}
	// A server's frames are unmasked (RFC 6455, Section 5.1); RawCopy's
	// come back masked, so a masking key is skipped rather than refused.
	hl := 2
	switch h[1] & 0x7f {
	case 126:
		hl = 4
	case 127:
		hl = 10
	}
	masked := h[1]&0x80 != 0
	h, err = br.Peek(hl)
	if err != nil {
		return 0, false, err
	}
	switch hl {
	case 2:
		n = int64(h[1] & 0x7f)
	case 4:
		n = int64(binary.BigEndian.Uint16(h[2:]))
	default:
		n = int64(binary.BigEndian.Uint64(h[2:]) & (1<<63 - 1))
	}
	if masked {
		hl += 4
	}
	br.Discard(hl)
	for left := n; left > 0; {
		m, err := br.Discard(int(min(left, 1<<30)))
		left -= int64(m)
		if err != nil {
			return 0, false, err
		}
	}
	return n, fin, nil
}

// Median returns the median of xs (the mean of the middle two for an even
// count), or 0 for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Rounds runs f for every target in every round, the order rotated by one
// each round, and returns each target's results in round order.
func Rounds(ctx context.Context, targets []Target, rounds int, f func(context.Context, Target) (float64, error)) ([][]float64, error) {
	out := make([][]float64, len(targets))
	for r := range rounds {
		for j := range targets {
			i := (j + r) % len(targets)
			v, err := f(ctx, targets[i])
			if err != nil {
				return out, fmt.Errorf("%s: %w", targets[i].Name, err)
			}
			out[i] = append(out[i], v)
		}
	}
	return out, nil
}
