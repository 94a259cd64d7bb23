// Package bench measures polling, long polling and WebSocket side by side,
// with net/http on the HTTP side and this library (conn.Accept on the server,
// handshake plus conn.NewEndpoint on the client) on the WebSocket side. It is
// the logic behind cmd/wsbench.
//
// Two experiments check the claims of the article in shared/seed
// ("WebSocket Simplified"):
//
//   - Updates: a server produces N updates at a fixed rate for C clients, who
//     receive them by HTTP polling every P, by long polling, or over one
//     WebSocket connection each. Per mode it reports the bytes on the wire per
//     delivered update, the requests made (and how many came back empty), the
//     delivery latency from an update's creation to its receipt, and the CPU
//     time of the process. Every update must reach every client exactly once.
//   - Requests: for R requests per connection, request/response over HTTP/1.1
//     with a new connection per request, over HTTP/1.1 keep-alive with R
//     requests per connection, and as messages over one WebSocket connection
//     per R requests. It reports requests per second and the WebSocket/HTTP
//     ratio next to the article's figures.
//
// Bytes are counted by a Counter wrapped around every TCP connection, at
// the clients' dialers and at the server's listener (control requests use
// a second listener that is not counted), in both directions, above TCP:
// HTTP request and status lines, headers, bodies, the WebSocket handshake,
// frame headers and close frames are all included; TCP/IP headers are not
// (they are invisible to a user-space program). The clients' count is
// reported; the server's is recorded beside it and must agree.
//
// Over loopback a round trip costs tens of microseconds, which flatters
// every extra one (TCP's handshake, the WebSocket upgrade, an empty poll).
// With Config.RTTs both experiments run again once per round-trip time
// through a Relay (link.go): a TCP relay on 127.0.0.1 that delays every
// byte and FIN by half the round trip in each direction, paces them to a
// bandwidth, holds a new connection's first bytes for one round trip (as
// TCP's three-way handshake does, RFC 9293, Section 3.5), and bounds what
// it queues. It does not emulate slow start, loss or jitter. The clients
// dial the relay and the relay dials the server, so the byte counts on
// both sides are unchanged; cmd/wsbench runs the relay in a child process
// so that the CPU figures leave its work out.
//
// Measurements follow a few rules: a warm-up round is run and thrown away,
// every cell is measured in several rounds whose median is reported with the
// spread (minimum and maximum), and the modes are interleaved within a round
// (in an order that rotates from round to round) rather than run one after
// the other, so slow drifts of a shared machine hit every mode alike.
package bench
