// Command wsconform is an Autobahn-style conformance runner for WebSocket
// servers and clients (RFC 6455), built on package internal/conform.
//
//	wsconform server [-cases P] [-exclude P] [-report DIR] ws://HOST:PORT/PATH
//	wsconform client [-cases P] [-exclude P] [-report DIR] [-addr HOST:PORT]
//	wsconform list [-cases P] [-exclude P]
//
// In server mode it acts as the Autobahn|Testsuite's fuzzing client against
// an echo server; in client mode it acts as the fuzzing server, with the
// Autobahn URL protocol (/getCaseCount, /runCase?case=N&agent=NAME,
// /updateReports?agent=NAME), so client testees written for Autobahn work
// unchanged. It prints a progress line and a summary table per group, writes
// index.json (one object per case), index.html and a page per case, and exits
// with status 1 if any case FAILED.
package main

import (
	"os"

	"github.com/rfc6455/ws/internal/conform"
)

func main() {
	os.Exit(conform.CLI(os.Args[1:], os.Stdout, os.Stderr))
}
