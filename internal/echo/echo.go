// Package echo is the echo WebSocket service used as the conformance
// (Autobahn|Testsuite) testee: every data message comes back with its
// type, either whole or fragment by fragment.
//
// An echo speaks every subprotocol, so by default it selects the first one
// the client offers (RFC 6455, Section 4.2.2): a client that asks for one,
// as a browser's new WebSocket(url, ["chat"]) does, refuses a handshake
// that selects none. Options.Subprotocol changes the choice;
// ParseSubprotocols builds it from cmd/wsecho's -subprotocols flag.
package echo

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
	"github.com/rfc6455/ws/internal/token"
)

// DefaultReadLimit is the read limit Handler uses when Options.ReadLimit is
// 0: the Autobahn|Testsuite sends messages of up to 16 MiB (cases 9.x).
const DefaultReadLimit = 64 << 20

// Options configures Handler.
type Options struct {
	conn.AcceptOptions
	// Streaming echoes each message fragment by fragment as it arrives,
	// without holding the whole message (NextReader to NextWriter).
	Streaming bool
	// Log, if set, is called for every connection opened and closed.
	Log func(format string, args ...any)
	// Context, if set, ends the service: when it is done, every
	// connection is closed with 1001, going away (RFC 6455, Section 7.4.1).
	Context context.Context
	// Group, if set, tracks every accepted connection, so that
	// Group.Shutdown (or ShutdownServer) closes them all with 1001 and
	// waits, bounded; a server shutting down refuses new upgrades with 503.
	Group *conn.Group
	// Conns, if set, counts open connections: Add(1) in the HTTP handler
	// once one is accepted, Done when it has closed. Hijacked connections
	// are invisible to http.Server.Shutdown; wait on Conns after it.
	Conns *sync.WaitGroup
	// Subprotocol selects the subprotocol of each connection from those
	// the client offered, in the client's order of preference, or returns
	// "" to select none (RFC 6455, Section 4.2.2). It is called only when
	// the client offered at least one. A name it returns that the client
	// did not offer selects none. Nil means FirstOffered. Handler passes
	// the choice to conn.Accept as AcceptOptions.Subprotocols, replacing
	// whatever was set there.
	Subprotocol func(offered []string) string
}

// Handler returns an http.Handler that accepts WebSocket connections and
// echoes every message with its type until the peer closes. opts may be nil.
// It accepts the HTTP/1.1 Upgrade and, over HTTP/2, the extended CONNECT
// of RFC 8441 (when net/http's server has it on: see conn/xconnect).
//
// Over HTTP/1.1 each connection is served by a goroutine of its own, and
// the HTTP handler returns right after the handshake: net/http then frees
// the buffers and state it holds for a request (about 10 KiB), which it
// would otherwise keep as long as the handler runs. Over HTTP/2 the
// WebSocket is the request's stream, which ends when the handler returns:
// the handler serves the connection itself and returns once the Endpoint
// is done (conn.Accept).
func Handler(opts *Options) http.Handler {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.ReadLimit == 0 {
		o.ReadLimit = DefaultReadLimit
	}
	if o.Subprotocol == nil {
		o.Subprotocol = FirstOffered
	}
	o.Subprotocols = nil
	logf := o.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept := &o.AcceptOptions
		if offered := r.Header["Sec-Websocket-Protocol"]; len(offered) > 0 {
			// conn.Accept picks the first of Subprotocols that the client
			// offered: a list of just our choice makes it pick that one.
			// conn.Accept checks the offer's syntax itself (Section 4.1).
			a := o.AcceptOptions
			if p := o.Subprotocol(token.Split(offered)); p != "" {
				a.Subprotocols = []string{p}
			}
			accept = &a
		}
		accept1 := conn.Accept
		if o.Group != nil {
			accept1 = o.Group.Accept
		}
		ep, err := accept1(w, r, accept)
		if err != nil {
			logf("echo: %s: handshake: %v", r.RemoteAddr, err)
			return
		}
		if o.Conns != nil {
			o.Conns.Add(1)
		}
		if handshake.IsHTTP2(r) {
			serve(ep, &o, logf, " over "+r.Proto)
			<-ep.Done() // the stream must outlive the Endpoint
			return
		}
		go serve(ep, &o, logf, "")
	})
}

// serve echoes on one connection until it ends, then closes it;
// via says which protocol carried it, for the log ("" for HTTP/1.1).
func serve(ep *conn.Endpoint, o *Options, logf func(string, ...any), via string) {
	if o.Conns != nil {
		defer o.Conns.Done()
	}
	logOpen(ep, logf, via)
	if o.Context != nil {
		stop := context.AfterFunc(o.Context, func() {
			ep.Close(frame.CloseGoingAway, "server shutting down")
		})
		defer stop()
	}
	var err error
	if o.Streaming {
		err = streamEcho(ep)
	} else {
		err = messageEcho(ep)
	}
	logClosed(ep, logf, err)
	ep.Close(frame.CloseNormal, "")
}

// logOpen and logClosed keep serve's own stack frame small: an idle
// connection waits under it, and a goroutine that stays within 2 KiB of
// stack costs half as much as one that grew to 4 KiB (conn.RawServer).
func logOpen(ep *conn.Endpoint, logf func(string, ...any), via string) {
	if p := ep.Subprotocol(); p != "" {
		logf("echo: %s: open%s, subprotocol %s", ep.RemoteAddr(), via, p)
	} else {
		logf("echo: %s: open%s", ep.RemoteAddr(), via)
	}
}

func logClosed(ep *conn.Endpoint, logf func(string, ...any), err error) {
	var ce conn.CloseError
	switch {
	case !errors.As(err, &ce):
		logf("echo: %s: closed: %v", ep.RemoteAddr(), err)
	case ce.Err != nil: // this end failed the connection
		logf("echo: %s: closed with %v: %v", ep.RemoteAddr(), ce.Code, ce.Err)
	default:
		logf("echo: %s: closed with %v %q", ep.RemoteAddr(), ce.Code, ce.Reason)
	}
}

// messageEcho echoes whole messages, reusing one buffer.
func messageEcho(ep *conn.Endpoint) error {
	var buf []byte
	for {
		op, p, err := ep.ReadMessage(buf)
		if err != nil {
			return err
		}
		if err := ep.WriteMessage(op, p); err != nil {
			return err
		}
		buf = p
	}
}

type flusher interface{ Flush() error }

// streamEcho echoes each message as it arrives, a read's worth at a time.
func streamEcho(ep *conn.Endpoint) error {
	buf := make([]byte, 32<<10)
	for {
		op, r, err := ep.NextReader()
		if err != nil {
			return err
		}
		w, err := ep.NextWriter(op)
		if err != nil {
			return err
		}
		for {
			n, rerr := r.Read(buf)
			if n > 0 {
				if _, err := w.Write(buf[:n]); err != nil {
					w.Close()
					return err
				}
				if err := w.(flusher).Flush(); err != nil {
					w.Close()
					return err
				}
			}
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				w.Close()
				return rerr
			}
		}
		if err := w.Close(); err != nil {
			return err
		}
	}
}
