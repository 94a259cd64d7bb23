package conn_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/handshake"
)

// streamServer serves h over HTTP/2 (h2c with prior knowledge, or TLS with
// ALPN h2) and returns a ws:// or wss:// URL and the DialOptions to reach it.
func streamServer(t *testing.T, secure bool, h http.HandlerFunc) (string, *conn.DialOptions) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	t.Cleanup(srv.Close)
	opts := &conn.DialOptions{Proxy: noProxy, HandshakeTimeout: 10 * time.Second}
	if secure {
		srv.EnableHTTP2 = true
		srv.StartTLS()
		opts.TLSConfig = tlsConfigOf(srv)
	} else {
		srv.Config.Protocols = new(http.Protocols)
		srv.Config.Protocols.SetUnencryptedHTTP2(true)
		srv.Start()
	}
	return wsURL(srv, "/raw"), opts
}

// TestHTTP2StreamEcho: the raw stream carries bytes as they are both ways,
// the request and response fields are those given (negotiation fields
// unchecked), and each side's end of the stream (END_STREAM) reads as EOF
// on the other.
func TestHTTP2StreamEcho(t *testing.T) {
	for _, secure := range []bool{false, true} {
		name := "h2c"
		if secure {
			name = "TLS h2"
		}
		t.Run(name, func(t *testing.T) {
			seen := make(chan http.Header, 1)
			returned := make(chan error, 1)
			u, opts := streamServer(t, secure, func(w http.ResponseWriter, r *http.Request) {
				seen <- r.Header.Clone()
				nc, err := conn.AcceptHTTP2Stream(w, r, http.Header{"Sec-Websocket-Extensions": {"x-made-up; a=1"}})
				if err != nil {
					returned <- err
					return
				}
				defer nc.Close()
				nc.SetDeadline(time.Now().Add(10 * time.Second))
				_, err = io.Copy(nc, nc) // until the client's END_STREAM
				returned <- err
			})
			hdr := http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate; not_a_parameter"}, "Origin": {"http://example.test"}}
			nc, resp, err := conn.DialHTTP2Stream(context.Background(), u, hdr, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			if resp.StatusCode != 200 || resp.ProtoMajor != 2 || resp.Header.Get("Sec-Websocket-Extensions") != "x-made-up; a=1" {
				t.Errorf("response = %d HTTP/%d %v, want 200 HTTP/2 with the server's extension field as given", resp.StatusCode, resp.ProtoMajor, resp.Header)
			}
			got := <-seen
			// RFC 8441, Sections 4 and 5: :protocol websocket, version 13,
			// no Sec-WebSocket-Key; the caller's fields as given.
			if got.Get(":protocol") != "websocket" || got.Get("Sec-Websocket-Version") != "13" || got.Get("Sec-Websocket-Key") != "" ||
				got.Get("Sec-Websocket-Extensions") != "permessage-deflate; not_a_parameter" || got.Get("Origin") != "http://example.test" {
				t.Errorf("server saw request fields %v", got)
			}
			nc.SetDeadline(time.Now().Add(10 * time.Second))
			msg := []byte("\x81\x85 raw frame bytes, unmasked and unchecked")
			if _, err := nc.Write(msg); err != nil {
				t.Fatal(err)
			}
			back := make([]byte, len(msg))
			if _, err := io.ReadFull(nc, back); err != nil || string(back) != string(msg) {
				t.Fatalf("echo = %q, %v; want %q", back, err, msg)
			}
			// Our END_STREAM ends the server's reads with EOF; its return
			// ends the stream, which we read as EOF.
			if err := nc.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
				t.Fatal(err)
			}
			if err := <-returned; err != nil {
				t.Errorf("server's copy ended with %v, want EOF (nil from io.Copy) after our END_STREAM", err)
			}
			if n, err := nc.Read(back); n != 0 || err != io.EOF {
				t.Errorf("Read after the handler returned = %d, %v; want 0, io.EOF (END_STREAM)", n, err)
			}
		})
	}
}

// TestHTTP2StreamClientDrop: closing the client's net.Conn before the
// server has ended its side resets the stream (RST_STREAM CANCEL), which
// the server reads as an error, not as EOF: the form of dropping TCP.
func TestHTTP2StreamClientDrop(t *testing.T) {
	readErr := make(chan error, 1)
	u, opts := streamServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		nc, err := conn.AcceptHTTP2Stream(w, r, nil)
		if err != nil {
			readErr <- err
			return
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		_, err = nc.Read(make([]byte, 10))
		readErr <- err
	})
	nc, _, err := conn.DialHTTP2Stream(context.Background(), u, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	if err := <-readErr; err == nil || err == io.EOF || errors.Is(err, net.ErrClosed) {
		t.Errorf("server Read after the client's Close = %v, want a stream reset error", err)
	}
}

// TestHTTP2StreamRefused: a non-2xx answer ends the stream and is returned
// with its body and an error wrapping handshake.ErrH2Status.
func TestHTTP2StreamRefused(t *testing.T) {
	u, opts := streamServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "go away", http.StatusForbidden)
	})
	nc, resp, err := conn.DialHTTP2Stream(context.Background(), u, nil, opts)
	if nc != nil || !errors.Is(err, handshake.ErrH2Status) || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("DialHTTP2Stream = %v, %v, %v; want nil, 403, ErrH2Status", nc, resp, err)
	}
	if body, _ := io.ReadAll(resp.Body); string(body) != "go away\n" {
		t.Errorf("body = %q, want %q", body, "go away\n")
	}
}

// TestHTTP2StreamRefusedLongBody: of a refusal's body, at most
// handshake.MaxErrorBody bytes are kept, as the doc of DialHTTP2Stream
// promises.
func TestHTTP2StreamRefusedLongBody(t *testing.T) {
	u, opts := streamServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		w.Write(make([]byte, 4*handshake.MaxErrorBody))
	})
	_, resp, err := conn.DialHTTP2Stream(context.Background(), u, nil, opts)
	if !errors.Is(err, handshake.ErrH2Status) || resp == nil {
		t.Fatalf("DialHTTP2Stream = %v, %v; want a response and ErrH2Status", resp, err)
	}
	if body, _ := io.ReadAll(resp.Body); len(body) != handshake.MaxErrorBody {
		t.Errorf("body of %d bytes, want handshake.MaxErrorBody (%d)", len(body), handshake.MaxErrorBody)
	}
}

// TestHTTP2StreamReservedField: the fields the extended CONNECT sets
// itself, or that HTTP/2 forbids, are refused before anything is dialed.
func TestHTTP2StreamReservedField(t *testing.T) {
	for _, h := range []http.Header{{"Sec-Websocket-Key": {"x"}}, {"Connection": {"close"}}, {"Transfer-Encoding": {"chunked"}}} {
		_, _, err := conn.DialHTTP2Stream(context.Background(), "ws://127.0.0.1:1/", h, nil)
		if !errors.Is(err, handshake.ErrReservedHeader) && !errors.Is(err, handshake.ErrH2ConnectionHeader) {
			t.Errorf("DialHTTP2Stream with %v: err = %v, want ErrReservedHeader or ErrH2ConnectionHeader", h, err)
		}
	}
}

// TestAcceptHTTP2StreamNotExtendedConnect: anything but an HTTP/2 CONNECT
// with :protocol websocket (RFC 8441, Section 5) is refused and nothing is
// written.
func TestAcceptHTTP2StreamNotExtendedConnect(t *testing.T) {
	h2 := func(method string, protocol ...string) *http.Request {
		r := httptest.NewRequest(method, "/", nil)
		r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/2.0", 2, 0
		if len(protocol) > 0 {
			r.Header[":protocol"] = protocol
		}
		return r
	}
	for name, r := range map[string]*http.Request{
		"HTTP/1.1 GET":                     httptest.NewRequest("GET", "/", nil),
		"HTTP/2 GET":                       h2("GET", "websocket"),
		"HTTP/2 CONNECT without :protocol": h2("CONNECT"),
		"HTTP/2 CONNECT :protocol h2c":     h2("CONNECT", "h2c"),
	} {
		rec := httptest.NewRecorder()
		nc, err := conn.AcceptHTTP2Stream(rec, r, http.Header{"X": {"y"}})
		if nc != nil || !errors.Is(err, conn.ErrNotExtendedConnect) || rec.Body.Len() > 0 || len(rec.Header()) > 0 || rec.Flushed {
			t.Errorf("%s: AcceptHTTP2Stream = %v, %v, wrote %v %q; want nil, ErrNotExtendedConnect, nothing written", name, nc, err, rec.Header(), rec.Body)
		}
	}
}
