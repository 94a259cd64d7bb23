package conn

// Hostile and slow peers (issue 11). Each test plays a peer that lies
// about a length, never sends the rest, stops reading, resets, or is
// simply slow, and asserts a bound a user relies on: memory grows only
// with bytes received, a read never loses data, Close returns in time,
// keepalive never drops a peer that answers. Margins are wide enough for
// a loaded 2-core machine; memory is counted with runtime.MemStats.

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// peerFrame encodes one frame as a hostile peer sends it: masked (with the
// Section 5.7 key) when it goes to a server, whatever PayloadLen says, and
// followed by payload, which may be shorter or longer than announced.
func peerFrame(to Role, h frame.Header, payload []byte) []byte {
	if to == Server {
		h.Masked = true
		h.MaskKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}
	}
	b := frame.AppendHeader(nil, h)
	start := len(b)
	b = append(b, payload...)
	if h.Masked {
		frame.Mask(h.MaskKey, b[start:], 0)
	}
	return b
}

// deflateOpts returns Options with permessage-deflate in effect (15-bit
// windows, context takeover) as if negotiated.
func deflateOpts(limit int64) *Options {
	return &Options{ReadLimit: limit, Compression: Compression{Enable: true, Negotiated: &handshake.DeflateParams{}}}
}

// totalAlloc returns the bytes allocated so far by the process.
func totalAlloc() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

// readCloseCode reads what ep sent to peer until a Close frame, and
// returns its code (0 if none came within 5 s).
func readCloseCode(t *testing.T, peer net.Conn) frame.CloseCode {
	t.Helper()
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	fr := frame.NewReader(peer)
	for {
		h, err := fr.ReadHeader()
		if err != nil {
			return 0
		}
		p, _ := io.ReadAll(fr)
		if h.Opcode == frame.OpClose {
			return closeCode(p)
		}
	}
}

// TestHostileAnnouncedLength: one frame header announcing 2^62, 2^40 or
// 1 GiB bytes, with RSV1 (compressed) or without, to a server or to a
// client, with the default limit: the read fails with 1009 at the header,
// sends 1009, allocates nothing for the announced bytes and never panics
// (before issue 11, RSV1 with 2^62 panicked in growslice, 2^40 was a fatal
// out-of-memory, and 1 GiB allocated 1 GiB per 15-byte header).
func TestHostileAnnouncedLength(t *testing.T) {
	for _, role := range []Role{Server, Client} {
		for _, rsv1 := range []bool{true, false} {
			for _, n := range []int64{1 << 62, 1 << 40, 1 << 30, DefaultReadLimit + DefaultReadLimit/8 + 65} {
				name := role.String()
				if rsv1 {
					name += "/RSV1"
				}
				t.Run(name+"/"+strconv.FormatInt(n, 10), func(t *testing.T) {
					a, b := tcpPair(t)
					ep := NewEndpoint(a, nil, role, deflateOpts(0))
					sent := make(chan frame.CloseCode, 1)
					go func() {
						sent <- readCloseCode(t, b)
						b.Close() // so the endpoint's linger ends at once
					}()
					before := totalAlloc()
					b.Write(peerFrame(role, frame.Header{Fin: true, Rsv1: rsv1, Opcode: frame.OpBinary, PayloadLen: n}, []byte("abc")))
					_, _, err := ep.ReadMessage(nil)
					if got := CloseStatus(err); got != frame.CloseMessageTooBig {
						t.Fatalf("ReadMessage: %v (code %d), want 1009", err, got)
					}
					if grew := totalAlloc() - before; grew > 1<<20 {
						t.Errorf("allocated %d bytes for a header announcing %d", grew, n)
					}
					if code := <-sent; code != frame.CloseMessageTooBig {
						t.Errorf("peer received close code %d, want 1009", code)
					}
				})
			}
		}
	}
}

// TestHostileNoLimit: with no read limit at all (ReadLimit < 0), a header
// announcing 2^62 bytes followed by 1 KiB and a reset costs about what
// arrived, through ReadMessage, compressed or not.
func TestHostileNoLimit(t *testing.T) {
	for _, rsv1 := range []bool{false, true} {
		a, b := tcpPair(t)
		ep := NewEndpoint(a, nil, Server, deflateOpts(-1))
		before := totalAlloc()
		payload := bytes.Repeat([]byte{0}, 1<<10) // stored-block garbage for the inflater: it reads it and waits
		b.Write(peerFrame(Server, frame.Header{Fin: true, Rsv1: rsv1, Opcode: frame.OpBinary, PayloadLen: 1 << 62}, payload))
		time.AfterFunc(100*time.Millisecond, func() { b.Close() })
		_, _, err := ep.ReadMessage(nil)
		if err == nil {
			t.Fatal("ReadMessage succeeded on a cut message")
		}
		if grew := totalAlloc() - before; grew > 1<<20 {
			t.Errorf("RSV1 %v: allocated %d bytes after receiving 1 KiB", rsv1, grew)
		}
	}
}

// TestHostileStalledPeers: many peers announce a message of the limit and
// send only a byte or a KiB of it, then stall. The heap grows with what
// they sent, not with what they announced (before issue 11: 4 peers
// announcing 48 MiB to a 64 MiB limit cost +167 MiB of RSS, 1000 peers
// announcing 64 KiB +66 MiB of heap).
func TestHostileStalledPeers(t *testing.T) {
	cases := []struct {
		name     string
		peers    int
		limit    int64
		announce int64
		send     int
		perPeer  uint64 // allowed allocation per peer
	}{
		{"4 peers announce 48 MiB, send 1 KiB", 4, 64 << 20, 48 << 20, 1 << 10, 64 << 10},
		{"300 peers announce 64 KiB, send 1 B", 300, 0, 64 << 10, 1, 8 << 10},
	}
	for _, tc := range cases {
		for _, rsv1 := range []bool{false, true} {
			t.Run(tc.name, func(t *testing.T) {
				eps := make([]*Endpoint, tc.peers)
				peers := make([]net.Conn, tc.peers)
				for i := range eps {
					a, b := net.Pipe()
					peers[i] = b
					eps[i] = NewEndpoint(a, nil, Server, deflateOpts(tc.limit))
				}
				var wg sync.WaitGroup
				t.Cleanup(func() {
					for _, b := range peers {
						b.Close()
					}
					wg.Wait()
				})
				runtime.GC()
				before := totalAlloc()
				for i, ep := range eps {
					wg.Add(1)
					go func() {
						defer wg.Done()
						ep.ReadMessage(nil)
					}()
					payload := make([]byte, tc.send)
					if rsv1 && tc.send >= 5 {
						// A stored block of 64 KiB (RFC 1951, Section
						// 3.2.4), cut short: the inflater waits for the rest.
						copy(payload, []byte{0x00, 0xff, 0xff, 0x00, 0x00})
					}
					// net.Pipe is synchronous: Write returns once the
					// Endpoint has read the bytes.
					peers[i].Write(peerFrame(Server, frame.Header{Rsv1: rsv1, Opcode: frame.OpBinary, PayloadLen: tc.announce}, payload))
				}
				time.Sleep(100 * time.Millisecond) // let each reader size its buffer and block again
				grew := totalAlloc() - before
				if per := grew / uint64(tc.peers); per > tc.perPeer {
					t.Errorf("RSV1 %v: %d bytes allocated per peer that sent %d bytes (limit %d)", rsv1, per, tc.send, tc.perPeer)
				} else {
					t.Logf("RSV1 %v: %d bytes allocated per peer that sent %d bytes", rsv1, per, tc.send)
				}
				for _, ep := range eps {
					if ce := ep.closeErr.Load(); ce != nil {
						t.Errorf("a stalled peer's connection failed: %v", ce)
						break
					}
				}
			})
		}
	}
}

// TestHostileCompressedWireSize: a compressed message's bytes on the wire
// are bounded by the read limit (plus DEFLATE's worst-case expansion),
// checked at each frame header, however little they inflate to (before
// issue 11, 100 MiB of empty stored blocks passed a 64 KiB limit).
func TestHostileCompressedWireSize(t *testing.T) {
	const limit = 64 << 10
	empty := []byte{0x00, 0x00, 0x00, 0xff, 0xff} // one empty stored block, BFINAL 0
	block := bytes.Repeat(empty, 4<<10/len(empty))
	t.Run("one frame", func(t *testing.T) {
		a, b := tcpPair(t)
		ep := NewEndpoint(a, nil, Server, deflateOpts(limit))
		n := int64(limit + deflateWireSlack(limit) + 1)
		go b.Write(peerFrame(Server, frame.Header{Fin: true, Rsv1: true, Opcode: frame.OpBinary, PayloadLen: n}, block))
		if _, _, err := ep.ReadMessage(nil); CloseStatus(err) != frame.CloseMessageTooBig {
			t.Fatalf("ReadMessage: %v, want 1009", err)
		}
	})
	t.Run("fragments", func(t *testing.T) {
		a, b := tcpPair(t)
		ep := NewEndpoint(a, nil, Server, deflateOpts(limit))
		go func() {
			// 4 KiB fragments of empty blocks until the endpoint stops
			// reading: 100 MiB if nothing stops it.
			op := frame.OpBinary
			for i := 0; i < 100<<20/len(block); i++ {
				if _, err := b.Write(peerFrame(Server, frame.Header{Rsv1: op == frame.OpBinary, Opcode: op, PayloadLen: int64(len(block))}, block)); err != nil {
					return
				}
				op = frame.OpContinuation
			}
		}()
		start := time.Now()
		if _, _, err := ep.ReadMessage(nil); CloseStatus(err) != frame.CloseMessageTooBig {
			t.Fatalf("ReadMessage: %v, want 1009", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v to refuse the message", d)
		}
	})
}

// TestHostileAfterFinalBlock: data after a DEFLATE block with BFINAL set
// fails the message with 1007 (before issue 11 it was read and dropped
// silently, so a peer could send 50 MiB of anything there), while the
// shape RFC 7692, Section 7.2.3.4 shows (one 0x00 after the final block)
// reads as "Hello".
func TestHostileAfterFinalBlock(t *testing.T) {
	final := []byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00} // "Hello", BFINAL=1
	for _, tc := range []struct {
		name  string
		after []byte
		code  frame.CloseCode
	}{
		{"RFC 7692 7.2.3.4", []byte{0x00}, 0},
		{"garbage", bytes.Repeat([]byte{0xaa}, 1<<10), frame.CloseInvalidPayload},
	} {
		a, b := tcpPair(t)
		ep := NewEndpoint(a, nil, Server, deflateOpts(0))
		payload := append(append([]byte(nil), final...), tc.after...)
		b.Write(peerFrame(Server, frame.Header{Fin: true, Rsv1: true, Opcode: frame.OpText, PayloadLen: int64(len(payload))}, payload))
		_, p, err := ep.ReadMessage(nil)
		if tc.code == 0 {
			if err != nil || string(p) != "Hello" {
				t.Errorf("%s: %q, %v; want Hello", tc.name, p, err)
			}
			continue
		}
		if CloseStatus(err) != tc.code {
			t.Errorf("%s: %v, want %d", tc.name, err, tc.code)
		}
	}
}

// slowConn delivers what is written to it in chunks with pauses between
// them, like a slow link, so a reader's deadline passes in the middle of
// frames and of compressed data.
type slowConn struct {
	net.Conn
	chunk int
	pause time.Duration
}

func (c slowConn) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), c.chunk)
		m, err := c.Conn.Write(p[:k])
		n += m
		if err != nil {
			return n, err
		}
		p = p[k:]
		time.Sleep(c.pause)
	}
	return n, nil
}

// TestReadDeadlineResume: a read deadline passes again and again in the
// middle of a 204,811-byte message that arrives slowly, compressed or not,
// through ReadMessage, NextReader and NetConn, on a server and on a
// client. Every retry resumes exactly: the message arrives whole and
// intact, the next message too, and the connection stays up (before issue
// 11, with compression the read returned a truncated message as complete
// or failed the connection with 1007).
func TestReadDeadlineResume(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	msg := wsText(rng, 204811)
	second := []byte("and the next message")
	for _, compressed := range []bool{false, true} {
		for _, api := range []string{"ReadMessage", "NextReader", "NetConn"} {
			for _, role := range []Role{Server, Client} {
				name := api + "/" + role.String()
				if compressed {
					name += "/deflate"
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					a, b := tcpPair(t)
					opts := &Options{ReadLimit: 1 << 20}
					if compressed {
						opts = deflateOpts(1 << 20)
					}
					ep := NewEndpoint(a, nil, role, opts)
					peerOpts := *opts
					peer := NewEndpoint(slowConn{b, 4 << 10, 3 * time.Millisecond}, nil, !role, &peerOpts)
					go func() {
						w, _ := peer.NextWriter(frame.OpText)
						for p := msg; len(p) > 0; {
							k := min(len(p), 10000)
							w.Write(p[:k])
							p = p[k:]
						}
						w.Close()
						peer.WriteMessage(frame.OpText, second)
					}()
					timeouts := 0
					read := func(r func() error) {
						for {
							ep.SetReadDeadline(time.Now().Add(2 * time.Millisecond))
							err := r()
							if err == nil {
								return
							}
							if !errors.Is(err, os.ErrDeadlineExceeded) {
								t.Fatalf("after %d timeouts: %v", timeouts, err)
							}
							timeouts++
						}
					}
					var got []byte
					switch api {
					case "ReadMessage":
						read(func() (err error) { _, got, err = ep.ReadMessage(got); return err })
					case "NextReader":
						var r io.Reader
						read(func() (err error) { _, r, err = ep.NextReader(); return err })
						buf := make([]byte, 3000)
						for done := false; !done; {
							read(func() error {
								n, err := r.Read(buf)
								got = append(got, buf[:n]...)
								if err == io.EOF {
									done = true
									return nil
								}
								return err
							})
						}
					case "NetConn":
						nc := ep.NetConn(frame.OpText)
						buf := make([]byte, 3000)
						for len(got) < len(msg) {
							read(func() error {
								n, err := nc.Read(buf)
								got = append(got, buf[:n]...)
								return err
							})
						}
						got = got[:min(len(got), len(msg))]
					}
					if !bytes.Equal(got, msg) {
						t.Fatalf("got %d bytes, want %d (identical: %v) after %d timeouts", len(got), len(msg), bytes.HasPrefix(msg, got), timeouts)
					}
					if timeouts < 3 {
						t.Errorf("only %d timeouts: the test did not cut the message", timeouts)
					}
					ep.SetReadDeadline(time.Now().Add(5 * time.Second))
					if api != "NetConn" {
						if _, p, err := ep.ReadMessage(nil); err != nil || !bytes.Equal(p, second) {
							t.Fatalf("next message: %q, %v", p, err)
						}
					}
				})
			}
		}
	}
}

// TestReadMessageResumeThenNextReader: when ReadMessage times out
// mid-message, NextReader returns that message from its first byte.
func TestReadMessageResumeThenNextReader(t *testing.T) {
	a, b := tcpPair(t)
	ep := NewEndpoint(a, nil, Server, nil)
	msg := bytes.Repeat([]byte("0123456789"), 1000)
	f := peerFrame(Server, frame.Header{Fin: true, Opcode: frame.OpBinary, PayloadLen: int64(len(msg))}, msg)
	b.Write(f[:len(f)/2])
	ep.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, p, err := ep.ReadMessage(nil); !errors.Is(err, os.ErrDeadlineExceeded) || len(p) != 0 {
		t.Fatalf("ReadMessage: %d bytes, %v; want a timeout and nothing", len(p), err)
	}
	b.Write(f[len(f)/2:])
	ep.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, r, err := ep.NextReader()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("NextReader gave %d bytes, %v; want the whole %d-byte message", len(got), err, len(msg))
	}
}

// stuckPeer returns an Endpoint whose peer never reads: after the socket
// buffers fill, every write blocks.
func stuckPeer(t *testing.T, role Role, opts *Options) (*Endpoint, net.Conn) {
	a, b := tcpPair(t)
	return NewEndpoint(a, nil, role, opts), b
}

// within fails the test if fn has not returned within d.
func within(t *testing.T, d time.Duration, what string, fn func()) time.Duration {
	t.Helper()
	done := make(chan struct{})
	start := time.Now()
	go func() { fn(); close(done) }()
	select {
	case <-done:
		return time.Since(start)
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
		return 0
	}
}

// TestCloseBoundedByCloseTimeout: Close returns within CloseTimeout in
// total, whatever is stuck, and every blocked call returns (before issue
// 11, Close waited for WriteTimeout behind a stuck write, and forever with
// no WriteTimeout; a WriteMessage queued behind an open NextWriter stayed
// blocked after Close returned).
func TestCloseBoundedByCloseTimeout(t *testing.T) {
	const ct = 500 * time.Millisecond
	for _, role := range []Role{Server, Client} {
		t.Run(role.String()+"/stuck write, no write timeout", func(t *testing.T) {
			before := runtime.NumGoroutine()
			ep, _ := stuckPeer(t, role, &Options{CloseTimeout: ct, WriteTimeout: -1})
			big := make([]byte, 32<<20)
			writeErr := make(chan error, 1)
			go func() { writeErr <- ep.WriteMessage(frame.OpBinary, big) }()
			queued := make(chan error, 3)
			time.Sleep(100 * time.Millisecond) // the write is stuck now
			go func() { queued <- ep.WriteMessage(frame.OpText, []byte("queued")) }()
			go func() { _, err := ep.NextWriter(frame.OpText); queued <- err }()
			go func() { queued <- ep.Ping(t.Context(), nil) }()
			readErr := make(chan error, 1)
			go func() { _, _, err := ep.ReadMessage(nil); readErr <- err }()
			time.Sleep(50 * time.Millisecond)
			d := within(t, 5*time.Second, "Close", func() { ep.Close(frame.CloseGoingAway, "bye") })
			if d > ct+1500*time.Millisecond { // wide: timers run late on a loaded 2-core machine
				t.Errorf("Close took %v with CloseTimeout %v", d, ct)
			}
			for range 3 {
				select {
				case err := <-queued:
					if err == nil {
						t.Error("a call queued behind the stuck write succeeded after Close")
					}
				case <-time.After(time.Second):
					t.Fatal("a call queued behind the stuck write still blocks a second after Close")
				}
			}
			select {
			case err := <-writeErr:
				if err == nil {
					t.Error("the stuck write reported success")
				}
			case <-time.After(time.Second):
				t.Fatal("the stuck write still blocks a second after Close")
			}
			select {
			case err := <-readErr:
				if CloseStatus(err) == 0 {
					t.Errorf("read after Close: %v, want a CloseError", err)
				}
			case <-time.After(time.Second):
				t.Fatal("a blocked read still blocks a second after Close")
			}
			waitGoroutines(t, before)
		})
		t.Run(role.String()+"/open NextWriter", func(t *testing.T) {
			ep, peer := stuckPeer(t, role, &Options{CloseTimeout: ct})
			go io.Copy(io.Discard, peer)
			w, err := ep.NextWriter(frame.OpText)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte("half a message"))
			queued := make(chan error, 1)
			go func() { queued <- ep.WriteMessage(frame.OpText, []byte("queued")) }()
			within(t, 5*time.Second, "Close", func() { ep.Close(frame.CloseNormal, "") })
			select {
			case err := <-queued:
				if !errors.Is(err, ErrClosed) {
					t.Errorf("queued WriteMessage: %v, want ErrClosed", err)
				}
			case <-time.After(time.Second):
				t.Fatal("WriteMessage queued behind an open NextWriter still blocks after Close")
			}
			if _, err := w.Write([]byte("more")); err == nil {
				t.Error("Write on the open writer succeeded after Close")
			}
			w.Close()
		})
	}
	t.Run("client/server answers late and never closes TCP", func(t *testing.T) {
		// The server's Close frame comes at 80% of CloseTimeout; the wait
		// for its TCP close must not start a second CloseTimeout (before
		// issue 11, a client Close could take twice CloseTimeout).
		a, b := tcpPair(t)
		ep := NewEndpoint(a, nil, Client, &Options{CloseTimeout: ct})
		go func() {
			fr := frame.NewReader(b)
			for {
				h, err := fr.ReadHeader()
				if err != nil {
					return
				}
				io.Copy(io.Discard, fr)
				if h.Opcode == frame.OpClose {
					time.Sleep(ct * 8 / 10)
					b.Write([]byte{0x88, 0x02, 0x03, 0xe8})
				}
			}
		}()
		d := within(t, 5*time.Second, "Close", func() { ep.Close(frame.CloseNormal, "") })
		if d > ct+800*time.Millisecond {
			t.Errorf("client Close took %v with CloseTimeout %v", d, ct)
		}
	})
}

// waitGoroutines waits up to 2 s for the goroutine count to fall back to n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines, %d before\n%s", runtime.NumGoroutine(), n, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestKeepAliveUnreadMessage: a client with keepalive writes for a while
// without reading, while a message from the server waits unread in its
// buffer and the server answers every ping (its pong waits behind that
// message). The client is not failed, and the message is still there
// (before issue 11: 1006 "no pong", and the message was lost).
func TestKeepAliveUnreadMessage(t *testing.T) {
	a, b := tcpPair(t)
	client := NewEndpoint(a, nil, Client, &Options{KeepAlive: 50 * time.Millisecond, KeepAliveTimeout: 50 * time.Millisecond})
	server := NewEndpoint(b, nil, Server, nil)
	defer client.Close(frame.CloseNormal, "")
	if err := server.WriteMessage(frame.OpText, []byte("unread")); err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			if _, _, err := server.ReadMessage(nil); err != nil {
				return
			}
		}
	}()
	for end := time.Now().Add(time.Second); time.Now().Before(end); {
		if err := client.WriteMessage(frame.OpText, []byte("tick")); err != nil {
			t.Fatalf("write: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	client.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, p, err := client.ReadMessage(nil); err != nil || string(p) != "unread" {
		t.Fatalf("ReadMessage: %q, %v; want the server's message", p, err)
	}
}

// TestKeepAliveDeadPeer: a peer that sends nothing at all is failed with
// ErrKeepAliveTimeout, whether the application is blocked reading or not
// reading at all.
func TestKeepAliveDeadPeer(t *testing.T) {
	for _, reading := range []bool{true, false} {
		a, _ := tcpPair(t)
		ep := NewEndpoint(a, nil, Client, &Options{KeepAlive: 50 * time.Millisecond, KeepAliveTimeout: 100 * time.Millisecond})
		if reading {
			go ep.ReadMessage(nil)
		}
		select {
		case <-ep.done:
		case <-time.After(3 * time.Second):
			t.Fatalf("reading %v: a silent peer was not failed within 3 s", reading)
		}
		if ce := ep.closeErr.Load(); ce.Err != ErrKeepAliveTimeout {
			t.Errorf("reading %v: closed with %v, want ErrKeepAliveTimeout", reading, ce)
		}
	}
}

// TestKeepAliveAnyFrameIsLife: a peer that never answers pings but keeps
// sending data is alive.
func TestKeepAliveAnyFrameIsLife(t *testing.T) {
	a, b := tcpPair(t)
	ep := NewEndpoint(a, nil, Client, &Options{KeepAlive: 30 * time.Millisecond, KeepAliveTimeout: 30 * time.Millisecond, CloseTimeout: 100 * time.Millisecond})
	defer ep.Close(frame.CloseNormal, "")
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				b.Write([]byte{0x82, 0x01, 'x'}) // a data frame, never a pong
			}
		}
	}()
	for end := time.Now().Add(600 * time.Millisecond); time.Now().Before(end); {
		ep.SetReadDeadline(time.Now().Add(time.Second))
		if _, _, err := ep.ReadMessage(nil); err != nil {
			t.Fatalf("a peer that sends data every 10 ms was failed: %v", err)
		}
	}
}

// TestWriterSingleUse: a NextWriter handle is dead once its message ended
// (before issue 11, a stale Close ended the next message and a stale Write
// landed inside it: the peer received "C1 B2").
func TestWriterSingleUse(t *testing.T) {
	a, b := tcpPair(t)
	ep := NewEndpoint(a, nil, Server, nil)
	peer := NewEndpoint(b, nil, Client, nil)
	w1, _ := ep.NextWriter(frame.OpBinary)
	w1.Write([]byte("A"))
	if err := w1.Close(); err != nil {
		t.Fatal(err)
	}
	w2, _ := ep.NextWriter(frame.OpBinary)
	if _, err := w1.Write([]byte("C1")); !errors.Is(err, ErrWriterClosed) {
		t.Errorf("stale Write: %v, want ErrWriterClosed", err)
	}
	if err := w1.Close(); !errors.Is(err, ErrWriterClosed) {
		t.Errorf("stale Close: %v, want ErrWriterClosed", err)
	}
	if err := w1.(interface{ Flush() error }).Flush(); !errors.Is(err, ErrWriterClosed) {
		t.Errorf("stale Flush: %v, want ErrWriterClosed", err)
	}
	w2.Write([]byte("B2"))
	if err := w2.Close(); err != nil {
		t.Fatalf("Close of the live writer: %v", err)
	}
	for _, want := range []string{"A", "B2"} {
		peer.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, p, err := peer.ReadMessage(nil); err != nil || string(p) != want {
			t.Fatalf("peer read %q, %v; want %q", p, err, want)
		}
	}
}

// TestCompressedFlush: Flush on a compressed message sends a fragment the
// peer can inflate at once, before the message ends (before issue 11 it
// sent nothing and returned nil).
func TestCompressedFlush(t *testing.T) {
	a, b := tcpPair(t)
	ep := NewEndpoint(a, nil, Server, deflateOpts(0))
	peer := NewEndpoint(b, nil, Client, deflateOpts(0))
	w, _ := ep.NextWriter(frame.OpText)
	first := strings.Repeat("flushed text, ", 100)
	w.Write([]byte(first))
	if err := w.(interface{ Flush() error }).Flush(); err != nil {
		t.Fatal(err)
	}
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, r, err := peer.NextReader()
	if err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(first))
	if _, err := io.ReadFull(r, got); err != nil || string(got) != first {
		t.Fatalf("peer read %q, %v before the writer's Close; want the flushed text", got, err)
	}
	w.Write([]byte("rest"))
	w.Close()
	rest, err := io.ReadAll(r)
	if err != nil || string(rest) != "rest" {
		t.Fatalf("rest of the message: %q, %v", rest, err)
	}
}
