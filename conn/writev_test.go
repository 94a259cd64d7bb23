package conn

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/rfc6455/ws/frame"
)

// writeLog is a net.Conn that is neither a TCP nor a Unix connection (as a
// TLS connection, an HTTP/2 stream or a wrapper is not) and records the
// size of every Write.
type writeLog struct {
	net.Conn
	mu    sync.Mutex
	sizes []int
}

func (w *writeLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.sizes = append(w.sizes, len(p))
	w.mu.Unlock()
	return w.Conn.Write(p)
}

// Over a connection without writev, a server's large frame does not send
// its header in a Write of its own: over TLS that Write would be a TLS
// record of its own (and a system call), over HTTP/2 a DATA frame of its
// own. The header leaves with the payload's first bytes, 16 KiB in all (a
// whole TLS record), and the rest in one Write; the peer reads the same
// message.
func TestLargeFrameWithoutWritev(t *testing.T) {
	a, b := net.Pipe()
	log := &writeLog{Conn: a}
	ep := NewEndpoint(log, nil, Server, nil)
	defer ep.Close(frame.CloseNormal, "")
	defer b.Close() // first: the Close above then ends at once
	if ep.writev {
		t.Fatal("a net.Pipe connection was taken for one with writev")
	}
	msg := bytes.Repeat([]byte("0123456789abcdef"), 64<<10/16) // 64 KiB
	got := make(chan []byte, 1)
	go func() {
		// 0x82, then 127 and a 64-bit length (RFC 6455, Section 5.2).
		hdr := make([]byte, 10)
		payload := make([]byte, len(msg))
		if _, err := io.ReadFull(b, hdr); err != nil || hdr[1] != 127 {
			got <- nil
			return
		}
		if _, err := io.ReadFull(b, payload); err != nil {
			got <- nil
			return
		}
		got <- append(hdr[:1:1], payload...)
	}()
	if err := ep.WriteMessage(frame.OpBinary, msg); err != nil {
		t.Fatal(err)
	}
	res := <-got
	if res == nil || res[0] != 0x82 || !bytes.Equal(res[1:], msg) {
		t.Fatalf("the peer did not read the 64 KiB binary message intact")
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if want := []int{16 << 10, 10 + len(msg) - 16<<10}; len(log.sizes) != 2 || log.sizes[0] != want[0] || log.sizes[1] != want[1] {
		t.Errorf("writes of %v bytes, want %v: the 10-byte header with the payload's start, then the rest", log.sizes, want)
	}
}
