package conform

import (
	"fmt"
	"time"

	"github.com/rfc6455/ws/frame"
)

// Groups 1-5 of the catalogue: framing, ping/pong, reserved bits, reserved
// opcodes, fragmentation.

func init() {
	Register(group1()...)
	Register(group2()...)
	Register(group3()...)
	Register(group4()...)
	Register(group5()...)
}

// group1: one unfragmented data frame of a boundary size, echoed
// (RFC 6455, Section 5.2 payload length forms).
func group1() []*Case {
	sizes := []int{0, 125, 126, 127, 128, 65535, 65536, 65536}
	var out []*Case
	for gi, g := range []struct {
		op   frame.Opcode
		fill byte
	}{{frame.OpText, '*'}, {frame.OpBinary, 0xfe}} {
		for i, n := range sizes {
			id := fmt.Sprintf("1.%d.%d", gi+1, i+1)
			p := fill(g.fill, n)
			d := Delivery{}
			desc := fmt.Sprintf("Send a %s message with a payload of length %d.", g.op, n)
			if i == 7 {
				d.Chop = 997
				desc = fmt.Sprintf("Send a %s message with a payload of length %d, written to TCP in chops of 997 bytes.", g.op, n)
			}
			kill := time.Second
			if n > 128 {
				kill = 10 * time.Second
			}
			want := Event{Kind: EventMessage, Opcode: g.op, Payload: p}
			out = append(out, echoCase(id, desc, "Receive the echo of the message; clean close with 1000.",
				true, kill, d, frames(Final(g.op, p)), want))
		}
	}
	return out
}

// group2: ping/pong (RFC 6455, Sections 5.5.2 and 5.5.3).
func group2() []*Case {
	pingCase := func(id string, p []byte, d Delivery, timer time.Duration, desc string) *Case {
		return echoCase(id, desc, "Pong with the same payload; clean close with 1000.",
			false, timer, d, frames(Final(frame.OpPing, p)), Pong(p))
	}
	pings := func(chop int) (fs []Frame, want []Event) {
		for i := range 10 {
			p := []byte(fmt.Sprintf("payload-%d", i))
			fs = append(fs, Final(frame.OpPing, p))
			want = append(want, Pong(p))
		}
		return fs, want
	}
	ten, tenPongs := pings(0)
	unsolicited := []byte("unsolicited pong payload")
	out := []*Case{
		pingCase("2.1", nil, Delivery{}, time.Second, "Send ping without payload."),
		pingCase("2.2", helloWorld, Delivery{}, time.Second, "Send ping with small text payload."),
		pingCase("2.3", binary8, Delivery{}, time.Second, "Send ping with small binary (non UTF-8) payload."),
		pingCase("2.4", fill(0xfe, 125), Delivery{}, time.Second, "Send ping with binary payload of 125 octets."),
		failCase("2.5", "Send ping with binary payload of 126 octets (over the 125-byte control frame limit).",
			"The peer fails the connection with 1002 and sends no pong (Section 5.5).",
			codesProtocol, Delivery{}, frames(Final(frame.OpPing, fill(0xfe, 126))), events(), nil),
		pingCase("2.6", fill(0xfe, 125), Delivery{Chop: 1}, 2*time.Second, "Send ping with binary payload of 125 octets, written in chops of 1 byte."),
		{ID: "2.7", Description: "Send unsolicited pong without payload, then a close with 1000.",
			Expectation: "Nothing in reply to the pong; the peer answers the close; clean close.",
			Run: func(s *Session) {
				s.Expect(OK)
				s.ExpectClose(happyClose)
				s.Send(Delivery{}, Final(frame.OpPong, nil))
				s.Close(frame.CloseNormal, "")
			}},
		{ID: "2.8", Description: "Send unsolicited pong with payload, then a close with 1000.",
			Expectation: "Nothing in reply to the pong; the peer answers the close; clean close.",
			Run: func(s *Session) {
				s.Expect(OK)
				s.ExpectClose(happyClose)
				s.Send(Delivery{}, Final(frame.OpPong, unsolicited))
				s.Close(frame.CloseNormal, "")
			}},
		echoCase("2.9", "Send unsolicited pong with payload, then ping with payload.",
			"Exactly one pong, for the ping; clean close.", false, time.Second, Delivery{},
			frames(Final(frame.OpPong, unsolicited), Final(frame.OpPing, []byte("ping payload"))), Pong([]byte("ping payload"))),
		echoCase("2.10", "Send 10 pings back to back, payloads payload-0 ... payload-9.",
			"10 pongs with the same payloads in the same order; clean close.", false, 3*time.Second, Delivery{}, ten, tenPongs...),
		echoCase("2.11", "Send 10 pings back to back, each written in chops of 1 byte.",
			"10 pongs with the same payloads in the same order; clean close.", false, 3*time.Second, Delivery{Chop: 1}, ten, tenPongs...),
	}
	return out
}

// rsv returns the RSV field value n (0-7) as first-byte bits: 4 = RSV1,
// 2 = RSV2, 1 = RSV3 (RFC 6455, Section 5.2).
func rsv(n int) byte { return byte(n) << 4 }

// group3: reserved bits without a negotiated extension (RFC 6455, Section 5.2:
// "If a nonzero value is received and none of the negotiated extensions
// defines the meaning of such a nonzero value, the receiving endpoint MUST
// _Fail the WebSocket Connection_").
func group3() []*Case {
	const must = "The peer fails the connection with 1002 (Section 5.2)."
	followUp := func(id string, n int, d Delivery, how string) *Case {
		return failCase(id, fmt.Sprintf("Send small text message, then send again with RSV = %d, then send ping%s.", n, how),
			"Echo for the first message, then the peer fails the connection with 1002; no pong.",
			codesProtocol, d, frames(Final(frame.OpText, helloWorld),
				Frame{Opcode: frame.OpText, Fin: true, RSV: rsv(n), Payload: helloWorld},
				Final(frame.OpPing, nil)),
			events(Text(string(helloWorld))), events())
	}
	return []*Case{
		failCase("3.1", "Send small text message with RSV = 1.", must, codesProtocol, Delivery{},
			frames(Frame{Opcode: frame.OpText, Fin: true, RSV: rsv(1), Payload: helloWorld}), events(), nil),
		followUp("3.2", 2, Delivery{}, ""),
		followUp("3.3", 3, Delivery{Sync: true}, ", each frame flushed on its own"),
		followUp("3.4", 4, Delivery{Chop: 1}, ", all written in chops of 1 byte"),
		failCase("3.5", "Send small binary message with RSV = 5.", must, codesProtocol, Delivery{},
			frames(Frame{Opcode: frame.OpBinary, Fin: true, RSV: rsv(5), Payload: binary8}), events(), nil),
		// Upstream's description calls 3.6 a ping; the frame sent is binary.
		failCase("3.6", "Send small binary message (opcode 2) with RSV = 6.", must, codesProtocol, Delivery{},
			frames(Frame{Opcode: frame.OpBinary, Fin: true, RSV: rsv(6), Payload: helloWorld}), events(), nil),
		failCase("3.7", "Send close with RSV = 7.", must, codesProtocol, Delivery{},
			frames(Frame{Opcode: frame.OpClose, Fin: true, RSV: rsv(7)}), events(), nil),
	}
}

// group4: reserved opcodes (RFC 6455, Section 5.2: "If an unknown opcode is
// received, the receiving endpoint MUST _Fail the WebSocket Connection_").
func group4() []*Case {
	payloads := [][]byte{nil, []byte("reserved opcode payload"), nil, helloWorld, helloWorld}
	var out []*Case
	for gi, base := range []int{3, 11} {
		kind := "data"
		if gi == 1 {
			kind = "control"
		}
		for i := range 5 {
			op := frame.Opcode(base + i)
			id := fmt.Sprintf("4.%d.%d", gi+1, i+1)
			bad := Final(op, payloads[i])
			if i < 2 {
				out = append(out, failCase(id, fmt.Sprintf("Send frame with reserved %s opcode = %d.", kind, int(op)),
					"The peer fails the connection with 1002 (Section 5.2).", codesProtocol, Delivery{},
					frames(bad), events(), nil))
				continue
			}
			d, how := Delivery{}, ""
			if i == 4 {
				d, how = Delivery{Chop: 1}, ", all written in chops of 1 byte"
			}
			out = append(out, failCase(id,
				fmt.Sprintf("Send small text message, then frame with reserved %s opcode = %d, then ping%s.", kind, int(op), how),
				"Echo for the first message, then the peer fails the connection with 1002; no pong.",
				codesProtocol, d, frames(Final(frame.OpText, helloWorld), bad, Final(frame.OpPing, nil)),
				events(Text(string(helloWorld))), events()))
		}
	}
	return out
}

func frag(i int) []byte { return []byte(fmt.Sprintf("fragment%d", i)) }

// group5: fragmentation (RFC 6455, Section 5.4).
func group5() []*Case {
	const must = "The peer fails the connection with 1002 (Section 5.4)."
	deliveries := []struct {
		d   Delivery
		how string
	}{{Delivery{}, ""}, {Delivery{Sync: true}, ", each frame flushed on its own"}, {Delivery{Chop: 1}, ", written in chops of 1 byte"}}
	f12 := Text("fragment1fragment2")
	var out []*Case
	out = append(out,
		failCase("5.1", "Send ping in two fragments.", "The peer fails the connection with 1002: control frames must not be fragmented (Section 5.5).",
			codesProtocol, Delivery{}, frames(Fragment(frame.OpPing, frag(1)), Final(frame.OpContinuation, frag(2))), events(), nil),
		failCase("5.2", "Send pong in two fragments.", "The peer fails the connection with 1002: control frames must not be fragmented (Section 5.5).",
			codesProtocol, Delivery{}, frames(Fragment(frame.OpPong, frag(1)), Final(frame.OpContinuation, frag(2))), events(), nil),
	)
	for i, dv := range deliveries {
		out = append(out, echoCase(fmt.Sprintf("5.%d", 3+i), "Send text message in two fragments"+dv.how+".",
			"Echo of the reassembled text message; clean close.", false, time.Second, dv.d,
			frames(Fragment(frame.OpText, frag(1)), Final(frame.OpContinuation, frag(2))), f12))
	}
	pp := []byte("ping payload")
	for i, dv := range deliveries {
		out = append(out, echoCase(fmt.Sprintf("5.%d", 6+i), "Send text message in two fragments with a ping in between"+dv.how+".",
			"Pong for the ping, then the echo of the reassembled message; clean close.", false, time.Second, dv.d,
			frames(Fragment(frame.OpText, frag(1)), Final(frame.OpPing, pp), Final(frame.OpContinuation, frag(2))), Pong(pp), f12))
	}
	nc := []byte("non-continuation payload")
	for i, dv := range deliveries {
		out = append(out, failCase(fmt.Sprintf("5.%d", 9+i), "Send unfragmented text message after a final continuation frame with no message to continue"+dv.how+".",
			must, codesProtocol, dv.d, frames(Final(frame.OpContinuation, nc), Final(frame.OpText, helloWorld)), events(), nil))
	}
	for i, dv := range deliveries {
		out = append(out, failCase(fmt.Sprintf("5.%d", 12+i), "Send unfragmented text message after a non-final continuation frame with no message to continue"+dv.how+".",
			must, codesProtocol, dv.d, frames(Fragment(frame.OpContinuation, nc), Final(frame.OpText, helloWorld)), events(), nil))
	}
	out = append(out,
		failCase("5.15", "Send text message in two fragments, then a continuation frame with FIN = false, then a text frame (a message that never started).",
			"Echo of the first message, then the peer fails the connection with 1002.", codesProtocol, Delivery{},
			frames(Fragment(frame.OpText, frag(1)), Final(frame.OpContinuation, frag(2)),
				Fragment(frame.OpContinuation, frag(3)), Final(frame.OpText, frag(4))),
			events(f12), events()),
		failCase("5.16", "Send twice: continuation (FIN = false), text (FIN = false), continuation (FIN = true).",
			"The peer fails the connection with 1002 at the first frame.", codesProtocol, Delivery{},
			frames(Fragment(frame.OpContinuation, frag(1)), Fragment(frame.OpText, frag(2)), Final(frame.OpContinuation, frag(3)),
				Fragment(frame.OpContinuation, frag(1)), Fragment(frame.OpText, frag(2)), Final(frame.OpContinuation, frag(3))),
			events(), nil),
		failCase("5.17", "Send twice: continuation (FIN = true), text (FIN = false), continuation (FIN = true).",
			"The peer fails the connection with 1002 at the first frame.", codesProtocol, Delivery{},
			frames(Final(frame.OpContinuation, frag(1)), Fragment(frame.OpText, frag(2)), Final(frame.OpContinuation, frag(3)),
				Final(frame.OpContinuation, frag(1)), Fragment(frame.OpText, frag(2)), Final(frame.OpContinuation, frag(3))),
			events(), nil),
		failCase("5.18", "Send text message in two fragments, both with opcode text.",
			"The peer fails the connection with 1002: the second frame must be a continuation.", codesProtocol, Delivery{},
			frames(Fragment(frame.OpText, frag(1)), Final(frame.OpText, frag(2))), events(), nil),
	)
	for i, dv := range []struct {
		d   Delivery
		how string
	}{{Delivery{}, ""}, {Delivery{Sync: true}, ", each frame flushed on its own"}} {
		dv := dv
		out = append(out, &Case{ID: fmt.Sprintf("5.%d", 19+i),
			Description: "Send text message in 5 fragments, with pings after the 2nd and 4th; a 1-second pause after the first ping" + dv.how + ".",
			Expectation: "Pong for each ping as it arrives (before the message completes), then the echo of the 45-byte message; clean close.",
			Run: func(s *Session) {
				p1, p2 := []byte("pongme 1!"), []byte("pongme 2!")
				s.Expect(OK, Pong(p1), Pong(p2), Text("fragment1fragment2fragment3fragment4fragment5"))
				s.ExpectClose(happyClose)
				s.Send(dv.d, Fragment(frame.OpText, frag(1)), Fragment(frame.OpContinuation, frag(2)), Final(frame.OpPing, p1))
				s.Sleep(time.Second)
				s.Send(dv.d, Fragment(frame.OpContinuation, frag(3)), Fragment(frame.OpContinuation, frag(4)),
					Final(frame.OpPing, p2), Final(frame.OpContinuation, frag(5)))
				s.CloseAfter(time.Second)
			}})
	}
	return out
}
