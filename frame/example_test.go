package frame_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/rfc6455/ws/frame"
)

// The masked "Hello" of RFC 6455, Section 5.7, built by hand.
func ExampleAppendHeader() {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	payload := []byte("Hello")
	b := frame.AppendHeader(nil, frame.Header{Fin: true, Opcode: frame.OpText, Masked: true, MaskKey: key, PayloadLen: int64(len(payload))})
	start := len(b)
	b = append(b, payload...)
	frame.Mask(key, b[start:], 0)
	fmt.Printf("% x\n", b)
	// Output: 81 85 37 fa 21 3d 7f 9f 4d 51 58
}

func ExampleParseHeader() {
	wire := []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}
	if _, _, err := frame.ParseHeader(wire[:3]); err == frame.ErrShortHeader {
		fmt.Println("3 bytes: need more")
	}
	h, n, err := frame.ParseHeader(wire)
	if err != nil {
		panic(err)
	}
	payload := wire[n : n+int(h.PayloadLen)]
	frame.Mask(h.MaskKey, payload, 0)
	fmt.Printf("%s fin=%v masked=%v %q\n", h.Opcode, h.Fin, h.Masked, payload)

	// A 16-bit length of 5 is not minimal: rejected with 1002.
	_, _, err = frame.ParseHeader([]byte{0x81, 0x7e, 0x00, 0x05})
	var pe frame.ProtocolError
	if errors.As(err, &pe) {
		fmt.Println(pe.Code, "-", err)
	}
	// Output:
	// 3 bytes: need more
	// text fin=true masked=true "Hello"
	// 1002 (protocol error) - frame: payload length not encoded in the minimal number of bytes (RFC 6455, Section 5.2)
}

// Sequence checks the fragments of RFC 6455, Section 5.7's "Hel" + "lo",
// with a ping between them, then a stray continuation.
func ExampleSequence() {
	var s frame.Sequence // frames from a server, no extensions
	for _, h := range []frame.Header{
		{Opcode: frame.OpText, PayloadLen: 3},
		{Fin: true, Opcode: frame.OpPing},
		{Fin: true, Opcode: frame.OpContinuation, PayloadLen: 2},
		{Fin: true, Opcode: frame.OpContinuation},
	} {
		err := s.Next(h)
		fmt.Println(h.Opcode, s.InMessage(), err)
	}
	// Output:
	// text true <nil>
	// ping true <nil>
	// continuation false <nil>
	// continuation false frame: continuation frame without a message in progress (RFC 6455, Section 5.4)
}

func ExampleParseClosePayload() {
	p, err := frame.ParseClosePayload([]byte{0x03, 0xe9, 'b', 'y', 'e'})
	fmt.Println(p.Code, p.Reason, err)
	p, err = frame.ParseClosePayload(nil)
	fmt.Println(p.Code, err)
	// Output:
	// 1001 (going away) bye <nil>
	// 1005 (no status received) <nil>
}

func ExampleWriter() {
	var wire bytes.Buffer
	fw := frame.NewWriter(&wire)
	fw.WriteFrame(frame.Header{Fin: true, Opcode: frame.OpPing}, []byte("Hello"))
	fmt.Printf("% x\n", wire.Bytes())

	fr := frame.NewReader(&wire)
	h, _ := fr.ReadHeader()
	p, _ := io.ReadAll(fr)
	fmt.Printf("%s %q\n", h.Opcode, p)
	// Output:
	// 89 05 48 65 6c 6c 6f
	// ping "Hello"
}

func ExampleFields() {
	for _, f := range frame.Fields([]byte{0x88, 0x82, 0x37, 0xfa, 0x21, 0x3d, 0x34, 0x12}) {
		fmt.Printf("[%d:%d] %s\n", f.Off, f.End, f.Note)
	}
	// Output:
	// [0:1] FIN=1  RSV1-3=000  opcode=0x8 (close)
	// [1:2] MASK=1  payload length=2 (7-bit form)
	// [2:6] masking key
	// [6:8] status code=1000 (normal closure) XOR masking key
}
