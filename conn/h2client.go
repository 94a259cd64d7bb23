package conn

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/rfc6455/ws/handshake"
	"github.com/rfc6455/ws/internal/h2"
)

// The client side of an HTTP/2 connection (RFC 9113), just enough to carry
// WebSockets over extended CONNECT streams (RFC 8441). Go's http.Transport
// refuses the :protocol pseudo-header, so Dial speaks HTTP/2 itself, with
// the sans-I/O framing and HPACK of internal/h2.
//
// One h2Client is one TCP (or TLS) connection. One goroutine reads it
// (readLoop) and handles every frame; writes go out under a token (lock.go)
// whose waits end with the connection. Each WebSocket is an h2ClientStream, a
// net.Conn over one stream that an Endpoint runs on as it would on TCP.
//
// Memory is bounded by what we grant: a stream buffers at most the window
// we advertise for it (h2StreamWindow), and that window is widened only as
// the application reads; a header block is bounded in bytes and frames;
// control frames are answered synchronously, so a peer that floods PINGs
// or SETTINGS without reading our answers stalls its own connection
// instead of growing a queue, and a flood over h2ControlBudget frames in
// h2ControlPeriod is refused with ENHANCE_YOUR_CALM.

const (
	// h2StreamWindow is the SETTINGS_INITIAL_WINDOW_SIZE we advertise: the
	// most a stream may have received and not yet read (RFC 9113, Section
	// 6.9.2), so the bound on one stream's buffer.
	h2StreamWindow = 1 << 20
	// h2ConnWindow is the connection receive window we open at start
	// (RFC 9113, Section 6.9.1). Stream windows bound memory; the
	// connection window is given back as frames arrive, so a stalled
	// stream never stalls the others beyond its own window.
	h2ConnWindow = 16 << 20
	// h2MaxFrameSize is the largest frame we accept, our
	// SETTINGS_MAX_FRAME_SIZE (RFC 9113, Sections 4.2 and 6.5.2). It is
	// four times the default 16384, so a server sends a large message in a
	// quarter of the DATA frames (net/http's server hands each frame from
	// the handler's goroutine to its connection goroutine, so fewer frames
	// is fewer hand-offs). The frame reader's buffer grows to it only as
	// large frames arrive (internal/h2.Reader), once per connection.
	h2MaxFrameSize = 64 << 10
	// h2ReadBuffer is the buffer under the frame reader: one read from the
	// socket brings several small frames (a DATA frame and a WINDOW_UPDATE)
	// instead of two reads per frame, header then payload; a large payload
	// is read past it, straight into the frame reader's buffer. 4 KiB and
	// 16 KiB measured the same (BenchmarkH2Echo, 16 B to 1 MiB), so the
	// smaller one: it is held per connection for the connection's life.
	h2ReadBuffer = 4 << 10
	// h2MaxDataFrame bounds the DATA frames we send even when the server
	// allows larger ones: the streams of a shared connection take turns at
	// this granularity.
	h2MaxDataFrame = 64 << 10
	// h2CopyData is the largest DATA payload copied behind its header;
	// larger ones are written with writev.
	h2CopyData = 4 << 10
	// h2MaxHeaderFrames bounds the frames of one header block (HEADERS and
	// its CONTINUATIONs): a flood of empty CONTINUATION frames costs no
	// bytes, so it needs a count of its own.
	h2MaxHeaderFrames = 64
	// h2ControlBudget is how many PING and SETTINGS frames (not acks) a
	// server may send in h2ControlPeriod before we call it a flood.
	h2ControlBudget = 1000
	h2ControlPeriod = 10 * time.Second
	// h2CloseWait bounds the wait for the write lock when a stream ends
	// (END_STREAM or RST_STREAM) and when the connection sends GOAWAY.
	h2CloseWait = 2 * time.Second
	// h2ControlWriteTimeout bounds the write of a frame of our own
	// (SETTINGS and PING acknowledgements, WINDOW_UPDATE, RST_STREAM): a
	// server that reads nothing for that long has its connection closed.
	h2ControlWriteTimeout = DefaultWriteTimeout
	// DefaultHTTP2IdleTimeout is how long a pooled HTTP/2 connection with
	// no WebSocket stays open when HTTP2Pool.IdleTimeout is 0.
	DefaultHTTP2IdleTimeout = 90 * time.Second
)

var (
	// ErrNoExtendedConnect is returned by Dial in HTTP2 mode when the
	// server's first SETTINGS do not enable the extended CONNECT of RFC
	// 8441: "Upon receipt of SETTINGS_ENABLE_CONNECT_PROTOCOL with a value
	// of 1, a client MAY use the Extended CONNECT" (Section 3), and without
	// it a server would see a malformed request (Section 6).
	ErrNoExtendedConnect = errors.New("conn: server does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL=1, so WebSockets over HTTP/2 are not possible (RFC 8441, Section 3)")
	// ErrNoHTTP2 is returned by Dial in HTTP2 mode when the TLS server did
	// not select "h2" by ALPN (RFC 9113, Section 3.2).
	ErrNoHTTP2 = errors.New("conn: server did not select h2 by ALPN (RFC 9113, Section 3.2)")
	// ErrHTTP2Closed is the error of a stream whose HTTP/2 connection has
	// ended, when it ended without a more precise one.
	ErrHTTP2Closed = errors.New("conn: HTTP/2 connection closed")
)

// h2Client is the client end of one HTTP/2 connection.
type h2Client struct {
	nc             net.Conn
	tlsState       *tls.ConnectionState // for each response's TLS field
	fr             *h2.Reader           // used by readLoop only
	trace          func(sent bool, desc string)
	maxHeaderBytes uint32

	wmu  token       // the write lock: every wait ends with done
	wbuf []byte      // frames being written, under wmu
	hdr  []byte      // a DATA frame's header, under wmu
	bufs net.Buffers // header and payload of a large DATA frame, under wmu
	wv   net.Buffers // what WriteTo consumes of bufs: a field, so taking its address allocates nothing

	done    chan struct{} // closed when the connection has ended
	settled chan struct{} // closed when the server's first SETTINGS is applied

	mu       sync.Mutex
	err      error // why the connection ended, once it has
	streams  map[uint32]*h2ClientStream
	nextID   uint32 // next stream id we open (odd: RFC 9113, Section 5.1.1)
	reserved int    // stream slots promised to Dials that have not opened them yet
	goaway   bool   // no new streams: GOAWAY received, ids exhausted, or closing
	lastID   uint32 // the server's GOAWAY last-stream-id
	pool     *HTTP2Pool
	idle     *time.Timer
	sendWin  int64         // connection send window (RFC 9113, Section 6.9.1)
	winCh    chan struct{} // made by a waiter (winChLocked), closed when sendWin grows
	peer     h2ClientPeer

	// readLoop's own state.
	dec         *h2.Decoder
	recvWin     int64 // what the server may still send on the connection
	recvUnack   int64 // bytes received and not yet given back
	hbStream    uint32
	hbBuf       []byte
	hbFrames    int
	hbEnd       bool
	ctrlCount   int
	ctrlPeriod  time.Time
	gotSettings bool
}

// h2ClientPeer holds the server's settings (RFC 9113, Section 6.5.2).
type h2ClientPeer struct {
	initialWindow int64
	maxFrameSize  uint32
	maxStreams    uint32
	xconnect      bool // SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441, Section 3)
}

// newH2Client starts the client side of HTTP/2 on nc: it sends the
// connection preface (RFC 9113, Section 3.4), our SETTINGS and the
// connection window, then starts the reader. The server's SETTINGS arrive
// later: waitSettings waits for them.
func newH2Client(nc net.Conn, maxHeaderBytes int, trace func(bool, string)) (*h2Client, error) {
	if maxHeaderBytes <= 0 {
		maxHeaderBytes = handshake.MaxHeaderBytes
	}
	c := &h2Client{
		nc:             nc,
		fr:             h2.NewReader(bufio.NewReaderSize(nc, h2ReadBuffer), h2MaxFrameSize),
		trace:          trace,
		maxHeaderBytes: uint32(maxHeaderBytes),
		done:           make(chan struct{}),
		settled:        make(chan struct{}),
		streams:        make(map[uint32]*h2ClientStream),
		nextID:         1,
		// RFC 9113, Section 6.5.2: the initial values until SETTINGS say
		// otherwise. Concurrency is "unlimited" initially; we open one
		// stream before the server's SETTINGS arrive at most.
		peer:       h2ClientPeer{initialWindow: 65535, maxFrameSize: 16384, maxStreams: 1<<31 - 1},
		sendWin:    65535,
		dec:        h2.NewDecoder(4096),
		recvWin:    h2ConnWindow,
		ctrlPeriod: time.Now(),
	}
	c.dec.SetMaxHeaderListSize(c.maxHeaderBytes)
	// "the client connection preface starts with a sequence of 24 octets
	// ... This sequence MUST be followed by a SETTINGS frame" (RFC 9113,
	// Section 3.4).
	b := append([]byte(nil), h2.ClientPreface...)
	b = h2.AppendSettings(b,
		// A client does not accept pushes: PUSH_PROMISE is then a
		// PROTOCOL_ERROR (RFC 9113, Section 6.5.2).
		h2.Setting{ID: h2.SettingEnablePush, Val: 0},
		h2.Setting{ID: h2.SettingInitialWindowSize, Val: h2StreamWindow},
		h2.Setting{ID: h2.SettingMaxFrameSize, Val: h2MaxFrameSize},
		h2.Setting{ID: h2.SettingMaxHeaderListSize, Val: c.maxHeaderBytes},
	)
	b = h2.AppendWindowUpdate(b, 0, h2ConnWindow-65535)
	if c.trace != nil {
		c.trace(true, "PREFACE "+strconv.Quote(h2.ClientPreface))
	}
	if _, err := nc.Write(b); err != nil {
		return nil, err
	}
	c.traceFrames(true, b[len(h2.ClientPreface):])
	go c.readLoop()
	return c, nil
}

// waitSettings waits for the server's first SETTINGS frame and reports
// whether it enabled extended CONNECT (RFC 8441, Section 3).
func (c *h2Client) waitSettings(ctx context.Context) (bool, error) {
	select {
	case <-c.settled:
	case <-c.done:
		return false, c.closedErr()
	case <-ctx.Done():
		return false, ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peer.xconnect, nil
}

// closedErr returns why the connection ended.
func (c *h2Client) closedErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	return ErrHTTP2Closed
}

// traceFrames reports each whole frame in b to the trace hook.
func (c *h2Client) traceFrames(sent bool, b []byte) {
	if c.trace == nil {
		return
	}
	for len(b) >= h2.FrameHeaderLen {
		h := h2.ParseFrameHeader(b)
		end := h2.FrameHeaderLen + int(h.Length)
		if end > len(b) {
			return
		}
		c.trace(sent, h2.Describe(h, b[h2.FrameHeaderLen:end]))
		b = b[end:]
	}
}

// lockWrite takes the write lock, or gives up when the connection ends,
// abort is closed, or deadline (if not zero) passes.
func (c *h2Client) lockWrite(abort <-chan struct{}, deadline time.Time) bool {
	if deadline.IsZero() {
		return c.wmu.lockOr(c.done, abort)
	}
	return c.wmu.lockBy(c.done, abort, deadline)
}

// writeLocked writes b (whole frames) with the write lock held, by
// deadline (zero: none). A failed write ends the connection: a frame cut
// short cannot be resumed. So a stream's write deadline that passes while
// TCP itself is blocked (the server reads nothing at all) ends the whole
// connection, as it would end a WebSocket's own TCP connection.
func (c *h2Client) writeLocked(b []byte, deadline time.Time) error {
	c.nc.SetWriteDeadline(deadline)
	if _, err := c.nc.Write(b); err != nil {
		c.fail(err)
		return err
	}
	c.traceFrames(true, b)
	return nil
}

// writeDataLocked writes one DATA frame with the write lock held. Small
// payloads are copied behind the header and leave in one write; larger
// ones go out with writev, header and payload as they are, so a large
// message is never copied again.
func (c *h2Client) writeDataLocked(id uint32, data []byte, deadline time.Time) error {
	if len(data) <= h2CopyData {
		c.wbuf = h2.AppendData(c.wbuf[:0], id, false, data)
		return c.writeLocked(c.wbuf, deadline)
	}
	h := h2.FrameHeader{Length: uint32(len(data)), Type: h2.FrameData, StreamID: id}
	c.hdr = h2.AppendFrameHeader(c.hdr[:0], h)
	c.bufs = append(c.bufs[:0], c.hdr, data)
	c.nc.SetWriteDeadline(deadline)
	c.wv = c.bufs // WriteTo consumes its receiver
	_, err := c.wv.WriteTo(c.nc)
	c.wv = nil
	c.bufs[1] = nil // the caller's payload is not kept
	if err != nil {
		c.fail(err)
		return err
	}
	if c.trace != nil {
		c.trace(true, h2.Describe(h, data))
	}
	return nil
}

// writeControl sends a small frame built by build, waiting for the write
// lock as long as the connection lives.
func (c *h2Client) writeControl(build func([]byte) []byte) error {
	if !c.wmu.lock(c.done) {
		return c.closedErr()
	}
	defer c.wmu.unlock()
	c.wbuf = build(c.wbuf[:0])
	return c.writeLocked(c.wbuf, time.Now().Add(h2ControlWriteTimeout))
}

// setErr records err as the connection's end and stops new streams,
// reporting false if it had already ended.
func (c *h2Client) setErr(err error) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return false
	}
	c.err = err
	c.goaway = true
	return true
}

// fail ends the connection with err. A *h2.ConnError is announced to the
// server with GOAWAY and its code first (RFC 9113, Section 5.4.1); an I/O
// error is not. Every stream then fails with err.
func (c *h2Client) fail(err error) {
	if !c.setErr(err) {
		return
	}
	var ce *h2.ConnError
	if errors.As(err, &ce) {
		c.sendGoAway(ce.Code, ce.Reason)
	}
	c.shut()
}

// failAndLinger is fail for the reader goroutine: after GOAWAY it wakes
// every waiter, half-closes TCP and drains what the server still sends for
// at most a second before closing, so that the server reads our GOAWAY
// instead of a TCP reset triggered by unread data.
func (c *h2Client) failAndLinger(err error) {
	var ce *h2.ConnError
	if !errors.As(err, &ce) {
		c.fail(err)
		return
	}
	if !c.setErr(err) {
		return
	}
	c.sendGoAway(ce.Code, ce.Reason)
	c.wake()
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
		c.nc.SetReadDeadline(time.Now().Add(time.Second))
		io.Copy(io.Discard, io.LimitReader(c.nc, 1<<20))
	}
	c.shut()
}

// close ends the connection cleanly: GOAWAY with NO_ERROR, then TCP.
func (c *h2Client) close() {
	if !c.setErr(ErrHTTP2Closed) {
		return
	}
	c.sendGoAway(h2.ErrCodeNo, "")
	c.shut()
}

// closeIfIdle closes the connection if no stream is open or promised: the
// pool's idle timer may fire just as a Dial reserves a slot.
func (c *h2Client) closeIfIdle() {
	c.mu.Lock()
	if c.err != nil || len(c.streams) > 0 || c.reserved > 0 {
		c.mu.Unlock()
		return
	}
	c.err = ErrHTTP2Closed
	c.goaway = true
	c.mu.Unlock()
	c.sendGoAway(h2.ErrCodeNo, "")
	c.shut()
}

// sendGoAway sends GOAWAY, waiting at most h2CloseWait for the write lock.
// We accept no streams from the server, so the last stream id is 0
// (RFC 9113, Section 6.8).
func (c *h2Client) sendGoAway(code h2.ErrCode, debug string) {
	if !c.wmu.lockBy(c.done, nil, time.Now().Add(h2CloseWait)) {
		return
	}
	defer c.wmu.unlock()
	c.nc.SetWriteDeadline(time.Now().Add(h2CloseWait))
	c.wbuf = h2.AppendGoAway(c.wbuf[:0], 0, code, []byte(debug))
	if _, err := c.nc.Write(c.wbuf); err == nil {
		c.traceFrames(true, c.wbuf)
	}
}

// shut closes TCP and wakes every waiter. c.err is set.
func (c *h2Client) shut() {
	c.nc.Close()
	c.wake()
}

// wake ends every wait on the connection and drops it from its pool.
// c.err is set.
func (c *h2Client) wake() {
	c.mu.Lock()
	select {
	case <-c.done:
	default:
		close(c.done)
	}
	if c.idle != nil {
		c.idle.Stop()
	}
	for _, st := range c.streams {
		st.wakeLocked()
	}
	pool := c.pool
	c.mu.Unlock()
	if pool != nil {
		pool.remove(c)
	}
}

// reserve promises a stream slot to a Dial, if the connection can open one
// more stream: it is alive, has not seen GOAWAY, and stays within the
// server's SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113, Section 5.1.2).
func (c *h2Client) reserve() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil || c.goaway || uint32(len(c.streams)+c.reserved) >= c.peer.maxStreams {
		return false
	}
	c.reserved++
	if c.idle != nil {
		c.idle.Stop()
	}
	return true
}

// unreserve gives back a slot reserve promised and not used.
func (c *h2Client) unreserve() {
	c.mu.Lock()
	c.reserved--
	c.mu.Unlock()
	c.maybeIdle()
}

// maybeIdle closes the connection, or starts its idle timer if pooled,
// once no stream is open or promised.
func (c *h2Client) maybeIdle() {
	c.mu.Lock()
	if len(c.streams) > 0 || c.reserved > 0 || c.err != nil {
		c.mu.Unlock()
		return
	}
	if c.pool != nil && !c.goaway {
		d := c.pool.idleTimeout()
		if c.idle == nil {
			c.idle = time.AfterFunc(d, c.closeIfIdle)
		} else {
			c.idle.Reset(d)
		}
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.close()
}

// readLoop reads and handles every frame until the connection ends.
func (c *h2Client) readLoop() {
	for {
		h, p, err := c.fr.ReadFrame()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF // the server closed without GOAWAY
			}
			c.fail(fmt.Errorf("conn: http2: read: %w", err))
			return
		}
		if c.trace != nil {
			c.trace(false, h2.Describe(h, p))
		}
		if err := c.handle(h, p); err != nil {
			var se *h2.StreamError
			if errors.As(err, &se) {
				c.resetStream(se.StreamID, se.Code, fmt.Errorf("conn: http2: %w", err))
				continue
			}
			c.failAndLinger(fmt.Errorf("conn: http2: %w", err))
			return
		}
	}
}

func h2ConnErr(code h2.ErrCode, reason string) *h2.ConnError {
	return &h2.ConnError{Code: code, Reason: reason}
}

// handle processes one frame. It returns a *h2.StreamError for a stream
// error (the stream is reset) and any other error for a connection error.
func (c *h2Client) handle(h h2.FrameHeader, p []byte) error {
	// "The first frame sent by the server MUST be a SETTINGS frame"
	// (RFC 9113, Section 3.4): its server connection preface.
	if !c.gotSettings && (h.Type != h2.FrameSettings || h.Flags.Has(h2.FlagAck)) {
		return h2ConnErr(h2.ErrCodeProtocol, "server preface must start with SETTINGS, got "+h.Type.String()+" (RFC 9113, Section 3.4)")
	}
	// "A receiver MUST treat the receipt of any other type of frame or a
	// frame on a different stream [in a header block] as a connection error
	// of type PROTOCOL_ERROR." (RFC 9113, Section 6.10)
	if c.hbStream != 0 && (h.Type != h2.FrameContinuation || h.StreamID != c.hbStream) {
		return h2ConnErr(h2.ErrCodeProtocol, "header block interrupted by "+h.Type.String()+" (RFC 9113, Section 6.10)")
	}
	switch h.Type {
	case h2.FrameData:
		return c.handleData(h, p)
	case h2.FrameHeaders:
		block, err := h2.ParseHeaders(h, p)
		if err != nil {
			return err
		}
		c.hbStream, c.hbBuf, c.hbFrames, c.hbEnd = h.StreamID, c.hbBuf[:0], 0, h.Flags.Has(h2.FlagEndStream)
		return c.headerFragment(h, block)
	case h2.FrameContinuation:
		if c.hbStream == 0 {
			return h2ConnErr(h2.ErrCodeProtocol, "CONTINUATION without a preceding HEADERS (RFC 9113, Section 6.10)")
		}
		block, err := h2.ParseContinuation(h, p)
		if err != nil {
			return err
		}
		return c.headerFragment(h, block)
	case h2.FramePriority:
		return h2.ParsePriority(h, p) // deprecated, ignored (RFC 9113, Section 5.3.2)
	case h2.FrameRSTStream:
		code, err := h2.ParseRSTStream(h, p)
		if err != nil {
			return err
		}
		if c.idleID(h.StreamID) {
			return h2ConnErr(h2.ErrCodeProtocol, "RST_STREAM on an idle stream (RFC 9113, Section 6.4)")
		}
		c.streamReset(h.StreamID, code)
		return nil
	case h2.FrameSettings:
		return c.handleSettings(h, p)
	case h2.FramePushPromise:
		// "A client cannot push" and we sent SETTINGS_ENABLE_PUSH 0:
		// "receiving a PUSH_PROMISE frame MUST [be treated] as a connection
		// error of type PROTOCOL_ERROR" (RFC 9113, Section 6.6).
		return h2ConnErr(h2.ErrCodeProtocol, "PUSH_PROMISE received with push disabled (RFC 9113, Section 6.6)")
	case h2.FramePing:
		data, err := h2.ParsePing(h, p)
		if err != nil || h.Flags.Has(h2.FlagAck) {
			return err
		}
		if err := c.countControl(); err != nil {
			return err
		}
		// "Receivers of a PING frame that does not include an ACK flag MUST
		// send a PING frame with the ACK flag set in response, with an
		// identical frame payload." (RFC 9113, Section 6.7)
		c.writeControl(func(b []byte) []byte { return h2.AppendPing(b, true, data) })
		return nil
	case h2.FrameGoAway:
		last, code, debug, err := h2.ParseGoAway(h, p)
		if err != nil {
			return err
		}
		c.handleGoAway(last, code, debug)
		return nil
	case h2.FrameWindowUpdate:
		return c.handleWindowUpdate(h, p)
	default:
		// "Implementations MUST ignore and discard frames of unknown
		// types." (RFC 9113, Section 5.5)
		return nil
	}
}

// countControl counts a PING or SETTINGS frame against the flood budget.
func (c *h2Client) countControl() error {
	if now := time.Now(); now.Sub(c.ctrlPeriod) > h2ControlPeriod {
		c.ctrlPeriod, c.ctrlCount = now, 0
	}
	c.ctrlCount++
	if c.ctrlCount > h2ControlBudget {
		// RFC 9113, Section 10.5: an endpoint may treat excessive control
		// frames as abuse; ENHANCE_YOUR_CALM says so (Section 7).
		return h2ConnErr(h2.ErrCodeEnhanceYourCalm, fmt.Sprintf("over %d PING and SETTINGS frames in %v (RFC 9113, Section 10.5)", h2ControlBudget, h2ControlPeriod))
	}
	return nil
}

// idleID reports whether id names a stream in the idle state: one we have
// not opened (RFC 9113, Section 5.1). The server opens none (push is off),
// so every even id and every odd id at or past nextID is idle.
func (c *h2Client) idleID(id uint32) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.idleIDLocked(id)
}

// idleIDLocked is idleID with c.mu held.
func (c *h2Client) idleIDLocked(id uint32) bool { return id%2 == 0 || id >= c.nextID }

// headerFragment adds a HEADERS or CONTINUATION fragment to the header
// block being read, within the limits, and decodes the block at its end.
func (c *h2Client) headerFragment(h h2.FrameHeader, frag []byte) error {
	c.hbFrames++
	if c.hbFrames > h2MaxHeaderFrames {
		return h2ConnErr(h2.ErrCodeEnhanceYourCalm, fmt.Sprintf("header block in over %d frames (CONTINUATION flood, RFC 9113, Section 10.5)", h2MaxHeaderFrames))
	}
	if len(c.hbBuf)+len(frag) > int(c.maxHeaderBytes) {
		return fmt.Errorf("%w: header block over %d bytes (DialOptions.MaxResponseHeaderBytes, RFC 9113, Section 10.5.1)",
			handshake.ErrResponseHeaderTooLarge, c.maxHeaderBytes)
	}
	c.hbBuf = append(c.hbBuf, frag...)
	if !h.Flags.Has(h2.FlagEndHeaders) {
		return nil
	}
	id, end := c.hbStream, c.hbEnd
	c.hbStream = 0
	// Every header block is decoded, even for a stream we no longer want:
	// the decoder's dynamic table must follow the server's (RFC 7541,
	// Section 2.2), or every later block would be misread.
	var fields []h2.HeaderField
	err := c.dec.Decode(c.hbBuf, func(f h2.HeaderField) error {
		fields = append(fields, f)
		return nil
	})
	if cap(c.hbBuf) > 64<<10 {
		c.hbBuf = nil
	}
	if errors.Is(err, h2.ErrHeaderListTooLarge) {
		// Decoding stopped part way, so our dynamic table no longer matches
		// the server's: the connection cannot go on.
		return fmt.Errorf("%w: header list over %d bytes (DialOptions.MaxResponseHeaderBytes, RFC 9113, Section 6.5.2): %w",
			handshake.ErrResponseHeaderTooLarge, c.maxHeaderBytes, err)
	}
	if err != nil {
		return err
	}
	if c.idleID(id) {
		// A server may not open streams: a HEADERS on an even or unopened
		// id is a connection error (RFC 9113, Sections 5.1.1 and 8.4).
		return h2ConnErr(h2.ErrCodeProtocol, fmt.Sprintf("HEADERS on stream %d, which the client did not open (RFC 9113, Section 5.1.1)", id))
	}
	c.mu.Lock()
	st := c.streams[id]
	c.mu.Unlock()
	if st == nil {
		return nil // a stream we closed: ignored (RFC 9113, Section 5.1)
	}
	return st.headers(fields, end)
}

// handleData accounts a DATA frame against both receive windows and hands
// its data to the stream.
func (c *h2Client) handleData(h h2.FrameHeader, p []byte) error {
	data, err := h2.ParseData(h, p)
	if err != nil {
		return err
	}
	// "The entire DATA frame payload is included in flow control,
	// including the Pad Length and Padding fields if present." A receiver
	// "MUST treat the receipt of a [frame beyond its window] as a
	// connection error of type FLOW_CONTROL_ERROR" (RFC 9113, Sections
	// 6.1 and 6.9.1).
	n := int64(h.Length)
	if n > c.recvWin {
		return h2ConnErr(h2.ErrCodeFlowControl, fmt.Sprintf("DATA of %d bytes beyond the connection window of %d (RFC 9113, Section 6.9.1)", n, c.recvWin))
	}
	c.recvWin -= n
	c.recvUnack += n
	// The connection window is given back as frames arrive: each stream's
	// own window bounds what it buffers.
	if c.recvUnack >= h2ConnWindow/4 {
		inc := uint32(c.recvUnack)
		c.recvWin += c.recvUnack
		c.recvUnack = 0
		c.writeControl(func(b []byte) []byte { return h2.AppendWindowUpdate(b, 0, inc) })
	}
	if c.idleID(h.StreamID) {
		return h2ConnErr(h2.ErrCodeProtocol, fmt.Sprintf("DATA on stream %d, which the client did not open (RFC 9113, Section 5.1)", h.StreamID))
	}
	c.mu.Lock()
	st := c.streams[h.StreamID]
	c.mu.Unlock()
	if st == nil {
		return nil // closed by us: ignored (RFC 9113, Section 5.1)
	}
	return st.data(h, data)
}

// handleSettings applies the server's SETTINGS and acknowledges them.
func (c *h2Client) handleSettings(h h2.FrameHeader, p []byte) error {
	if h.Flags.Has(h2.FlagAck) {
		return h2.ParseSettings(h, p, func(h2.Setting) error { return nil })
	}
	if err := c.countControl(); err != nil {
		return err
	}
	c.mu.Lock()
	err := h2.ParseSettings(h, p, func(s h2.Setting) error {
		if err := s.Valid(); err != nil {
			return err
		}
		switch s.ID {
		case h2.SettingInitialWindowSize:
			// "a SETTINGS_INITIAL_WINDOW_SIZE ... MUST adjust the size of
			// all stream flow-control windows ... by the difference"; one
			// that overflows is a FLOW_CONTROL_ERROR (RFC 9113, Section 6.9.2).
			delta := int64(s.Val) - c.peer.initialWindow
			for _, st := range c.streams {
				if st.sendWin+delta > h2.MaxWindowSize {
					return h2ConnErr(h2.ErrCodeFlowControl, "SETTINGS_INITIAL_WINDOW_SIZE overflows a stream window (RFC 9113, Section 6.9.2)")
				}
			}
			for _, st := range c.streams {
				st.sendWin += delta
				st.wakeLocked()
			}
			c.peer.initialWindow = int64(s.Val)
		case h2.SettingMaxFrameSize:
			c.peer.maxFrameSize = s.Val
		case h2.SettingMaxConcurrentStreams:
			c.peer.maxStreams = s.Val
		case h2.SettingEnableConnectProtocol:
			// "a sender MUST NOT send a SETTINGS_ENABLE_CONNECT_PROTOCOL
			// parameter with the value of 0 after previously sending a value
			// of 1" (RFC 8441, Section 3).
			if c.peer.xconnect && s.Val == 0 {
				return h2ConnErr(h2.ErrCodeProtocol, "SETTINGS_ENABLE_CONNECT_PROTOCOL went from 1 to 0 (RFC 8441, Section 3)")
			}
			c.peer.xconnect = s.Val == 1
		}
		// HEADER_TABLE_SIZE bounds the encoder's dynamic table, which ours
		// does not use; ENABLE_PUSH is meaningless from a server.
		return nil
	})
	c.mu.Unlock()
	if err != nil {
		return err
	}
	// "Upon receiving a SETTINGS frame ... the receiver MUST immediately
	// emit a SETTINGS frame with the ACK flag set" (RFC 9113, Section 6.5.3).
	c.writeControl(h2.AppendSettingsAck)
	if !c.gotSettings {
		c.gotSettings = true
		close(c.settled)
	}
	return nil
}

// handleWindowUpdate widens a send window (RFC 9113, Section 6.9).
func (c *h2Client) handleWindowUpdate(h h2.FrameHeader, p []byte) error {
	inc, err := h2.ParseWindowUpdate(h, p)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// "A sender MUST NOT allow a flow-control window to exceed 2^31-1
	// octets. If a sender receives a WINDOW_UPDATE that causes a
	// flow-control window to exceed this maximum, it MUST terminate either
	// the stream or the connection" (RFC 9113, Section 6.9.1).
	if h.StreamID == 0 {
		if c.sendWin+int64(inc) > h2.MaxWindowSize {
			return h2ConnErr(h2.ErrCodeFlowControl, "WINDOW_UPDATE takes the connection window past 2^31-1 (RFC 9113, Section 6.9.1)")
		}
		c.sendWin += int64(inc)
		if c.winCh != nil {
			close(c.winCh)
			c.winCh = nil
		}
		return nil
	}
	if c.idleIDLocked(h.StreamID) {
		return h2ConnErr(h2.ErrCodeProtocol, "WINDOW_UPDATE on an idle stream (RFC 9113, Section 5.1)")
	}
	st := c.streams[h.StreamID]
	if st == nil {
		return nil
	}
	if st.sendWin+int64(inc) > h2.MaxWindowSize {
		return &h2.StreamError{StreamID: h.StreamID, Code: h2.ErrCodeFlowControl, Reason: "WINDOW_UPDATE takes the stream window past 2^31-1 (RFC 9113, Section 6.9.1)"}
	}
	st.sendWin += int64(inc)
	st.wakeLocked()
	return nil
}

// winChLocked returns the channel closed when the connection send window
// next grows, made on first use so that window updates nobody waits for
// allocate nothing. c.mu held.
func (c *h2Client) winChLocked() chan struct{} {
	if c.winCh == nil {
		c.winCh = make(chan struct{})
	}
	return c.winCh
}

// handleGoAway stops new streams and fails those the server will not
// process: "streams with identifiers higher than the included last stream
// identifier ... were not or will not be processed" (RFC 9113, Section 6.8).
func (c *h2Client) handleGoAway(last uint32, code h2.ErrCode, debug []byte) {
	if len(debug) > 128 {
		debug = debug[:128] // the error keeps a bounded part of the server's text
	}
	err := fmt.Errorf("conn: http2: server sent GOAWAY %v (last stream %d) %q", code, last, debug)
	c.mu.Lock()
	c.goaway, c.lastID = true, last
	var refused []*h2ClientStream
	for id, st := range c.streams {
		if id > last {
			refused = append(refused, st)
		}
	}
	pool := c.pool
	c.mu.Unlock()
	if pool != nil {
		pool.remove(c)
	}
	for _, st := range refused {
		st.setReset(err)
	}
	if code != h2.ErrCodeNo {
		// An error GOAWAY ends the connection (RFC 9113, Section 5.4.1).
		c.fail(err)
		return
	}
	c.maybeIdle()
}

// streamReset handles RST_STREAM from the server: the stream ends at once
// (RFC 9113, Section 6.4). The Endpoint sees its reads fail (1006), unless
// the server had already ended its side and the code is NO_ERROR.
func (c *h2Client) streamReset(id uint32, code h2.ErrCode) {
	c.mu.Lock()
	st := c.streams[id]
	clean := st != nil && st.remoteEnd && code == h2.ErrCodeNo
	c.mu.Unlock()
	if st == nil {
		return
	}
	var err error
	if !clean {
		// Only a NO_ERROR reset after the server's END_STREAM is the clean
		// end of RFC 9113, Section 8.1; anything else cuts the stream.
		err = fmt.Errorf("conn: http2: server reset stream %d: %v (RFC 9113, Section 6.4)", id, code)
	}
	st.setReset(err)
}

// resetStream sends RST_STREAM for a stream error we detected and ends the
// stream with err (RFC 9113, Section 5.4.2).
func (c *h2Client) resetStream(id uint32, code h2.ErrCode, err error) {
	// RST_STREAM first: ending the stream may end the connection.
	c.writeControl(func(b []byte) []byte { return h2.AppendRSTStream(b, id, code) })
	c.mu.Lock()
	st := c.streams[id]
	c.mu.Unlock()
	if st != nil {
		st.setReset(err)
	}
}

// openStream sends an extended CONNECT's HEADERS on a new stream, using a
// slot reserve promised. Stream ids must increase in the order HEADERS
// are sent (RFC 9113, Section 5.1.1), so the id is taken with the write
// lock held.
func (c *h2Client) openStream(ctx context.Context, fields []h2.HeaderField) (*h2ClientStream, error) {
	var enc h2.Encoder
	var block []byte
	for _, f := range fields {
		block = enc.AppendField(block, f)
	}
	if !c.wmu.lockOr(c.done, ctx.Done()) {
		c.unreserve()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, c.closedErr()
	}
	c.mu.Lock()
	c.reserved--
	if c.err != nil || c.goaway || c.nextID > 1<<31-1 {
		err := c.err
		if err == nil {
			err = fmt.Errorf("conn: http2: connection going away: no new streams (RFC 9113, Section 6.8)")
		}
		c.mu.Unlock()
		c.wmu.unlock()
		c.maybeIdle() // the slot is given back: the connection may be done
		return nil, err
	}
	defer c.wmu.unlock()
	st := &h2ClientStream{
		c:       c,
		id:      c.nextID,
		gone:    make(chan struct{}),
		sendWin: c.peer.initialWindow,
		recvWin: h2StreamWindow,
	}
	c.nextID += 2
	if c.nextID > 1<<31-1 {
		// "Stream identifiers cannot be reused": a long-lived connection
		// that runs out opens no more (RFC 9113, Section 5.1.1).
		c.goaway = true
	}
	c.streams[st.id] = st
	maxFrame := int(c.peer.maxFrameSize)
	c.mu.Unlock()
	// HEADERS, then CONTINUATION frames if the block is over the server's
	// SETTINGS_MAX_FRAME_SIZE (RFC 9113, Sections 4.3 and 6.10).
	b := c.wbuf[:0]
	first := min(len(block), maxFrame)
	b = h2.AppendHeaders(b, st.id, false, first == len(block), block[:first])
	for rest := block[first:]; len(rest) > 0; {
		k := min(len(rest), maxFrame)
		b = h2.AppendContinuation(b, st.id, k == len(rest), rest[:k])
		rest = rest[k:]
	}
	c.wbuf = b
	dl, _ := ctx.Deadline()
	if err := c.writeLocked(b, dl); err != nil {
		return nil, err
	}
	return st, nil
}
