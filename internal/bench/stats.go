package bench

import (
	"math"
	"slices"
)

// A Spread summarizes one figure measured over several rounds: the median
// is the figure reported, Min and Max show how far the rounds spread.
type Spread struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// SpreadOf returns the median, minimum and maximum of xs, or zeros when xs
// is empty. The median of an even count is the mean of the middle two.
func SpreadOf(xs []float64) Spread {
	if len(xs) == 0 {
		return Spread{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return Spread{Median: Percentile(s, 50), Min: s[0], Max: s[len(s)-1]}
}

// Percentile returns the p-th percentile (0 <= p <= 100) of sorted, which
// must be sorted in increasing order, interpolating linearly between the
// closest ranks (the "R-7" definition of spreadsheets and NumPy). It returns
// NaN for an empty slice.
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	if p <= 0 {
		return sorted[0]
	}
	if p >= 100 {
		return sorted[len(sorted)-1]
	}
	rank := p / 100 * float64(len(sorted)-1)
	lo := int(rank)
	frac := rank - float64(lo)
	if lo+1 >= len(sorted) {
		return sorted[lo]
	}
	return sorted[lo] + frac*(sorted[lo+1]-sorted[lo])
}
