// Command wsframe annotates WebSocket frames given as hex, in the fixture
// format of testdata/frames: one wire field per line, with a comment saying
// what it is (RFC 6455, Section 5.2). It reads hex from its arguments or,
// with none, from standard input; '#' comments and '@' lines in the input
// are ignored, so a fixture can be fed back in. Several frames in a row are
// annotated one after the other.
//
//	go run ./cmd/wsframe -annotate 81 85 37 fa 21 3d 7f 9f 4d 51 58
//	go run ./cmd/wsframe -annotate -from server < testdata/frames/5.7_unmasked_ping.hex
//
// -annotate is the default (and only) mode; the flag exists so the command
// line reads as STYLE.md, section 5.2 writes it.
package main

import (
	"bufio"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rfc6455/ws/frame"
)

func main() {
	flag.Bool("annotate", true, "print the frames as annotated hex (the default)")
	from := flag.String("from", "", "client or server: also check the masking rule of RFC 6455, Section 5.1")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: wsframe [-annotate] [-from client|server] [hex ...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	var src io.Reader = os.Stdin
	if flag.NArg() > 0 {
		src = strings.NewReader(strings.Join(flag.Args(), " "))
	}
	b, err := readHex(src)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wsframe:", err)
		os.Exit(2)
	}
	if err := annotate(os.Stdout, b, *from); err != nil {
		fmt.Fprintln(os.Stderr, "wsframe:", err)
		os.Exit(1)
	}
}

// readHex collects the hex pairs of r, skipping comments and @ lines.
func readHex(r io.Reader) ([]byte, error) {
	var sb strings.Builder
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if strings.HasPrefix(strings.TrimSpace(line), "@") {
			continue
		}
		sb.WriteString(strings.Join(strings.Fields(line), ""))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return hex.DecodeString(sb.String())
}

// annotate prints each frame of b, then the verdict of frame.ParseHeader
// (and of frame.Sequence when from is given) as an @want line.
func annotate(w io.Writer, b []byte, from string) error {
	s := frame.Sequence{FromClient: from == "client", AllowedRSV: frame.RSV1 | frame.RSV2 | frame.RSV3}
	for len(b) > 0 {
		v := verdict(b, from, &s)
		fmt.Fprintln(w, "@want", v)
		fields := frame.Fields(b)
		end := 0
		for _, f := range fields {
			fmt.Fprintf(w, "%-24s# %s\n", spaced(b[f.Off:f.End]), f.Note)
			end = f.End
		}
		if end == 0 {
			return errors.New("no frame")
		}
		if v != "ok" {
			// A broken or cut-short frame: whatever follows is not a frame boundary.
			if end < len(b) {
				fmt.Fprintf(w, "%-24s# not decoded\n", spaced(b[end:]))
			}
			return nil
		}
		b = b[end:]
		if len(b) > 0 {
			fmt.Fprintln(w)
		}
	}
	return nil
}

func verdict(b []byte, from string, s *frame.Sequence) string {
	h, n, err := frame.ParseHeader(b)
	if err == nil && from != "" {
		err = s.Next(h)
	}
	var pe frame.ProtocolError
	switch {
	case errors.As(err, &pe):
		return fmt.Sprintf("error %d %s  # %s", pe.Code, pe.Section, pe.Reason)
	case err != nil:
		return "incomplete  # " + err.Error()
	case int64(len(b)-n) < h.PayloadLen:
		return fmt.Sprintf("incomplete  # %d of %d payload bytes", len(b)-n, h.PayloadLen)
	}
	return "ok"
}

// spaced formats b as space-separated hex pairs.
func spaced(b []byte) string {
	s := hex.EncodeToString(b)
	var sb strings.Builder
	for i := 0; i < len(s); i += 2 {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(s[i : i+2])
	}
	return sb.String()
}
