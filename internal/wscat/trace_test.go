package wscat

import (
	"slices"
	"strings"
	"testing"

	"github.com/rfc6455/ws/frame"
)

func traceAll(chunks ...[]byte) []string {
	var lines []string
	t := newFrameTrace(">", func(s string) { lines = append(lines, s) })
	for _, c := range chunks {
		t.feed(c)
	}
	return lines
}

func TestFrameTrace(t *testing.T) {
	t.Parallel()
	// RFC 6455, Section 5.7 examples, back to back.
	var stream []byte
	stream = append(stream, 0x81, 0x05, 'H', 'e', 'l', 'l', 'o')                                          // unmasked text
	stream = append(stream, 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58)             // masked text
	stream = append(stream, 0x01, 0x03, 'H', 'e', 'l', 0x80, 0x02, 'l', 'o')                              // fragmented
	stream = append(stream, 0x89, 0x05, 'H', 'e', 'l', 'l', 'o')                                          // ping
	stream = frame.AppendHeader(stream, frame.Header{Fin: true, Opcode: frame.OpBinary, PayloadLen: 256}) // 16-bit length
	stream = append(stream, make([]byte, 256)...)
	stream = append(stream, 0x88, 0x00)                            // empty close
	stream = append(stream, 0x88, 0x05, 0x03, 0xe9, 'b', 'y', 'e') // close 1001 "bye"
	stream = append(stream, 0xc1, 0x01, 'x')                       // RSV1 set
	want := []string{
		`> FIN=1 RSV=000 opcode=0x1 (text) MASK=0 len=5 "Hello"`,
		`> FIN=1 RSV=000 opcode=0x1 (text) MASK=1 key=37fa213d len=5 "Hello"`,
		`> FIN=0 RSV=000 opcode=0x1 (text) MASK=0 len=3 "Hel"`,
		`> FIN=1 RSV=000 opcode=0x0 (continuation) MASK=0 len=2 "lo"`,
		`> FIN=1 RSV=000 opcode=0x9 (ping) MASK=0 len=5 "Hello"`,
		`> FIN=1 RSV=000 opcode=0x2 (binary) MASK=0 len=256 ` + strings.Repeat("00", 40) + `...`,
		`> FIN=1 RSV=000 opcode=0x8 (close) MASK=0 len=0 code=` + frame.CloseNoStatus.String(),
		`> FIN=1 RSV=000 opcode=0x8 (close) MASK=0 len=5 code=` + frame.CloseGoingAway.String() + ` reason="bye"`,
		`> FIN=1 RSV=100 opcode=0x1 (text) MASK=0 len=1 78`,
	}
	if got := traceAll(stream); !slices.Equal(got, want) {
		t.Errorf("trace of the whole stream:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Any split of the stream gives the same lines.
	for _, size := range []int{1, 2, 3, 7, 13} {
		var chunks [][]byte
		for b := stream; len(b) > 0; b = b[min(size, len(b)):] {
			chunks = append(chunks, b[:min(size, len(b))])
		}
		if got := traceAll(chunks...); !slices.Equal(got, want) {
			t.Errorf("trace in %d-byte pieces:\n%s", size, strings.Join(got, "\n"))
		}
	}
}

func TestFrameTraceInvalid(t *testing.T) {
	t.Parallel()
	// Opcode 0x3 is reserved (RFC 6455, Section 5.2): reported, then tracing stops.
	got := traceAll([]byte{0x81, 0x00, 0x83, 0x00, 0x81, 0x00})
	if len(got) != 2 || !strings.Contains(got[1], "invalid frame") || !strings.Contains(got[1], "8300") {
		t.Errorf("trace = %q, want one frame then an invalid-frame line", got)
	}
}
