//go:build !race

package deflate

// raceEnabled is false: the round-trip tests run every combination.
const raceEnabled = false
