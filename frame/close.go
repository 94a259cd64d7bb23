package frame

import (
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

// A CloseCode is the status code at the start of a close frame body, saying
// why the endpoint closes (RFC 6455, Sections 5.5.1 and 7.4).
type CloseCode uint16

// The status codes of RFC 6455, Section 7.4.1, and those IANA registered
// since (1012–1014). CloseNoStatus, CloseAbnormal and CloseTLSHandshake are
// reported locally and never sent.
const (
	CloseNormal             CloseCode = 1000 // normal closure; the purpose is fulfilled (7.4.1)
	CloseGoingAway          CloseCode = 1001 // server going down, or browser leaving the page (7.4.1)
	CloseProtocolError      CloseCode = 1002 // protocol error (7.4.1)
	CloseUnsupportedData    CloseCode = 1003 // a data type it cannot accept (7.4.1)
	CloseNoStatus           CloseCode = 1005 // no status code present; never sent (7.4.1)
	CloseAbnormal           CloseCode = 1006 // closed without a close frame; never sent (7.4.1)
	CloseInvalidPayload     CloseCode = 1007 // data inconsistent with its type, e.g. bad UTF-8 (7.4.1)
	ClosePolicyViolation    CloseCode = 1008 // a message violates the endpoint's policy (7.4.1)
	CloseMessageTooBig      CloseCode = 1009 // a message too big to process (7.4.1)
	CloseMandatoryExtension CloseCode = 1010 // client: the server did not negotiate a needed extension (7.4.1)
	CloseInternalError      CloseCode = 1011 // server: an unexpected condition (7.4.1)
	CloseServiceRestart     CloseCode = 1012 // server restarting (IANA registry, after 7.4.2)
	CloseTryAgainLater      CloseCode = 1013 // server overloaded, try later (IANA registry)
	CloseBadGateway         CloseCode = 1014 // gateway got an invalid upstream response (IANA registry)
	CloseTLSHandshake       CloseCode = 1015 // TLS handshake failed; never sent (7.4.1)
)

var closeNames = map[CloseCode]string{
	CloseNormal:             "normal closure",
	CloseGoingAway:          "going away",
	CloseProtocolError:      "protocol error",
	CloseUnsupportedData:    "unsupported data",
	CloseNoStatus:           "no status received",
	CloseAbnormal:           "abnormal closure",
	CloseInvalidPayload:     "invalid payload data",
	ClosePolicyViolation:    "policy violation",
	CloseMessageTooBig:      "message too big",
	CloseMandatoryExtension: "mandatory extension",
	CloseInternalError:      "internal error",
	CloseServiceRestart:     "service restart",
	CloseTryAgainLater:      "try again later",
	CloseBadGateway:         "bad gateway",
	CloseTLSHandshake:       "TLS handshake failure",
}

// String returns the code and its meaning, e.g. "1000 (normal closure)";
// codes without a name say their range, e.g. "4000 (private use)".
func (c CloseCode) String() string {
	s := strconv.Itoa(int(c))
	if name, ok := closeNames[c]; ok {
		return s + " (" + name + ")"
	}
	switch {
	case c >= 3000 && c <= 3999:
		return s + " (registered)"
	case c >= 4000 && c <= 4999:
		return s + " (private use)"
	}
	return s + " (invalid)"
}

// IsValid reports whether c may appear in a close frame on the wire (RFC 6455,
// Section 7.4): 1000–1003, 1007–1014 and 3000–4999. 0–999 are unused, 1004 is
// reserved, 1005, 1006 and 1015 must never be sent, 1016–2999 are reserved
// for the RFC and its extensions, and 5000 and up are undefined.
func (c CloseCode) IsValid() bool {
	switch {
	case c >= 1000 && c <= 1003:
		return true
	case c >= 1007 && c <= 1014:
		return true
	case c >= 3000 && c <= 4999:
		return true
	}
	return false
}

// A ClosePayload is the decoded body of a close frame (RFC 6455, Section
// 5.5.1): a status code and an optional UTF-8 reason. Code CloseNoStatus
// stands for an empty body.
type ClosePayload struct {
	Code   CloseCode
	Reason string
}

// maxCloseReason is the longest reason that fits a close frame: 125 bytes of
// payload minus the 2-byte code (RFC 6455, Section 5.5).
const maxCloseReason = maxControlPayload - 2

// ParseClosePayload decodes the body of a close frame (RFC 6455, Section
// 5.5.1). An empty body yields Code CloseNoStatus (Section 7.1.5). The errors
// are ProtocolErrors: ErrCloseBodyOneByte, ErrControlTooLong and
// ErrCloseCodeInvalid (1002), and ErrBadCloseReason (1007) for a reason that
// is not valid UTF-8. The returned Reason is a copy; b is not retained.
func ParseClosePayload(b []byte) (ClosePayload, error) {
	if len(b) == 0 {
		// "If there is no such data in the Close control frame, _The
		// WebSocket Connection Close Code_ is considered to be 1005." (Section 7.1.5)
		return ClosePayload{Code: CloseNoStatus}, nil
	}
	// "If there is a body, the first two bytes of the body MUST be a 2-byte
	// unsigned integer (in network byte order) representing a status code" (Section 5.5.1)
	if len(b) == 1 {
		return ClosePayload{}, errCloseBodyOneByte
	}
	// "All control frames MUST have a payload length of 125 bytes or less" (Section 5.5)
	if len(b) > maxControlPayload {
		return ClosePayload{}, errControlTooLong
	}
	code := CloseCode(binary.BigEndian.Uint16(b))
	// Section 7.4.1 lists codes that "MUST NOT be set as a status code in a
	// Close control frame"; 7.4.2 reserves the ranges we do not accept.
	if !code.IsValid() {
		return ClosePayload{}, errCloseCodeInvalid
	}
	reason := b[2:]
	// "the body MAY contain UTF-8-encoded data" ... "which is not
	// guaranteed to be human readable" (Section 5.5.1); invalid UTF-8 is 1007 (Section 8.1).
	if !utf8.Valid(reason) {
		return ClosePayload{}, errBadCloseReason
	}
	return ClosePayload{Code: code, Reason: string(reason)}, nil
}

// AppendClosePayload appends the close frame body for p to dst (RFC 6455,
// Section 5.5.1). Code CloseNoStatus with no Reason appends nothing (an empty
// body). It returns dst unchanged and ErrCloseCodeInvalid if the code may not
// be sent (or a reason comes with CloseNoStatus), ErrBadCloseReason if the
// reason is not valid UTF-8, or ErrControlTooLong if the body would exceed
// 125 bytes (a reason over 123 bytes).
func AppendClosePayload(dst []byte, p ClosePayload) ([]byte, error) {
	if p.Code == CloseNoStatus {
		if p.Reason != "" {
			return dst, errCloseCodeInvalid
		}
		return dst, nil
	}
	if !p.Code.IsValid() {
		return dst, errCloseCodeInvalid
	}
	if len(p.Reason) > maxCloseReason {
		return dst, errControlTooLong
	}
	if !utf8.ValidString(p.Reason) {
		return dst, errBadCloseReason
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(p.Code))
	return append(dst, p.Reason...), nil
}
