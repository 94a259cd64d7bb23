//go:build race

package conn

// deflateRace skips the permessage-deflate memory measurement under the
// race detector: it is slow there and measures the detector's allocations.
const deflateRace = true
