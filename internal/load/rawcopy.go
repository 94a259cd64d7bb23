package load

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"sync"

	"github.com/rfc6455/ws/handshake"
)

// RawCopy serves l as the reference server: it answers each opening
// handshake with a correct 101 (RFC 6455, Section 4.2.2), then writes every
// byte it reads back unchanged, with no framing work. A client's masked
// frames come back masked, which a WebSocket client would refuse, but
// this generator counts them all the same: RawCopy measures what loopback
// and the generator allow. Its read buffer starts at 512 bytes and doubles
// up to 64 KiB while reads keep filling it, as an idle connection should
// hold no large buffer. It returns when l is closed.
func RawCopy(l net.Listener) error {
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go rawCopy(c)
	}
}

var headPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 1024) }}

var errNoKey = errors.New("load: no Sec-WebSocket-Key (RFC 6455, Section 4.2.1)")

// rawCopy answers the handshake on one connection of RawCopy, then
// copies on a fresh goroutine, whose stack stays at the runtime's minimum
// (2 KiB): parsing and hashing grew this one's.
func rawCopy(c net.Conn) {
	br := headPool.Get().(*bufio.Reader)
	br.Reset(c)
	key, err := readKey(br)
	if err == nil {
		resp := make([]byte, 0, 160)
		resp = append(resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
		resp = append(resp, handshake.AcceptKey(key)...)
		resp = append(resp, "\r\n\r\n"...)
		_, err = c.Write(resp)
	}
	if err != nil {
		br.Reset(nil)
		headPool.Put(br)
		c.Close()
		return
	}
	buf := make([]byte, max(512, br.Buffered()))
	n, _ := br.Read(buf[:br.Buffered()])
	br.Reset(nil)
	headPool.Put(br)
	go copyBack(c, buf, n)
}

// copyBack writes back the n bytes in buf, then every byte c reads, until
// c fails. The buffer doubles up to 64 KiB while reads fill it.
func copyBack(c net.Conn, buf []byte, n int) {
	defer c.Close()
	for {
		if n > 0 {
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
		if n == len(buf) && len(buf) < 64<<10 {
			buf = make([]byte, 2*len(buf))
		}
		var err error
		if n, err = c.Read(buf); err != nil {
			return
		}
	}
}

// readKey reads a request head and returns its Sec-WebSocket-Key.
func readKey(br *bufio.Reader) (string, error) {
	key := ""
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return "", err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			break
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		if bytes.EqualFold(name, []byte("Sec-WebSocket-Key")) {
			key = string(bytes.TrimSpace(value))
		}
	}
	if key == "" {
		return "", errNoKey
	}
	return key, nil
}
