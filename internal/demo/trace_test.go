package demo

import (
	"strings"
	"testing"
)

// TestTracerRFCExample annotates the masked "Hello" of RFC 6455, Section 5.7,
// fed one byte at a time after an HTTP head.
func TestTracerRFCExample(t *testing.T) {
	var items []string
	tr := newTracer(10, true, false, func(s string) { items = append(items, s) })
	in := "GET / HTTP/1.1\r\nHost: x\r\n\r\n" + "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"
	for i := range len(in) {
		tr.feed(true, []byte{in[i]})
	}
	if len(items) != 2 {
		t.Fatalf("got %d items, want 2: %q", len(items), items)
	}
	if want := "GET / HTTP/1.1\nHost: x\n"; !strings.HasSuffix(items[0], want) {
		t.Errorf("HTTP item = %q, want suffix %q", items[0], want)
	}
	for _, want := range []string{
		"# client → server, 11 bytes: a text frame\n",
		"81                                               # FIN=1  RSV1-3=000  opcode=0x1 (text)\n",
		"85                                               # MASK=1  payload length=5 (7-bit form)\n",
		"37 fa 21 3d                                      # masking key\n",
		"7f 9f 4d 51 58                                   # payload: \"Hello\" XOR masking key\n",
	} {
		if !strings.Contains(items[1], want) {
			t.Errorf("frame item = \n%s\nwant it to contain %q", items[1], want)
		}
	}
}

// TestTracerLongFrames checks the 16-bit length form and a close body.
func TestTracerLongFrames(t *testing.T) {
	var items []string
	tr := newTracer(10, false, false, func(s string) { items = append(items, s) })
	p := append([]byte{0x82, 0x7e, 0x00, 0x7e}, make([]byte, 126)...)
	p = append(p, 0x88, 0x02, 0x03, 0xe9)
	tr.feed(false, p)
	if len(items) != 2 {
		t.Fatalf("got %d items, want 2: %q", len(items), items)
	}
	if !strings.Contains(items[0], "00 7e                                            # payload length=126 (16-bit form)") {
		t.Errorf("binary frame item:\n%s", items[0])
	}
	if !strings.Contains(items[1], `close body: code 1001 (`) {
		t.Errorf("close frame item:\n%s", items[1])
	}
}
