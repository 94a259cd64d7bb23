package h2

import "strconv"

// An ErrCode is an HTTP/2 error code, sent in RST_STREAM and GOAWAY frames
// (RFC 9113, Section 7).
type ErrCode uint32

// The error codes of RFC 9113, Section 7.
const (
	ErrCodeNo                 ErrCode = 0x0 // NO_ERROR: graceful shutdown
	ErrCodeProtocol           ErrCode = 0x1 // PROTOCOL_ERROR: unspecific protocol error
	ErrCodeInternal           ErrCode = 0x2 // INTERNAL_ERROR: the endpoint's own fault
	ErrCodeFlowControl        ErrCode = 0x3 // FLOW_CONTROL_ERROR: flow-control protocol violated
	ErrCodeSettingsTimeout    ErrCode = 0x4 // SETTINGS_TIMEOUT: SETTINGS not acknowledged in time
	ErrCodeStreamClosed       ErrCode = 0x5 // STREAM_CLOSED: frame on a half-closed stream
	ErrCodeFrameSize          ErrCode = 0x6 // FRAME_SIZE_ERROR: frame of invalid size
	ErrCodeRefusedStream      ErrCode = 0x7 // REFUSED_STREAM: stream refused before any processing
	ErrCodeCancel             ErrCode = 0x8 // CANCEL: stream no longer needed
	ErrCodeCompression        ErrCode = 0x9 // COMPRESSION_ERROR: HPACK state cannot be maintained
	ErrCodeConnect            ErrCode = 0xa // CONNECT_ERROR: the CONNECT tunnel was reset
	ErrCodeEnhanceYourCalm    ErrCode = 0xb // ENHANCE_YOUR_CALM: the peer is generating excessive load
	ErrCodeInadequateSecurity ErrCode = 0xc // INADEQUATE_SECURITY: TLS requirements not met
	ErrCodeHTTP11Required     ErrCode = 0xd // HTTP_1_1_REQUIRED: use HTTP/1.1 instead
)

var errCodeNames = [...]string{
	ErrCodeNo:                 "NO_ERROR",
	ErrCodeProtocol:           "PROTOCOL_ERROR",
	ErrCodeInternal:           "INTERNAL_ERROR",
	ErrCodeFlowControl:        "FLOW_CONTROL_ERROR",
	ErrCodeSettingsTimeout:    "SETTINGS_TIMEOUT",
	ErrCodeStreamClosed:       "STREAM_CLOSED",
	ErrCodeFrameSize:          "FRAME_SIZE_ERROR",
	ErrCodeRefusedStream:      "REFUSED_STREAM",
	ErrCodeCancel:             "CANCEL",
	ErrCodeCompression:        "COMPRESSION_ERROR",
	ErrCodeConnect:            "CONNECT_ERROR",
	ErrCodeEnhanceYourCalm:    "ENHANCE_YOUR_CALM",
	ErrCodeInadequateSecurity: "INADEQUATE_SECURITY",
	ErrCodeHTTP11Required:     "HTTP_1_1_REQUIRED",
}

// String returns the code's name in RFC 9113, Section 7, such as
// "PROTOCOL_ERROR". Unknown codes, which RFC 9113, Section 7 says must not
// trigger special behaviour, print as "ERR_CODE_0x1f".
func (c ErrCode) String() string {
	if int(c) < len(errCodeNames) {
		return errCodeNames[c]
	}
	return "ERR_CODE_0x" + strconv.FormatUint(uint64(c), 16)
}

// A ConnError is a connection error (RFC 9113, Section 5.4.1): the endpoint
// sends GOAWAY with Code and closes the connection. Reason names the rule
// broken and ends with its citation, such as "(RFC 9113, Section 6.1)".
type ConnError struct {
	Code   ErrCode
	Reason string
}

// Error returns "http2: connection error CODE: reason (RFC ..., Section ...)".
func (e *ConnError) Error() string {
	return "http2: connection error " + e.Code.String() + ": " + e.Reason
}

// A StreamError is a stream error (RFC 9113, Section 5.4.2): the endpoint
// sends RST_STREAM with Code on StreamID; the connection stays usable.
// Reason names the rule broken and ends with its citation.
type StreamError struct {
	StreamID uint32
	Code     ErrCode
	Reason   string
}

// Error returns "http2: stream error on stream N CODE: reason (RFC ...)".
func (e *StreamError) Error() string {
	return "http2: stream error on stream " + strconv.FormatUint(uint64(e.StreamID), 10) +
		" " + e.Code.String() + ": " + e.Reason
}

// connErr and streamErr build the errors of the parsers; section is the
// section of RFC 9113 that states the rule.
func connErr(code ErrCode, section, reason string) *ConnError {
	return &ConnError{Code: code, Reason: reason + " (RFC 9113, Section " + section + ")"}
}

func streamErr(id uint32, code ErrCode, section, reason string) *StreamError {
	return &StreamError{StreamID: id, Code: code, Reason: reason + " (RFC 9113, Section " + section + ")"}
}
