package wstest

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// A Fixture is one annotated hex file: one frame, its metadata and bytes.
type Fixture struct {
	Name  string              // file name without directory and ".hex"
	Path  string              // path as opened
	Meta  map[string][]string // "@key value" lines; a key may repeat
	Bytes []byte              // the frame: hex pairs and @fill runs, in order
	Lines []Line              // every line of the file, for rewriting comments
}

// A Line is one line of a fixture file.
type Line struct {
	Num     int    // 1-based line number
	Code    string // the text before '#', trimmed
	Comment string // the text after '#', trimmed; "" if none
	HasHash bool   // the line had a '#'
	Off     int    // for a line that adds bytes: its first byte's offset in Bytes
	End     int    // ... and the offset after its last byte; Off == End otherwise
}

// Get returns the first value of @key, or "".
func (f *Fixture) Get(key string) string {
	if v := f.Meta[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// ParseFixture parses the contents of a fixture file. name is used in error
// messages, which have the form "name:line: problem".
func ParseFixture(name string, data []byte) (*Fixture, error) {
	f := &Fixture{
		Name: strings.TrimSuffix(filepath.Base(name), ".hex"),
		Path: name,
		Meta: map[string][]string{},
	}
	for i, raw := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		ln := Line{Num: i + 1, Off: len(f.Bytes), End: len(f.Bytes)}
		code := raw
		if k := strings.IndexByte(raw, '#'); k >= 0 {
			code, ln.Comment, ln.HasHash = raw[:k], strings.TrimSpace(raw[k+1:]), true
		}
		ln.Code = strings.TrimSpace(code)
		switch {
		case ln.Code == "":
		case strings.HasPrefix(ln.Code, "@"):
			key, val, _ := strings.Cut(ln.Code[1:], " ")
			val = strings.TrimSpace(val)
			if key == "fill" {
				n, b, err := parseFill(val)
				if err != nil {
					return nil, fmt.Errorf("%s:%d: @fill: %v", name, ln.Num, err)
				}
				f.Bytes = append(f.Bytes, bytes.Repeat([]byte{b}, n)...)
			} else {
				f.Meta[key] = append(f.Meta[key], val)
			}
		default:
			b, err := hex.DecodeString(strings.Join(strings.Fields(ln.Code), ""))
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %v", name, ln.Num, err)
			}
			f.Bytes = append(f.Bytes, b...)
		}
		ln.End = len(f.Bytes)
		f.Lines = append(f.Lines, ln)
	}
	return f, nil
}

// parseFill parses the "N XX" of an @fill line.
func parseFill(val string) (int, byte, error) {
	fs := strings.Fields(val)
	if len(fs) != 2 {
		return 0, 0, fmt.Errorf("want \"N XX\", got %q", val)
	}
	n, err := strconv.Atoi(fs[0])
	if err != nil || n < 0 || n > 1<<24 {
		return 0, 0, fmt.Errorf("bad count %q", fs[0])
	}
	b, err := hex.DecodeString(fs[1])
	if err != nil || len(b) != 1 {
		return 0, 0, fmt.Errorf("bad byte %q", fs[1])
	}
	return n, b[0], nil
}

// ReadFixture reads and parses one fixture file.
func ReadFixture(path string) (*Fixture, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseFixture(path, data)
}

// Fixtures loads every *.hex file of dir, sorted by name, failing tb on any
// error.
func Fixtures(tb testing.TB, dir string) []*Fixture {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.hex"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(paths) == 0 {
		tb.Fatalf("no *.hex fixtures in %s", dir)
	}
	sort.Strings(paths)
	var fs []*Fixture
	for _, p := range paths {
		f, err := ReadFixture(p)
		if err != nil {
			tb.Fatal(err)
		}
		fs = append(fs, f)
	}
	return fs
}

// Format renders f back to file form, with the comment of each line given by
// comment(line) (return line.Comment to keep it). Codes, metadata and bytes
// are kept exactly; comments start at column 25 as in the hand-written files.
func (f *Fixture) Format(comment func(Line) string) []byte {
	var b strings.Builder
	for _, ln := range f.Lines {
		c := comment(ln)
		switch {
		case ln.Code == "" && (c != "" || ln.HasHash):
			b.WriteString("# " + c)
		case c == "":
			b.WriteString(ln.Code)
		default:
			pad := 24 - len(ln.Code)
			if pad < 2 {
				pad = 2
			}
			b.WriteString(ln.Code + strings.Repeat(" ", pad) + "# " + c)
		}
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// RepoRoot returns the directory holding go.mod, found by walking up from
// the working directory (a package's directory under go test).
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}
