package wstest

import (
	"bytes"
	"strings"
	"testing"
)

const sample = `# RFC 6455, Section 5.7: a single-frame masked text message, "Hello".
@from client
@want ok
81              # FIN=1  RSV1-3=000  opcode=0x1 (text)
85              # MASK=1  payload length=5 (7-bit form)
37 fa 21 3d     # masking key
7f 9f 4d 51 58  # payload: "Hello" XOR masking key
@fill 3 ab
`

func TestParseFixture(t *testing.T) {
	t.Parallel()
	f, err := ParseFixture("x/5.7_hello.hex", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58, 0xab, 0xab, 0xab}
	if !bytes.Equal(f.Bytes, want) {
		t.Fatalf("Bytes = % x, want % x", f.Bytes, want)
	}
	if f.Name != "5.7_hello" || f.Get("from") != "client" || f.Get("want") != "ok" {
		t.Fatalf("Name %q, from %q, want %q", f.Name, f.Get("from"), f.Get("want"))
	}
	if ln := f.Lines[5]; ln.Off != 2 || ln.End != 6 || ln.Comment != "masking key" {
		t.Fatalf("line 6 = %+v", ln)
	}
	// Format with the same comments reproduces the bytes.
	g, err := ParseFixture("y", f.Format(func(l Line) string { return l.Comment }))
	if err != nil || !bytes.Equal(g.Bytes, f.Bytes) {
		t.Fatalf("Format round trip: % x, %v", g.Bytes, err)
	}
}

func TestParseFixtureErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"81 8\n", "zz\n", "@fill 3\n", "@fill x ab\n", "@fill 3 abc\n"} {
		_, err := ParseFixture("bad.hex", []byte("# c\n"+in))
		if err == nil || !strings.HasPrefix(err.Error(), "bad.hex:2: ") {
			t.Errorf("ParseFixture(%q) err = %v, want bad.hex:2: ...", in, err)
		}
	}
}

func TestPipe(t *testing.T) {
	t.Parallel()
	c, s := Pipe(t)
	go func() {
		c.Write([]byte("ping"))
	}()
	buf := make([]byte, 4)
	if _, err := s.Read(buf); err != nil || string(buf) != "ping" {
		t.Fatalf("Read = %q, %v", buf, err)
	}
}
