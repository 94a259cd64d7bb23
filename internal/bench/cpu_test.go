package bench

import (
	"runtime"
	"testing"
	"time"
)

func TestProcessCPU(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" || runtime.GOOS == "plan9" {
		t.Skip("no getrusage here")
	}
	before, ok := processCPU()
	if !ok {
		t.Fatal("processCPU not available on a unix system")
	}
	x := 0
	for start := time.Now(); time.Since(start) < 50*time.Millisecond; {
		x++ // burn CPU
	}
	after, _ := processCPU()
	if after <= before {
		t.Errorf("CPU time went from %v to %v over 50ms of busy loop (%d turns)", before, after, x)
	}
}
