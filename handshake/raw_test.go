package handshake

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

const rawSample = "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

func TestReadRequest(t *testing.T) {
	t.Parallel()
	frames := "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"
	tests := []struct {
		name     string
		in       string
		bufSize  int
		wantErr  error
		wantRest string
	}{
		{"sample, frames after it stay in the reader", rawSample + frames, 0, nil, frames},
		{"a 16-byte bufio buffer reads long lines in pieces", rawSample + frames, 16, nil, frames},
		{"one byte at a time", rawSample + "x", -1, nil, "x"},
		{"bare LF line endings", strings.ReplaceAll(rawSample, "\r\n", "\n") + "x", 0, nil, "x"},
		{"an empty line before the request line is ignored (RFC 9112, 2.2)", "\r\n" + rawSample, 0, nil, ""},
		{"an empty line before the request line, small buffer (copying path)", "\r\n" + rawSample, 16, nil, ""},
		{"two empty lines before the request line", "\r\n\r\n" + rawSample, 0, ErrMalformedRequest, ""},
		{"nothing at all is io.EOF", "", 0, io.EOF, ""},
		{"cut in the middle", rawSample[:40], 0, io.ErrUnexpectedEOF, ""},
		{"cut before the empty line", rawSample[:len(rawSample)-2], 0, io.ErrUnexpectedEOF, ""},
		{"garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 0, ErrMalformedRequest, ""},
		{"header line without colon", "GET / HTTP/1.1\r\nHost x\r\n\r\n", 0, ErrMalformedRequest, ""},
		{"exactly MaxHeaderLines fields", headWithFields(MaxHeaderLines-1, 0), 0, nil, ""},
		{"MaxHeaderLines+1 fields", headWithFields(MaxHeaderLines, 0), 0, ErrHeaderTooLarge, ""},
		{"exactly MaxHeaderLines fields, small buffer (copying path)", headWithFields(MaxHeaderLines-1, 0), 16, nil, ""},
		{"MaxHeaderLines+1 fields, small buffer (copying path)", headWithFields(MaxHeaderLines, 0), 16, ErrHeaderTooLarge, ""},
		{"head of MaxHeaderBytes+1, big buffer (in-place path)", headWithFields(0, MaxHeaderBytes-len(headWithFields(0, 0))+1), 64 << 10, ErrHeaderTooLarge, ""},
		{"endless line, big buffer (in-place path)", "GET /" + strings.Repeat("a", 2*MaxHeaderBytes), 64 << 10, ErrHeaderTooLarge, ""},
		{"one line over MaxHeaderBytes", headWithFields(0, MaxHeaderBytes), 0, ErrHeaderTooLarge, ""},
		{"head of exactly MaxHeaderBytes", headWithFields(0, MaxHeaderBytes-len(headWithFields(0, 0))), 0, nil, ""},
		{"head of MaxHeaderBytes+1", headWithFields(0, MaxHeaderBytes-len(headWithFields(0, 0))+1), 0, ErrHeaderTooLarge, ""},
		{"endless line without newline", "GET /" + strings.Repeat("a", 2*MaxHeaderBytes), 0, ErrHeaderTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var src io.Reader = strings.NewReader(tt.in)
			var br *bufio.Reader
			switch {
			case tt.bufSize > 0:
				br = bufio.NewReaderSize(src, tt.bufSize)
			case tt.bufSize < 0:
				br = bufio.NewReader(iotest.OneByteReader(src))
			default:
				br = bufio.NewReader(src)
			}
			req, err := ReadRequest(br)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("ReadRequest = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if req.Method != "GET" || req.URL.Path != "/chat" && req.URL.Path != "/" || req.Host != "server.example.com" {
				t.Errorf("ReadRequest = %s %s Host %q", req.Method, req.URL, req.Host)
			}
			rest, _ := io.ReadAll(br)
			if string(rest) != tt.wantRest {
				t.Errorf("bytes left = %q, want %q", rest, tt.wantRest)
			}
		})
	}
}

// headWithFields returns a request head with n extra fields and one field
// whose value is pad bytes long (if pad > 0, else none).
func headWithFields(n, pad int) string {
	var b strings.Builder
	b.WriteString("GET / HTTP/1.1\r\nHost: server.example.com\r\n")
	for range n {
		b.WriteString("X: 0\r\n")
	}
	if pad > 0 {
		b.WriteString("Y: ")
		b.WriteString(strings.Repeat("y", max(pad-len("Y: \r\n"), 0)))
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// An I/O error such as a deadline the caller set on the connection comes back as is.
func TestReadRequestIOError(t *testing.T) {
	t.Parallel()
	boom := errors.New("i/o timeout")
	br := bufio.NewReader(io.MultiReader(strings.NewReader("GET / HTTP/1.1\r\n"), iotest.ErrReader(boom)))
	if _, err := ReadRequest(br); err != boom {
		t.Errorf("ReadRequest = %v, want %v", err, boom)
	}
}

func TestWriteResponse(t *testing.T) {
	t.Parallel()
	h := http.Header{
		"Sec-Websocket-Accept": {"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
		"Upgrade":              {"websocket"},
		"Connection":           {"Upgrade"},
		"X-B":                  {"2"},
		"X-A":                  {"1", "1b"},
	}
	var b bytes.Buffer
	if err := WriteResponse(&b, h); err != nil {
		t.Fatal(err)
	}
	want := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nX-A: 1\r\nX-A: 1b\r\nX-B: 2\r\n\r\n"
	if b.String() != want {
		t.Errorf("WriteResponse wrote %q, want %q", b.String(), want)
	}
	for _, bad := range []http.Header{
		{"Set-Cookie": {"a=1\r\nX-Evil: 1"}},
		{"Set-Cookie": {"a=1\nb"}},
		{"Set-Cookie": {"a\x00"}},
		{"Bad Name": {"1"}},
		{"": {"1"}},
	} {
		b.Reset()
		if err := WriteResponse(&b, bad); !errors.Is(err, ErrBadResponseHeader) || b.Len() != 0 {
			t.Errorf("WriteResponse(%q) = %v and wrote %q, want ErrBadResponseHeader and nothing", bad, err, b.String())
		}
	}
	boom := errors.New("boom")
	if err := WriteResponse(errWriter{boom}, h); err != boom {
		t.Errorf("WriteResponse to a failing writer = %v, want %v", err, boom)
	}
}

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

func TestWriteError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err        error
		wantStatus string
		wantBody   string
	}{
		{ErrVersion, "426 Upgrade Required", ErrVersion.Error()},
		{errors.New("secret internals"), "500 Internal Server Error", "handshake: internal error"},
		{&Error{Status: 200, Reason: "not an error status"}, "500 Internal Server Error", "handshake: internal error"},
		{ErrHeaderTooLarge, "431 Request Header Fields Too Large", "handshake: request header too large"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := WriteError(&b, tt.err); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(&b), nil)
		if err != nil {
			t.Fatalf("WriteError(%v) wrote an unparsable response: %v", tt.err, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.Status != tt.wantStatus || string(body) != tt.wantBody+"\n" || !resp.Close {
			t.Errorf("WriteError(%v) = %q %q close=%v, want %q %q close", tt.err, resp.Status, body, resp.Close, tt.wantStatus, tt.wantBody)
		}
	}
}

// The raw path honours the deadline the caller set on the connection: a
// client that sends half a request is cut off with the timeout error.
func TestReadRequestDeadline(t *testing.T) {
	t.Parallel()
	server, client := net.Pipe()
	defer server.Close()
	defer client.Close()
	go io.WriteString(client, "GET / HTTP/1.1\r\nHost: x\r\n") // and nothing more
	server.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	start := time.Now()
	_, err := ReadRequest(bufio.NewReader(server))
	if !errors.Is(err, os.ErrDeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("ReadRequest of half a request = %v after %v, want os.ErrDeadlineExceeded", err, time.Since(start))
	}
}

// AppendResponse builds in the caller's buffer exactly what WriteResponse
// writes, and allocates nothing when the buffer is large enough.
func TestAppendResponse(t *testing.T) {
	h := http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"},
		"Sec-Websocket-Accept": {"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}}
	var w bytes.Buffer
	if err := WriteResponse(&w, h); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	got, err := AppendResponse(buf, h)
	if err != nil || string(got) != w.String() {
		t.Fatalf("AppendResponse = %q, %v; want %q", got, err, w.String())
	}
	if n := testing.AllocsPerRun(100, func() { AppendResponse(buf, h) }); n != 0 {
		t.Errorf("AppendResponse allocates %v times, want 0", n)
	}
	if _, err := AppendResponse(buf, http.Header{"Bad\r\nName": {"x"}}); !errors.Is(err, ErrBadResponseHeader) {
		t.Errorf("AppendResponse with a bad name: %v, want ErrBadResponseHeader", err)
	}
}
