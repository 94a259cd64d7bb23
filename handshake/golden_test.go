package handshake

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rfc6455/ws/internal/token"
)

var update = flag.Bool("update", false, "fill the empty @response sections of testdata/handshake/server_*.http (review the diff)")

// A transcript is one testdata/handshake/*.http file:
//
//	# comment lines
//	@want 101 | @want <status> [<section>] | @want ok [<protocol>] | @want error <section>
//	@opt origins=<pattern>,...   subprotocols=<a>,...   extensions=<a>,...
//	@opt accept=<name>   hook=cookie|refuse|refuse-401   insecure-skip-origin-check
//	@after <hex>     bytes the client sends right after its request (raw path)
//	@pad <n>         insert n "X-Pad: 0" fields before the request's empty line
//	@key <key>       the client's Sec-WebSocket-Key (client_* files)
//	@request
//	<the request bytes exactly, CRLFs kept>
//	@response
//	<the response bytes exactly, to the end of the file>
//
// server_* files hold a request and the exact answer our server writes;
// client_* files hold a server's response and what CheckResponse decides.
type transcript struct {
	path     string
	meta     map[string][]string
	request  []byte
	response []byte
	respAt   int // offset of the response section in the file
}

func loadTranscripts(t *testing.T, prefix string) []*transcript {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "testdata", "handshake", prefix+"*.http"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s transcripts: %v", prefix, err)
	}
	var out []*transcript
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		tr := &transcript{path: path, meta: map[string][]string{}}
		section := ""
		for off := 0; off < len(b); {
			end := bytes.IndexByte(b[off:], '\n')
			if end < 0 {
				end = len(b)
			} else {
				end += off + 1
			}
			line := b[off:end]
			trimmed := strings.TrimRight(string(line), "\r\n")
			switch {
			case trimmed == "@request":
				section = "request"
			case trimmed == "@response":
				section, tr.respAt = "response", end
				tr.response = b[end:]
				end = len(b)
			case section == "request":
				tr.request = append(tr.request, line...)
			case strings.HasPrefix(trimmed, "#"), trimmed == "":
			case strings.HasPrefix(trimmed, "@"):
				k, v, _ := strings.Cut(trimmed[1:], " ")
				tr.meta[k] = append(tr.meta[k], v)
			default:
				t.Fatalf("%s: line %q outside a section", path, trimmed)
			}
			off = end
		}
		out = append(out, tr)
	}
	return out
}

func (tr *transcript) opt(name string) (string, bool) {
	for _, o := range tr.meta["opt"] {
		k, v, _ := strings.Cut(o, "=")
		if k == name {
			return v, true
		}
	}
	return "", false
}

func (tr *transcript) list(name string) []string {
	v, ok := tr.opt(name)
	if !ok {
		return nil
	}
	return strings.Split(v, ",")
}

func (tr *transcript) serverOptions(t *testing.T) *ServerOptions {
	opts := &ServerOptions{Subprotocols: tr.list("subprotocols"), OriginPatterns: tr.list("origins")}
	_, opts.InsecureSkipOriginCheck = tr.opt("insecure-skip-origin-check")
	switch hook, _ := tr.opt("hook"); hook {
	case "":
	case "cookie":
		opts.ResponseHeader = func(r *http.Request, h http.Header) error {
			h.Set("Set-Cookie", "session=1; HttpOnly")
			return nil
		}
	case "refuse":
		opts.ResponseHeader = func(*http.Request, http.Header) error { return errors.New("maintenance") }
	case "refuse-401":
		opts.ResponseHeader = func(*http.Request, http.Header) error {
			return &Error{Status: http.StatusUnauthorized, Reason: "login required"}
		}
	default:
		t.Fatalf("%s: unknown hook %q", tr.path, hook)
	}
	return opts
}

// serve runs a server over the transcript's request, as conn does on a raw
// connection, and returns what it writes, the error and the reader.
func (tr *transcript) serve(t *testing.T) (out []byte, err error, offer *Offer, br *bufio.Reader) {
	input := tr.request
	if pad := tr.meta["pad"]; len(pad) > 0 {
		n, _ := strconv.Atoi(pad[0])
		head := bytes.TrimSuffix(input, []byte("\r\n"))
		input = append(append([]byte{}, head...), bytes.Repeat([]byte("X-Pad: 0\r\n"), n)...)
		input = append(input, "\r\n"...)
	}
	after := tr.after(t)
	input = append(append([]byte{}, input...), after...)
	opts := tr.serverOptions(t)
	br = bufio.NewReader(bytes.NewReader(input))
	req, err := ReadRequest(br)
	var h http.Header
	if err == nil {
		offer, err = CheckRequest(req, opts)
	}
	if err == nil {
		protocol := ChooseSubprotocol(offer.Protocols, opts.Subprotocols)
		var accepted []Extension
		for _, name := range tr.list("accept") {
			for _, e := range offer.Extensions {
				if e.Name == name {
					accepted = append(accepted, e)
					break
				}
			}
		}
		h, err = Response(req, offer, protocol, accepted, opts)
	}
	var buf bytes.Buffer
	if err != nil {
		if werr := WriteError(&buf, err); werr != nil {
			t.Fatal(werr)
		}
	} else if werr := WriteResponse(&buf, h); werr != nil {
		t.Fatal(werr)
	}
	return buf.Bytes(), err, offer, br
}

func (tr *transcript) after(t *testing.T) []byte {
	if a := tr.meta["after"]; len(a) > 0 {
		b, err := hex.DecodeString(a[0])
		if err != nil {
			t.Fatalf("%s: @after: %v", tr.path, err)
		}
		return b
	}
	return nil
}

func TestServerTranscripts(t *testing.T) {
	for _, tr := range loadTranscripts(t, "server_") {
		t.Run(filepath.Base(tr.path), func(t *testing.T) {
			want := strings.Fields(strings.Join(tr.meta["want"], " "))
			if len(want) == 0 {
				t.Fatalf("%s: no @want", tr.path)
			}
			out, err, offer, br := tr.serve(t)
			if len(tr.response) == 0 && *update {
				b, _ := os.ReadFile(tr.path)
				if err := os.WriteFile(tr.path, append(b[:tr.respAt:tr.respAt], out...), 0o644); err != nil {
					t.Fatal(err)
				}
				tr.response = out
			}
			if !bytes.Equal(out, tr.response) {
				t.Errorf("%s: server wrote\n%s\nwant\n%s", tr.path, strconv.Quote(string(out)), strconv.Quote(string(tr.response)))
			}
			if want[0] == "101" {
				if err != nil {
					t.Fatalf("%s: err = %v, want 101", tr.path, err)
				}
				tr.checkAccepted(t, out, offer, br)
				return
			}
			var he *Error
			if !errors.As(err, &he) {
				t.Fatalf("%s: err = %v, want *Error %v", tr.path, err, want)
			}
			if got := strconv.Itoa(he.Status); got != want[0] {
				t.Errorf("%s: status = %s, want %s (%v)", tr.path, got, want[0], err)
			}
			if len(want) > 1 && he.Section != want[1] {
				t.Errorf("%s: section = %q, want %q (%v)", tr.path, he.Section, want[1], err)
			}
			// The net/http path answers the same.
			rec := &recorder{header: http.Header{}}
			ServeError(rec, err)
			_, body, _ := bytes.Cut(out, []byte("\r\n\r\n"))
			if rec.code != he.Status || rec.body.String() != string(body) || !token.Contains(rec.header["Connection"], "close") {
				t.Errorf("%s: ServeError wrote %d %q %v, want %d %q", tr.path, rec.code, rec.body.String(), rec.header, he.Status, body)
			}
			if he.Status == http.StatusUpgradeRequired && rec.header.Get("Sec-WebSocket-Version") != "13" {
				t.Errorf("%s: ServeError 426 without Sec-WebSocket-Version: 13: %v", tr.path, rec.header)
			}
		})
	}
}

// checkAccepted checks what follows a 101: the bytes after the request are
// still in br, and the client side accepts the response.
func (tr *transcript) checkAccepted(t *testing.T, out []byte, offer *Offer, br *bufio.Reader) {
	rest, _ := io.ReadAll(br)
	if want := tr.after(t); !bytes.Equal(rest, want) {
		t.Errorf("%s: bytes left after the request = %x, want %x", tr.path, rest, want)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
	if err != nil {
		t.Fatalf("%s: response does not parse: %v", tr.path, err)
	}
	copts := &ClientOptions{Subprotocols: offer.Protocols, Extensions: offer.Extensions}
	if _, _, err := CheckResponse(resp, offer.Key, copts); err != nil {
		t.Errorf("%s: client rejects the server's 101: %v", tr.path, err)
	}
}

func TestClientTranscripts(t *testing.T) {
	for _, tr := range loadTranscripts(t, "client_") {
		t.Run(filepath.Base(tr.path), func(t *testing.T) {
			want := strings.Fields(strings.Join(tr.meta["want"], " "))
			if len(want) == 0 || len(tr.meta["key"]) != 1 {
				t.Fatalf("%s: needs @want and @key", tr.path)
			}
			resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(tr.response)), nil)
			if err != nil {
				t.Fatalf("%s: response does not parse: %v", tr.path, err)
			}
			opts := &ClientOptions{Subprotocols: tr.list("subprotocols")}
			for _, name := range tr.list("extensions") {
				opts.Extensions = append(opts.Extensions, Extension{Name: name})
			}
			protocol, _, err := CheckResponse(resp, tr.meta["key"][0], opts)
			if want[0] == "ok" {
				if err != nil {
					t.Fatalf("%s: CheckResponse err = %v, want ok", tr.path, err)
				}
				if wantp := strings.Join(want[1:], ""); protocol != wantp {
					t.Errorf("%s: protocol = %q, want %q", tr.path, protocol, wantp)
				}
				return
			}
			var re *ResponseError
			var he *Error
			if !errors.As(err, &re) || !errors.As(err, &he) {
				t.Fatalf("%s: err = %v, want a *ResponseError holding an *Error", tr.path, err)
			}
			if re.Response != resp {
				t.Errorf("%s: ResponseError.Response is not the response", tr.path)
			}
			if he.Status != 0 || he.Section != want[1] {
				t.Errorf("%s: error %v has status %d section %q, want 0 %q", tr.path, err, he.Status, he.Section, want[1])
			}
			if resp.StatusCode != 101 {
				_, body, _ := bytes.Cut(tr.response, []byte("\r\n\r\n"))
				if !bytes.Equal(re.Body, body) {
					t.Errorf("%s: ResponseError.Body = %q, want %q", tr.path, re.Body, body)
				}
				if b, _ := io.ReadAll(resp.Body); !bytes.Equal(b, body) {
					t.Errorf("%s: resp.Body after CheckResponse = %q, want %q", tr.path, b, body)
				}
			}
		})
	}
}

// recorder is a minimal http.ResponseWriter (httptest would bring in net).
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}
