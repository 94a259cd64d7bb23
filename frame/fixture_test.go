package frame

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rfc6455/ws/internal/utf8x"
	"github.com/rfc6455/ws/internal/wstest"
)

// rules maps the @rule names used in testdata/frames to the variables of
// errors.go; TestFixtureCoverage checks each has a fixture.
var rules = map[string]ProtocolError{
	"ErrReservedOpcode":         ErrReservedOpcode,
	"ErrReservedBits":           ErrReservedBits,
	"ErrLengthMSBSet":           ErrLengthMSBSet,
	"ErrNonMinimalLength":       ErrNonMinimalLength,
	"ErrMaskRequired":           ErrMaskRequired,
	"ErrMaskUnexpected":         ErrMaskUnexpected,
	"ErrControlFragmented":      ErrControlFragmented,
	"ErrControlTooLong":         ErrControlTooLong,
	"ErrUnexpectedContinuation": ErrUnexpectedContinuation,
	"ErrExpectedContinuation":   ErrExpectedContinuation,
	"ErrCloseBodyOneByte":       ErrCloseBodyOneByte,
	"ErrCloseCodeInvalid":       ErrCloseCodeInvalid,
	"ErrBadCloseReason":         ErrBadCloseReason,
	"ErrInvalidUTF8":            ErrInvalidUTF8,
	"ErrMessageTooBig":          ErrMessageTooBig,
}

func loadFixtures(t *testing.T) map[string]*wstest.Fixture {
	t.Helper()
	m := map[string]*wstest.Fixture{}
	for _, f := range wstest.Fixtures(t, filepath.Join(wstest.RepoRoot(t), "testdata", "frames")) {
		m[f.Name] = f
	}
	return m
}

// decoded is one frame of a fixture chain, as the receiver sees it.
type decoded struct {
	h       Header
	payload []byte // unmasked
}

// receive plays the receiving endpoint over the fixtures in chain, in order,
// as one connection: ParseHeader, Sequence, unmasking, close bodies, UTF-8
// of text messages (Section 8.1) and the @limit message size. It returns
// what it decoded and the first error.
func receive(t *testing.T, chain []*wstest.Fixture) ([]decoded, error) {
	t.Helper()
	last := chain[len(chain)-1]
	s := Sequence{FromClient: last.Get("from") == "client"}
	if r := last.Get("rsv"); r != "" {
		for _, c := range strings.Fields(r) {
			n, _ := strconv.Atoi(c)
			s.AllowedRSV |= RSV1 >> (n - 1)
		}
	}
	limit := int64(-1)
	if l := last.Get("limit"); l != "" {
		limit, _ = strconv.ParseInt(l, 10, 64)
	}
	var (
		v          utf8x.Validator
		msgLen     int64
		compressed bool
		out        []decoded
	)
	for _, f := range chain {
		h, n, err := ParseHeader(f.Bytes)
		if err != nil {
			return out, err
		}
		if err := s.Next(h); err != nil {
			return out, err
		}
		if int64(len(f.Bytes)-n) != h.PayloadLen {
			t.Fatalf("%s: payload length %d in the header, %d bytes in the file", f.Path, h.PayloadLen, len(f.Bytes)-n)
		}
		p := bytes.Clone(f.Bytes[n:])
		if h.Masked {
			Mask(h.MaskKey, p, 0)
		}
		out = append(out, decoded{h, p})
		if h.Opcode == OpClose {
			if _, err := ParseClosePayload(p); err != nil {
				return out, err
			}
		}
		if h.Opcode.IsControl() {
			continue
		}
		if h.Opcode != OpContinuation {
			compressed = h.Rsv1 && s.AllowedRSV&RSV1 != 0
			msgLen = 0
			v.Reset()
		}
		msgLen += h.PayloadLen
		if limit >= 0 && msgLen > limit {
			return out, ErrMessageTooBig
		}
		if s.MessageOpcode() == OpText && !compressed {
			if v.Feed(p) >= 0 || (h.Fin && !v.Done()) {
				return out, ErrInvalidUTF8
			}
		}
	}
	return out, nil
}

// chainOf returns the fixtures named by f's @after lines (recursively, in
// order), then f.
func chainOf(t *testing.T, all map[string]*wstest.Fixture, f *wstest.Fixture) []*wstest.Fixture {
	t.Helper()
	var chain []*wstest.Fixture
	for _, a := range f.Meta["after"] {
		for _, name := range strings.Fields(a) {
			g, ok := all[name]
			if !ok {
				t.Fatalf("%s: @after %s: no such fixture", f.Path, name)
			}
			chain = append(chain, chainOf(t, all, g)...)
		}
	}
	return append(chain, f)
}

// TestFixturesDecode decodes every fixture and checks its @want (and @rule).
func TestFixturesDecode(t *testing.T) {
	t.Parallel()
	all := loadFixtures(t)
	for name, f := range all {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want := strings.Fields(f.Get("want"))
			if len(want) == 0 || f.Get("from") != "client" && f.Get("from") != "server" {
				t.Fatalf("%s: needs @from client|server and @want", f.Path)
			}
			_, err := receive(t, chainOf(t, all, f))
			switch want[0] {
			case "ok":
				if err != nil {
					t.Fatalf("%s: decode error %v, want ok\n%s", f.Path, err, hex.Dump(f.Bytes[:min(len(f.Bytes), 64)]))
				}
			case "error":
				if len(want) != 3 {
					t.Fatalf("%s: @want error needs a code and a section", f.Path)
				}
				var pe ProtocolError
				if !errors.As(err, &pe) {
					t.Fatalf("%s: decode error %v, want a ProtocolError", f.Path, err)
				}
				if strconv.Itoa(int(pe.Code)) != want[1] || pe.Section != want[2] {
					t.Fatalf("%s: decode error %v (code %d, section %s), want code %s, section %s", f.Path, err, pe.Code, pe.Section, want[1], want[2])
				}
				rule, ok := rules[f.Get("rule")]
				if !ok {
					t.Fatalf("%s: error fixtures need @rule naming a variable of errors.go, got %q", f.Path, f.Get("rule"))
				}
				if !errors.Is(err, rule) {
					t.Fatalf("%s: decode error %v, want %s", f.Path, err, f.Get("rule"))
				}
			default:
				t.Fatalf("%s: bad @want %q", f.Path, f.Get("want"))
			}
		})
	}
}

// TestFixturesEncode re-encodes every valid fixture, with its masking key, to
// exactly the file's bytes, through AppendHeader and through Writer.
func TestFixturesEncode(t *testing.T) {
	t.Parallel()
	all := loadFixtures(t)
	for name, f := range all {
		if f.Get("want") != "ok" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			frames, err := receive(t, chainOf(t, all, f))
			if err != nil {
				t.Fatalf("%s: %v", f.Path, err)
			}
			d := frames[len(frames)-1]
			enc := AppendHeader(nil, d.h)
			p := bytes.Clone(d.payload)
			if d.h.Masked {
				Mask(d.h.MaskKey, p, 0)
			}
			enc = append(enc, p...)
			if !bytes.Equal(enc, f.Bytes) {
				t.Fatalf("%s: AppendHeader + Mask =\n%s\nwant\n%s", f.Path, dump(enc), dump(f.Bytes))
			}
			var w bytes.Buffer
			if err := NewWriter(&w).WriteFrame(d.h, d.payload); err != nil {
				t.Fatalf("%s: WriteFrame: %v", f.Path, err)
			}
			if !bytes.Equal(w.Bytes(), f.Bytes) {
				t.Fatalf("%s: WriteFrame =\n%s\nwant\n%s", f.Path, dump(w.Bytes()), dump(f.Bytes))
			}
			// And Reader reads it back.
			fr := NewReader(bytes.NewReader(f.Bytes))
			h, err := fr.ReadHeader()
			if err != nil || h != d.h {
				t.Fatalf("%s: ReadHeader = %+v, %v, want %+v", f.Path, h, err, d.h)
			}
			got := make([]byte, 0, len(d.payload))
			for {
				var buf [4093]byte
				n, err := fr.Read(buf[:])
				got = append(got, buf[:n]...)
				if err != nil {
					break
				}
			}
			if !bytes.Equal(got, d.payload) {
				t.Fatalf("%s: Reader payload differs", f.Path)
			}
		})
	}
}

// dump hex-dumps b, eliding the middle of long frames.
func dump(b []byte) string {
	if len(b) > 256 {
		return hex.Dump(b[:128]) + "...\n" + hex.Dump(b[len(b)-128:])
	}
	return hex.Dump(b)
}

// TestFixtureCoverage checks the fixture set against issue 2: every rule has
// a fixture, every Section 5.7 example is there, and there are more than 25.
func TestFixtureCoverage(t *testing.T) {
	t.Parallel()
	all := loadFixtures(t)
	if len(all) <= 25 {
		t.Errorf("%d fixtures, want more than 25", len(all))
	}
	seen := map[string]bool{}
	for _, f := range all {
		seen[f.Get("rule")] = true
	}
	for name := range rules {
		if !seen[name] {
			t.Errorf("no fixture with @rule %s", name)
		}
	}
	for _, name := range []string{
		"5.7_unmasked_text_hello", "5.7_masked_text_hello", "5.7_fragment_hel", "5.7_fragment_lo",
		"5.7_unmasked_ping", "5.7_masked_pong", "5.7_binary_256_16bit_length", "5.7_binary_65536_64bit_length",
	} {
		if all[name] == nil {
			t.Errorf("missing Section 5.7 fixture %s", name)
		}
	}
}

var update = flag.Bool("update", false, "rewrite the header comments of testdata/frames from Fields (never bytes or @want)")

// TestFixturePayloads checks the @payload of valid fixtures: the unmasked
// payload the receiver must get.
func TestFixturePayloads(t *testing.T) {
	t.Parallel()
	all := loadFixtures(t)
	for _, f := range all {
		q := f.Get("payload")
		if q == "" {
			continue
		}
		want, err := strconv.Unquote(q)
		if err != nil {
			t.Fatalf("%s: @payload: %v", f.Path, err)
		}
		frames, err := receive(t, chainOf(t, all, f))
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		if got := frames[len(frames)-1].payload; string(got) != want {
			t.Errorf("%s: payload %q, want @payload %q", f.Path, got, want)
		}
	}
}

// TestFixtureComments checks that the comment of every header line (first
// and second byte, extended length, masking key) says what Fields says of
// those bytes; payload comments are prose and are left alone. With -update
// it rewrites those comments instead.
func TestFixtureComments(t *testing.T) {
	all := loadFixtures(t)
	for _, f := range all {
		notes := map[[2]int]string{}
		for _, fl := range Fields(f.Bytes) {
			if !strings.HasPrefix(fl.Note, "payload") && !strings.HasPrefix(fl.Note, "status code") && !strings.HasPrefix(fl.Note, "reason") {
				notes[[2]int{fl.Off, fl.End}] = fl.Note
			}
		}
		comment := func(ln wstest.Line) string {
			if n, ok := notes[[2]int{ln.Off, ln.End}]; ok && ln.Off < ln.End {
				return n
			}
			return ln.Comment
		}
		if *update {
			if err := os.WriteFile(f.Path, f.Format(comment), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		for _, ln := range f.Lines {
			if c := comment(ln); c != ln.Comment {
				t.Errorf("%s:%d: comment %q, want %q (go test ./frame -run TestFixtureComments -update)", f.Path, ln.Num, ln.Comment, c)
			}
		}
	}
}

// TestFixtureSequences plays multi-frame cases: fixture names in order, as
// one connection, and the message the receiver must assemble (Section 5.4).
func TestFixtureSequences(t *testing.T) {
	t.Parallel()
	all := loadFixtures(t)
	tests := []struct {
		name    string
		frames  []string
		message string // data payloads concatenated
		wantErr error
	}{
		{"5.7 Hel + lo", []string{"5.7_fragment_hel", "5.7_fragment_lo"}, "Hello", nil},
		{"ping between fragments (5.4)", []string{"5.7_fragment_hel", "5.7_unmasked_ping", "5.7_fragment_lo"}, "Hello", nil},
		{"code point split across frames (8.1)", []string{"8.1_text_fragment_split_code_point", "8.1_text_split_code_point_end"}, "caf\u00e9!", nil},
		{"two whole messages", []string{"5.7_unmasked_text_hello", "5.6_empty_text", "5.6_text_utf8"}, "Hello\u03ba\u03cc\u03c3\u03bc\u03b5", nil},
		{"new message inside a fragmented one (5.4)", []string{"5.7_fragment_hel", "5.7_unmasked_text_hello"}, "Hel", ErrExpectedContinuation},
		{"continuation after a whole message (5.4)", []string{"5.7_unmasked_text_hello", "5.7_fragment_lo"}, "Hello", ErrUnexpectedContinuation},
		{"message ending inside a code point (8.1)", []string{"8.1_text_fragment_split_code_point", "5.7_fragment_lo"}, "caf\xc3lo", ErrInvalidUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var chain []*wstest.Fixture
			for _, name := range tt.frames {
				f := all[name]
				if f == nil {
					t.Fatalf("no fixture %s", name)
				}
				chain = append(chain, f)
			}
			frames, err := receive(t, chain)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("receive(%v) err = %v, want %v", tt.frames, err, tt.wantErr)
			}
			var msg []byte
			for _, d := range frames {
				if !d.h.Opcode.IsControl() {
					msg = append(msg, d.payload...)
				}
			}
			if string(msg) != tt.message {
				t.Fatalf("receive(%v) data = %q, want %q", tt.frames, msg, tt.message)
			}
		})
	}
}
