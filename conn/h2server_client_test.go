package conn

import (
	"bufio"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rfc6455/ws/internal/h2"
)

// h2TestClient is a bare HTTP/2 client (RFC 9113) for the server tests:
// enough to open extended CONNECT streams (RFC 8441) on one connection
// and move DATA, with flow control in the test's hands. Each stream is a
// net.Conn, so a client Endpoint can run on it.
type h2TestClient struct {
	t  *testing.T
	c  net.Conn
	bw *bufio.Writer

	wmu sync.Mutex // frames leave whole

	mu          sync.Mutex
	settings    map[h2.SettingID]uint32 // the server's
	streams     map[uint32]*h2TestStream
	nextID      uint32
	connSend    int64 // our connection-level send window
	recvWindow  uint32
	autoWindow  bool // give back what the application reads
	err         error
	winNotify   chan struct{}
	gotSettings chan struct{}
	done        chan struct{}
}

// h2TestStream is one stream of an h2TestClient.
type h2TestStream struct {
	cl      *h2TestClient
	id      uint32
	headers chan []h2.HeaderField // the response HEADERS, once

	// guarded by cl.mu
	data    []byte
	ended   bool // END_STREAM received
	rst     bool
	rstCode h2.ErrCode
	sendWin int64
	sentEnd bool

	notify chan struct{} // data, END_STREAM or RST_STREAM arrived
	rdl    deadline
	wdl    deadline
	closed chan struct{}
	once   sync.Once
}

// dialH2 connects to addr with prior knowledge (h2c, RFC 9113, Section
// 3.3), advertising window as our initial stream window. With autoWindow,
// what the application reads is given back in WINDOW_UPDATEs; without,
// the server can send window bytes per stream and then blocks.
func dialH2(t *testing.T, addr string, window uint32, autoWindow bool) *h2TestClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	cl := &h2TestClient{
		t: t, c: c, bw: bufio.NewWriter(c),
		settings:    map[h2.SettingID]uint32{},
		streams:     map[uint32]*h2TestStream{},
		nextID:      1,
		connSend:    65535, // RFC 9113, Section 6.9.2
		recvWindow:  window,
		autoWindow:  autoWindow,
		winNotify:   make(chan struct{}, 1),
		gotSettings: make(chan struct{}),
		done:        make(chan struct{}),
	}
	t.Cleanup(func() { cl.Close() })
	var b []byte
	b = append(b, h2.ClientPreface...)
	b = h2.AppendSettings(b,
		h2.Setting{ID: h2.SettingEnablePush, Val: 0},
		h2.Setting{ID: h2.SettingInitialWindowSize, Val: window})
	// The connection window is not under test: open it wide.
	b = h2.AppendWindowUpdate(b, 0, 1<<30)
	cl.write(b)
	go cl.readLoop()
	select {
	case <-cl.gotSettings:
	case <-time.After(10 * time.Second):
		t.Fatal("no SETTINGS from the server")
	}
	return cl
}

func (cl *h2TestClient) Close() {
	cl.c.Close()
	<-cl.done
}

// setting returns the server's value for id and whether it sent one.
func (cl *h2TestClient) setting(id h2.SettingID) (uint32, bool) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	v, ok := cl.settings[id]
	return v, ok
}

func (cl *h2TestClient) write(b []byte) error {
	cl.wmu.Lock()
	defer cl.wmu.Unlock()
	cl.bw.Write(b)
	return cl.bw.Flush()
}

func h2sSignal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// readLoop reads the server's frames until the connection ends.
func (cl *h2TestClient) readLoop() {
	defer close(cl.done)
	fr := h2.NewReader(cl.c, 1<<20)
	dec := h2.NewDecoder(4096)
	var block []byte
	var blockStream uint32
	var blockEnd bool
	for {
		h, p, err := fr.ReadFrame()
		if err != nil {
			cl.mu.Lock()
			cl.err = err
			for _, s := range cl.streams {
				h2sSignal(s.notify)
			}
			cl.mu.Unlock()
			h2sSignal(cl.winNotify)
			return
		}
		switch h.Type {
		case h2.FrameSettings:
			if h.Flags.Has(h2.FlagAck) {
				continue
			}
			cl.mu.Lock()
			h2.ParseSettings(h, p, func(s h2.Setting) error {
				if s.ID == h2.SettingInitialWindowSize {
					delta := int64(s.Val) - int64(cl.initialSendLocked())
					for _, st := range cl.streams {
						st.sendWin += delta
					}
				}
				cl.settings[s.ID] = s.Val
				return nil
			})
			first := cl.gotSettings
			cl.mu.Unlock()
			cl.write(h2.AppendSettingsAck(nil))
			h2sSignal(cl.winNotify)
			select {
			case <-first:
			default:
				close(first)
			}
		case h2.FramePing:
			if data, err := h2.ParsePing(h, p); err == nil && !h.Flags.Has(h2.FlagAck) {
				cl.write(h2.AppendPing(nil, true, data))
			}
		case h2.FrameHeaders, h2.FrameContinuation:
			var frag []byte
			if h.Type == h2.FrameHeaders {
				frag, err = h2.ParseHeaders(h, p)
				block, blockStream, blockEnd = block[:0], h.StreamID, h.Flags.Has(h2.FlagEndStream)
			} else {
				frag, err = h2.ParseContinuation(h, p)
			}
			if err != nil {
				cl.c.Close()
				continue
			}
			block = append(block, frag...)
			if !h.Flags.Has(h2.FlagEndHeaders) {
				continue
			}
			var fields []h2.HeaderField
			dec.Decode(block, func(f h2.HeaderField) error { fields = append(fields, f); return nil })
			cl.mu.Lock()
			if s := cl.streams[blockStream]; s != nil {
				select {
				case s.headers <- fields:
				default: // trailers: not used here
				}
				if blockEnd {
					s.ended = true
					h2sSignal(s.notify)
				}
			}
			cl.mu.Unlock()
		case h2.FrameData:
			data, err := h2.ParseData(h, p)
			if err != nil {
				continue
			}
			cl.mu.Lock()
			if s := cl.streams[h.StreamID]; s != nil {
				s.data = append(s.data, data...)
				if h.Flags.Has(h2.FlagEndStream) {
					s.ended = true
				}
				h2sSignal(s.notify)
			}
			cl.mu.Unlock()
		case h2.FrameRSTStream:
			code, _ := h2.ParseRSTStream(h, p)
			cl.mu.Lock()
			if s := cl.streams[h.StreamID]; s != nil && !s.rst { // keep the first
				s.rst, s.rstCode = true, code
				h2sSignal(s.notify)
			}
			cl.mu.Unlock()
			h2sSignal(cl.winNotify)
		case h2.FrameWindowUpdate:
			inc, err := h2.ParseWindowUpdate(h, p)
			if err != nil {
				continue
			}
			cl.mu.Lock()
			if h.StreamID == 0 {
				cl.connSend += int64(inc)
			} else if s := cl.streams[h.StreamID]; s != nil {
				s.sendWin += int64(inc)
			}
			cl.mu.Unlock()
			h2sSignal(cl.winNotify)
		}
	}
}

// initialSendLocked is the server's SETTINGS_INITIAL_WINDOW_SIZE. mu held.
func (cl *h2TestClient) initialSendLocked() uint32 {
	if v, ok := cl.settings[h2.SettingInitialWindowSize]; ok {
		return v
	}
	return 65535
}

// connect opens a stream with an extended CONNECT to path (RFC 8441,
// Section 4), plus the given fields (name, value pairs). A nil protocol
// leaves :protocol out (a plain CONNECT, RFC 9113, Section 8.5).
func (cl *h2TestClient) connect(path string, protocol *string, fields ...string) *h2TestStream {
	var enc h2.Encoder
	hf := []h2.HeaderField{{Name: ":method", Value: "CONNECT"}}
	if protocol != nil {
		hf = append(hf,
			h2.HeaderField{Name: ":protocol", Value: *protocol},
			h2.HeaderField{Name: ":scheme", Value: "http"},
			h2.HeaderField{Name: ":path", Value: path})
	}
	hf = append(hf, h2.HeaderField{Name: ":authority", Value: cl.c.RemoteAddr().String()})
	if protocol != nil && !slices.Contains(fields, "sec-websocket-version") {
		hf = append(hf, h2.HeaderField{Name: "sec-websocket-version", Value: "13"})
	}
	for i := 0; i+1 < len(fields); i += 2 {
		hf = append(hf, h2.HeaderField{Name: fields[i], Value: fields[i+1]})
	}
	var block []byte
	for _, f := range hf {
		block = enc.AppendField(block, f)
	}
	cl.mu.Lock()
	s := &h2TestStream{
		cl: cl, id: cl.nextID,
		headers: make(chan []h2.HeaderField, 1),
		sendWin: int64(cl.initialSendLocked()),
		notify:  make(chan struct{}, 1),
		closed:  make(chan struct{}),
	}
	s.rdl.init()
	s.wdl.init()
	cl.nextID += 2
	cl.streams[s.id] = s
	cl.mu.Unlock()
	cl.write(h2.AppendHeaders(nil, s.id, false, true, block))
	return s
}

// status waits for the response HEADERS and returns :status and the
// fields.
func (s *h2TestStream) status(t *testing.T) (int, map[string]string) {
	t.Helper()
	select {
	case fields := <-s.headers:
		m := map[string]string{}
		for _, f := range fields {
			m[f.Name] = f.Value
		}
		code, _ := strconv.Atoi(m[":status"])
		return code, m
	case <-time.After(10 * time.Second):
		t.Fatalf("stream %d: no response HEADERS", s.id)
		return 0, nil
	}
}

// state reports what the server did to the stream so far.
func (s *h2TestStream) state() (ended, rst bool, code h2.ErrCode) {
	s.cl.mu.Lock()
	defer s.cl.mu.Unlock()
	return s.ended, s.rst, s.rstCode
}

// waitEnd waits until the server ends the stream (END_STREAM or
// RST_STREAM) and reports how.
func (s *h2TestStream) waitEnd(t *testing.T, within time.Duration) (ended, rst bool, code h2.ErrCode) {
	t.Helper()
	deadline := time.After(within)
	for {
		if ended, rst, code := s.state(); ended || rst {
			return ended, rst, code
		}
		select {
		case <-s.notify:
		case <-deadline:
			t.Fatalf("stream %d: the server did not end it within %v", s.id, within)
		}
	}
}

// Read returns DATA the server sent. It is the net.Conn side of the
// stream: the read deadline leaves the stream usable.
func (s *h2TestStream) Read(p []byte) (int, error) {
	for {
		cl := s.cl
		cl.mu.Lock()
		if len(s.data) > 0 {
			n := copy(p, s.data)
			s.data = s.data[n:]
			if len(s.data) == 0 {
				s.data = nil
			}
			cl.mu.Unlock()
			if cl.autoWindow {
				cl.write(h2.AppendWindowUpdate(nil, s.id, uint32(n)))
			}
			return n, nil
		}
		switch {
		case s.rst:
			cl.mu.Unlock()
			return 0, io.ErrUnexpectedEOF
		case s.ended:
			cl.mu.Unlock()
			return 0, io.EOF
		case cl.err != nil:
			cl.mu.Unlock()
			return 0, cl.err
		}
		cl.mu.Unlock()
		select {
		case <-s.notify:
		case <-s.rdl.done():
			return 0, os.ErrDeadlineExceeded
		case <-s.closed:
			return 0, net.ErrClosed
		}
	}
}

// Write sends p in DATA frames within the server's windows.
func (s *h2TestStream) Write(p []byte) (int, error) {
	cl := s.cl
	written := 0
	for len(p) > 0 {
		cl.mu.Lock()
		if s.rst && s.ended && s.rstCode == h2.ErrCodeNo && cl.err == nil {
			// The server sent its whole response, then RST_STREAM
			// NO_ERROR (net/http does so when a handler returns before
			// the client's END_STREAM, RFC 9113, Section 8.1): the bytes
			// are dropped, as TCP accepts writes after the peer's close,
			// and as our client does (h2client_stream.go). Otherwise the
			// Endpoint's reply to the server's Close frame fails when the
			// reset overtakes it, and a clean close reads as 1006.
			cl.mu.Unlock()
			return written + len(p), nil
		}
		if s.rst || cl.err != nil {
			cl.mu.Unlock()
			return written, io.ErrClosedPipe
		}
		n := min(int64(len(p)), s.sendWin, cl.connSend, 16384)
		if n <= 0 {
			cl.mu.Unlock()
			select {
			case <-cl.winNotify:
			case <-s.wdl.done():
				return written, os.ErrDeadlineExceeded
			case <-s.closed:
				return written, net.ErrClosed
			}
			continue
		}
		s.sendWin -= n
		cl.connSend -= n
		cl.mu.Unlock()
		if err := cl.write(h2.AppendData(nil, s.id, false, p[:n])); err != nil {
			return written, err
		}
		written += int(n)
		p = p[n:]
		h2sSignal(cl.winNotify) // another stream may be waiting
	}
	return written, nil
}

// endStream sends an empty DATA frame with END_STREAM: our half is closed.
func (s *h2TestStream) endStream() {
	s.cl.mu.Lock()
	already := s.sentEnd
	s.sentEnd = true
	s.cl.mu.Unlock()
	if !already {
		s.cl.write(h2.AppendData(nil, s.id, true, nil))
	}
}

// reset sends RST_STREAM with code.
func (s *h2TestStream) reset(code h2.ErrCode) {
	s.cl.write(h2.AppendRSTStream(nil, s.id, code))
}

// Close ends our side of the stream with END_STREAM, as a client ends the
// WebSocket's TCP connection.
func (s *h2TestStream) Close() error {
	s.once.Do(func() {
		close(s.closed)
		s.endStream()
	})
	return nil
}

func (s *h2TestStream) LocalAddr() net.Addr  { return s.cl.c.LocalAddr() }
func (s *h2TestStream) RemoteAddr() net.Addr { return s.cl.c.RemoteAddr() }
func (s *h2TestStream) SetDeadline(t time.Time) error {
	s.rdl.set(t)
	s.wdl.set(t)
	return nil
}
func (s *h2TestStream) SetReadDeadline(t time.Time) error  { s.rdl.set(t); return nil }
func (s *h2TestStream) SetWriteDeadline(t time.Time) error { s.wdl.set(t); return nil }
