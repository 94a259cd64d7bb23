package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"
)

// An Update is one event the server produces for its clients.
type Update struct {
	Seq     int64  // 1, 2, 3, … in the order of production
	Created int64  // when it came to exist, Unix nanoseconds
	Payload []byte // shared and never modified
}

// recordHeaderLen is the size of a record's fixed part: sequence number and
// creation time, 8 bytes each, big endian.
const recordHeaderLen = 16

// appendRecord encodes u as a record: its Seq, its Created time, its Payload.
// Every mode carries the same record; over WebSocket one record is one
// message, in an HTTP body each is preceded by its 4-byte length.
func appendRecord(dst []byte, u Update) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(u.Seq))
	dst = binary.BigEndian.AppendUint64(dst, uint64(u.Created))
	return append(dst, u.Payload...)
}

// errBadRecord reports a record or body that does not parse.
var errBadRecord = errors.New("bench: malformed update record")

// parseRecord decodes a record's sequence number and creation time.
func parseRecord(b []byte) (seq, created int64, err error) {
	if len(b) < recordHeaderLen {
		return 0, 0, errBadRecord
	}
	return int64(binary.BigEndian.Uint64(b)), int64(binary.BigEndian.Uint64(b[8:])), nil
}

// appendBody encodes us as an HTTP response body: each record preceded by
// its length as 4 bytes, big endian.
func appendBody(dst []byte, us []Update) []byte {
	for _, u := range us {
		dst = binary.BigEndian.AppendUint32(dst, uint32(recordHeaderLen+len(u.Payload)))
		dst = appendRecord(dst, u)
	}
	return dst
}

// parseBody calls fn for each record of an HTTP body made by appendBody.
func parseBody(b []byte, fn func(seq, created int64) error) error {
	for len(b) > 0 {
		if len(b) < 4 {
			return errBadRecord
		}
		n := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint64(n) > uint64(len(b)) {
			return errBadRecord
		}
		seq, created, err := parseRecord(b[:n])
		if err != nil {
			return err
		}
		if err := fn(seq, created); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// A Hub holds the updates produced so far, in order, and wakes the waiters
// when a new one is published. Its methods may be called concurrently.
type Hub struct {
	mu      sync.Mutex
	total   int64 // updates that will be produced in all
	updates []Update
	wake    chan struct{} // closed and replaced by every Publish
}

// NewHub returns an empty hub for a run that will produce total updates.
func NewHub(total int64) *Hub {
	return &Hub{total: total, wake: make(chan struct{})}
}

// Total returns the number of updates the run will produce.
func (h *Hub) Total() int64 { return h.total }

// Publish adds an update with payload (which the hub keeps: don't modify it)
// created now, and wakes every waiter.
func (h *Hub) Publish(payload []byte) Update {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := Update{Seq: int64(len(h.updates)) + 1, Created: time.Now().UnixNano(), Payload: payload}
	h.updates = append(h.updates, u)
	close(h.wake)
	h.wake = make(chan struct{})
	return u
}

// After returns the updates with a sequence number above seq (a slice the
// caller must not modify), or none and a channel closed at the next Publish.
func (h *Hub) After(seq int64) ([]Update, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if seq < 0 {
		seq = 0
	}
	if seq < int64(len(h.updates)) {
		return h.updates[seq:len(h.updates):len(h.updates)], nil
	}
	return nil, h.wake
}

// Wait returns the updates with a sequence number above seq, waiting for
// the next Publish if there are none yet. It returns ctx's error if ctx is
// done first.
func (h *Hub) Wait(ctx context.Context, seq int64) ([]Update, error) {
	for {
		us, wake := h.After(seq)
		if len(us) > 0 {
			return us, nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Produce publishes the hub's total updates, one every interval (the first
// after one interval), each with a payload of size bytes. It returns early
// with ctx's error if ctx is done.
func (h *Hub) Produce(ctx context.Context, interval time.Duration, size int) error {
	if interval <= 0 {
		return fmt.Errorf("bench: update interval %v is not positive", interval)
	}
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = 'a' + byte(i%26)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for range h.total {
		select {
		case <-t.C:
			h.Publish(payload)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
