package h2

import "io"

// A Reader reads whole frames from an io.Reader, refusing any frame longer
// than the SETTINGS_MAX_FRAME_SIZE we advertised (RFC 9113, Section 4.2).
// It does no buffering of its own beyond one frame: hand it a bufio.Reader
// to batch small reads. A Reader is not safe for concurrent use.
type Reader struct {
	r   io.Reader
	max uint32
	hdr [FrameHeaderLen]byte
	buf []byte
}

// NewReader returns a Reader of frames from r accepting payloads of up to
// maxFrameSize bytes; 0 means the initial SETTINGS_MAX_FRAME_SIZE, 16384
// (RFC 9113, Section 6.5.2).
func NewReader(r io.Reader, maxFrameSize uint32) *Reader {
	fr := &Reader{r: r}
	fr.SetMaxFrameSize(maxFrameSize)
	return fr
}

// SetMaxFrameSize sets the largest payload ReadFrame accepts: the
// SETTINGS_MAX_FRAME_SIZE we advertise, once the peer has acknowledged it.
// 0 means 16384; values are clamped to 16384..2^24-1, the range of
// RFC 9113, Section 6.5.2.
func (fr *Reader) SetMaxFrameSize(n uint32) {
	fr.max = min(max(n, DefaultMaxFrameSize), MaxFrameSizeLimit)
}

// ReadFrame reads the next frame and returns its header and payload. The
// payload is valid until the next call to ReadFrame. It returns io.EOF
// unwrapped if r ends cleanly between frames, io.ErrUnexpectedEOF if it ends
// inside one, and a *ConnError with FRAME_SIZE_ERROR, along with the header,
// for a frame over the maximum frame size; its payload is not read, so the
// caller must then end the connection (RFC 9113, Section 4.2). Any other
// error of r is returned as is. The payload is not checked: pass it to the
// Parse function of its type.
func (fr *Reader) ReadFrame() (FrameHeader, []byte, error) {
	if _, err := io.ReadFull(fr.r, fr.hdr[:]); err != nil {
		return FrameHeader{}, nil, err // io.EOF only if nothing was read
	}
	h := ParseFrameHeader(fr.hdr[:])
	// "An endpoint MUST send an error code of FRAME_SIZE_ERROR if a frame
	// exceeds the size defined in SETTINGS_MAX_FRAME_SIZE" (Section 4.2)
	if h.Length > fr.max {
		return h, nil, connErr(ErrCodeFrameSize, "4.2", h.Type.String()+" frame of "+utoa(h.Length)+" bytes exceeds SETTINGS_MAX_FRAME_SIZE "+utoa(fr.max))
	}
	n := int(h.Length)
	if n <= cap(fr.buf) {
		fr.buf = fr.buf[:n]
		if _, err := io.ReadFull(fr.r, fr.buf); err != nil {
			return h, nil, noEOF(err)
		}
		return h, fr.buf, nil
	}
	// The buffer must grow. Trust the announced length only as far as the
	// bytes that arrive: double the buffer as it fills (from 16 KiB) so that
	// memory stays within twice what the peer actually sent. Below 16 KiB
	// the buffer at least doubles, so that frames a little larger each time
	// do not cost an allocation each.
	fr.buf = fr.buf[:0]
	for len(fr.buf) < n {
		if len(fr.buf) == cap(fr.buf) {
			c := 2 * cap(fr.buf)
			next := make([]byte, len(fr.buf), max(min(n, max(c, DefaultMaxFrameSize)), min(c, DefaultMaxFrameSize)))
			copy(next, fr.buf)
			fr.buf = next
		}
		m, err := io.ReadFull(fr.r, fr.buf[len(fr.buf):min(n, cap(fr.buf))])
		fr.buf = fr.buf[:len(fr.buf)+m]
		if err != nil {
			return h, nil, noEOF(err)
		}
	}
	return h, fr.buf, nil
}

// noEOF turns io.EOF inside a frame into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
