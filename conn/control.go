package conn

import (
	"bytes"
	"context"
	"time"

	"github.com/rfc6455/ws/frame"
)

// handleControl acts on a control frame received between (or inside)
// messages. Reader token held.
func (ep *Endpoint) handleControl(op frame.Opcode, p []byte) error {
	switch op {
	case frame.OpPing:
		// "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame
		// in response, unless it already received a Close frame." (RFC 6455,
		// Section 5.5.2) Answered here, synchronously, before the next frame
		// is read: a ping flood is answered at the rate we can write and
		// never queues (Section 5.5.3 lets us skip pongs; we skip none).
		// A write failure closes the connection; the next read reports it.
		ep.writeControl(frame.OpPong, p)
	case frame.OpPong:
		// "A Pong frame MAY be sent unsolicited." (RFC 6455, Section 5.5.3)
		// One that matches no ping is ignored.
		ep.gotPong(p)
	case frame.OpClose:
		return ep.peerClosed(p)
	}
	return nil
}

// pingWaiter is a Ping call waiting for its pong.
type pingWaiter struct {
	p  [125]byte
	n  int
	ch chan struct{} // closed when the pong arrives
}

// gotPong releases the Ping waiting for this payload and every earlier
// one: a peer may answer only the most recent of several pings (RFC 6455,
// Section 5.5.3).
func (ep *Endpoint) gotPong(p []byte) {
	ep.pmu.Lock()
	defer ep.pmu.Unlock()
	for i, w := range ep.pings {
		if bytes.Equal(w.p[:w.n], p) {
			for _, x := range ep.pings[:i+1] {
				close(x.ch)
			}
			k := copy(ep.pings, ep.pings[i+1:])
			clear(ep.pings[k:])
			ep.pings = ep.pings[:k]
			return
		}
	}
}

func (w *pingWaiter) done() bool {
	select {
	case <-w.ch:
		return true
	default:
		return false
	}
}

func (ep *Endpoint) dropPing(w *pingWaiter) {
	ep.pmu.Lock()
	defer ep.pmu.Unlock()
	for i, x := range ep.pings {
		if x == w {
			ep.pings = append(ep.pings[:i], ep.pings[i+1:]...)
			ep.pings = ep.pings[:len(ep.pings):len(ep.pings)]
			return
		}
	}
}

// Ping sends a Ping frame with payload (at most 125 bytes, RFC 6455,
// Section 5.5) and waits for the pong that echoes it, until ctx is done.
// If no other goroutine is reading, Ping reads control frames itself until
// the pong comes or a data frame arrives, which it leaves for the
// application's next read (a pong sent after it can only be seen once the
// application reads that message). Safe from any goroutine.
func (ep *Endpoint) Ping(ctx context.Context, payload []byte) error {
	if len(payload) > 125 {
		return frame.ErrControlTooLong
	}
	w := &pingWaiter{ch: make(chan struct{})}
	w.n = copy(w.p[:], payload)
	ep.pmu.Lock()
	ep.pings = append(ep.pings, w)
	ep.pmu.Unlock()
	if err := ep.writeControl(frame.OpPing, payload); err != nil {
		ep.dropPing(w)
		if ce := ep.closeErr.Load(); ce != nil {
			return *ce
		}
		return err
	}
	pumped := false
	for {
		var tok chan struct{}
		if !pumped {
			tok = ep.rtok // a nil channel blocks: pump once at most
		}
		select {
		case <-w.ch:
			return nil
		case <-ctx.Done():
			ep.dropPing(w)
			return ctx.Err()
		case <-ep.done:
			ep.dropPing(w)
			return *ep.closeErr.Load()
		case tok <- struct{}{}:
			pumped = true
			ep.pump(ctx, w.done)
			ep.releaseRead()
		}
	}
}

// pump reads control frames while the application is not reading, until
// an application reader wants the token, a data frame arrives (left
// pending for the application), the connection closes, ctx ends, or stop
// reports true (ctx and stop may be nil). Reader token held.
func (ep *Endpoint) pump(ctx context.Context, stop func() bool) {
	if ep.rremain > 0 || ep.rpending || ep.closeErr.Load() != nil {
		return // mid-frame: the next bytes are the application's
	}
	ep.dmu.Lock()
	ep.pumping, ep.interruptible = true, true
	ep.dmu.Unlock()
	unhook := func() bool { return false }
	if ctx != nil {
		unhook = context.AfterFunc(ctx, ep.interruptPump)
	}
	for ep.rwant.Load() == 0 && !ep.rpending && ep.closeErr.Load() == nil {
		if ctx != nil && ctx.Err() != nil {
			break
		}
		if stop != nil && stop() {
			break
		}
		if err := ep.readNextFrame(); err != nil {
			if !isTimeout(err) {
				ep.readFailed(err)
			}
			break
		}
	}
	unhook()
	ep.dmu.Lock()
	ep.pumping, ep.interruptible = false, false
	if ep.closeErr.Load() == nil {
		ep.applyReadDeadline()
	}
	ep.dmu.Unlock()
}

// interruptPump wakes a control pump blocked in a read, by moving the read
// deadline into the past (as net/http does to abort a background read).
func (ep *Endpoint) interruptPump() {
	ep.dmu.Lock()
	if ep.interruptible {
		ep.c.SetReadDeadline(aLongTimeAgo)
	}
	ep.dmu.Unlock()
}

var aLongTimeAgo = time.Unix(1, 0)

// keepaliveTick sends a ping and judges the peer by whatever arrives
// next: any bytes at all (a pong, a data frame, another ping) prove it is
// alive, since a peer that sends is a peer that answers. If no one else
// is reading, it reads control frames itself, like Ping, so the pong is
// seen while the application only writes.
//
// The peer is failed (1006, nothing sent: it is not answering) only when,
// KeepAliveTimeout after the ping, nothing has arrived and a read is
// waiting on an empty connection. If instead no one is reading, because
// the application has not yet read a message that arrived, the peer's
// answer may be queued behind that message: the peer is not blamed, the
// message is not touched, and the next tick asks again.
func (ep *Endpoint) keepaliveTick() {
	if ep.closeErr.Load() != nil {
		return
	}
	heard := ep.heard.Load()
	alive := func() bool { return ep.heard.Load() != heard }
	if err := ep.writeControl(frame.OpPing, nil); err != nil {
		return // the write failed and closed the connection, or it is closed
	}
	ctx, cancel := context.WithTimeout(context.Background(), ep.set.keepAliveTimeout)
	defer cancel()
	tok := ep.rtok
	for !alive() {
		select {
		case <-ep.done:
			return
		case tok <- struct{}{}:
			tok = nil // pump once at most: it stops at a data frame left for the application
			ep.pump(ctx, alive)
			// Read until the timeout with nothing arriving (not stopped
			// early by a data frame or an application reader): silence.
			silent := ctx.Err() != nil && ep.rwant.Load() == 0 && !ep.rpending && ep.rremain == 0
			ep.releaseRead()
			if silent && !alive() {
				ep.keepaliveFailed()
				return
			}
			continue
		case <-ctx.Done():
			if !alive() && ep.readStalled() && !alive() {
				ep.keepaliveFailed()
				return
			}
		}
		break
	}
	ep.keepalive.Reset(ep.set.keepAlive)
}

func (ep *Endpoint) keepaliveFailed() {
	ep.closeConn(&CloseError{Code: frame.CloseAbnormal, Reason: ErrKeepAliveTimeout.Error(), Err: ErrKeepAliveTimeout})
}

// stallGrace is how long a read must have been waiting on the connection,
// with nothing arriving, before keepalive takes the silence as the peer's.
const stallGrace = 20 * time.Millisecond

// readStalled reports whether a read has been waiting on the connection
// for at least stallGrace. A read that just began may be about to return
// bytes already there, so a fresh one is given stallGrace (checked again
// a few times) before the answer is no.
func (ep *Endpoint) readStalled() bool {
	for range 4 {
		since := ep.readSince.Load()
		if since == 0 {
			return false // no one is reading the connection: we can't tell
		}
		if time.Duration(time.Now().UnixNano()-since) >= stallGrace {
			return true
		}
		select {
		case <-ep.done:
			return false
		case <-time.After(stallGrace):
		}
	}
	return false
}

// idleDelay is how long the application may go without reading before
// the idle pump starts answering control frames for it.
const idleDelay = 250 * time.Millisecond

// appReleaseRead ends an application read call: it gives the reader token
// back and arms the idle pump, so pings are answered (RFC 6455, Section
// 5.5.2) and the peer's Close is seen even while the application does not
// read. The cost per read is a clock read and two atomic operations.
func (ep *Endpoint) appReleaseRead() {
	// More frames already read: the application's writes until its next
	// read may be coalesced (coalesce.go).
	ep.ahead.Store(ep.rpos < ep.rend || ep.rpending)
	ep.releaseRead()
	ep.lastRead.Store(time.Now().UnixNano())
	if !ep.idleArmed.Swap(true) {
		ep.idle.Reset(idleDelay)
	}
}

// idleTick runs on the idle timer. If the application has not read for
// idleDelay and no one holds the reader token, it pumps control frames in
// this goroutine until the application reads again (which interrupts it)
// or a data frame arrives. An application blocked in a read, the usual
// idle state, costs nothing: the timer is not re-armed until that read ends.
func (ep *Endpoint) idleTick() {
	ep.idleArmed.Store(false)
	if ep.closeErr.Load() != nil {
		return
	}
	if since := time.Duration(time.Now().UnixNano() - ep.lastRead.Load()); since < idleDelay {
		if !ep.idleArmed.Swap(true) {
			ep.idle.Reset(idleDelay - since)
		}
		return
	}
	select {
	case ep.rtok <- struct{}{}:
	default:
		return // someone is reading; the end of an application read re-arms
	}
	ep.pump(nil, nil)
	ep.releaseRead()
}
