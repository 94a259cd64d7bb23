package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
)

// acceptOptions are the server options of both WebSocket endpoints: the
// library's defaults.
func acceptOptions() *conn.AcceptOptions { return &conn.AcceptOptions{} }

// dialWS opens a client WebSocket connection to url over a TCP connection
// counted by cs. It does what conn.Dial does (RFC 6455, Section 4.1) with
// the handshake package and conn.NewEndpoint, because conn.DialOptions
// takes a *net.Dialer, whose connections could not be counted.
func dialWS(ctx context.Context, cs clientSide, url string) (*conn.Endpoint, error) {
	req, key, err := handshake.NewRequest(ctx, url, &handshake.ClientOptions{Header: cs.header})
	if err != nil {
		return nil, err
	}
	host := req.URL.Host
	if req.URL.Port() == "" {
		host = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	nc, err := cs.counter.DialContext(nil)(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			nc.Close()
		}
	}()
	if d, has := ctx.Deadline(); has {
		nc.SetDeadline(d)
	} else {
		nc.SetDeadline(time.Now().Add(30 * time.Second))
	}
	if err := req.Write(nc); err != nil {
		return nil, err
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if _, _, err := handshake.CheckResponse(resp, key, nil); err != nil {
		return nil, err
	}
	buffered, _ := br.Peek(br.Buffered())
	nc.SetDeadline(time.Time{})
	ok = true
	return conn.NewEndpoint(nc, buffered, conn.Client, nil), nil
}

// stopOnDone makes ep's blocked calls return when ctx is done.
func stopOnDone(ctx context.Context, ep *conn.Endpoint) (stop func() bool) {
	return context.AfterFunc(ctx, func() { ep.SetDeadline(time.Now()) })
}

// serveUpdatesWS sends every update after ?since= as one binary message,
// then waits for the client to close.
func (s *Server) serveUpdatesWS(w http.ResponseWriter, r *http.Request) {
	since, ok := sinceParam(r)
	if !ok {
		http.Error(w, "bad since", http.StatusBadRequest)
		return
	}
	hub := s.Hub()
	ep, err := conn.Accept(w, r, acceptOptions())
	if err != nil {
		return // Accept has answered the request
	}
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
	defer ep.Close(frame.CloseNormal, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// The client sends nothing but its close; reading also answers
		// pings and the close handshake (RFC 6455, Section 5.5).
		defer cancel()
		var buf []byte
		for {
			_, p, err := ep.ReadMessage(buf)
			if err != nil {
				return
			}
			buf = p
		}
	}()
	var buf []byte
	for last := since; last < hub.Total(); {
		us, err := hub.Wait(ctx, last)
		if err != nil {
			return
		}
		for _, u := range us {
			buf = appendRecord(buf[:0], u)
			if err := ep.WriteMessage(frame.OpBinary, buf); err != nil {
				return
			}
			last = u.Seq
		}
	}
	select { // the client closes once it has them all
	case <-ctx.Done():
	case <-time.After(time.Minute):
	}
}

// serveEchoWS sends every message back with its type.
func serveEchoWS(w http.ResponseWriter, r *http.Request) {
	ep, err := conn.Accept(w, r, acceptOptions())
	if err != nil {
		return
	}
	defer ep.Close(frame.CloseNormal, "")
	var buf []byte
	for {
		op, p, err := ep.ReadMessage(buf)
		if err != nil {
			return
		}
		buf = p
		if err := ep.WriteMessage(op, p); err != nil {
			return
		}
	}
}

// wsUpdates is a WebSocket client of PathUpdateWS.
type wsUpdates struct {
	ep *conn.Endpoint
	rc *Receiver
}

// dialUpdates connects a WebSocket client for the updates after rc.Last;
// the handshake counts as its one request.
func dialUpdates(ctx context.Context, cs clientSide, base string, rc *Receiver) (*wsUpdates, error) {
	ep, err := dialWS(ctx, cs, wsURL(base, PathUpdateWS)+fmt.Sprintf("?since=%d", rc.Last))
	if err != nil {
		return nil, err
	}
	rc.Requests++
	return &wsUpdates{ep: ep, rc: rc}, nil
}

// receive reads updates until the last one is in, then closes the
// connection (RFC 6455, Section 7.1.2).
func (wu *wsUpdates) receive(ctx context.Context) error {
	defer stopOnDone(ctx, wu.ep)()
	var buf []byte
	for !wu.rc.Done() {
		op, p, err := wu.ep.ReadMessage(buf)
		now := time.Now().UnixNano()
		if err != nil {
			wu.ep.Close(frame.CloseNormal, "")
			return err
		}
		buf = p
		if op != frame.OpBinary {
			continue
		}
		seq, created, err := parseRecord(p)
		if err != nil {
			wu.ep.Close(frame.CloseProtocolError, "")
			return err
		}
		wu.rc.Receive(seq, created, now)
	}
	if err := wu.ep.Close(frame.CloseNormal, ""); err != nil && !isNormalClose(err) {
		return err
	}
	return nil
}

// abort drops the connection.
func (wu *wsUpdates) abort() { wu.ep.NetConn(frame.OpBinary).Close() }

// isNormalClose reports whether err only says the connection was closed
// normally.
func isNormalClose(err error) bool {
	return conn.CloseStatus(err) == frame.CloseNormal || errors.Is(err, net.ErrClosed)
}

// wsRequests makes perConn request/response exchanges (message out, same
// message back) over one new WebSocket connection, adds them to done as
// they complete, and closes the connection.
func wsRequests(ctx context.Context, cs clientSide, base string, perConn int, payload []byte, done *atomic.Int64) error {
	ep, err := dialWS(ctx, cs, wsURL(base, PathEchoWS))
	if err != nil {
		return err
	}
	defer stopOnDone(ctx, ep)()
	var buf []byte
	for range perConn {
		if err := ep.WriteMessage(frame.OpBinary, payload); err != nil {
			ep.Close(frame.CloseNormal, "")
			return err
		}
		_, p, err := ep.ReadMessage(buf)
		if err != nil {
			ep.Close(frame.CloseNormal, "")
			return err
		}
		if len(p) != len(payload) {
			ep.Close(frame.CloseNormal, "")
			return fmt.Errorf("bench: echo of %d bytes came back with %d", len(payload), len(p))
		}
		buf = p
		done.Add(1)
	}
	if err := ep.Close(frame.CloseNormal, ""); err != nil && !isNormalClose(err) {
		return err
	}
	return nil
}
