package handshake

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// fixedRand yields the 16 bytes 0x01..0x10, whose base64 is the key below.
func fixedRand() io.Reader {
	return bytes.NewReader([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
}

const fixedKey = "AQIDBAUGBwgJCgsMDQ4PEA=="

func TestNewRequestWire(t *testing.T) {
	t.Parallel()
	opts := &ClientOptions{
		Subprotocols: []string{"chat", "superchat"},
		Extensions:   []Extension{{Name: "permessage-deflate", Params: []Param{{Name: "client_max_window_bits"}}}},
		Header:       http.Header{"Origin": {"http://example.com"}, "User-Agent": {"wscat-test"}},
		Rand:         fixedRand(),
	}
	req, key, err := NewRequest(context.Background(), "ws://server.example.com/chat?room=1", opts)
	if err != nil {
		t.Fatal(err)
	}
	if key != fixedKey {
		t.Errorf("key = %q, want %q", key, fixedKey)
	}
	var b bytes.Buffer
	if err := req.Write(&b); err != nil {
		t.Fatal(err)
	}
	want := "GET /chat?room=1 HTTP/1.1\r\n" +
		"Host: server.example.com\r\n" +
		"User-Agent: wscat-test\r\n" +
		"Connection: Upgrade\r\n" +
		"Origin: http://example.com\r\n" +
		"Sec-Websocket-Extensions: permessage-deflate; client_max_window_bits\r\n" +
		"Sec-Websocket-Key: " + fixedKey + "\r\n" +
		"Sec-Websocket-Protocol: chat, superchat\r\n" +
		"Sec-Websocket-Version: 13\r\n" +
		"Upgrade: websocket\r\n\r\n"
	if b.String() != want {
		t.Errorf("request on the wire:\n%s\nwant\n%s", b.String(), want)
	}
	// Our own server accepts it.
	sreq, err := ReadRequest(bufio.NewReader(&b))
	if err != nil {
		t.Fatal(err)
	}
	sreq.Header.Set("Origin", "http://server.example.com")
	if _, err := CheckRequest(sreq, nil); err != nil {
		t.Errorf("CheckRequest(NewRequest) = %v", err)
	}
}

func TestNewRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url      string
		header   http.Header
		wantHost string
		wantURI  string
		wantErr  error
	}{
		{"ws://example.com", nil, "example.com", "/", nil},
		{"ws://example.com:80/a", nil, "example.com", "/a", nil},      // default port left out (4.1)
		{"wss://example.com:443/a", nil, "example.com", "/a", nil},    // default port left out (4.1)
		{"ws://example.com:443/a", nil, "example.com:443", "/a", nil}, // not the default for ws
		{"wss://example.com:80/a", nil, "example.com:80", "/a", nil},  // not the default for wss
		{"WS://Example.com:8080/a%20b?x=1&y", nil, "Example.com:8080", "/a%20b?x=1&y", nil},
		{"ws://[::1]:80/", nil, "[::1]", "/", nil},
		{"ws://[::1]:9000/", nil, "[::1]:9000", "/", nil},
		{"ws://example.com:/p", nil, "example.com", "/p", nil},
		{"ws://example.com/?", nil, "example.com", "/?", nil},
		{"ws://example.com/", http.Header{"host": {"virtual.example"}}, "virtual.example", "/", nil},
		{"http://example.com/", nil, "", "", ErrURL},
		{"https://example.com/", nil, "", "", ErrURL},
		{"example.com/chat", nil, "", "", ErrURL},
		{"ws:example.com", nil, "", "", ErrURL},
		{"ws:///path", nil, "", "", ErrURL},
		{"ws://user:pass@example.com/", nil, "", "", ErrURL},
		{"ws://exa mple.com/", nil, "", "", ErrURL},
		{"ws://example.com/chat#frag", nil, "", "", ErrURLFragment}, // Section 3
		{"ws://example.com/chat#", nil, "", "", ErrURLFragment},
		{"ws://example.com/", http.Header{"Sec-WebSocket-Key": {"x"}}, "", "", ErrReservedHeader},
		{"ws://example.com/", http.Header{"connection": {"close"}}, "", "", ErrReservedHeader},
		{"ws://example.com/", http.Header{"Upgrade": {"h2c"}}, "", "", ErrReservedHeader},
	}
	for _, tt := range tests {
		req, _, err := NewRequest(context.TODO(), tt.url, &ClientOptions{Header: tt.header})
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
			t.Errorf("NewRequest(%q) err = %v, want %v", tt.url, err, tt.wantErr)
			continue
		}
		if err != nil {
			var he *Error
			if !errors.As(err, &he) || he.Status != 0 {
				t.Errorf("NewRequest(%q) err = %v, want a client-side *Error", tt.url, err)
			}
			continue
		}
		if req.Host != tt.wantHost || req.URL.RequestURI() != tt.wantURI || req.Method != "GET" {
			t.Errorf("NewRequest(%q) = %s Host %q URI %q, want Host %q URI %q", tt.url, req.Method, req.Host, req.URL.RequestURI(), tt.wantHost, tt.wantURI)
		}
		if req.Header.Get("Host") != "" {
			t.Errorf("NewRequest(%q) left Host in the header map", tt.url)
		}
	}
}

func TestNewRequestOffers(t *testing.T) {
	t.Parallel()
	for _, opts := range []*ClientOptions{
		{Subprotocols: []string{"chat", "chat"}},                                    // unique (4.1)
		{Subprotocols: []string{""}},                                                // non-empty (4.1)
		{Subprotocols: []string{"a b"}},                                             // token (4.1)
		{Extensions: []Extension{{Name: "a;b"}}},                                    // token (9.1)
		{Extensions: []Extension{{Name: "a", Params: []Param{{"p", "1 2", true}}}}}, // token value (9.1)
	} {
		if _, _, err := NewRequest(context.TODO(), "ws://example.com/", opts); !errors.Is(err, ErrOfferSyntax) {
			t.Errorf("NewRequest(%+v) err = %v, want ErrOfferSyntax", opts, err)
		}
	}
	//lint:ignore SA1012 nil is documented to mean context.Background
	if req, _, err := NewRequest(nil, "ws://example.com/", nil); err != nil || req.Context() != context.Background() {
		t.Errorf("NewRequest(nil ctx) = %v; want a request with context.Background()", err)
	}
	ctx := context.WithValue(context.Background(), struct{}{}, 1)
	req, _, err := NewRequest(ctx, "ws://example.com/", nil)
	if err != nil || req.Context() != ctx {
		t.Errorf("NewRequest does not keep the context: %v", err)
	}
	if _, _, err := NewRequest(context.TODO(), "ws://example.com/", &ClientOptions{Rand: bytes.NewReader(nil)}); err == nil {
		t.Error("NewRequest with an empty Rand: err = nil")
	}
}

func TestCheckResponseBody(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", MaxErrorBody+100)
	resp := &http.Response{StatusCode: 403, Status: "403 Forbidden", Header: http.Header{}, Body: io.NopCloser(strings.NewReader(big))}
	_, _, err := CheckResponse(resp, fixedKey, nil)
	var re *ResponseError
	if !errors.As(err, &re) || !errors.Is(err, ErrStatus) || len(re.Body) != MaxErrorBody {
		t.Fatalf("CheckResponse(403 with a big body) = %v; want ErrStatus with %d body bytes", err, MaxErrorBody)
	}
	if msg := err.Error(); !strings.Contains(msg, "got 403 Forbidden") || !strings.Contains(msg, `body "xxx`) || len(msg) > 300 {
		t.Errorf("ResponseError.Error() = %q", msg)
	}
	if b, _ := io.ReadAll(resp.Body); len(b) != MaxErrorBody {
		t.Errorf("resp.Body after CheckResponse has %d bytes, want %d", len(b), MaxErrorBody)
	}
	// A response without a body (Body nil, as in a hand-built value) is fine.
	_, _, err = CheckResponse(&http.Response{StatusCode: 200, Header: http.Header{}}, fixedKey, nil)
	if !errors.Is(err, ErrStatus) || !strings.Contains(err.Error(), "got 200") {
		t.Errorf("CheckResponse(200, nil body) = %v", err)
	}
}

// The client and server sides agree on every subprotocol and extension choice.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	copts := &ClientOptions{Subprotocols: []string{"v1", "v2"}, Extensions: []Extension{{Name: "x-a"}, {Name: "x-b", Params: []Param{{"p", "1", true}}}}}
	req, key, err := NewRequest(context.TODO(), "ws://127.0.0.1:9001/", copts)
	if err != nil {
		t.Fatal(err)
	}
	var wire bytes.Buffer
	req.Write(&wire)
	sreq, err := ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatal(err)
	}
	sopts := &ServerOptions{Subprotocols: []string{"v2"}}
	offer, err := CheckRequest(sreq, sopts)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Response(sreq, offer, ChooseSubprotocol(offer.Protocols, sopts.Subprotocols), offer.Extensions[1:], sopts)
	if err != nil {
		t.Fatal(err)
	}
	wire.Reset()
	WriteResponse(&wire, h)
	resp, err := http.ReadResponse(bufio.NewReader(&wire), req)
	if err != nil {
		t.Fatal(err)
	}
	protocol, exts, err := CheckResponse(resp, key, copts)
	if err != nil || protocol != "v2" || len(exts) != 1 || exts[0].Name != "x-b" || exts[0].Params[0].Value != "1" {
		t.Errorf("CheckResponse = %q %+v %v, want v2 [x-b; p=1]", protocol, exts, err)
	}
}

// "... but ignoring any leading and trailing whitespace" (Section 4.1, item
// 4): http.ReadResponse trims it already, so this response is built by hand.
func TestCheckResponseAcceptWhitespace(t *testing.T) {
	t.Parallel()
	resp := &http.Response{StatusCode: 101, Header: http.Header{
		"Upgrade":                {" websocket\t"},
		"Connection":             {"Upgrade"},
		"Sec-Websocket-Accept":   {" \t" + AcceptKey(fixedKey) + " "},
		"Sec-Websocket-Protocol": {" chat "},
	}}
	if p, _, err := CheckResponse(resp, fixedKey, &ClientOptions{Subprotocols: []string{"chat"}}); err != nil || p != "chat" {
		t.Errorf("CheckResponse with whitespace around values = %q, %v; want chat, nil", p, err)
	}
}
