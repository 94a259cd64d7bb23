package conn

import (
	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// The names below are the types and constants of packages frame and
// handshake that a chat server or client needs, so that importing conn is
// enough: they are aliases, identical to the originals (conn.OpText ==
// frame.OpText, and a conn.CloseCode is a frame.CloseCode).

// Opcode is frame.Opcode, the type of a frame's opcode (RFC 6455, Section
// 5.2); ReadMessage returns it and WriteMessage takes it.
type Opcode = frame.Opcode

// The data opcodes (RFC 6455, Section 5.6): the two kinds of message.
// Control frames (close, ping, pong) and continuation frames never reach
// the application; the Endpoint sends them through Close and Ping and
// answers them itself, so their opcodes stay in package frame.
const (
	// OpText is a text message, UTF-8 (RFC 6455, Sections 5.6 and 8.1).
	OpText = frame.OpText
	// OpBinary is a binary message (RFC 6455, Section 5.6).
	OpBinary = frame.OpBinary
)

// CloseCode is frame.CloseCode, the status code of a Close frame (RFC
// 6455, Sections 5.5.1 and 7.4): Close takes it, CloseStatus and
// CloseError report it.
type CloseCode = frame.CloseCode

// The status codes of RFC 6455, Section 7.4.1, and those IANA registered
// since (Section 11.7). CloseNoStatus, CloseAbnormal and CloseTLSHandshake
// are reported locally and never sent.
const (
	// CloseNormal (1000): the purpose of the connection is fulfilled (RFC 6455, Section 7.4.1).
	CloseNormal = frame.CloseNormal
	// CloseGoingAway (1001): a server going down, or a browser leaving the page (RFC 6455, Section 7.4.1).
	CloseGoingAway = frame.CloseGoingAway
	// CloseProtocolError (1002): the peer broke the protocol (RFC 6455, Section 7.4.1).
	CloseProtocolError = frame.CloseProtocolError
	// CloseUnsupportedData (1003): a kind of data the endpoint cannot accept (RFC 6455, Section 7.4.1).
	CloseUnsupportedData = frame.CloseUnsupportedData
	// CloseNoStatus (1005): the Close frame had no status code; never sent (RFC 6455, Section 7.4.1).
	CloseNoStatus = frame.CloseNoStatus
	// CloseAbnormal (1006): the connection ended without a Close frame; never sent (RFC 6455, Section 7.4.1).
	CloseAbnormal = frame.CloseAbnormal
	// CloseInvalidPayload (1007): data inconsistent with its type, such as bad UTF-8 (RFC 6455, Section 7.4.1).
	CloseInvalidPayload = frame.CloseInvalidPayload
	// ClosePolicyViolation (1008): a message violates the endpoint's policy (RFC 6455, Section 7.4.1).
	ClosePolicyViolation = frame.ClosePolicyViolation
	// CloseMessageTooBig (1009): a message too big to process (RFC 6455, Section 7.4.1).
	CloseMessageTooBig = frame.CloseMessageTooBig
	// CloseMandatoryExtension (1010): the client needed an extension the server did not negotiate (RFC 6455, Section 7.4.1).
	CloseMandatoryExtension = frame.CloseMandatoryExtension
	// CloseInternalError (1011): the server met an unexpected condition (RFC 6455, Section 7.4.1).
	CloseInternalError = frame.CloseInternalError
	// CloseServiceRestart (1012): the server is restarting (IANA registry, RFC 6455, Section 11.7).
	CloseServiceRestart = frame.CloseServiceRestart
	// CloseTryAgainLater (1013): the server is overloaded; try later (IANA registry, RFC 6455, Section 11.7).
	CloseTryAgainLater = frame.CloseTryAgainLater
	// CloseBadGateway (1014): a gateway got an invalid upstream response (IANA registry, RFC 6455, Section 11.7).
	CloseBadGateway = frame.CloseBadGateway
	// CloseTLSHandshake (1015): the TLS handshake failed; never sent (RFC 6455, Section 7.4.1).
	CloseTLSHandshake = frame.CloseTLSHandshake
)

// ServerOptions is handshake.ServerOptions, the opening handshake checks
// of a server (RFC 6455, Section 4.2): subprotocols, allowed origins
// (Section 10.2) and the response-header hook. AcceptOptions embeds it, so
// its fields are set directly (opts.Subprotocols) or, in a composite
// literal, as ServerOptions: conn.ServerOptions{...}.
type ServerOptions = handshake.ServerOptions

// DeflateParams is handshake.DeflateParams, the permessage-deflate
// parameters agreed in the opening handshake (RFC 7692, Section 7.1), as
// Compression.Negotiated reports them.
type DeflateParams = handshake.DeflateParams

// HandshakeError is handshake.Error, an opening handshake that failed
// (RFC 6455, Section 4): Accept returns one (its Status is the HTTP status
// it answered with), and Dial returns errors that wrap one. Get it with
// errors.As and a *conn.HandshakeError.
type HandshakeError = handshake.Error

// ResponseError is handshake.ResponseError, a server response that did not
// complete the opening handshake (RFC 6455, Section 4.1): Dial's error
// wraps one, holding the response and the start of its body.
type ResponseError = handshake.ResponseError
