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
