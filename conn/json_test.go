package conn

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

type jsonDoc struct {
	Name  string            `json:"name"`
	Seq   int               `json:"seq"`
	Tags  []string          `json:"tags,omitempty"`
	Attrs map[string]string `json:"attrs,omitempty"`
	Data  string            `json:"data,omitempty"`
}

// jsonPair returns a server and a client Endpoint over TCP, with the same
// options.
func jsonPair(t *testing.T, opts func() *Options) (server, client *Endpoint) {
	t.Helper()
	a, b := tcpPair(t)
	return NewEndpoint(a, nil, Server, opts()), NewEndpoint(b, nil, Client, opts())
}

func plainOpts() *Options { return &Options{ReadLimit: 8 << 20} }

func deflatedOpts() *Options {
	return &Options{ReadLimit: 8 << 20, Compression: Compression{Negotiated: &handshake.DeflateParams{}}}
}

// WriteJSON sends one text message that ReadJSON decodes, both ways, with
// and without compression, small and large (5 MiB, under a raised limit).
func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("streamed json ", 5<<20/14)
	for _, mode := range []struct {
		name string
		opts func() *Options
	}{{"plain", plainOpts}, {"deflate", deflatedOpts}} {
		for _, data := range []string{"", big} {
			t.Run(mode.name+"/"+map[bool]string{true: "5MiB", false: "small"}[data != ""], func(t *testing.T) {
				t.Parallel()
				server, client := jsonPair(t, mode.opts)
				in := jsonDoc{Name: "héllo", Seq: 7, Tags: []string{"a", "b"}, Attrs: map[string]string{"k": "v"}, Data: data}
				for _, dir := range [][2]*Endpoint{{server, client}, {client, server}} {
					errc := make(chan error, 1)
					go func() { errc <- dir[0].WriteJSON(in) }()
					var out jsonDoc
					if err := dir[1].ReadJSON(&out); err != nil {
						t.Fatalf("%s ReadJSON: %v", dir[1].Role(), err)
					}
					if err := <-errc; err != nil {
						t.Fatalf("%s WriteJSON: %v", dir[0].Role(), err)
					}
					if out.Name != in.Name || out.Seq != in.Seq || len(out.Tags) != 2 || out.Attrs["k"] != "v" || out.Data != in.Data {
						t.Fatalf("%s read %+.80v, want %+.80v", dir[1].Role(), out, in)
					}
				}
			})
		}
	}
}

// WriteJSON sends a text message: the encoding, ending with a newline;
// with permessage-deflate it is compressed even under the threshold.
func TestJSONWriteText(t *testing.T) {
	t.Parallel()
	server, client := jsonPair(t, plainOpts)
	go server.WriteJSON(map[string]int{"a": 1})
	op, p, err := client.ReadMessage(nil)
	if err != nil || op != frame.OpText || string(p) != "{\"a\":1}\n" {
		t.Fatalf("ReadMessage = %v %q %v, want text %q", op, p, err, "{\"a\":1}\n")
	}

	a, b := net.Pipe()
	defer b.Close()
	ep := NewEndpoint(a, nil, Server, deflatedOpts())
	go ep.WriteJSON(1)
	if b0, _ := readServerFrame(t, bufio.NewReader(b)); b0 != 0x80|frame.RSV1|byte(frame.OpText) {
		t.Fatalf("first header byte %#x, want FIN, RSV1, text", b0)
	}
}

// A value that cannot be encoded is an error, and nothing is sent: the
// peer's next message is the next WriteJSON's. After the connection
// closes, WriteJSON returns ErrClosed.
func TestJSONWriteError(t *testing.T) {
	t.Parallel()
	server, client := jsonPair(t, plainOpts)
	err := server.WriteJSON(make(chan int))
	var ute *json.UnsupportedTypeError
	if !errors.As(err, &ute) {
		t.Fatalf("WriteJSON(chan) = %v, want a *json.UnsupportedTypeError", err)
	}
	go server.WriteJSON(1)
	if _, p, err := client.ReadMessage(nil); err != nil || string(p) != "1\n" {
		t.Fatalf("ReadMessage = %q, %v; want the second value", p, err)
	}
	go client.Close(frame.CloseNormal, "")
	server.ReadMessage(nil)
	if err := server.WriteJSON(1); err != ErrClosed {
		t.Fatalf("WriteJSON after close = %v, want ErrClosed", err)
	}
}

// sendRaw sends client frames on c, each frame a message (b0 is the first
// header byte), from a goroutine.
func sendRaw(t *testing.T, c net.Conn, b0 byte, msgs ...string) {
	t.Helper()
	var b []byte
	for _, m := range msgs {
		b = append(b, clientFrame(b0, []byte(m))...)
	}
	go c.Write(b)
}

// Binary messages are accepted; invalid JSON, and a second value or other
// data after the value, are errors that leave the connection usable for
// the next message; white space after the value is fine.
func TestJSONReadErrors(t *testing.T) {
	t.Parallel()
	a, b := tcpPair(t)
	ep := NewEndpoint(a, nil, Server, &Options{ReadLimit: 1 << 20})
	longBad := "x" + strings.Repeat(" ", 100<<10) // invalid from its first byte
	tests := []struct {
		name     string
		b0       byte
		msg      string
		want     int
		trailing bool // error wraps ErrJSONTrailingData
		syntax   bool // error wraps a *json.SyntaxError
	}{
		{"binary", 0x82, `{"seq":1}`, 1, false, false},
		{"white space after", 0x81, "{\"seq\":2} \n\t\r ", 2, false, false},
		{"cut short", 0x81, `{"seq":`, 0, false, true},
		{"long and invalid", 0x81, longBad, 0, false, true},
		{"two values", 0x81, `{"seq":3} {"seq":4}`, 0, true, true},
		{"data after", 0x81, `{"seq":5}x`, 0, true, true},
		{"two numbers", 0x82, `1 2`, 0, true, true},
		{"usable after", 0x81, `{"seq":6}`, 6, false, false},
	}
	all := clientFrame(0x81, nil) // an empty message first: an error too
	for _, tt := range tests {
		all = append(all, clientFrame(tt.b0, []byte(tt.msg))...)
	}
	go b.Write(all)
	var d jsonDoc
	if err := ep.ReadJSON(&d); err == nil {
		t.Fatal("ReadJSON of an empty message succeeded")
	}
	for _, tt := range tests {
		var d jsonDoc
		err := ep.ReadJSON(&d)
		var se *json.SyntaxError
		if errors.Is(err, ErrJSONTrailingData) != tt.trailing || errors.As(err, &se) != tt.syntax || (err == nil) != (tt.want != 0) {
			t.Fatalf("%s: ReadJSON err = %v; want trailing %v, syntax %v", tt.name, err, tt.trailing, tt.syntax)
		}
		if err == nil && d.Seq != tt.want {
			t.Fatalf("%s: ReadJSON seq = %d, want %d", tt.name, d.Seq, tt.want)
		}
	}
}

// A message over the read limit fails the connection with 1009, a text
// message that is not UTF-8 with 1007 (RFC 6455, Section 8.1).
func TestJSONReadFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msg  string
		want frame.CloseCode
	}{
		{"over the limit", `{"data":"` + strings.Repeat("x", 2<<10) + `"}`, frame.CloseMessageTooBig},
		{"not UTF-8", "{\"data\":\"\xff\"}", frame.CloseInvalidPayload},
	}
	for _, tt := range tests {
		a, b := tcpPair(t)
		ep := NewEndpoint(a, nil, Server, &Options{ReadLimit: 1 << 10})
		go func() {
			b.Write(clientFrame(0x81, []byte(tt.msg)))
			io.Copy(io.Discard, b) // until the server's Close frame and half-close
			b.Close()
		}()
		var d jsonDoc
		if err := ep.ReadJSON(&d); CloseStatus(err) != tt.want {
			t.Errorf("%s: ReadJSON = %v, want a CloseError with %d", tt.name, err, tt.want)
		}
	}
}

// A message in fragments, compressed or not, reads whole.
func TestJSONReadFragments(t *testing.T) {
	t.Parallel()
	for _, compressed := range []bool{false, true} {
		server, client := jsonPair(t, map[bool]func() *Options{false: plainOpts, true: deflatedOpts}[compressed])
		in := jsonDoc{Data: strings.Repeat("fragment ", 30000)}
		go func() {
			w, _ := client.NextWriter(frame.OpText)
			enc, _ := json.Marshal(in)
			for len(enc) > 0 { // 1000-byte writes and flushes: one fragment each
				k := min(len(enc), 1000)
				w.Write(enc[:k])
				w.(interface{ Flush() error }).Flush()
				enc = enc[k:]
			}
			w.Close()
		}()
		var out jsonDoc
		if err := server.ReadJSON(&out); err != nil || out.Data != in.Data {
			t.Fatalf("compressed %v: ReadJSON = %d bytes, %v", compressed, len(out.Data), err)
		}
	}
}

// Reading a 5 MiB JSON message holds it once: ReadJSON allocates less
// than 1.5 times the message plus the decoded value (a 5 MiB string). The
// log compares json.NewDecoder over NextReader, and ReadMessage then
// json.Unmarshal. Not parallel: it measures the heap.
func TestJSONReadMemory(t *testing.T) {
	if deflateRace {
		t.Skip("measures the race detector's allocations")
	}
	const n = 5 << 20
	msg := []byte(`{"data":"` + strings.Repeat("x", n-11) + `"}`)
	f := clientFrame(0x81, msg)
	a, b := tcpPair(t)
	ep := NewEndpoint(a, nil, Server, &Options{ReadLimit: 8 << 20})
	read := map[string]func() (string, error){
		"ReadJSON": func() (string, error) {
			var d jsonDoc
			err := ep.ReadJSON(&d)
			return d.Data, err
		},
		"json.Decoder": func() (string, error) {
			var d jsonDoc
			_, r, err := ep.NextReader()
			if err == nil {
				err = json.NewDecoder(r).Decode(&d)
			}
			return d.Data, err
		},
		"ReadMessage+Unmarshal": func() (string, error) {
			var d jsonDoc
			_, p, err := ep.ReadMessage(nil)
			if err == nil {
				err = json.Unmarshal(p, &d)
			}
			return d.Data, err
		},
	}
	for _, name := range []string{"ReadJSON", "json.Decoder", "ReadMessage+Unmarshal", "ReadJSON"} {
		runtime.GC()
		go b.Write(f)
		before := totalAlloc()
		data, err := read[name]()
		alloc := totalAlloc() - before
		if err != nil || len(data) != n-11 {
			t.Fatalf("%s: %d bytes, %v", name, len(data), err)
		}
		t.Logf("%s: %d bytes allocated, %.2f × the message", name, alloc, float64(alloc)/float64(len(msg)))
		if name == "ReadJSON" && float64(alloc) > 1.5*float64(len(msg))+float64(len(data)) {
			t.Errorf("ReadJSON allocated %d bytes for a %d-byte message, want under 1.5 × it + the %d-byte value", alloc, len(msg), len(data))
		}
	}
}

// A peer that announces a large message and sends part of it: ReadJSON's
// buffer stays within four times what arrived, a read deadline that
// passes keeps the part read, and the next ReadJSON returns the whole
// message. Not parallel: it measures the heap.
func TestJSONReadPartial(t *testing.T) {
	const n, sent = 1 << 20, 64 << 10
	msg := []byte(`{"data":"` + strings.Repeat("y", n-11) + `"}`)
	f := clientFrame(0x81, msg)
	a, b := tcpPair(t)
	ep := NewEndpoint(a, nil, Server, &Options{ReadLimit: 2 << 20})
	head := len(f) - len(msg)
	if _, err := b.Write(f[:head+sent]); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	before := totalAlloc()
	ep.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	var d jsonDoc
	err := ep.ReadJSON(&d)
	alloc := totalAlloc() - before
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("ReadJSON of a message cut short = %v, want a timeout", err)
	}
	// The last buffer at most 4 × what arrived; with the ones before it,
	// at most 4/3 of that; plus the read buffers, 16 KiB and, as reads
	// filled that, 64 KiB (read.go), new when their pools are empty.
	if !deflateRace && alloc > 4*sent*4/3+16<<10+bigReadSize+headroom {
		t.Errorf("ReadJSON allocated %d bytes after %d arrived, want at most 4/3 × 4 × that", alloc, sent)
	}
	ep.SetReadDeadline(time.Time{})
	go b.Write(f[head+sent:])
	if err := ep.ReadJSON(&d); err != nil || len(d.Data) != n-11 {
		t.Fatalf("ReadJSON after the timeout = %d bytes, %v", len(d.Data), err)
	}
}

// ReadJSONContext returns the context's error when it ends mid-message
// and keeps the part read; WriteJSONContext gives up waiting for another
// writer when its context ends, and leaves the connection usable.
func TestJSONContext(t *testing.T) {
	t.Parallel()
	a, b := tcpPair(t)
	ep := NewEndpoint(a, nil, Server, nil)
	f := clientFrame(0x81, []byte(`{"seq":42}`))
	b.Write(f[:len(f)-3])
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var d jsonDoc
	if err := ep.ReadJSONContext(ctx, &d); err != context.DeadlineExceeded {
		t.Fatalf("ReadJSONContext = %v, want DeadlineExceeded", err)
	}
	b.Write(f[len(f)-3:])
	// The part kept is read by any read: here ReadMessage.
	if _, p, err := ep.ReadMessage(nil); err != nil || string(p) != `{"seq":42}` {
		t.Fatalf("ReadMessage after ReadJSONContext's timeout = %q, %v", p, err)
	}
	b.Write(f)
	if err := ep.ReadJSONContext(context.Background(), &d); err != nil || d.Seq != 42 {
		t.Fatalf("ReadJSONContext = %+v, %v", d, err)
	}

	server, client := jsonPair(t, plainOpts)
	w, _ := server.NextWriter(frame.OpText) // holds the message lock
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := server.WriteJSONContext(ctx, 1); err != context.DeadlineExceeded {
		t.Fatalf("WriteJSONContext while another message is written = %v, want DeadlineExceeded", err)
	}
	w.Write([]byte("first"))
	w.Close()
	if err := server.WriteJSONContext(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	if err := server.WriteJSONContext(ctx, 3); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"first", "2\n", "3\n"} {
		if _, p, err := client.ReadMessage(nil); err != nil || string(p) != want {
			t.Fatalf("ReadMessage = %q, %v; want %q", p, err, want)
		}
	}
}
