package fuzz_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rfc6455/ws/handshake"
)

// handshakeSeeds returns the request (or, for client_* files, the response)
// section of every testdata/handshake transcript.
func handshakeSeeds(t testing.TB, prefix string) [][]byte {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "handshake", prefix+"*.http"))
	if len(files) == 0 {
		t.Fatalf("no testdata/handshake/%s*.http seeds", prefix)
	}
	var seeds [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if prefix == "server_" {
			_, req, _ := bytes.Cut(b, []byte("@request\n"))
			req, _, _ = bytes.Cut(req, []byte("@response\n"))
			seeds = append(seeds, req)
		} else {
			_, resp, _ := bytes.Cut(b, []byte("@response\n"))
			seeds = append(seeds, resp)
		}
	}
	return seeds
}

var fuzzServerOptions = &handshake.ServerOptions{
	Subprotocols:   []string{"chat", "v2"},
	OriginPatterns: []string{"*.example.org"},
}

// FuzzCheckRequest feeds arbitrary bytes through http.ReadRequest and the
// server check.
//
// Property: no panic; a refusal is an *Error with a 4xx status and a text
// under 1 KiB that WriteError turns into a response net/http can parse, with
// that status; an accepted request yields a 101 that the client-side
// CheckResponse accepts, with the subprotocol the server chose.
func FuzzCheckRequest(f *testing.F) {
	for _, s := range handshakeSeeds(f, "server_") {
		f.Add(s)
	}
	f.Add([]byte("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v2\r\n\r\n"))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: h\r\nSec-WebSocket-Extensions: a; b=\"c\", d\r\n\r\n")) // partial
	// 20 subprotocols, the last a repeat: past the pairwise check, into the map.
	f.Add([]byte("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Protocol: a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,a\r\n\r\n"))
	// A 200-byte subprotocol that is not a token: the error quotes 64 bytes of it.
	f.Add([]byte("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Protocol: " + strings.Repeat("\x7f", 200) + "\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			return
		}
		offer, err := handshake.CheckRequest(req, fuzzServerOptions)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		protocol := handshake.ChooseSubprotocol(offer.Protocols, fuzzServerOptions.Subprotocols)
		h, err := handshake.Response(req, offer, protocol, offer.Extensions, fuzzServerOptions)
		if err != nil {
			t.Fatalf("Response of an accepted request: %v", err)
		}
		var wire bytes.Buffer
		if err := handshake.WriteResponse(&wire, h); err != nil {
			t.Fatalf("WriteResponse: %v", err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(&wire), nil)
		if err != nil {
			t.Fatalf("our 101 does not parse: %v\n%q", err, wire.String())
		}
		copts := &handshake.ClientOptions{Subprotocols: offer.Protocols, Extensions: offer.Extensions}
		got, _, err := handshake.CheckResponse(resp, offer.Key, copts)
		if err != nil || got != protocol {
			t.Fatalf("client rejects our 101: protocol %q, %v (server chose %q)", got, err, protocol)
		}
	})
}

func checkRefusal(t *testing.T, err error) {
	t.Helper()
	var he *handshake.Error
	if !errors.As(err, &he) || he.Status < 400 || he.Status > 499 {
		t.Fatalf("refusal %v is not an *Error with a 4xx status", err)
	}
	if n := len(err.Error()); n > 1<<10 {
		t.Fatalf("refusal text is %d bytes, want at most 1 KiB: %.200s", n, err)
	}
	var wire bytes.Buffer
	if werr := handshake.WriteError(&wire, err); werr != nil {
		t.Fatal(werr)
	}
	resp, rerr := http.ReadResponse(bufio.NewReader(&wire), nil)
	if rerr != nil || resp.StatusCode != he.Status {
		t.Fatalf("WriteError(%v) wrote %q: %v", err, wire.String(), rerr)
	}
}

// FuzzReadRequest feeds arbitrary bytes through the raw path: ReadRequest from
// a bufio.Reader, then CheckRequest.
//
// Property: no panic; the result does not depend on the bufio buffer size;
// ReadRequest consumes only the request head (what is left in the reader is
// a suffix of the input, never more than MaxHeaderBytes plus one skipped empty
// line read); errors are *Error, io.EOF or io.ErrUnexpectedEOF.
func FuzzReadRequest(f *testing.F) {
	for _, s := range handshakeSeeds(f, "server_") {
		f.Add(s)
		f.Add(append(append([]byte{}, s...), 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58))
	}
	f.Add([]byte("\r\n\r\nGET / HTTP/1.1\r\n\r\n"))
	f.Add([]byte("GET / HTTP/1.1\nHost: x\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var results [2]string
		for i, size := range []int{16, 4096} {
			br := bufio.NewReaderSize(bytes.NewReader(data), size)
			req, err := handshake.ReadRequest(br)
			rest, _ := io.ReadAll(br)
			if !bytes.HasSuffix(data, rest) {
				t.Fatalf("left %q, not a suffix of the input", rest)
			}
			if used := len(data) - len(rest); err == nil && used > handshake.MaxHeaderBytes+2 {
				t.Fatalf("consumed %d bytes, over MaxHeaderBytes", used)
			}
			if err != nil {
				var he *handshake.Error
				if !errors.As(err, &he) && err != io.EOF && err != io.ErrUnexpectedEOF {
					t.Fatalf("ReadRequest error %v (%T) is not typed", err, err)
				}
				results[i] = "error " + err.Error()
				continue
			}
			results[i] = "ok " + req.Method + " " + req.RequestURI + " " + string(rest)
			if _, err := handshake.CheckRequest(req, fuzzServerOptions); err != nil {
				checkRefusal(t, err)
			}
		}
		if results[0] != results[1] {
			t.Fatalf("buffer size changes the result:\n16:   %s\n4096: %s", results[0], results[1])
		}
	})
}

// FuzzParseExtensions feeds arbitrary header values to the extension parser.
//
// Property: no panic; a value that parses formats to a value that parses to
// the same extensions; an error is ErrExtensionSyntax, under 1 KiB of text.
func FuzzParseExtensions(f *testing.F) {
	for _, s := range []string{
		"permessage-deflate; client_max_window_bits",
		"permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate",
		`x; p="1\0", y ; q = 2`,
		`a; p="x y"`, "a;;", ", ,", `a; p="\`,
		`x; p="\a\b"; q="c", y; r="\d"`, // quoted-pairs, unescaped in the second pass
		`x; p="a\"b"`, `x; p="\\"`,      // an escaped quote or backslash is not a token
		"x; " + strings.Repeat("p; ", 60) + "=", // an error past 128 bytes quotes 64 around it
	} {
		f.Add(s, "")
	}
	f.Add("a", "b; c")
	f.Fuzz(func(t *testing.T, v1, v2 string) {
		h := http.Header{"Sec-Websocket-Extensions": {v1, v2}}
		exts, err := handshake.ParseExtensions(h)
		if err != nil {
			if !errors.Is(err, handshake.ErrExtensionSyntax) {
				t.Fatalf("ParseExtensions(%q, %q) error %v is not ErrExtensionSyntax", v1, v2, err)
			}
			if n := len(err.Error()); n > 1<<10 {
				t.Fatalf("ParseExtensions error text is %d bytes, want at most 1 KiB: %.200s", n, err)
			}
			return
		}
		s := handshake.FormatExtensions(exts)
		again, err := handshake.ParseExtensions(http.Header{"Sec-Websocket-Extensions": {s}})
		if err != nil || !reflect.DeepEqual(exts, again) {
			t.Fatalf("ParseExtensions(%q, %q) = %+v; formatted %q parses to %+v, %v", v1, v2, exts, s, again, err)
		}
		if strings.ContainsAny(s, "\r\n") {
			t.Fatalf("FormatExtensions = %q holds a line break", s)
		}
	})
}

// FuzzCheckResponse feeds arbitrary bytes, as a server's answer, through
// http.ReadResponse and the client check.
//
// Property: no panic; every failure is a *ResponseError that keeps the
// response and wraps a client-side *Error (Status 0).
func FuzzCheckResponse(f *testing.F) {
	for _, s := range handshakeSeeds(f, "client_") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(data)), nil)
		if err != nil {
			return
		}
		opts := &handshake.ClientOptions{Subprotocols: []string{"chat"}, Extensions: []handshake.Extension{{Name: "x-a"}}}
		_, _, err = handshake.CheckResponse(resp, "dGhlIHNhbXBsZSBub25jZQ==", opts)
		if err == nil {
			return
		}
		var re *handshake.ResponseError
		var he *handshake.Error
		if !errors.As(err, &re) || re.Response != resp || !errors.As(err, &he) || he.Status != 0 {
			t.Fatalf("CheckResponse error %v is not a *ResponseError with a client-side *Error", err)
		}
		if len(re.Body) > handshake.MaxErrorBody {
			t.Fatalf("kept %d body bytes, over MaxErrorBody", len(re.Body))
		}
		_ = err.Error()
	})
}
