// Package conform is an Autobahn-style conformance suite for WebSocket
// endpoints (RFC 6455). It plays the part of the Autobahn|Testsuite fuzzer:
// against a server it acts as the fuzzing client, against a client it acts
// as the fuzzing server, and in both roles it runs the same numbered cases of
// groups 1-7, 9 and 10 (the catalogue in /work/shared/autobahn-cases.md),
// grading each one OK, NON-STRICT, INFORMATIONAL, UNIMPLEMENTED or FAILED.
//
// The fuzzer speaks raw bytes: it performs the opening handshake itself with
// package handshake (RFC 6455, Section 4) and builds and parses every frame
// with package frame (RFC 6455, Section 5), so it can send what a correct
// endpoint never would (reserved bits and opcodes, fragmented control frames,
// bad UTF-8, chopped TCP writes) and it can test any peer, not only ours.
//
// # Model
//
// A Case is registered in a registry (Register, All, Select) under its
// Autobahn id. Running a case opens one connection, calls the case's Run
// function with a Session (send frames, sleep, set timers, read messages),
// records every event received from the peer (messages, pings, pongs and
// markers) and the closing handshake, then grades the result:
//
//   - behavior: the received events are compared, in order and byte for
//     byte, with the case's expected event lists (Session.Expect); the first
//     list that matches gives the grade, no match is FAILED. Cases of groups
//     9 and 10 set the grade directly (Session.SetResult).
//   - behaviorClose: who started the closing handshake, whether it was clean,
//     the peer's close code (Session.ExpectClose).
//
// A Result carries both verdicts, the combined Grade, a Reason, the duration,
// the opening handshake and a readable frame log (every frame sent and
// received, with RSV bits, mask keys and payloads, and how writes were chopped).
//
// # Extensions
//
// Cases may offer extensions when the fuzzer is the client (Case.Offer) and
// answer a client's offer when the fuzzer is the server (Case.Accept). When
// permessage-deflate is in effect the RSV1 bit is allowed on received data
// frames (RFC 7692, Section 6) and reported in the frame log and on each
// Message; inflating is left to the case. Groups 12 and 13 plug in this way.
//
// # Adding cases
//
// A file registers its cases from an init function:
//
//	func init() {
//		conform.Register(&conform.Case{ID: "12.1.1", Description: ..., Expectation: ...,
//			Offer:  []handshake.Extension{{Name: "permessage-deflate"}},
//			Accept: func(offered []handshake.Extension) []handshake.Extension { ... },
//			Run: func(s *conform.Session) {
//				if len(s.Extensions()) == 0 {
//					s.SetResult(conform.Unimplemented, "permessage-deflate not accepted")
//					s.Close(frame.CloseNormal, "")
//					return
//				}
//				s.Direct(true)                  // grade directly, log a summary
//				s.ExpectClose(conform.CloseExpect{ByFuzzer: true, Codes: ..., RequireClean: true})
//				s.Send(conform.Delivery{}, conform.Frame{Opcode: frame.OpText, Fin: true, RSV: frame.RSV1, Payload: compressed})
//				m, ok := s.NextMessage(deadline) // m.Rsv1 says whether it came compressed
//				...
//				s.SetResult(conform.OK, "...")
//				s.Close(frame.CloseNormal, "")
//			}})
//	}
//
// Case ids order numerically, so new groups slot in after group 10.
//
// # Timing
//
// The fuzzer's timers follow the catalogue: "close after t" starts a normal
// close with 1000, "kill after t" fails the connection with 1001, the closing
// handshake timeout is 1 s and a client-side fuzzer waits 1 s for the server
// to drop TCP after the closing handshake (RFC 6455, Section 7.1.1). A case
// that expects the fuzzer to close does so as soon as the events received
// equal its OK list. Sleeps end early when the connection is gone.
//
// # HTTP/2
//
// With Options.HTTP2 the fuzzing client runs each case on its own RFC 8441
// extended CONNECT stream (conn.DialHTTP2Stream), and FuzzingServer serves
// extended CONNECT requests through net/http (ServeHTTP, ServeBoth,
// NewHTTP2Server; conn.AcceptHTTP2Stream). The Session runs unchanged on
// the stream's bytes; the stream's end stands for TCP's (RFC 8441, Section
// 5): END_STREAM is an orderly close, RST_STREAM a reset. h2.go says what
// changes, and docs/conformance.md which cases it affects.
//
// RFC: https://www.rfc-editor.org/rfc/rfc6455
package conform
