//go:build !race

package conform_test

// deflateMessages is how many messages each group 12/13 case sends in the
// in-process suite (the catalogue's 1000 take minutes per case).
const deflateMessages = 20
