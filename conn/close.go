package conn

import (
	"context"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/rfc6455/ws/frame"
)

// CloseError reports how the connection ended: the peer's Close frame
// (Code and Reason as received; Code is frame.CloseNoStatus, 1005, if the
// frame had no body), or the code the connection was failed with.
type CloseError struct {
	Code   frame.CloseCode
	Reason string
	// Err is nil when the peer closed the connection. Otherwise it is why
	// this end closed it: a frame.ProtocolError it detected (Code is the
	// code it sent), the I/O error that dropped the connection (Code is
	// frame.CloseAbnormal, 1006, and nothing was sent), ErrCloseTimeout,
	// ErrKeepAliveTimeout, or a context's error (CloseContext).
	//
	// When Err is set, Reason is this end's own text, not the peer's: the
	// reason it sent in its Close frame (the rule broken, for a protocol
	// error), or Err's text when nothing was sent (1006). Tell the two
	// cases apart with Err == nil.
	Err error
}

// Error returns "conn: closed: 1000 ..." with the code and reason.
func (e CloseError) Error() string {
	s := "conn: closed: " + e.Code.String()
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Unwrap returns e.Err.
func (e CloseError) Unwrap() error { return e.Err }

// As lets errors.As find a CloseError with a pointer target too, the
// shape handshake.Error and most error types use: with
// var ce *conn.CloseError, errors.As(err, &ce) sets ce to a copy. The
// value form, var ce conn.CloseError, works as for any value type.
// CloseError is a value (comparable, like frame.ProtocolError) because a
// connection's end is a fact to compare, not a state to share.
func (e CloseError) As(target any) bool {
	if p, ok := target.(**CloseError); ok {
		c := e
		*p = &c
		return true
	}
	return false
}

var (
	// ErrCloseTimeout is the CloseError.Err when the peer did not complete
	// the close handshake within Options.CloseTimeout.
	ErrCloseTimeout = errors.New("conn: close handshake timed out")
	// ErrKeepAliveTimeout is the CloseError.Err when a keepalive ping got no
	// pong within Options.KeepAliveTimeout.
	ErrKeepAliveTimeout = errors.New("conn: no pong within the keepalive timeout")
	errCloseSent        = errors.New("conn: close frame already sent")
)

// CloseStatus returns the close code carried by err: the peer's code, or
// the code this end failed the connection with (1006 for a dropped TCP
// connection). It returns 0 if err is not a CloseError.
func CloseStatus(err error) frame.CloseCode {
	var ce CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

// setCloseBy records the deadline of a closing in progress (Close,
// CloseWrite, or a failure), keeping the earliest: writes and the client's
// wait for the server's TCP close never run past it.
func (ep *Endpoint) setCloseBy(t time.Time) {
	ns := t.UnixNano()
	for {
		old := ep.closeBy.Load()
		if old != 0 && old <= ns {
			return
		}
		if ep.closeBy.CompareAndSwap(old, ns) {
			ep.wdGen.Add(1) // the next frame write takes the new deadline
			return
		}
	}
}

// closingBy returns the deadline for a closing step that starts now: now
// plus CloseTimeout, or an earlier closing deadline already set.
func (ep *Endpoint) closingBy() time.Time {
	by := time.Now().Add(ep.set.closeTimeout)
	ep.setCloseBy(by)
	return time.Unix(0, ep.closeBy.Load())
}

// sendClose sends a Close frame once (RFC 6455, Section 5.5.1), giving up
// at by: a data frame stuck in a write to a peer that does not read holds
// the write lock, and a Close frame cannot go out in the middle of it
// (Section 5.4). It returns errCloseSent if one was already sent,
// ErrCloseTimeout if the write lock or the write did not come in time.
func (ep *Endpoint) sendClose(code frame.CloseCode, reason string, by time.Time) error {
	return ep.sendCloseOr(code, reason, by, nil)
}

// sendCloseOr is sendClose that also gives up when abort is closed.
func (ep *Endpoint) sendCloseOr(code frame.CloseCode, reason string, by time.Time, abort <-chan struct{}) error {
	var b [125]byte
	body, err := frame.AppendClosePayload(b[:0], frame.ClosePayload{Code: code, Reason: reason})
	if err != nil {
		return err
	}
	if !ep.wmu.lockBy(ep.done, abort, by) {
		if ep.closeErr.Load() != nil {
			return ErrClosed
		}
		return ErrCloseTimeout
	}
	defer ep.wmu.unlock()
	if ep.closeSent {
		return errCloseSent
	}
	// "After sending a Close frame, the endpoint MUST NOT send any more
	// data frames." (RFC 6455, Section 5.5.1)
	ep.closeSent = true
	err = ep.writeFrameLocked(frame.Header{Fin: true, Opcode: frame.OpClose}, body)
	if isTimeout(err) {
		return ErrCloseTimeout
	}
	return err
}

// closeConn closes TCP once, recording how the connection ended. Every
// goroutine blocked on the connection, or waiting for a lock or a pong,
// wakes up and returns ce (or ErrClosed).
func (ep *Endpoint) closeConn(ce *CloseError) {
	if !ep.closeErr.CompareAndSwap(nil, ce) {
		return
	}
	ep.cmu.Lock()
	ep.closing = true
	ep.cmu.Unlock()
	ep.c.Close()
	close(ep.done)
	ep.idle.Stop()
	// Coalesced frames still pending are dropped by the flush timer, which
	// fires within flushDelay (coalesce.go).
	if ep.keepalive != nil {
		ep.keepalive.Stop()
	}
	if t := ep.closeTimer.Load(); t != nil {
		t.Stop()
	}
}

// closeTimedOut closes TCP because the close handshake did not finish in time.
func (ep *Endpoint) closeTimedOut() {
	ep.closeConn(&CloseError{Code: frame.CloseAbnormal, Reason: ErrCloseTimeout.Error(), Err: ErrCloseTimeout})
}

// fail is the one place the connection is failed (RFC 6455, Section
// 7.1.7). The code sent comes from the error: a frame.ProtocolError
// carries it (1002, 1007, 1009); an I/O error sends nothing and reports
// 1006; anything else is our fault, 1011. It returns the CloseError every
// later read gets. Called with the reader token held; it returns within
// CloseTimeout.
func (ep *Endpoint) fail(err error) error {
	ce := &CloseError{Code: frame.CloseInternalError, Reason: "internal error", Err: err}
	var ie ioError
	var pe frame.ProtocolError
	switch {
	case errors.As(err, &ie):
		ce.Code, ce.Reason, ce.Err = frame.CloseAbnormal, ie.err.Error(), ie.err
	case errors.As(err, &pe):
		ce.Code, ce.Reason = pe.Code, pe.Reason
	}
	if ce.Code != frame.CloseAbnormal {
		// "the endpoint SHOULD send a Close frame with an appropriate
		// status code" (RFC 6455, Section 7.1.7)
		reason := ce.Reason
		if len(reason) > 123 {
			reason = reason[:123]
			for !utf8.ValidString(reason) {
				reason = reason[:len(reason)-1]
			}
		}
		// If sending the Close frame fails, the connection still ends
		// with ce, not with the write error (writeFailed).
		ep.failing.CompareAndSwap(nil, ce)
		by := ep.closingBy()
		if ep.sendClose(ce.Code, reason, by) == nil {
			until := time.Now().Add(time.Second)
			if by.Before(until) {
				until = by
			}
			ep.linger(until)
		}
	}
	ep.closeConn(ce)
	return *ep.closeErr.Load()
}

// linger half-closes TCP after our Close frame and drains what the peer
// still sends, until the deadline, without processing it ("MUST NOT
// continue to attempt to process data", RFC 6455, Section 7.1.7), so the
// peer reads our Close frame instead of a reset. Reader token held.
func (ep *Endpoint) linger(until time.Time) {
	if cw, ok := ep.c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	ep.c.SetReadDeadline(until)
	for {
		if _, err := ep.c.Read(ep.rsmall[:]); err != nil {
			return
		}
	}
}

// awaitServerEOF is the client's wait, after the close handshake, for the
// server to close TCP: "the server MUST close the underlying TCP
// connection immediately; the client SHOULD wait for the server to close
// the connection" (RFC 6455, Section 7.1.1). It waits until the closing
// deadline (Close's, when Close started the handshake). Reader token held.
func (ep *Endpoint) awaitServerEOF(by time.Time) {
	ep.c.SetReadDeadline(by)
	for {
		if _, err := ep.c.Read(ep.rsmall[:]); err != nil {
			return
		}
	}
}

// peerClosed handles a received Close frame (RFC 6455, Section 5.5.1).
func (ep *Endpoint) peerClosed(p []byte) error {
	cp, err := frame.ParseClosePayload(p)
	if err != nil {
		return err // 1002 for a bad body or code, 1007 for a bad reason
	}
	ep.cmu.Lock()
	ep.closing = true
	ep.cmu.Unlock()
	// "If an endpoint receives a Close frame and did not previously send a
	// Close frame, the endpoint MUST send a Close frame in response. (When
	// sending a Close frame in response, the endpoint typically echos the
	// status code it received.)" (RFC 6455, Section 5.5.1)
	by := ep.closingBy()
	ep.sendClose(cp.Code, "", by)
	if ep.role == Client {
		ep.awaitServerEOF(by)
	}
	ep.closeConn(&CloseError{Code: cp.Code, Reason: cp.Reason})
	return *ep.closeErr.Load()
}

// Close starts the close handshake (RFC 6455, Section 7.1.2): it sends a
// Close frame with code and reason, waits for the peer's Close frame
// (reading, and dropping, any data that arrives first if no one else is
// reading), then closes TCP. A client waits for the server to close TCP
// first (Section 7.1.1).
//
// Close returns within Options.CloseTimeout in total, whatever is stuck:
// a data frame that cannot be written because the peer does not read, a
// peer that never answers, or a server that never closes TCP. By then TCP
// is closed, every write in flight is aborted, and every goroutine blocked
// in a read, a write, NextWriter or Ping returns (a CloseError for reads,
// ErrClosed for writes).
//
// code frame.CloseNoStatus sends a Close frame with no body. An invalid
// code, or a reason that is not UTF-8 or makes the body over 125 bytes, is
// an error and closes nothing.
//
// Close is safe from any goroutine and idempotent: later calls wait until
// the connection is closed and return nil. It returns ErrCloseTimeout if
// the Close frame could not be sent, or the peer did not answer, in time,
// and the write error if sending failed.
func (ep *Endpoint) Close(code frame.CloseCode, reason string) error {
	return ep.close(nil, code, reason)
}

// close is Close, cut short (TCP closed at once) if ctx ends first; ctx
// may be nil.
func (ep *Endpoint) close(ctx context.Context, code frame.CloseCode, reason string) error {
	var b [125]byte
	if _, err := frame.AppendClosePayload(b[:0], frame.ClosePayload{Code: code, Reason: reason}); err != nil {
		return err
	}
	ep.cmu.Lock()
	if ep.closing {
		ep.cmu.Unlock()
		if ctx == nil {
			<-ep.done
			return nil
		}
		select {
		case <-ep.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	ep.closing = true
	ep.cmu.Unlock()

	var abort <-chan struct{}
	if ctx != nil {
		abort = ctx.Done()
		if dl, ok := ctx.Deadline(); ok {
			ep.setCloseBy(dl)
		}
	}
	aborted := func() error {
		err := ctx.Err()
		ep.closeConn(&CloseError{Code: frame.CloseAbnormal, Reason: err.Error(), Err: err})
		return err
	}
	by := ep.closingBy()
	// When ctx's deadline is the bound, running out of time is ctx's
	// error, not ErrCloseTimeout.
	timedOut := func() error { return ErrCloseTimeout }
	if ctx != nil {
		if dl, ok := ctx.Deadline(); ok && !dl.After(by) {
			timedOut = func() error { return context.DeadlineExceeded }
		}
	}
	timer := time.NewTimer(time.Until(by))
	defer timer.Stop()
	switch err := ep.sendCloseOr(code, reason, by, abort); {
	case err == nil, err == errCloseSent:
	case ctx != nil && ctx.Err() != nil:
		return aborted()
	case err == ErrCloseTimeout:
		ep.closeTimedOut()
		return timedOut()
	default:
		ep.closeConn(&CloseError{Code: frame.CloseAbnormal, Reason: err.Error(), Err: err})
		return err
	}
	select {
	case <-ep.done:
	case ep.rtok <- struct{}{}:
		if abort != nil {
			stop := context.AfterFunc(ctx, func() {
				err := ctx.Err()
				ep.closeConn(&CloseError{Code: frame.CloseAbnormal, Reason: err.Error(), Err: err})
			})
			ep.closePump(by)
			stop()
		} else {
			ep.closePump(by)
		}
		ep.releaseRead()
	case <-timer.C:
		ep.closeTimedOut()
	case <-abort:
		return aborted()
	}
	if ce := ep.closeErr.Load(); ce != nil {
		switch {
		case ce.Err == ErrCloseTimeout:
			return timedOut()
		case ctx != nil && ce.Err == ctx.Err():
			return ce.Err
		}
	}
	return nil
}

// CloseWrite starts the close handshake like Close, but does not read for
// the peer: it sends a Close frame with code and reason and returns. The
// application's reader keeps going, as after net.TCPConn's CloseWrite:
// ReadMessage and NextReader still return the data messages the peer sent
// before its own Close frame (none is dropped), then the CloseError with
// the peer's code once its Close frame arrives (RFC 6455, Section 7.1.2).
// Use it when one goroutine reads while another decides to close, as a
// command-line client does at the end of its input.
//
// The application must keep reading: if the peer has not completed the
// handshake within Options.CloseTimeout, TCP is closed and reads return a
// CloseError with Err ErrCloseTimeout. Arguments are checked as by Close;
// calling CloseWrite or Close again is safe.
func (ep *Endpoint) CloseWrite(code frame.CloseCode, reason string) error {
	var b [125]byte
	if _, err := frame.AppendClosePayload(b[:0], frame.ClosePayload{Code: code, Reason: reason}); err != nil {
		return err
	}
	by := ep.closingBy()
	switch err := ep.sendClose(code, reason, by); err {
	case nil:
	case errCloseSent:
		return nil
	case ErrCloseTimeout:
		ep.closeTimedOut()
		return err
	default:
		ep.closeConn(&CloseError{Code: frame.CloseAbnormal, Reason: err.Error(), Err: err})
		return err
	}
	// Stopped by closeConn once the handshake completes.
	t := time.AfterFunc(time.Until(by), ep.closeTimedOut)
	if !ep.closeTimer.CompareAndSwap(nil, t) {
		t.Stop()
	}
	if ep.closeErr.Load() != nil {
		t.Stop()
	}
	return nil
}

// closePump reads, with no one else reading, until the peer's Close frame
// arrives or the deadline passes, dropping data messages (RFC 6455,
// Section 7.1.2 lets us). Reader token held.
func (ep *Endpoint) closePump(deadline time.Time) {
	ep.dmu.Lock()
	ep.pumping = true // user read deadlines wait; app readers can't interrupt
	ep.c.SetReadDeadline(deadline)
	ep.dmu.Unlock()
	for ep.closeErr.Load() == nil {
		var err error
		if ep.rmsgActive {
			err = ep.discardMessage()
		} else {
			err = ep.takeFrame()
		}
		if err != nil {
			if isTimeout(err) {
				ep.closeTimedOut()
			} else {
				ep.readFailed(err)
			}
		}
	}
	ep.dmu.Lock()
	ep.pumping = false
	ep.dmu.Unlock()
}
