package frame

import "errors"

// A ProtocolError reports a frame that breaks RFC 6455. Code is the status
// code to send when failing the connection (RFC 6455, Section 7.1.7); Section
// names the rule broken. ProtocolError is a comparable value, so errors.Is
// matches one of the variables below even when it is wrapped, and errors.As
// with a ProtocolError recovers the code to send.
type ProtocolError struct {
	Code    CloseCode // e.g. CloseProtocolError, CloseInvalidPayload
	Section string    // the section broken, e.g. "5.5"
	Reason  string    // lower case, no final period
}

// Error returns "frame: <reason> (RFC 6455, Section <section>)".
func (e ProtocolError) Error() string {
	return "frame: " + e.Reason + " (RFC 6455, Section " + e.Section + ")"
}

// ErrShortHeader is returned by ParseHeader when b holds only the start of a
// header: not a protocol violation, just "read more bytes and try again".
var ErrShortHeader = errors.New("frame: short header")

// One variable per rule; each is returned as is (or wrapped with detail) by
// the check that enforces it.
var (
	// ErrReservedOpcode: opcodes 0x3–0x7 and 0xB–0xF are reserved (RFC 6455, Section 5.2).
	ErrReservedOpcode = ProtocolError{CloseProtocolError, "5.2", "reserved opcode"}
	// ErrReservedBits: an RSV bit is set that no negotiated extension defines (RFC 6455, Section 5.2).
	ErrReservedBits = ProtocolError{CloseProtocolError, "5.2", "reserved bit set without a negotiated extension"}
	// ErrLengthMSBSet: the 64-bit payload length has its most significant bit set (RFC 6455, Section 5.2).
	ErrLengthMSBSet = ProtocolError{CloseProtocolError, "5.2", "64-bit payload length has its top bit set"}
	// ErrNonMinimalLength: the payload length is not in its shortest form (RFC 6455, Section 5.2).
	ErrNonMinimalLength = ProtocolError{CloseProtocolError, "5.2", "payload length not encoded in the minimal number of bytes"}
	// ErrMaskRequired: a client sent an unmasked frame (RFC 6455, Section 5.1).
	ErrMaskRequired = ProtocolError{CloseProtocolError, "5.1", "frame from client is not masked"}
	// ErrMaskUnexpected: a server sent a masked frame (RFC 6455, Section 5.1).
	ErrMaskUnexpected = ProtocolError{CloseProtocolError, "5.1", "frame from server is masked"}
	// ErrControlFragmented: a control frame without FIN (RFC 6455, Section 5.5).
	ErrControlFragmented = ProtocolError{CloseProtocolError, "5.5", "control frame is fragmented"}
	// ErrControlTooLong: a control frame with more than 125 bytes of payload (RFC 6455, Section 5.5).
	ErrControlTooLong = ProtocolError{CloseProtocolError, "5.5", "control frame payload over 125 bytes"}
	// ErrUnexpectedContinuation: a continuation frame with no fragmented message in progress (RFC 6455, Section 5.4).
	ErrUnexpectedContinuation = ProtocolError{CloseProtocolError, "5.4", "continuation frame without a message in progress"}
	// ErrExpectedContinuation: a new text or binary frame while a fragmented message is in progress (RFC 6455, Section 5.4).
	ErrExpectedContinuation = ProtocolError{CloseProtocolError, "5.4", "new data frame inside a fragmented message"}
	// ErrCloseBodyOneByte: a close frame body of exactly one byte (RFC 6455, Section 5.5.1).
	ErrCloseBodyOneByte = ProtocolError{CloseProtocolError, "5.5.1", "close frame body of one byte"}
	// ErrCloseCodeInvalid: a close status code that may not appear on the wire (RFC 6455, Section 7.4).
	ErrCloseCodeInvalid = ProtocolError{CloseProtocolError, "7.4", "invalid close status code"}
	// ErrBadCloseReason: a close reason that is not valid UTF-8 (RFC 6455, Section 5.5.1).
	ErrBadCloseReason = ProtocolError{CloseInvalidPayload, "5.5.1", "close reason is not valid UTF-8"}
	// ErrInvalidUTF8: text message data that is not valid UTF-8 (RFC 6455, Section 8.1).
	ErrInvalidUTF8 = ProtocolError{CloseInvalidPayload, "8.1", "text message is not valid UTF-8"}
	// ErrMessageTooBig: a message larger than the endpoint accepts (RFC 6455, Section 7.4.1, code 1009).
	ErrMessageTooBig = ProtocolError{CloseMessageTooBig, "7.4.1", "message too big"}
)

// The rules above as error interface values, boxed once so that the checks
// on the hot path return them without allocating.
var (
	errReservedOpcode         error = ErrReservedOpcode
	errReservedBits           error = ErrReservedBits
	errLengthMSBSet           error = ErrLengthMSBSet
	errNonMinimalLength       error = ErrNonMinimalLength
	errMaskRequired           error = ErrMaskRequired
	errMaskUnexpected         error = ErrMaskUnexpected
	errControlFragmented      error = ErrControlFragmented
	errControlTooLong         error = ErrControlTooLong
	errUnexpectedContinuation error = ErrUnexpectedContinuation
	errExpectedContinuation   error = ErrExpectedContinuation
	errCloseBodyOneByte       error = ErrCloseBodyOneByte
	errCloseCodeInvalid       error = ErrCloseCodeInvalid
	errBadCloseReason         error = ErrBadCloseReason
)
