// Package fuzz holds the native Go fuzz targets of the module (only _test.go
// files). Each target states its property. Seeds are the golden fixtures of
// testdata/frames plus commented inline cases; crashers are committed under
// testdata/fuzz/<Target>/ with a name that says what they are. Run one with
//
//	go test ./fuzz -run '^$' -fuzz '^FuzzParseHeader$' -fuzztime 60s
package fuzz

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/internal/wstest"
)

// frameFixtureSeeds returns the bytes of every testdata/frames fixture, longest
// payloads cut to keep the corpus small (the header is what matters).
func frameFixtureSeeds(f *testing.F) [][]byte {
	var out [][]byte
	for _, fx := range wstest.Fixtures(f, filepath.Join(wstest.RepoRoot(f), "testdata", "frames")) {
		b := fx.Bytes
		if len(b) > 300 {
			b = b[:300]
		}
		out = append(out, b)
	}
	return out
}

// frameErrTyped reports whether err is one of the errors frame documents for
// decoding: a ProtocolError or ErrShortHeader.
func frameErrTyped(err error) bool {
	var pe frame.ProtocolError
	return errors.As(err, &pe) || errors.Is(err, frame.ErrShortHeader)
}

// FuzzParseHeader: Property: ParseHeader (and ParseHeaderInto, Fields) never panics and never reads past
// its input (it sees a slice whose capacity ends at its length); every
// error is a ProtocolError or ErrShortHeader and consumes nothing; an
// accepted header uses n bytes, depends only on them, re-encodes to them
// byte for byte with AppendHeader, and every shorter prefix is reported as
// ErrShortHeader.
func FuzzParseHeader(f *testing.F) {
	for _, b := range frameFixtureSeeds(f) {
		f.Add(b)
	}
	f.Add([]byte{})                                   // nothing yet
	f.Add([]byte{0x82, 0x7e, 0x00})                   // 16-bit length cut short
	f.Add([]byte{0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0}) // masked 64-bit form without its key
	f.Add([]byte{0x88, 0xfe, 0x00, 0x7e})             // masked close, 16-bit form: too long
	f.Add([]byte{0x02, 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		data = data[:len(data):len(data)]
		// Fields labels any bytes: contiguous, in bounds, never panics.
		end := 0
		for _, fl := range frame.Fields(data) {
			if fl.Off != end || fl.End <= fl.Off || fl.End > len(data) {
				t.Fatalf("Fields(% x): field [%d:%d] after %d", data, fl.Off, fl.End, end)
			}
			end = fl.End
		}
		h, n, err := frame.ParseHeader(data)
		// ParseHeaderInto agrees, and leaves its target alone on error.
		sentinel := frame.Header{Opcode: 0x7, PayloadLen: -1}
		into := sentinel
		if n2, err2 := frame.ParseHeaderInto(&into, data); n2 != n || err2 != err || (err == nil && into != h) || (err != nil && into != sentinel) {
			t.Fatalf("ParseHeaderInto(% x) = %+v, %d, %v; ParseHeader = %+v, %d, %v", data, into, n2, err2, h, n, err)
		}
		if err != nil {
			if !frameErrTyped(err) {
				t.Fatalf("ParseHeader(% x): untyped error %v", data, err)
			}
			if n != 0 || h != (frame.Header{}) {
				t.Fatalf("ParseHeader(% x) = %+v, %d on error %v; want zero values", data, h, n, err)
			}
			return
		}
		if n < 2 || n > frame.MaxHeaderLen || n > len(data) {
			t.Fatalf("ParseHeader(% x) used %d bytes", data, n)
		}
		enc := frame.AppendHeader(nil, h)
		if !bytes.Equal(enc, data[:n]) {
			t.Fatalf("ParseHeader(% x) = %+v; re-encodes to % x", data[:n], h, enc)
		}
		h2, n2, err := frame.ParseHeader(data[:n:n])
		if err != nil || h2 != h || n2 != n {
			t.Fatalf("ParseHeader of its own %d bytes = %+v, %d, %v; want %+v", n, h2, n2, err, h)
		}
		for i := range n {
			if _, m, err := frame.ParseHeader(data[:i:i]); err != frame.ErrShortHeader && !frameErrTyped(err) || m != 0 {
				t.Fatalf("ParseHeader(prefix % x) = %d, %v", data[:i], m, err)
			}
		}
	})
}

// frameReadAll reads frames from data as one direction of a connection, applying
// Sequence, until the data or a rule runs out. It returns the headers and
// unmasked payloads read, how many bytes they used, and the error that
// stopped it (io.EOF at a clean end).
func frameReadAll(data []byte, fromClient bool) (hs []frame.Header, ps [][]byte, used int, err error) {
	br := bytes.NewReader(data)
	fr := frame.NewReader(br)
	s := frame.Sequence{FromClient: fromClient, AllowedRSV: frame.RSV1}
	for len(hs) < 64 {
		h, err := fr.ReadHeader()
		if err != nil {
			return hs, ps, used, err
		}
		if err := s.Next(h); err != nil {
			return hs, ps, used, err
		}
		p, err := io.ReadAll(fr)
		if err != nil {
			return hs, ps, used, err
		}
		hs, ps = append(hs, h), append(ps, p)
		used = len(data) - br.Len()
	}
	return hs, ps, used, nil
}

// FuzzReadFrame: Property: reading arbitrary bytes through Reader and
// Sequence, as sent by a client or by a server, never panics and stops with
// io.EOF, io.ErrUnexpectedEOF or a ProtocolError; the frames it accepted,
// written back with Writer, give exactly the bytes they came from, and
// decoding those gives the same headers and payloads again.
func FuzzReadFrame(f *testing.F) {
	for _, b := range frameFixtureSeeds(f) {
		f.Add(b, true)
		f.Add(b, false)
	}
	// "Hel", ping, "lo" from a server (Section 5.4: control between fragments).
	f.Add([]byte{0x01, 0x03, 'H', 'e', 'l', 0x89, 0x00, 0x80, 0x02, 'l', 'o'}, false)
	// Two masked frames from a client, the second cut short.
	f.Add([]byte{0x82, 0x81, 1, 2, 3, 4, 5, 0x82, 0x82, 1, 2}, true)
	f.Fuzz(func(t *testing.T, data []byte, fromClient bool) {
		hs, ps, used, err := frameReadAll(data, fromClient)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF && !frameErrTyped(err) {
			t.Fatalf("untyped error %v", err)
		}
		var w bytes.Buffer
		fw := frame.NewWriter(&w)
		for i, h := range hs {
			if err := fw.WriteFrame(h, ps[i]); err != nil {
				t.Fatalf("WriteFrame(%+v) = %v for a frame that was read", h, err)
			}
		}
		if !bytes.Equal(w.Bytes(), data[:used]) {
			t.Fatalf("re-encoded frames differ:\n got % x\nwant % x", w.Bytes(), data[:used])
		}
		hs2, ps2, used2, err := frameReadAll(w.Bytes(), fromClient)
		if err != nil && err != io.EOF || used2 != used || len(hs2) != len(hs) {
			t.Fatalf("second decode: %d frames, %d bytes, %v; want %d frames, %d bytes", len(hs2), used2, err, len(hs), used)
		}
		for i := range hs {
			if hs2[i] != hs[i] || !bytes.Equal(ps2[i], ps[i]) {
				t.Fatalf("frame %d: decoded again as %+v, want %+v", i, hs2[i], hs[i])
			}
		}
	})
}

// FuzzClosePayload: Property: ParseClosePayload never panics; its errors are
// ProtocolErrors; an accepted body re-encodes byte for byte with
// AppendClosePayload; and any (code, reason) AppendClosePayload accepts
// parses back to itself.
func FuzzClosePayload(f *testing.F) {
	f.Add([]byte{}, uint16(1000), "")                           // empty body: 1005
	f.Add([]byte{0x03}, uint16(1005), "x")                      // one byte; 1005 with a reason
	f.Add([]byte{0x03, 0xe8, 'b', 'y', 'e'}, uint16(4999), "κ") // 1000 "bye"
	f.Add([]byte{0x03, 0xe8, 0xed, 0xa0, 0x80}, uint16(1015), "\xff")
	f.Add(append([]byte{0x0f, 0xa0}, bytes.Repeat([]byte{'a'}, 123)...), uint16(3000), string(bytes.Repeat([]byte{'a'}, 124)))
	for _, b := range frameFixtureSeeds(f) {
		if h, n, err := frame.ParseHeader(b); err == nil && h.Opcode == frame.OpClose && !h.Masked {
			f.Add(b[n:], uint16(1000), "")
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, code uint16, reason string) {
		p, err := frame.ParseClosePayload(body)
		if err != nil {
			var pe frame.ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseClosePayload(% x): untyped error %v", body, err)
			}
		} else {
			enc, err := frame.AppendClosePayload(nil, p)
			if err != nil || !bytes.Equal(enc, body) {
				t.Fatalf("ParseClosePayload(% x) = %+v; re-encodes to % x, %v", body, p, enc, err)
			}
		}
		in := frame.ClosePayload{Code: frame.CloseCode(code), Reason: reason}
		enc, err := frame.AppendClosePayload(nil, in)
		if err != nil {
			return
		}
		if len(enc) > 125 {
			t.Fatalf("AppendClosePayload(%+v) made a %d-byte body", in, len(enc))
		}
		back, err := frame.ParseClosePayload(enc)
		if err != nil || back != in {
			t.Fatalf("AppendClosePayload(%+v) parses back as %+v, %v", in, back, err)
		}
	})
}
