package conn

import (
	"sync/atomic"
	"time"
)

// token is a lock that a waiter can give up on. A sync.Mutex cannot be
// abandoned, so a goroutine queued behind a writer stuck on a peer that
// does not read would stay queued after the connection ended; a token's
// waiters select on a wake-up channel beside ep.done (and, for Close, a
// timer), so every wait ends with the connection.
//
// Uncontended, it costs what a mutex costs: one compare-and-swap to take
// it, a store and a load to give it back. Waiters are woken one at a time
// through a one-slot channel; a wake-up sent while no one is parked stays
// in the slot, so none is lost.
type token struct {
	held    atomic.Bool
	waiters atomic.Int32
	wake    atomic.Pointer[chan struct{}] // made by the first waiter: an idle connection holds none
}

// wakeCh returns the wake-up channel, making it on first use.
func (t *token) wakeCh() chan struct{} {
	if p := t.wake.Load(); p != nil {
		return *p
	}
	ch := make(chan struct{}, 1)
	if t.wake.CompareAndSwap(nil, &ch) {
		return ch
	}
	return *t.wake.Load()
}

// tryLock takes t if it is free.
func (t *token) tryLock() bool { return t.held.CompareAndSwap(false, true) }

// lock takes t, or gives up and reports false once done is closed.
func (t *token) lock(done <-chan struct{}) bool {
	if t.held.CompareAndSwap(false, true) {
		return true
	}
	return t.wait(done, nil, nil)
}

// lockOr takes t, or gives up once done or abort (a context's Done
// channel, which may be nil) is closed.
func (t *token) lockOr(done, abort <-chan struct{}) bool {
	if t.held.CompareAndSwap(false, true) {
		return true
	}
	return t.wait(done, abort, nil)
}

// lockBy takes t, or gives up at deadline or once done or abort is closed.
func (t *token) lockBy(done, abort <-chan struct{}, deadline time.Time) bool {
	if t.held.CompareAndSwap(false, true) {
		return true
	}
	d := time.Until(deadline)
	if d <= 0 {
		return false
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	return t.wait(done, abort, timer.C)
}

// wait parks until t is taken, done or abort is closed or expired fires.
func (t *token) wait(done, abort <-chan struct{}, expired <-chan time.Time) bool {
	// Announce first, then look: unlock stores "free" before it counts
	// waiters, so either it sees us and sends a wake-up, or we see the
	// token free.
	wake := t.wakeCh() // before announcing: unlock then finds it
	t.waiters.Add(1)
	defer t.waiters.Add(-1)
	for {
		if t.held.CompareAndSwap(false, true) {
			return true
		}
		select {
		case <-wake:
		case <-done:
			return false
		case <-abort:
			return false
		case <-expired:
			return false
		}
	}
}

// unlock gives t back and wakes one waiter, if any.
func (t *token) unlock() {
	t.held.Store(false)
	if t.waiters.Load() > 0 {
		select {
		case *t.wake.Load() <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}
