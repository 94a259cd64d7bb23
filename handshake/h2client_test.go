package handshake

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestNewRequestH2(t *testing.T) {
	t.Parallel()
	opts := &ClientOptions{
		Subprotocols: []string{"chat", "superchat"},
		Extensions:   []Extension{{Name: "permessage-deflate"}},
		Header:       http.Header{"Origin": {"http://example.com"}, "Te": {"trailers"}},
	}
	req, err := NewRequestH2(context.Background(), "wss://server.example.com:443/chat?room=1", opts)
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != http.MethodConnect || req.ProtoMajor != 2 || req.Host != "server.example.com" || req.URL.RequestURI() != "/chat?room=1" {
		t.Errorf("request = %s %s %s host %q, want CONNECT /chat?room=1 HTTP/2.0 to server.example.com (RFC 8441, Section 4)",
			req.Method, req.URL.RequestURI(), req.Proto, req.Host)
	}
	want := http.Header{
		"Sec-Websocket-Version":    {"13"},
		"Sec-Websocket-Protocol":   {"chat, superchat"},
		"Sec-Websocket-Extensions": {"permessage-deflate"},
		"Origin":                   {"http://example.com"},
		"Te":                       {"trailers"},
	}
	if !reflect.DeepEqual(req.Header, want) {
		t.Errorf("header = %v\nwant %v (no Upgrade, Connection or Sec-WebSocket-Key: RFC 8441, Section 5)", req.Header, want)
	}
}

func TestNewRequestH2Refuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		url    string
		header http.Header
		want   error
	}{
		{"Keep-Alive is connection-specific (RFC 9113, Section 8.2.2)", "ws://h/", http.Header{"Keep-Alive": {"5"}}, ErrH2ConnectionHeader},
		{"Transfer-Encoding is connection-specific (RFC 9113, Section 8.2.2)", "ws://h/", http.Header{"Transfer-Encoding": {"chunked"}}, ErrH2ConnectionHeader},
		{"Proxy-Connection is connection-specific (RFC 9113, Section 8.2.2)", "ws://h/", http.Header{"proxy-connection": {"x"}}, ErrH2ConnectionHeader},
		{"TE other than trailers (RFC 9113, Section 8.2.2)", "ws://h/", http.Header{"Te": {"gzip"}}, ErrH2ConnectionHeader},
		{"Upgrade is set by the handshake (4.1)", "ws://h/", http.Header{"Upgrade": {"websocket"}}, ErrReservedHeader},
		{"a fragment (3)", "ws://h/#x", nil, ErrURLFragment},
		{"an http URL (3)", "http://h/", nil, ErrURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRequestH2(context.Background(), tt.url, &ClientOptions{Header: tt.header})
			if !errors.Is(err, tt.want) {
				t.Errorf("NewRequestH2(%q, %v) = %v, want %v", tt.url, tt.header, err, tt.want)
			}
		})
	}
}

func TestCheckResponseH2(t *testing.T) {
	t.Parallel()
	opts := &ClientOptions{Subprotocols: []string{"chat"}, Extensions: []Extension{{Name: "permessage-deflate"}}}
	resp := func(status int, kv ...string) *http.Response {
		r := &http.Response{StatusCode: status, ProtoMajor: 2, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("denied"))}
		for i := 0; i+1 < len(kv); i += 2 {
			r.Header.Add(kv[i], kv[i+1])
		}
		return r
	}
	tests := []struct {
		name     string
		resp     *http.Response
		protocol string
		exts     int
		want     error
	}{
		{"200 with no Sec-WebSocket-Accept is success (RFC 8441, Section 5)", resp(200), "", 0, nil},
		{"subprotocol and extension offered", resp(200, "Sec-WebSocket-Protocol", "chat", "Sec-WebSocket-Extensions", "permessage-deflate"), "chat", 1, nil},
		{"101 is not an HTTP/2 answer", resp(101), "", 0, ErrH2Status},
		{"403 keeps its body", resp(403), "", 0, ErrH2Status},
		{"unoffered subprotocol (4.1)", resp(200, "Sec-WebSocket-Protocol", "other"), "", 0, ErrUnofferedProtocol},
		{"two subprotocols (11.3.4)", resp(200, "Sec-WebSocket-Protocol", "chat", "Sec-WebSocket-Protocol", "chat"), "", 0, ErrUnofferedProtocol},
		{"unoffered extension (9.1)", resp(200, "Sec-WebSocket-Extensions", "x-other"), "", 0, ErrUnofferedExtension},
		{"malformed extensions (9.1)", resp(200, "Sec-WebSocket-Extensions", ";;"), "", 0, ErrResponseExtensions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			protocol, exts, err := CheckResponseH2(tt.resp, opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("CheckResponseH2 = %v, want %v", err, tt.want)
			}
			var re *ResponseError
			if err != nil && (!errors.As(err, &re) || re.Response != tt.resp) {
				t.Errorf("error %v is not a *ResponseError keeping the response", err)
			}
			if tt.resp.StatusCode == 403 && (re == nil || string(re.Body) != "denied") {
				t.Errorf("ResponseError.Body = %q, want the server's body", re.Body)
			}
			if tt.resp.StatusCode == 403 {
				// resp.Body is replaced by a reader over the bytes read.
				if b, err := io.ReadAll(tt.resp.Body); err != nil || string(b) != "denied" {
					t.Errorf("resp.Body after the check reads %q, %v; want the server's body again", b, err)
				}
			}
			if err == nil && (protocol != tt.protocol || len(exts) != tt.exts) {
				t.Errorf("CheckResponseH2 = %q, %v; want %q and %d extensions", protocol, exts, tt.protocol, tt.exts)
			}
		})
	}
}
