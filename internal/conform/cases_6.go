package conform

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/rfc6455/ws/frame"
)

// Group 6 of the catalogue: UTF-8 handling (RFC 6455, Sections 5.6 and 8.1:
// "When an endpoint is to interpret a byte stream as UTF-8 but finds that the
// byte stream is not, in fact, a valid UTF-8 stream, that endpoint MUST
// _Fail the WebSocket Connection_"). 1002 is not an acceptable code here.

type utf8Group struct {
	id, title string
	cases     []utf8Case
}

type utf8Case struct {
	id, hex string
	valid   bool
}

func init() {
	Register(group6()...)
}

// invalidUTF8Case is a case where the peer must fail with 1007 on its own;
// a close started by the fuzzer makes behavior FAILED (catalogue, section 1.2).
func invalidUTF8Case(id, desc string, run func(s *Session)) *Case {
	return &Case{ID: id, Description: desc,
		Expectation: "The peer fails the connection with 1007 (Section 8.1), echoing nothing.",
		Run: func(s *Session) {
			s.mu.Lock()
			s.invalidUTF8 = true
			s.mu.Unlock()
			s.ExpectClose(peerFails(codesUTF8))
			run(s)
		}}
}

func group6() []*Case {
	mixed := []byte("Hello-\u00b5@\u00df\u00f6\u00e4\u00fc\u00e0\u00e1-UTF-8!!")
	textFrags := func(parts ...[]byte) []Frame {
		fs := make([]Frame, len(parts))
		for i, p := range parts {
			op := frame.OpContinuation
			if i == 0 {
				op = frame.OpText
			}
			fs[i] = Frame{Opcode: op, Fin: i == len(parts)-1, Payload: p}
		}
		return fs
	}
	bytewise := func(p []byte) []Frame {
		parts := make([][]byte, len(p))
		for i := range p {
			parts[i] = p[i : i+1]
		}
		return textFrags(parts...)
	}
	const echo = "Echo of the text message, byte for byte; clean close."
	out := []*Case{
		echoCase("6.1.1", "Send text message of length 0.", echo, false, time.Second, Delivery{},
			frames(Final(frame.OpText, []byte{})), Text("")),
		echoCase("6.1.2", "Send fragmented text message, 3 fragments each of length 0.", echo, false, time.Second, Delivery{},
			textFrags([]byte{}, []byte{}, []byte{}), Text("")),
		echoCase("6.1.3", "Send fragmented text message, 3 fragments, first and last of length 0, middle non-empty.", echo, false, time.Second, Delivery{},
			textFrags([]byte{}, []byte("middle frame payload"), []byte{}), Text("middle frame payload")),
		echoCase("6.2.1", "Send a valid UTF-8 text message in one fragment.", echo, false, time.Second, Delivery{},
			frames(Final(frame.OpText, mixed)), TextBytes(mixed)),
		echoCase("6.2.2", "Send a valid UTF-8 text message in two fragments, fragmented on a UTF-8 code point boundary.", echo, false, time.Second, Delivery{},
			textFrags(mixed[:15], mixed[15:]), TextBytes(mixed)),
		echoCase("6.2.3", "Send a valid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.", echo, false, time.Second, Delivery{},
			bytewise(mixed), TextBytes(mixed)),
		echoCase("6.2.4", "Send a valid UTF-8 text message (Greek kosme) in fragments of 1 octet.", echo, false, time.Second, Delivery{},
			bytewise(kosme), TextBytes(kosme)),
	}
	bad := append(append(append([]byte{}, kosme...), 0xed, 0xa0, 0x80), "edited"...)
	out = append(out,
		invalidUTF8Case("6.3.1", "Send invalid UTF-8 text message unfragmented (an encoded surrogate U+D800).", func(s *Session) {
			s.Expect(OK)
			s.Send(Delivery{}, Final(frame.OpText, bad))
			s.KillAfter(time.Second)
		}),
		invalidUTF8Case("6.3.2", "Send invalid UTF-8 text message in fragments of 1 octet.", func(s *Session) {
			s.Expect(OK)
			s.Send(Delivery{}, bytewise(bad)...)
			s.KillAfter(time.Second)
		}),
	)
	out = append(out, group64()...)
	for _, g := range utf8Groups {
		for _, c := range g.cases {
			p, err := hex.DecodeString(strings.ReplaceAll(c.hex, " ", ""))
			if err != nil {
				panic("conform: bad payload in case " + c.id)
			}
			desc := fmt.Sprintf("Send a text message with payload %s (%d bytes): %s.", c.hex, len(p), g.title)
			if c.valid {
				out = append(out, echoCase(c.id, desc, "Valid UTF-8: echo within 0.5 s; clean close.",
					true, 500*time.Millisecond, Delivery{}, frames(Final(frame.OpText, p)), TextBytes(p)))
				continue
			}
			out = append(out, invalidUTF8Case(c.id, desc, func(s *Session) {
				s.Expect(OK)
				s.Send(Delivery{}, Final(frame.OpText, p))
				s.KillAfter(500 * time.Millisecond)
			}))
		}
	}
	return out
}

// group64 are the fail-fast cases 6.4.1-6.4.4: the message goes in three
// parts with 1-second pauses; marker A is recorded if the connection is
// still open before part 2, marker B before part 3. OK = [A] (failed as soon
// as the invalid byte arrived), NON-STRICT = [A, B] (failed at message end).
func group64() []*Case {
	full := append(append(append([]byte{}, kosme...), 0xf4, 0x90, 0x80, 0x80), "edited"...)
	var out []*Case
	for i, split := range [][2]int{{11, 15}, {12, 13}, {11, 15}, {12, 13}} {
		id := fmt.Sprintf("6.4.%d", i+1)
		parts := [][]byte{full[:split[0]], full[split[0]:split[1]], full[split[1]:]}
		oneFrame := i >= 2
		how := "three fragments"
		if oneFrame {
			how = "one frame whose payload is written to TCP in three pieces"
		}
		desc := fmt.Sprintf("Send invalid UTF-8 text message (U+110000 encoded as f4 90 80 80) as %s: %d valid bytes, then %x, then %x; 1 s pause after the first and second part.",
			how, len(parts[0]), parts[1], parts[2])
		out = append(out, &Case{ID: id, Description: desc,
			Expectation: "The peer fails the connection with 1007 as soon as the first invalid byte (0x90 at offset 11) arrives, i.e. right after the second part (Section 8.1).",
			Timeout:     10 * time.Second,
			Run: func(s *Session) {
				s.mu.Lock()
				s.invalidUTF8 = true
				s.mu.Unlock()
				s.Expect(OK, Marker("A"))
				s.Expect(NonStrict, Marker("A"), Marker("B"))
				s.ExpectClose(peerFails(codesUTF8))
				var pieces [][]byte
				if oneFrame {
					b := s.Encode(Final(frame.OpText, full), "")
					hl := len(b) - len(full)
					pieces = [][]byte{b[:hl+split[0]], b[hl+split[0] : hl+split[1]], b[hl+split[1]:]}
				}
				send := func(k int) {
					if oneFrame {
						s.WriteRaw(pieces[k])
						return
					}
					op := frame.OpContinuation
					if k == 0 {
						op = frame.OpText
					}
					s.Send(Delivery{}, Frame{Opcode: op, Fin: k == 2, Payload: parts[k]})
				}
				send(0)
				s.Sleep(time.Second)
				s.Mark("A")
				send(1)
				s.Sleep(time.Second)
				s.Mark("B")
				send(2)
				s.KillAfter(time.Second)
			}})
	}
	return out
}
