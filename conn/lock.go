package conn

import "time"

// token is a lock that a waiter can give up on: a channel with room for
// one value, whose slot is the lock. A sync.Mutex cannot be abandoned, so a
// goroutine queued behind a writer stuck on a peer that does not read
// would stay queued after the connection ended; waiting for a token is a
// select beside ep.done (and, for Close, a timer), so every wait ends with
// the connection.
type token chan struct{}

func newToken() token { return make(token, 1) }

// tryLock takes t if it is free.
func (t token) tryLock() bool {
	select {
	case t <- struct{}{}:
		return true
	default:
		return false
	}
}

// lock takes t, or gives up and reports false once done is closed.
func (t token) lock(done <-chan struct{}) bool {
	select {
	case t <- struct{}{}:
		return true
	default:
	}
	select {
	case t <- struct{}{}:
		return true
	case <-done:
		return false
	}
}

// lockBy takes t, or gives up at deadline or once done is closed.
func (t token) lockBy(done <-chan struct{}, deadline time.Time) bool {
	if t.tryLock() {
		return true
	}
	d := time.Until(deadline)
	if d <= 0 {
		return false
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case t <- struct{}{}:
		return true
	case <-done:
		return false
	case <-timer.C:
		return false
	}
}

func (t token) unlock() { <-t }
