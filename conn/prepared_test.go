package conn_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// A hub broadcasts each message to many clients. It prepares the message
// once, then hands it to each client's own goroutine through a small
// queue, so a slow client never holds up the others or the hub. When a
// client's queue is full, the hub applies its policy: drop the message for
// that client, or close the client with 1008 (policy violation, RFC 6455,
// Section 7.4.1). The third policy, waiting with a bound, is in the
// client's goroutine: a write deadline, past which the write fails and
// closes that connection only.
func ExamplePreparedMessage_hub() {
	for _, closeSlow := range []bool{false, true} {
		h := &hub{closeSlow: closeSlow, clients: map[*client]bool{}}
		fast := h.join() // its peer reads everything
		slow := h.join() // its peer reads nothing for now
		var got []string
		for i := range 5 {
			h.broadcast(fmt.Sprint("tick ", i))
			_, p, _ := fast.peer.ReadMessage(nil) // the fast client keeps up
			got = append(got, string(p))
		}
		fmt.Println("fast client got:", strings.Join(got, ", "))
		if !closeSlow {
			// Dropped for the slow client: all but one in flight and one queued.
			fmt.Println("slow client missed at least 3:", h.dropped >= 3)
			fmt.Println("slow client's write timed out:", errors.Is(<-slow.done, os.ErrDeadlineExceeded))
			continue
		}
		// The slow client's peer reads at last: what was already on its
		// way, then the hub's Close frame.
		var err error
		for err == nil {
			_, _, err = slow.peer.ReadMessage(nil)
		}
		fmt.Println("slow client closed with:", conn.CloseStatus(err))
	}
	// Output:
	// fast client got: tick 0, tick 1, tick 2, tick 3, tick 4
	// slow client missed at least 3: true
	// slow client's write timed out: true
	// fast client got: tick 0, tick 1, tick 2, tick 3, tick 4
	// slow client closed with: 1008 (policy violation)
}

type hub struct {
	closeSlow bool // when a client's queue is full: true closes it (1008), false drops the message for it
	clients   map[*client]bool
	dropped   int
}

type client struct {
	ep    *conn.Endpoint
	queue chan *conn.PreparedMessage
	done  chan error // the write loop's end
	peer  *conn.Endpoint
}

// join connects a client over net.Pipe (in a server, Accept gives ep) and
// starts its write loop.
func (h *hub) join() *client {
	a, b := net.Pipe()
	c := &client{
		ep:    conn.NewEndpoint(a, nil, conn.Server, nil),
		queue: make(chan *conn.PreparedMessage, 1),
		done:  make(chan error, 1),
		peer:  conn.NewEndpoint(b, nil, conn.Client, nil),
	}
	h.clients[c] = true
	go func() {
		for pm := range c.queue {
			// Wait, but not for long: a write still blocked after 100 ms
			// fails, and closes, this connection only.
			c.ep.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
			if err := c.ep.WritePreparedMessage(pm); err != nil {
				c.done <- err
				return
			}
		}
		c.done <- nil
	}()
	return c
}

// broadcast sends text to every client without waiting for any.
func (h *hub) broadcast(text string) {
	pm, _ := conn.NewPreparedMessage(conn.OpText, []byte(text))
	for c := range h.clients {
		select {
		case c.queue <- pm:
		default: // a whole queue behind
			if !h.closeSlow {
				h.dropped++
				continue
			}
			delete(h.clients, c)
			close(c.queue)
			go c.ep.Close(conn.ClosePolicyViolation, "too slow") // waits for the peer's answer
		}
	}
}

// recConn records what is written to a net.Conn.
type recConn struct {
	net.Conn
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *recConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.buf.Write(p)
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *recConn) bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.buf.Bytes())
}

// sink is a net.Conn that keeps what is written and blocks reads until Close.
type sink struct {
	recConn
	once   sync.Once
	closed chan struct{}
}

func newSink() *sink { return &sink{closed: make(chan struct{})} }

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}
func (s *sink) Read([]byte) (int, error)         { <-s.closed; return 0, io.EOF }
func (s *sink) Close() error                     { s.once.Do(func() { close(s.closed) }); return nil }
func (s *sink) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (s *sink) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (s *sink) SetDeadline(time.Time) error      { return nil }
func (s *sink) SetReadDeadline(time.Time) error  { return nil }
func (s *sink) SetWriteDeadline(time.Time) error { return nil }

// pair returns a sender of the given role and its peer, over TCP on
// loopback, both with permessage-deflate as params says (nil: off). The
// sender's bytes are recorded.
func pair(t *testing.T, role conn.Role, params *handshake.DeflateParams) (sender, peer *conn.Endpoint, rec *recConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ch := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		ch <- c
	}()
	dialed, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	accepted := <-ch
	if accepted == nil {
		t.Fatal("accept failed")
	}
	opts := func() *conn.Options {
		o := &conn.Options{ReadLimit: 1 << 20}
		if params != nil {
			p := *params
			o.Compression.Negotiated = &p
		}
		return o
	}
	sc, pc := accepted, dialed
	if role == conn.Client {
		sc, pc = dialed, accepted
	}
	rec = &recConn{Conn: sc}
	sender = conn.NewEndpoint(rec, nil, role, opts())
	peer = conn.NewEndpoint(pc, nil, !role, opts())
	t.Cleanup(func() {
		sc.Close()
		pc.Close()
	})
	return sender, peer, rec
}

// wireFrame is one frame as sent, unmasked.
type wireFrame struct {
	h       frame.Header
	payload []byte
}

func parseFrames(t *testing.T, b []byte) []wireFrame {
	t.Helper()
	var fs []wireFrame
	for len(b) > 0 {
		h, n, err := frame.ParseHeader(b)
		if err != nil {
			t.Fatalf("ParseHeader(% x) err = %v", b[:min(len(b), 14)], err)
		}
		p := bytes.Clone(b[n : n+int(h.PayloadLen)])
		if h.Masked {
			frame.Mask(h.MaskKey, p, 0)
		}
		fs = append(fs, wireFrame{h, p})
		b = b[n+int(h.PayloadLen):]
	}
	return fs
}

// text returns n bytes of compressible text that differ with seed.
func text(seed, n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "message %d line %d: the quick brown fox jumps over the lazy dog\n", seed, i)
	}
	return b.Bytes()[:n]
}

var deflateCases = []struct {
	name   string
	params *handshake.DeflateParams
}{
	{"plain", nil},
	{"takeover", &handshake.DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
	{"no-takeover-15", &handshake.DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
	{"no-takeover-9", &handshake.DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 9, ClientMaxWindowBits: 9}},
}

// The peer receives exactly the message, in both roles, with and without
// compression, with and without context takeover: the prepared message
// twice with a plain WriteMessage between (with context takeover the
// sender's compressor history must stay in step with the peer's). On the
// wire: RSV1 as WriteMessage sets it (RFC 7692, Section 6), a client's
// frames masked with a fresh key each (RFC 6455, Section 5.3), compressed
// payloads shared without context takeover, and then a server's bytes
// exactly what WriteMessage sends.
func TestPreparedMessageRoundTrip(t *testing.T) {
	t.Parallel()
	for _, role := range []conn.Role{conn.Server, conn.Client} {
		for _, dc := range deflateCases {
			for _, n := range []int{0, 20, 1000, 100 << 10} {
				t.Run(fmt.Sprintf("%s/%s/%d", role, dc.name, n), func(t *testing.T) {
					t.Parallel()
					sender, peer, rec := pair(t, role, dc.params)
					msg, other := text(1, n), text(2, 300)
					p := bytes.Clone(msg)
					pm, err := conn.NewPreparedMessage(conn.OpText, p)
					if err != nil {
						t.Fatal(err)
					}
					clear(p) // NewPreparedMessage copied it
					go func() {
						sender.WritePreparedMessage(pm)
						sender.WriteMessage(conn.OpBinary, other)
						sender.WritePreparedMessage(pm)
					}()
					for i, want := range [][]byte{msg, other, msg} {
						op, got, err := peer.ReadMessage(nil)
						if err != nil {
							t.Fatalf("message %d: %v", i, err)
						}
						if wantOp := []frame.Opcode{conn.OpText, conn.OpBinary, conn.OpText}[i]; op != wantOp || !bytes.Equal(got, want) {
							t.Fatalf("message %d = %v %d bytes, want %v %d bytes", i, op, len(got), wantOp, len(want))
						}
					}
					fs := parseFrames(t, rec.bytes())
					if len(fs) != 3 {
						t.Fatalf("%d frames on the wire, want 3", len(fs))
					}
					wantZ := dc.params != nil && n >= conn.DefaultCompressionThreshold
					for i, f := range []wireFrame{fs[0], fs[2]} {
						if f.h.Rsv1 != wantZ || f.h.Masked != (role == conn.Client) || !f.h.Fin {
							t.Errorf("prepared frame %d: RSV1 %v masked %v FIN %v, want %v %v true", i, f.h.Rsv1, f.h.Masked, f.h.Fin, wantZ, role == conn.Client)
						}
					}
					if dc.params == nil || dc.params.ServerNoContextTakeover {
						if !bytes.Equal(fs[0].payload, fs[2].payload) {
							t.Errorf("the two sends of one prepared message differ on the wire")
						}
					}
					if role == conn.Client && n > 0 && fs[0].h.MaskKey == fs[2].h.MaskKey {
						t.Errorf("masking key % x used twice", fs[0].h.MaskKey)
					}
					if role == conn.Server && (dc.params == nil || dc.params.ServerNoContextTakeover) {
						// A twin endpoint, same options, sends the same with WriteMessage.
						// (With context takeover the compressor's output depends on
						// whether its pooled tables still index its history.)
						s := newSink()
						opts := &conn.Options{}
						if dc.params != nil {
							p := *dc.params
							opts.Compression.Negotiated = &p
						}
						twin := conn.NewEndpoint(s, nil, conn.Server, opts)
						defer s.Close() // the twin's reader then ends
						twin.WriteMessage(conn.OpText, msg)
						twin.WriteMessage(conn.OpBinary, other)
						twin.WriteMessage(conn.OpText, msg)
						if got, want := rec.bytes(), s.bytes(); !bytes.Equal(got, want) {
							t.Errorf("prepared frames (%d bytes) differ from WriteMessage's (%d bytes)", len(got), len(want))
						}
					}
				})
			}
		}
	}
}

// Many goroutines send one prepared message to many endpoints at once, of
// both roles and every compression setting: each peer receives every copy
// whole (run with -race).
func TestPreparedMessageConcurrent(t *testing.T) {
	t.Parallel()
	const goroutines, rounds = 8, 10
	type end struct{ sender, peer *conn.Endpoint }
	var ends []end
	for _, role := range []conn.Role{conn.Server, conn.Client} {
		for _, dc := range deflateCases {
			s, p, _ := pair(t, role, dc.params)
			ends = append(ends, end{s, p})
		}
	}
	msg := text(3, 2000)
	pm, _ := conn.NewPreparedMessage(conn.OpBinary, msg)
	var readers sync.WaitGroup
	for _, e := range ends {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := range goroutines * rounds {
				_, got, err := e.peer.ReadMessage(nil)
				if err != nil || !bytes.Equal(got, msg) {
					t.Errorf("%s peer, message %d: %d bytes, %v", e.sender.Role(), i, len(got), err)
					return
				}
			}
		}()
	}
	var writers sync.WaitGroup
	for g := range goroutines {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for range rounds {
				for _, e := range ends {
					if g%2 == 0 {
						if err := e.sender.WritePreparedMessage(pm); err != nil {
							t.Error(err)
						}
						continue
					}
					for { // the other half use TryWritePreparedMessage, retrying while busy
						sent, err := e.sender.TryWritePreparedMessage(pm)
						if err != nil {
							t.Error(err)
						}
						if sent || err != nil {
							break
						}
						time.Sleep(10 * time.Microsecond)
					}
				}
			}
		}()
	}
	writers.Wait()
	readers.Wait()
}

func TestPreparedMessageBadOpcode(t *testing.T) {
	t.Parallel()
	for _, op := range []frame.Opcode{frame.OpContinuation, frame.OpClose, frame.OpPing, frame.OpPong} {
		if _, err := conn.NewPreparedMessage(op, nil); err != conn.ErrBadOpcode {
			t.Errorf("NewPreparedMessage(%v) err = %v, want ErrBadOpcode", op, err)
		}
	}
}

// TryWritePreparedMessage returns false at once while another message is
// being written, sends when the writer is done, and reports ErrClosed once
// the connection is closed.
func TestPreparedMessageTryWrite(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	defer b.Close()
	ep := conn.NewEndpoint(a, nil, conn.Server, nil)
	pm, _ := conn.NewPreparedMessage(conn.OpBinary, text(4, 1000))
	stuck := make(chan error, 1)
	go func() { stuck <- ep.WritePreparedMessage(pm) }()
	// One byte read: that write is now blocked inside the connection.
	b.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(b, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if sent, err := ep.TryWritePreparedMessage(pm); sent || err != nil {
		t.Fatalf("TryWritePreparedMessage during another write = %v, %v; want false, nil", sent, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("TryWritePreparedMessage waited %v", d)
	}
	frameLen := 4 + 1000 // header (16-bit length form), payload
	if _, err := io.ReadFull(b, make([]byte, frameLen-1)); err != nil {
		t.Fatal(err)
	}
	if err := <-stuck; err != nil {
		t.Fatal(err)
	}
	read := make(chan error, 1)
	go func() {
		_, err := io.ReadFull(b, make([]byte, frameLen))
		read <- err
	}()
	if sent, err := ep.TryWritePreparedMessage(pm); !sent || err != nil {
		t.Fatalf("TryWritePreparedMessage when idle = %v, %v; want true, nil", sent, err)
	}
	if err := <-read; err != nil {
		t.Fatal(err)
	}
	a.Close() // the connection drops: the next write fails
	if sent, err := ep.TryWritePreparedMessage(pm); sent || err == nil {
		t.Fatalf("TryWritePreparedMessage on a dropped connection = %v, %v; want false and an error", sent, err)
	}

	// Busy and closed: ErrClosed, so a hub stops trying.
	sender, peer, _ := pair(t, conn.Server, nil)
	w, err := sender.NextWriter(conn.OpBinary) // holds the message lock
	if err != nil {
		t.Fatal(err)
	}
	go peer.Close(conn.CloseGoingAway, "")
	if _, _, err := sender.ReadMessage(nil); conn.CloseStatus(err) != conn.CloseGoingAway {
		t.Fatalf("ReadMessage = %v, want the peer's 1001", err)
	}
	if sent, err := sender.TryWritePreparedMessage(pm); sent || err != conn.ErrClosed {
		t.Fatalf("TryWritePreparedMessage, busy and closed = %v, %v; want false, ErrClosed", sent, err)
	}
	w.Close()
}

// A WritePreparedMessage waiting for another writer returns ErrClosed as
// soon as the connection closes.
func TestPreparedMessageWaitClosed(t *testing.T) {
	t.Parallel()
	sender, peer, _ := pair(t, conn.Server, nil)
	pm, _ := conn.NewPreparedMessage(conn.OpText, []byte("waiting"))
	w, err := sender.NextWriter(conn.OpBinary) // holds the message lock
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	waiting := make(chan error, 1)
	go func() { waiting <- sender.WritePreparedMessage(pm) }()
	time.Sleep(20 * time.Millisecond) // let it wait
	go peer.Close(conn.CloseGoingAway, "")
	sender.ReadMessage(nil) // the peer's Close: the connection closes
	select {
	case err := <-waiting:
		if err != conn.ErrClosed {
			t.Fatalf("waiting WritePreparedMessage = %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WritePreparedMessage still waiting after the connection closed")
	}
}

// A write deadline that passes fails that connection only; a send after
// the Close frame, or after the connection closed, returns ErrClosed.
func TestPreparedMessageDeadlineAndClose(t *testing.T) {
	t.Parallel()
	pm, _ := conn.NewPreparedMessage(conn.OpText, text(5, 500))
	// A peer that never reads.
	a, b := net.Pipe()
	defer b.Close()
	stuck := conn.NewEndpoint(a, nil, conn.Server, nil)
	sender, peer, _ := pair(t, conn.Server, nil)
	stuck.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
	sender.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := stuck.WritePreparedMessage(pm); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("WritePreparedMessage to a peer that does not read: %v, want a timeout", err)
	}
	if err := stuck.WritePreparedMessage(pm); err == nil {
		t.Fatal("WritePreparedMessage after the timeout succeeded; the connection should have failed")
	}
	if err := sender.WritePreparedMessage(pm); err != nil {
		t.Fatalf("WritePreparedMessage on another connection: %v", err)
	}
	if _, p, err := peer.ReadMessage(nil); err != nil || !bytes.Equal(p, text(5, 500)) {
		t.Fatalf("peer read %d bytes, %v", len(p), err)
	}
	sender.SetWriteDeadline(time.Time{})
	if err := sender.CloseWrite(conn.CloseNormal, ""); err != nil {
		t.Fatal(err)
	}
	if err := sender.WritePreparedMessage(pm); err != conn.ErrClosed {
		t.Fatalf("WritePreparedMessage after the Close frame: %v, want ErrClosed", err)
	}
}

// WritePreparedMessageContext gives up waiting for another writer when
// its context ends, and leaves the connection usable.
func TestPreparedMessageContext(t *testing.T) {
	t.Parallel()
	sender, peer, _ := pair(t, conn.Client, nil)
	msg := text(6, 100)
	pm, _ := conn.NewPreparedMessage(conn.OpText, msg)
	w, err := sender.NextWriter(conn.OpText) // holds the message lock
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := sender.WritePreparedMessageContext(ctx, pm); err != context.DeadlineExceeded {
		t.Fatalf("WritePreparedMessageContext while another message is written: %v, want DeadlineExceeded", err)
	}
	w.Write([]byte("first"))
	w.Close()
	if err := sender.WritePreparedMessageContext(context.Background(), pm); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"first", string(msg)} {
		if _, p, err := peer.ReadMessage(nil); err != nil || string(p) != want {
			t.Fatalf("peer read %q, %v; want %q", p, err, want)
		}
	}

	// Ended during the write itself (a peer that does not read): the write
	// is aborted and the connection fails.
	a, b := net.Pipe()
	defer b.Close()
	stuck := conn.NewEndpoint(a, nil, conn.Server, nil)
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := stuck.WritePreparedMessageContext(ctx, pm); err != context.DeadlineExceeded {
		t.Fatalf("WritePreparedMessageContext to a peer that does not read = %v, want DeadlineExceeded", err)
	}
	if err := stuck.WritePreparedMessage(pm); err == nil {
		t.Fatal("WritePreparedMessage after an aborted write succeeded; the connection should have failed")
	}
}
