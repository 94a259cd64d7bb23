package deflate

import (
	"bytes"
	"compress/flate"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"
)

var benchSizes = []int{1 << 10, 64 << 10, 1 << 20}

// benchCorpus is 4 MiB of text-like data; message i of a benchmark is the
// i-th slice of it, so messages differ (with context takeover, repeating
// one message would compress it to a back-reference).
var benchCorpus = textLike(rand.New(rand.NewPCG(5, 6)), 4<<20)

func benchMessage(i, n int) []byte {
	off := (i * n) % (len(benchCorpus) - n + 1)
	return benchCorpus[off : off+n]
}

// BenchmarkWriter compresses one message per op, with context takeover, in
// steady state, beside compress/flate's default level on the same data
// (Write + Flush per message, as a takeover user of it would).
func BenchmarkWriter(b *testing.B) {
	for _, n := range benchSizes {
		b.Run("ours/"+strconv.Itoa(n), func(b *testing.B) {
			w, _ := NewWriter(15, true)
			var out countWriter
			b.SetBytes(int64(n))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				w.Start(&out)
				w.Write(benchMessage(i, n))
				w.Close()
				i++
			}
			b.ReportMetric(float64(n)*float64(b.N)/float64(out.n), "ratio")
		})
		b.Run("flate/"+strconv.Itoa(n), func(b *testing.B) {
			var out countWriter
			fw, _ := flate.NewWriter(&out, flate.DefaultCompression)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				fw.Write(benchMessage(i, n))
				fw.Flush()
				out.n -= 4 // the 00 00 ff ff RFC 7692 strips
				i++
			}
			b.ReportMetric(float64(n)*float64(b.N)/float64(out.n), "ratio")
		})
	}
}

// BenchmarkReader inflates one message per op (no context takeover, so
// every op inflates the same bytes), beside compress/flate used directly
// (Reset per message, reading payload + 00 00 ff ff and an empty final
// block, as the old compress/flate-based Reader did).
func BenchmarkReader(b *testing.B) {
	for _, n := range benchSizes {
		data := benchMessage(0, n)
		w, _ := NewWriter(15, false)
		var buf bytes.Buffer
		w.Start(&buf)
		w.Write(data)
		w.Close()
		comp := buf.Bytes()
		dst := make([]byte, 32<<10)
		b.Run("ours/"+strconv.Itoa(n), func(b *testing.B) {
			r, _ := NewReader(15, false)
			src := bytes.NewReader(comp)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				src.Reset(comp)
				r.Start(src, -1)
				for {
					_, err := r.Read(dst)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run("flate/"+strconv.Itoa(n), func(b *testing.B) {
			full := append(append([]byte(nil), comp...), "\x00\x00\xff\xff\x01\x00\x00\xff\xff"...)
			src := bytes.NewReader(full)
			fr := flate.NewReader(src)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				src.Reset(full)
				fr.(flate.Resetter).Reset(src, nil)
				for {
					_, err := fr.Read(dst)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkReaderTiny inflates small messages (16 to 64 bytes, as chat or
// game protocols send), one per op, each message different: with context
// takeover each refers to the ones before, as on a live connection. B/msg
// is the compressed size. The "plain" case copies the same bytes
// uncompressed out of a bytes.Reader, for scale.
func BenchmarkReaderTiny(b *testing.B) {
	for _, n := range []int{16, 32, 64} {
		var msgs [][]byte
		for i := range 4096 {
			msgs = append(msgs, benchMessage(i, n))
		}
		dst := make([]byte, 4<<10)
		for _, takeover := range []bool{true, false} {
			w, _ := NewWriter(15, takeover)
			comp := compressMessages(b, w, msgs, 0)
			inBytes := 0
			for _, c := range comp {
				inBytes += len(c)
			}
			name := "takeover/"
			if !takeover {
				name = "no-takeover/"
			}
			b.Run(name+strconv.Itoa(n), func(b *testing.B) {
				r, _ := NewReader(15, takeover)
				src := bytes.NewReader(nil)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if i == len(comp) {
						// Start the sequence over: forget the history, as a
						// new Reader would, but keep the window.
						i, r.have = 0, 0
					}
					src.Reset(comp[i])
					i++
					r.Start(src, -1)
					for {
						_, err := r.Read(dst)
						if err == io.EOF {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(inBytes)/float64(len(comp)), "B/msg")
			})
		}
		b.Run("plain/"+strconv.Itoa(n), func(b *testing.B) {
			src := bytes.NewReader(nil)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				src.Reset(msgs[i%len(msgs)])
				i++
				for {
					_, err := src.Read(dst)
					if err == io.EOF {
						break
					}
				}
			}
		})
	}
}

type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

// BenchmarkWriterShared is BenchmarkWriter with two context-takeover
// Writers taking turns, as connections of a busy server do: each message
// may get tables another Writer used and must load its window back.
func BenchmarkWriterShared(b *testing.B) {
	for _, n := range []int{128, 1 << 10, 64 << 10} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			var ws [2]*Writer
			for k := range ws {
				ws[k], _ = NewWriter(15, true)
			}
			var out countWriter
			b.SetBytes(int64(n))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				w := ws[i&1]
				w.Start(&out)
				w.Write(benchMessage(i, n))
				w.Close()
				i++
			}
			b.ReportMetric(float64(n)*float64(b.N)/float64(out.n), "ratio")
		})
	}
}
