// Command wsconform is an Autobahn-style conformance runner for WebSocket
// servers and clients (RFC 6455), built on package internal/conform.
//
//	wsconform server [-cases P] [-exclude P] [-report DIR] ws://HOST:PORT/PATH
//	wsconform server -http2 [-insecure] ws://HOST:PORT/PATH or wss://HOST:PORT/PATH
//	wsconform client [-cases P] [-exclude P] [-report DIR] [-addr HOST:PORT]
//	wsconform client -http2 [-addr HOST:PORT] [-tls HOST:PORT]
//	wsconform list [-cases P] [-exclude P]
//
// In server mode it acts as the Autobahn|Testsuite's fuzzing client against
// an echo server; in client mode it acts as the fuzzing server, with the
// Autobahn URL protocol (/getCaseCount, /runCase?case=N&agent=NAME,
// /updateReports?agent=NAME), so client testees written for Autobahn work
// unchanged. It prints a progress line and a summary table per group, writes
// index.json (one object per case), index.html and a page per case, and exits
// with status 1 if any case FAILED.
//
// With -http2 every case runs on an RFC 8441 extended CONNECT stream of an
// HTTP/2 connection of its own: in server mode h2c with prior knowledge
// for ws:// and TLS with ALPN h2 for wss:// (-insecure for a self-signed
// certificate); in client mode the -addr listener serves HTTP/2 with prior
// knowledge beside HTTP/1.1, and -tls ADDR adds a TLS listener (ALPN h2,
// self-signed certificate). The stream's END_STREAM stands for TCP's
// orderly close and RST_STREAM for a reset (docs/conformance.md).
package main

import (
	"os"

	_ "github.com/rfc6455/ws/conn/xconnect" // RFC 8441 in net/http's HTTP/2 server (client mode -http2)
	"github.com/rfc6455/ws/internal/conform"
)

func main() {
	os.Exit(conform.CLI(os.Args[1:], os.Stdout, os.Stderr))
}
