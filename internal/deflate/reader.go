package deflate

import (
	"errors"
	"io"
	"math"
	"sync"
)

var (
	// ErrTooLarge reports a message that inflates to more than the limit
	// given to Reader.Start. Reader stops at the first byte over the limit.
	ErrTooLarge = errors.New("deflate: inflated message over the size limit")
	// ErrCorrupt reports compressed data that is not valid DEFLATE data,
	// that ends in the middle of a block, that refers farther back than
	// the window, or that has more than padding after a final block. The
	// errors Reader returns for these wrap it, with the rule broken.
	ErrCorrupt = errors.New("deflate: invalid compressed data")
)

// A corruptError is ErrCorrupt with the rule the data broke.
type corruptError struct {
	reason  string // lower case, no final period
	section string // e.g. "RFC 1951, Section 3.2.4"
}

func (e corruptError) Error() string {
	return ErrCorrupt.Error() + ": " + e.reason + " (" + e.section + ")"
}

func (e corruptError) Is(target error) bool { return target == ErrCorrupt }

// One variable per rule; each wraps ErrCorrupt.
var (
	errBlockType          = corruptError{"reserved block type 11", "RFC 1951, Section 3.2.3"}
	errStoredLen          = corruptError{"stored block NLEN is not the complement of LEN", "RFC 1951, Section 3.2.4"}
	errTooManyCodes       = corruptError{"more than 286 literal/length or 30 distance codes", "RFC 1951, Section 3.2.7"}
	errCodeOversubscribed = corruptError{"over-subscribed Huffman code lengths", "RFC 1951, Section 3.2.2"}
	errCodeIncomplete     = corruptError{"incomplete Huffman code lengths", "RFC 1951, Section 3.2.7"}
	errRepeatFirst        = corruptError{"code length 16 with no previous length", "RFC 1951, Section 3.2.7"}
	errLensOverrun        = corruptError{"code lengths run past HLIT + HDIST", "RFC 1951, Section 3.2.7"}
	errNoEndOfBlock       = corruptError{"no code for end-of-block", "RFC 1951, Section 3.2.7"}
	errBadSymbol          = corruptError{"literal/length symbol 286 or 287", "RFC 1951, Section 3.2.6"}
	errBadDistSymbol      = corruptError{"distance symbol 30 or 31, or no distance code", "RFC 1951, Section 3.2.6"}
	errDistance           = corruptError{"distance farther back than the window or the data", "RFC 7692, Section 7.1.2"}
	errTrailer            = corruptError{"more than 4 zero bytes after the final block", "RFC 7692, Section 7.2.3.4"}
	errTruncated          = corruptError{"message does not end on an empty stored block", "RFC 7692, Section 7.2.2"}
)

// A message's input goes through the Reader's own 128-byte buffer; once a
// message has sent that much, through a pooled one of 4 KiB.
const (
	smallIn = 128
	inSize  = 4 << 10
)

// Reader inflates a sequence of permessage-deflate messages (RFC 7692,
// Section 7.2.2). Each message is Start, Read calls until io.EOF, and the
// next Start. With context takeover, a message may refer back to the last
// 2^bits bytes of the messages before it.
//
// Read can stop at any input byte: when the source returns an error (a
// read deadline, say), Read returns that error and the Reader keeps its
// state, so the next Read goes on as if nothing had happened.
//
// Between messages a Reader holds its window of 2^bits bytes with context
// takeover (allocated when a message first writes output) and none
// without. During a message it may also use pooled buffers: a window
// (without takeover) once output is written, a 4 KiB input buffer once the
// message's payload passes 128 bytes, and about 14 KiB of tables for
// dynamic Huffman blocks. A Reader is not safe for concurrent use.
type Reader struct {
	takeover bool
	wbits    uint8

	// The window: a ring of 2^bits bytes holding the last bytes inflated.
	// The pend bytes before wpos are output not yet returned by Read.
	win  []byte
	wbuf *[]byte // win, when it came from windowPools (no takeover)
	wpos int
	have int // bytes of history in win, up to len(win)
	pend int

	src    io.Reader
	left   int64 // bytes the message may still produce
	err    error // sticky: io.EOF, ErrTooLarge or a corruptError
	srcErr error // returned by src along with data, reported on the next fill
	eof    bool  // src returned io.EOF

	// Input: in[ip:ie] is read but not yet in the bit buffer, which holds
	// nbits bits, the next bit in bit 0 (RFC 1951, Section 3.1.1). Bits
	// above nbits are zero.
	in     []byte
	ip, ie int
	nread  int
	bits   uint64
	nbits  uint

	// The decoder (RFC 1951, Section 3.2.3).
	state             uint8
	final             bool // the current block is the last (BFINAL)
	stored            int  // bytes left in a stored block
	copyLen, copyDist int  // a back-reference being copied
	trailer           int  // bytes seen after the final block
	lit, dist         []entry
	litRoot, distRoot uint
	hlit, ncodes, i   int // dynamic block header: HLIT, HLIT+HDIST, codes read
	hclen             int
	sc                *scratch
	inbuf             *[inSize]byte // pooled input buffer, or nil

	small [smallIn]byte
}

// scratch holds the tables of a dynamic Huffman block (RFC 1951, Section
// 3.2.7), taken from a pool at the first such block of a message.
type scratch struct {
	lens   [numLitLen + numDist]uint8
	clLens [numCodeLen]uint8
	cl     [1 << clRoot]entry
	lit    [litTableSize]entry
	dist   [distTableSize]entry
}

var (
	scratchPool = sync.Pool{New: func() any { return new(scratch) }}
	inPool      = sync.Pool{New: func() any { return new([inSize]byte) }}
)

// windowPools hold the windows of Readers without context takeover, one
// pool per window size.
var windowPools [MaxWindowBits - MinWindowBits + 1]sync.Pool

func init() {
	for i := range windowPools {
		size := 1 << (MinWindowBits + i)
		windowPools[i].New = func() any { b := make([]byte, size); return &b }
	}
}

// NewReader returns a Reader for a peer whose window is 2^windowBits bytes
// (8 ≤ windowBits ≤ 15), keeping that much history across messages when
// contextTakeover is set. It allocates no window yet.
func NewReader(windowBits int, contextTakeover bool) (*Reader, error) {
	if windowBits < MinWindowBits || windowBits > MaxWindowBits {
		return nil, ErrWindowBits
	}
	return &Reader{wbits: uint8(windowBits), takeover: contextTakeover, err: io.EOF}, nil
}

// Retained reports how many bytes of buffers the Reader holds between
// messages: its window with context takeover (2^bits bytes once a message
// has been read), none without.
func (r *Reader) Retained() int {
	if !r.takeover {
		return 0
	}
	return len(r.win)
}

// Start begins a message whose compressed payload (the frames' payloads
// concatenated, without the trailing 00 00 ff ff) is read from src until
// io.EOF. At most limit inflated bytes may come out (limit < 0: no limit).
// A message not read to its end is dropped; with context takeover, what
// was inflated of it stays in the history.
func (r *Reader) Start(src io.Reader, limit int64) {
	r.release()
	if limit < 0 {
		limit = math.MaxInt64
	}
	r.src, r.left, r.err, r.srcErr, r.eof = src, limit, nil, nil, false
	r.in, r.ip, r.ie, r.nread = r.small[:], 0, 0, 0
	r.bits, r.nbits = 0, 0
	r.state, r.final, r.trailer = stHeader, false, 0
	r.pend = 0
	if !r.takeover {
		r.have = 0
	}
}

// Read reads inflated bytes of the current message. It returns io.EOF at
// the end of the message, ErrTooLarge past the limit, an error wrapping
// ErrCorrupt on invalid data, and the source's own error, unchanged, if
// reading it fails. The first three are final for the message; after a
// source error Read may be called again and goes on where it stopped. Read
// returns either bytes or an error, never both, and reads from the source
// only when it has no byte to return.
func (r *Reader) Read(p []byte) (int, error) {
	n := 0
	for {
		if r.pend > 0 {
			n += r.deliver(p[n:])
			if n == len(p) {
				return n, nil
			}
		}
		if r.err != nil {
			if n > 0 {
				return n, nil
			}
			r.release()
			return 0, r.err
		}
		if len(p) == 0 {
			return 0, nil
		}
		switch r.inflate() {
		case needOutput:
			if r.left == 0 {
				r.err = ErrTooLarge
			}
		case needInput:
			if r.pend > 0 {
				continue
			}
			if n > 0 {
				return n, nil
			}
			if r.eof {
				r.end()
				continue
			}
			if err := r.fill(); err != nil {
				return 0, err
			}
		}
	}
}

// end decides, at the end of the payload, whether the message is whole.
// RFC 7692, Section 7.2.2: "Append 4 octets of 0x00 0x00 0xff 0xff to the
// tail end of the payload of the message. Decompress the resulting data
// using DEFLATE." Those 4 octets are LEN and NLEN of an empty stored
// block, so the payload must end just after that block's header (and its
// padding to a byte). A message may also end with a final block and up to
// 4 zero bytes (Section 7.2.3.4), after which no tail is needed.
func (r *Reader) end() {
	switch {
	case r.state == stStoredLen && r.nbits == 0, r.state == stTrailer:
		r.err = io.EOF
	default:
		r.err = errTruncated
	}
}

// fill reads more input from src into the empty input buffer. It returns
// the source's error; io.EOF sets r.eof instead.
func (r *Reader) fill() error {
	if r.srcErr != nil {
		err := r.srcErr
		r.srcErr = nil
		return err
	}
	if r.inbuf == nil && r.nread >= smallIn {
		r.inbuf = inPool.Get().(*[inSize]byte)
		r.in = r.inbuf[:]
	}
	r.ip, r.ie = 0, 0
	for range 100 {
		n, err := r.src.Read(r.in)
		r.ie, r.nread = n, r.nread+n
		if err == io.EOF {
			r.eof = true
			return nil
		}
		if err != nil {
			if n > 0 {
				r.srcErr = err
				return nil
			}
			return err
		}
		if n > 0 {
			return nil
		}
	}
	return io.ErrNoProgress
}

// deliver copies pending output to p.
func (r *Reader) deliver(p []byte) int {
	k := min(len(p), r.pend)
	from := (r.wpos - r.pend) & (len(r.win) - 1)
	c := copy(p[:k], r.win[from:])
	copy(p[c:k], r.win)
	r.pend -= k
	return k
}

// release returns the pooled parts of the message: the input buffer, the
// tables and, without context takeover, the window.
func (r *Reader) release() {
	if r.inbuf != nil {
		inPool.Put(r.inbuf)
		r.inbuf = nil
		r.in, r.ip, r.ie = r.small[:], 0, 0
	}
	if r.sc != nil {
		scratchPool.Put(r.sc)
		r.sc = nil
		r.lit, r.dist = nil, nil
	}
	if r.wbuf != nil {
		windowPools[r.wbits-MinWindowBits].Put(r.wbuf)
		r.wbuf, r.win = nil, nil
		r.wpos, r.have = 0, 0
	}
	r.src = nil
}

// window makes sure the Reader has its window. It is called only when
// output is about to be written, so a peer that sends a few bytes and
// stalls costs no window.
func (r *Reader) window() {
	if r.win != nil {
		return
	}
	if r.takeover {
		r.win = make([]byte, 1<<r.wbits)
		return
	}
	r.wbuf = windowPools[r.wbits-MinWindowBits].Get().(*[]byte)
	r.win = *r.wbuf
	r.wpos, r.have = 0, 0
}

// Abort drops the current message, if any, and the history, and returns
// the pooled buffers. With context takeover the history no longer matches
// the peer's: use Abort only when the connection is failing.
func (r *Reader) Abort() {
	r.release()
	r.pend = 0
	r.err = io.EOF
	if r.takeover {
		r.win, r.wpos, r.have = nil, 0, 0
	}
}
