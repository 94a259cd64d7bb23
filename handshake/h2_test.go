package handshake

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// h2Request returns the extended CONNECT of RFC 8441, Section 5.1 as
// net/http's HTTP/2 server hands it to a handler, with edit applied.
func h2Request(edit func(r *http.Request)) *http.Request {
	r := &http.Request{
		Method: http.MethodConnect, Proto: "HTTP/2.0", ProtoMajor: 2,
		Host: "server.example.com", URL: &url.URL{Path: "/chat"}, RequestURI: "/chat",
		ContentLength: -1, // the stream stays open
		Header: http.Header{
			":protocol":              {"websocket"},
			"Sec-Websocket-Protocol": {"chat, superchat"},
			"Sec-Websocket-Version":  {"13"},
			"Origin":                 {"http://server.example.com"},
		},
	}
	if edit != nil {
		edit(r)
	}
	return r
}

func TestCheckRequestH2(t *testing.T) {
	t.Parallel()
	set := func(k string, v ...string) func(*http.Request) {
		return func(r *http.Request) { r.Header[k] = v }
	}
	del := func(k string) func(*http.Request) {
		return func(r *http.Request) { delete(r.Header, k) }
	}
	tests := []struct {
		name       string
		edit       func(*http.Request)
		wantErr    error
		wantStatus int
	}{
		{"RFC 8441 Section 5.1 example", nil, nil, 0},
		{":protocol compared case-insensitively", set(":protocol", "WebSocket"), nil, 0},
		{"Sec-WebSocket-Key ignored (RFC 8441, 5)", set("Sec-Websocket-Key", "not even base64"), nil, 0},
		{"TE: trailers allowed (RFC 9113, 8.2.2)", set("Te", "trailers"), nil, 0},
		{"GET with Upgrade: HTTP/2 has no Upgrade (RFC 9113, 8.6)", func(r *http.Request) {
			r.Method = http.MethodGet
			r.Header["Upgrade"] = []string{"websocket"}
		}, ErrH2Method, 405},
		{"GET over HTTP/2 (RFC 8441, 4)", func(r *http.Request) { r.Method = http.MethodGet }, ErrH2Method, 405},
		{"plain CONNECT is a tunnel request (RFC 9110, 9.3.6)", del(":protocol"), ErrH2Tunnel, 501},
		{"other :protocol (RFC 8441, 5)", set(":protocol", "webtransport"), ErrH2Protocol, 501},
		{"two :protocol fields", set(":protocol", "websocket", "websocket"), ErrH2Protocol, 501},
		{"Connection (RFC 9113, 8.2.2)", set("Connection", "Upgrade"), ErrH2ConnectionField, 400},
		{"Upgrade (RFC 9113, 8.2.2)", set("Upgrade", "websocket"), ErrH2ConnectionField, 400},
		{"Keep-Alive (RFC 9113, 8.2.2)", set("Keep-Alive", "timeout=5"), ErrH2ConnectionField, 400},
		{"Proxy-Connection (RFC 9113, 8.2.2)", set("Proxy-Connection", "keep-alive"), ErrH2ConnectionField, 400},
		{"Transfer-Encoding (RFC 9113, 8.2.2)", set("Transfer-Encoding", "chunked"), ErrH2ConnectionField, 400},
		{"TE other than trailers (RFC 9113, 8.2.2)", set("Te", "gzip"), ErrH2ConnectionField, 400},
		{"no :authority (RFC 8441, 4)", func(r *http.Request) { r.Host = "" }, ErrH2NoAuthority, 400},
		{"no :path (RFC 8441, 4)", func(r *http.Request) { r.URL = &url.URL{} }, ErrH2NoPath, 400},
		{"stream ended with the headers", func(r *http.Request) { r.ContentLength = 0 }, ErrH2Body, 400},
		{"Content-Length announced", func(r *http.Request) { r.ContentLength = 10 }, ErrH2Body, 400},
		{"no Sec-WebSocket-Version (RFC 6455, 4.2.1)", del("Sec-Websocket-Version"), ErrVersion, 426},
		{"Sec-WebSocket-Version 8 (RFC 6455, 4.4)", set("Sec-Websocket-Version", "8"), ErrVersion, 426},
		{"Sec-WebSocket-Version twice (RFC 6455, 11.3.5)", set("Sec-Websocket-Version", "13", "13"), ErrVersionRepeated, 400},
		{"foreign Origin (RFC 6455, 10.2)", set("Origin", "https://evil.example"), ErrOrigin, 403},
		{"repeated subprotocol (RFC 6455, 4.1)", set("Sec-Websocket-Protocol", "chat, chat"), ErrProtocolSyntax, 400},
		{"malformed extensions (RFC 6455, 9.1)", set("Sec-Websocket-Extensions", "permessage-deflate; ="), ErrExtensionSyntax, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := CheckRequest(h2Request(tt.edit), nil)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("CheckRequest = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				var he *Error
				if !errors.As(err, &he) || he.Status != tt.wantStatus {
					t.Fatalf("CheckRequest error %v: status %d, want %d", err, he.Status, tt.wantStatus)
				}
				return
			}
			if o.Key != "" || len(o.Protocols) != 2 || o.Origin == "" {
				t.Errorf("CheckRequest offer = %+v, want no key, 2 subprotocols, the origin", o)
			}
		})
	}
}

// TestResponseH2: the 200 that accepts an extended CONNECT carries the
// negotiated subprotocol and extensions, never the fields of the
// HTTP/1.1 upgrade (RFC 8441, Section 5), and the hook still runs.
func TestResponseH2(t *testing.T) {
	t.Parallel()
	r := h2Request(func(r *http.Request) {
		r.Header["Sec-Websocket-Extensions"] = []string{"permessage-deflate; client_max_window_bits"}
	})
	hooked := false
	opts := &ServerOptions{ResponseHeader: func(r *http.Request, h http.Header) error {
		hooked = true
		h.Set("Set-Cookie", "a=b")
		return nil
	}}
	o, err := CheckRequest(r, opts)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Response(r, o, "chat", o.Extensions[:1], opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Upgrade", "Connection", "Sec-Websocket-Accept"} {
		if v, ok := h[k]; ok {
			t.Errorf("Response over HTTP/2 has %s: %q (RFC 8441, Section 5)", k, v)
		}
	}
	if h.Get("Sec-Websocket-Protocol") != "chat" || h.Get("Sec-Websocket-Extensions") != "permessage-deflate; client_max_window_bits" {
		t.Errorf("Response = %v, want the subprotocol and the extension", h)
	}
	if !hooked || h.Get("Set-Cookie") != "a=b" {
		t.Errorf("ResponseHeader hook ran %v, headers %v", hooked, h)
	}
	if _, err := Response(r, o, "nope", nil, nil); !errors.Is(err, ErrProtocolNotOffered) {
		t.Errorf("Response with an unoffered subprotocol = %v, want ErrProtocolNotOffered", err)
	}
}

// TestServeErrorFor: over HTTP/2 the refusal has no connection-specific
// fields (no Connection: close, which would make net/http end the whole
// HTTP/2 connection), a version error is a 400 that still lists 13, and a
// 405 allows CONNECT. Over HTTP/1.1 it is ServeError.
func TestServeErrorFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		r          *http.Request
		err        error
		wantStatus int
		want       http.Header // fields that must be there
		absent     []string
	}{
		{"HTTP/2 version", h2Request(nil), ErrVersion, 400,
			http.Header{"Sec-Websocket-Version": {"13"}}, []string{"Connection", "Upgrade"}},
		{"HTTP/2 method", h2Request(nil), ErrH2Method, 405,
			http.Header{"Allow": {"CONNECT"}}, []string{"Connection", "Upgrade"}},
		{"HTTP/2 origin", h2Request(nil), ErrOrigin, 403, nil, []string{"Connection"}},
		{"HTTP/1.1 version", httptest.NewRequest("GET", "/", nil), ErrVersion, 426,
			http.Header{"Sec-Websocket-Version": {"13"}, "Upgrade": {"websocket"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			ServeErrorFor(rec, tt.r, tt.err)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			for k, v := range tt.want {
				if got := rec.Header()[k]; len(got) != 1 || got[0] != v[0] {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			for _, k := range tt.absent {
				if v, ok := rec.Header()[k]; ok {
					t.Errorf("%s: %q present over HTTP/2 (RFC 9113, Section 8.2.2)", k, v)
				}
			}
		})
	}
}
