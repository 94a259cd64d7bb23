package frame

// Sequence checks the rules that span the frames sent in one direction of a
// connection (RFC 6455, Sections 5.1, 5.2 and 5.4): masking by the sender's
// role, RSV bits against the negotiated extensions, and fragmentation, where
// a message is one text or binary frame followed by continuation frames up
// to one with FIN set, and control frames may come in between (Section 5.4).
//
// Feed Next the header of every frame in order. The zero value checks frames
// sent by a server, with no extension negotiated. A Sequence is not safe for
// concurrent use; it holds no buffer and does not allocate.
//
// Rules tied to one extension, such as RFC 7692's "RSV1 only on the first
// frame of a message", belong to the code implementing that extension.
type Sequence struct {
	FromClient bool // frames are sent by a client: must be masked; else must not be (Section 5.1)
	AllowedRSV byte // RSV bits the negotiated extensions allow (e.g. RSV1 for permessage-deflate)

	inMessage bool   // a fragmented data message is in progress
	msgOp     Opcode // opcode of the message in progress or last begun
}

// Next checks the header of the next frame against the frames before it and,
// if it passes, records it. It also runs Header.Check, so headers built in
// code are held to the rules ParseHeader applies. On error the state is left
// as it was; the caller is expected to fail the connection.
func (s *Sequence) Next(h Header) error {
	if err := h.Check(); err != nil {
		return err
	}
	// "a client MUST mask all frames that it sends to the server" (Section 5.1)
	if s.FromClient && !h.Masked {
		return errMaskRequired
	}
	// "A server MUST NOT mask any frames that it sends to the client." (Section 5.1)
	if !s.FromClient && h.Masked {
		return errMaskUnexpected
	}
	// "MUST be 0 unless an extension is negotiated that defines meanings for
	// non-zero values" (Section 5.2)
	if h.RSV()&^s.AllowedRSV != 0 {
		return errReservedBits
	}
	switch {
	case h.Opcode.IsControl():
		// "Control frames (see Section 5.5) MAY be injected in the middle of
		// a fragmented message." (Section 5.4)
		return nil
	case h.Opcode == OpContinuation:
		// A continuation frame continues a message whose first frame had FIN
		// clear (Section 5.4).
		if !s.inMessage {
			return errUnexpectedContinuation
		}
		s.inMessage = !h.Fin
	default:
		// "The fragments of one message MUST NOT be interleaved between the
		// fragments of another message" (Section 5.4)
		if s.inMessage {
			return errExpectedContinuation
		}
		s.msgOp = h.Opcode
		s.inMessage = !h.Fin
	}
	return nil
}

// InMessage reports whether a fragmented data message is in progress: a text
// or binary frame without FIN has been seen and its final continuation has
// not.
func (s *Sequence) InMessage() bool { return s.inMessage }

// MessageOpcode returns the opcode (OpText or OpBinary) of the message in
// progress, or of the last message begun; OpContinuation before the first.
func (s *Sequence) MessageOpcode() Opcode { return s.msgOp }

// Reset forgets any message in progress. FromClient and AllowedRSV are kept.
func (s *Sequence) Reset() {
	s.inMessage = false
	s.msgOp = OpContinuation
}
