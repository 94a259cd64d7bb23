// Package xconnect turns on RFC 8441's extended CONNECT in net/http's
// HTTP/2 server, so that browsers and other HTTP/2 clients can open
// WebSockets on an HTTP/2 stream (conn.Accept serves them). Import it for
// its side effect, in the main package of a server:
//
//	import _ "github.com/rfc6455/ws/conn/xconnect"
//
// # Why a package
//
// Go 1.26's HTTP/2 server advertises SETTINGS_ENABLE_CONNECT_PROTOCOL
// (RFC 8441, Section 3) and hands requests carrying :protocol to handlers
// only when the environment variable GODEBUG contains http2xconnect=1 at
// the moment net/http is initialized (its init function reads os.Getenv;
// golang/go#71128 explains why it is off by default: browsers take the
// setting as a promise that every WebSocket handler of the server speaks
// RFC 8441). A //go:debug http2xconnect=1 directive does not help: the go
// command rejects it as an unknown setting. So this package's init appends
// http2xconnect=1 to GODEBUG, unless GODEBUG already mentions
// http2xconnect (then the user's choice, =0 included, stands).
//
// It runs before net/http's init: the Go specification (since Go 1.21)
// initializes packages in the order of their import paths among those
// whose imports are initialized, and this package imports only os and
// strings, both also imported by net/http, so its path,
// "github.com/...", sorts and runs before "net/http" in every program
// that imports it. conn's tests check the SETTINGS frame a server sends.
//
// Instead of importing it, a server may be started with the variable set:
//
//	GODEBUG=http2xconnect=1 ./server
//
// A later Go release is expected to offer a per-server setting instead:
// http.HTTP2Config.EnableConnectProtocol, from the accepted proposal
// golang/go#53208 (the GODEBUG switch came with golang/go#71128). Go 1.26
// does not have it; its implementation, golang/go pull request #79300,
// was still under review when this package was written, so Go 1.27 at
// the earliest. With it this package will no longer be needed.
//
// Only import this package when every handler that accepts WebSockets in
// the program serves RFC 8441 (conn.Accept does): a browser that sees the
// setting opens its WebSockets to that server over HTTP/2.
package xconnect

import (
	"os"
	"strings"
)

// setting is the GODEBUG key net/http's HTTP/2 server reads.
const setting = "http2xconnect"

// enabled records whether GODEBUG turned extended CONNECT on when this
// package was initialized, just before net/http read it.
var enabled bool

func init() {
	v := os.Getenv("GODEBUG")
	if _, ok := lookup(v, setting); !ok {
		if v != "" {
			v += ","
		}
		v += setting + "=1"
		os.Setenv("GODEBUG", v)
	}
	// net/http's own test, word for word.
	enabled = strings.Contains(v, setting+"=1")
}

// Enabled reports whether net/http's HTTP/2 server accepts extended
// CONNECT in this program: whether GODEBUG set http2xconnect=1 when
// net/http was initialized (by this package or by the user).
func Enabled() bool { return enabled }

// lookup returns the value of key in a GODEBUG list ("k1=v1,k2=v2"), the
// last one if it appears more than once.
func lookup(godebug, key string) (value string, ok bool) {
	for _, kv := range strings.Split(godebug, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		if k == key {
			value, ok = v, true
		}
	}
	return value, ok
}
