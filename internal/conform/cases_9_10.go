package conform

import (
	"fmt"
	"time"

	"github.com/rfc6455/ws/frame"
)

// Groups 9 and 10 of the catalogue: limits and performance, and
// auto-fragmentation. Group 9 grades directly: OK when one message of the
// right type and exact length comes back before the deadline (content not
// compared), else FAILED; the frame log holds a summary instead of every frame.

func init() {
	Register(group9()...)
	Register(group10()...)
}

// capSize applies Options.MaxMessageSize to a group 9 size.
func capSize(s *Session, n int) int {
	if m := s.opts.MaxMessageSize; m > 0 && int64(n) > m {
		s.Logf("message size capped from %d to %d bytes for this run (Options.MaxMessageSize)", n, m)
		return int(m)
	}
	return n
}

func kib(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// oneEcho sends a message (built by send) and grades the echo of want bytes.
func oneEcho(s *Session, op frame.Opcode, want int, deadline time.Duration, send func()) {
	s.Direct(true)
	s.ExpectClose(happyClose)
	start := time.Now()
	send()
	m, ok := s.NextMessage(start.Add(deadline))
	took := time.Since(start)
	switch {
	case !ok && s.IsOpen():
		s.SetResult(Failed, fmt.Sprintf("no echo within %v", deadline))
	case !ok:
		s.SetResult(Failed, fmt.Sprintf("no echo: the connection was closed after %v", took.Round(time.Millisecond)))
	case m.Opcode != op || len(m.Payload) != want:
		s.SetResult(Failed, fmt.Sprintf("echo is a %s message of %d bytes, want %s of %d", m.Opcode, len(m.Payload), op, want))
	default:
		s.SetResult(OK, fmt.Sprintf("%s message of %d bytes echoed in %v (%d frames)", op, want, took.Round(time.Millisecond), m.Frames))
	}
	s.Logf("round trip: %v", took)
	if s.IsOpen() {
		s.Close(frame.CloseNormal, "")
	}
	s.Wait()
}

func group9() []*Case {
	var out []*Case
	sizes := []int{64 << 10, 256 << 10, 1 << 20, 4 << 20, 8 << 20, 16 << 20}
	textDeadline := []time.Duration{10, 10, 100, 100, 100, 100}
	binDeadline := []time.Duration{10, 10, 10, 10, 100, 100}
	for gi, g := range []struct {
		op       frame.Opcode
		pattern  []byte
		deadline []time.Duration
	}{{frame.OpText, textPattern, textDeadline}, {frame.OpBinary, binaryPattern, binDeadline}} {
		for i, n := range sizes {
			dl := g.deadline[i] * time.Second
			out = append(out, &Case{ID: fmt.Sprintf("9.%d.%d", gi+1, i+1),
				Description: fmt.Sprintf("Send a %s message of %s in one frame.", g.op, kib(n)),
				Expectation: fmt.Sprintf("Echo of the same type and length within %v; clean close.", dl),
				Timeout:     dl + 10*time.Second,
				Run: func(s *Session) {
					n := capSize(s, n)
					p := repeat(g.pattern, n)
					oneEcho(s, g.op, n, dl, func() {
						s.Logf("sending one %s frame of %d bytes", g.op, n)
						s.Send(Delivery{}, Final(g.op, p))
					})
				}})
		}
	}
	frags := []int{64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20}
	for gi, op := range []frame.Opcode{frame.OpText, frame.OpBinary} {
		for i, fs := range frags {
			id := fmt.Sprintf("9.%d.%d", gi+3, i+1)
			fill8 := byte('*')
			if id == "9.4.1" {
				fill8 = 0xfe // 9.4.1 alone sends 0xFE; 9.4.2-9.4.9 send '*' (catalogue, section 9)
			}
			out = append(out, &Case{ID: id,
				Description: fmt.Sprintf("Send a %s message of 4 MiB in fragments of %s.", op, kib(fs)),
				Expectation: "Echo of the same type and length within 100 s; clean close.",
				Timeout:     110 * time.Second,
				Run: func(s *Session) {
					n := capSize(s, 4<<20)
					fs := min(fs, n)
					p := fill(fill8, n)
					var frames []Frame
					for off := 0; off < n; off += fs {
						o := frame.OpContinuation
						if off == 0 {
							o = op
						}
						frames = append(frames, Frame{Opcode: o, Fin: off+fs >= n, Payload: p[off:min(off+fs, n)]})
					}
					oneEcho(s, op, n, 100*time.Second, func() {
						s.Logf("sending a %d-byte %s message in %d frames of %d bytes", n, op, len(frames), fs)
						s.Send(Delivery{}, frames...)
					})
				}})
		}
	}
	chops := []int{64, 128, 256, 512, 1024, 2048}
	for gi, g := range []struct {
		op      frame.Opcode
		pattern []byte
	}{{frame.OpText, textPattern}, {frame.OpBinary, binaryPattern}} {
		for i, chop := range chops {
			out = append(out, &Case{ID: fmt.Sprintf("9.%d.%d", gi+5, i+1),
				Description: fmt.Sprintf("Send a %s message of 1 MiB in one frame, written to TCP in chops of %d bytes.", g.op, chop),
				Expectation: "Echo of the same type and length within 1000 s; clean close.",
				Timeout:     1010 * time.Second,
				Run: func(s *Session) {
					n := capSize(s, 1<<20)
					p := repeat(g.pattern, n)
					oneEcho(s, g.op, n, 1000*time.Second, func() {
						s.Logf("sending one %d-byte %s frame in chops of %d bytes", n, g.op, chop)
						s.Send(Delivery{Chop: chop}, Final(g.op, p))
					})
				}})
		}
	}
	rtSizes := []int{0, 16, 64, 256, 1024, 4096}
	rtDeadline := []time.Duration{60, 60, 60, 120, 240, 480}
	for gi, g := range []struct {
		op   frame.Opcode
		fill byte
	}{{frame.OpText, '*'}, {frame.OpBinary, 0xfe}} {
		for i, n := range rtSizes {
			dl := rtDeadline[i] * time.Second
			out = append(out, &Case{ID: fmt.Sprintf("9.%d.%d", gi+7, i+1),
				Description: fmt.Sprintf("Send 1000 %s messages of %d bytes, one at a time, each after the echo of the previous.", g.op, n),
				Expectation: fmt.Sprintf("1000 echoes of the same type and length within %v; clean close.", dl),
				Timeout:     dl + 10*time.Second,
				Run: func(s *Session) {
					s.Direct(true)
					s.ExpectClose(happyClose)
					p := fill(g.fill, n)
					start := time.Now()
					end := start.Add(dl)
					done := 0
					for done < 1000 {
						s.Send(Delivery{}, Final(g.op, p))
						m, ok := s.NextMessage(end)
						if !ok {
							s.SetResult(Failed, fmt.Sprintf("%d of 1000 echoes in %v, then none", done, time.Since(start).Round(time.Millisecond)))
							break
						}
						if m.Opcode != g.op || len(m.Payload) != n {
							s.SetResult(Failed, fmt.Sprintf("echo %d is a %s message of %d bytes, want %s of %d", done+1, m.Opcode, len(m.Payload), g.op, n))
							break
						}
						done++
					}
					took := time.Since(start)
					if done == 1000 {
						s.SetResult(OK, fmt.Sprintf("1000 round trips in %v (%.1f µs each)", took.Round(time.Millisecond), float64(took.Microseconds())/1000))
					}
					s.Logf("%d round trips of %d-byte %s messages in %v", done, n, g.op, took)
					if s.IsOpen() {
						s.Close(frame.CloseNormal, "")
					}
					s.Wait()
				}})
		}
	}
	return out
}

// group10: the fuzzer's own sender splits a 64 KiB text message into frames
// of at most 1300 payload bytes (51 frames); the peer echoes it in any framing.
func group10() []*Case {
	return []*Case{{ID: "10.1.1",
		Description: "Send a 65536-byte text message split by the fuzzer into frames of at most 1300 bytes (1 text + 50 continuation frames, the last of 536 bytes).",
		Expectation: "Echo of the reassembled 65536-byte message (any framing); clean close.",
		Run: func(s *Session) {
			const n, size = 65536, 1300
			p := fill('*', n)
			var fs []Frame
			for off := 0; off < n; off += size {
				op := frame.OpContinuation
				if off == 0 {
					op = frame.OpText
				}
				fs = append(fs, Frame{Opcode: op, Fin: off+size >= n, Payload: p[off:min(off+size, n)]})
			}
			s.Expect(OK, TextBytes(p))
			s.ExpectClose(happyClose)
			if len(fs) != 51 || len(fs[50].Payload) != 536 {
				s.SetResult(Failed, fmt.Sprintf("fuzzer bug: %d frames, want 51", len(fs)))
			}
			s.Send(Delivery{}, fs...)
			s.KillAfter(10 * time.Second)
		}}}
}
