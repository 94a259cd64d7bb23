package h2

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestGoServer speaks HTTP/2 with prior knowledge to Go's own server
// (net/http, unencrypted HTTP/2) over 127.0.0.1 using only this package:
// preface and SETTINGS out, three requests on one connection, and every
// frame back through Reader, the parsers and Describe. Go's HPACK encoder
// indexes response fields in its dynamic table, so the later responses test
// the Decoder's table against an independent encoder; a 1500-byte field that
// changes on every response makes it evict entries too. The second run
// advertises SETTINGS_HEADER_TABLE_SIZE=256 and lowers the Decoder's limit
// when the server acknowledges it, so Go's encoder must open its next block
// with a dynamic table size update (RFC 7541, Section 4.2).
func TestGoServer(t *testing.T) {
	t.Parallel()
	for _, tableSize := range []uint32{4096, 256} {
		t.Run("SETTINGS_HEADER_TABLE_SIZE="+strconv.Itoa(int(tableSize)), func(t *testing.T) {
			t.Parallel()
			testGoServer(t, tableSize)
		})
	}
}

func testGoServer(t *testing.T, tableSize uint32) {
	const requests = 6
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Request", r.URL.Query().Get("n"))
		w.Header().Set("X-Same", "the same value on every response")
		w.Header().Set("X-Big", strings.Repeat(r.URL.Query().Get("n"), 1500))
		// Echo what Go's decoder made of our Encoder's fields.
		w.Header().Set("X-Echo", r.Header.Get("User-Agent")+"|"+r.Header.Get("Authorization")+"|"+r.Header.Get("X-Long"))
		fmt.Fprintf(w, "hello %s via %s", r.URL.Query().Get("n"), r.Proto)
	})
	ts := httptest.NewUnstartedServer(h)
	ts.Config.Protocols = new(http.Protocols)
	ts.Config.Protocols.SetUnencryptedHTTP2(true)
	ts.Start()
	defer ts.Close()

	c, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))

	var e Encoder
	out := []byte(ClientPreface)
	out = AppendSettings(out, Setting{SettingEnablePush, 0}, Setting{SettingHeaderTableSize, tableSize})
	for i := range requests {
		var block []byte
		for _, f := range []HeaderField{
			{Name: ":method", Value: "GET"},
			{Name: ":scheme", Value: "http"},
			{Name: ":path", Value: "/?n=" + strconv.Itoa(i)},
			{Name: ":authority", Value: ts.Listener.Addr().String()},
			{Name: "user-agent", Value: "internal/h2 test"},
			{Name: "authorization", Value: "Bearer s3cr3t", Sensitive: true},
			{Name: "x-long", Value: strings.Repeat("~!", 100)}, // long codes: Huffman longer, sent raw
		} {
			block = e.AppendField(block, f)
		}
		out = AppendHeaders(out, uint32(2*i+1), true, true, block)
	}
	if _, err := c.Write(out); err != nil {
		t.Fatal(err)
	}

	type response struct {
		fields []HeaderField
		body   string
		done   bool
	}
	resp := map[uint32]*response{}
	fr := NewReader(bufio.NewReader(c), 0)
	d := NewDecoder(4096)
	d.SetMaxHeaderListSize(16 << 10)
	var block []byte // a header block being joined across CONTINUATIONs
	var settings []Setting
	finished := 0
	for finished < requests {
		fh, p, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("ReadFrame: %v", err)
		}
		desc := Describe(fh, p)
		t.Log(desc)
		r := resp[fh.StreamID]
		if fh.StreamID != 0 && r == nil {
			r = &response{}
			resp[fh.StreamID] = r
		}
		switch fh.Type {
		case FrameSettings:
			if err := ParseSettings(fh, p, func(s Setting) error { settings = append(settings, s); return nil }); err != nil {
				t.Fatal(err)
			}
			if !fh.Flags.Has(FlagAck) {
				c.Write(AppendSettingsAck(nil))
			} else {
				// Our SETTINGS are in force (RFC 9113, Section 6.5.3).
				d.SetMaxTableSize(tableSize)
			}
		case FrameWindowUpdate:
			if _, err := ParseWindowUpdate(fh, p); err != nil {
				t.Fatal(err)
			}
		case FramePing:
			data, err := ParsePing(fh, p)
			if err != nil {
				t.Fatal(err)
			}
			if !fh.Flags.Has(FlagAck) {
				c.Write(AppendPing(nil, true, data))
			}
		case FrameHeaders, FrameContinuation:
			var frag []byte
			if fh.Type == FrameHeaders {
				frag, err = ParseHeaders(fh, p)
			} else {
				frag, err = ParseContinuation(fh, p)
			}
			if err != nil {
				t.Fatal(err)
			}
			block = append(block, frag...)
			if fh.Flags.Has(FlagEndHeaders) {
				if err := d.Decode(block, func(f HeaderField) error { r.fields = append(r.fields, f); return nil }); err != nil {
					t.Fatalf("Decode: %v", err)
				}
				block = block[:0]
			}
		case FrameData:
			data, err := ParseData(fh, p)
			if err != nil {
				t.Fatal(err)
			}
			r.body += string(data)
		case FrameGoAway, FrameRSTStream:
			t.Fatalf("server ended: %s", desc)
		}
		if fh.Flags.Has(FlagEndStream) && (fh.Type == FrameData || fh.Type == FrameHeaders) {
			r.done = true
			finished++
		}
	}
	c.Write(AppendGoAway(nil, 0, ErrCodeNo, nil))

	if len(settings) == 0 {
		t.Error("the server's SETTINGS carried no setting")
	}
	for i := range requests {
		r := resp[uint32(2*i+1)]
		if r == nil || !r.done {
			t.Fatalf("stream %d: no complete response", 2*i+1)
		}
		got := map[string]string{}
		for _, f := range r.fields {
			got[f.Name] = f.Value
		}
		n := strconv.Itoa(i)
		if got[":status"] != "200" || got["x-request"] != n || got["x-same"] != "the same value on every response" ||
			got["content-type"] != "text/plain; charset=utf-8" || got["x-big"] != strings.Repeat(n, 1500) {
			t.Errorf("stream %d: fields %v", 2*i+1, r.fields)
		}
		if want := "internal/h2 test|Bearer s3cr3t|" + strings.Repeat("~!", 100); got["x-echo"] != want {
			t.Errorf("stream %d: the server decoded our fields as %q, want %q", 2*i+1, got["x-echo"], want)
		}
		if want := "hello " + n + " via HTTP/2.0"; r.body != want {
			t.Errorf("stream %d: body %q, want %q", 2*i+1, r.body, want)
		}
	}
	if d.table.len() == 0 || d.table.max != tableSize || d.table.size > tableSize {
		t.Errorf("dynamic table of %d entries, %d bytes, maximum %d: want some, within %d", d.table.len(), d.table.size, d.table.max, tableSize)
	}
}
