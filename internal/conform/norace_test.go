//go:build !race

package conform_test

// maxMessageSize 0 runs group 9 at the catalogue's sizes (see race_test.go).
const maxMessageSize = 0
