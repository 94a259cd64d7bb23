//go:build !race

package conn

// deflateRace is false: the memory measurement runs (see deflate_race_test.go).
const deflateRace = false
