package handshake

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
)

// chromeRequest is an opening handshake as Chromium sends it.
const chromeRequest = "GET /ws HTTP/1.1\r\n" +
	"Host: localhost:8000\r\n" +
	"Connection: Upgrade\r\n" +
	"Pragma: no-cache\r\n" +
	"Cache-Control: no-cache\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n" +
	"Upgrade: websocket\r\n" +
	"Origin: http://localhost:8000\r\n" +
	"Sec-WebSocket-Version: 13\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Accept-Language: en-US,en;q=0.9\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
	"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" +
	"Sec-WebSocket-Protocol: chat, superchat\r\n\r\n"

// BenchmarkUpgrade measures the server side of one upgrade, beside a bare
// http.ReadRequest of the same bytes in the same run:
//
//	http.ReadRequest        net/http parsing alone (the floor for any Go server)
//	ReadRequest             our bounded raw-path reader (it ends in http.ReadRequest)
//	CheckRequest+Response   the checks and the 101 headers, on a parsed request (the net/http path)
//	Check+Response+Write    the same plus WriteResponse to io.Discard
//	raw upgrade             ReadRequest + CheckRequest + Response + WriteResponse
func BenchmarkUpgrade(b *testing.B) {
	opts := &ServerOptions{Subprotocols: []string{"chat"}}
	src := strings.NewReader(chromeRequest)
	br := bufio.NewReader(src)
	next := func() *bufio.Reader {
		src.Reset(chromeRequest)
		br.Reset(src)
		return br
	}
	parsed, err := http.ReadRequest(next())
	if err != nil {
		b.Fatal(err)
	}
	upgrade := func(r *http.Request, w io.Writer) {
		o, err := CheckRequest(r, opts)
		if err != nil {
			b.Fatal(err)
		}
		h, err := Response(r, o, ChooseSubprotocol(o.Protocols, opts.Subprotocols), nil, opts)
		if err != nil {
			b.Fatal(err)
		}
		if w != nil {
			if err := WriteResponse(w, h); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("http.ReadRequest", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := http.ReadRequest(next()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ReadRequest", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ReadRequest(next()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CheckRequest+Response", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			upgrade(parsed, nil)
		}
	})
	b.Run("Check+Response+Write", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			upgrade(parsed, io.Discard)
		}
	})
	b.Run("raw upgrade", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r, err := ReadRequest(next())
			if err != nil {
				b.Fatal(err)
			}
			upgrade(r, io.Discard)
		}
	})
}

func BenchmarkAcceptKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		AcceptKey("dGhlIHNhbXBsZSBub25jZQ==")
	}
}

func BenchmarkParseExtensions(b *testing.B) {
	h := http.Header{"Sec-Websocket-Extensions": {"permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseExtensions(h); err != nil {
			b.Fatal(err)
		}
	}
}
