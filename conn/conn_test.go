package conn

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/rfc6455/ws/frame"
)

func TestEchoRoundTrip(t *testing.T) {
	t.Parallel()
	srv := serve(t, nil, func(ep *Endpoint) { echoLoop(ep) })
	ep := dialEndpoint(t, srv, nil)
	defer ep.Close(frame.CloseNormal, "")
	var buf []byte
	for _, n := range []int{0, 1, 125, 126, 2000, 65535, 65536 - 1} {
		for _, op := range []frame.Opcode{frame.OpText, frame.OpBinary} {
			msg := bytes.Repeat([]byte("a"), n)
			if err := ep.WriteMessage(op, msg); err != nil {
				t.Fatalf("WriteMessage(%d bytes): %v", n, err)
			}
			gotOp, p, err := ep.ReadMessage(buf)
			if err != nil {
				t.Fatalf("ReadMessage after %d bytes: %v", n, err)
			}
			if gotOp != op || !bytes.Equal(p, msg) {
				t.Fatalf("echo of %d bytes op %v = op %v, %d bytes", n, op, gotOp, len(p))
			}
			buf = p
		}
	}
}

func TestStreamingRoundTrip(t *testing.T) {
	t.Parallel()
	srv := serve(t, &AcceptOptions{Options: Options{ReadLimit: -1}}, func(ep *Endpoint) {
		for {
			op, r, err := ep.NextReader()
			if err != nil {
				return
			}
			w, _ := ep.NextWriter(op)
			io.Copy(w, r)
			w.Close()
		}
	})
	ep := dialEndpoint(t, srv, &Options{ReadLimit: -1})
	defer ep.Close(frame.CloseNormal, "")
	msg := []byte(strings.Repeat("héllo wörld ", 300000)) // ~4 MB, many fragments
	go func() {
		w, err := ep.NextWriter(frame.OpText)
		if err != nil {
			return
		}
		for p := msg; len(p) > 0; {
			k := min(len(p), 7777)
			w.Write(p[:k])
			p = p[k:]
		}
		w.Close()
	}()
	op, r, err := ep.NextReader()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || op != frame.OpText || !bytes.Equal(got, msg) {
		t.Fatalf("streamed echo: op %v, %d bytes, err %v; want text, %d bytes", op, len(got), err, len(msg))
	}
}

func TestCloseHandshake(t *testing.T) {
	t.Parallel()
	errc := make(chan error, 1)
	srv := serve(t, nil, func(ep *Endpoint) { errc <- echoLoop(ep) })
	ep := dialEndpoint(t, srv, nil)
	if err := ep.Close(frame.CloseNormal, "bye"); err != nil {
		t.Fatalf("Close: %v", err)
	}
	serr := <-errc
	var ce CloseError
	if !errors.As(serr, &ce) || ce.Code != frame.CloseNormal || ce.Reason != "bye" || ce.Err != nil {
		t.Fatalf("server read error = %#v, want peer CloseError 1000 bye", serr)
	}
	_, _, err := ep.ReadMessage(nil)
	if CloseStatus(err) != frame.CloseNormal {
		t.Fatalf("client read after close = %v, want 1000", err)
	}
	if err := ep.Close(frame.CloseNormal, ""); err != nil {
		t.Fatalf("second Close = %v, want nil", err)
	}
}
