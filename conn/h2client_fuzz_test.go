package conn

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/internal/h2"
)

// FuzzH2ClientFrames feeds arbitrary bytes, as a server's frames after
// its SETTINGS, to our HTTP/2 client connection while it opens an extended
// CONNECT stream and an Endpoint reads from it.
//
// Property: no panic, no hang (every step returns within its deadline),
// and the Endpoint's read ends in a message, a CloseError or its deadline.
func FuzzH2ClientFrames(f *testing.F) {
	enc := h2.Encoder{}
	ok200 := h2.AppendHeaders(nil, 1, false, true, enc.AppendField(nil, h2.HeaderField{Name: ":status", Value: "200"}))
	text := frame.AppendHeader(nil, frame.Header{Fin: true, Opcode: frame.OpText, PayloadLen: 5})
	text = append(text, "hello"...)
	f.Add(ok200)                                                                      // a response, then silence
	f.Add(append(ok200, h2.AppendData(nil, 1, false, text)...))                       // a message
	f.Add(append(ok200, h2.AppendData(nil, 1, true, text)...))                        // a message and END_STREAM
	f.Add(append(ok200, h2.AppendRSTStream(nil, 1, h2.ErrCodeCancel)...))             // reset
	f.Add(append(ok200, h2.AppendGoAway(nil, 0, h2.ErrCodeProtocol, []byte("x"))...)) // GOAWAY
	f.Add(append(ok200, h2.AppendPing(nil, false, [8]byte{1})...))                    // PING
	f.Add(append(ok200, h2.AppendWindowUpdate(nil, 1, 1<<31-1)...))                   // window overflow
	f.Add(h2.AppendHeaders(nil, 1, false, false, []byte{0x88}))                       // HEADERS without END_HEADERS
	f.Add(append(h2.AppendHeaders(nil, 1, false, false, []byte{0x88}), h2.AppendContinuation(nil, 1, true, nil)...))
	f.Add(append(ok200, h2.AppendSettings(nil, h2.Setting{ID: h2.SettingInitialWindowSize, Val: 0})...))
	f.Add([]byte{0, 0, 0, 0x5, 0x4, 0, 0, 0, 1}) // an empty PUSH_PROMISE
	f.Fuzz(func(t *testing.T, data []byte) {
		done := make(chan struct{})
		go func() { defer close(done); fuzzH2Client(t, data) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			buf := make([]byte, 1<<20)
			t.Fatalf("hung on % x:\n%s", data, buf[:runtime.Stack(buf, true)])
		}
	})
}

func fuzzH2Client(t *testing.T, data []byte) {
	{
		cc, sc := net.Pipe()
		defer cc.Close()
		defer sc.Close()
		go io.Copy(io.Discard, sc) // whatever the client sends
		go func() {
			sc.Write(h2.AppendSettings(nil, h2.Setting{ID: h2.SettingEnableConnectProtocol, Val: 1}))
			sc.Write(data)
			// Then the server closes: every input ends at once instead of
			// at a deadline (silent servers are tested in h2client_hostile_test.go).
			sc.Close()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		c, err := newH2Client(cc, 0, nil)
		if err != nil {
			return
		}
		defer c.fail(io.EOF)
		if ok, err := c.waitSettings(ctx); err != nil || !ok || !c.reserve() {
			return
		}
		st, err := c.openStream(ctx, []h2.HeaderField{{Name: ":method", Value: "CONNECT"}})
		if err != nil {
			return
		}
		st.SetDeadline(time.Now().Add(200 * time.Millisecond))
		if _, err := st.awaitResponse(ctx); err != nil {
			st.Close()
			return
		}
		st.SetDeadline(time.Time{})
		ep := NewEndpoint(st, nil, Client, &Options{CloseTimeout: 100 * time.Millisecond})
		ep.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		_, _, err = ep.ReadMessage(nil)
		if err != nil {
			var ce CloseError
			if !errors.As(err, &ce) && !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("ReadMessage = %v (%T), want a CloseError or the read deadline", err, err)
			}
		}
		done := make(chan struct{})
		go func() { ep.Close(frame.CloseNormal, ""); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Endpoint.Close did not return")
		}
	}
}
