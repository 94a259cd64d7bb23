package frame

import (
	"bytes"
	"io"
	"strconv"
	"testing"
)

// Header benchmarks sit on the boundaries of the three length forms
// (RFC 6455, Section 5.2): 125/126 and 65535/65536.
var benchLens = []int64{125, 126, 65535, 65536}

var sinkHeader Header

func BenchmarkParseHeader(b *testing.B) {
	for _, n := range benchLens {
		for _, masked := range []bool{false, true} {
			name := strconv.FormatInt(n, 10)
			if masked {
				name += "/masked"
			}
			b.Run(name, func(b *testing.B) {
				buf := AppendHeader(nil, Header{Fin: true, Opcode: OpBinary, Masked: masked, MaskKey: [4]byte{1, 2, 3, 4}, PayloadLen: n})
				b.ReportAllocs()
				for b.Loop() {
					h, _, err := ParseHeader(buf)
					if err != nil {
						b.Fatal(err)
					}
					sinkHeader = h
				}
			})
		}
	}
}

func BenchmarkAppendHeader(b *testing.B) {
	for _, n := range benchLens {
		b.Run(strconv.FormatInt(n, 10), func(b *testing.B) {
			h := Header{Fin: true, Opcode: OpBinary, Masked: true, MaskKey: [4]byte{1, 2, 3, 4}, PayloadLen: n}
			dst := make([]byte, 0, MaxHeaderLen)
			b.ReportAllocs()
			for b.Loop() {
				dst = AppendHeader(dst[:0], h)
			}
		})
	}
}

func BenchmarkSequenceNext(b *testing.B) {
	hs := []Header{{Opcode: OpText, Masked: true}, {Fin: true, Opcode: OpPing, Masked: true}, {Fin: true, Opcode: OpContinuation, Masked: true}}
	s := Sequence{FromClient: true}
	b.ReportAllocs()
	for b.Loop() {
		for _, h := range hs {
			if err := s.Next(h); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkReader reads one masked frame per iteration into a reused buffer.
func BenchmarkReader(b *testing.B) {
	for _, n := range []int{16, 1 << 10, 64 << 10} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			var w bytes.Buffer
			if err := NewWriter(&w).WriteFrame(Header{Fin: true, Opcode: OpBinary, Masked: true, MaskKey: [4]byte{1, 2, 3, 4}}, make([]byte, n)); err != nil {
				b.Fatal(err)
			}
			wire := w.Bytes()
			r := bytes.NewReader(wire)
			fr := NewReader(r)
			buf := make([]byte, n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				r.Reset(wire)
				if _, err := fr.ReadHeader(); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(fr, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWriter writes one masked frame per iteration.
func BenchmarkWriter(b *testing.B) {
	for _, n := range []int{16, 1 << 10, 64 << 10} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			fw := NewWriter(io.Discard)
			p := make([]byte, n)
			h := Header{Fin: true, Opcode: OpBinary, Masked: true, MaskKey: [4]byte{1, 2, 3, 4}}
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if err := fw.WriteFrame(h, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
