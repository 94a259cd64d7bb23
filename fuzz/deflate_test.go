package fuzz_test

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/rfc6455/ws/internal/deflate"
	"github.com/rfc6455/ws/internal/deflate/deflatetest"
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

// FuzzDeflateReader inflates arbitrary bytes as a message, after an
// arbitrary history, with an arbitrary window and limit.
// Property: no panic; the result is the reference decoder's
// (deflatetest.Inflate, written from RFC 1951 apart from Reader): the same
// bytes, then an error exactly when it reports one, or ErrTooLarge at
// exactly the limit when its output is longer. Every error is ErrCorrupt
// or ErrTooLarge. When Reader accepts a message, compress/flate inflates
// it (payload + 00 00 ff ff, RFC 7692, Section 7.2.2) to the same bytes:
// compress/flate is more lenient (it has no window below 32 KiB, takes
// anything after a final block, accepts a lone 1-bit code in any table),
// so only that direction holds.
func FuzzDeflateReader(f *testing.F) {
	f.Add([]byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, uint8(15), uint16(0), uint16(0xffff)) // RFC 7692, Section 7.2.3.1
	f.Add([]byte{0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}, uint8(8), uint16(0), uint16(3))
	f.Add([]byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}, uint8(15), uint16(0), uint16(0xffff)) // BFINAL set, 7.2.3.4
	f.Add([]byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00}, uint8(15), uint16(0), uint16(0xffff))
	f.Add([]byte{0xf2, 0x00, 0x11, 0x00, 0x00}, uint8(9), uint16(5), uint16(0xffff)) // "Hello" again, from the history
	f.Add([]byte{0x07}, uint8(15), uint16(0), uint16(0xffff))
	f.Add([]byte{0x01}, uint8(15), uint16(0), uint16(0xffff)) // final empty stored block, LEN/NLEN stripped
	f.Fuzz(func(t *testing.T, data []byte, bits uint8, hist uint16, limit uint16) {
		// Longer inputs reach no new state, and the fuzzer's minimizer,
		// quadratic in the input's length, would spend minutes on each.
		data = data[:min(len(data), maxFuzzInput)]
		wb := deflate.MinWindowBits + int(bits)%(deflate.MaxWindowBits-deflate.MinWindowBits+1)
		r, _ := deflate.NewReader(wb, true)
		history := historyOf(t, r, int(hist)%(33<<10)) // a little more than the largest window
		r.Start(bytes.NewReader(data), int64(limit))
		got, err := io.ReadAll(r)
		if len(got) > int(limit) {
			t.Fatalf("read %d bytes over the %d limit", len(got), limit)
		}
		if err != nil && !errors.Is(err, deflate.ErrCorrupt) && !errors.Is(err, deflate.ErrTooLarge) {
			t.Fatalf("untyped error %v", err)
		}
		want, werr := deflatetest.Inflate(data, history, 1<<wb, int(limit))
		if (err == nil) != (werr == nil) || errors.Is(err, deflate.ErrTooLarge) != (werr == deflatetest.ErrLimit) || !bytes.Equal(got, want) {
			t.Fatalf("Reader: %d bytes, %v; reference: %d bytes, %v", len(got), err, len(want), werr)
		}
		if err != nil {
			return
		}
		std, serr := io.ReadAll(flate.NewReaderDict(io.MultiReader(bytes.NewReader(data),
			strings.NewReader("\x00\x00\xff\xff\x01\x00\x00\xff\xff")), history))
		if serr != nil || !bytes.Equal(std, got) {
			t.Fatalf("Reader: %d bytes; compress/flate: %d bytes, %v", len(got), len(std), serr)
		}
	})
}

// historyOf gives r, a Reader with context takeover, a first message of n
// bytes (stored blocks of text), and returns them.
func historyOf(t *testing.T, r *deflate.Reader, n int) []byte {
	t.Helper()
	if n == 0 {
		return nil
	}
	h := []byte(strings.Repeat("Hello, history. ", 1+n/16)[:n])
	var msg []byte
	for p := h; len(p) > 0; {
		k := min(len(p), 65535)
		msg = append(msg, 0x00, byte(k), byte(k>>8), ^byte(k), ^byte(k>>8))
		msg = append(msg, p[:k]...)
		p = p[k:]
	}
	msg = append(msg, 0x00)
	r.Start(bytes.NewReader(msg), -1)
	if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, h) {
		t.Fatalf("history message: %d bytes, %v", len(got), err)
	}
	return h
}

// FuzzDeflateReaderResume inflates arbitrary bytes from a source that
// stops with an error (os.ErrDeadlineExceeded or another) at points the
// input chooses, sometimes along with bytes, and with reads of sizes it
// chooses. Property: after each such error Read can go on, and the bytes
// and the final result (io.EOF, or the same error) are those of the same
// message read without interruption.
func FuzzDeflateReaderResume(f *testing.F) {
	f.Add([]byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, []byte{1, 0x81, 1, 0x81, 1}, uint8(15), false)
	f.Add([]byte{0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}, []byte{0x83, 0xc1, 2}, uint8(8), true)
	f.Add([]byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}, []byte{0x81}, uint8(15), false)
	f.Add([]byte{0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00}, []byte{0x81, 0x41, 3}, uint8(12), true)
	w, _ := deflate.NewWriter(9, false)
	for _, m := range []string{strings.Repeat("{\"k\":[1,2,3]},", 300), "abcabcabcabd", strings.Repeat("x", 5000)} {
		var buf bytes.Buffer
		w.Start(&buf)
		w.Write([]byte(m))
		w.Close()
		f.Add(buf.Bytes(), []byte{0x81, 0x82, 7, 0xc3, 1, 0x80}, uint8(9), true)
	}
	f.Fuzz(func(t *testing.T, data, plan []byte, bits uint8, small bool) {
		data = data[:min(len(data), maxFuzzInput)]
		wb := deflate.MinWindowBits + int(bits)%(deflate.MaxWindowBits-deflate.MinWindowBits+1)
		const limit = 64 << 10
		r, _ := deflate.NewReader(wb, false)
		r.Start(bytes.NewReader(data), limit)
		want, werr := io.ReadAll(r)

		// Each plan byte is one source read: bit 7 set, an error first
		// (bit 6: with the bytes of the read); the low 6 bits are the
		// read's size (0: all that fits). The plan repeats.
		src := &plannedSource{data: data, plan: plan}
		r.Start(src, limit)
		var got []byte
		buf := make([]byte, 1<<16)
		size := 0
		maxReads := len(want) + 4*len(data) + 100
		for range maxReads {
			n := len(buf)
			if small {
				size = size%7 + 1
				n = size
			}
			k, err := r.Read(buf[:n])
			if k > 0 && err != nil {
				t.Fatalf("Read = %d, %v: bytes and an error together", k, err)
			}
			got = append(got, buf[:k]...)
			if err == nil || err == errInterrupted || err == os.ErrDeadlineExceeded {
				continue
			}
			if err == io.EOF {
				err = nil
			}
			if err != werr || !bytes.Equal(got, want) {
				t.Fatalf("interrupted: %d bytes, %v; in one go: %d bytes, %v", len(got), err, len(want), werr)
			}
			return
		}
		t.Fatalf("no end after %d reads", maxReads)
	})
}

var errInterrupted = errors.New("interrupted")

// maxFuzzInput bounds the compressed input of the inflater's fuzz targets.
const maxFuzzInput = 512

// plannedSource returns data in reads that follow plan (see
// FuzzDeflateReaderResume).
type plannedSource struct {
	data    []byte
	plan    []byte
	i       int
	errDone bool // the error of the current plan step was returned
}

func (s *plannedSource) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	step := byte(0)
	if len(s.plan) > 0 {
		step = s.plan[s.i%len(s.plan)]
	}
	size := int(step & 63)
	if size == 0 {
		size = len(p)
	}
	var err error
	if step&0x80 != 0 && !s.errDone {
		err = errInterrupted
		if s.i%2 == 1 {
			err = os.ErrDeadlineExceeded
		}
		if step&0x40 == 0 {
			s.errDone = true
			return 0, err
		}
	}
	s.errDone = false
	s.i++
	n := copy(p[:min(len(p), size)], s.data)
	s.data = s.data[n:]
	return n, err
}
