//go:build race

package conform_test

// deflateMessages is how many messages each group 12/13 case sends in the
// in-process suite under the race detector.
const deflateMessages = 2

// deflateRows are the size/fragmentation rows run under the race detector,
// which makes the whole of groups 12 and 13 take minutes: the smallest
// message, an unfragmented 4 KiB one, the first 256-byte fragmentation and
// the largest message in 32 KiB frames, for every data set and negotiation.
var deflateRows = map[string]bool{"1": true, "5": true, "11": true, "18": true}
