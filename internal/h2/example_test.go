package h2_test

import (
	"bytes"
	"fmt"

	"github.com/rfc6455/ws/internal/h2"
)

// A client's extended CONNECT request (RFC 8441, Section 4) as a HEADERS
// frame, read back and decoded as a server would.
func ExampleEncoder_AppendField() {
	var e h2.Encoder
	var block []byte
	for _, f := range []h2.HeaderField{
		{Name: ":method", Value: "CONNECT"},
		{Name: ":protocol", Value: "websocket"},
		{Name: ":scheme", Value: "https"},
		{Name: ":path", Value: "/chat"},
		{Name: ":authority", Value: "example.com"},
	} {
		block = e.AppendField(block, f)
	}
	wire := h2.AppendHeaders(nil, 1, false, true, block)

	h, p, _ := h2.NewReader(bytes.NewReader(wire), 0).ReadFrame()
	fmt.Println(h2.Describe(h, p))
	block, _ = h2.ParseHeaders(h, p)
	h2.NewDecoder(4096).Decode(block, func(f h2.HeaderField) error {
		fmt.Println(f)
		return nil
	})
	// Output:
	// HEADERS stream=1 len=43 END_HEADERS
	// :method: CONNECT
	// :protocol: websocket
	// :scheme: https
	// :path: /chat
	// :authority: example.com
}

// A server's SETTINGS frame announcing extended CONNECT (RFC 8441, Section 3).
func ExampleParseSettings() {
	wire := h2.AppendSettings(nil, h2.Setting{ID: h2.SettingEnableConnectProtocol, Val: 1})
	fmt.Printf("% x\n", wire)
	h := h2.ParseFrameHeader(wire)
	h2.ParseSettings(h, wire[h2.FrameHeaderLen:], func(s h2.Setting) error {
		fmt.Println(s.ID, s.Val)
		return nil
	})
	// A bad value is a connection error naming its rule.
	bad := h2.AppendSettings(nil, h2.Setting{ID: h2.SettingMaxFrameSize, Val: 1024})
	fmt.Println(h2.ParseSettings(h2.ParseFrameHeader(bad), bad[h2.FrameHeaderLen:], nil))
	// Output:
	// 00 00 06 04 00 00 00 00 00 00 08 00 00 00 01
	// ENABLE_CONNECT_PROTOCOL 1
	// http2: connection error PROTOCOL_ERROR: SETTINGS_MAX_FRAME_SIZE 1024 outside 16384..16777215 (RFC 9113, Section 6.5.2)
}
