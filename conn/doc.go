// Package conn runs WebSocket connections (RFC 6455) over a net.Conn: the
// server side of the opening handshake from a net/http handler (Accept),
// the client side (Dial), whole and streamed messages, control frames, the
// close handshake, keepalive and limits. It is the only package of this
// module with goroutines, locks and network I/O: frame parses and checks
// bytes, handshake checks HTTP messages, conn drives them over a
// connection.
//
// # Reading and writing
//
// ReadMessage reads a whole message into a buffer the caller reuses;
// NextReader streams one of any size. WriteMessage sends a message as one
// frame; NextWriter streams one as fragments. One goroutine reads at a
// time; any number may write whole messages, which never interleave; Ping,
// Close and the deadline setters may be called from anywhere.
//
// Control frames are handled by whoever is reading: a ping is answered
// with a pong before the next frame is read, even in the middle of a
// fragmented message, so a flood of pings costs no memory. When the
// application is not reading, someone else reads control frames for it,
// stopping at the first data frame, which stays for the application's next
// read: Ping and Close do it while they wait, and an idle pump does it
// once the application has not read for 250 ms (a timer, then a goroutine
// that lives only while it pumps; the application's next read interrupts
// it by moving the read deadline, as net/http aborts its background read).
// So pings are answered, and the peer's Close is seen, even while the
// application only writes. An application blocked in a read, the usual
// idle state, costs no armed timer and no goroutine beyond its own.
//
// # Failing and closing
//
// Every broken rule fails the connection through one function (RFC 6455,
// Section 7.1.7): the frame.ProtocolError names the close code sent (1002
// for framing, 1007 for bad UTF-8, 1009 for a message over the read limit);
// an I/O error sends nothing and is reported as 1006; our own faults send
// 1011. Reads after the end return a CloseError; CloseStatus extracts its
// code. Close runs the close handshake of Section 7.1.2; the server closes
// TCP first (Section 7.1.1).
//
// # Read limit
//
// The default read limit, DefaultReadLimit, is 64 KiB. A server holding
// 10,000 connections whose peers each send one message of the limit at
// once must hold 10,000 × limit bytes: 640 MiB at 64 KiB (about what the
// kernel's socket buffers for those connections may hold anyway), but 10
// GiB at 1 MiB and 320 GiB at 32 MiB. Memory grows only as payload
// actually arrives: ReadMessage's buffer at most doubles as bytes come
// in, whatever length a header announced, so a peer that announces the
// limit and sends a byte costs a few hundred bytes; and a frame header
// announcing more than the limit fails the connection with 1009 before
// any of it is read. The limit counts compressed messages twice: their
// bytes on the wire (at the header, like any other) and what they
// inflate to (as they inflate). Applications that expect larger messages
// raise Options.ReadLimit or stream with NextReader, which is bounded by
// the limit too but needs no buffer. docs/limits.md lists every limit and
// timeout with the attack it was measured against.
//
// # Deadlines and closing are bounds
//
// A read deadline that passes anywhere in a message, compressed or not,
// through ReadMessage, NextReader or NetConn, returns a timeout and leaves
// the connection where it stopped: the next read resumes at the next
// byte, and no read ever returns part of a message as if it were whole.
// Close returns within Options.CloseTimeout whatever is stuck; the locks
// writers queue on are channels selected beside the connection's end, so
// every goroutine blocked in a read, a write, NextWriter or Ping returns
// when the connection closes.
//
// # Memory
//
// An idle connection holds no buffer from the pool: it blocks reading into
// a 512-byte array inside the Endpoint. A read that fills it moves to a
// pooled 16 KiB buffer, which returns to the pool when drained; large
// payloads are read straight into the caller's slice and unmasked there,
// once. Writes copy a small frame next to its header into a pooled buffer
// (one write), send a large server frame with writev (header and the
// caller's slice, no copy), and mask a client frame into the pooled buffer
// as it copies. Accept drops the buffers net/http hands over at hijack,
// but net/http keeps its own until the handler returns: serve each
// connection from a new goroutine and return from the handler. Measured
// with TestIdleMemory (10,000 idle connections over loopback, RSS of the
// server process, net/http included): 5.3 KiB per connection that way,
// 12.8 KiB when the handler keeps running.
//
// Small writes made while the reader still holds frames it has not
// returned (a peer that pipelines) are coalesced: they leave together just
// before the reader blocks, before any other frame, or within 200 µs
// (coalesce.go). A read-write loop answering a burst of small messages
// then makes one write system call instead of one per message.
//
// # Extensions
//
// permessage-deflate (RFC 7692) is built in: Options.Compression turns it
// on, Accept and Dial negotiate it (handshake.AcceptDeflate,
// handshake.CheckDeflateResponse), and deflate.go transforms payloads. On
// the read side, readMsg passes a message whose first frame had RSV1
// through the inflater, which applies ReadLimit to the inflated size and
// feeds UTF-8 validation as it goes; on the write side, WriteMessage and
// messageWriter compress into the frame writer and set RSV1 on the first
// frame only (RFC 7692, Section 6.1). frame.Sequence's AllowedRSV admits
// RSV1 only when the extension was negotiated.
//
// # Spec coverage
//
// RFC 6455, Sections 4.2 (server handshake, through package handshake),
// 5.1–5.6 (masking, fragmentation, control frames), 5.5.1–5.5.3 (close,
// ping, pong), 7.1.1–7.1.7 and 7.4 (closing), 8.1 (UTF-8), 10.3 (client
// masking keys), 10.4 (limits); RFC 7692 (permessage-deflate); RFC 8441
// (WebSockets over HTTP/2: Accept on net/http's HTTP/2 server,
// h2server.go, with conn/xconnect to turn it on; Dial, h2client.go).
//
// https://www.rfc-editor.org/rfc/rfc6455
package conn
