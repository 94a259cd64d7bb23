package wstest

import (
	"net"
	"testing"
)

// Pipe returns the two ends of a synchronous, in-memory net.Conn pair
// (net.Pipe), closed when the test ends. Writes on one end block until the
// other end reads, so a test must read and write from different goroutines.
func Pipe(tb testing.TB) (client, server net.Conn) {
	tb.Helper()
	client, server = net.Pipe()
	tb.Cleanup(func() {
		client.Close()
		server.Close()
	})
	return client, server
}
