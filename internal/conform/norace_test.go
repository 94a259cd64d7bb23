//go:build !race

package conform_test

// maxMessageSize 0 runs group 9 at the catalogue's sizes (see race_test.go).
const maxMessageSize = 0

// h2MaxMessageSize 0 runs group 9 over HTTP/2 at the catalogue's sizes too.
const h2MaxMessageSize = 0
