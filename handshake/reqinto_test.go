package handshake

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// ReadRequestInto reads what ReadRequest reads: for each head, the same
// request (method, target, version, Host, fields, body length) or an
// error of the same kind, and the same bytes left in the reader. Where
// they differ on purpose (obs-fold), the case says so.
func TestReadRequestIntoMatchesReadRequest(t *testing.T) {
	const frames = "\x81\x05hello"
	heads := []struct {
		name, in string
		size     int
	}{
		{"RFC 6455 sample, frames after it", rawSample + frames, 0},
		{"Chromium's request", chromeRequest, 0},
		{"small buffer: the copying path", rawSample + frames, 16},
		{"bare LF", strings.ReplaceAll(rawSample, "\r\n", "\n") + "x", 0},
		{"one empty line first (RFC 9112, 2.2)", "\r\n" + rawSample, 0},
		{"two empty lines first", "\r\n\r\n" + rawSample, 0},
		{"nothing", "", 0},
		{"cut short", rawSample[:40], 0},
		{"garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 0},
		{"no colon", "GET / HTTP/1.1\r\nHost x\r\n\r\n", 0},
		{"control character in a value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n", 0},
		{"two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 0},
		{"no Host in HTTP/1.1", "GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n", 0},
		{"no Host in HTTP/1.0", "GET / HTTP/1.0\r\nUpgrade: websocket\r\n\r\n", 0},
		{"HTTP/2.0 request line", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 0},
		{"lower-case names, repeated fields", "GET /a?b=c HTTP/1.1\r\nhost: x\r\nsec-websocket-protocol: a\r\nSEC-WEBSOCKET-PROTOCOL: b\r\nx-y: 1\r\n\r\n", 0},
		{"Content-Length", "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 0},
		{"bad Content-Length", "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 0},
		{"Transfer-Encoding", "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 0},
		{"target not a path", "GET x HTTP/1.1\r\nHost: x\r\n\r\n", 0},
		{"MaxHeaderLines+1 fields", headWithFields(MaxHeaderLines, 0), 0},
		{"head over MaxHeaderBytes", headWithFields(0, MaxHeaderBytes), 0},
	}
	read := func(in string, size int, into bool) (*http.Request, error, string) {
		var br *bufio.Reader
		if size > 0 {
			br = bufio.NewReaderSize(strings.NewReader(in), size)
		} else {
			br = bufio.NewReader(strings.NewReader(in))
		}
		var r *http.Request
		var err error
		if into {
			r = &http.Request{Header: http.Header{"Stale": {"x"}}} // reused: must not leak
			err = ReadRequestInto(br, r)
		} else {
			r, err = ReadRequest(br)
		}
		left, _ := io.ReadAll(br)
		return r, err, string(left)
	}
	kind := func(err error) string {
		for _, e := range []error{nil, io.EOF, io.ErrUnexpectedEOF, ErrHeaderTooLarge, ErrMalformedRequest} {
			if errors.Is(err, e) {
				return strings.TrimSpace(strings.SplitN(errString(e), ":", 2)[0])
			}
		}
		return "other: " + err.Error()
	}
	for _, tt := range heads {
		t.Run(tt.name, func(t *testing.T) {
			want, werr, wleft := read(tt.in, tt.size, false)
			got, gerr, gleft := read(tt.in, tt.size, true)
			if kind(gerr) != kind(werr) {
				t.Fatalf("ReadRequestInto error %v, ReadRequest %v", gerr, werr)
			}
			if werr != nil {
				return
			}
			if gleft != wleft {
				t.Errorf("left in the reader %q, want %q", gleft, wleft)
			}
			pairs := [][2]any{
				{got.Method, want.Method}, {got.URL.String(), want.URL.String()}, {got.RequestURI, want.RequestURI},
				{got.Proto, want.Proto}, {got.ProtoMinor, want.ProtoMinor}, {got.Host, want.Host},
				{got.ContentLength, want.ContentLength}, {got.TransferEncoding, want.TransferEncoding},
			}
			for _, p := range pairs {
				if !reflect.DeepEqual(p[0], p[1]) {
					t.Errorf("got %#v, want %#v", p[0], p[1])
				}
			}
			if !reflect.DeepEqual(got.Header, want.Header) {
				t.Errorf("Header = %v, want %v", got.Header, want.Header)
			}
		})
	}
}

func errString(e error) string {
	if e == nil {
		return "nil"
	}
	return e.Error()
}

// Where ReadRequestInto is stricter than net/http, as RFC 9112 asks: a
// field folded onto the next line (obs-fold, Section 5.2 lets a server
// refuse it; net/http joins the lines) and whitespace before a colon
// (Section 5.1: "A server MUST reject ... 400") are malformed requests.
func TestReadRequestIntoStricter(t *testing.T) {
	for _, in := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
	} {
		err := ReadRequestInto(bufio.NewReader(strings.NewReader(in)), &http.Request{})
		if !errors.Is(err, ErrMalformedRequest) {
			t.Errorf("ReadRequestInto(%q) = %v, want ErrMalformedRequest", in, err)
		}
	}
}

// Reusing a request allocates only the head's text and the URL.
func TestReadRequestIntoAllocs(t *testing.T) {
	src := strings.NewReader(chromeRequest)
	br := bufio.NewReader(src)
	r := &http.Request{}
	n := testing.AllocsPerRun(100, func() {
		src.Reset(chromeRequest)
		br.Reset(src)
		if err := ReadRequestInto(br, r); err != nil {
			t.Fatal(err)
		}
	})
	// The head's string, the URL, and one []string per field (13).
	if n > 16 {
		t.Errorf("ReadRequestInto allocates %v times per request, want at most 16", n)
	}
}

// FuzzReadRequestInto: no panic on any head; ReadRequestInto never
// accepts a head ReadRequest refuses (it is at least as strict); and where
// both accept a head they agree on the method, target, Host and fields.
func FuzzReadRequestInto(f *testing.F) {
	f.Add(rawSample)
	f.Add(chromeRequest)
	f.Add("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n")
	f.Add("GET /a?b HTTP/1.0\nhost:x\nContent-Length: 0\n\n")
	f.Fuzz(func(t *testing.T, in string) {
		r := &http.Request{Header: http.Header{}}
		gerr := ReadRequestInto(bufio.NewReader(strings.NewReader(in)), r)
		want, werr := ReadRequest(bufio.NewReader(strings.NewReader(in)))
		if gerr == nil && werr != nil {
			t.Fatalf("ReadRequestInto accepted %q, ReadRequest refused it: %v", in, werr)
		}
		if gerr != nil || werr != nil {
			return
		}
		if r.Method != want.Method || r.RequestURI != want.RequestURI || r.Host != want.Host ||
			!reflect.DeepEqual(r.Header, want.Header) {
			t.Fatalf("%q: got %s %s %s %v, want %s %s %s %v", in, r.Method, r.RequestURI, r.Host, r.Header,
				want.Method, want.RequestURI, want.Host, want.Header)
		}
	})
}
