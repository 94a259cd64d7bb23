//go:build race

package conform_test

// deflateMessages is how many messages each group 12/13 case sends in the
// in-process suite under the race detector.
const deflateMessages = 3
