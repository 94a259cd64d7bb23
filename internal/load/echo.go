package load

import (
	"net"

	"github.com/rfc6455/ws/conn"
)

// ServeEcho serves l with conn.RawServer (no net/http) and an echo
// handler: every message comes back whole with its type, as cmd/wsecho
// does through net/http. It is the library's raw path as a user would
// write it, for wsload -serve-echo. It returns when l fails.
func ServeEcho(l net.Listener, readLimit int64) error {
	opts := &conn.AcceptOptions{}
	opts.ReadLimit = readLimit
	opts.Compression.Enable = true
	return conn.Serve(l, echoMessages, opts)
}

// echoMessages echoes whole messages through one reused buffer. Its frame
// is small on purpose: an idle connection waits under it (see
// conn.RawServer on stack size).
func echoMessages(ep *conn.Endpoint) {
	var buf []byte
	for {
		op, p, err := ep.ReadMessage(buf)
		if err != nil {
			return
		}
		if ep.WriteMessage(op, p) != nil {
			return
		}
		buf = p
	}
}
