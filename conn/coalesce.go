package conn

import (
	"time"

	"github.com/rfc6455/ws/frame"
)

// Coalescing small writes.
//
// Each frame normally leaves in its own write system call, which is the
// whole cost of a small message. When the application writes while the
// read buffer still holds frames it has not read yet (a peer that
// pipelines, answered by a read-write loop), a data frame of up to
// coalesceMax bytes is copied to a pending buffer instead, and the
// pending frames leave together:
//
//   - before the reader blocks for more bytes (its buffer has drained),
//   - before any other frame (control frames and large frames never wait),
//   - when the buffer is full,
//   - and at the latest flushDelay later, from a timer, if the
//     application stops reading.
//
// Frames keep their order, nothing waits longer than flushDelay, and an
// application that writes one message per message it reads, as an echo
// does, sends a burst of replies with one system call.

// coalesceMax is the largest payload coalesced: 16 KiB frames, four to a
// 64 KiB write, measured faster pipelined than one writev each.
const coalesceMax = 16 << 10

// flushDelay bounds how long a coalesced frame may wait.
const flushDelay = 200 * time.Microsecond

// coalesce appends a data frame to the pending buffer if the reader
// has more frames buffered, or if frames are already pending. It reports
// whether it took the frame. h is prepared (masked for a client). wmu held.
func (ep *Endpoint) coalesce(h frame.Header, p []byte) bool {
	if h.Opcode.IsControl() || len(p) > coalesceMax {
		return false
	}
	if ep.wpend == nil {
		if !ep.ahead.Load() {
			return false
		}
		if len(p) > copyMax {
			// Frames of a few KiB pipelined: copying one costs less than
			// the system call it shares, so they gather up to 64 KiB.
			ep.wpend = getBigBuf()
		} else {
			ep.wpend = getBuf()
		}
	}
	buf := *ep.wpend
	if ep.wpendN+frame.MaxHeaderLen+len(p) > len(buf) {
		return false // full: the caller flushes and writes this frame
	}
	hdr := frame.AppendHeader(buf[ep.wpendN:ep.wpendN], h)
	ep.wpendN += len(hdr)
	k := len(p)
	if h.Masked {
		maskCopy(buf[ep.wpendN:], p, h.MaskKey, 0)
	} else {
		copy(buf[ep.wpendN:], p)
	}
	ep.wpendN += k
	ep.pending.Store(true)
	if !ep.ahead.Load() {
		return true // the last of a burst: the caller flushes now
	}
	if !ep.flushArmed {
		ep.flushArmed = true
		if ep.flushTimer == nil {
			ep.flushTimer = time.AfterFunc(flushDelay, ep.flushAsync)
		} else {
			ep.flushTimer.Reset(flushDelay)
		}
	}
	return true
}

// flushLocked writes the pending frames, if any. wmu held.
func (ep *Endpoint) flushLocked() error {
	if ep.wpend == nil {
		return nil
	}
	b, n := ep.wpend, ep.wpendN
	ep.wpend, ep.wpendN = nil, 0
	ep.pending.Store(false)
	defer putPooled(b) // to the pool it came from, 16 or 64 KiB
	if ep.werr != nil {
		return ep.werr
	}
	if ep.closeErr.Load() != nil {
		return ErrClosed
	}
	if _, err := ep.c.Write((*b)[:n]); err != nil {
		return ep.writeFailed(err)
	}
	return nil
}

// flushAsync is the timer's flush, for an application that wrote and then
// stopped reading.
func (ep *Endpoint) flushAsync() {
	if !ep.wmu.lock(ep.done) {
		return // closed: the pending frames are dropped with the connection
	}
	ep.flushArmed = false
	ep.flushLocked()
	ep.wmu.unlock()
}

// flushBeforeRead sends pending frames before the reader blocks. If a
// writer holds the lock it will send them itself (or the timer will), so
// the reader never waits for a writer here.
func (ep *Endpoint) flushBeforeRead() {
	if ep.pending.Load() && ep.wmu.tryLock() {
		ep.flushLocked()
		ep.wmu.unlock()
	}
}
