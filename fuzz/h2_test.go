package fuzz

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rfc6455/ws/internal/h2"
	"github.com/rfc6455/ws/internal/wstest"
)

// h2ErrTyped reports whether err is one of the errors internal/h2 documents
// for a peer's bytes: a *ConnError or *StreamError with a code and a reason
// citing its rule.
func h2ErrTyped(err error) bool {
	var ce *h2.ConnError
	var se *h2.StreamError
	switch {
	case errors.As(err, &ce):
		return ce.Code != h2.ErrCodeNo && strings.Contains(ce.Reason, ", Section ")
	case errors.As(err, &se):
		return se.Code != h2.ErrCodeNo && se.StreamID != 0 && strings.Contains(se.Reason, ", Section ")
	}
	return false
}

// h2Parse parses a frame's payload with the parser of its type and returns
// a canonical description of what the parser returned (flags that the
// encoders do not send, PADDED and PRIORITY, left out) and the frame encoded
// again by the matching Append function (nil for types without one).
func h2Parse(h h2.FrameHeader, p []byte) (string, []byte, error) {
	end := h.Flags.Has(h2.FlagEndStream)
	switch h.Type {
	case h2.FrameData:
		data, err := h2.ParseData(h, p)
		return fmt.Sprintf("DATA %d %v %x", h.StreamID, end, data), h2.AppendData(nil, h.StreamID, end, data), err
	case h2.FrameHeaders:
		block, err := h2.ParseHeaders(h, p)
		eh := h.Flags.Has(h2.FlagEndHeaders)
		return fmt.Sprintf("HEADERS %d %v %v %x", h.StreamID, end, eh, block), h2.AppendHeaders(nil, h.StreamID, end, eh, block), err
	case h2.FrameContinuation:
		block, err := h2.ParseContinuation(h, p)
		eh := h.Flags.Has(h2.FlagEndHeaders)
		return fmt.Sprintf("CONTINUATION %d %v %x", h.StreamID, eh, block), h2.AppendContinuation(nil, h.StreamID, eh, block), err
	case h2.FrameSettings:
		var ss []h2.Setting
		err := h2.ParseSettings(h, p, func(s h2.Setting) error { ss = append(ss, s); return nil })
		if h.Flags.Has(h2.FlagAck) {
			return "SETTINGS ACK", h2.AppendSettingsAck(nil), err
		}
		return fmt.Sprint("SETTINGS ", ss), h2.AppendSettings(nil, ss...), err
	case h2.FramePing:
		data, err := h2.ParsePing(h, p)
		ack := h.Flags.Has(h2.FlagAck)
		return fmt.Sprintf("PING %v %x", ack, data), h2.AppendPing(nil, ack, data), err
	case h2.FrameRSTStream:
		code, err := h2.ParseRSTStream(h, p)
		return fmt.Sprintf("RST_STREAM %d %v", h.StreamID, code), h2.AppendRSTStream(nil, h.StreamID, code), err
	case h2.FrameGoAway:
		last, code, debug, err := h2.ParseGoAway(h, p)
		return fmt.Sprintf("GOAWAY %d %v %x", last, code, debug), h2.AppendGoAway(nil, last, code, debug), err
	case h2.FrameWindowUpdate:
		inc, err := h2.ParseWindowUpdate(h, p)
		return fmt.Sprintf("WINDOW_UPDATE %d %d", h.StreamID, inc), h2.AppendWindowUpdate(nil, h.StreamID, inc), err
	case h2.FramePriority:
		return "PRIORITY", nil, h2.ParsePriority(h, p)
	case h2.FramePushPromise:
		id, block, err := h2.ParsePushPromise(h, p)
		return fmt.Sprintf("PUSH_PROMISE %d %x", id, block), nil, err
	}
	return "", nil, nil // unknown types are ignored (RFC 9113, Section 4.1)
}

// FuzzH2Frames: Property: arbitrary bytes read as HTTP/2 frames with
// h2.Reader (16384-byte limit), each parsed by the parser of its type and
// described with Describe, never panic; reading stops with io.EOF,
// io.ErrUnexpectedEOF or a typed error; parser errors are *ConnError or
// *StreamError citing their rule; a frame a parser accepts, encoded again
// with the matching Append function, reads and parses to the same values.
func FuzzH2Frames(f *testing.F) {
	for _, fx := range wstest.Fixtures(f, filepath.Join(wstest.RepoRoot(f), "internal", "h2", "testdata", "frames")) {
		f.Add(fx.Bytes)
	}
	// A client's first bytes after the preface: SETTINGS, WINDOW_UPDATE, then
	// an extended CONNECT HEADERS cut into HEADERS + CONTINUATION.
	var start []byte
	start = h2.AppendSettings(start, h2.Setting{ID: h2.SettingEnablePush}, h2.Setting{ID: h2.SettingInitialWindowSize, Val: 1 << 20})
	start = h2.AppendWindowUpdate(start, 0, 1<<20)
	start = h2.AppendHeaders(start, 1, false, false, []byte{0x02, 0x07, 'C', 'O', 'N', 'N', 'E', 'C', 'T'})
	start = h2.AppendContinuation(start, 1, true, []byte{0x87, 0x84})
	start = h2.AppendData(start, 1, true, nil)
	f.Add(start)
	f.Add(h2.AppendGoAway(nil, 1<<31-1, 0xffffffff, []byte("\x00\xffbye")))
	f.Add([]byte{0, 0x40, 0, 0, 0, 0, 0, 0, 1}) // exactly 16384 bytes announced, none sent
	f.Fuzz(func(t *testing.T, data []byte) {
		fr := h2.NewReader(bytes.NewReader(data), 0)
		for {
			h, p, err := fr.ReadFrame()
			if err != nil {
				if err != io.EOF && err != io.ErrUnexpectedEOF && !h2ErrTyped(err) {
					t.Fatalf("ReadFrame: untyped error %v", err)
				}
				return
			}
			if len(p) != int(h.Length) {
				t.Fatalf("ReadFrame: %d payload bytes for %+v", len(p), h)
			}
			if d := h2.Describe(h, p); !strings.HasPrefix(d, h.Type.String()) {
				t.Fatalf("Describe = %q for a %v frame", d, h.Type)
			}
			got, re, err := h2Parse(h, p)
			if err != nil {
				if !h2ErrTyped(err) {
					t.Fatalf("%v: untyped error %v", h.Type, err)
				}
				continue
			}
			if re == nil {
				continue
			}
			fr2 := h2.NewReader(bytes.NewReader(re), 0)
			h2h, p2, err := fr2.ReadFrame()
			if err != nil {
				t.Fatalf("re-encoded %v (% x) does not read: %v", h.Type, re, err)
			}
			again, _, err := h2Parse(h2h, p2)
			if err != nil || again != got {
				t.Fatalf("re-encoded frame parses as %q, %v; want %q", again, err, got)
			}
		}
	})
}

// hpackBlocks splits fuzz input into header blocks, each preceded by a
// 1-byte length (the last one taking what is left).
func hpackBlocks(data []byte) [][]byte {
	var blocks [][]byte
	for len(data) > 0 {
		n := min(int(data[0]), len(data)-1)
		blocks, data = append(blocks, data[1:1+n]), data[1+n:]
	}
	return blocks
}

// hpackSeed joins hex blocks in the form hpackBlocks splits.
func hpackSeed(blocks ...string) []byte {
	var out []byte
	for _, s := range blocks {
		b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
		if err != nil || len(b) > 255 {
			panic("bad seed " + s)
		}
		out = append(append(out, byte(len(b))), b...)
	}
	return out
}

const (
	hpackFuzzTable = 256  // the RFC 7541 C.5/C.6 table size: eviction happens
	hpackFuzzList  = 1024 // header list bound
)

// FuzzHPACKDecode: Property: a Decoder (256-byte table, 1024-byte header
// list bound) fed arbitrary blocks in a row never panics (nor CheckField on
// the fields it emits); its errors are
// COMPRESSION_ERROR connection errors or ErrHeaderListTooLarge (after which
// the next block still decodes); the fields it emits for a block never add
// up to more than the bound; and the fields of a block it accepts, encoded
// with h2.Encoder, decode on a fresh Decoder with no dynamic table to the
// same fields, sensitivity included.
func FuzzHPACKDecode(f *testing.F) {
	// RFC 7541, Appendix C.3 to C.6, each a sequence of blocks on one Decoder.
	f.Add(hpackSeed("828684410f7777772e6578616d706c652e636f6d", "828684be58086e6f2d6361636865",
		"828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565"))
	f.Add(hpackSeed("828684418cf1e3c2e5f23a6ba0ab90f4ff", "828684be5886a8eb10649cbf",
		"828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf"))
	f.Add(hpackSeed("4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
		"4803333037c1c0bf",
		"88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31"))
	f.Add(hpackSeed("488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
		"4883640effc1c0bf",
		"88c16196d07abe941054d444a8200595040b8166e084a62d1bff c05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007"))
	f.Add(hpackSeed("10087061737377 6f72640673656372 6574", "20 82", "3fe11f 82 20"))         // never indexed; size updates
	f.Add(hpackSeed("80", "be", "ff8080808010", "0084ffffffff00", "0082ffff00", "008118 00")) // errors
	f.Fuzz(func(t *testing.T, data []byte) {
		d := h2.NewDecoder(hpackFuzzTable)
		d.SetMaxHeaderListSize(hpackFuzzList)
		var e h2.Encoder
		for _, block := range hpackBlocks(data) {
			var fs []h2.HeaderField
			size := uint64(0)
			err := d.Decode(block, func(hf h2.HeaderField) error {
				fs = append(fs, hf)
				size += uint64(hf.Size())
				var se *h2.StreamError
				if err := h2.CheckField(1, hf); err != nil && (!errors.As(err, &se) || se.Code != h2.ErrCodeProtocol) {
					t.Fatalf("CheckField(%+v) = %v, want nil or a PROTOCOL_ERROR stream error", hf, err)
				}
				return nil
			})
			if size > hpackFuzzList {
				t.Fatalf("emitted %d bytes of fields, bound %d", size, hpackFuzzList)
			}
			if errors.Is(err, h2.ErrHeaderListTooLarge) {
				continue
			}
			if err != nil {
				var ce *h2.ConnError
				if !errors.As(err, &ce) || ce.Code != h2.ErrCodeCompression || !strings.Contains(ce.Reason, "(RFC 7541, Section ") {
					t.Fatalf("Decode(% x): error %v, want a COMPRESSION_ERROR citing RFC 7541", block, err)
				}
				return // the connection would end here
			}
			var enc []byte
			for _, hf := range fs {
				enc = e.AppendField(enc, hf)
			}
			var back []h2.HeaderField
			if err := h2.NewDecoder(0).Decode(enc, func(hf h2.HeaderField) error { back = append(back, hf); return nil }); err != nil {
				t.Fatalf("Encoder output % x does not decode: %v", enc, err)
			}
			if len(back) != len(fs) {
				t.Fatalf("round trip: %d fields, want %d", len(back), len(fs))
			}
			for i := range fs {
				if back[i] != fs[i] {
					t.Fatalf("round trip field %d: %+v, want %+v", i, back[i], fs[i])
				}
			}
		}
	})
}
