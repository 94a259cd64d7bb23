package fuzz_test

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/rfc6455/ws/internal/deflate"
)

// FuzzDeflateWriter compresses arbitrary data, cut into arbitrary writes and
// messages, at an arbitrary window size, with and without context takeover.
// Property: compress/flate inflates every message (payload + 00 00 ff ff,
// RFC 7692, Section 7.2.2) back to the input, and our Reader does too.
func FuzzDeflateWriter(f *testing.F) {
	f.Add([]byte("Hello"), uint8(15), true, uint16(0))
	f.Add([]byte{}, uint8(8), false, uint16(1))
	f.Add(bytes.Repeat([]byte("abcabcabd"), 200), uint8(8), true, uint16(7)) // repeats longer than a 2^8 window
	f.Add(bytes.Repeat([]byte{0}, 70000), uint8(9), true, uint16(1000))      // runs of the longest match
	f.Add([]byte(strings.Repeat("{\"k\":[1,2,3]},", 300)), uint8(12), false, uint16(33))
	f.Fuzz(func(t *testing.T, data []byte, bits uint8, takeover bool, split uint16) {
		wb := deflate.MinWindowBits + int(bits)%(deflate.MaxWindowBits-deflate.MinWindowBits+1)
		w, err := deflate.NewWriter(wb, takeover)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := deflate.NewReader(wb, takeover)
		// Three messages: the data, its second half, the data again.
		msgs := [][]byte{data, data[len(data)/2:], data}
		var hist []byte
		for i, m := range msgs {
			var buf bytes.Buffer
			w.Start(&buf)
			for p := m; len(p) > 0; {
				n := len(p)
				if split > 0 {
					n = min(n, int(split))
				}
				if _, err := w.Write(p[:n]); err != nil {
					t.Fatal(err)
				}
				p = p[n:]
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			var dict []byte
			if takeover {
				dict = hist[max(0, len(hist)-(1<<wb)):]
			}
			fr := flate.NewReaderDict(io.MultiReader(bytes.NewReader(buf.Bytes()), strings.NewReader("\x00\x00\xff\xff")), dict)
			got, err := io.ReadAll(fr)
			if err != io.ErrUnexpectedEOF || !bytes.Equal(got, m) {
				t.Fatalf("message %d (bits %d, takeover %v): compress/flate gave %d bytes, %v; want %d bytes", i, wb, takeover, len(got), err, len(m))
			}
			r.Start(bytes.NewReader(buf.Bytes()), int64(len(m)))
			got, err = io.ReadAll(r)
			if err != nil || !bytes.Equal(got, m) {
				t.Fatalf("message %d: Reader gave %d bytes, %v; want %d bytes", i, len(got), err, len(m))
			}
			hist = append(hist, m...)
		}
	})
}

// FuzzDeflateReader inflates arbitrary bytes as a message.
// Property: no panic; the result is compress/flate's (same bytes, and an
// error exactly when compress/flate fails), never more than the limit, and
// every error is one of ours or io.EOF.
func FuzzDeflateReader(f *testing.F) {
	f.Add([]byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}) // RFC 7692, Section 7.2.3.1
	f.Add([]byte{0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00})
	f.Add([]byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00})
	f.Add([]byte{0x07})
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 1 << 16
		r, _ := deflate.NewReader(15, false)
		r.Start(bytes.NewReader(data), limit)
		got, err := io.ReadAll(r)
		if len(got) > limit {
			t.Fatalf("read %d bytes over the %d limit", len(got), limit)
		}
		if err != nil && !errors.Is(err, deflate.ErrCorrupt) && !errors.Is(err, deflate.ErrTooLarge) {
			t.Fatalf("untyped error %v", err)
		}
		want, werr := io.ReadAll(io.LimitReader(flate.NewReader(io.MultiReader(bytes.NewReader(data),
			strings.NewReader("\x00\x00\xff\xff\x01\x00\x00\xff\xff"))), limit+1))
		if errors.Is(err, deflate.ErrTooLarge) {
			if len(want) <= limit {
				t.Fatalf("ErrTooLarge, but compress/flate gave %d bytes", len(want))
			}
			return
		}
		if (err == nil) != (werr == nil) || (err == nil && !bytes.Equal(got, want)) {
			t.Fatalf("Reader: %d bytes, %v; compress/flate: %d bytes, %v", len(got), err, len(want), werr)
		}
	})
}
