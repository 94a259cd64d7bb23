//go:build !race

package conform_test

// deflateMessages is how many messages each group 12/13 case sends in the
// in-process suite (the catalogue's 1000 take minutes per case; 3 still
// carries context takeover from message to message).
const deflateMessages = 3

// deflateRows nil runs every size/fragmentation row (see deflate_race_test.go).
var deflateRows map[string]bool
