package h2

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeAll decodes block and returns the fields.
func decodeAll(d *Decoder, block []byte) ([]HeaderField, error) {
	var fs []HeaderField
	err := d.Decode(block, func(f HeaderField) error { fs = append(fs, f); return nil })
	return fs, err
}

// tableState renders the dynamic table as RFC 7541, Appendix C prints it:
// "[  1] (s =  55) custom-key: custom-header" lines, then the size.
func tableState(d *Decoder) string {
	var b strings.Builder
	for i := 1; i <= d.table.len(); i++ {
		f := d.table.get(i)
		b.WriteString(itoa(i) + " (s=" + utoa(f.Size()) + ") " + f.Name + ": " + f.Value + "\n")
	}
	b.WriteString("size " + utoa(d.table.size))
	return b.String()
}

func fields(kv ...string) []HeaderField {
	var fs []HeaderField
	for i := 0; i < len(kv); i += 2 {
		fs = append(fs, HeaderField{Name: kv[i], Value: kv[i+1]})
	}
	return fs
}

func equalFields(a, b []HeaderField) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

type appendixStep struct {
	block  string
	fields []HeaderField
	table  string // tableState after the block
}

const (
	date21 = "Mon, 21 Oct 2013 20:13:21 GMT"
	date22 = "Mon, 21 Oct 2013 20:13:22 GMT"
	cookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"
)

var (
	// RFC 7541, Appendix C.3 and C.4: the same three requests, without and
	// with Huffman coding, decode to the same fields and table states.
	requestFields = [][]HeaderField{
		fields(":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com"),
		fields(":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com", "cache-control", "no-cache"),
		fields(":method", "GET", ":scheme", "https", ":path", "/index.html", ":authority", "www.example.com", "custom-key", "custom-value"),
	}
	requestTables = []string{
		"1 (s=57) :authority: www.example.com\nsize 57",
		"1 (s=53) cache-control: no-cache\n2 (s=57) :authority: www.example.com\nsize 110",
		"1 (s=54) custom-key: custom-value\n2 (s=53) cache-control: no-cache\n3 (s=57) :authority: www.example.com\nsize 164",
	}
	// Appendix C.5 and C.6: three responses with a 256-byte table, so the
	// second evicts ":status: 302" and the third evicts three entries.
	responseFields = [][]HeaderField{
		fields(":status", "302", "cache-control", "private", "date", date21, "location", "https://www.example.com"),
		fields(":status", "307", "cache-control", "private", "date", date21, "location", "https://www.example.com"),
		fields(":status", "200", "cache-control", "private", "date", date22, "location", "https://www.example.com",
			"content-encoding", "gzip", "set-cookie", cookie),
	}
	responseTables = []string{
		"1 (s=63) location: https://www.example.com\n2 (s=65) date: " + date21 + "\n3 (s=52) cache-control: private\n4 (s=42) :status: 302\nsize 222",
		"1 (s=42) :status: 307\n2 (s=63) location: https://www.example.com\n3 (s=65) date: " + date21 + "\n4 (s=52) cache-control: private\nsize 222",
		"1 (s=98) set-cookie: " + cookie + "\n2 (s=52) content-encoding: gzip\n3 (s=65) date: " + date22 + "\nsize 215",
	}
)

// appendixC holds every example of RFC 7541, Appendix C: the table size
// the decoder starts with and the blocks decoded in a row on one Decoder.
var appendixC = []struct {
	name      string
	tableSize uint32
	steps     []appendixStep
}{
	{"C.2.1 literal with indexing", 4096, []appendixStep{{
		"400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
		fields("custom-key", "custom-header"), "1 (s=55) custom-key: custom-header\nsize 55"}}},
	{"C.2.2 literal without indexing", 4096, []appendixStep{{
		"040c 2f73 616d 706c 652f 7061 7468", fields(":path", "/sample/path"), "size 0"}}},
	{"C.2.3 literal never indexed", 4096, []appendixStep{{
		"1008 7061 7373 776f 7264 0673 6563 7265 74",
		[]HeaderField{{Name: "password", Value: "secret", Sensitive: true}}, "size 0"}}},
	{"C.2.4 indexed", 4096, []appendixStep{{"82", fields(":method", "GET"), "size 0"}}},
	{"C.3 requests without Huffman", 4096, []appendixStep{
		{"8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d", requestFields[0], requestTables[0]},
		{"8286 84be 5808 6e6f 2d63 6163 6865", requestFields[1], requestTables[1]},
		{"8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65", requestFields[2], requestTables[2]},
	}},
	{"C.4 requests with Huffman", 4096, []appendixStep{
		{"8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff", requestFields[0], requestTables[0]},
		{"8286 84be 5886 a8eb 1064 9cbf", requestFields[1], requestTables[1]},
		{"8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf", requestFields[2], requestTables[2]},
	}},
	{"C.5 responses without Huffman", 256, []appendixStep{
		{`4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d
		  546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d`, responseFields[0], responseTables[0]},
		{"4803 3330 37c1 c0bf", responseFields[1], responseTables[1]},
		{`88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f
		  6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630
		  303b 2076 6572 7369 6f6e 3d31`, responseFields[2], responseTables[2]},
	}},
	{"C.6 responses with Huffman", 256, []appendixStep{
		{`4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7
		  8f0b 97c8 e9ae 82ae 43d3`, responseFields[0], responseTables[0]},
		{"4883 640e ffc1 c0bf", responseFields[1], responseTables[1]},
		{`88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335
		  dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07`, responseFields[2], responseTables[2]},
	}},
}

func TestAppendixC(t *testing.T) {
	t.Parallel()
	for _, tt := range appendixC {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := NewDecoder(tt.tableSize)
			for i, st := range tt.steps {
				got, err := decodeAll(d, unhex(t, st.block))
				if err != nil {
					t.Fatalf("block %d: %v", i+1, err)
				}
				if !equalFields(got, st.fields) {
					t.Errorf("block %d: fields\n%v\nwant\n%v", i+1, got, st.fields)
				}
				if s := tableState(d); s != st.table {
					t.Errorf("block %d: dynamic table\n%s\nwant\n%s", i+1, s, st.table)
				}
			}
		})
	}
}

// TestEncoderAppendixCBytes checks that the Encoder's Huffman coding of the
// strings of Appendix C.4 and C.6 is the RFC's, byte for byte.
func TestEncoderAppendixCBytes(t *testing.T) {
	t.Parallel()
	var e Encoder
	tests := []struct {
		f    HeaderField
		want string
	}{
		{HeaderField{Name: ":method", Value: "GET"}, "82"},                                                                      // static pair (6.1)
		{HeaderField{Name: ":authority", Value: "www.example.com"}, "01 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"},                      // C.4.1 string
		{HeaderField{Name: "cache-control", Value: "no-cache"}, "0f09 86 a8eb 1064 9cbf"},                                       // name index 24, C.4.2 string
		{HeaderField{Name: "custom-key", Value: "custom-value"}, "00 88 25a8 49e9 5ba9 7d7f 89 25a8 49e9 5bb8 e8b4 bf"},         // C.4.3
		{HeaderField{Name: "location", Value: "https://www.example.com"}, "0f1f 91 9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3"}, // C.6.1
		{HeaderField{Name: ":status", Value: "302"}, "08 82 6402"},                                                              // name index 8, C.6.1 string
		{HeaderField{Name: "password", Value: "secret", Sensitive: true}, "10 86 ac68 4783 d927 84 4149 6153"},                  // never indexed (6.2.3)
		{HeaderField{Name: ":method", Value: "GET", Sensitive: true}, "12 03 474554"},                                           // sensitive: never an index of a pair
		{HeaderField{Name: "x", Value: ""}, "00 01 78 00"},                                                                      // raw where Huffman is not shorter
	}
	for _, tt := range tests {
		got := e.AppendField(nil, tt.f)
		if want := unhex(t, tt.want); !bytes.Equal(got, want) {
			t.Errorf("AppendField(%+v) = % x, want % x", tt.f, got, want)
		}
	}
}

// TestEncoderRoundTrip checks that every field the Encoder writes decodes to
// itself and leaves the peer's dynamic table empty.
func TestEncoderRoundTrip(t *testing.T) {
	t.Parallel()
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	in := []HeaderField{
		{Name: ":method", Value: "CONNECT"},
		{Name: ":protocol", Value: "websocket"},
		{Name: ":scheme", Value: "https"},
		{Name: ":path", Value: "/chat?room=1"},
		{Name: ":authority", Value: "example.com:8443"},
		{Name: "sec-websocket-version", Value: "13"},
		{Name: "sec-websocket-protocol", Value: "chat, superchat"},
		{Name: "authorization", Value: "Bearer abc", Sensitive: true},
		{Name: "empty", Value: ""},
		{Name: "binary", Value: string(all)},
		{Name: "long", Value: strings.Repeat("z", 300)},
		{Name: ":status", Value: "200"},
	}
	var e Encoder
	var block []byte
	for _, f := range in {
		block = e.AppendField(block, f)
	}
	d := NewDecoder(4096)
	got, err := decodeAll(d, block)
	if err != nil {
		t.Fatal(err)
	}
	if !equalFields(got, in) {
		t.Errorf("round trip:\n%v\nwant\n%v", got, in)
	}
	if d.table.len() != 0 {
		t.Errorf("the Encoder added %d dynamic table entries", d.table.len())
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		block   string
		section string // of RFC 7541
	}{
		{"index 0 (6.1)", "80", "6.1"},
		{"index past both tables (2.3.3)", "be", "2.3.3"},
		{"literal name index past both tables (2.3.3)", "7f00 0161", "2.3.3"},
		{"integer truncated (5.1)", "ff", "5.1"},
		{"integer truncated in a continuation (5.1)", "ff 80", "5.1"},
		{"integer over 2^32-1 (5.1)", "ff 80 80 80 80 10", "5.1"},
		{"integer of six continuation bytes (5.1)", "ff 80 80 80 80 80 00", "5.1"},
		{"string longer than the block (5.2)", "00 05 6162", "5.2"},
		{"string length missing (5.2)", "00", "5.2"},
		{"value missing (5.2)", "00 0161", "5.2"},
		{"Huffman string with EOS (5.2)", "00 84 ffff ffff 00", "5.2"},
		{"Huffman padding over 7 bits (5.2)", "00 82 ffff 00", "5.2"},
		{"Huffman padding not all ones (5.2)", "00 81 18 00", "5.2"},
		{"size update after a field (4.2)", "82 20", "4.2"},
		{"size update above the limit (6.3)", "3fe2 1f", "6.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emitted := 0
			err := NewDecoder(4096).Decode(unhex(t, tt.block), func(HeaderField) error { emitted++; return nil })
			var ce *ConnError
			if !errors.As(err, &ce) || ce.Code != ErrCodeCompression || !strings.Contains(ce.Reason, "(RFC 7541, Section "+tt.section+")") {
				t.Fatalf("Decode(%s) = %v, want a COMPRESSION_ERROR citing RFC 7541, Section %s", tt.block, err, tt.section)
			}
		})
	}
}

func TestDynamicTableSize(t *testing.T) {
	t.Parallel()
	d := NewDecoder(4096)
	// Two updates at the start of a block are allowed (4.2); 4096 = 31+97+31<<7.
	if _, err := decodeAll(d, unhex(t, "20 3fe1 1f 82")); err != nil {
		t.Fatalf("two size updates then a field: %v", err)
	}
	if _, err := decodeAll(d, unhex(t, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572")); err != nil {
		t.Fatal(err)
	}
	// An update to 0 empties the table (4.3); its index is then out of range.
	if _, err := decodeAll(d, unhex(t, "20")); err != nil || d.table.len() != 0 || d.table.size != 0 {
		t.Fatalf("size update to 0: %v, %d entries", err, d.table.len())
	}
	if _, err := decodeAll(d, unhex(t, "be")); err == nil {
		t.Fatal("index 62 decoded after the table was emptied")
	}
	// An entry larger than the table empties it (4.4): limit 60, the 55-byte
	// custom-key entry fits, a 62-byte one then evicts it and is not added.
	if _, err := decodeAll(d, unhex(t, "3f1d 400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572")); err != nil || d.table.len() != 1 {
		t.Fatalf("55-byte entry in a 60-byte table: %v, %d entries", err, d.table.len())
	}
	got, err := decodeAll(d, unhex(t, "40 0161 1d"+strings.Repeat("62", 29)))
	if err != nil || len(got) != 1 || d.table.len() != 0 || d.table.size != 0 {
		t.Fatalf("entry larger than the table: %v, %v, %d entries, size %d; want the field emitted, the table empty", got, err, d.table.len(), d.table.size)
	}
}

// TestDynamicTableRing adds many entries through a small table and checks
// that the newest stay addressable, in order, while the slice stays small.
func TestDynamicTableRing(t *testing.T) {
	t.Parallel()
	var tab dynamicTable
	tab.max = 4 * 34 // four entries of name "n", value "v" + one digit
	for i := range 1000 {
		tab.add(HeaderField{Name: "n", Value: "v" + string(rune('0'+i%10))})
		if tab.len() > 4 || tab.size > tab.max {
			t.Fatalf("after %d adds: %d entries, size %d", i+1, tab.len(), tab.size)
		}
		if got := tab.get(1).Value; got != "v"+string(rune('0'+i%10)) {
			t.Fatalf("after %d adds: newest %q", i+1, got)
		}
	}
	if cap(tab.ents) > 64 {
		t.Errorf("slice capacity %d for a 4-entry table", cap(tab.ents))
	}
}

func TestHeaderListTooLarge(t *testing.T) {
	t.Parallel()
	var e Encoder
	var block []byte
	for range 10 {
		block = e.AppendField(block, HeaderField{Name: "x-field", Value: strings.Repeat("v", 30)}) // 69 bytes each
	}
	// An indexed literal after the bound is crossed must still enter the
	// dynamic table, so that the next block decodes (the connection survives).
	block = append(block, unhex(t, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572")...) // C.2.1, raw
	block = append(block, unhex(t, "4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf")...)                // C.4.3, Huffman
	d := NewDecoder(4096)
	d.SetMaxHeaderListSize(200)
	got, err := decodeAll(d, block)
	if !errors.Is(err, ErrHeaderListTooLarge) || len(got) != 2 {
		t.Fatalf("Decode = %d fields, %v; want the 2 fields within 200 bytes and ErrHeaderListTooLarge", len(got), err)
	}
	got, err = decodeAll(d, unhex(t, "be bf"))
	if err != nil || !equalFields(got, fields("custom-key", "custom-value", "custom-key", "custom-header")) {
		t.Fatalf("next block: %v, %v; want both custom-key entries from the dynamic table", got, err)
	}
	// 0 means no bound.
	d.SetMaxHeaderListSize(0)
	if got, err := decodeAll(d, block); err != nil || len(got) != 12 {
		t.Errorf("no bound: %d fields, %v", len(got), err)
	}
}

// TestHeaderListBomb: a block of one-byte references to a 4 KiB dynamic
// table entry stops being expanded once over the bound, and allocates
// nothing per reference.
func TestHeaderListBomb(t *testing.T) {
	// Not parallel: AllocsPerRun.
	big := strings.Repeat("a", 4000)
	var e Encoder
	setup := append([]byte{0x40}, e.AppendField(nil, HeaderField{Name: "b", Value: big})[1:]...) // literal with indexing
	d := NewDecoder(4096)
	d.SetMaxHeaderListSize(16 << 10)
	if _, err := decodeAll(d, setup); err != nil || d.table.len() != 1 {
		t.Fatalf("setup: %v, %d entries", err, d.table.len())
	}
	bomb := bytes.Repeat([]byte{0xbe}, 100000) // 100 KB of "index 62": 400 MB expanded
	n := 0
	allocs := testing.AllocsPerRun(5, func() {
		n = 0
		err := d.Decode(bomb, func(f HeaderField) error { n++; return nil })
		if !errors.Is(err, ErrHeaderListTooLarge) {
			t.Fatalf("err = %v, want ErrHeaderListTooLarge", err)
		}
	})
	if n != 4 || allocs > 8 {
		t.Errorf("emitted %d fields with %.0f allocations, want 4 fields and a few allocations for the error, none per reference", n, allocs)
	}
}

func TestDecodeEmitError(t *testing.T) {
	t.Parallel()
	stop := errors.New("stop")
	n := 0
	err := NewDecoder(4096).Decode(unhex(t, "8286 84"), func(HeaderField) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("Decode = %v after %d fields, want emit's error after 1", err, n)
	}
}

// TestDecodeDoesNotWriteBlock checks that Decode leaves the caller's block
// alone: the Huffman scratch buffers never alias it.
func TestDecodeDoesNotWriteBlock(t *testing.T) {
	t.Parallel()
	block := unhex(t, "00 0161 0162 00 0163 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff 00 88 25a8 49e9 5ba9 7d7f 89 25a8 49e9 5bb8 e8b4 bf")
	orig := bytes.Clone(block)
	d := NewDecoder(4096)
	for range 3 {
		got, err := decodeAll(d, block)
		if err != nil || !equalFields(got, fields("a", "b", "c", "www.example.com", "custom-key", "custom-value")) {
			t.Fatalf("Decode = %v, %v", got, err)
		}
	}
	if !bytes.Equal(block, orig) {
		t.Errorf("Decode modified its input:\n% x\nwas\n% x", block, orig)
	}
}

func TestHeaderFieldSize(t *testing.T) {
	t.Parallel()
	// RFC 7541, Section 4.1: 32 + name + value; C.2.1's entry is 55.
	if got := (HeaderField{Name: "custom-key", Value: "custom-header"}).Size(); got != 55 {
		t.Errorf("Size = %d, want 55", got)
	}
	if got := (HeaderField{Name: "authorization", Value: "secret", Sensitive: true}).String(); strings.Contains(got, "secret") {
		t.Errorf("String of a sensitive field = %q shows its value", got)
	}
}

func BenchmarkDecode(b *testing.B) {
	// A typical extended CONNECT request (RFC 8441, Section 4) from our
	// Encoder: static indexes, literals without indexing, Huffman strings.
	var e Encoder
	var block []byte
	for _, f := range []HeaderField{
		{Name: ":method", Value: "CONNECT"},
		{Name: ":protocol", Value: "websocket"},
		{Name: ":scheme", Value: "https"},
		{Name: ":path", Value: "/chat?room=general"},
		{Name: ":authority", Value: "server.example.com"},
		{Name: "sec-websocket-version", Value: "13"},
		{Name: "sec-websocket-protocol", Value: "chat, superchat"},
		{Name: "sec-websocket-extensions", Value: "permessage-deflate; client_max_window_bits"},
		{Name: "origin", Value: "https://example.com"},
		{Name: "user-agent", Value: "rfc6455-ws/1.0"},
	} {
		block = e.AppendField(block, f)
	}
	d := NewDecoder(4096)
	d.SetMaxHeaderListSize(64 << 10)
	b.SetBytes(int64(len(block)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Decode(block, func(HeaderField) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSetMaxTableSize: once we lower SETTINGS_HEADER_TABLE_SIZE and the peer
// acknowledges it, its next block must start with a size update within the
// new limit (RFC 7541, Section 4.2).
func TestSetMaxTableSize(t *testing.T) {
	t.Parallel()
	custom := "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572" // C.2.1, 55 bytes
	tests := []struct {
		name    string
		block   string
		section string // "" for success
	}{
		{"block without the size update (4.2)", "be", "4.2"},
		{"size update above the new limit (6.3)", "3f 22 be", "6.3"}, // 31+34 = 65
		{"size update to the new limit, entry kept", "3f 21 be", ""}, // 64
		{"two size updates, the first to 0, evicting", "20 3f 21 82", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(4096)
			if _, err := decodeAll(d, unhex(t, custom)); err != nil {
				t.Fatal(err)
			}
			d.SetMaxTableSize(64)
			_, err := decodeAll(d, unhex(t, tt.block))
			var ce *ConnError
			switch {
			case tt.section == "" && err != nil:
				t.Fatalf("Decode(%s) = %v", tt.block, err)
			case tt.section != "" && (!errors.As(err, &ce) || !strings.Contains(ce.Reason, "Section "+tt.section+")")):
				t.Fatalf("Decode(%s) = %v, want a COMPRESSION_ERROR citing Section %s", tt.block, err, tt.section)
			}
		})
	}
	// Raising the limit needs no update.
	d := NewDecoder(4096)
	d.SetMaxTableSize(8192)
	if _, err := decodeAll(d, unhex(t, "82")); err != nil {
		t.Errorf("after raising the limit: %v", err)
	}
}
