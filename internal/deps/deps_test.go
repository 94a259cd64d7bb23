package deps

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/rfc6455/ws"

// A rule says what the non-test files of the packages matching Pkg (a
// path.Match pattern, module-relative) may import.
type rule struct {
	Pkg string
	// Std lists the standard library packages allowed; nil allows any.
	Std []string
	// NoStd lists standard library packages forbidden (used when Std is nil).
	NoStd []string
	// Mod lists the module packages allowed (path.Match patterns).
	Mod []string
}

// policy is the graph of STYLE.md, section 1, and the contract:
//
//	cmd/*  -> conn -> frame -> internal/mask, internal/utf8x
//	             \-> handshake -> internal/token
//	internal/deflate: pure compression
//	internal app packages may import public packages
//	fuzz/: only _test.go files
var policy = []rule{
	{Pkg: "frame", Std: []string{"encoding/binary", "errors", "io", "strconv", "unicode/utf8"},
		Mod: []string{"internal/mask", "internal/utf8x"}},
	{Pkg: "internal/mask", Std: []string{"crypto/subtle", "encoding/binary"}},
	{Pkg: "internal/utf8x", Std: []string{"unicode/utf8"}},
	{Pkg: "internal/token", Std: []string{"strings"}},
	// handshake: HTTP values in, verdicts out. net/http for its types, bufio
	// and io for the raw path; never net, never frames or connections.
	{Pkg: "handshake", NoStd: []string{"net", "time", "sync", "os", "os/exec", "unsafe"},
		Mod: []string{"internal/token"}},
	// conn composes: frame, handshake, internal helpers, any standard package.
	{Pkg: "conn", Mod: []string{"frame", "handshake", "internal/mask", "internal/utf8x", "internal/token", "internal/deflate", "internal/h2"}},
	// conn/xconnect sets GODEBUG before net/http's init: os and strings only,
	// so its import path orders it first (see its doc).
	{Pkg: "conn/xconnect", Std: []string{"os", "strings"}},
	{Pkg: "internal/deflate", NoStd: []string{"net", "net/http", "os", "unsafe", "compress/flate"}},
	// Test helpers import no package of ours (so frame's tests can use them).
	{Pkg: "internal/wstest", NoStd: []string{"unsafe"}},
	{Pkg: "internal/deps"},
	// internal/h2: HTTP/2 framing and HPACK, sans-I/O like frame (functions
	// over []byte, a Reader over a caller's io.Reader): no net, no clock, no
	// locks, no goroutines.
	{Pkg: "internal/h2", Std: []string{"bufio", "encoding/binary", "errors", "fmt", "io", "strconv", "strings"}},
	// Application packages and commands may use the public packages and each other.
	{Pkg: "internal/*", Mod: []string{"frame", "handshake", "conn", "internal/*"}},
	{Pkg: "cmd/*", Mod: []string{"frame", "handshake", "conn", "conn/xconnect", "internal/*"}},
	{Pkg: "internal/*/*", Mod: []string{"frame", "handshake", "conn", "internal/*", "internal/*/*"}},
}

// graph lists the packages of the contract; a missing one is reported as a
// skip (it may not have been written yet), not a failure.
var graph = []string{
	"frame", "handshake", "conn",
	"internal/mask", "internal/utf8x", "internal/token", "internal/deflate", "internal/wstest",
}

func ruleFor(rel string) *rule {
	for i := range policy {
		if ok, _ := path.Match(policy[i].Pkg, rel); ok {
			return &policy[i]
		}
	}
	return nil
}

func isStd(imp string) bool {
	first, _, _ := strings.Cut(imp, "/")
	return !strings.Contains(first, ".")
}

// check returns the problems with one package's imports.
func check(rel string, imports []string) []string {
	r := ruleFor(rel)
	if r == nil {
		return []string{rel + ": no rule in the import policy; add one"}
	}
	var bad []string
	for _, imp := range imports {
		switch {
		case imp == module || strings.HasPrefix(imp, module+"/"):
			to := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
			if to == "internal/wstest" {
				bad = append(bad, rel+" imports "+to+" outside _test.go files")
				continue
			}
			if !slices.ContainsFunc(r.Mod, func(p string) bool { ok, _ := path.Match(p, to); return ok }) {
				bad = append(bad, rel+" may not import "+to)
			}
		case imp == "C":
			bad = append(bad, rel+" uses cgo")
		case isStd(imp):
			if r.Std != nil && !slices.Contains(r.Std, imp) {
				bad = append(bad, rel+" may not import "+imp+" (allowed: "+strings.Join(r.Std, ", ")+")")
			}
			if slices.Contains(r.NoStd, imp) {
				bad = append(bad, rel+" may not import "+imp)
			}
		default:
			bad = append(bad, rel+" imports "+imp+": standard library only")
		}
	}
	return bad
}

// moduleRoot finds the directory of go.mod above the working directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}

// packages returns every package directory of the module (module-relative),
// skipping testdata and hidden directories, and fuzz (checked separately).
func packages(t *testing.T, root string) map[string]*build.Package {
	t.Helper()
	pkgs := map[string]*build.Package{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if p != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel == "fuzz" {
			return nil
		}
		bp, err := build.ImportDir(p, 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				return nil
			}
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		pkgs[rel] = bp
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// TestImportGraph checks the imports of every package of the module against
// the policy: one subtest per package, skipped for a package of the contract
// that does not exist yet.
func TestImportGraph(t *testing.T) {
	root := moduleRoot(t)
	pkgs := packages(t, root)
	if bp := pkgs["."]; bp != nil {
		t.Errorf("the module root holds Go files (%v); packages live in directories", bp.GoFiles)
		delete(pkgs, ".")
	}
	names := slices.Sorted(maps.Keys(pkgs))
	for _, rel := range graph {
		if pkgs[rel] == nil {
			names = append(names, rel)
		}
	}
	for _, rel := range names {
		t.Run(rel, func(t *testing.T) {
			bp := pkgs[rel]
			if bp == nil {
				t.Skipf("%s: not written yet", rel)
			}
			for _, problem := range check(rel, bp.Imports) {
				t.Error(problem)
			}
		})
	}
}

// TestPolicySelf checks that the policy rejects what it should, so a table
// typo cannot silently allow everything.
func TestPolicySelf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pkg, imp string
		ok       bool
	}{
		{"frame", "encoding/binary", true},
		{"frame", module + "/internal/mask", true},
		{"frame", "net", false},
		{"frame", "bufio", false},
		{"frame", "time", false},
		{"frame", "sync", false},
		{"frame", "context", false},
		{"frame", "fmt", false},
		{"frame", module + "/conn", false},
		{"frame", module + "/handshake", false},
		{"internal/mask", "crypto/subtle", true},
		{"internal/mask", "unsafe", false},
		{"internal/utf8x", "unicode/utf8", true},
		{"internal/utf8x", "strings", false},
		{"handshake", "net/http", true},
		{"handshake", "bufio", true},
		{"handshake", "net", false},
		{"handshake", module + "/frame", false},
		{"handshake", module + "/conn", false},
		{"handshake", module + "/internal/token", true},
		{"conn", "net", true},
		{"conn", module + "/frame", true},
		{"conn", module + "/cmd/wsecho", false},
		{"conn", module + "/internal/echo", false},
		{"internal/wstest", "encoding/hex", true},
		{"internal/wstest", module + "/frame", false},
		{"internal/deflate", "compress/flate", false},
		{"internal/deflate", module + "/frame", false},
		{"internal/h2", "io", true},
		{"internal/h2", "net", false},
		{"internal/h2", "sync", false},
		{"internal/h2", "time", false},
		{"internal/h2", module + "/frame", false},
		{"internal/echo", module + "/conn", true},
		{"cmd/wsecho", module + "/internal/echo", true},
		{"cmd/wsecho", module + "/internal/wstest", false},
		{"cmd/wsecho", "github.com/gorilla/websocket", false},
	}
	for _, tt := range tests {
		got := len(check(tt.pkg, []string{tt.imp})) == 0
		if got != tt.ok {
			t.Errorf("policy: %s importing %s allowed = %v, want %v", tt.pkg, tt.imp, got, tt.ok)
		}
	}
}

// TestHandshakeOwnsNoConnection checks that handshake never calls Hijack or
// Dial: it reads and writes only through what the caller hands in.
func TestHandshakeOwnsNoConnection(t *testing.T) {
	root := moduleRoot(t)
	dir := filepath.Join(root, "handshake")
	bp, err := build.ImportDir(dir, 0)
	if err != nil {
		t.Skipf("handshake: %v (not written yet?)", err)
	}
	fset := token.NewFileSet()
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
					switch sel.Sel.Name {
					case "Hijack", "Dial", "DialContext", "DialTLS", "DialTLSContext", "Listen":
						t.Errorf("%s: handshake calls %s; it must not own a connection", fset.Position(call.Pos()), sel.Sel.Name)
					}
				}
			}
			return true
		})
	}
}

// TestFuzzHoldsOnlyTests checks that fuzz/ has only _test.go files.
func TestFuzzHoldsOnlyTests(t *testing.T) {
	root := moduleRoot(t)
	entries, err := os.ReadDir(filepath.Join(root, "fuzz"))
	if err != nil {
		t.Skipf("fuzz/: %v", err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
			t.Errorf("fuzz/%s: fuzz/ holds only _test.go files", e.Name())
		}
	}
}

// TestLayersDoNotImportUpward checks, transitively, that the frame layer and
// its helpers reach no package of the module above them.
func TestLayersDoNotImportUpward(t *testing.T) {
	root := moduleRoot(t)
	pkgs := packages(t, root)
	for _, low := range []string{"frame", "internal/mask", "internal/utf8x", "handshake", "internal/token"} {
		if pkgs[low] == nil {
			continue
		}
		seen := map[string]bool{}
		var walk func(rel string)
		walk = func(rel string) {
			if seen[rel] {
				return
			}
			seen[rel] = true
			bp := pkgs[rel]
			if bp == nil {
				return
			}
			for _, imp := range bp.Imports {
				if strings.HasPrefix(imp, module+"/") {
					walk(strings.TrimPrefix(imp, module+"/"))
				}
			}
		}
		walk(low)
		for rel := range seen {
			if rel == "conn" || strings.HasPrefix(rel, "cmd/") || (low != "handshake" && rel == "handshake") || (low == "handshake" && rel == "frame") {
				t.Errorf("%s reaches %s", low, rel)
			}
		}
	}
}

// TestNoGoroutinesBelowConn checks that the packages under conn start no
// goroutine: conn is the only package with goroutines, locks and timers.
func TestNoGoroutinesBelowConn(t *testing.T) {
	root := moduleRoot(t)
	for _, rel := range []string{"frame", "handshake", "internal/mask", "internal/utf8x", "internal/token", "internal/h2"} {
		dir := filepath.Join(root, filepath.FromSlash(rel))
		bp, err := build.ImportDir(dir, 0)
		if err != nil {
			continue // not written yet; TestImportGraph reports the skip
		}
		fset := token.NewFileSet()
		for _, name := range bp.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if g, ok := n.(*ast.GoStmt); ok {
					t.Errorf("%s: %s starts a goroutine; only conn may", fset.Position(g.Pos()), rel)
				}
				return true
			})
		}
	}
}
