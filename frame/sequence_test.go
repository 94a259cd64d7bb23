package frame

import (
	"errors"
	"testing"
)

func TestSequence(t *testing.T) {
	t.Parallel()
	text := func(fin bool) Header { return Header{Fin: fin, Opcode: OpText} }
	bin := func(fin bool) Header { return Header{Fin: fin, Opcode: OpBinary} }
	cont := func(fin bool) Header { return Header{Fin: fin, Opcode: OpContinuation} }
	ping := Header{Fin: true, Opcode: OpPing}
	tests := []struct {
		name       string
		fromClient bool
		allowed    byte
		frames     []Header
		wantErr    error // from the last frame; all before it must pass
		inMessage  bool
		msgOp      Opcode
	}{
		{"single text frame", false, 0, []Header{text(true)}, nil, false, OpText},
		{"5.7 Hel + lo", false, 0, []Header{text(false), cont(true)}, nil, false, OpText},
		{"message in progress", false, 0, []Header{bin(false), cont(false)}, nil, true, OpBinary},
		{"ping between fragments (5.4)", false, 0, []Header{text(false), ping, cont(true)}, nil, false, OpText},
		{"ping mid-message keeps state", false, 0, []Header{bin(false), ping}, nil, true, OpBinary},
		{"continuation first (5.4)", false, 0, []Header{cont(true)}, ErrUnexpectedContinuation, false, 0},
		{"continuation after final frame (5.4)", false, 0, []Header{text(true), cont(true)}, ErrUnexpectedContinuation, false, OpText},
		{"text inside fragmented message (5.4)", false, 0, []Header{text(false), text(true)}, ErrExpectedContinuation, true, OpText},
		{"binary inside fragmented text (5.4)", false, 0, []Header{text(false), bin(false)}, ErrExpectedContinuation, true, OpText},
		{"client frame unmasked (5.1)", true, 0, []Header{text(true)}, ErrMaskRequired, false, 0},
		{"client frame masked", true, 0, []Header{{Fin: true, Opcode: OpText, Masked: true}}, nil, false, OpText},
		{"server frame masked (5.1)", false, 0, []Header{{Fin: true, Opcode: OpText, Masked: true}}, ErrMaskUnexpected, false, 0},
		{"rsv1 without extension (5.2)", false, 0, []Header{{Fin: true, Opcode: OpText, Rsv1: true}}, ErrReservedBits, false, 0},
		{"rsv1 with deflate", false, RSV1, []Header{{Fin: true, Opcode: OpText, Rsv1: true}}, nil, false, OpText},
		{"rsv2 with only rsv1 allowed (5.2)", false, RSV1, []Header{{Fin: true, Opcode: OpText, Rsv2: true}}, ErrReservedBits, false, 0},
		{"rsv3 on ping (5.2)", false, 0, []Header{{Fin: true, Opcode: OpPing, Rsv3: true}}, ErrReservedBits, false, 0},
		{"fragmented ping (5.5)", false, 0, []Header{{Opcode: OpPing}}, ErrControlFragmented, false, 0},
		{"long pong (5.5)", false, 0, []Header{{Fin: true, Opcode: OpPong, PayloadLen: 126}}, ErrControlTooLong, false, 0},
		{"reserved opcode (5.2)", false, 0, []Header{{Fin: true, Opcode: 0x5}}, ErrReservedOpcode, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Sequence{FromClient: tt.fromClient, AllowedRSV: tt.allowed}
			var err error
			for i, h := range tt.frames {
				if tt.fromClient && i < len(tt.frames)-1 {
					h.Masked = true
				}
				err = s.Next(h)
				if err != nil && i < len(tt.frames)-1 {
					t.Fatalf("Next(frame %d %+v) = %v, want nil", i, h, err)
				}
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Next(last) = %v, want %v", err, tt.wantErr)
			}
			if s.InMessage() != tt.inMessage || s.MessageOpcode() != tt.msgOp {
				t.Fatalf("InMessage, MessageOpcode = %v, %v, want %v, %v", s.InMessage(), s.MessageOpcode(), tt.inMessage, tt.msgOp)
			}
		})
	}
}

func TestSequenceReset(t *testing.T) {
	t.Parallel()
	s := Sequence{AllowedRSV: RSV1}
	if err := s.Next(Header{Opcode: OpText}); err != nil {
		t.Fatal(err)
	}
	s.Reset()
	if s.InMessage() || s.AllowedRSV != RSV1 {
		t.Fatalf("after Reset: InMessage = %v, AllowedRSV = %#x", s.InMessage(), s.AllowedRSV)
	}
	if err := s.Next(Header{Fin: true, Opcode: OpBinary}); err != nil {
		t.Fatalf("Next after Reset = %v", err)
	}
}
