// Package demo is the walkthrough of the article "WebSocket Simplified"
// (Shad Mirza) in Go, served by cmd/wsdemo.
//
// The article builds, with Node's ws, an HTTP server on port 8000 that
// answers plain HTTP with "I am connected", a WebSocket server on the same
// port, a `headers` event that sees the 101 response headers before they are
// written, a `connection` event that greets the client, and a `message` event
// that logs what the client sends. Server does the same with this library:
//
//   - GET / without an Upgrade header serves the page (page/index.html,
//     embedded); GET /connected answers "I am connected".
//   - GET / with Upgrade: websocket is upgraded by conn.Accept on the same
//     port. The 101 headers are logged from the hook
//     handshake.ServerOptions.ResponseHeader, the article's `headers` event;
//     the greeting "This is a message from server, connection is
//     established" is sent; every message from the client is logged; the
//     close code is logged when the tab goes away.
//   - The article's food order, three ways: /food/poll (the client asks every
//     second), /food/longpoll (the request is held until the food is ready)
//     and /food/ws (a WebSocket: the server pushes when it is ready). Each
//     order counts the requests made and the bytes that crossed the socket in
//     each direction, HTTP headers and WebSocket framing included, measured on
//     the server's side of the connection (see wireConn).
//   - GET /live is a WebSocket on which the page receives, as JSON, what the
//     server saw of its own connections: the handshake bytes, the first
//     frames annotated, the server log, and the food-order figures.
//
// The byte counts need the connections Server.Serve accepts; a Server used
// as an http.Handler under another http.Server works but counts nothing.
//
// Server.ServeTLS (cmd/wsdemo -tls) serves the same over HTTPS, where the
// browser speaks HTTP/2 and opens the page's WebSockets as extended
// CONNECTs (RFC 8441) on the page's own connection: routes for CONNECT sit
// beside the GET ones, the handlers are the same, and the page shows which
// protocol carried its WebSocket. There bytes are not counted (encrypted,
// and interleaved by HTTP/2), and the handshake is shown as the fields
// net/http decoded. Leaving the page, Chromium resets an HTTP/2 WebSocket's
// stream (RST_STREAM CANCEL, the server logs 1006) where over HTTP/1.1 it
// sends a Close frame with 1001.
package demo
