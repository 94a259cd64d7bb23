package frame

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestWriterReaderRoundTrip(t *testing.T) {
	t.Parallel()
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	payloads := [][]byte{nil, []byte("Hello"), bytes.Repeat([]byte{7}, 126), bytes.Repeat([]byte("ab"), 40000), bytes.Repeat([]byte{1}, 65536)}
	for _, masked := range []bool{false, true} {
		var wire bytes.Buffer
		fw := NewWriter(&wire)
		for i, p := range payloads {
			orig := bytes.Clone(p)
			h := Header{Fin: true, Opcode: OpBinary, Masked: masked, MaskKey: key}
			if err := fw.WriteFrame(h, p); err != nil {
				t.Fatalf("WriteFrame %d: %v", i, err)
			}
			if !bytes.Equal(p, orig) {
				t.Fatalf("WriteFrame modified the caller's payload")
			}
		}
		fr := NewReader(iotest.HalfReader(&wire))
		for i, p := range payloads {
			h, err := fr.ReadHeader()
			if err != nil {
				t.Fatalf("ReadHeader %d: %v", i, err)
			}
			if h.PayloadLen != int64(len(p)) || h.Masked != masked {
				t.Fatalf("ReadHeader %d = %+v", i, h)
			}
			got, err := io.ReadAll(fr)
			if err != nil || !bytes.Equal(got, p) {
				t.Fatalf("payload %d (masked %v): %d bytes, err %v; want %d bytes", i, masked, len(got), err, len(p))
			}
		}
		if _, err := fr.ReadHeader(); err != io.EOF {
			t.Fatalf("ReadHeader at end = %v, want io.EOF", err)
		}
	}
}

func TestWriterSection57(t *testing.T) {
	t.Parallel()
	var wire bytes.Buffer
	fw := NewWriter(&wire)
	if err := fw.WriteFrame(Header{Fin: true, Opcode: OpText, Masked: true, MaskKey: [4]byte{0x37, 0xfa, 0x21, 0x3d}}, []byte("Hello")); err != nil {
		t.Fatal(err)
	}
	want := []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}
	if !bytes.Equal(wire.Bytes(), want) {
		t.Fatalf("WriteFrame = % x, want % x", wire.Bytes(), want)
	}
}

func TestWriterRefusesInvalid(t *testing.T) {
	t.Parallel()
	var wire bytes.Buffer
	fw := NewWriter(&wire)
	if err := fw.WriteFrame(Header{Fin: true, Opcode: OpPing}, make([]byte, 126)); !errors.Is(err, ErrControlTooLong) {
		t.Fatalf("WriteFrame(ping, 126 bytes) = %v, want ErrControlTooLong", err)
	}
	if err := fw.WriteFrame(Header{Opcode: OpClose}, nil); !errors.Is(err, ErrControlFragmented) {
		t.Fatalf("WriteFrame(close, no FIN) = %v, want ErrControlFragmented", err)
	}
	if wire.Len() != 0 {
		t.Fatalf("refused frames wrote %d bytes", wire.Len())
	}
}

func TestReaderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty stream", nil, io.EOF},
		{"cut in header", []byte{0x81}, io.ErrUnexpectedEOF},
		{"cut in extended length", []byte{0x82, 0x7e, 0x01}, io.ErrUnexpectedEOF},
		{"reserved opcode reported after two bytes", []byte{0x83, 0x7f}, ErrReservedOpcode},
		{"non-minimal length", []byte{0x82, 0x7e, 0x00, 0x01}, ErrNonMinimalLength},
	}
	for _, tt := range tests {
		fr := NewReader(bytes.NewReader(tt.in))
		if _, err := fr.ReadHeader(); !errors.Is(err, tt.want) {
			t.Errorf("%s: ReadHeader = %v, want %v", tt.name, err, tt.want)
		}
	}
	// Payload cut short.
	fr := NewReader(bytes.NewReader([]byte{0x81, 0x05, 'H', 'e'}))
	if _, err := fr.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(fr); err != io.ErrUnexpectedEOF {
		t.Fatalf("ReadAll of cut payload = %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestReaderSkipsUnreadPayload(t *testing.T) {
	t.Parallel()
	wire := []byte{0x82, 0x03, 1, 2, 3, 0x89, 0x01, 'p'}
	fr := NewReader(bytes.NewReader(wire))
	if _, err := fr.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	var one [1]byte
	if n, err := fr.Read(one[:]); n != 1 || err != nil {
		t.Fatalf("Read = %d, %v", n, err)
	}
	if fr.Remaining() != 2 {
		t.Fatalf("Remaining = %d, want 2", fr.Remaining())
	}
	h, err := fr.ReadHeader()
	if err != nil || h.Opcode != OpPing {
		t.Fatalf("ReadHeader = %+v, %v; want ping", h, err)
	}
	p, err := io.ReadAll(fr)
	if err != nil || string(p) != "p" {
		t.Fatalf("ping payload = %q, %v", p, err)
	}
}

// failWriter fails after accepting limit bytes.
type failWriter struct{ limit int }

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.limit {
		n := w.limit
		w.limit = 0
		return n, errors.New("write failed")
	}
	w.limit -= len(p)
	return len(p), nil
}

func TestWriterReportsWriteErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		masked bool
		n      int
		limit  int
	}{
		{"small frame", false, 10, 5},
		{"large unmasked, header fails", false, 20000, 2},
		{"large unmasked, payload fails", false, 20000, 100},
		{"large masked, second chunk fails", true, 40000, 20000},
	} {
		fw := NewWriter(&failWriter{limit: tt.limit})
		err := fw.WriteFrame(Header{Fin: true, Opcode: OpBinary, Masked: tt.masked}, make([]byte, tt.n))
		if err == nil || err.Error() != "write failed" {
			t.Errorf("%s: WriteFrame = %v, want the writer's error", tt.name, err)
		}
	}
}

func TestReaderOneByteAtATime(t *testing.T) {
	t.Parallel()
	payload := []byte("Hello, one byte at a time: masking resumes at every offset")
	var wire bytes.Buffer
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	if err := NewWriter(&wire).WriteFrame(Header{Fin: true, Opcode: OpText, Masked: true, MaskKey: key}, payload); err != nil {
		t.Fatal(err)
	}
	fr := NewReader(iotest.OneByteReader(&wire))
	h, err := fr.ReadHeader()
	if err != nil || h.MaskKey != key {
		t.Fatalf("ReadHeader = %+v, %v", h, err)
	}
	got, err := io.ReadAll(fr)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("ReadAll = %q, %v; want %q", got, err, payload)
	}
}

func TestReaderEmptyPayload(t *testing.T) {
	t.Parallel()
	fr := NewReader(bytes.NewReader([]byte{0x88, 0x00}))
	h, err := fr.ReadHeader()
	if err != nil || h.Opcode != OpClose {
		t.Fatalf("ReadHeader = %+v, %v", h, err)
	}
	if n, err := fr.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Fatalf("Read of empty payload = %d, %v; want 0, io.EOF", n, err)
	}
}
