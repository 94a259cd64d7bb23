package handshake

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// sampleRequest is the client handshake of RFC 6455, Section 1.3, without Origin.
func sampleRequest() *http.Request {
	r, _ := http.NewRequest("GET", "http://server.example.com/chat", nil)
	r.Header = http.Header{
		"Upgrade":               {"websocket"},
		"Connection":            {"Upgrade"},
		"Sec-Websocket-Key":     {"dGhlIHNhbXBsZSBub25jZQ=="},
		"Sec-Websocket-Version": {"13"},
	}
	return r
}

func TestCheckRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(r *http.Request)
		opts    *ServerOptions
		wantErr error
	}{
		{"valid, nil options", func(r *http.Request) {}, nil, nil},
		{"method PUT (4.2.1)", func(r *http.Request) { r.Method = "PUT" }, nil, ErrMethod},
		{"method get in lower case is not GET (RFC 9110, 9.1)", func(r *http.Request) { r.Method = "get" }, nil, ErrMethod},
		{"HTTP/1.0 (4.2.1)", func(r *http.Request) { r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.0", 1, 0 }, nil, ErrHTTPVersion},
		{"no Host (4.2.1)", func(r *http.Request) { r.Host = "" }, nil, ErrNoHost},
		{"Upgrade websocket2 (4.2.1)", func(r *http.Request) { r.Header.Set("Upgrade", "websocket2") }, nil, ErrUpgrade},
		{"Upgrade in a second header (4.2.1)", func(r *http.Request) { r.Header["Upgrade"] = []string{"h2c", "WEBSOCKET"} }, nil, nil},
		{"Connection: Upgraded (4.2.1)", func(r *http.Request) { r.Header.Set("Connection", "Upgraded") }, nil, ErrConnection},
		{"Content-Length body", func(r *http.Request) { r.ContentLength = 1 }, nil, ErrBody},
		{"chunked body", func(r *http.Request) { r.TransferEncoding = []string{"chunked"} }, nil, ErrBody},
		{"unknown length body", func(r *http.Request) { r.ContentLength = -1 }, nil, ErrBody},
		{"version 14 (4.4)", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Version", "14") }, nil, ErrVersion},
		{"version 13 with spaces", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Version", " 13 ") }, nil, nil},
		{"version list 13, 8 (4.2.1)", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Version", "13, 8") }, nil, ErrVersion},
		{"version twice (11.3.5)", func(r *http.Request) { r.Header.Add("Sec-WebSocket-Version", "13") }, nil, ErrVersionRepeated},
		{"key twice (11.3.1)", func(r *http.Request) { r.Header.Add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==") }, nil, ErrKeyRepeated},
		{"key empty (4.2.1)", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Key", "") }, nil, ErrKey},
		{"key of 32 bytes (4.2.1)", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Key", strings.Repeat("A", 43)+"=") }, nil, ErrKey},
		{"two Origin headers (10.2)", func(r *http.Request) { r.Header["Origin"] = []string{"http://server.example.com", "http://evil"} }, nil, ErrOrigin},
		{"Origin host differs only in case", func(r *http.Request) { r.Header.Set("Origin", "https://SERVER.example.com") }, nil, nil},
		{"Origin without scheme is refused (10.2)", func(r *http.Request) { r.Header.Set("Origin", "server.example.com") }, nil, ErrOrigin},
		{"cross-site Origin refused by default (10.2)", func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }, nil, ErrOrigin},
		{"empty protocol list element is ignored", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Protocol", "chat,,") }, nil, nil},
		{"protocol with a separator (4.1)", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Protocol", "chat/1") }, nil, ErrProtocolSyntax},
		{"protocol repeated across headers (4.1)", func(r *http.Request) { r.Header["Sec-Websocket-Protocol"] = []string{"a", "a"} }, nil, ErrProtocolSyntax},
		{"protocols are case-sensitive, so a and A differ", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Protocol", "a, A") }, nil, nil},
		{"extensions malformed (9.1)", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Extensions", "a;") }, nil, ErrExtensionSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sampleRequest()
			tt.edit(r)
			o, err := CheckRequest(r, tt.opts)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("CheckRequest = %v, want %v", err, tt.wantErr)
			}
			if err == nil && o.Key != "dGhlIHNhbXBsZSBub25jZQ==" {
				t.Errorf("Offer.Key = %q", o.Key)
			}
		})
	}
}

func TestCheckRequestOffer(t *testing.T) {
	t.Parallel()
	r := sampleRequest()
	r.Header.Set("Origin", "http://server.example.com")
	r.Header["Sec-Websocket-Protocol"] = []string{"chat, superchat", "v2"}
	r.Header.Set("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")
	r.Header.Set("Sec-WebSocket-Key", " dGhlIHNhbXBsZSBub25jZQ== ")
	o, err := CheckRequest(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &Offer{
		Key:        "dGhlIHNhbXBsZSBub25jZQ==",
		Protocols:  []string{"chat", "superchat", "v2"},
		Extensions: []Extension{{"permessage-deflate", []Param{{Name: "client_max_window_bits"}}}},
		Origin:     "http://server.example.com",
	}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("CheckRequest offer = %+v, want %+v", o, want)
	}
}

func TestOriginAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		origin, host string
		patterns     []string
		want         bool
	}{
		{"https://example.com", "example.com", nil, true},
		{"https://Example.COM", "example.com", nil, true},
		{"https://example.com:8443", "example.com:8443", nil, true},
		{"https://example.com", "example.com:8443", nil, false},
		{"https://evil.com", "example.com", nil, false},
		{"https://example.com.evil.com", "example.com", nil, false},
		{"null", "example.com", nil, false},
		{"null", "example.com", []string{"*"}, false}, // an opaque origin has no host to match
		{"", "example.com", nil, false},
		{"https://example.com/", "example.com", nil, false},                    // not a serialized origin (RFC 6454, 6.1)
		{"https://user@example.com", "example.com", nil, false},                // not a serialized origin
		{"://example.com", "example.com", nil, false},                          // no scheme
		{"https://example.com@evil.com", "x", []string{"example.com*"}, false}, // userinfo is no part of an origin
		{"https://example.com", "Example.COM", nil, true},
		{"https://a.example.org", "example.com", []string{"*.example.org"}, true},
		{"https://A.Example.org", "example.com", []string{"*.EXAMPLE.org"}, true},
		{"https://example.org", "example.com", []string{"*.example.org"}, false},
		{"https://a.example.org:444", "example.com", []string{"*.example.org"}, false}, // the port is part of the host
		{"https://a.example.org:444", "example.com", []string{"*.example.org:*"}, true},
		{"https://a.example.org", "example.com", []string{"https://*.example.org"}, true},
		{"http://a.example.org", "example.com", []string{"https://*.example.org"}, false},
		{"https://a.example.org", "example.com", []string{"[", "*.example.org"}, true}, // a bad pattern matches nothing
		{"https://a.example.org", "example.com", []string{"["}, false},
	}
	for _, tt := range tests {
		if got := originAllowed(tt.origin, tt.host, tt.patterns); got != tt.want {
			t.Errorf("originAllowed(%q, %q, %q) = %v, want %v", tt.origin, tt.host, tt.patterns, got, tt.want)
		}
	}
}

func TestChooseSubprotocol(t *testing.T) {
	t.Parallel()
	tests := []struct {
		offered, supported []string
		want               string
	}{
		{nil, nil, ""},
		{[]string{"chat"}, nil, ""},
		{nil, []string{"chat"}, ""},
		{[]string{"chat", "superchat"}, []string{"superchat", "chat"}, "superchat"}, // server's preference (1.9)
		{[]string{"chat", "superchat"}, []string{"mqtt", "chat"}, "chat"},
		{[]string{"Chat"}, []string{"chat"}, ""}, // exact comparison
	}
	for _, tt := range tests {
		if got := ChooseSubprotocol(tt.offered, tt.supported); got != tt.want {
			t.Errorf("ChooseSubprotocol(%q, %q) = %q, want %q", tt.offered, tt.supported, got, tt.want)
		}
	}
}

func TestResponse(t *testing.T) {
	t.Parallel()
	r := sampleRequest()
	r.Header.Set("Sec-WebSocket-Protocol", "chat")
	r.Header.Set("Sec-WebSocket-Extensions", "x-a; p=1")

	h, err := Response(r, nil, "chat", []Extension{{Name: "x-a"}}, nil) // nil offer: checks r itself
	want := http.Header{
		"Upgrade":                  {"websocket"},
		"Connection":               {"Upgrade"},
		"Sec-Websocket-Accept":     {"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
		"Sec-Websocket-Protocol":   {"chat"},
		"Sec-Websocket-Extensions": {"x-a"},
	}
	if err != nil || !reflect.DeepEqual(h, want) {
		t.Errorf("Response = %v, %v; want %v", h, err, want)
	}
	if _, err := Response(r, nil, "superchat", nil, nil); !errors.Is(err, ErrProtocolNotOffered) {
		t.Errorf("Response with an unoffered subprotocol: err = %v, want ErrProtocolNotOffered (4.2.2)", err)
	}
	if _, err := Response(r, nil, "", []Extension{{Name: "x-b"}}, nil); !errors.Is(err, ErrExtensionNotOffered) {
		t.Errorf("Response with an unoffered extension: err = %v, want ErrExtensionNotOffered (9.1)", err)
	}
	if _, err := Response(r, nil, "", []Extension{{Name: "x-a", Params: []Param{{"p", "a b", true}}}}, nil); !errors.Is(err, ErrBadResponseHeader) {
		t.Errorf("Response with a non-token parameter: err = %v, want ErrBadResponseHeader", err)
	}
	bad := sampleRequest()
	bad.Method = "POST"
	if _, err := Response(bad, nil, "", nil, nil); !errors.Is(err, ErrMethod) {
		t.Errorf("Response(nil offer) of a POST: err = %v, want ErrMethod", err)
	}
}

func TestResponseHook(t *testing.T) {
	t.Parallel()
	var seen *http.Request
	opts := &ServerOptions{ResponseHeader: func(r *http.Request, h http.Header) error {
		seen = r
		h.Add("Set-Cookie", "a=1")
		h.Del("Connection") // the hook may break things; it is trusted code
		return nil
	}}
	r := sampleRequest()
	h, err := Response(r, nil, "", nil, opts)
	if err != nil || seen != r || h.Get("Set-Cookie") != "a=1" || h.Get("Connection") != "" {
		t.Errorf("Response with a hook = %v, %v; hook saw %p, want %p", h, err, seen, r)
	}

	teapot := &Error{Status: http.StatusTeapot, Reason: "no"}
	opts.ResponseHeader = func(*http.Request, http.Header) error { return teapot }
	if _, err := Response(r, nil, "", nil, opts); err != teapot {
		t.Errorf("hook returning an *Error with status: err = %v, want it as is", err)
	}
	plain := errors.New("banned")
	opts.ResponseHeader = func(*http.Request, http.Header) error { return plain }
	_, err = Response(r, nil, "", nil, opts)
	var he *Error
	if !errors.Is(err, ErrRefused) || !errors.Is(err, plain) || !errors.As(err, &he) || he.Status != http.StatusForbidden {
		t.Errorf("hook returning a plain error: err = %v, want ErrRefused (403) wrapping it", err)
	}
	opts.ResponseHeader = func(*http.Request, http.Header) error { return &Error{Reason: "no status"} }
	if _, err = Response(r, nil, "", nil, opts); !errors.Is(err, ErrRefused) {
		t.Errorf("hook returning an *Error without status: err = %v, want ErrRefused", err)
	}
}
