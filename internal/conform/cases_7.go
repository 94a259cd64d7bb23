package conform

import (
	"fmt"
	"time"

	"github.com/rfc6455/ws/frame"
)

// Group 7 of the catalogue: the closing handshake (RFC 6455, Sections 5.5.1,
// 7 and 7.4). The fuzzer starts the closing handshake in every case; a WRONG
// CODE closing verdict turns behavior into FAILED.

func init() {
	Register(group7()...)
}

// closeCase sends frames (the fuzzer's close among them) and expects no
// events; the peer's close must carry one of codes.
func closeCase(id, desc, expect string, codes []frame.CloseCode, clean bool, fs ...Frame) *Case {
	return &Case{ID: id, Description: desc, Expectation: expect, Run: func(s *Session) {
		s.mu.Lock()
		s.group7 = true
		s.mu.Unlock()
		s.Expect(OK)
		s.ExpectClose(CloseExpect{ByFuzzer: true, Codes: codes, RequireClean: clean})
		s.Send(Delivery{}, fs...)
		s.KillAfter(time.Second)
	}}
}

func closeBody(code uint16, reason []byte) []byte {
	return append([]byte{byte(code >> 8), byte(code)}, reason...)
}

func group7() []*Case {
	hw := []byte("Hello World!")
	close1000 := Final(frame.OpClose, closeBody(1000, nil))
	const reply = "The peer answers with a close frame (1000 or no code) and nothing else; clean close."
	out := []*Case{
		{ID: "7.1.1", Description: "Send a message followed by a close frame.",
			Expectation: "Echo of the message, then the peer answers the close with 1000; clean close.",
			Run: func(s *Session) {
				s.group7 = true
				s.Expect(OK, TextBytes(hw))
				s.ExpectClose(happyClose)
				s.Send(Delivery{}, Final(frame.OpText, hw))
				s.KillAfter(time.Second)
			}},
		closeCase("7.1.2", "Send two close frames (1000, then an empty one).",
			"The peer answers the first close once and ignores the second (Section 5.5.1); clean close.", codesNormal, true,
			close1000, Final(frame.OpClose, nil)),
		closeCase("7.1.3", "Send a ping after the close frame.",
			"No pong: nothing is sent after a close (Section 5.5.1); clean close.", codesNormal, true,
			close1000, Final(frame.OpPing, nil)),
		closeCase("7.1.4", "Send a text message after the close frame.",
			"No echo: data after a close is discarded (Section 5.5.1); clean close.", codesNormal, true,
			close1000, Final(frame.OpText, hw)),
		closeCase("7.1.5", "Send a message fragment, a close frame, then the final fragment.",
			"Nothing echoed; clean close.", codesNormal, true,
			Fragment(frame.OpText, frag(1)), close1000, Final(frame.OpContinuation, frag(2))),
		{ID: "7.1.6", Description: "Send a 256 KiB text message, then a small one, then a close frame, then a ping, all back to back.",
			Expectation: "Informational: reports whether the messages came back before the close.",
			Run: func(s *Session) {
				s.group7 = true
				s.ExpectClose(happyClose)
				big := repeat(textPattern, 262144)
				s.Send(Delivery{}, Final(frame.OpText, big), Final(frame.OpText, hw), close1000, Final(frame.OpPing, nil))
				s.Wait()
				s.mu.Lock()
				got := describeEvents(s.events)
				s.mu.Unlock()
				s.SetResult(Informational, "received before the end of the connection: "+got)
			}},
		closeCase("7.3.1", "Send a close frame with an empty payload.",
			"The peer answers with a close (1000 or empty); clean close.", codesNormal, true, Final(frame.OpClose, nil)),
		closeCase("7.3.2", "Send a close frame with a 1-byte payload (a lone half of a status code).",
			"The peer fails the connection with 1002 or drops TCP (Section 5.5.1).", codesProtocol, false, Final(frame.OpClose, []byte("a"))),
		closeCase("7.3.3", "Send a close frame with status code 1000 and no reason.", reply, codesNormal, true, close1000),
		closeCase("7.3.4", "Send a close frame with status code 1000 and a reason.", reply, codesNormal, true,
			Final(frame.OpClose, closeBody(1000, hw))),
		closeCase("7.3.5", "Send a close frame with status code 1000 and a 123-byte reason (125-byte payload, the maximum).", reply, codesNormal, true,
			Final(frame.OpClose, closeBody(1000, fill('*', 123)))),
		closeCase("7.3.6", "Send a close frame with status code 1000 and a 124-byte reason (126-byte payload, over the control frame limit).",
			"The peer fails the connection with 1002 or drops TCP (Section 5.5).", codesProtocol, false,
			Final(frame.OpClose, closeBody(1000, fill('*', 124)))),
		closeCase("7.5.1", "Send a close frame with status code 1000 and a reason that is invalid UTF-8.",
			"The peer fails the connection with 1002 or 1007, or drops TCP (Section 5.5.1).",
			[]frame.CloseCode{frame.CloseProtocolError, frame.CloseInvalidPayload}, false,
			Final(frame.OpClose, closeBody(1000, []byte{0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64}))),
	}
	for i, code := range []uint16{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999} {
		out = append(out, closeCase(fmt.Sprintf("7.7.%d", i+1),
			fmt.Sprintf("Send a close frame with valid status code %d.", code),
			"The peer answers with 1000 or the same code; clean close (Section 7.4).",
			[]frame.CloseCode{frame.CloseNormal, frame.CloseCode(code)}, true,
			Final(frame.OpClose, closeBody(code, nil))))
	}
	for i, code := range []uint16{0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999} {
		out = append(out, closeCase(fmt.Sprintf("7.9.%d", i+1),
			fmt.Sprintf("Send a close frame with invalid status code %d.", code),
			"The peer fails the connection with 1002 (or an empty close) or drops TCP (Section 7.4).",
			codesProtocol, false, Final(frame.OpClose, closeBody(code, nil))))
	}
	for i, code := range []uint16{5000, 65535} {
		out = append(out, &Case{ID: fmt.Sprintf("7.13.%d", i+1),
			Description: fmt.Sprintf("Send a close frame with status code %d (outside 0-4999, undefined by RFC 6455).", code),
			Expectation: "Informational: RFC 6455 does not define these codes; the report shows what the peer did.",
			Run: func(s *Session) {
				s.group7 = true
				s.Send(Delivery{}, Final(frame.OpClose, closeBody(code, nil)))
				s.Wait()
				s.mu.Lock()
				what := fmt.Sprintf("peer's close code %d, received %s", uint16(s.remoteCode), describeEvents(s.events))
				if s.remoteCode == 0 {
					what = "peer's close had no code (or none came), received " + describeEvents(s.events)
				}
				s.mu.Unlock()
				s.SetResult(Informational, what)
			}})
	}
	return out
}
