package conn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/rfc6455/ws/frame"
)

// ErrJSONTrailingData is wrapped by the error ReadJSON returns for a
// message that holds more than one JSON value, or anything but white space
// after its value.
var ErrJSONTrailingData = errors.New("conn: json: data after the value")

// ReadJSON reads the next data message and decodes it into v as one JSON
// value, by json.Unmarshal's rules. Text and binary messages are both
// accepted (a text message is also checked as UTF-8 as it arrives, RFC
// 6455, Section 8.1). The message must hold exactly one value: anything
// but white space after it gives an error wrapping ErrJSONTrailingData.
// A message that is not valid JSON gives an error wrapping the
// *json.SyntaxError. Either way the message has been read whole and the
// connection stays usable: the next read starts at the next message.
//
// The read limit applies as to any read: a message over it fails the
// connection with 1009 (RFC 6455, Section 7.4.1), and ReadJSON returns the
// CloseError.
//
// encoding/json decodes from one buffer holding the whole value, so
// ReadJSON holds the message once, and then the decoded value, never a
// second copy. The buffer grows as the message arrives, to at most four
// times what has arrived (or 512 bytes). When a frame header announces the
// rest of the message (an uncompressed message in one frame, or its last
// frame), the buffer grows in steps that end exactly at that length, so
// the message costs at most 4/3 of its size in allocations (ReadMessage's
// doubling buffer costs 2.5 times a 5 MiB message). Otherwise the buffer
// doubles, as ReadMessage's does: a compressed message's size is known
// only at its end.
//
// If a read deadline passes in the middle of a message, ReadJSON returns
// the timeout error and keeps the part already read: the next ReadJSON
// (or ReadMessage, or NextReader) reads the whole message.
func (ep *Endpoint) ReadJSON(v any) error {
	_, r, err := ep.NextReader()
	if err != nil {
		return err
	}
	// Not json.NewDecoder(r): it too needs the whole value in its buffer,
	// but grows that buffer by doubling from 512 bytes, which for a 5 MiB
	// message allocates about 3.2 times the message (TestJSONReadMemory).
	var buf []byte
	for {
		if len(buf) == cap(buf) {
			// A zero-length read ends the message if it is over (and moves
			// to its next frame otherwise), so a buffer sized exactly is
			// not grown for nothing.
			if _, err := r.Read(buf[len(buf):]); err == io.EOF {
				break
			} else if err != nil {
				return ep.keepJSONPart(buf, err)
			}
			nb := make([]byte, len(buf), ep.jsonCap(len(buf)))
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return ep.keepJSONPart(buf, err)
		}
	}
	err = json.Unmarshal(buf, v)
	if err == nil {
		return nil
	}
	// The scanner stops at the first byte that cannot follow: if all before
	// it is one valid value, that byte starts trailing data.
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset > 0 && json.Valid(buf[:se.Offset-1]) {
		return fmt.Errorf("%w: %w", ErrJSONTrailingData, err)
	}
	return fmt.Errorf("conn: json: %w", err)
}

// jsonGrowth is how much ReadJSON's buffer may grow at once, as a multiple
// of the bytes that have arrived.
const jsonGrowth = 4

// jsonCap returns the capacity for ReadJSON's buffer, full at n bytes of a
// message that is not over. When the current frame's end is known (an
// uncompressed message), the capacities form a ladder that ends exactly
// at it, end/4^k ... end/4, end, and it returns the lowest rung above what
// has arrived (at most four times that); so the buffers allocated for a
// final frame add up to at most 4/3 of it. Taking the rest of a frame
// that is not the last, it takes at least double; without a known end it
// doubles, as ReadMessage does.
func (ep *Endpoint) jsonCap(n int) int {
	next := max(2*n, 512)
	if !ep.acquireRead() {
		return next
	}
	defer ep.releaseRead()
	if ep.rmsgRSV&frame.RSV1 != 0 || ep.rpart != nil || ep.rremain == 0 {
		return next
	}
	end := int64(n) + ep.rremain
	here := min(int64(n)+int64(ep.rend-ep.rpos), end) // arrived: read, or buffered
	floor := max(int64(n)+1, here, min(end, 512))
	c := end
	for {
		d := (c + jsonGrowth - 1) / jsonGrowth
		if d < floor {
			break
		}
		c = d
	}
	if c == end && !ep.rmsgFinal {
		// More frames follow, of unknown length: at least double, or a
		// message of many small fragments would be copied once per frame.
		c = max(c, int64(next))
	}
	return int(c)
}

// keepJSONPart handles an error from ReadJSON's reads. After a timeout the
// message is where it stopped; the part read becomes the part a timed-out
// ReadMessage keeps (read.go), so the next read returns the whole message.
func (ep *Endpoint) keepJSONPart(part []byte, err error) error {
	if !isTimeout(err) || !ep.acquireRead() {
		return err
	}
	defer ep.releaseRead()
	if ep.rmsgActive && ep.closeErr.Load() == nil {
		ep.rpart, ep.rpartStream = part, false
	}
	return err
}

// ReadJSONContext is ReadJSON, bounded by ctx as ReadMessageContext is: if
// ctx ends first it returns ctx.Err(), and the part of a message already
// read is kept for the next read.
func (ep *Endpoint) ReadJSONContext(ctx context.Context, v any) error {
	if ctx.Done() == nil {
		return ep.ReadJSON(v)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	unbind := ep.bindRead(ctx)
	return unbind(ep.ReadJSON(v))
}

// WriteJSON sends v as one text message (JSON is UTF-8, RFC 8259, Section
// 8.1), encoded by json.Encoder.Encode, which ends it with a newline. The
// message goes out through NextWriter, so with permessage-deflate it is
// compressed whatever its size (Compression.Threshold does not apply). If
// v cannot be encoded, WriteJSON returns the error (wrapping
// encoding/json's) and sends nothing.
func (ep *Endpoint) WriteJSON(v any) error {
	jw := jsonWriter{ep: ep}
	err := json.NewEncoder(&jw).Encode(v)
	if jw.w == nil {
		// Encode writes only once it has encoded all of v.
		if jw.err != nil {
			return jw.err // from NextWriter: ErrClosed
		}
		return fmt.Errorf("conn: json: %w", err)
	}
	if cerr := jw.w.Close(); err == nil {
		err = cerr
	}
	return err
}

// WriteJSONContext is WriteJSON, bounded by ctx as WriteMessageContext is:
// if ctx ends while the message waits for another writer, it returns
// ctx.Err() and the connection is untouched; if it ends while the message
// is being written, the write is aborted and the connection fails.
func (ep *Endpoint) WriteJSONContext(ctx context.Context, v any) error {
	if ctx.Done() == nil {
		return ep.WriteJSON(v)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	unbind := ep.bindWrite(ctx)
	jw := jsonWriter{ep: ep, abort: ctx.Done()}
	err := json.NewEncoder(&jw).Encode(v)
	switch {
	case jw.w != nil:
		if cerr := jw.w.Close(); err == nil {
			err = cerr
		}
	case jw.err != nil:
		err = jw.err
	default:
		err = fmt.Errorf("conn: json: %w", err)
	}
	return unbind(err)
}

// jsonWriter starts the message (NextWriter) at the encoder's first
// write, so a value that cannot be encoded sends nothing.
type jsonWriter struct {
	ep    *Endpoint
	abort <-chan struct{} // a context's Done channel, or nil
	w     io.WriteCloser
	err   error
}

func (jw *jsonWriter) Write(p []byte) (int, error) {
	if jw.w == nil {
		if jw.abort != nil {
			// Wait for another writer's message here, giving up with the
			// context, as NextWriterContext does.
			if !jw.ep.wmsg.lockOr(jw.ep.done, jw.abort) {
				jw.err = ErrClosed
				if jw.ep.closeErr.Load() == nil {
					jw.err = errAborted
				}
				return 0, jw.err
			}
			jw.ep.wmsg.unlock()
		}
		jw.w, jw.err = jw.ep.NextWriter(frame.OpText)
		if jw.err != nil {
			jw.w = nil
			return 0, jw.err
		}
	}
	return jw.w.Write(p)
}
