//go:build race

package conform_test

// maxMessageSize caps the message sizes of group 9 under the race detector,
// which makes the 4-16 MiB cases (and 65536-frame messages) take minutes:
// in race builds they run with 1 MiB messages. Normal builds run the
// catalogue's sizes.
const maxMessageSize = 1 << 20
