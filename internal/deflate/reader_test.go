package deflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unsafe"
)

// A stream is a sequence of compressed messages for one Reader, with what
// each inflates to.
type stream struct {
	name     string
	bits     int
	takeover bool
	comp     [][]byte
	want     [][]byte
}

// flateMessages compresses msgs with one compress/flate Writer at level,
// each message ended by Flush, with the 00 00 ff ff stripped (RFC 7692,
// Section 7.2.1). The Writer keeps its 32 KiB window across messages, so
// this is context takeover; with final, each message instead ends with
// Close on a fresh Writer (a final block and no stripping).
func flateMessages(t testing.TB, level int, msgs [][]byte, final bool) [][]byte {
	t.Helper()
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, m := range msgs {
		buf.Reset()
		if final {
			fw.Reset(&buf)
		}
		fw.Write(m)
		if final {
			fw.Close()
			out = append(out, bytes.Clone(buf.Bytes()))
			continue
		}
		fw.Flush()
		b := buf.Bytes()
		if !bytes.HasSuffix(b, []byte{0, 0, 0xff, 0xff}) {
			t.Fatalf("compress/flate Flush output ends % x", b[max(0, len(b)-4):])
		}
		out = append(out, bytes.Clone(b[:len(b)-4]))
	}
	return out
}

// corpus returns streams made by our Writer, by compress/flate at several
// levels (stored, Huffman only, fixed and dynamic blocks), with final
// blocks, and by hand. With small set, the streams are short enough to
// feed one byte at a time.
func corpus(t testing.TB, small bool) []stream {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 8))
	text := textLike(rng, 100_000)
	random := randomBytes(rng, 20_000)
	datas := map[string][]byte{
		"text-3k":    text[:3000],
		"text-40k":   text[:40_000],
		"random-3k":  random[:3000],
		"zeros-20k":  make([]byte, 20_000),
		"period-257": bytes.Repeat(random[:257], 40),
		"short":      []byte("Hello"),
		"empty":      {},
	}
	if !small {
		datas["text-100k"] = text
		datas["random-20k"] = random
	}
	var ss []stream
	for name, d := range datas {
		msgs := [][]byte{d, d[len(d)/3:], d, d[:len(d)/5]}
		for _, bits := range []int{8, 9, 12, 15} {
			for _, takeover := range []bool{false, true} {
				w, _ := NewWriter(bits, takeover)
				ss = append(ss, stream{fmt.Sprintf("ours/%d/%v/%s", bits, takeover, name), bits, takeover,
					compressMessages(t, w, msgs, 1000), msgs})
			}
		}
		for _, level := range []int{flate.HuffmanOnly, flate.NoCompression, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression} {
			ss = append(ss, stream{fmt.Sprintf("flate/%d/takeover/%s", level, name), 15, true,
				flateMessages(t, level, msgs, false), msgs})
			ss = append(ss, stream{fmt.Sprintf("flate/%d/final/%s", level, name), 15, false,
				flateMessages(t, level, msgs, true), msgs})
		}
	}
	hello := []byte("Hello")
	ss = append(ss,
		stream{"7.2.3.1", 15, false, [][]byte{{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}}, [][]byte{hello}},
		stream{"7.2.3.2", 15, true, [][]byte{{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, {0xf2, 0x00, 0x11, 0x00, 0x00}}, [][]byte{hello, hello}},
		stream{"7.2.3.3", 15, false, [][]byte{{0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}}, [][]byte{hello}},
		stream{"7.2.3.4", 15, false, [][]byte{{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}}, [][]byte{hello}},
		stream{"7.2.3.5", 15, false, [][]byte{{0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00}}, [][]byte{hello}},
		stream{"7.2.3.6", 15, false, [][]byte{{0x00}}, [][]byte{{}}},
		stream{"final fixed block, 4 zero bytes", 15, true, [][]byte{{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0, 0, 0, 0}, {0xf2, 0x00, 0x11, 0x00, 0x00}}, [][]byte{hello, hello}},
		stream{"final fixed block, nothing after", 15, false, [][]byte{{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}}, [][]byte{hello}},
		stream{"final empty stored block as the tail", 15, false, [][]byte{func() []byte {
			var w bitWriter
			w.put(hdrFixed, 3)
			putTokens(&w, fixedLit[:], fixedDist[:], append(lits("Hello"), token{lit: 256}))
			w.put(hdrStored|1, 3)
			return w.bytes()
		}()}, [][]byte{hello}},
		stream{"single distance code", 15, false, [][]byte{singleDistCode()}, [][]byte{[]byte("abcabcabc")}},
		stream{"no distance code", 15, false, [][]byte{noDistCode()}, [][]byte{[]byte("ab")}},
	)
	return ss
}

// oneShot inflates a stream with a fresh Reader, each message from a
// bytes.Reader in one Read call per 64 KiB.
func oneShot(t testing.TB, s stream) [][]byte {
	t.Helper()
	r, err := NewReader(s.bits, s.takeover)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for i, c := range s.comp {
		r.Start(bytes.NewReader(c), -1)
		got, err := readAllSized(r, 64<<10)
		if err != nil {
			t.Fatalf("%s: message %d: %v", s.name, i, err)
		}
		out = append(out, got)
	}
	return out
}

func TestReaderCorpus(t *testing.T) {
	t.Parallel()
	for _, s := range corpus(t, false) {
		got := oneShot(t, s)
		for i := range got {
			if !bytes.Equal(got[i], s.want[i]) {
				t.Fatalf("%s: message %d: %d bytes, want %d", s.name, i, len(got[i]), len(s.want[i]))
			}
		}
		// compress/flate inflates it to the same bytes.
		if !strings.Contains(s.name, "final") && s.name != "7.2.3.4" {
			std := inflateStd(t, s.comp, 1<<s.bits, s.takeover)
			for i := range std {
				if !bytes.Equal(std[i], s.want[i]) {
					t.Fatalf("%s: message %d: compress/flate differs", s.name, i)
				}
			}
		}
		// So does the reference decoder.
		var hist []byte
		for i, c := range s.comp {
			if !s.takeover {
				hist = nil
			}
			ref, err := refInflateHist(c, hist, 1<<s.bits, -1)
			if err != nil || !bytes.Equal(ref, s.want[i]) {
				t.Fatalf("%s: message %d: refInflate: %d bytes, %v", s.name, i, len(ref), err)
			}
			hist = append(hist, ref...)
		}
	}
}

var errInjected = errors.New("injected error")

// chunkSource serves data in chunks and injects errors between them:
// before each chunk it asks plan for the chunk's size and an error to
// return first (nil: none). An error may come with the chunk's bytes.
type chunkSource struct {
	data    []byte
	plan    func() (size int, err error, withData bool)
	pending bool // the error of the next chunk was returned
	size    int
	reads   int
}

func (c *chunkSource) Read(p []byte) (int, error) {
	c.reads++
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	if !c.pending {
		size, err, withData := c.plan()
		c.size = max(1, size)
		if err != nil {
			c.pending = true
			if withData {
				n := copy(p, c.data[:min(c.size, len(c.data))])
				c.data = c.data[n:]
				c.pending = false
				return n, err
			}
			return 0, err
		}
	}
	c.pending = false
	n := copy(p, c.data[:min(c.size, len(c.data))])
	c.data = c.data[n:]
	return n, nil
}

// readResumable reads a message to its end through injected errors. It
// checks that Read returns either bytes or an error and that an injected
// error comes back as it was.
func readResumable(t testing.TB, r *Reader, psize func() int) ([]byte, error) {
	t.Helper()
	var out []byte
	buf := make([]byte, 1<<17)
	for {
		n, err := r.Read(buf[:psize()])
		if n > 0 && err != nil {
			t.Fatalf("Read = %d, %v: bytes and an error together", n, err)
		}
		out = append(out, buf[:n]...)
		switch {
		case err == nil:
		case err == io.EOF:
			return out, nil
		case errors.Is(err, errInjected), errors.Is(err, os.ErrDeadlineExceeded):
		default:
			return out, err
		}
	}
}

// TestReaderResume feeds every stream of the corpus through sources that
// stop with an error before every byte, or in random places, and reads
// with buffers of every size: the output must be the same as in one go.
func TestReaderResume(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 12))
	plans := map[string]func() func() (int, error, bool){
		"error before every byte": func() func() (int, error, bool) {
			return func() (int, error, bool) { return 1, os.ErrDeadlineExceeded, false }
		},
		"random chunks and errors": func() func() (int, error, bool) {
			return func() (int, error, bool) {
				size := 1 + rng.IntN(1+rng.IntN(5000))
				switch rng.IntN(4) {
				case 0:
					return size, errInjected, rng.IntN(2) == 0
				case 1:
					return size, os.ErrDeadlineExceeded, false
				}
				return size, nil, false
			}
		},
		"small chunks": func() func() (int, error, bool) {
			return func() (int, error, bool) { return 1 + rng.IntN(9), nil, false }
		},
	}
	for _, s := range corpus(t, true) {
		for pname, plan := range plans {
			if raceEnabled && pname == "error before every byte" && len(s.comp[0]) > 5000 {
				continue
			}
			r, _ := NewReader(s.bits, s.takeover)
			psize, k := func() int { return 1 + rng.IntN(1+rng.IntN(70_000)) }, 0
			if pname == "error before every byte" {
				psize = func() int { k++; return 1 + k%300 } // 1..300 in turn
			}
			for i, c := range s.comp {
				src := &chunkSource{data: c, plan: plan()}
				r.Start(src, -1)
				got, err := readResumable(t, r, psize)
				if err != nil || !bytes.Equal(got, s.want[i]) {
					t.Fatalf("%s, %s: message %d: %d bytes, %v; want %d bytes", s.name, pname, i, len(got), err, len(s.want[i]))
				}
			}
		}
	}
}

// TestReaderResumeCorrupt checks that injected errors don't change the
// result of corrupt or truncated data either: the same bytes, then the
// same error.
func TestReaderResumeCorrupt(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(13, 14))
	ss := corpus(t, true)
	n := 3000
	if raceEnabled {
		n = 300
	}
	for range n {
		s := ss[rng.IntN(len(ss))]
		c := mutate(rng, s.comp[0])
		r, _ := NewReader(s.bits, false)
		r.Start(bytes.NewReader(c), 1<<20)
		want, werr := readAllSized(r, 1<<16)
		r.Start(&chunkSource{data: c, plan: func() (int, error, bool) {
			return 1 + rng.IntN(20), errInjected, rng.IntN(3) == 0
		}}, 1<<20)
		got, err := readResumable(t, r, func() int { return 1 + rng.IntN(100) })
		if err != werr || !bytes.Equal(got, want) {
			t.Fatalf("%s mutated to % x: %d bytes, %v; in one go %d bytes, %v", s.name, c, len(got), err, len(want), werr)
		}
	}
}

// mutate returns a copy of b with a few random changes.
func mutate(rng *rand.Rand, b []byte) []byte {
	b = bytes.Clone(b)
	for range 1 + rng.IntN(3) {
		switch op := rng.IntN(5); {
		case op == 0 && len(b) > 0:
			i := rng.IntN(len(b))
			b[i] ^= 1 << rng.IntN(8)
		case op == 1 && len(b) > 0:
			b = b[:rng.IntN(len(b))]
		case op == 2:
			i := rng.IntN(len(b) + 1)
			b = append(b[:i], append([]byte{byte(rng.Uint32())}, b[i:]...)...)
		case op == 3 && len(b) > 0:
			b[rng.IntN(len(b))] = byte(rng.Uint32())
		default:
			b = append(b, byte(rng.IntN(2)))
		}
	}
	return b
}

// TestReaderAgainstReference compares Reader with refInflate on mutated
// and random data: the same output, then the same error (or ErrTooLarge
// at the limit), at several window sizes and with history.
func TestReaderAgainstReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(15, 16))
	ss := corpus(t, true)
	n := 20_000
	if raceEnabled {
		n = 2000
	}
	for i := range n {
		s := ss[rng.IntN(len(ss))]
		var c []byte
		switch i % 4 {
		case 0:
			c = randomBytes(rng, rng.IntN(40))
		default:
			c = mutate(rng, s.comp[rng.IntN(len(s.comp))])
		}
		bits := s.bits
		if rng.IntN(3) == 0 {
			bits = 8 + rng.IntN(8)
		}
		limit := int64(-1)
		if rng.IntN(4) == 0 {
			limit = int64(rng.IntN(5000))
		}
		// Some history: with context takeover, the first message.
		r, _ := NewReader(bits, true)
		var hist []byte
		if rng.IntN(2) == 0 {
			hist = textLike(rng, rng.IntN(3000))
			var buf bytes.Buffer
			w, _ := NewWriter(8, false)
			w.Start(&buf)
			w.Write(hist)
			w.Close()
			r.Start(bytes.NewReader(buf.Bytes()), -1)
			if h, err := io.ReadAll(r); err != nil || !bytes.Equal(h, hist) {
				t.Fatalf("history message: %v", err)
			}
		}
		want, werr := refInflateHist(c, hist, 1<<bits, limit)
		r.Start(bytes.NewReader(c), limit)
		got, err := readAllSized(r, 1+rng.IntN(3000))
		if err != werr || !bytes.Equal(got, want) {
			t.Fatalf("bits %d, %d bytes of history, limit %d, input % x:\nReader:    %d bytes, %v\nreference: %d bytes, %v",
				bits, len(hist), limit, c, len(got), err, len(want), werr)
		}
		if err != nil && err != ErrTooLarge && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error %v is not ErrCorrupt", err)
		}
	}
}

// bitWriter packs bits LSB first (RFC 1951, Section 3.1.1), for hand-made
// test blocks.
type bitWriter struct {
	out   []byte
	bits  uint64
	nbits uint
}

func (w *bitWriter) put(v uint64, n uint) {
	w.bits |= v << w.nbits
	w.nbits += n
	for w.nbits >= 8 {
		w.out = append(w.out, byte(w.bits))
		w.bits >>= 8
		w.nbits -= 8
	}
}

func (w *bitWriter) code(c hcode) { w.put(uint64(c.code), uint(c.len)) }

// bytes returns the output, the last byte padded with zeros.
func (w *bitWriter) bytes() []byte {
	if w.nbits > 0 {
		return append(bytes.Clone(w.out), byte(w.bits))
	}
	return bytes.Clone(w.out)
}

// A token of a hand-made block: a literal (dist 0) or a match.
type token struct{ lit, length, dist int }

// putTokens writes tokens with the codes of lit and dist (RFC 1951,
// Section 3.2.5). A token with lit >= 256 is written as that symbol.
func putTokens(w *bitWriter, lit, dist []hcode, toks []token) {
	for _, tk := range toks {
		if tk.dist == 0 {
			w.code(lit[tk.lit])
			continue
		}
		l := tk.length - 3
		s := lenSym[l] - 257
		w.code(lit[s+257])
		w.put(uint64(l-int(lenBase[s])), uint(lenExtra[s]))
		dc := distCode(uint32(tk.dist - 1))
		w.code(dist[dc])
		w.put(uint64(tk.dist-1-int(distBase[dc])), uint(distExtr[dc]))
	}
}

// clTestLens is a complete code for the code length alphabet: symbols
// 0..12 get 4 bits, 13..18 get 5 (13/16 + 6/32 = 1).
var clTestLens = func() (l [numCodeLen]uint8) {
	for i := range l {
		l[i] = 4
		if i >= 13 {
			l[i] = 5
		}
	}
	return l
}()

// dynHeader writes the header of a dynamic block (RFC 1951, Section 3.2.7)
// with hlit, hdist, the code length code clLens (all 19 sent) and the code
// length symbols seq (symbol | extra<<8).
func dynHeader(w *bitWriter, final bool, hlit, hdist int, clLens [numCodeLen]uint8, seq []int) {
	w.put(uint64(hdrDynamic)|b2u(final), 3)
	w.put(uint64(hlit-257), 5)
	w.put(uint64(hdist-1), 5)
	w.put(numCodeLen-4, 4)
	for _, s := range codeLenOrder {
		w.put(uint64(clLens[s]), 3)
	}
	var cl [numCodeLen]hcode
	canonical(clLens[:], cl[:])
	for _, v := range seq {
		s, x := v&0xff, v>>8
		w.code(cl[s])
		switch s {
		case 16:
			w.put(uint64(x), 2)
		case 17:
			w.put(uint64(x), 3)
		case 18:
			w.put(uint64(x), 7)
		}
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// dynBlock writes a whole dynamic block with the given code lengths, each
// sent as a plain code length symbol, and the tokens, then the empty
// stored block header of a sync flush. It returns the message.
func dynBlock(litLens, distLens []uint8, toks []token) []byte {
	var w bitWriter
	var seq []int
	for _, l := range append(append([]uint8(nil), litLens...), distLens...) {
		seq = append(seq, int(l))
	}
	dynHeader(&w, false, len(litLens), len(distLens), clTestLens, seq)
	lit := make([]hcode, len(litLens))
	dist := make([]hcode, max(1, len(distLens)))
	canonical(litLens, lit)
	canonical(distLens, dist)
	putTokens(&w, lit, dist, toks)
	w.put(hdrStored, 3)
	return w.bytes()
}

// litLens8 is a complete literal/length code: 232 codes of 8 bits (232/256)
// and 48 of 9 bits (48/512), for symbols 0..279.
func litLens8() []uint8 {
	// 232 literals of 8 bits take 232/256; 48 codes of 9 bits take 48/512:
	// 232/256 + 48/512 = 1.
	l := make([]uint8, 280)
	for i := range l {
		l[i] = 8
		if i >= 232 {
			l[i] = 9
		}
	}
	return l
}

// singleDistCode is a dynamic block whose distance code is a single code
// of one bit, which RFC 1951, Section 3.2.7 allows: "abc" then a match of
// 6 at distance 3.
func singleDistCode() []byte {
	dl := make([]uint8, 3)
	dl[2] = 1 // distance 3
	return dynBlock(litLens8(), dl, []token{{lit: 'a'}, {lit: 'b'}, {lit: 'c'}, {length: 6, dist: 3}, {lit: 256}})
}

// noDistCode is a dynamic block without distance codes (one code length of
// zero, Section 3.2.7): literals only.
func noDistCode() []byte {
	return dynBlock(litLens8(), []uint8{0}, []token{{lit: 'a'}, {lit: 'b'}, {lit: 256}})
}

// fixedBlock returns a fixed-Huffman block (RFC 1951, Section 3.2.6) of
// the tokens and, unless final, the empty stored block header of a sync
// flush.
func fixedBlock(final bool, toks []token) []byte {
	var w bitWriter
	w.put(uint64(hdrFixed)|b2u(final), 3)
	putTokens(&w, fixedLit[:], fixedDist[:], toks)
	if !final {
		w.put(hdrStored, 3)
	}
	return w.bytes()
}

func lits(s string) []token {
	var t []token
	for _, c := range []byte(s) {
		t = append(t, token{lit: int(c)})
	}
	return t
}

func TestReaderErrors(t *testing.T) {
	t.Parallel()
	eob := token{lit: 256}
	hello := fixedBlock(true, append(lits("Hello"), eob))
	// Code lengths for dynamic headers.
	lens := func(ls ...int) []int { return ls }
	seq := func(n int, l int) []int { // n lengths of l, plainly
		s := make([]int, n)
		for i := range s {
			s[i] = l
		}
		return s
	}
	var goodLit []int
	for _, l := range litLens8() {
		goodLit = append(goodLit, int(l))
	}
	dyn := func(hlit, hdist int, seqs ...[]int) []byte {
		var w bitWriter
		var all []int
		for _, s := range seqs {
			all = append(all, s...)
		}
		dynHeader(&w, false, hlit, hdist, clTestLens, all)
		w.put(0, 16) // some bits, so the error is not the end of data
		return w.bytes()
	}
	tests := []struct {
		name    string
		bits    int
		in      []byte
		want    string
		wantErr error
	}{
		{"reserved block type 11 (RFC 1951, 3.2.3)", 15, []byte{0x07, 0x00}, "", errBlockType},
		{"stored NLEN not LEN's complement (3.2.4)", 15, []byte{0x00, 0x05, 0x00, 0x00, 0x00, 'H'}, "", errStoredLen},
		{"HLIT of 287 (3.2.7)", 15, dyn(287, 1), "", errTooManyCodes},
		{"HDIST of 31 (3.2.7)", 15, dyn(257, 31), "", errTooManyCodes},
		{"incomplete code length code (3.2.7)", 15, func() []byte {
			var w bitWriter
			var cl [numCodeLen]uint8
			cl[8] = 1 // one code of one bit
			dynHeader(&w, false, 257, 1, cl, nil)
			w.put(0, 16)
			return w.bytes()
		}(), "", errCodeIncomplete},
		{"over-subscribed code length code (3.2.2)", 15, func() []byte {
			var w bitWriter
			var cl [numCodeLen]uint8
			for i := range cl {
				cl[i] = 4 // 19 codes of 4 bits
			}
			dynHeader(&w, false, 257, 1, cl, nil)
			w.put(0, 16)
			return w.bytes()
		}(), "", errCodeOversubscribed},
		{"repeat code 16 first (3.2.7)", 15, dyn(257, 1, lens(16)), "", errRepeatFirst},
		{"code lengths past HLIT+HDIST (3.2.7)", 15, dyn(257, 1, seq(250, 8), lens(18|127<<8)), "", errLensOverrun},
		{"no code for end-of-block (3.2.7)", 15, dyn(257, 1, seq(256, 8), lens(0, 1)), "", errNoEndOfBlock},
		{"incomplete literal/length code (3.2.7)", 15, dyn(257, 1, seq(254, 8), lens(0, 0, 8, 1)), "", errCodeIncomplete},
		{"over-subscribed literal/length code (3.2.2)", 15, dyn(257, 1, seq(257, 8), lens(1)), "", errCodeOversubscribed},
		{"single literal/length code (3.2.7 allows one only for distances)", 15, dyn(257, 1, seq(256, 0), lens(1, 1)), "", errCodeIncomplete},
		{"distance code: one code of 2 bits (3.2.7)", 15, dyn(280, 1, goodLit, lens(2)), "", errCodeIncomplete},
		{"distance code: two codes of 1 bit and one more (3.2.2)", 15, dyn(280, 3, goodLit, lens(1, 1, 1)), "", errCodeOversubscribed},
		{"literal/length symbol 286 (3.2.6)", 15, fixedBlock(false, append(lits("ab"), token{lit: 286})), "ab", errBadSymbol},
		{"literal/length symbol 287 (3.2.6)", 15, fixedBlock(false, append(lits("ab"), token{lit: 287})), "ab", errBadSymbol},
		{"distance symbol 30 (3.2.6)", 15, func() []byte {
			var w bitWriter
			w.put(hdrFixed, 3)
			putTokens(&w, fixedLit[:], fixedDist[:], lits("ab"))
			w.code(fixedLit[257])                  // length 3
			w.put(uint64(bits.Reverse8(30)>>3), 5) // fixed distance codes are the 5-bit symbol
			w.put(0, 16)
			return w.bytes()
		}(), "ab", errBadDistSymbol},
		{"distance symbol 31 (3.2.6)", 15, func() []byte {
			var w bitWriter
			w.put(hdrFixed, 3)
			putTokens(&w, fixedLit[:], fixedDist[:], lits("ab"))
			w.code(fixedLit[257])
			w.put(uint64(bits.Reverse8(31)>>3), 5)
			w.put(0, 16)
			return w.bytes()
		}(), "ab", errBadDistSymbol},
		{"unused code of a single distance code (3.2.7)", 15, func() []byte {
			var w bitWriter
			dl := []uint8{0, 0, 1}
			var seq []int
			for _, l := range append(litLens8(), dl...) {
				seq = append(seq, int(l))
			}
			dynHeader(&w, false, 280, 3, clTestLens, seq)
			lit := make([]hcode, 280)
			canonical(litLens8(), lit)
			putTokens(&w, lit, nil, lits("abc"))
			w.code(lit[257])
			w.put(1, 1) // the unused 1-bit code
			w.put(0, 16)
			return w.bytes()
		}(), "abc", errBadDistSymbol},
		{"match without distance codes (3.2.7)", 15, func() []byte {
			var w bitWriter
			var seq []int
			for _, l := range append(litLens8(), 0) {
				seq = append(seq, int(l))
			}
			dynHeader(&w, false, 280, 1, clTestLens, seq)
			lit := make([]hcode, 280)
			canonical(litLens8(), lit)
			putTokens(&w, lit, nil, lits("abc"))
			w.code(lit[257])
			w.put(0, 16)
			return w.bytes()
		}(), "abc", errBadDistSymbol},
		{"distance before the start of the data (RFC 1951, 3.2)", 15, fixedBlock(false, append(lits("a"), token{length: 3, dist: 5}, eob)), "a", errDistance},
		{"distance past a 2^8 window (RFC 7692, 7.1.2)", 8, fixedBlock(false, append(lits(strings.Repeat("x", 300)), token{length: 3, dist: 257}, eob)),
			strings.Repeat("x", 300), errDistance},
		{"distance of exactly the 2^8 window", 8, fixedBlock(false, append(lits(strings.Repeat("x", 300)), token{length: 3, dist: 256}, eob)),
			strings.Repeat("x", 303), nil},
		{"distance of exactly the 2^15 window, over stored blocks", 15, func() []byte {
			var w bitWriter
			for range 3 { // 3 stored blocks of 12000 bytes
				w.put(hdrStored, 3)
				w.put(0, 5)
				w.put(12000, 16)
				w.put(^uint64(12000)&0xffff, 16)
				for range 12000 {
					w.put('y', 8)
				}
			}
			w.put(hdrFixed, 3)
			putTokens(&w, fixedLit[:], fixedDist[:], []token{{length: 3, dist: 32768}, eob})
			w.put(hdrStored, 3)
			return w.bytes()
		}(), strings.Repeat("y", 36003), nil},
		{"final block then 5 zero bytes (RFC 7692, 7.2.3.4)", 15, append(hello, 0, 0, 0, 0, 0), "Hello", errTrailer},
		{"final block then a nonzero byte", 15, append(hello, 0, 0x42), "Hello", errTrailer},
		{"final block then 50 KiB", 15, append(hello, make([]byte, 50<<10)...), "Hello", errTrailer},
		{"final block, nonzero padding bits", 15, func() []byte {
			b := bytes.Clone(hello)
			b[len(b)-1] |= 0x80
			return b
		}(), "Hello", errTrailer},
		{"final block then an empty stored block (00 00 ff ff not stripped)", 15, append(hello, 0x00, 0x00, 0x00, 0xff, 0xff), "Hello", errTrailer},
		{"payload ends mid-block (RFC 7692, 7.2.2)", 15, []byte{0xf2, 0x48, 0xcd}, "He", errTruncated},
		{"payload ends at a block boundary, no stored header", 15, func() []byte {
			var w bitWriter
			w.put(hdrFixed, 3)
			// 3+8+8+4*9+7 = 62 bits: 2 bits are left, too few for a header.
			putTokens(&w, fixedLit[:], fixedDist[:], append(lits("Hi\xc8\xc8\xc8\xc8"), eob))
			w.put(3, 2)
			return w.bytes()
		}(), "Hi\xc8\xc8\xc8\xc8", errTruncated},
		{"payload ends in LEN", 15, []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}, "Hello", errTruncated},
		{"00 00 ff ff not stripped", 15, []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00, 0x00, 0xff, 0xff}, "Hello", errTruncated},
		{"empty payload", 15, []byte{}, "", errTruncated},
		{"stored block content completed by the tail", 15, []byte{0x00, 0x04, 0x00, 0xfb, 0xff}, "", errTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, _ := NewReader(tt.bits, false)
			r.Start(bytes.NewReader(tt.in), -1)
			got, err := readAllSized(r, 100)
			if err != tt.wantErr || string(got) != tt.want {
				t.Errorf("Read(% x) = %q, %v; want %q, %v", tt.in[:min(len(tt.in), 40)], got, err, tt.want, tt.wantErr)
			}
			if tt.wantErr != nil && !errors.Is(err, ErrCorrupt) {
				t.Errorf("%v does not wrap ErrCorrupt", err)
			}
			// The reference decoder agrees.
			ref, rerr := refInflate(tt.in, 1<<tt.bits)
			if rerr != tt.wantErr || string(ref) != tt.want {
				t.Errorf("refInflate = %q, %v", ref, rerr)
			}
			// Sticky: the error again, without reading the source.
			if err != nil {
				src := &chunkSource{data: []byte{1}}
				r.src = src
				if _, err2 := r.Read(make([]byte, 10)); err2 != err || src.reads != 0 {
					t.Errorf("second Read = %v after %d source reads, want %v and none", err2, src.reads, err)
				}
			}
		})
	}
}

// TestReaderTrailer checks what may follow a final block (RFC 7692,
// Section 7.2.3.4): it must be read to the end of the message, and the
// next message starts clean.
func TestReaderTrailer(t *testing.T) {
	t.Parallel()
	hello := fixedBlock(true, append(lits("Hello"), token{lit: 256}))
	for k := 0; k <= 5; k++ {
		r, _ := NewReader(15, true)
		msg := append(bytes.Clone(hello), make([]byte, k)...)
		src := bytes.NewReader(msg)
		r.Start(src, -1)
		got, err := io.ReadAll(r)
		wantErr := error(nil)
		if k > 4 {
			wantErr = errTrailer
		}
		if err != wantErr || string(got) != "Hello" {
			t.Fatalf("%d zero bytes after the final block: %q, %v; want %v", k, got, err, wantErr)
		}
		if err == nil && src.Len() != 0 {
			t.Errorf("%d zero bytes after the final block: %d left unread", k, src.Len())
		}
		// Context takeover: "Hello" again, as a match.
		r.Start(bytes.NewReader([]byte{0xf2, 0x00, 0x11, 0x00, 0x00}), -1)
		if got, err := io.ReadAll(r); k <= 4 && (err != nil || string(got) != "Hello") {
			t.Errorf("next message: %q, %v", got, err)
		}
	}
}

// TestReaderWindowTakeover checks that with context takeover distances
// reach into earlier messages, up to the window, and no farther.
func TestReaderWindowTakeover(t *testing.T) {
	t.Parallel()
	for _, bits := range []int{8, 10, 15} {
		w := 1 << bits
		r, _ := NewReader(bits, true)
		rng := rand.New(rand.NewPCG(uint64(bits), 1))
		var all []byte
		// Messages of stored random bytes, 3 windows in all.
		for len(all) < 3*w {
			m := randomBytes(rng, 1+rng.IntN(w/2))
			var b bitWriter
			b.put(hdrStored, 3)
			b.put(0, 5)
			b.put(uint64(len(m)), 16)
			b.put(^uint64(len(m))&0xffff, 16)
			b.out = append(b.out, m...)
			b.put(hdrStored, 3)
			r.Start(bytes.NewReader(b.bytes()), -1)
			if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, m) {
				t.Fatalf("bits %d: stored message: %v", bits, err)
			}
			all = append(all, m...)
		}
		for _, d := range []int{1, w / 2, w - 1, w, min(w+1, 32768), 32768} {
			r.Start(bytes.NewReader(fixedBlock(false, []token{{length: 10, dist: d}, {lit: 256}})), -1)
			got, err := io.ReadAll(r)
			if d > w {
				if err != errDistance {
					t.Errorf("bits %d: distance %d: %v, want errDistance", bits, d, err)
				}
				continue
			}
			want := make([]byte, 10)
			for i := range want {
				all = append(all, all[len(all)-d])
				want[i] = all[len(all)-1]
			}
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("bits %d: distance %d: % x, %v; want % x", bits, d, got, err, want)
			}
		}
		if r.Retained() != w {
			t.Errorf("bits %d: Retained() = %d, want %d", bits, r.Retained(), w)
		}
	}
}

func TestReaderLimit(t *testing.T) {
	t.Parallel()
	// A compression bomb: 8 MiB of zeros compresses to a few KiB.
	w, _ := NewWriter(15, false)
	comp := compressMessages(t, w, [][]byte{make([]byte, 8<<20)}, 0)
	if len(comp[0]) > 16<<10 {
		t.Fatalf("8 MiB of zeros compressed to %d bytes", len(comp[0]))
	}
	for _, limit := range []int64{0, 1, 1000, 40_000, 1 << 20} {
		for _, size := range []int{1, 7, 64 << 10} {
			r, _ := NewReader(15, false)
			src := &chunkSource{data: comp[0], plan: func() (int, error, bool) { return 64, nil, false }}
			r.Start(src, limit)
			got, err := readAllSized(r, size)
			if err != ErrTooLarge || int64(len(got)) != limit {
				t.Errorf("limit %d, reads of %d: %d bytes, %v; want %d bytes, ErrTooLarge", limit, size, len(got), err, limit)
			}
			// No inflating past the limit: 64 input bytes give over 16
			// KiB of zeros here, so a few chunks suffice.
			if most := 2 + limit/(16<<10); int64(src.reads) > most {
				t.Errorf("limit %d: %d source reads, want at most %d", limit, src.reads, most)
			}
			if _, err := r.Read(make([]byte, 10)); err != ErrTooLarge {
				t.Errorf("limit %d: Read after ErrTooLarge: %v", limit, err)
			}
		}
	}
	// Exactly at the limit is fine.
	r, _ := NewReader(15, false)
	comp = compressMessages(t, w, [][]byte{make([]byte, 1000)}, 0)
	r.Start(bytes.NewReader(comp[0]), 1000)
	if got, err := readAllSized(r, 7); err != nil || len(got) != 1000 {
		t.Errorf("message of exactly the limit: %d bytes, %v", len(got), err)
	}
}

func TestReaderTransportError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	r, _ := NewReader(15, false)
	// "He", then the error, then the rest of 7.2.3.1's "Hello".
	msg := []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}
	calls := 0
	r.Start(readerFunc(func(p []byte) (int, error) {
		calls++
		switch calls {
		case 1:
			return copy(p, msg[:2]), nil
		case 2, 3:
			return 0, fmt.Errorf("read: %w", boom)
		case 4:
			return copy(p, msg[2:]), nil
		}
		return 0, io.EOF
	}), -1)
	var got []byte
	var errs []error
	buf := make([]byte, 100)
	for range 10 {
		n, err := r.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if string(got) != "Hello" || len(errs) != 2 || !errors.Is(errs[0], boom) || !errors.Is(errs[1], boom) {
		t.Errorf("got %q, errors %v; want \"Hello\" and boom twice", got, errs)
	}
}

// TestReaderErrorWithData checks a source that returns bytes and an error
// together: the bytes are used, and the error is reported on the next read.
func TestReaderErrorWithData(t *testing.T) {
	t.Parallel()
	msg := []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}
	calls := 0
	r, _ := NewReader(15, false)
	r.Start(readerFunc(func(p []byte) (int, error) {
		calls++
		if calls == 1 {
			return copy(p, msg[:3]), os.ErrDeadlineExceeded
		}
		return copy(p, msg[3:]), io.EOF
	}), -1)
	buf := make([]byte, 100)
	n, err := r.Read(buf)
	if n == 0 || err != nil {
		t.Fatalf("first Read = %d, %v; want bytes", n, err)
	}
	got := string(buf[:n])
	if n, err = r.Read(buf); n != 0 || err != os.ErrDeadlineExceeded {
		t.Fatalf("second Read = %d, %v; want the deadline", n, err)
	}
	rest, err := io.ReadAll(r)
	if got += string(rest); err != nil || got != "Hello" {
		t.Errorf("got %q, %v", got, err)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// TestReaderMemory checks what a Reader holds: with context takeover its
// window, allocated with the first message; without, nothing between
// messages.
func TestReaderMemory(t *testing.T) {
	if size := unsafe.Sizeof(Reader{}); size > 512 {
		t.Errorf("Reader is %d bytes, want at most 512", size)
	}
	for _, bits := range []int{8, 10, 15} {
		r, _ := NewReader(bits, true)
		if r.Retained() != 0 || r.win != nil {
			t.Errorf("bits %d: a new Reader holds %d bytes", bits, r.Retained())
		}
		r.Start(bytes.NewReader([]byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), -1)
		io.ReadAll(r)
		if r.Retained() != 1<<bits || len(r.win) != 1<<bits {
			t.Errorf("bits %d: Retained() = %d, want %d", bits, r.Retained(), 1<<bits)
		}
		if r.sc != nil || r.inbuf != nil {
			t.Errorf("bits %d: a short fixed-Huffman message took pooled buffers", bits)
		}
		r.Abort()
		if r.Retained() != 0 {
			t.Errorf("bits %d: Retained() = %d after Abort", bits, r.Retained())
		}

		r, _ = NewReader(bits, false)
		w, _ := NewWriter(bits, false)
		comp := compressMessages(t, w, [][]byte{textLike(rand.New(rand.NewPCG(1, 2)), 10_000)}, 0)
		r.Start(bytes.NewReader(comp[0]), -1)
		io.ReadFull(r, make([]byte, 5000))
		if r.win == nil || r.sc == nil || r.inbuf == nil {
			t.Errorf("bits %d: mid-message without window, tables or input buffer", bits)
		}
		io.ReadAll(r)
		if r.Retained() != 0 || r.win != nil || r.sc != nil || r.inbuf != nil {
			t.Errorf("bits %d: no takeover: holds a window or scratch after the message", bits)
		}
	}
}

// TestReaderAbort checks that Abort drops the history: a message that
// refers to it fails.
func TestReaderAbort(t *testing.T) {
	t.Parallel()
	r, _ := NewReader(15, true)
	r.Start(bytes.NewReader([]byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), -1)
	var one [1]byte
	r.Read(one[:]) // mid-message
	r.Abort()
	r.Start(bytes.NewReader([]byte{0xf2, 0x00, 0x11, 0x00, 0x00}), -1)
	if _, err := io.ReadAll(r); err != errDistance {
		t.Errorf("after Abort, a match into the old history: %v, want errDistance", err)
	}
}

// TestReaderNoAllocs checks that messages in steady state allocate
// nothing, with and without context takeover.
func TestReaderNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, takeover := range []bool{false, true} {
		for _, n := range []int{20, 5000} {
			w, _ := NewWriter(15, takeover)
			var msgs [][]byte
			for range 200 {
				msgs = append(msgs, textLike(rng, n))
			}
			comp := compressMessages(t, w, msgs, 0)
			r, _ := NewReader(15, takeover)
			src := bytes.NewReader(nil)
			buf := make([]byte, 1<<10)
			i := 0
			allocs := testing.AllocsPerRun(100, func() {
				src.Reset(comp[i%len(comp)])
				i++
				r.Start(src, -1)
				for {
					if _, err := r.Read(buf); err != nil {
						break
					}
				}
			})
			if allocs != 0 {
				t.Errorf("takeover %v, %d-byte messages: %v allocs per message", takeover, n, allocs)
			}
		}
	}
}
