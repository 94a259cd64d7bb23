package conform

import (
	"bytes"
	"time"

	"github.com/rfc6455/ws/frame"
)

// Payloads used throughout the catalogue.
var (
	helloWorld    = []byte("Hello, world!")
	binary8       = []byte{0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff}
	kosme         = []byte{0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5}
	textPattern   = []byte("BAsd7&jh23")
	binaryPattern = []byte{0x00, 0xfe, 0x23, 0xfa, 0xf0}
)

// repeat returns n bytes of pattern repeated, the last repetition truncated
// ("repeat to length", catalogue section 1.3).
func repeat(pattern []byte, n int) []byte {
	if n == 0 {
		return []byte{}
	}
	b := bytes.Repeat(pattern, n/len(pattern)+1)
	return b[:n]
}

func fill(c byte, n int) []byte { return bytes.Repeat([]byte{c}, n) }

var (
	codesNormal   = []frame.CloseCode{frame.CloseNormal}
	codesProtocol = []frame.CloseCode{frame.CloseProtocolError}
	codesUTF8     = []frame.CloseCode{frame.CloseInvalidPayload}
)

// happyClose: the fuzzer closes with 1000 once the echo is in; clean close required.
var happyClose = CloseExpect{ByFuzzer: true, Codes: codesNormal, RequireClean: true}

// peerFails: the peer must fail the connection on its own with code (or an
// empty close, or a TCP drop).
func peerFails(codes []frame.CloseCode) CloseExpect {
	return CloseExpect{ByFuzzer: false, Codes: codes, RequireClean: false}
}

// echoCase builds a happy-path case: send frames, expect want, the fuzzer
// closes when they are in, or when the timer (close after / kill after) fires.
func echoCase(id, desc, expect string, kill bool, timer time.Duration, d Delivery, frames []Frame, want ...Event) *Case {
	return &Case{ID: id, Description: desc, Expectation: expect, Run: func(s *Session) {
		s.Expect(OK, want...)
		s.ExpectClose(happyClose)
		s.Send(d, frames...)
		if kill {
			s.KillAfter(timer)
		} else {
			s.CloseAfter(timer)
		}
	}}
}

// failCase builds a protocol-violation case: send frames (in one Send with
// delivery d), the peer must fail the connection with one of codes; ok are
// the events that grade OK and nonStrict (if not nil) those that grade NON-STRICT.
func failCase(id, desc, expect string, codes []frame.CloseCode, d Delivery, frames []Frame, ok []Event, nonStrict []Event) *Case {
	return &Case{ID: id, Description: desc, Expectation: expect, Run: func(s *Session) {
		s.Expect(OK, ok...)
		if nonStrict != nil {
			s.Expect(NonStrict, nonStrict...)
		}
		s.ExpectClose(peerFails(codes))
		s.Send(d, frames...)
		s.KillAfter(time.Second)
	}}
}

func frames(f ...Frame) []Frame { return f }

func events(e ...Event) []Event {
	if e == nil {
		return []Event{}
	}
	return e
}
