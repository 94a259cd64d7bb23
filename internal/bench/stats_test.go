package bench

import (
	"math"
	"testing"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	s := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	tests := []struct {
		p    float64
		want float64
	}{
		{0, 1}, {100, 10}, {50, 5.5}, {90, 9.1}, {99, 9.91}, {25, 3.25},
	}
	for _, tt := range tests {
		if got := Percentile(s, tt.p); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Percentile(1..10, %v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := Percentile([]float64{7}, 99); got != 7 {
		t.Errorf("Percentile([7], 99) = %v, want 7", got)
	}
	if got := Percentile(nil, 50); !math.IsNaN(got) {
		t.Errorf("Percentile(nil, 50) = %v, want NaN", got)
	}
}

func TestSpreadOf(t *testing.T) {
	t.Parallel()
	in := []float64{5, 1, 9, 3}
	got := SpreadOf(in)
	if want := (Spread{Median: 4, Min: 1, Max: 9}); got != want {
		t.Errorf("SpreadOf(%v) = %+v, want %+v", in, got, want)
	}
	if in[0] != 5 {
		t.Errorf("SpreadOf sorted its argument in place: %v", in)
	}
	if got := SpreadOf(nil); got != (Spread{}) {
		t.Errorf("SpreadOf(nil) = %+v, want zero", got)
	}
}
