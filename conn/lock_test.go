package conn

import (
	"sync"
	"testing"
	"time"
)

// TestTokenExclusion: a token excludes like a mutex under contention, and
// no waiter is left parked while the token is free (a lost wake-up would
// hang this test).
func TestTokenExclusion(t *testing.T) {
	var tok token
	done := make(chan struct{})
	var wg sync.WaitGroup
	inside, total := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20000 {
				if !tok.lock(done) {
					t.Error("lock gave up with done open")
					return
				}
				inside++
				if inside != 1 {
					t.Error("two holders at once")
				}
				total++
				inside--
				tok.unlock()
			}
		}()
	}
	wg.Wait()
	if total != 8*20000 {
		t.Fatalf("total %d", total)
	}
}

// TestTokenGivesUp: a waiter gives up when done closes or its deadline
// passes, and the token still works afterwards.
func TestTokenGivesUp(t *testing.T) {
	var tok token
	done := make(chan struct{})
	tok.lock(done)
	start := time.Now()
	if tok.lockBy(done, nil, time.Now().Add(50*time.Millisecond)) {
		t.Fatal("lockBy took a held token")
	}
	if d := time.Since(start); d < 40*time.Millisecond || d > 2*time.Second {
		t.Errorf("lockBy gave up after %v, deadline 50ms", d)
	}
	gave := make(chan bool)
	go func() { gave <- tok.lock(done) }()
	time.Sleep(20 * time.Millisecond)
	close(done)
	select {
	case ok := <-gave:
		if ok {
			t.Fatal("lock took a held token")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("lock did not give up when done closed")
	}
	tok.unlock()
	if !tok.tryLock() {
		t.Fatal("token not free after unlock")
	}
}
