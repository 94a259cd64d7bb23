//go:build race

package deflate

// raceEnabled trims the exhaustive round-trip tests, which the race
// detector slows down about tenfold (they have no goroutines of their own).
const raceEnabled = true
