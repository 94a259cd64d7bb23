package conn

import (
	"crypto/rand"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/internal/utf8x"
)

// Role says which end of the connection an Endpoint is. It decides the
// masking rule in both directions (RFC 6455, Section 5.1) and who closes
// the TCP connection first (RFC 6455, Section 7.1.1).
type Role bool

const (
	// Server is the accepting end: it reads masked frames and writes unmasked ones.
	Server Role = false
	// Client is the dialing end: it masks every frame it writes.
	Client Role = true
)

// String returns "server" or "client".
func (r Role) String() string {
	if r == Client {
		return "client"
	}
	return "server"
}

// Defaults used when the matching Options field is zero.
const (
	// DefaultReadLimit is the largest message ReadMessage and NextReader
	// accept when Options.ReadLimit is 0. See the package documentation
	// ("Read limit") for why it is 64 KiB.
	DefaultReadLimit = 64 << 10
	// DefaultWriteTimeout bounds each frame write when Options.WriteTimeout is 0.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultCloseTimeout bounds the wait for the peer's Close frame (and,
	// for a client, for the server to close TCP) when Options.CloseTimeout is 0.
	DefaultCloseTimeout = 5 * time.Second
	// DefaultHandshakeTimeout bounds writing the opening handshake response
	// in Accept when AcceptOptions.HandshakeTimeout is 0.
	DefaultHandshakeTimeout = 10 * time.Second
)

// Options configures an Endpoint. The zero value, and a nil *Options, give
// the documented defaults.
type Options struct {
	// ReadLimit is the largest message, in bytes, that may be read. A
	// message over it fails the connection with 1009 (RFC 6455, Section
	// 7.4.1) as soon as a frame header announces it. For a compressed
	// message (permessage-deflate) it bounds both the bytes on the wire,
	// checked at each header (with DEFLATE's worst-case expansion, 1/8 +
	// 64 bytes, as slack), and the inflated size, checked as it inflates.
	// 0 means DefaultReadLimit; a negative value means no limit. Memory
	// grows with the bytes that arrive, never with announced lengths,
	// whatever the limit.
	ReadLimit int64
	// WriteTimeout bounds each frame write. 0 means DefaultWriteTimeout; a
	// negative value means none. A write that times out fails the
	// connection (the frame stream can't be resumed mid-frame).
	WriteTimeout time.Duration
	// CloseTimeout bounds the whole close handshake: sending our Close
	// frame (a write stuck on a peer that does not read is aborted), the
	// wait for the peer's Close frame and, for a client, for the server to
	// close TCP. Close returns within it. A connection failed for a
	// protocol error is also closed within it. 0 means DefaultCloseTimeout.
	CloseTimeout time.Duration
	// KeepAlive is the interval between keepalive pings; 0 turns keepalive off.
	KeepAlive time.Duration
	// KeepAliveTimeout is how long after a keepalive ping the peer may stay
	// silent before the connection is failed (1006, ErrKeepAliveTimeout).
	// Anything the peer sends counts as an answer, not only the pong; and
	// while the application leaves a received message unread (so the pong
	// may be queued behind it) the peer is never failed. 0 means the same
	// as KeepAlive.
	KeepAliveTimeout time.Duration
	// Subprotocol is the negotiated subprotocol (RFC 6455, Section 1.9),
	// reported by Endpoint.Subprotocol. It is an input of NewEndpoint
	// only: Accept and Dial set it from the handshake, and refuse Options
	// where it is already set (choose with ServerOptions.Subprotocols or
	// DialOptions.Subprotocols).
	Subprotocol string
	// Rand is the source of client masking keys (RFC 6455, Section 5.3). Nil
	// means crypto/rand. Tests pin it to make client frames byte-exact.
	Rand io.Reader
	// Compression configures permessage-deflate (RFC 7692); the zero value
	// turns it off. See Compression.
	Compression Compression
}

// settings are Options with defaults applied.
type settings struct {
	readLimit        int64
	writeTimeout     time.Duration
	closeTimeout     time.Duration
	keepAlive        time.Duration
	keepAliveTimeout time.Duration
	rand             io.Reader
}

func (o *Options) settings() settings {
	var s settings
	if o != nil {
		s = settings{o.ReadLimit, o.WriteTimeout, o.CloseTimeout, o.KeepAlive, o.KeepAliveTimeout, o.Rand}
	}
	if s.readLimit == 0 {
		s.readLimit = DefaultReadLimit
	}
	if s.writeTimeout == 0 {
		s.writeTimeout = DefaultWriteTimeout
	}
	if s.closeTimeout <= 0 {
		s.closeTimeout = DefaultCloseTimeout
	}
	if s.keepAliveTimeout <= 0 {
		s.keepAliveTimeout = s.keepAlive
	}
	return s
}

// smallReadSize is the size of the read buffer inside every Endpoint. An
// idle connection blocks reading into it, so it holds no pooled buffer; a
// read that fills it switches to a pooled buffer of bufSize bytes. 256
// bytes hold any control frame (at most 2+4+125 bytes, RFC 6455, Section
// 5.5) and a typical small message, and keep an Endpoint within the
// runtime's 1280-byte size class (TestEndpointSize): 512 put it in the
// 1536-byte one.
const smallReadSize = 256

// Endpoint is one end of an established WebSocket connection.
//
// Concurrency: one goroutine at a time may read (ReadMessage, NextReader and
// the reader it returns); any number of goroutines may write whole messages
// (WriteMessage, or NextWriter up to the writer's Close), which are sent one
// after another, never interleaved; Ping, Close, the deadline setters and
// the accessors may be called from any goroutine at any time.
type Endpoint struct {
	c        net.Conn
	role     Role
	set      settings
	protocol string

	// Read side. rtok is the reader token: whoever holds it (the
	// application's read call, or a control pump run by Ping or Close) is
	// the only goroutine reading c.
	rtok     chan struct{}
	rwant    atomic.Int32 // application readers waiting for rtok
	rsmall   [smallReadSize]byte
	rbuf     []byte  // rsmall[:] or *rpool
	rpool    *[]byte // pooled buffer in use, or nil
	rpos     int     // rbuf[rpos:rend] is read but not consumed
	rend     int
	rfilled  bool // the last read filled the buffer: more is probably waiting
	seq      frame.Sequence
	rhdr     frame.Header // current frame
	rpending bool         // rhdr is a data frame not yet taken by the message layer
	rremain  int64        // payload bytes of the current data frame not yet read
	rmaskPos int
	// current message
	rmsgActive  bool
	rmsgOp      frame.Opcode
	rmsgRSV     byte // RSV bits of the message's first frame (RSV1: compressed, RFC 7692)
	rmsgSize    int64
	rmsgLimit   int64        // the read limit in force for the current message
	readLimit   atomic.Int64 // Options.ReadLimit, or SetReadLimit's
	rmsgFinal   bool         // the current frame is the message's last
	utf8        utf8x.Validator
	mr          messageReader
	rpart       []byte      // ReadMessage's part of a message read before a timeout (read.go)
	rpartStream bool        // rpart now belongs to the reader NextReader returned
	dfl         deflateConn // permessage-deflate, when negotiated (conn/deflate.go)

	// Deadlines: dmu serialises the user's read deadline with the
	// interruptions of control pumps.
	dmu           sync.Mutex
	userRD        time.Time
	pumping       bool // a control pump holds rtok: user read deadlines wait for it
	interruptible bool // and an application reader may interrupt it
	// A context bound to the read in progress (context.go): its deadline,
	// and whether it has ended. rctx counts bindings, so a late callback
	// of an earlier one changes nothing.
	rctx      uint64 // the binding in force, 0 for none
	ctxSeq    uint64 // bindings made, read and write; guarded by dmu
	rctxDL    time.Time
	rctxEnded bool
	// The same for a write in progress, guarded by wctxMu (never held
	// across I/O).
	wctxMu    sync.Mutex
	wctxOn    atomic.Bool // a context is bound to a write: setWriteDeadline looks
	wctx      uint64
	wctxDL    time.Time
	wctxEnded bool

	// Write side: wmsg is held for a whole data message, wmu for one frame,
	// so control frames can go out between the fragments of a message
	// (RFC 6455, Section 5.4). Both are tokens (lock.go), so a waiter gives
	// up when the connection closes.
	wmsg      token
	wmu       token
	closeSent bool // guarded by wmu
	// writev: c gathers net.Buffers into one system call (a TCP or Unix
	// connection). Elsewhere (TLS, an HTTP/2 stream, a wrapper) each buffer
	// would be a Write of its own: a TLS record or DATA frame for a header.
	writev bool
	werr   error // guarded by wmu: sticky write failure
	wdl    time.Time
	wdlGen uint64       // wdGen when wdl was computed; guarded by wmu
	userWD atomic.Int64 // the user's write deadline, unix ns; 0: none
	wdGen  atomic.Uint64
	whdr   [frame.MaxHeaderLen]byte
	wkey   [4]byte // the current client masking key
	// Coalesced small frames (coalesce.go): wpend, wpendN and flushArmed
	// are guarded by wmu; ahead is set by the reader.
	wpend      *[]byte
	wpendN     int
	flushArmed bool
	flushTimer *time.Timer
	pending    atomic.Bool // wpend holds frames
	ahead      atomic.Bool // the reader has unread frames buffered
	wbufs      [2][]byte
	nb         net.Buffers
	mw         messageWriter
	// NextWriter hands out a new handle per message (single use, see
	// writerHandle), carved from slabs of handleSlab.
	mwCur atomic.Pointer[writerHandle]
	hslab []writerHandle

	// The idle pump answers control frames while the application is not
	// reading (see idleTick).
	idle      *time.Timer
	idleArmed atomic.Bool
	lastRead  atomic.Int64 // when the application's last read call ended, unix ns

	// Pings awaiting pongs.
	pmu       sync.Mutex
	pings     []*pingWaiter
	keepalive *time.Timer
	// Signs of life for keepalive (control.go): heard counts reads that
	// returned bytes; readSince is when the read now blocked on the
	// connection began (unix ns), 0 while no one is blocked reading.
	// Both are kept only when keepalive is on.
	heard     atomic.Uint64
	readSince atomic.Int64

	// Closing.
	cmu        sync.Mutex
	closing    bool
	closeBy    atomic.Int64               // the closing deadline, unix ns; 0 before any closing starts
	closeTimer atomic.Pointer[time.Timer] // CloseWrite's deadline
	failing    atomic.Pointer[CloseError] // set by fail before it sends its Close frame
	closeErr   atomic.Pointer[CloseError] // set once, when TCP is closed
	done       chan struct{}              // closed when TCP is closed
}

// NewEndpoint wraps c, a connection on which the opening handshake has
// already completed, as the given role. buffered holds bytes already read
// from c after the handshake (for example what a bufio.Reader held); they
// are copied, so the caller may reuse buffered. opts may be nil.
//
// The Endpoint owns c from now on: Close (or a failure) closes it.
func NewEndpoint(c net.Conn, buffered []byte, role Role, opts *Options) *Endpoint {
	ep := &Endpoint{
		c:    c,
		role: role,
		set:  opts.settings(),
		rtok: make(chan struct{}, 1),
		done: make(chan struct{}),
	}
	if opts != nil {
		ep.protocol = opts.Subprotocol
	}
	// RFC 6455, Section 5.1: frames from a client are masked, frames from
	// a server are not.
	ep.readLimit.Store(ep.set.readLimit)
	ep.seq = frame.Sequence{FromClient: role == Server}
	ep.initDeflate(opts)
	ep.rbuf = ep.rsmall[:]
	if len(buffered) > len(ep.rsmall) {
		ep.takeBig(len(buffered))
	}
	ep.rend = copy(ep.rbuf, buffered)
	ep.mr.ep = ep
	ep.mw.ep = ep
	switch c.(type) {
	case *net.TCPConn, *net.UnixConn:
		ep.writev = true
	}
	ep.idle = time.AfterFunc(time.Hour, ep.idleTick)
	ep.idle.Stop()
	ep.idleArmed.Store(true)
	ep.idle.Reset(idleDelay)
	if ep.set.keepAlive > 0 {
		t := time.AfterFunc(time.Hour, ep.keepaliveTick)
		t.Stop()
		ep.keepalive = t // set before the first tick can run
		t.Reset(ep.set.keepAlive)
	}
	return ep
}

// SetReadLimit sets the largest message that may be read, in bytes, as
// Options.ReadLimit does (0 means DefaultReadLimit, a negative value no
// limit), for example to raise it once a client has authenticated. It
// applies to messages that start after the call; a message already being
// read keeps the limit it started with. Safe from any goroutine.
func (ep *Endpoint) SetReadLimit(n int64) {
	if n == 0 {
		n = DefaultReadLimit
	}
	ep.readLimit.Store(n)
}

// Subprotocol returns the subprotocol negotiated in the opening handshake,
// or "" if none was (RFC 6455, Section 1.9).
func (ep *Endpoint) Subprotocol() string { return ep.protocol }

// Role reports whether ep is the server or the client end.
func (ep *Endpoint) Role() Role { return ep.role }

// LocalAddr returns the local network address of the underlying connection.
func (ep *Endpoint) LocalAddr() net.Addr { return ep.c.LocalAddr() }

// RemoteAddr returns the remote network address of the underlying connection.
func (ep *Endpoint) RemoteAddr() net.Addr { return ep.c.RemoteAddr() }

// SetDeadline sets the read and write deadlines, as net.Conn.SetDeadline.
func (ep *Endpoint) SetDeadline(t time.Time) error {
	if err := ep.SetReadDeadline(t); err != nil {
		return err
	}
	return ep.SetWriteDeadline(t)
}

// SetReadDeadline sets the deadline for reads (ReadMessage, NextReader and
// its reader). A read that times out returns an error whose Timeout method
// reports true and leaves the connection usable: the next read resumes
// where the previous one stopped. The zero value means no deadline.
func (ep *Endpoint) SetReadDeadline(t time.Time) error {
	ep.dmu.Lock()
	defer ep.dmu.Unlock()
	ep.userRD = t
	return ep.applyReadDeadline()
}

// applyReadDeadline sets the connection's read deadline: the user's, or
// earlier the deadline of a context bound to the read in progress, or the
// past if that context has ended. While a control pump reads, it waits
// for the pump to stop. dmu held.
func (ep *Endpoint) applyReadDeadline() error {
	if ep.pumping {
		return nil // applied when the pump stops
	}
	t := ep.userRD
	if ep.rctx != 0 {
		if ep.rctxEnded {
			t = aLongTimeAgo
		} else if !ep.rctxDL.IsZero() && (t.IsZero() || ep.rctxDL.Before(t)) {
			t = ep.rctxDL
		}
	}
	return ep.c.SetReadDeadline(t)
}

// SetWriteDeadline sets an absolute deadline for writes; each frame write
// also keeps Options.WriteTimeout, whichever comes first. A write that
// times out fails the connection. The zero value means no deadline. Like
// net.Conn's, it may be called while a write is blocked, and applies to
// that write at once.
func (ep *Endpoint) SetWriteDeadline(t time.Time) error {
	var ns int64
	if !t.IsZero() {
		ns = t.UnixNano()
	}
	ep.userWD.Store(ns)
	ep.wdGen.Add(1) // the next frame recomputes its deadline
	if ep.set.writeTimeout > 0 {
		if d := time.Now().Add(ep.set.writeTimeout); t.IsZero() || d.Before(t) {
			t = d
		}
	}
	return ep.c.SetWriteDeadline(t)
}

// randKey draws the next masking key into ep.wkey (RFC 6455, Section
// 5.3: "derived from a strong source of entropy"). wmu held.
func (ep *Endpoint) randKey() error {
	if ep.set.rand == nil {
		// crypto/rand.Read never fails and does not allocate (Go 1.24+).
		rand.Read(ep.wkey[:])
		return nil
	}
	_, err := io.ReadFull(ep.set.rand, ep.wkey[:])
	return err
}
