package deflate

import (
	"compress/flate"
	"errors"
	"io"
	"sync"
)

var (
	// ErrTooLarge reports a message that inflates to more than the limit
	// given to Reader.Start. Reader stops at the first byte over the limit.
	ErrTooLarge = errors.New("deflate: inflated message over the size limit")
	// ErrCorrupt reports compressed data that is not valid DEFLATE data,
	// or that ends in the middle of a block.
	ErrCorrupt = errors.New("deflate: invalid compressed data")
)

// tail is what RFC 7692, Section 7.2.2 says to append to a message before
// inflating it ("Append 4 octets of 0x00 0x00 0xff 0xff"), followed by an
// empty final stored block so compress/flate reports io.EOF at the end of
// the message instead of waiting for more input.
const tail = "\x00\x00\xff\xff\x01\x00\x00\xff\xff"

// Reader inflates a sequence of permessage-deflate messages (RFC 7692,
// Section 7.2.2). Each message is Start, Read calls until io.EOF, and the
// next Start. With context takeover, each message is inflated with the last
// 2^bits bytes of the messages before it as the dictionary (compress/flate
// accepts any back-reference up to 32 KiB, so a peer that uses a smaller
// window than negotiated is also read correctly).
//
// Between messages a Reader holds at most 2^bits bytes of history (none
// without context takeover); the compress/flate inflater comes from a pool
// during a message. A Reader is not safe for concurrent use.
type Reader struct {
	window   int
	takeover bool
	hist     []byte // context takeover: the last ≤ window bytes inflated, a ring once full
	head     int    // ring: index of the oldest byte when len(hist) == window
	inf      *inflater
	n, limit int64
	err      error
}

// NewReader returns a Reader for a peer whose window is 2^windowBits bytes
// (8 ≤ windowBits ≤ 15), keeping that much history across messages when
// contextTakeover is set.
func NewReader(windowBits int, contextTakeover bool) (*Reader, error) {
	if windowBits < MinWindowBits || windowBits > MaxWindowBits {
		return nil, ErrWindowBits
	}
	return &Reader{window: 1 << windowBits, takeover: contextTakeover}, nil
}

// Retained reports how many bytes of buffers the Reader holds between
// messages: its history (at most 2^bits bytes, none without context
// takeover). During a message it also uses a pooled inflater, not counted.
func (r *Reader) Retained() int { return cap(r.hist) }

// inflater is the pooled part of a Reader: a compress/flate decompressor
// and the byte source it reads the message from.
type inflater struct {
	fr  io.ReadCloser
	src source
}

var inflaterPool = sync.Pool{New: func() any {
	inf := new(inflater)
	inf.fr = flate.NewReader(&inf.src)
	return inf
}}

// Start begins a message whose compressed payload (the frames' payloads
// concatenated, without the trailing 00 00 ff ff) is read from src until
// io.EOF. At most limit inflated bytes may come out (limit < 0: no limit).
func (r *Reader) Start(src io.Reader, limit int64) {
	if r.inf != nil {
		r.release()
	}
	r.n, r.limit, r.err = 0, limit, nil
	inf := inflaterPool.Get().(*inflater)
	inf.src.reset(src)
	var dict []byte
	if r.takeover {
		r.linearize()
		dict = r.hist
	}
	if err := inf.fr.(flate.Resetter).Reset(&inf.src, dict); err != nil {
		r.err = err
	}
	r.inf = inf
}

// Read reads inflated bytes of the current message. It returns io.EOF at
// the end of the message, ErrTooLarge past the limit, ErrCorrupt on
// invalid data, and the source's own error if reading it fails.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.inf == nil {
		return 0, io.EOF
	}
	q := p
	if r.limit >= 0 && int64(len(q)) > r.limit-r.n {
		// Ask for one byte more than allowed: getting it proves the message
		// is too large without inflating any further.
		q = q[:r.limit-r.n+1]
	}
	n, err := r.inf.fr.Read(q)
	if r.limit >= 0 && r.n+int64(n) > r.limit {
		n = int(r.limit - r.n)
		err = ErrTooLarge
	}
	r.n += int64(n)
	if r.takeover {
		r.remember(p[:n])
	}
	switch {
	case err == nil:
		return n, nil
	case err == io.EOF:
		// The peer may end a message with a final block (BFINAL=1) and
		// even pad it, as the example of RFC 7692, Section 7.2.3.4 does:
		// skip what follows, up to the end of the message.
		if e := r.inf.src.discard(); e != nil {
			err = e
		}
	case r.inf.src.err != nil:
		err = r.inf.src.err // the transport's error, not an inflate error
	case err == ErrTooLarge:
	default:
		err = ErrCorrupt // flate.CorruptInputError, or io.ErrUnexpectedEOF: data ended mid-block
	}
	r.err = err
	r.release()
	return n, err
}

// Abort drops the current message, if any, and returns the inflater to
// its pool. With context takeover the history no longer matches the
// peer's: use Abort only when the connection is failing.
func (r *Reader) Abort() {
	if r.inf != nil {
		r.release()
	}
	r.hist, r.head = r.hist[:0], 0
}

func (r *Reader) release() {
	inf := r.inf
	r.inf = nil
	inf.src.reset(nil)
	inflaterPool.Put(inf)
}

// remember appends b to the history ring.
func (r *Reader) remember(b []byte) {
	if len(b) >= r.window {
		if cap(r.hist) < r.window {
			r.hist = make([]byte, r.window)
		}
		r.hist = r.hist[:r.window]
		copy(r.hist, b[len(b)-r.window:])
		r.head = 0
		return
	}
	if r.hist == nil {
		r.hist = make([]byte, 0, r.window)
	}
	if len(r.hist) < r.window {
		if room := r.window - len(r.hist); len(b) <= room {
			r.hist = append(r.hist, b...)
			return
		} else {
			r.hist = append(r.hist, b[:room]...)
			b = b[room:]
		}
	}
	n := copy(r.hist[r.head:], b)
	copy(r.hist, b[n:])
	r.head = (r.head + len(b)) % r.window
}

// linearize rotates the ring in place so hist is in order, oldest first.
func (r *Reader) linearize() {
	if r.head == 0 {
		return
	}
	reverse(r.hist[:r.head])
	reverse(r.hist[r.head:])
	reverse(r.hist)
	r.head = 0
}

func reverse(b []byte) {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
}

// source feeds compress/flate the message payload, then the tail. It is an
// io.ByteReader so compress/flate reads it without a bufio.Reader of its
// own, and never past the end of the message.
type source struct {
	r      io.Reader
	buf    [512]byte
	i, n   int
	t      int   // bytes of tail served
	eof    bool  // r reported io.EOF
	inTail bool  // buf holds tail bytes
	err    error // the transport's error
}

func (s *source) reset(r io.Reader) {
	*s = source{r: r}
}

func (s *source) fill() error {
	s.i, s.n = 0, 0
	for !s.eof {
		if s.r == nil {
			s.eof = true
			break
		}
		n, err := s.r.Read(s.buf[:])
		s.n = n
		if err == io.EOF {
			s.eof = true
		} else if err != nil {
			s.err = err
			return err
		}
		if n > 0 {
			return nil
		}
	}
	if s.t == len(tail) {
		return io.EOF
	}
	s.n = copy(s.buf[:], tail[s.t:])
	s.t += s.n
	s.inTail = true
	return nil
}

// ReadByte implements io.ByteReader.
func (s *source) ReadByte() (byte, error) {
	if s.i == s.n {
		if err := s.fill(); err != nil {
			return 0, err
		}
	}
	b := s.buf[s.i]
	s.i++
	return b, nil
}

// Read implements io.Reader.
func (s *source) Read(p []byte) (int, error) {
	if s.i == s.n {
		if err := s.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, s.buf[s.i:s.n])
	s.i += n
	return n, nil
}

// discard reads and drops the rest of the payload, returning the transport's
// error if any.
func (s *source) discard() error {
	s.i = s.n
	for !s.eof && s.r != nil {
		n, err := s.r.Read(s.buf[:])
		_ = n
		if err == io.EOF {
			break
		}
		if err != nil {
			s.err = err
			return err
		}
	}
	return nil
}
