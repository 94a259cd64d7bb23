package handshake

import (
	"bufio"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

// A head that arrives one byte per read is found where a head read whole
// is: peekHead resumes its scan instead of starting over at every byte,
// and the ignored empty line, the limits and the bytes after the head come
// out the same.
func TestPeekHeadByteAtATime(t *testing.T) {
	head := "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\r\n"
	for _, tc := range []struct {
		name, in  string
		skip, end int
		lines     int
		tooLarge  bool
	}{
		{"plain", head + "\x81\x00", 0, len(head), 3, false},
		{"leading CRLF", "\r\n" + head, 2, 2 + len(head), 3, false},
		{"leading LF", "\n" + head, 1, 1 + len(head), 3, false},
		{"too many lines", "GET / HTTP/1.1\r\n" + strings.Repeat("A: b\r\n", MaxHeaderLines+1) + "\r\n", 0, 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, slow := range []bool{false, true} {
				br := bufio.NewReaderSize(strings.NewReader(tc.in), 8<<10)
				if slow {
					br = bufio.NewReaderSize(iotest.OneByteReader(strings.NewReader(tc.in)), 8<<10)
				}
				_, skip, end, lines, err := peekHead(br)
				if tc.tooLarge {
					if !errors.Is(err, ErrHeaderTooLarge) {
						t.Fatalf("slow=%v: err %v, want ErrHeaderTooLarge", slow, err)
					}
					continue
				}
				if err != nil || skip != tc.skip || end != tc.end || lines != tc.lines {
					t.Fatalf("slow=%v: skip %d end %d lines %d err %v, want %d %d %d", slow, skip, end, lines, err, tc.skip, tc.end, tc.lines)
				}
			}
		})
	}
}
