package deflate

import (
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
	"sync"
	"sync/atomic"
)

// Window sizes RFC 7692 allows (Section 7.1.2): 2^8 .. 2^15 bytes.
const (
	MinWindowBits = 8
	MaxWindowBits = 15
)

// LZ77 parameters. The matcher is zlib's lazy strategy with the settings of
// its default level: stop searching at a match of niceLen, search a quarter
// of the chain when the previous match is already goodLen long, and don't
// look for a better match after one of lazyLen.
const (
	minMatch  = 4   // shortest match we emit (RFC 1951 allows 3; 3-byte matches rarely pay)
	maxMatch  = 258 // RFC 1951, Section 3.2.5
	lookahead = maxMatch + minMatch + 1
	goodLen   = 8
	lazyLen   = 16
	niceLen   = 128
	maxChain  = 128

	hashBits  = 14
	hashSize  = 1 << hashBits
	maxWindow = 1 << MaxWindowBits
	bufSize   = 2*maxWindow + lookahead // window buffer: ≥ 2^15 of history plus unprocessed input

	maxTokens = 1 << 14 // tokens per block
	// rehashBytes is how much of a Writer's history is indexed when it is
	// loaded into tables another Writer used.
	rehashBytes = 8 << 10
	flushSize   = 32 << 10
	storedMax   = 65535 // RFC 1951, Section 3.2.4: LEN is 16 bits
	matchToken  = 1 << 31
)

// ErrWindowBits reports a window size outside 8..15 bits.
var ErrWindowBits = errors.New("deflate: window bits outside 8..15")

// errNoMessage reports a Write or Close outside a message.
var errNoMessage = errors.New("deflate: write outside a message (call Start)")

// Writer compresses a sequence of messages for permessage-deflate (RFC 7692,
// Section 7.2.1). Each message is Start, any number of Write calls, then
// Close, which ends the message with a sync flush whose trailing 00 00 ff ff
// is left out. No back-reference reaches farther than 2^bits bytes. With
// context takeover a message may refer to the ones before it; without it
// every message is compressed on its own.
//
// Between messages a Writer holds at most 2^bits bytes of history (none
// without context takeover); its tables come from a pool during a message.
// A Writer is not safe for concurrent use.
type Writer struct {
	window   int // 2^bits
	takeover bool
	id       uint64
	gen      uint64
	hist     []byte // context takeover: the last ≤ window bytes sent, kept between messages
	st       *state // non-nil during a message
	dst      io.Writer
	err      error
}

var writerIDs atomic.Uint64

// NewWriter returns a Writer whose back-references stay within 2^windowBits
// bytes (8 ≤ windowBits ≤ 15) and which keeps the window across messages
// when contextTakeover is set.
func NewWriter(windowBits int, contextTakeover bool) (*Writer, error) {
	if windowBits < MinWindowBits || windowBits > MaxWindowBits {
		return nil, ErrWindowBits
	}
	return &Writer{window: 1 << windowBits, takeover: contextTakeover, id: writerIDs.Add(1)}, nil
}

// WindowBits reports the base-2 logarithm of the Writer's window.
func (w *Writer) WindowBits() int { return bits.Len(uint(w.window)) - 1 }

// Retained reports how many bytes of buffers the Writer holds between
// messages: its history (at most 2^bits bytes, none without context
// takeover). During a message it also uses pooled tables, not counted.
func (w *Writer) Retained() int { return cap(w.hist) }

// ContextTakeover reports whether the Writer keeps its window across messages.
func (w *Writer) ContextTakeover() bool { return w.takeover }

// Start begins a message whose compressed bytes go to dst. Output is handed
// to dst in chunks as it is produced; the last chunk comes from Close.
func (w *Writer) Start(dst io.Writer) {
	if w.st != nil {
		w.Abort()
	}
	w.dst, w.err = dst, nil
	st := statePool.Get().(*state)
	w.st = st
	st.wmask = w.window - 1
	if w.takeover && st.owner == w.id && st.gen == w.gen {
		// The pool handed back the state our last message left: its window
		// and hash chains are still ours.
		st.out = st.out[:0]
		return
	}
	st.owner, st.gen = w.id, 0
	st.invalidate()
	n := 0
	if w.takeover {
		n = copy(st.win[:], w.hist)
	}
	st.pos, st.end, st.blockStart, st.tokEnd = n, n, n, n
	// The whole history may be referred to, but only its last rehashBytes
	// are indexed again: most matches are recent, and indexing 32 KiB
	// would cost more than compressing a small message.
	for p := max(0, n-rehashBytes); p+minMatch <= n; p++ {
		st.insert(p)
	}
	st.out = st.out[:0]
}

// Write compresses p as part of the current message.
func (w *Writer) Write(p []byte) (int, error) {
	if w.st == nil {
		return 0, errNoMessage
	}
	if w.err != nil {
		return 0, w.err
	}
	st := w.st
	total := len(p)
	for len(p) > 0 {
		if st.end == len(st.win) {
			st.slide()
		}
		n := copy(st.win[st.end:], p)
		st.end += n
		p = p[n:]
		st.deflate(false)
		if len(st.out) >= flushSize {
			if err := w.flush(); err != nil {
				return total - len(p), err
			}
		}
	}
	return total, nil
}

// Flush compresses everything written so far and sync-flushes it: the
// output ends with an empty stored block, 00 00 ff ff included, on a byte
// boundary, so the peer's inflater can produce every byte written so far
// (RFC 1951, Section 3.2.4; RFC 7692, Section 7.2.1 calls this the flush
// that ends a message, and the same block may appear inside one). The
// message goes on: more Writes and Close may follow.
func (w *Writer) Flush() error {
	st := w.st
	if st == nil {
		return errNoMessage
	}
	if w.err != nil {
		return w.err
	}
	st.deflate(true)
	st.writeBlock()
	st.writeBits(0, 3)
	st.align()
	st.out = append(st.out, 0x00, 0x00, 0xff, 0xff)
	return w.flush()
}

// Close ends the current message: it compresses what is left, ends the
// DEFLATE data on a byte boundary with the header of an empty stored block
// and drops that block's 00 00 ff ff (RFC 7692, Section 7.2.1), hands the
// rest of the output to dst and returns the tables to their pool.
func (w *Writer) Close() error {
	st := w.st
	if st == nil {
		return errNoMessage
	}
	if w.err == nil {
		st.deflate(true)
		st.writeBlock()
		// "Remove 4 octets (that are 0x00 0x00 0xff 0xff) from the tail end"
		// (RFC 7692, Section 7.2.1): what remains of the empty stored block
		// is its 3-bit header (BFINAL=0, BTYPE=00) and the padding to a byte.
		st.writeBits(0, 3)
		st.align()
		w.flush()
	}
	err := w.err
	if err != nil || !w.takeover {
		w.release(false)
		return err
	}
	// Keep the history the peer's inflater keeps (RFC 7692, Section 7.2.3.3
	// shows a message referring to the one before it).
	h := min(st.end, w.window)
	if cap(w.hist) < h {
		w.hist = make([]byte, h, w.window)
	}
	w.hist = w.hist[:h]
	copy(w.hist, st.win[st.end-h:st.end])
	w.release(true)
	return nil
}

// Abort drops the current message, if any, and returns the tables to their
// pool. With context takeover, the peer may now hold a different history
// than the Writer: use Abort only when the connection is failing.
func (w *Writer) Abort() {
	if w.st != nil {
		w.release(false)
	}
	w.hist = w.hist[:0]
}

func (w *Writer) release(keep bool) {
	st := w.st
	w.st, w.dst = nil, nil
	if keep {
		w.gen++
		st.gen = w.gen
	} else {
		st.owner = 0
	}
	if cap(st.out) > 4*flushSize {
		st.out = nil // don't pool a buffer a huge stored block grew
	}
	statePool.Put(st)
}

func (w *Writer) flush() error {
	st := w.st
	if len(st.out) == 0 || w.err != nil {
		return w.err
	}
	_, err := w.dst.Write(st.out)
	st.out = st.out[:0]
	if err != nil {
		w.err = err
	}
	return err
}

var statePool = sync.Pool{New: func() any { return &state{base: 1, tokens: make([]uint32, 0, maxTokens)} }}

// state is the working memory of a Writer during a message.
type state struct {
	owner, gen uint64 // the Writer whose window this is, and its message count

	win   [bufSize]byte
	head  [hashSize]uint32  // hash of 4 bytes -> position+base of its latest occurrence
	prev  [maxWindow]uint16 // position&wmask -> distance back to the previous position with that hash (0: none)
	base  uint32            // positions are stored plus base; anything below base is stale
	wmask int

	pos        int // next position to process
	end        int // end of input in win
	blockStart int // first byte of the current block
	tokEnd     int // first byte not yet covered by a token

	// Lazy matching (zlib's deflate_slow): a match found at pos-1 waits
	// to see whether pos has a longer one.
	pending  bool
	prevLen  int
	prevDist int

	tokens  []uint32
	litFreq [numLitLen]uint32
	dstFreq [numDist]uint32

	bits  uint64 // bit buffer, LSB first (RFC 1951, Section 3.1.1)
	nbits uint
	out   []byte

	litLens  [numLitLen]uint8
	distLens [numDist]uint8
	clLens   [numCodeLen]uint8
	litCodes [numLitLen]hcode
	dstCodes [numDist]hcode
	clCodes  [numCodeLen]hcode
	clFreq   [numCodeLen]uint32
	rle      [numLitLen + numDist]uint16 // code length symbol | extra<<8
	huff     huffScratch
}

// invalidate makes every stored position stale, cheaply: positions are
// stored plus base, and base moves past all of them.
func (st *state) invalidate() {
	if st.base > 1<<30 {
		clear(st.head[:])
		st.base = 1
	} else {
		st.base += uint32(st.end) + 1
	}
	st.tokens = st.tokens[:0]
	clear(st.litFreq[:])
	clear(st.dstFreq[:])
	st.pending, st.prevLen, st.prevDist = false, 0, 0
	st.bits, st.nbits = 0, 0
}

func hash4(b []byte) uint32 {
	return (binary.LittleEndian.Uint32(b) * 0x1e35a7bd) >> (32 - hashBits)
}

// insert records position p (which has at least minMatch bytes after it)
// and returns the previous position with the same hash, or -1.
func (st *state) insert(p int) int {
	h := hash4(st.win[p:])
	old := int(st.head[h]) - int(st.base)
	st.head[h] = uint32(p) + st.base
	// The link is a distance, so it survives slides and rebasing; a stale
	// one only yields a candidate that findMatch checks like any other.
	d := 0
	if old >= 0 && p-old <= st.wmask+1 {
		d = p - old
	}
	st.prev[p&st.wmask] = uint16(d)
	return old
}

// slide drops the oldest input, keeping at least a window of history before
// pos. It moves by a multiple of the window so prev stays indexed by
// position&wmask, and it ends the current block first so the block's bytes
// stay available for a stored block.
func (st *state) slide() {
	if len(st.tokens) > 0 {
		st.writeBlock()
	}
	window := st.wmask + 1
	d := (st.pos - window) &^ st.wmask
	if d <= 0 {
		return
	}
	copy(st.win[:], st.win[d:st.end])
	st.pos -= d
	st.end -= d
	st.blockStart -= d
	st.tokEnd -= d
	st.base += uint32(d)
	if st.base > 1<<31 {
		// Rebase before uint32 wraps: keep positions still in reach.
		for i, v := range st.head {
			st.head[i] = rebase(v, st.base)
		}
		st.base = 1
	}
}

func rebase(v, base uint32) uint32 {
	if v < base {
		return 0
	}
	return v - base + 1
}

// matchLen reports how many leading bytes a and b share, up to len(b).
func matchLen(a, b []byte) int {
	n := 0
	for len(b)-n >= 8 {
		x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:])
		if x != 0 {
			return n + bits.TrailingZeros64(x)>>3
		}
		n += 8
	}
	for n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// findMatch looks along the hash chain from cand for the longest match at
// pos longer than best, no farther back than the window (RFC 7692, Section
// 7.1.2: the peer's window may be as small as 2^8).
func (st *state) findMatch(pos, cand, best int) (length, dist int) {
	maxLen := min(maxMatch, st.end-pos)
	if best >= maxLen {
		return 0, 0
	}
	minPos := max(pos-st.wmask-1, 0)
	chain := maxChain
	if best >= goodLen {
		chain >>= 2
	}
	nice := min(niceLen, maxLen)
	win := st.win[:st.end]
	cur := win[pos : pos+maxLen]
	for cand >= minPos && chain > 0 {
		if win[cand+best] == cur[best] && win[cand] == cur[0] {
			if l := matchLen(win[cand:], cur); l > best {
				best, length, dist = l, l, pos-cand
				if l >= nice {
					break
				}
			}
		}
		d := int(st.prev[cand&st.wmask])
		if d == 0 {
			break
		}
		next := cand - d
		cand = next
		chain--
	}
	return length, dist
}

// deflate turns input into tokens, up to the end of the input when final,
// else up to lookahead bytes before it (a match may need them).
func (st *state) deflate(final bool) {
	limit := st.end - lookahead
	if final {
		limit = st.end
	}
	for st.pos < limit {
		pos := st.pos
		curLen, curDist := 0, 0
		if pos+minMatch <= st.end {
			cand := st.insert(pos)
			if cand >= 0 && st.prevLen < lazyLen {
				curLen, curDist = st.findMatch(pos, cand, max(st.prevLen, minMatch-1))
			}
		}
		switch {
		case st.pending && st.prevLen >= minMatch && curLen <= st.prevLen:
			// The match at pos-1 is at least as good: take it.
			st.addMatch(st.prevLen, st.prevDist)
			end := pos - 1 + st.prevLen
			for p := pos + 1; p < end && p+minMatch <= st.end; p++ {
				st.insert(p)
			}
			st.pos, st.tokEnd = end, end
			st.pending, st.prevLen = false, 0
		case st.pending:
			st.addLiteral(st.win[pos-1])
			st.tokEnd = pos
			st.prevLen, st.prevDist = curLen, curDist
			st.pos++
		default:
			st.pending = true
			st.prevLen, st.prevDist = curLen, curDist
			st.pos++
		}
		if len(st.tokens) >= maxTokens {
			st.writeBlock()
		}
	}
	if final && st.pending {
		st.addLiteral(st.win[st.pos-1])
		st.tokEnd = st.pos
		st.pending, st.prevLen = false, 0
	}
}

func (st *state) addLiteral(b byte) {
	st.tokens = append(st.tokens, uint32(b))
	st.litFreq[b]++
}

func (st *state) addMatch(length, dist int) {
	l, d := uint32(length-3), uint32(dist-1)
	st.tokens = append(st.tokens, matchToken|l<<15|d)
	st.litFreq[lenSym[l]]++
	st.dstFreq[distCode(d)]++
}
