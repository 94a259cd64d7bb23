//go:build race

package conform_test

// maxMessageSize caps the message sizes of group 9 under the race detector,
// which makes the 4-16 MiB cases (and 65536-frame messages) take minutes:
// in race builds they run with 1 MiB messages. Normal builds run the
// catalogue's sizes.
const maxMessageSize = 1 << 20

// h2MaxMessageSize caps group 9 in the HTTP/2 suites under the race
// detector (h2_suite_test.go): every byte also crosses HTTP/2 framing and
// flow control on both sides, which the detector slows further.
const h2MaxMessageSize = 256 << 10
