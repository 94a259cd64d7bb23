package frame

import "io"

// A Writer writes frames to an io.Writer. The zero Writer is not usable; use
// NewWriter. A Writer is not safe for concurrent use.
type Writer struct {
	w   io.Writer
	buf []byte // header plus (masked) payload, reused between frames
}

// NewWriter returns a Writer writing frames to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w}
}

// writeChunk bounds the buffer a Writer keeps: small frames go out in one
// Write; larger masked payloads are masked through it in pieces of this size.
const writeChunk = 16 << 10

// WriteFrame writes a frame with header h and the given payload. PayloadLen is
// set to len(payload). If h.Masked, the payload is masked with h.MaskKey into
// the Writer's own buffer; the caller's slice is never modified (RFC 6455,
// Section 5.3). Headers that fail Header.Check are refused before anything
// is written. A frame whose header and payload fit in 16 KiB goes out in one
// Write; a larger unmasked payload is written straight from the caller's
// slice after the header.
func (fw *Writer) WriteFrame(h Header, payload []byte) error {
	h.PayloadLen = int64(len(payload))
	if err := h.Check(); err != nil {
		return err
	}
	buf := AppendHeader(fw.buf[:0], h)
	if len(buf)+len(payload) <= writeChunk {
		hl := len(buf)
		buf = append(buf, payload...)
		if h.Masked {
			Mask(h.MaskKey, buf[hl:], 0)
		}
		fw.buf = buf
		_, err := fw.w.Write(buf)
		return err
	}
	if !h.Masked {
		fw.buf = buf
		if _, err := fw.w.Write(buf); err != nil {
			return err
		}
		_, err := fw.w.Write(payload)
		return err
	}
	pos := 0
	for len(payload) > 0 || len(buf) > 0 {
		hl := len(buf)
		c := min(len(payload), writeChunk-hl)
		buf = append(buf, payload[:c]...)
		pos = Mask(h.MaskKey, buf[hl:], pos)
		payload = payload[c:]
		if _, err := fw.w.Write(buf); err != nil {
			fw.buf = buf[:0]
			return err
		}
		buf = buf[:0]
	}
	fw.buf = buf
	return nil
}
