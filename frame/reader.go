package frame

import "io"

// A Reader reads frames from an io.Reader: first a header with ReadHeader,
// then that frame's payload with Read, unmasked. It applies the single-frame
// rules of ParseHeader; feed the headers to a Sequence for the rest.
//
// Reader reads the header in two reads of the exact sizes needed
// and the payload straight into the caller's buffer, so it never reads past
// the current frame; wrap an unbuffered connection in a bufio.Reader. The
// zero Reader is not usable; use NewReader. A Reader is not safe for
// concurrent use.
type Reader struct {
	r      io.Reader
	hdr    Header
	remain int64 // payload bytes of the current frame not yet read
	pos    int   // offset in the payload, for unmasking
	buf    [MaxHeaderLen]byte
}

// NewReader returns a Reader reading frames from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r}
}

// ReadHeader reads the next frame header, first skipping whatever is left of
// the previous frame's payload. It returns io.EOF if r ends cleanly before a
// header, io.ErrUnexpectedEOF if it ends inside one, and a ProtocolError for
// a header that breaks a single-frame rule (see ParseHeader).
func (fr *Reader) ReadHeader() (Header, error) {
	if fr.remain > 0 {
		if _, err := io.CopyN(io.Discard, fr.r, fr.remain); err != nil {
			return Header{}, noEOF(err)
		}
		fr.remain = 0
	}
	fr.hdr = Header{}
	b := fr.buf[:]
	if _, err := io.ReadFull(fr.r, b[:2]); err != nil {
		return Header{}, err // io.EOF only if no byte was read
	}
	// The first two bytes say how long the header is (Section 5.2).
	need := 2
	switch b[1] & len7Bits {
	case len16Marker:
		need += 2
	case len64Marker:
		need += 8
	}
	if b[1]&maskBit != 0 {
		need += 4
	}
	// Report a violation visible in the first two bytes before reading on.
	if _, _, err := ParseHeader(b[:2]); err != nil && err != ErrShortHeader {
		return Header{}, err
	}
	if _, err := io.ReadFull(fr.r, b[2:need]); err != nil {
		return Header{}, noEOF(err)
	}
	if _, err := ParseHeaderInto(&fr.hdr, b[:need]); err != nil {
		return Header{}, err
	}
	fr.remain = fr.hdr.PayloadLen
	fr.pos = 0
	return fr.hdr, nil
}

// Read reads payload bytes of the current frame into p, unmasked. It returns
// io.EOF at the end of the payload (at once for an empty one) and
// io.ErrUnexpectedEOF if r ends before it.
func (fr *Reader) Read(p []byte) (int, error) {
	if fr.remain == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > fr.remain {
		p = p[:fr.remain]
	}
	n, err := fr.r.Read(p)
	if n > 0 {
		if fr.hdr.Masked {
			fr.pos = Mask(fr.hdr.MaskKey, p[:n], fr.pos) & 3
		}
		fr.remain -= int64(n)
	}
	if fr.remain == 0 {
		return n, io.EOF
	}
	return n, noEOF(err)
}

// Remaining returns the number of payload bytes of the current frame not yet
// read.
func (fr *Reader) Remaining() int64 { return fr.remain }

// noEOF turns io.EOF into io.ErrUnexpectedEOF: the stream ended inside a frame.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
