package conform

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// Fuzzer protocol defaults (catalogue, section 1.3).
const (
	DefaultCloseTimeout = 1 * time.Second // wait for the peer's close after ours
	DefaultDropTimeout  = 1 * time.Second // a fuzzing client waits this long for the server to drop TCP
	maxMessage          = 64 << 20        // the fuzzer refuses frames and messages over 64 MiB (the largest case sends 16 MiB)
	writeTimeout        = 60 * time.Second
)

// A Frame is one frame for Session.Send. The zero value is a non-final
// continuation frame with no payload; use the constructors for the common ones.
type Frame struct {
	Opcode  frame.Opcode
	Fin     bool
	RSV     byte   // RSV bits as in the first header byte: frame.RSV1|RSV2|RSV3
	Payload []byte // sent as is (masked on the wire when the fuzzer is the client)
}

// Final returns a final frame (FIN set) with the given opcode and payload.
func Final(op frame.Opcode, p []byte) Frame { return Frame{Opcode: op, Fin: true, Payload: p} }

// Fragment returns a frame with FIN clear: the start or middle of a message.
func Fragment(op frame.Opcode, p []byte) Frame { return Frame{Opcode: op, Payload: p} }

// Delivery says how frames are written to TCP (catalogue, section 1.3). The
// zero value writes all frames of one Send in a single write.
type Delivery struct {
	Sync bool // write (flush) each frame on its own
	Chop int  // write each frame's bytes in pieces of Chop bytes (0: whole)
}

// A Message is a complete message received while the session is in direct
// mode (Session.Direct).
type Message struct {
	Opcode  frame.Opcode // OpText or OpBinary
	Payload []byte
	Rsv1    bool // RSV1 was set on the first frame (a compressed message under permessage-deflate)
	Frames  int  // number of frames it came in
}

// CloseExpect is a case's closing expectation (catalogue, section 1.2).
type CloseExpect struct {
	ByFuzzer     bool              // the fuzzer starts the closing handshake (else the peer must)
	Codes        []frame.CloseCode // acceptable codes in the peer's close frame (an empty close is always fine)
	RequireClean bool              // both close frames exchanged and TCP closed in order
}

type expectation struct {
	grade  Grade
	events []Event
}

// A LogEntry is one line of a case's frame log.
type LogEntry struct {
	At   time.Duration // since the case started
	Dir  string        // "tx" sent by the fuzzer, "rx" received, "--" a note
	Text string
}

// A Session is the fuzzer's side of one case's connection. Case.Run calls
// its methods from one goroutine; a reader goroutine records what the peer sends.
type Session struct {
	c      *Case
	opts   *Options
	nc     net.Conn
	br     *bufio.Reader
	client bool // the fuzzer is the client: it masks, the peer must not
	http2  bool // the connection is an RFC 8441 stream (h2.go)
	rng    *rand.Rand
	start  time.Time
	exts   []handshake.Extension

	wmu sync.Mutex // one writer at a time (case goroutine, reader's pongs and close replies)

	mu     sync.Mutex
	cond   *sync.Cond
	events []Event
	inbox  []Message
	direct bool
	quiet  bool
	log    []LogEntry

	expects     []expectation
	closeExp    *CloseExpect
	invalidUTF8 bool // fuzzer-side close turns behavior into FAILED
	group7      bool // WRONG CODE turns behavior into FAILED
	result      Grade
	reason      string
	violation   string
	notes       map[string]string

	sentClose, recvClose bool
	closedByFuzzer       bool
	closedByPeer         bool
	sentCode             frame.CloseCode
	remoteCode           frame.CloseCode // 0: no close frame or an empty one
	remoteReason         string
	handshakeDone        bool // both close frames seen
	tcpGone              bool
	tcpErr               error
	droppedByFuzzer      bool // a fuzzing client had to drop TCP itself after the closing handshake
	aborted              string
	killed               bool
	readerDone           chan struct{}
}

func newSession(c *Case, opts *Options, nc net.Conn, br *bufio.Reader, client bool, exts []handshake.Extension) *Session {
	s := &Session{
		c: c, opts: opts, nc: nc, br: br, client: client, exts: exts,
		rng:        rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x5eed)),
		start:      time.Now(),
		readerDone: make(chan struct{}),
	}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// Extensions returns the extensions in effect on this connection.
func (s *Session) Extensions() []handshake.Extension { return s.exts }

// IsClient reports whether the fuzzer is the client (testing a server).
func (s *Session) IsClient() bool { return s.client }

// Options returns the run options (never nil).
func (s *Session) Options() *Options { return s.opts }

// Expect adds an expected list of received events and the grade it earns.
// Lists are tried in the order added; no match grades FAILED.
func (s *Session) Expect(g Grade, events ...Event) {
	s.mu.Lock()
	s.expects = append(s.expects, expectation{g, events})
	s.mu.Unlock()
}

// ExpectClose sets the closing expectation. Without one the closing
// verdict is INFORMATIONAL.
func (s *Session) ExpectClose(ce CloseExpect) {
	s.mu.Lock()
	s.closeExp = &ce
	s.mu.Unlock()
}

// Direct switches the session to direct grading: complete messages are
// queued for NextMessage instead of being recorded as events, and the case
// sets its grade with SetResult. Quiet turns off per-frame logging.
func (s *Session) Direct(quiet bool) {
	s.mu.Lock()
	s.direct, s.quiet = true, quiet
	s.mu.Unlock()
}

// SetResult sets the behavior grade directly, with the reason shown in reports.
func (s *Session) SetResult(g Grade, reason string) {
	s.mu.Lock()
	s.result, s.reason = g, reason
	s.mu.Unlock()
}

// Note records a case-specific figure shown in reports (Result.Notes),
// such as a compression ratio or a throughput.
func (s *Session) Note(key, value string) {
	s.mu.Lock()
	if s.notes == nil {
		s.notes = map[string]string{}
	}
	s.notes[key] = value
	s.mu.Unlock()
}

// Logf adds a note to the frame log.
func (s *Session) Logf(format string, args ...any) {
	s.mu.Lock()
	s.logLocked("--", fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

func (s *Session) logLocked(dir, text string) {
	s.log = append(s.log, LogEntry{At: time.Since(s.start), Dir: dir, Text: text})
}

// Send writes frames to the peer as d says. Writes after TCP is gone are
// logged and dropped. The fuzzer sends what the case says, valid or not.
func (s *Session) Send(d Delivery, frames ...Frame) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var buf []byte
	flush := func() {
		if len(buf) > 0 {
			s.write(buf, d.Chop)
			buf = buf[:0]
		}
	}
	for _, f := range frames {
		var h frame.Header
		h, buf = s.encode(buf, f)
		s.noteSent(h, f.Payload, d)
		if d.Sync || d.Chop > 0 {
			flush()
		}
	}
	flush()
}

func (s *Session) noteSent(h frame.Header, p []byte, d Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A close frame starts the closing handshake (Section 7.1.2); one with
	// RSV bits set (case 3.7) is a broken frame, not a close.
	if h.Opcode == frame.OpClose && h.RSV() == 0 && !s.sentClose {
		s.sentClose = true
		if !s.recvClose {
			s.closedByFuzzer = true
		}
		if cp, err := frame.ParseClosePayload(p); err == nil {
			s.sentCode = cp.Code
		}
		time.AfterFunc(s.opts.closeTimeout(), s.closeTimeout)
	}
	if s.quiet && !h.Opcode.IsControl() {
		return
	}
	text := describeFrame(h, p)
	if d.Chop > 0 {
		total := h.Len() + len(p)
		text += fmt.Sprintf(" [written in %d chops of %d bytes]", (total+d.Chop-1)/d.Chop, d.Chop)
	} else if d.Sync {
		text += " [flushed]"
	}
	s.logLocked("tx", text)
}

func (s *Session) write(b []byte, chop int) {
	s.mu.Lock()
	gone := s.tcpGone
	s.mu.Unlock()
	if gone {
		s.Logf("write of %d bytes skipped: connection closed", len(b))
		return
	}
	s.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
	for len(b) > 0 {
		n := len(b)
		if chop > 0 && chop < n {
			n = chop
		}
		if _, err := s.nc.Write(b[:n]); err != nil {
			s.Logf("write failed: %v", err)
			return
		}
		b = b[n:]
	}
}

// Encode returns the wire bytes of f (masked when the fuzzer is the client)
// and logs it as sent, for cases that write a frame's bytes in pieces of
// their own with WriteRaw (6.4.3, 6.4.4).
func (s *Session) Encode(f Frame, note string) []byte {
	s.wmu.Lock() // the mask key source is shared with Send
	h, b := s.encode(nil, f)
	s.wmu.Unlock()
	s.noteSent(h, f.Payload, Delivery{})
	if note != "" {
		s.Logf("%s", note)
	}
	return b
}

func (s *Session) encode(buf []byte, f Frame) (frame.Header, []byte) {
	h := frame.Header{
		Fin: f.Fin, Opcode: f.Opcode, PayloadLen: int64(len(f.Payload)),
		Rsv1: f.RSV&frame.RSV1 != 0, Rsv2: f.RSV&frame.RSV2 != 0, Rsv3: f.RSV&frame.RSV3 != 0,
	}
	if s.client {
		// "A client MUST mask all frames that it sends to the server" (Section 5.3).
		h.Masked = true
		k := s.rng.Uint32()
		h.MaskKey = [4]byte{byte(k >> 24), byte(k >> 16), byte(k >> 8), byte(k)}
	}
	start := len(buf)
	buf = frame.AppendHeader(buf, h)
	buf = append(buf, f.Payload...)
	if h.Masked {
		frame.Mask(h.MaskKey, buf[start+h.Len():], 0)
	}
	return h, buf
}

// WriteRaw writes b to TCP as is, in one write, and logs its length.
func (s *Session) WriteRaw(b []byte) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.Logf("tcp write of %d bytes", len(b))
	s.write(b, 0)
}

// SendClose sends a close frame with the given code and reason (code 0:
// an empty close frame). Sending a close starts the closing handshake.
func (s *Session) SendClose(code frame.CloseCode, reason string) {
	var p []byte
	if code != 0 {
		p = append(p, byte(code>>8), byte(code))
		p = append(p, reason...)
	}
	s.Send(Delivery{}, Final(frame.OpClose, p))
}

// closeTimeout drops TCP when the peer has not answered our close in time.
func (s *Session) closeTimeout() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.recvClose && !s.tcpGone {
		s.logLocked("--", "no close frame from the peer within the closing handshake timeout: dropping TCP")
		s.nc.Close()
	}
}

// openLocked reports whether the connection is open: no close frame either way, TCP up.
func (s *Session) openLocked() bool { return !s.tcpGone && !s.sentClose && !s.recvClose }

// IsOpen reports whether the WebSocket connection is still open (no close
// frame sent or received, TCP up).
func (s *Session) IsOpen() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.openLocked()
}

// waitFor waits until pred (called with s.mu held) is true or the deadline
// passes; it reports whether pred became true.
func (s *Session) waitFor(deadline time.Time, pred func() bool) bool {
	t := time.AfterFunc(time.Until(deadline), func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer t.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for !pred() {
		if !time.Now().Before(deadline) {
			return false
		}
		s.cond.Wait()
	}
	return true
}

// Sleep pauses for d, or less if the TCP connection goes away.
func (s *Session) Sleep(d time.Duration) {
	s.waitFor(time.Now().Add(d), func() bool { return s.tcpGone })
}

// Mark records the marker event name if the connection is still open (6.4.x).
func (s *Session) Mark(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.openLocked() {
		s.events = append(s.events, Marker(name))
		s.logLocked("--", "marker "+name+": connection still open")
	}
}

// matchesOKLocked reports whether the events so far equal the first OK list.
func (s *Session) matchesOKLocked() bool {
	for _, e := range s.expects {
		if e.grade == OK {
			return eventsEqual(s.events, e.events)
		}
	}
	return false
}

// autoCloseLocked: in happy-path cases (the fuzzer is to close) the fuzzer
// closes as soon as the received events equal the OK list.
func (s *Session) autoCloseLocked() bool {
	return s.closeExp != nil && s.closeExp.ByFuzzer && !s.direct && s.matchesOKLocked()
}

// CloseAfter waits up to d ("close after d"), then starts a normal close
// with 1000 if the connection is still open, and waits for the end. A case
// whose fuzzer is to close closes as soon as the events match its OK list.
func (s *Session) CloseAfter(d time.Duration) {
	s.waitFor(time.Now().Add(d), func() bool { return !s.openLocked() || s.autoCloseLocked() })
	if s.IsOpen() {
		s.SendClose(frame.CloseNormal, "")
	}
	s.Wait()
}

// KillAfter waits up to d for the connection to close ("kill after d"). If
// it is still open then, the fuzzer fails it with 1001 (going away), and
// the case notes that it was killed.
func (s *Session) KillAfter(d time.Duration) {
	ok := s.waitFor(time.Now().Add(d), func() bool { return !s.openLocked() || s.autoCloseLocked() })
	if s.IsOpen() {
		if ok {
			s.SendClose(frame.CloseNormal, "")
		} else {
			s.mu.Lock()
			s.killed = true
			s.logLocked("--", fmt.Sprintf("kill timer (%v) fired: the fuzzer fails the connection with 1001", d))
			s.mu.Unlock()
			s.SendClose(frame.CloseGoingAway, "")
		}
	}
	s.Wait()
}

// Close starts the closing handshake with code (0: an empty close frame)
// and waits for the end of the connection.
func (s *Session) Close(code frame.CloseCode, reason string) {
	s.SendClose(code, reason)
	s.Wait()
}

// Wait waits until the TCP connection is gone. The closing timeouts bound
// it once a close frame was sent; the runner bounds the rest.
func (s *Session) Wait() {
	<-s.readerDone
}

// NextMessage returns the next complete message in direct mode, waiting
// until the deadline. ok is false if the deadline passed or the connection
// went away first.
func (s *Session) NextMessage(deadline time.Time) (m Message, ok bool) {
	if !s.waitFor(deadline, func() bool { return len(s.inbox) > 0 || s.tcpGone || s.recvClose }) {
		return Message{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.inbox) == 0 {
		return Message{}, false
	}
	m = s.inbox[0]
	s.inbox[0] = Message{}
	s.inbox = s.inbox[1:]
	return m, true
}

// abort drops TCP at once (case timeout, context canceled).
func (s *Session) abort(why string) {
	s.mu.Lock()
	if s.aborted == "" && !s.tcpGone {
		s.aborted = why
		s.logLocked("--", "aborting: "+why)
	}
	s.mu.Unlock()
	s.nc.Close()
}

// violate records a protocol violation by the peer and fails the connection
// with code, as the fuzzer's protocol stack would (Section 7.1.7).
func (s *Session) violate(code frame.CloseCode, why string) {
	s.mu.Lock()
	first := s.violation == ""
	if first {
		s.violation = why
		s.logLocked("--", "peer violation: "+why)
	}
	send := first && !s.sentClose && !s.tcpGone
	s.mu.Unlock()
	if send {
		s.SendClose(code, "")
	}
}

// reader reads and records the peer's frames until TCP is gone.
func (s *Session) reader() {
	defer close(s.readerDone)
	defer func() {
		s.nc.Close()
		s.mu.Lock()
		s.tcpGone = true
		s.cond.Broadcast()
		s.mu.Unlock()
	}()
	seq := frame.Sequence{FromClient: !s.client}
	for _, e := range s.exts {
		if e.Name == "permessage-deflate" {
			seq.AllowedRSV = frame.RSV1 // RFC 7692, Section 6
		}
	}
	var (
		failed    bool // the fuzzer failed the connection: wait for the close
		msgOp     frame.Opcode
		msgRsv1   bool
		msgFrames int
		msg       []byte
	)
	for {
		h, err := s.readHeader()
		if err == errPeerViolation {
			return
		}
		if err != nil {
			s.endRead(err)
			return
		}
		var p []byte
		if h.PayloadLen > maxMessage || int64(len(msg))+h.PayloadLen > maxMessage {
			s.violate(frame.CloseMessageTooBig, fmt.Sprintf("frame of %d bytes makes a message over the fuzzer's limit of %d", h.PayloadLen, maxMessage))
			s.drain()
			return
		}
		p = make([]byte, h.PayloadLen)
		if _, err := io.ReadFull(s.br, p); err != nil {
			s.endRead(err)
			return
		}
		if h.Masked {
			frame.Mask(h.MaskKey, p, 0)
		}
		s.mu.Lock()
		afterClose := s.recvClose
		if !s.quiet || h.Opcode.IsControl() {
			s.logLocked("rx", describeFrame(h, p))
		}
		s.mu.Unlock()
		if afterClose {
			s.Logf("frame after the peer's close frame ignored")
			continue
		}
		if failed && h.Opcode != frame.OpClose {
			// After failing the connection the fuzzer only waits for the
			// peer's close frame (Section 7.1.7).
			continue
		}
		if err := seq.Next(h); err != nil && !failed {
			code := frame.CloseProtocolError
			var pe frame.ProtocolError
			if errors.As(err, &pe) {
				code = pe.Code
			}
			s.violate(code, err.Error())
			failed = true
			continue
		}
		switch h.Opcode {
		case frame.OpText, frame.OpBinary, frame.OpContinuation:
			if h.Opcode != frame.OpContinuation {
				msgOp, msgRsv1, msgFrames, msg = h.Opcode, h.Rsv1, 0, nil
			}
			msgFrames++
			msg = append(msg, p...)
			if !h.Fin {
				continue
			}
			// The fuzzer validates UTF-8 in what it receives (Section 8.1);
			// compressed messages are left to the case that inflates them.
			if msgOp == frame.OpText && !msgRsv1 && !utf8.Valid(msg) {
				s.violate(frame.CloseInvalidPayload, "text message from the peer is not valid UTF-8")
				failed = true
				continue
			}
			s.mu.Lock()
			if s.direct {
				s.inbox = append(s.inbox, Message{Opcode: msgOp, Payload: msg, Rsv1: msgRsv1, Frames: msgFrames})
			} else {
				s.events = append(s.events, Event{Kind: EventMessage, Opcode: msgOp, Payload: msg})
			}
			s.cond.Broadcast()
			s.mu.Unlock()
			msg = nil
		case frame.OpPing:
			s.mu.Lock()
			s.events = append(s.events, Ping(p))
			reply := !s.sentClose
			s.cond.Broadcast()
			s.mu.Unlock()
			if reply {
				// "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame
				// in response" (Section 5.5.2).
				s.Send(Delivery{}, Final(frame.OpPong, p))
			}
		case frame.OpPong:
			s.mu.Lock()
			s.events = append(s.events, Pong(p))
			s.cond.Broadcast()
			s.mu.Unlock()
		case frame.OpClose:
			cp, err := frame.ParseClosePayload(p)
			s.mu.Lock()
			s.recvClose = true
			if !s.sentClose {
				s.closedByPeer = true
			}
			if err == nil && cp.Code != frame.CloseNoStatus {
				s.remoteCode, s.remoteReason = cp.Code, cp.Reason
			} else if err != nil && len(p) >= 2 {
				s.remoteCode = frame.CloseCode(uint16(p[0])<<8 | uint16(p[1]))
			}
			if err != nil && s.violation == "" {
				// An invalid close frame is a protocol violation (Sections 5.5.1, 7.4).
				s.violation = "invalid close frame: " + err.Error()
				s.logLocked("--", "peer violation: "+s.violation)
			}
			reply := !s.sentClose
			s.cond.Broadcast()
			s.mu.Unlock()
			if reply {
				// "If an endpoint receives a Close frame and did not previously send
				// a Close frame, the endpoint MUST send a Close frame in response"
				// (Section 5.5.1); the fuzzer echoes the status code, or fails
				// the connection with 1002 if the close frame is invalid.
				code := cp.Code
				if err != nil {
					code = frame.CloseProtocolError
				} else if code == frame.CloseNoStatus {
					code = 0
				}
				s.SendClose(code, "")
			}
			s.mu.Lock()
			s.handshakeDone = true
			s.mu.Unlock()
			if !s.client {
				// "the underlying TCP connection, in most normal cases, SHOULD be
				// closed first by the server" (Section 7.1.1).
				s.Logf("closing handshake done: the fuzzer (server) closes TCP")
				return
			}
			if s.http2 {
				s.endStream()
			}
			s.nc.SetReadDeadline(time.Now().Add(s.opts.dropTimeout()))
		}
	}
}

// endStream ends the fuzzing client's side of its HTTP/2 stream once the
// closing handshake is done: END_STREAM, as nothing may be sent after a
// Close frame (RFC 6455, Section 5.5.1). Over TCP the client sends nothing
// more and waits for the server's FIN. An HTTP/2 server cannot end only
// its sending side (RFC 8441 servers end the stream as a whole), so a
// server that failed the connection and lingers for the client's end
// before ending the stream (as a TCP server half-closes and drains, so
// that its Close frame is not lost to a reset) would wait for us while we
// wait for it. The server's end of the stream is still what is graded.
func (s *Session) endStream() {
	cw, ok := s.nc.(interface{ CloseWrite() error })
	if !ok {
		return
	}
	s.wmu.Lock()
	err := cw.CloseWrite()
	s.wmu.Unlock()
	if err != nil {
		s.Logf("end of the fuzzer's side of the stream (END_STREAM) failed: %v", err)
		return
	}
	s.Logf("closing handshake done: the fuzzer ends its side of the stream (END_STREAM)")
}

// drain waits (bounded) for the peer to close after the fuzzer failed the
// connection, without processing more frames.
func (s *Session) drain() {
	s.nc.SetReadDeadline(time.Now().Add(s.opts.closeTimeout() + s.opts.dropTimeout()))
	buf := make([]byte, 32<<10)
	for {
		if _, err := s.br.Read(buf); err != nil {
			s.endRead(err)
			return
		}
	}
}

// endRead records why reading ended.
func (s *Session) endRead(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF) && s.http2:
		s.logLocked("--", "stream ended by the peer (END_STREAM: its TCP close, RFC 8441, Section 5)")
	case errors.Is(err, io.EOF):
		s.logLocked("--", "TCP closed by the peer")
	case errors.As(err, &ne) && ne.Timeout() && s.handshakeDone && s.client:
		s.droppedByFuzzer = true
		s.logLocked("--", fmt.Sprintf("the server did not close TCP within %v after the closing handshake: the fuzzer drops it", s.opts.dropTimeout()))
	case s.aborted != "" || (s.sentClose && !s.recvClose):
		s.logLocked("--", "TCP closed by the fuzzer")
	default:
		s.tcpErr = err
		s.logLocked("--", "read: "+err.Error())
	}
}

// readHeader reads one frame header with frame.ParseHeader.
func (s *Session) readHeader() (frame.Header, error) {
	n := 2
	for {
		b, err := s.br.Peek(n)
		h, used, perr := frame.ParseHeader(b)
		switch {
		case perr == nil:
			s.br.Discard(used)
			return h, nil
		case errors.Is(perr, frame.ErrShortHeader):
			if err != nil {
				if len(b) == 0 && errors.Is(err, io.EOF) {
					return h, io.EOF
				}
				if errors.Is(err, io.EOF) {
					return h, io.ErrUnexpectedEOF
				}
				return h, err
			}
			n++
			if n > frame.MaxHeaderLen {
				return h, errors.New("conform: header longer than MaxHeaderLen")
			}
		default:
			// A single-frame rule broken (reserved opcode, control frame
			// fragmented or too long, bad length): fail the connection.
			code := frame.CloseProtocolError
			var pe frame.ProtocolError
			if errors.As(perr, &pe) {
				code = pe.Code
			}
			s.mu.Lock()
			s.logLocked("rx", fmt.Sprintf("bad header % x", b))
			s.mu.Unlock()
			s.violate(code, perr.Error())
			s.drain()
			return h, errPeerViolation
		}
	}
}

var errPeerViolation = errors.New("conform: peer violation")

// describeFrame renders a frame for the log: FIN, RSV bits, opcode, mask,
// length, payload preview (close frames decoded).
func describeFrame(h frame.Header, p []byte) string {
	fin := "fin"
	if !h.Fin {
		fin = "more"
	}
	rsv := ""
	if h.Rsv1 {
		rsv += " RSV1"
	}
	if h.Rsv2 {
		rsv += " RSV2"
	}
	if h.Rsv3 {
		rsv += " RSV3"
	}
	mask := ""
	if h.Masked {
		mask = fmt.Sprintf(" mask=%02x%02x%02x%02x", h.MaskKey[0], h.MaskKey[1], h.MaskKey[2], h.MaskKey[3])
	}
	body := preview(p, 64)
	if h.Opcode == frame.OpClose {
		if len(p) >= 2 {
			code := frame.CloseCode(uint16(p[0])<<8 | uint16(p[1]))
			body = fmt.Sprintf("code=%d reason=%s", uint16(code), preview(p[2:], 64))
		} else if len(p) == 1 {
			body = "body=" + preview(p, 4)
		} else {
			body = "(no code)"
		}
	}
	return fmt.Sprintf("%s %s%s%s len=%d %s", h.Opcode, fin, rsv, mask, h.PayloadLen, body)
}
