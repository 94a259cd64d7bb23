package conn

import (
	"sync"

	"github.com/rfc6455/ws/frame"
)

// bufSize is the size of pooled buffers: a read buffer taken when reads
// fill the Endpoint's small array, and a write buffer (with MaxHeaderLen
// bytes of headroom in front) for frames small enough to copy.
const bufSize = 16 << 10

// headroom is where payload starts in a pooled write buffer, so the header
// can be written just before it and both leave in one write.
const headroom = frame.MaxHeaderLen

var bufPool = sync.Pool{New: func() any {
	b := make([]byte, bufSize+headroom)
	return &b
}}

func getBuf() *[]byte  { return bufPool.Get().(*[]byte) }
func putBuf(b *[]byte) { bufPool.Put(b) }

// bigReadSize is the size of the larger pooled buffer, the first of the
// mask size classes below: the read buffer once reads keep filling a
// bufSize one (a peer streaming large frames is read 64 KiB per system
// call), coalesced frames of a few KiB (coalesce.go), and a message
// streamed through NextWriter past 16 KiB (write.go).
const bigReadSize = 64 << 10

// getBigBuf takes a buffer of bigReadSize+headroom bytes from its pool.
func getBigBuf() *[]byte { return maskPool(bigReadSize).Get().(*[]byte) }

// putPooled returns a buffer from getBuf or getBigBuf to the pool it came
// from; a buffer of any other size (allocated for one large read) is
// dropped.
func putPooled(b *[]byte) {
	switch len(*b) {
	case bufSize + headroom:
		putBuf(b)
	case bigReadSize + headroom:
		maskPool(bigReadSize).Put(b)
	}
}

// A client's large frame is masked into a pooled buffer as it is copied
// (the caller's payload is never modified), and should still leave in one
// write: four writes of 256 KiB for a 1 MiB frame measured half the
// throughput of one. So the buffer comes from the smallest of these size
// classes that holds the frame; a frame over the largest is sent in
// chunks of it. The memory is the frame's size again, for the duration of
// the write only. The smallest class also serves as the big buffer above.
var maskSizes = [...]int{64 << 10, 256 << 10, 1 << 20, 4 << 20}

var maskPools [len(maskSizes)]sync.Pool

func init() {
	for i, n := range maskSizes {
		maskPools[i].New = func() any {
			b := make([]byte, n+headroom)
			return &b
		}
	}
}

// maskPool returns the pool for a masked frame of n payload bytes.
func maskPool(n int) *sync.Pool {
	for i, size := range maskSizes {
		if n <= size {
			return &maskPools[i]
		}
	}
	return &maskPools[len(maskPools)-1]
}
