package handshake

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rfc6455/ws/internal/token"
)

// Limits of ReadRequest. RFC 6455 sets none; net/http's server answers 431
// past its MaxHeaderBytes (1 MiB by default). A WebSocket request is a few
// hundred bytes plus cookies, so we allow far less.
const (
	MaxHeaderBytes = 16 << 10 // request line plus header fields, CRLFs included
	MaxHeaderLines = 100      // header field lines, not counting the request line
)

// ReadRequest reads one HTTP request head from br for servers that do their
// own HTTP (a raw net.Conn). It consumes exactly the request line, the header
// fields and the empty line that ends them, so any byte the client sent
// after its handshake (frames, say) stays in br. A head larger than
// MaxHeaderBytes or with more than MaxHeaderLines fields gives
// ErrHeaderTooLarge (431), one net/http cannot parse ErrMalformedRequest
// (400). io.EOF means the connection closed before the first byte. Errors
// from br (a deadline the caller set on the connection) are returned as is.
// The request has no body (CheckRequest refuses one).
func ReadRequest(br *bufio.Reader) (*http.Request, error) {
	// Fast path: the head fits in br's buffer. Find its end there, check the
	// limits, and let http.ReadRequest parse br itself: it stops at the empty
	// line, so later bytes stay in br.
	_, skip, end, _, err := peekHead(br)
	if err != nil {
		return nil, err
	}
	if end >= 0 {
		br.Discard(skip)
		req, err := http.ReadRequest(br)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformedRequest, err)
		}
		return req, nil
	}
	return readRequestSlow(br)
}

// peekHead waits until br's buffer holds a whole request head and returns
// the buffered bytes p, the skip bytes of an ignored empty line before it,
// the index end just past its empty line, and its number of lines
// (request line included). end is -1 when the head does not fit in br's
// buffer (the caller reads it by copying). It checks MaxHeaderBytes and
// MaxHeaderLines as bytes arrive, and scans each byte once however the
// client paces them: a head sent a byte at a time costs linear time, not
// a rescan per read. io.EOF means the connection closed before the first
// byte; errors from br are returned as is.
func peekHead(br *bufio.Reader) (p []byte, skip, end, lines int, err error) {
	var sc headScan
	for n := 1; n <= br.Size(); n = br.Buffered() + 1 {
		p, err = br.Peek(n)
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				break
			}
			if err == io.EOF && len(p) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return nil, 0, -1, 0, err
		}
		p, _ = br.Peek(br.Buffered())
		end = sc.next(p)
		if sc.lines > MaxHeaderLines+1 || end-sc.skip > MaxHeaderBytes || (end < 0 && len(p)-sc.skip > MaxHeaderBytes) {
			return nil, 0, -1, 0, ErrHeaderTooLarge
		}
		if end >= 0 {
			return p, sc.skip, end, sc.lines, nil
		}
	}
	return p, 0, -1, 0, nil
}

// headScan finds the end of a request head in a buffer that grows between
// calls, resuming where the last call stopped.
type headScan struct {
	i       int // start of the first line not yet scanned
	skip    int // length of the ignored empty line before the request line
	lines   int // lines scanned, the empty line excluded
	started bool
}

// next scans the complete lines of p past s.i and returns the index just
// past the head's empty line, or -1 if p does not hold it yet.
func (s *headScan) next(p []byte) int {
	for {
		nl := bytes.IndexByte(p[s.i:], '\n')
		if nl < 0 {
			return -1
		}
		line := p[s.i : s.i+nl+1]
		s.i += nl + 1
		empty := len(line) == 1 || (len(line) == 2 && line[0] == '\r')
		if empty && !s.started {
			// "a server that is expecting to receive and parse a
			// request-line SHOULD ignore at least one empty line (CRLF)
			// received prior to the request-line" (RFC 9112, Section
			// 2.2). We ignore one.
			s.started, s.skip = true, s.i
			continue
		}
		if empty {
			return s.i
		}
		s.started = true
		s.lines++
	}
}

// readRequestSlow reads a head longer than br's buffer, copying it line by
// line, bounded by MaxHeaderBytes.
func readRequestSlow(br *bufio.Reader) (*http.Request, error) {
	var head []byte
	lines, lineStart, skipped := 0, 0, false
	for {
		frag, err := br.ReadSlice('\n')
		if len(head)+len(frag) > MaxHeaderBytes {
			return nil, ErrHeaderTooLarge
		}
		head = append(head, frag...)
		if err == bufio.ErrBufferFull {
			continue // the line goes on
		}
		if err != nil {
			if err == io.EOF {
				if len(head) == 0 {
					return nil, io.EOF
				}
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		line := head[lineStart:]
		lineStart = len(head)
		if len(line) <= 2 && (string(line) == "\r\n" || string(line) == "\n") {
			if lines == 0 && !skipped {
				skipped, head, lineStart = true, head[:0], 0 // see headScan
				continue
			}
			break
		}
		if lines++; lines > MaxHeaderLines+1 {
			return nil, ErrHeaderTooLarge
		}
	}
	req, err := http.ReadRequest(bufio.NewReaderSize(bytes.NewReader(head), len(head)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedRequest, err)
	}
	return req, nil
}

// WriteResponse writes the 101 response with the headers h (from Response)
// to w in one Write: "HTTP/1.1 101 Switching Protocols", the Upgrade,
// Connection and Sec-WebSocket-* fields first, spelled as in RFC 6455, then
// the others in sorted order. It refuses field names that are not tokens and
// values holding CR, LF or NUL (header injection) with ErrBadResponseHeader.
func WriteResponse(w io.Writer, h http.Header) error {
	b, err := AppendResponse(make([]byte, 0, 256), h)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// AppendResponse appends the 101 response that WriteResponse writes to b,
// and returns the extended buffer; on error it returns nil. A server that
// keeps a buffer for its writes builds the response there, with no
// allocation.
func AppendResponse(b []byte, h http.Header) ([]byte, error) {
	b = append(b, "HTTP/1.1 101 Switching Protocols\r\n"...)
	b, err := appendHeader(b, h)
	if err != nil {
		return nil, err
	}
	return append(b, "\r\n"...), nil
}

// headerOrder is the order of the fields WriteResponse writes first.
var headerOrder = []string{"Upgrade", "Connection", "Sec-Websocket-Accept", "Sec-Websocket-Protocol", "Sec-Websocket-Extensions", "Sec-Websocket-Version"}

func appendHeader(b []byte, h http.Header) ([]byte, error) {
	var err error
	n := 0
	for _, k := range headerOrder {
		if vs, ok := h[k]; ok {
			n++
			if b, err = appendField(b, k, vs); err != nil {
				return nil, err
			}
		}
	}
	if n == len(h) {
		return b, nil
	}
	keys := make([]string, 0, len(h)-n)
	for k := range h {
		if !slices.Contains(headerOrder, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if b, err = appendField(b, k, h[k]); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// appendField appends the lines of one header field, spelling Sec-WebSocket-*
// as RFC 6455 does.
func appendField(b []byte, k string, vs []string) ([]byte, error) {
	if !token.IsToken(k) {
		return nil, fmt.Errorf("%w: name %q", ErrBadResponseHeader, k)
	}
	for _, v := range vs {
		if strings.ContainsAny(v, "\r\n\x00") {
			return nil, fmt.Errorf("%w: %s value %q", ErrBadResponseHeader, k, v)
		}
		if rest, ok := strings.CutPrefix(k, "Sec-Websocket-"); ok {
			b = append(b, "Sec-WebSocket-"...)
			b = append(b, rest...)
		} else {
			b = append(b, k...)
		}
		b = append(b, ": "...)
		b = append(b, token.TrimOWS(v)...)
		b = append(b, "\r\n"...)
	}
	return b, nil
}

// errorReply returns the status, the extra header fields and the body that
// answer a failed handshake.
func errorReply(err error) (status int, h http.Header, body string) {
	var he *Error
	if !errors.As(err, &he) || he.Status < 400 || he.Status > 599 {
		// Not a verdict on the request: don't show our internals to the peer.
		status, body = http.StatusInternalServerError, "handshake: internal error"
	} else if errors.Is(err, ErrRefused) {
		// The application's reason for refusing is its own business.
		status, body = he.Status, ErrRefused.Error()
	} else {
		status, body = he.Status, err.Error()
	}
	h = http.Header{
		"Connection":             {"close"},
		"Content-Type":           {"text/plain; charset=utf-8"},
		"X-Content-Type-Options": {"nosniff"},
	}
	switch status {
	case http.StatusUpgradeRequired:
		// "it MUST respond with a |Sec-WebSocket-Version| header field ...
		// containing all versions it is willing to use" (Section 4.4)
		h["Sec-Websocket-Version"] = []string{"13"}
		// "The server MUST send an Upgrade header field in a 426 response"
		// (RFC 9110, Section 15.5.22) and "A sender of Upgrade MUST also send
		// an "Upgrade" connection option in the Connection header field"
		// (RFC 9110, Section 7.8).
		h["Upgrade"] = []string{"websocket"}
		h["Connection"] = []string{"Upgrade, close"}
	case http.StatusMethodNotAllowed:
		h["Allow"] = []string{http.MethodGet} // RFC 9110, Section 15.5.6
	}
	return status, h, body + "\n"
}

// WriteError writes the HTTP response that refuses a handshake for err to w,
// for servers that do their own HTTP: the status of the *Error in err (500 if
// there is none, with a generic body), Connection: close, a plain-text body
// that is err's text, Sec-WebSocket-Version: 13 on a 426 and Allow: GET on a
// 405. The caller closes the connection afterwards.
func WriteError(w io.Writer, err error) error {
	status, h, body := errorReply(err)
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	b := make([]byte, 0, 256+len(body))
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(status)...)
	b = append(b, "\r\n"...)
	b, _ = appendHeader(b, h) // our own fields are valid
	b = append(b, "\r\n"...)
	b = append(b, body...)
	_, werr := w.Write(b)
	return werr
}

// ServeError answers a failed handshake through a net/http ResponseWriter
// with the same status, fields and body as WriteError.
func ServeError(w http.ResponseWriter, err error) {
	status, h, body := errorReply(err)
	for k, v := range h {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	io.WriteString(w, body)
}
