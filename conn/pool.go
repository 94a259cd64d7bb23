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

// maskChunk is the size of the buffer a client masks a large frame into,
// chunk by chunk (the caller's payload is never modified): large enough
// that a 1 MiB frame takes four writes, not sixty-four.
const maskChunk = 256 << 10

var maskPool = sync.Pool{New: func() any {
	b := make([]byte, maskChunk+headroom)
	return &b
}}
