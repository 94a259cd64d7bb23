// Package handshake implements the opening handshake of the WebSocket
// protocol, RFC 6455, Section 4: the HTTP Upgrade request a client sends and
// the "101 Switching Protocols" response a server answers with.
//
// The package turns HTTP values into verdicts. An *http.Request goes into
// CheckRequest and an *Offer (what the client asked for) or an *Error (what was
// wrong, with the HTTP status to answer) comes out; Response builds the 101
// headers for an accepted request. On the client side NewRequest builds the
// request for a ws:// or wss:// URL and CheckResponse checks the server's
// answer. Frames do not exist here, and the package owns no connection: it
// never dials or hijacks. It reads and writes only through the bufio.Reader or
// io.Writer a caller hands in (ReadRequest, WriteResponse, WriteError), as
// net/http's ReadRequest does, so package conn can upgrade a connection from a
// net/http handler or a raw net.Conn and keep every byte that follows the
// handshake.
//
// # Secure by default
//
// A browser sends the page's origin in the Origin header; by default
// CheckRequest refuses a request whose Origin host is not the request's own
// Host unless it matches ServerOptions.OriginPatterns (RFC 6455, Section 10.2).
// Without this, any web site a user visits could open a WebSocket to your
// server with the user's cookies (cross-site WebSocket hijacking). Requests
// without Origin come from non-browser clients and are allowed. ReadRequest
// bounds the size of the request header. The checks on either side take time
// and memory linear in the size of the header fields they read, however many
// list elements, duplicates or parameters those hold, and an error quotes at
// most a short excerpt of what the peer sent.
//
// # What the server answers
//
//	405 Method Not Allowed   method is not GET (Allow: GET)
//	400 Bad Request          not HTTP/1.1 or later; no Host; Upgrade lacks "websocket";
//	                         Connection lacks "Upgrade"; Sec-WebSocket-Key missing, repeated
//	                         or not base64 of 16 bytes; Sec-WebSocket-Version repeated;
//	                         malformed Sec-WebSocket-Protocol or -Extensions; a request body;
//	                         a request net/http cannot parse (raw path)
//	426 Upgrade Required     Sec-WebSocket-Version missing or not 13 (Sec-WebSocket-Version: 13)
//	403 Forbidden            Origin not allowed; the ResponseHeader hook refused
//	431 Request Header Fields Too Large   header over MaxHeaderBytes or MaxHeaderLines (raw path)
//
// The body is the error's text, plain, one line.
//
// # Spec coverage
//
// RFC 6455, Sections 1.3 (Sec-WebSocket-Accept), 3 (ws and wss URIs), 4.1
// (client requirements), 4.2.1 and 4.2.2 (server requirements), 4.4 (version
// negotiation), 9.1 (extension negotiation grammar), 10.2 (origin), 11.3
// (header fields). The list grammar is RFC 9110, Section 5.6. Over HTTP/2
// (h2.go, h2client.go): RFC 8441, Sections 4 and 5 (the extended CONNECT,
// answered 200, no Sec-WebSocket-Key or -Accept) and RFC 9113, Section
// 8.2.2 (no connection-specific fields).
//
// https://www.rfc-editor.org/rfc/rfc6455
package handshake
