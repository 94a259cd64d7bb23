package fuzz

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
)

// FuzzEndpoint feeds arbitrary bytes, as the peer's side of the
// connection, to an Endpoint that echoes what it reads (whole messages or
// streamed), through net.Pipe.
// Property: no panic; the Endpoint stops by itself within a bound; every
// read ends with a CloseError whose code is one the connection may end
// with: the peer's (valid on the wire, or 1005), ours from a
// frame.ProtocolError (1002, 1007, 1009), or 1006 for the dropped
// connection, with an Err that says which.
func FuzzEndpoint(f *testing.F) {
	for _, b := range frameFixtureSeeds(f) {
		f.Add(b, uint8(0))
		f.Add(b, uint8(1))
	}
	key := []byte{0x37, 0xfa, 0x21, 0x3d}
	masked := func(b0 byte, p ...byte) []byte {
		out := append([]byte{b0, 0x80 | byte(len(p))}, key...)
		for i, c := range p {
			out = append(out, c^key[i%4])
		}
		return out
	}
	join := func(bs ...[]byte) (out []byte) {
		for _, b := range bs {
			out = append(out, b...)
		}
		return out
	}
	f.Add(masked(0x81, 'h', 'i'), uint8(0))                                                      // a text message, echoed
	f.Add(join(masked(0x01, 0xce), masked(0x89), masked(0x80, 0xbb)), uint8(2))                  // fragmented "λ" with a ping between
	f.Add(join(masked(0x82, 1, 2, 3), masked(0x88, 0x03, 0xe8)), uint8(0))                       // binary, then close 1000
	f.Add(masked(0x88, 0x03, 0xe8, 0xff), uint8(0))                                              // close with a bad reason: 1007
	f.Add(masked(0x81, 0xed, 0xa0, 0x80), uint8(2))                                              // surrogate: 1007
	f.Add([]byte{0x81, 0x05, 'h', 'e', 'l', 'l', 'o'}, uint8(1))                                 // unmasked: fine for a client
	f.Add([]byte{0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4}, uint8(0))                      // 65536 bytes announced: 1009 at limit 1000
	f.Add(join(masked(0x89, 'a'), masked(0x89, 'b'), masked(0x8a, 'c'), masked(0x81)), uint8(3)) // pings, a pong, an empty text
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		role := conn.Server
		if mode&1 != 0 {
			role = conn.Client
		}
		streaming := mode&2 != 0
		a, b := net.Pipe()
		ep := conn.NewEndpoint(a, nil, role, &conn.Options{
			ReadLimit:    1000,
			CloseTimeout: 20 * time.Millisecond,
			WriteTimeout: time.Second,
			Rand:         zeroRand{},
		})
		go io.Copy(io.Discard, b) // the peer reads whatever we send
		go func() {
			b.Write(in)
			time.Sleep(time.Millisecond) // let replies to the last frames start
			b.Close()
		}()
		done := make(chan error, 1)
		go func() { done <- echo(ep, streaming) }()
		var err error
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Endpoint did not stop")
		}
		var ce conn.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("read ended with %T %v, want a conn.CloseError", err, err)
		}
		var pe frame.ProtocolError
		switch {
		case ce.Err == nil: // the peer closed
			if !ce.Code.IsValid() && ce.Code != frame.CloseNoStatus {
				t.Fatalf("peer close with code %d", ce.Code)
			}
		case errors.As(ce.Err, &pe):
			if ce.Code != pe.Code {
				t.Fatalf("failed with %d for %v", ce.Code, pe)
			}
		case ce.Code != frame.CloseAbnormal:
			t.Fatalf("ended with %d, cause %v", ce.Code, ce.Err)
		}
		ep.Close(frame.CloseNormal, "")
	})
}

type zeroRand struct{}

func (zeroRand) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// echo echoes until the connection ends and returns the read error.
func echo(ep *conn.Endpoint, streaming bool) error {
	var buf []byte
	for {
		if !streaming {
			op, p, err := ep.ReadMessage(buf)
			if err != nil {
				return err
			}
			ep.WriteMessage(op, p)
			buf = p
			continue
		}
		op, r, err := ep.NextReader()
		if err != nil {
			return err
		}
		w, err := ep.NextWriter(op)
		if err != nil {
			return err
		}
		_, err = io.Copy(w, r)
		w.Close()
		if err != nil {
			return err
		}
	}
}
