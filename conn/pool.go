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

// A client's large frame is masked into a pooled buffer as it is copied
// (the caller's payload is never modified), and should still leave in one
// write: four writes of 256 KiB for a 1 MiB frame measured half the
// throughput of one. So the buffer comes from the smallest of these size
// classes that holds the frame; a frame over the largest is sent in
// chunks of it. The memory is the frame's size again, for the duration of
// the write only.
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
