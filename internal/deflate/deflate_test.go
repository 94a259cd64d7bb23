package deflate

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// textLike returns n bytes of JSON-ish text with a small vocabulary, the
// kind of data WebSocket applications send.
func textLike(rng *rand.Rand, n int) []byte {
	words := []string{"\"id\"", "\"name\"", "\"value\"", "true", "false", "null", "{", "}", "[", "]",
		":", ",", " ", "\n", "websocket", "message", "frame", "deflate", "window", "Über", "größe", "日本"}
	var b bytes.Buffer
	for b.Len() < n {
		if rng.IntN(8) == 0 {
			fmt.Fprintf(&b, "%d", rng.IntN(100000))
		} else {
			b.WriteString(words[rng.IntN(len(words))])
		}
	}
	return b.Bytes()[:n]
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// inputs returns named inputs: random, text-like and adversarial ones
// (long runs, periods just inside and just outside each window size).
func inputs(rng *rand.Rand) map[string][]byte {
	m := map[string][]byte{
		"empty":       {},
		"one":         {'x'},
		"short":       []byte("Hello"),
		"zeros-100k":  make([]byte, 100_000),
		"random-70k":  randomBytes(rng, 70_000),
		"text-1k":     textLike(rng, 1024),
		"text-200k":   textLike(rng, 200_000),
		"abab":        bytes.Repeat([]byte("ab"), 5000),
		"len258-runs": bytes.Repeat(append(bytes.Repeat([]byte{'a'}, 258), 'b'), 300),
	}
	for _, p := range []int{255, 256, 257, 511, 512, 513, 4095, 4097, 32767, 32768, 32769} {
		unit := randomBytes(rng, p)
		m[fmt.Sprintf("period-%d", p)] = bytes.Repeat(unit, 3+100_000/p)
	}
	mixed := append(textLike(rng, 30_000), randomBytes(rng, 30_000)...)
	m["mixed"] = append(mixed, textLike(rng, 30_000)...)
	return m
}

// compressMessages compresses msgs with a Writer, feeding each message in
// writes of at most split bytes (0: one write).
func compressMessages(t testing.TB, w *Writer, msgs [][]byte, split int) [][]byte {
	t.Helper()
	var out [][]byte
	for _, m := range msgs {
		var buf bytes.Buffer
		w.Start(&buf)
		p := m
		for len(p) > 0 {
			n := len(p)
			if split > 0 {
				n = min(n, split)
			}
			if k, err := w.Write(p[:n]); err != nil || k != n {
				t.Fatalf("Write = %d, %v", k, err)
			}
			p = p[n:]
		}
		if err := w.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		out = append(out, buf.Bytes())
	}
	return out
}

// inflateStd inflates each compressed message with compress/flate directly,
// with the payload + 00 00 ff ff (RFC 7692, Section 7.2.2) and, with
// context takeover, only the last window bytes before it as dictionary.
func inflateStd(t testing.TB, comp [][]byte, window int, takeover bool) [][]byte {
	t.Helper()
	var hist []byte
	var out [][]byte
	for i, c := range comp {
		var dict []byte
		if takeover {
			dict = hist[max(0, len(hist)-window):]
		}
		fr := flate.NewReaderDict(io.MultiReader(bytes.NewReader(c), strings.NewReader("\x00\x00\xff\xff")), dict)
		var got bytes.Buffer
		_, err := io.Copy(&got, fr)
		if err != io.ErrUnexpectedEOF {
			t.Fatalf("message %d: compress/flate: %v", i, err)
		}
		out = append(out, got.Bytes())
		hist = append(hist, got.Bytes()...)
	}
	return out
}

func TestWriterAgainstCompressFlate(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	in := inputs(rng)
	for bits := MinWindowBits; bits <= MaxWindowBits; bits++ {
		if raceEnabled && bits != 8 && bits != 15 {
			continue
		}
		for name, data := range in {
			for _, takeover := range []bool{false, true} {
				for _, split := range []int{0, 1000, 65536 + 17} {
					if raceEnabled && split == 1000 {
						continue
					}
					if split == 1000 && len(data) > 20_000 && bits != 9 && bits != 15 {
						continue // keep the run short; splits are covered at two sizes
					}
					w, err := NewWriter(bits, takeover)
					if err != nil {
						t.Fatal(err)
					}
					// The same data three times: with context takeover, later
					// messages refer to earlier ones.
					msgs := [][]byte{data, data[:len(data)/2], data}
					comp := compressMessages(t, w, msgs, split)
					got := inflateStd(t, comp, 1<<bits, takeover)
					for i := range msgs {
						if !bytes.Equal(got[i], msgs[i]) {
							t.Fatalf("bits=%d %s takeover=%v split=%d message %d: round trip differs (%d bytes, want %d)",
								bits, name, takeover, split, i, len(got[i]), len(msgs[i]))
						}
					}
					for i, c := range comp {
						// Within the message the reference inflater checks every
						// distance against the window.
						if takeover && i > 0 {
							continue
						}
						if _, err := refInflate(c, 1<<bits); err != nil {
							t.Fatalf("bits=%d %s split=%d message %d: %v", bits, name, split, i, err)
						}
					}
				}
			}
		}
	}
}

func TestEmptyMessage(t *testing.T) {
	t.Parallel()
	w, _ := NewWriter(15, true)
	comp := compressMessages(t, w, [][]byte{nil}, 0)
	// RFC 7692, Section 7.2.3.6: an empty message compresses to 0x00.
	if !bytes.Equal(comp[0], []byte{0x00}) {
		t.Errorf("empty message = % x, want 00", comp[0])
	}
}

// TestReaderRoundTrip reads our Writer's output with our Reader, over
// frames of many sizes, with a Reader buffer of many sizes.
func TestReaderRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	in := inputs(rng)
	bitsList := []int{8, 9, 12, 15}
	if raceEnabled {
		bitsList = []int{9, 15}
	}
	for _, bits := range bitsList {
		for _, takeover := range []bool{false, true} {
			w, _ := NewWriter(bits, takeover)
			r, _ := NewReader(bits, takeover)
			for name, data := range in {
				msgs := [][]byte{data, data[len(data)/3:], data}
				comp := compressMessages(t, w, msgs, 4096)
				for i, c := range comp {
					r.Start(iotestHalf{bytes.NewReader(c)}, -1)
					got, err := readAllSized(r, 1+rng.IntN(5000))
					if err != nil || !bytes.Equal(got, msgs[i]) {
						t.Fatalf("bits=%d takeover=%v %s message %d: %d bytes, %v; want %d bytes", bits, takeover, name, i, len(got), err, len(msgs[i]))
					}
				}
			}
		}
	}
}

// iotestHalf returns at most half of what is asked, like a slow network.
type iotestHalf struct{ r io.Reader }

func (h iotestHalf) Read(p []byte) (int, error) {
	return h.r.Read(p[:(len(p)+1)/2])
}

func readAllSized(r io.Reader, size int) ([]byte, error) {
	var out []byte
	buf := make([]byte, size)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

func TestNewWriterBits(t *testing.T) {
	t.Parallel()
	for _, b := range []int{0, 7, 16} {
		if _, err := NewWriter(b, true); err != ErrWindowBits {
			t.Errorf("NewWriter(%d) err = %v, want ErrWindowBits", b, err)
		}
		if _, err := NewReader(b, true); err != ErrWindowBits {
			t.Errorf("NewReader(%d) err = %v, want ErrWindowBits", b, err)
		}
	}
}

// TestBusyMemory measures the pooled memory a message in progress uses:
// one compressor state and one inflater, taken from their pools at Start
// and given back at the end of the message.
func TestBusyMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("memory measurement")
	}
	const n = 50
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	data := textLike(rand.New(rand.NewPCG(1, 1)), 40<<10)
	var comp bytes.Buffer
	cw, _ := NewWriter(15, false)
	cw.Start(&comp)
	cw.Write(data)
	cw.Close()

	before := heap()
	ws := make([]*Writer, n)
	rs := make([]*Reader, n)
	for i := range ws {
		ws[i], _ = NewWriter(15, true)
		ws[i].Start(io.Discard)
		ws[i].Write(data) // mid-message: the state is taken
		rs[i], _ = NewReader(15, true)
		rs[i].Start(bytes.NewReader(comp.Bytes()), -1)
		var one [1]byte
		rs[i].Read(one[:])
	}
	busy := float64(heap()-before) / n
	for i := range ws {
		ws[i].Close()
		io.Copy(io.Discard, rs[i])
	}
	idle := float64(heap()-before) / n
	runtime.KeepAlive(ws)
	runtime.KeepAlive(rs)
	t.Logf("per compressing+inflating stream: %.0f B mid-message (pooled tables, windows, buffers), %.0f B between messages (the two 32 KiB windows)", busy, idle)
	if idle > 2*32<<10+4<<10 {
		t.Errorf("between messages %.0f B, want two 32 KiB windows and a small constant", idle)
	}
	if busy > 600<<10 {
		t.Errorf("mid-message %.0f B, want under 600 KiB", busy)
	}
}

// TestInterleavedWriters runs two context-takeover Writers message by
// message, so each Start may get the other's pooled tables: the history
// must then be loaded back from the Writer's own copy.
func TestInterleavedWriters(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 10))
	for _, bits := range []int{8, 11, 15} {
		var ws [2]*Writer
		var msgs, comp [2][][]byte
		for k := range ws {
			ws[k], _ = NewWriter(bits, true)
		}
		for i := 0; i < 12; i++ {
			for k, w := range ws {
				m := textLike(rng, 1+rng.IntN(3000))
				if i%3 == 2 {
					m = append(msgs[k][i-1][:len(msgs[k][i-1]):len(msgs[k][i-1])], m[:10]...) // repeats the previous message
				}
				var buf bytes.Buffer
				w.Start(&buf)
				w.Write(m)
				w.Close()
				msgs[k] = append(msgs[k], m)
				comp[k] = append(comp[k], buf.Bytes())
			}
		}
		for k := range ws {
			got := inflateStd(t, comp[k], 1<<bits, true)
			for i := range got {
				if !bytes.Equal(got[i], msgs[k][i]) {
					t.Fatalf("bits %d, writer %d, message %d differs", bits, k, i)
				}
			}
		}
	}
}
