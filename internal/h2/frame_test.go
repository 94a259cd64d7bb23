package h2

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/rfc6455/ws/internal/wstest"
)

// reencode parses the payload p of a frame with the parser of its type and
// encodes the result again with the matching Append function. For a type
// with no encoder (PRIORITY, PUSH_PROMISE, unknown types) it returns nil.
func reencode(h FrameHeader, p []byte) ([]byte, error) {
	switch h.Type {
	case FrameData:
		data, err := ParseData(h, p)
		if err != nil {
			return nil, err
		}
		return AppendData(nil, h.StreamID, h.Flags.Has(FlagEndStream), data), nil
	case FrameHeaders:
		block, err := ParseHeaders(h, p)
		if err != nil {
			return nil, err
		}
		return AppendHeaders(nil, h.StreamID, h.Flags.Has(FlagEndStream), h.Flags.Has(FlagEndHeaders), block), nil
	case FrameContinuation:
		block, err := ParseContinuation(h, p)
		if err != nil {
			return nil, err
		}
		return AppendContinuation(nil, h.StreamID, h.Flags.Has(FlagEndHeaders), block), nil
	case FrameSettings:
		var ss []Setting
		if err := ParseSettings(h, p, func(s Setting) error { ss = append(ss, s); return nil }); err != nil {
			return nil, err
		}
		if h.Flags.Has(FlagAck) {
			return AppendSettingsAck(nil), nil
		}
		return AppendSettings(nil, ss...), nil
	case FramePing:
		data, err := ParsePing(h, p)
		if err != nil {
			return nil, err
		}
		return AppendPing(nil, h.Flags.Has(FlagAck), data), nil
	case FrameRSTStream:
		code, err := ParseRSTStream(h, p)
		if err != nil {
			return nil, err
		}
		return AppendRSTStream(nil, h.StreamID, code), nil
	case FrameGoAway:
		last, code, debug, err := ParseGoAway(h, p)
		if err != nil {
			return nil, err
		}
		return AppendGoAway(nil, last, code, debug), nil
	case FrameWindowUpdate:
		inc, err := ParseWindowUpdate(h, p)
		if err != nil {
			return nil, err
		}
		return AppendWindowUpdate(nil, h.StreamID, inc), nil
	case FramePriority:
		return nil, ParsePriority(h, p)
	case FramePushPromise:
		_, _, err := ParsePushPromise(h, p)
		return nil, err
	}
	return nil, nil
}

// checkWant compares err with a fixture's "@want error CODE conn|stream
// SECTION" (want is what follows "error ").
func checkWant(t *testing.T, err error, want string) {
	t.Helper()
	fs := strings.Fields(want)
	if len(fs) != 3 {
		t.Fatalf("bad @want error %q: want CODE conn|stream SECTION", want)
	}
	var code ErrCode
	var reason string
	var ce *ConnError
	var se *StreamError
	switch {
	case errors.As(err, &ce) && fs[1] == "conn":
		code, reason = ce.Code, ce.Reason
	case errors.As(err, &se) && fs[1] == "stream":
		code, reason = se.Code, se.Reason
	default:
		t.Fatalf("err = %v (%T), want a %s error %s", err, err, fs[1], fs[0])
	}
	if code.String() != fs[0] || !strings.HasSuffix(reason, "Section "+fs[2]+")") {
		t.Errorf("err = %v, want %s citing Section %s", err, fs[0], fs[2])
	}
}

// TestFrameFixtures reads every testdata/frames fixture with a Reader (the
// initial 16384 maximum frame size), parses its payload, checks the result
// against @want, @describe, @data and @block, and for a valid frame encodes
// it again to exactly the file's bytes (unless @reencode no).
func TestFrameFixtures(t *testing.T) {
	t.Parallel()
	for _, fx := range wstest.Fixtures(t, filepath.Join("testdata", "frames")) {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			want := fx.Get("want")
			fr := NewReader(bytes.NewReader(fx.Bytes), 0)
			h, p, err := fr.ReadFrame()
			var re []byte
			if err == nil {
				if int(h.Length) != len(p) || len(p) != len(fx.Bytes)-FrameHeaderLen {
					t.Fatalf("ReadFrame: header %+v, %d payload bytes, from %d file bytes", h, len(p), len(fx.Bytes))
				}
				re, err = reencode(h, p)
				if d := fx.Get("describe"); d != "" {
					if got := Describe(h, p); got != d {
						t.Errorf("Describe = %q, want %q", got, d)
					}
				}
			}
			if e, ok := strings.CutPrefix(want, "error "); ok {
				checkWant(t, err, e)
				return
			}
			if want != "ok" {
				t.Fatalf("bad @want %q", want)
			}
			if err != nil {
				t.Fatalf("frame % x: %v", fx.Bytes, err)
			}
			if d := fx.Get("data"); d != "" {
				if got, _ := ParseData(h, p); string(got) != d {
					t.Errorf("ParseData = %q, want %q", got, d)
				}
			}
			if b := fx.Get("block"); b != "" {
				if got, _ := ParseHeaders(h, p); hex.EncodeToString(got) != b {
					t.Errorf("ParseHeaders = %x, want %s", got, b)
				}
			}
			if _, _, err := fr.ReadFrame(); err != io.EOF {
				t.Errorf("second ReadFrame: err = %v, want io.EOF (bytes left over)", err)
			}
			if fx.Get("reencode") == "no" {
				return
			}
			if !bytes.Equal(re, fx.Bytes) {
				t.Errorf("re-encoded frame differs:\n%s\nwant:\n%s", hex.Dump(re), hex.Dump(fx.Bytes))
			}
		})
	}
}

func TestFrameHeaderRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		h    FrameHeader
		wire string
	}{
		{"SETTINGS on stream 0 (4.1)", FrameHeader{Length: 0, Type: FrameSettings}, "000000040000000000"},
		{"largest length and stream id (4.1)", FrameHeader{Length: 1<<24 - 1, Type: FrameData, Flags: 0xff, StreamID: 1<<31 - 1}, "ffffff00ff7fffffff"},
		{"HEADERS END_STREAM|END_HEADERS on stream 1", FrameHeader{Length: 38, Type: FrameHeaders, Flags: FlagEndStream | FlagEndHeaders, StreamID: 1}, "000026010500000001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hex.EncodeToString(AppendFrameHeader(nil, tt.h))
			if got != tt.wire {
				t.Errorf("AppendFrameHeader(%+v) = %s, want %s", tt.h, got, tt.wire)
			}
			b, _ := hex.DecodeString(tt.wire)
			if h := ParseFrameHeader(b); h != tt.h {
				t.Errorf("ParseFrameHeader(%s) = %+v, want %+v", tt.wire, h, tt.h)
			}
		})
	}
	// "The semantics of this bit are undefined, and the bit MUST remain unset
	// (0x00) when sending and MUST be ignored when receiving." (4.1)
	h := ParseFrameHeader([]byte{0, 0, 0, 8, 0, 0xff, 0xff, 0xff, 0xff})
	if h.StreamID != 1<<31-1 {
		t.Errorf("reserved bit not masked: stream %d", h.StreamID)
	}
	if b := AppendFrameHeader(nil, FrameHeader{StreamID: 0xffffffff}); b[5]&0x80 != 0 {
		t.Errorf("AppendFrameHeader sent the reserved bit: % x", b)
	}
}

func TestClientPreface(t *testing.T) {
	t.Parallel()
	// RFC 9113, Section 3.4: "0x505249202a20485454502f322e300d0a0d0a534d0d0a0d0a"
	if got := hex.EncodeToString([]byte(ClientPreface)); got != "505249202a20485454502f322e300d0a0d0a534d0d0a0d0a" {
		t.Errorf("ClientPreface = %s", got)
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	tests := []struct{ got, want string }{
		{FrameWindowUpdate.String(), "WINDOW_UPDATE"},
		{FrameContinuation.String(), "CONTINUATION"},
		{FrameType(0xa).String(), "FRAME_TYPE_0xa"},
		{ErrCodeHTTP11Required.String(), "HTTP_1_1_REQUIRED"},
		{ErrCodeConnect.String(), "CONNECT_ERROR"},
		{ErrCode(0x1f).String(), "ERR_CODE_0x1f"},
		{SettingEnableConnectProtocol.String(), "ENABLE_CONNECT_PROTOCOL"},
		{SettingID(7).String(), "SETTING_0x7"},
		{Setting{SettingMaxFrameSize, 16384}.String(), "MAX_FRAME_SIZE=16384"},
		{(&ConnError{ErrCodeProtocol, "DATA frame on stream 0 (RFC 9113, Section 6.1)"}).Error(),
			"http2: connection error PROTOCOL_ERROR: DATA frame on stream 0 (RFC 9113, Section 6.1)"},
		{(&StreamError{3, ErrCodeProtocol, "x (RFC 9113, Section 6.9)"}).Error(),
			"http2: stream error on stream 3 PROTOCOL_ERROR: x (RFC 9113, Section 6.9)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestSettingValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    Setting
		code ErrCode // 0: valid
	}{
		{"ENABLE_PUSH 0 (6.5.2)", Setting{SettingEnablePush, 0}, 0},
		{"ENABLE_PUSH 1 (6.5.2)", Setting{SettingEnablePush, 1}, 0},
		{"ENABLE_PUSH 2 (6.5.2)", Setting{SettingEnablePush, 2}, ErrCodeProtocol},
		{"INITIAL_WINDOW_SIZE 2^31-1 (6.5.2)", Setting{SettingInitialWindowSize, 1<<31 - 1}, 0},
		{"INITIAL_WINDOW_SIZE 2^31 (6.5.2)", Setting{SettingInitialWindowSize, 1 << 31}, ErrCodeFlowControl},
		{"MAX_FRAME_SIZE 16384 (6.5.2)", Setting{SettingMaxFrameSize, 16384}, 0},
		{"MAX_FRAME_SIZE 16383 (6.5.2)", Setting{SettingMaxFrameSize, 16383}, ErrCodeProtocol},
		{"MAX_FRAME_SIZE 2^24-1 (6.5.2)", Setting{SettingMaxFrameSize, 1<<24 - 1}, 0},
		{"MAX_FRAME_SIZE 2^24 (6.5.2)", Setting{SettingMaxFrameSize, 1 << 24}, ErrCodeProtocol},
		{"ENABLE_CONNECT_PROTOCOL 1 (RFC 8441, 3)", Setting{SettingEnableConnectProtocol, 1}, 0},
		{"ENABLE_CONNECT_PROTOCOL 2 (RFC 8441, 3)", Setting{SettingEnableConnectProtocol, 2}, ErrCodeProtocol},
		{"HEADER_TABLE_SIZE any", Setting{SettingHeaderTableSize, 0xffffffff}, 0},
		{"unknown ignored (6.5.2)", Setting{0x99, 0xffffffff}, 0},
	}
	for _, tt := range tests {
		err := tt.s.Valid()
		var ce *ConnError
		switch {
		case tt.code == 0 && err != nil:
			t.Errorf("%s: %v.Valid() = %v, want nil", tt.name, tt.s, err)
		case tt.code != 0 && (!errors.As(err, &ce) || ce.Code != tt.code):
			t.Errorf("%s: %v.Valid() = %v, want a %v connection error", tt.name, tt.s, err, tt.code)
		}
	}
}

func TestParseSettingsCallbackError(t *testing.T) {
	t.Parallel()
	stop := errors.New("stop")
	n := 0
	b := AppendSettings(nil, Setting{SettingEnablePush, 0}, Setting{SettingMaxFrameSize, 1 << 20})
	err := ParseSettings(ParseFrameHeader(b), b[FrameHeaderLen:], func(Setting) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("ParseSettings = %v after %d calls, want the callback's error after 1", err, n)
	}
	// An invalid value stops the parse before the callback sees it.
	b = AppendSettings(nil, Setting{SettingEnablePush, 0}, Setting{SettingEnablePush, 5})
	var got []Setting
	err = ParseSettings(ParseFrameHeader(b), b[FrameHeaderLen:], func(s Setting) error { got = append(got, s); return nil })
	if err == nil || len(got) != 1 {
		t.Errorf("ParseSettings = %v, settings %v; want an error after the first", err, got)
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestReader(t *testing.T) {
	t.Parallel()
	var stream []byte
	stream = AppendSettings(stream, Setting{SettingEnableConnectProtocol, 1})
	stream = AppendData(stream, 1, false, bytes.Repeat([]byte("x"), 40000))
	stream = AppendPing(stream, false, [8]byte{1, 2, 3, 4, 5, 6, 7, 8})
	stream = AppendData(stream, 1, true, []byte("end"))
	types := []FrameType{FrameSettings, FrameData, FramePing, FrameData}
	lens := []int{6, 40000, 8, 3}

	readers := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
	}
	for name, wrap := range readers {
		t.Run("short reads: "+name, func(t *testing.T) {
			fr := NewReader(wrap(bytes.NewReader(stream)), 65536)
			for i := range types {
				h, p, err := fr.ReadFrame()
				if err != nil || h.Type != types[i] || len(p) != lens[i] {
					t.Fatalf("frame %d: %v len %d, %v; want %v len %d", i, h.Type, len(p), err, types[i], lens[i])
				}
			}
			if _, _, err := fr.ReadFrame(); err != io.EOF {
				t.Fatalf("after the last frame: err = %v, want io.EOF", err)
			}
		})
	}

	t.Run("EOF inside the header is ErrUnexpectedEOF", func(t *testing.T) {
		for n := 1; n < FrameHeaderLen; n++ {
			_, _, err := NewReader(bytes.NewReader(stream[:n]), 0).ReadFrame()
			if err != io.ErrUnexpectedEOF {
				t.Fatalf("%d header bytes: err = %v, want io.ErrUnexpectedEOF", n, err)
			}
		}
	})
	t.Run("EOF inside the payload is ErrUnexpectedEOF", func(t *testing.T) {
		for _, n := range []int{FrameHeaderLen, FrameHeaderLen + 1, 14} {
			_, _, err := NewReader(bytes.NewReader(stream[:n]), 0).ReadFrame()
			if err != io.ErrUnexpectedEOF {
				t.Fatalf("%d bytes of a 15-byte frame: err = %v, want io.ErrUnexpectedEOF", n, err)
			}
		}
		// A large frame cut short, through the growing path.
		big := stream[15 : 15+FrameHeaderLen+30000]
		if _, _, err := NewReader(bytes.NewReader(big), 65536).ReadFrame(); err != io.ErrUnexpectedEOF {
			t.Fatalf("40000-byte DATA cut at 30000: err = %v, want io.ErrUnexpectedEOF", err)
		}
	})
	t.Run("oversized frame refused before its payload is read (4.2)", func(t *testing.T) {
		cr := &countingReader{r: bytes.NewReader(stream[15:])} // the 40000-byte DATA
		fr := NewReader(cr, 0)
		h, p, err := fr.ReadFrame()
		var ce *ConnError
		if !errors.As(err, &ce) || ce.Code != ErrCodeFrameSize || p != nil || h.Length != 40000 {
			t.Fatalf("ReadFrame = %+v, %d bytes, %v; want the header and a FRAME_SIZE_ERROR", h, len(p), err)
		}
		if cr.n != FrameHeaderLen || cap(fr.buf) != 0 {
			t.Errorf("read %d bytes, buffered %d; want the 9 header bytes only", cr.n, cap(fr.buf))
		}
	})
	t.Run("memory grows with the bytes received, not the length announced", func(t *testing.T) {
		// A peer announces a 16 MiB frame (our maximum) and sends 100 bytes.
		b := AppendFrameHeader(nil, FrameHeader{Length: MaxFrameSizeLimit, Type: FrameData, StreamID: 1})
		b = append(b, make([]byte, 100)...)
		fr := NewReader(bytes.NewReader(b), MaxFrameSizeLimit)
		if _, _, err := fr.ReadFrame(); err != io.ErrUnexpectedEOF {
			t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
		}
		if cap(fr.buf) > DefaultMaxFrameSize {
			t.Errorf("buffer of %d bytes for 100 received", cap(fr.buf))
		}
	})
	t.Run("frames a little larger each time do not each allocate", func(t *testing.T) {
		var b []byte
		for n := 1; n <= 1000; n++ {
			b = AppendData(b, 1, false, bytes.Repeat([]byte{byte(n)}, n))
		}
		fr := NewReader(iotest.HalfReader(bytes.NewReader(b)), 0)
		grew, last := 0, 0
		for n := 1; n <= 1000; n++ {
			_, p, err := fr.ReadFrame()
			if err != nil || !bytes.Equal(p, bytes.Repeat([]byte{byte(n)}, n)) {
				t.Fatalf("frame of %d bytes: %d bytes read, %v", n, len(p), err)
			}
			if cap(fr.buf) != last {
				grew, last = grew+1, cap(fr.buf)
			}
		}
		if grew > 11 { // 1, 2, 4, ... 1024: the buffer doubles
			t.Errorf("buffer grew %d times over 1000 frames of 1 to 1000 bytes", grew)
		}
	})
	t.Run("SetMaxFrameSize clamps to 6.5.2's range", func(t *testing.T) {
		fr := NewReader(nil, 0)
		for _, tt := range []struct{ set, want uint32 }{{0, 16384}, {100, 16384}, {1 << 20, 1 << 20}, {1 << 30, 1<<24 - 1}} {
			fr.SetMaxFrameSize(tt.set)
			if fr.max != tt.want {
				t.Errorf("SetMaxFrameSize(%d): max %d, want %d", tt.set, fr.max, tt.want)
			}
		}
	})
	t.Run("reads other errors as they are", func(t *testing.T) {
		boom := errors.New("boom")
		if _, _, err := NewReader(iotest.ErrReader(boom), 0).ReadFrame(); err != boom {
			t.Errorf("err = %v, want %v", err, boom)
		}
	})
}

func TestDescribeInvalid(t *testing.T) {
	t.Parallel()
	got := Describe(FrameHeader{Type: FramePing, StreamID: 1}, make([]byte, 8))
	want := "PING stream=1 len=8 invalid: http2: connection error PROTOCOL_ERROR: PING frame on stream 1 (RFC 9113, Section 6.7)"
	if got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	long := AppendGoAway(nil, 1, ErrCodeNo, bytes.Repeat([]byte("a"), 100))
	if got := Describe(ParseFrameHeader(long), long[FrameHeaderLen:]); !strings.HasSuffix(got, `aaa"...`) || len(got) > 100 {
		t.Errorf("Describe of a long GOAWAY = %q, want its debug data cut", got)
	}
}

func TestDescribeInvalidSettings(t *testing.T) {
	t.Parallel()
	b := AppendSettings(nil, Setting{SettingEnablePush, 0}, Setting{SettingEnablePush, 2})
	got := Describe(ParseFrameHeader(b), b[FrameHeaderLen:])
	want := "SETTINGS stream=0 len=12 invalid: http2: connection error PROTOCOL_ERROR: SETTINGS_ENABLE_PUSH is 2, not 0 or 1 (RFC 9113, Section 6.5.2)"
	if got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}
