package conn

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rfc6455/ws/internal/h2"
)

// The streams of an HTTP/2 client connection (h2client.go): one per
// WebSocket, each a net.Conn the Endpoint runs on as it would on TCP.

// h2ClientStream is one WebSocket's stream: a net.Conn for NewEndpoint. Read and
// Write may run at the same time; Close may run at any time and ends both.
type h2ClientStream struct {
	c  *h2Client
	id uint32

	gone     chan struct{} // closed when Close was called or the stream was reset
	goneOnce sync.Once

	// Under c.mu:
	changed   chan struct{} // made by a waiter, closed (and dropped) on the next change
	resp      *http.Response
	buf       chunkQueue // received, unread: at most the window we granted
	recvWin   int64      // what the server may still send
	unacked   int64      // read by the application, not yet given back
	remoteEnd bool       // END_STREAM received (RFC 9113, Section 5.1, half-closed (remote))
	reset     bool       // RST_STREAM sent or received, or the connection ended
	resetErr  error      // why, or nil for a clean RST_STREAM NO_ERROR after END_STREAM
	sendWin   int64
	localEnd  bool // END_STREAM sent
	closed    bool // Close called
	rdl, wdl  time.Time
}

// wakeLocked wakes every goroutine waiting on st. c.mu held. The channel
// exists only while someone waits: a change nobody awaits (a DATA frame
// arriving while the application is busy, a window update while nothing
// is blocked) allocates nothing.
func (st *h2ClientStream) wakeLocked() {
	if st.changed != nil {
		close(st.changed)
		st.changed = nil
	}
}

// setReset ends the stream with err (nil: a clean end) and removes it.
func (st *h2ClientStream) setReset(err error) {
	c := st.c
	c.mu.Lock()
	if !st.reset {
		st.reset, st.resetErr = true, err
		st.wakeLocked()
	}
	delete(c.streams, st.id)
	c.mu.Unlock()
	st.goneOnce.Do(func() { close(st.gone) })
	c.maybeIdle()
}

// headers handles a header block on the stream: the response, or trailers.
func (st *h2ClientStream) headers(fields []h2.HeaderField, end bool) error {
	c := st.c
	malformed := func(reason string) error {
		// "Malformed requests or responses that are detected MUST be
		// treated as a stream error of type PROTOCOL_ERROR" (RFC 9113,
		// Section 8.1.1).
		return &h2.StreamError{StreamID: st.id, Code: h2.ErrCodeProtocol, Reason: "malformed response: " + reason}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st.remoteEnd {
		return &h2.StreamError{StreamID: st.id, Code: h2.ErrCodeStreamClosed, Reason: "HEADERS after END_STREAM (RFC 9113, Section 5.1)"}
	}
	if st.resp != nil {
		// Trailers: "MUST ... carry END_STREAM" (RFC 9113, Section 8.1).
		if !end {
			return malformed("trailers without END_STREAM (RFC 9113, Section 8.1)")
		}
		st.remoteEnd = true
		st.wakeLocked()
		return nil
	}
	resp := &http.Response{Proto: "HTTP/2.0", ProtoMajor: 2, Header: make(http.Header, len(fields))}
	status := ""
	regular := false
	for _, f := range fields {
		// Names, values and connection-specific fields (RFC 9113, Sections
		// 8.2.1 and 8.2.2).
		if err := h2.CheckField(st.id, f); err != nil {
			return err
		}
		if strings.HasPrefix(f.Name, ":") {
			// "All pseudo-header fields MUST appear in a field block before
			// all regular field lines"; a response has only :status (RFC
			// 9113, Sections 8.3 and 8.3.2).
			if regular || f.Name != ":status" || status != "" {
				return malformed("pseudo-header " + strconv.Quote(f.Name) + " misplaced or not allowed (RFC 9113, Section 8.3)")
			}
			status = f.Value
			continue
		}
		regular = true
		k := http.CanonicalHeaderKey(f.Name)
		resp.Header[k] = append(resp.Header[k], f.Value)
	}
	code, err := strconv.Atoi(status)
	if len(status) != 3 || err != nil || code < 100 {
		return malformed(":status " + strconv.Quote(status) + " missing or not 3 digits (RFC 9113, Section 8.3.2)")
	}
	if code == http.StatusSwitchingProtocols {
		// "HTTP/2 removes support for the 101 (Switching Protocols)
		// informational status code" (RFC 9113, Section 8.6).
		return malformed("101 is not allowed in HTTP/2 (RFC 9113, Section 8.6)")
	}
	if code < 200 {
		if end {
			return malformed("informational response with END_STREAM (RFC 9113, Section 8.1)")
		}
		return nil // an informational response: the final one follows
	}
	resp.StatusCode = code
	resp.Status = status + " " + http.StatusText(code)
	st.resp = resp
	st.remoteEnd = end
	st.wakeLocked()
	return nil
}

// data appends a DATA frame's data to the stream's buffer, within the
// window we granted.
func (st *h2ClientStream) data(h h2.FrameHeader, data []byte) error {
	c := st.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if st.resp == nil {
		return &h2.StreamError{StreamID: st.id, Code: h2.ErrCodeProtocol, Reason: "malformed response: DATA before HEADERS (RFC 9113, Section 8.1)"}
	}
	// "If an endpoint receives additional frames, other than
	// WINDOW_UPDATE, PRIORITY, or RST_STREAM, for a stream that is in
	// [half-closed (remote)], it MUST respond with a stream error of type
	// STREAM_CLOSED." (RFC 9113, Section 5.1)
	if st.remoteEnd {
		return &h2.StreamError{StreamID: st.id, Code: h2.ErrCodeStreamClosed, Reason: "DATA after END_STREAM (RFC 9113, Section 5.1)"}
	}
	n := int64(h.Length)
	if n > st.recvWin {
		return &h2.StreamError{StreamID: st.id, Code: h2.ErrCodeFlowControl, Reason: fmt.Sprintf("DATA of %d bytes beyond the stream window of %d (RFC 9113, Section 6.9.1)", n, st.recvWin)}
	}
	st.recvWin -= n
	// Padding is never read: its share of the stream window is given back
	// at once. The data of a stream the application has closed is dropped,
	// and nothing is given back: the stream is ending (handleData has
	// already counted the frame toward the connection window's update).
	credit := n - int64(len(data))
	if len(data) > 0 && !st.closed && !st.reset {
		st.buf.write(data)
	}
	if h.Flags.Has(h2.FlagEndStream) {
		st.remoteEnd = true
	}
	st.wakeLocked()
	if credit > 0 && !st.remoteEnd && !st.reset && !st.closed {
		st.recvWin += credit
		c.mu.Unlock()
		c.writeControl(func(b []byte) []byte { return h2.AppendWindowUpdate(b, st.id, uint32(credit)) })
		c.mu.Lock()
	}
	return nil
}

// wait waits until st changes, the connection ends, or deadline passes
// (zero: no deadline). It reports false at the deadline. c.mu is held on
// entry and on return.
func (st *h2ClientStream) wait(deadline time.Time, also <-chan struct{}) bool {
	c := st.c
	if st.changed == nil {
		st.changed = make(chan struct{})
	}
	ch := st.changed
	c.mu.Unlock()
	defer c.mu.Lock()
	var expired <-chan time.Time
	if !deadline.IsZero() {
		d := time.Until(deadline)
		if d <= 0 {
			return false
		}
		t := time.NewTimer(d)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-ch:
	case <-also:
	case <-c.done:
	case <-expired:
		return false
	}
	return true
}

// endErrLocked returns the error that ends reads or writes on st, if any.
func (st *h2ClientStream) endErrLocked() error {
	switch {
	case st.closed:
		return net.ErrClosed
	case st.reset && st.resetErr != nil:
		return st.resetErr
	case st.reset:
		return io.EOF
	case st.c.err != nil:
		return st.c.err
	}
	return nil
}

// awaitResponse waits for the response headers, within ctx.
func (st *h2ClientStream) awaitResponse(ctx context.Context) (*http.Response, error) {
	c := st.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for st.resp == nil {
		if err := st.endErrLocked(); err != nil {
			if err == io.EOF {
				err = fmt.Errorf("conn: http2: server reset stream %d before responding (RFC 9113, Section 6.4)", st.id)
			}
			return nil, err
		}
		st.wait(time.Time{}, ctx.Done())
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return st.resp, nil
}

// Read reads data the server sent on the stream. It returns io.EOF after
// the server's END_STREAM, and widens the stream's receive window by what
// the application has read (RFC 9113, Section 6.9).
func (st *h2ClientStream) Read(p []byte) (int, error) {
	c := st.c
	c.mu.Lock()
	for st.buf.n == 0 {
		if st.closed {
			c.mu.Unlock()
			return 0, net.ErrClosed
		}
		if st.remoteEnd {
			c.mu.Unlock()
			return 0, io.EOF
		}
		if err := st.endErrLocked(); err != nil {
			c.mu.Unlock()
			return 0, err
		}
		if !st.wait(st.rdl, nil) {
			c.mu.Unlock()
			return 0, os.ErrDeadlineExceeded
		}
	}
	n := st.buf.read(p)
	st.unacked += int64(n)
	var inc int64
	if !st.remoteEnd && !st.reset && st.unacked >= h2StreamWindow/4 {
		inc, st.unacked = st.unacked, 0
		st.recvWin += inc
	}
	c.mu.Unlock()
	if inc > 0 {
		c.writeControl(func(b []byte) []byte { return h2.AppendWindowUpdate(b, st.id, uint32(inc)) })
	}
	return n, nil
}

// Write sends p as DATA frames, never beyond the server's stream and
// connection windows nor its SETTINGS_MAX_FRAME_SIZE (RFC 9113, Sections
// 4.2 and 6.9.1). A write waiting for window is a write blocked by the
// peer, as on TCP: the write deadline ends it, and so does Close.
func (st *h2ClientStream) Write(p []byte) (int, error) {
	c := st.c
	written := 0
	for len(p) > 0 {
		c.mu.Lock()
		var n int64
		for {
			if st.localEnd && !st.closed {
				c.mu.Unlock()
				return written, fmt.Errorf("conn: http2: write after END_STREAM (RFC 9113, Section 5.1)")
			}
			if st.reset && st.resetErr == nil && st.remoteEnd && !st.closed {
				// The server sent its whole response, then RST_STREAM
				// NO_ERROR: "the server MAY request that the client abort
				// transmission of a request without error" (RFC 9113,
				// Section 8.1). The bytes are dropped, as TCP accepts bytes
				// written after the peer's close: the Endpoint's reply to
				// the server's Close frame must not turn a clean close
				// into an error.
				c.mu.Unlock()
				return written + len(p), nil
			}
			if err := st.endErrLocked(); err != nil {
				c.mu.Unlock()
				if err == io.EOF {
					err = net.ErrClosed
				}
				return written, err
			}
			n = min(int64(len(p)), st.sendWin, c.sendWin, int64(c.peer.maxFrameSize), h2MaxDataFrame)
			if n > 0 {
				break
			}
			if !st.wait(st.wdl, c.winChLocked()) {
				c.mu.Unlock()
				return written, os.ErrDeadlineExceeded
			}
		}
		st.sendWin -= n
		c.sendWin -= n
		wdl := st.wdl
		c.mu.Unlock()
		if !c.lockWrite(st.gone, wdl) {
			c.mu.Lock()
			st.sendWin += n
			c.sendWin += n
			err := st.endErrLocked()
			c.mu.Unlock()
			if err == nil || err == io.EOF {
				err = os.ErrDeadlineExceeded
			}
			return written, err
		}
		err := c.writeDataLocked(st.id, p[:n], wdl)
		c.wmu.unlock()
		if err != nil {
			return written, err
		}
		written += int(n)
		p = p[n:]
	}
	return written, nil
}

// CloseWrite ends our side of the stream with an empty DATA frame carrying
// END_STREAM (RFC 9113, Section 8.1): the server reads EOF, as a TCP half
// close would give it.
func (st *h2ClientStream) CloseWrite() error {
	c := st.c
	c.mu.Lock()
	if st.localEnd || st.reset || st.closed {
		c.mu.Unlock()
		return nil
	}
	st.localEnd = true
	wdl := st.wdl
	c.mu.Unlock()
	if wdl.IsZero() {
		wdl = time.Now().Add(h2CloseWait)
	}
	if !c.lockWrite(nil, wdl) {
		return os.ErrDeadlineExceeded
	}
	defer c.wmu.unlock()
	c.wbuf = h2.AppendData(c.wbuf[:0], st.id, true, nil)
	return c.writeLocked(c.wbuf, wdl)
}

// Close ends the stream. After the RFC 6455 close handshake the server has
// ended its side, and Close ends ours with END_STREAM; if the server's side
// is still open (the close deadline passed, or the connection failed), it
// cancels the stream with RST_STREAM CANCEL (RFC 9113, Section 8.7). The
// connection closes with its last stream unless it is pooled.
func (st *h2ClientStream) Close() error {
	c := st.c
	c.mu.Lock()
	if st.closed {
		c.mu.Unlock()
		return nil
	}
	st.closed = true
	st.buf.reset()
	st.wakeLocked()
	var frame func([]byte) []byte
	switch {
	case st.reset || c.err != nil:
	case !st.remoteEnd:
		frame = func(b []byte) []byte { return h2.AppendRSTStream(b, st.id, h2.ErrCodeCancel) }
	case !st.localEnd:
		frame = func(b []byte) []byte { return h2.AppendData(b, st.id, true, nil) }
	}
	st.localEnd = true
	c.mu.Unlock()
	st.goneOnce.Do(func() { close(st.gone) })
	if by := time.Now().Add(h2CloseWait); frame != nil && c.wmu.lockBy(c.done, nil, by) {
		c.wbuf = frame(c.wbuf[:0])
		c.writeLocked(c.wbuf, by)
		c.wmu.unlock()
	}
	st.setReset(nil)
	return nil
}

// LocalAddr returns the connection's local address.
func (st *h2ClientStream) LocalAddr() net.Addr { return st.c.nc.LocalAddr() }

// RemoteAddr returns the connection's remote address.
func (st *h2ClientStream) RemoteAddr() net.Addr { return st.c.nc.RemoteAddr() }

// SetDeadline sets the read and write deadlines of the stream alone.
func (st *h2ClientStream) SetDeadline(t time.Time) error {
	st.c.mu.Lock()
	st.rdl, st.wdl = t, t
	st.wakeLocked()
	st.c.mu.Unlock()
	return nil
}

// SetReadDeadline sets the stream's read deadline; a Read waiting for data
// returns os.ErrDeadlineExceeded once it passes.
func (st *h2ClientStream) SetReadDeadline(t time.Time) error {
	st.c.mu.Lock()
	st.rdl = t
	st.wakeLocked()
	st.c.mu.Unlock()
	return nil
}

// SetWriteDeadline sets the stream's write deadline; a Write waiting for
// flow-control window returns os.ErrDeadlineExceeded once it passes.
func (st *h2ClientStream) SetWriteDeadline(t time.Time) error {
	st.c.mu.Lock()
	st.wdl = t
	st.wakeLocked()
	st.c.mu.Unlock()
	return nil
}

// h2Chunks holds the 16 KiB chunks stream buffers are made of.
var h2Chunks = sync.Pool{New: func() any {
	b := make([]byte, 16<<10)
	return &b
}}

// A chunkQueue is a stream's receive buffer: a queue of pooled 16 KiB
// chunks, so it holds memory only for bytes received and not yet read (an
// idle stream holds none), and a burst up to the stream window does not
// grow and copy one slice again and again.
type chunkQueue struct {
	chunks []*[]byte
	r, w   int // read offset in the first chunk, write offset in the last
	n      int // bytes buffered
}

// write appends p.
func (q *chunkQueue) write(p []byte) {
	for len(p) > 0 {
		if len(q.chunks) == 0 || q.w == len(*q.chunks[len(q.chunks)-1]) {
			q.chunks = append(q.chunks, h2Chunks.Get().(*[]byte))
			q.w = 0
		}
		k := copy((*q.chunks[len(q.chunks)-1])[q.w:], p)
		q.w += k
		q.n += k
		p = p[k:]
	}
}

// read moves up to len(p) bytes into p and returns how many.
func (q *chunkQueue) read(p []byte) int {
	total := 0
	for len(p) > 0 && q.n > 0 {
		first := *q.chunks[0]
		end := len(first)
		if len(q.chunks) == 1 {
			end = q.w
		}
		k := copy(p, first[q.r:end])
		q.r += k
		q.n -= k
		total += k
		p = p[k:]
		if q.r == end {
			// Shift down rather than reslice, so the slice keeps its
			// backing array and the next burst appends without allocating.
			h2Chunks.Put(q.chunks[0])
			k := copy(q.chunks, q.chunks[1:])
			q.chunks[k] = nil
			q.chunks = q.chunks[:k]
			q.r = 0
			if k == 0 {
				// The array of chunk pointers stays: at most one per 16 KiB
				// of the window we grant (h2StreamWindow), 520 bytes after
				// a 1 MiB burst, against an allocation per chunk of every
				// burst if it went.
				q.w = 0
			}
		}
	}
	return total
}

// reset drops what is buffered.
func (q *chunkQueue) reset() {
	for _, c := range q.chunks {
		h2Chunks.Put(c)
	}
	*q = chunkQueue{}
}
