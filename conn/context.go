package conn

import (
	"context"
	"io"
	"time"

	"github.com/rfc6455/ws/frame"
)

// Context-taking methods.
//
// Each blocking call has a variant that takes a context.Context and ends
// when it does, with its error (context.Canceled or
// context.DeadlineExceeded). The design follows what each direction can
// promise:
//
//   - Reads: a context ends a read the way a read deadline does (its
//     deadline is applied as one, and a cancellation moves the deadline
//     into the past, as net/http aborts a background read). The read
//     returns ctx.Err() and the connection stays usable: the next read
//     resumes at the next byte, even in the middle of a frame or of a
//     compressed message (ReadMessage keeps the part it read).
//   - Writes: waiting for another writer ends at once with ctx.Err() and
//     costs nothing. A frame already half written cannot be resumed (RFC
//     6455 has no way to abort a frame), so a context that ends during the
//     write itself fails the connection (1006), as a write deadline does.
//   - Close: the context shortens Close's bound (Options.CloseTimeout);
//     if it ends first, TCP is closed at once.
//
// No call starts a goroutine to wait for its context: context.AfterFunc
// runs the cancellation only if the context ends. A context that can never end
// (context.Background) costs nothing: the plain method runs. Otherwise
// context.AfterFunc registers the cancellation, which allocates; the
// steady-state paths without a context stay at 0 allocs/op. The plain
// deadline setters keep working beside contexts, for the NetConn adapter:
// the earlier of the two applies.

// ReadMessageContext is ReadMessage, bounded by ctx. If ctx ends first it
// returns ctx.Err() and an empty p; the part of a message already read is
// kept, and the next read returns the whole message.
func (ep *Endpoint) ReadMessageContext(ctx context.Context, buf []byte) (op frame.Opcode, p []byte, err error) {
	if ctx.Done() == nil {
		return ep.ReadMessage(buf)
	}
	if err := ctx.Err(); err != nil {
		return 0, buf[:0], err
	}
	unbind := ep.bindRead(ctx)
	op, p, err = ep.ReadMessage(buf)
	return op, p, unbind(err)
}

// NextReaderContext is NextReader, with ctx bounding the wait for the
// message to start. The reader it returns is not bound to ctx: bound its
// reads with SetReadDeadline, or read it through a reader that checks ctx.
func (ep *Endpoint) NextReaderContext(ctx context.Context) (frame.Opcode, io.Reader, error) {
	if ctx.Done() == nil {
		return ep.NextReader()
	}
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	unbind := ep.bindRead(ctx)
	op, r, err := ep.NextReader()
	return op, r, unbind(err)
}

// WriteMessageContext is WriteMessage, bounded by ctx. If ctx ends while
// the message waits for another writer, it returns ctx.Err() and the
// connection is untouched; if it ends while the frame is being written,
// the write is aborted and the connection fails (a frame cut short cannot
// be resumed), and it returns ctx.Err().
func (ep *Endpoint) WriteMessageContext(ctx context.Context, op frame.Opcode, p []byte) error {
	if ctx.Done() == nil {
		return ep.WriteMessage(op, p)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	unbind := ep.bindWrite(ctx)
	err := ep.writeMessage(ctx.Done(), op, p)
	return unbind(err)
}

// NextWriterContext is NextWriter, with ctx bounding the wait for another
// writer's message to end. The writer it returns is not bound to ctx; its
// writes keep Options.WriteTimeout and SetWriteDeadline.
func (ep *Endpoint) NextWriterContext(ctx context.Context, op frame.Opcode) (io.WriteCloser, error) {
	if ctx.Done() == nil {
		return ep.NextWriter(op)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w, err := ep.nextWriter(ctx.Done(), op)
	if err == errAborted {
		return nil, ctx.Err()
	}
	return w, err
}

// CloseContext is Close with ctx as a further bound: it returns within
// Options.CloseTimeout or when ctx ends, whichever comes first. If ctx
// ends first, TCP is closed at once and CloseContext returns ctx.Err().
func (ep *Endpoint) CloseContext(ctx context.Context, code frame.CloseCode, reason string) error {
	if ctx.Done() == nil {
		return ep.Close(code, reason)
	}
	return ep.close(ctx, code, reason)
}

// bindRead applies ctx to the read about to start, as a read deadline,
// and returns the function that unbinds it and turns the read's timeout
// into ctx.Err() when ctx is why it timed out.
func (ep *Endpoint) bindRead(ctx context.Context) func(error) error {
	dl, _ := ctx.Deadline()
	ep.dmu.Lock()
	ep.ctxSeq++
	id := ep.ctxSeq
	ep.rctx, ep.rctxDL, ep.rctxEnded = id, dl, false
	ep.applyReadDeadline()
	ep.dmu.Unlock()
	stop := context.AfterFunc(ctx, func() {
		ep.dmu.Lock()
		if ep.rctx == id {
			ep.rctxEnded = true
			ep.applyReadDeadline()
		}
		ep.dmu.Unlock()
	})
	return func(err error) error {
		stop()
		ep.dmu.Lock()
		ep.rctx, ep.rctxDL, ep.rctxEnded = 0, time.Time{}, false
		if ep.closeErr.Load() == nil {
			ep.applyReadDeadline()
		}
		ep.dmu.Unlock()
		return ctxError(ctx, err, dl)
	}
}

// bindWrite applies ctx to the write about to start: its locks give up
// when ctx ends (the caller passes ctx.Done()), and the frame write gets
// ctx's deadline, or the past once ctx has ended (setWriteDeadline).
func (ep *Endpoint) bindWrite(ctx context.Context) func(error) error {
	dl, _ := ctx.Deadline()
	ep.dmu.Lock()
	ep.ctxSeq++
	id := ep.ctxSeq
	ep.dmu.Unlock()
	ep.wctxMu.Lock()
	ep.wctx, ep.wctxDL, ep.wctxEnded = id, dl, false
	ep.wctxOn.Store(true)
	ep.wctxMu.Unlock()
	ep.wdGen.Add(1)
	stop := context.AfterFunc(ctx, func() {
		ep.wctxMu.Lock()
		if ep.wctx == id {
			ep.wctxEnded = true
			ep.c.SetWriteDeadline(aLongTimeAgo) // aborts a write in progress
		}
		ep.wctxMu.Unlock()
	})
	return func(err error) error {
		stop()
		ep.wctxMu.Lock()
		ep.wctx, ep.wctxDL, ep.wctxEnded = 0, time.Time{}, false
		ep.wctxOn.Store(false)
		ep.wctxMu.Unlock()
		ep.wdGen.Add(1) // the next write sets its own deadline again
		if err == errAborted {
			return ctx.Err()
		}
		return ctxError(ctx, err, dl)
	}
}

// ctxError returns ctx's error in place of a timeout that ctx caused (it
// ended, or its deadline passed), and err otherwise. A write aborted by
// ctx in the middle of a frame fails with a timeout too.
func ctxError(ctx context.Context, err error, dl time.Time) error {
	if err == nil {
		return nil
	}
	if !isTimeout(err) {
		return err // a CloseError, or a failure ctx did not cause
	}
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if !dl.IsZero() && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return err
}
