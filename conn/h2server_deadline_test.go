package conn

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"
)

// A deadline's channel closes when it passes, runs onExpire once, and a
// new deadline (or none) gives an open channel again.
func TestH2DeadlineResets(t *testing.T) {
	var d deadline
	d.init()
	expired := make(chan struct{}, 4)
	d.onExpire = func() { expired <- struct{}{} }
	defer d.stop()

	d.set(time.Now().Add(-time.Second))
	if !isClosedChan(d.done()) {
		t.Fatal("a deadline in the past left done open")
	}
	h2sRecv(t, expired, time.Second, "onExpire for a past deadline")

	d.set(time.Time{})
	if isClosedChan(d.done()) {
		t.Fatal("clearing the deadline left done closed")
	}

	d.set(time.Now().Add(20 * time.Millisecond))
	if isClosedChan(d.done()) {
		t.Fatal("a future deadline closed done at once")
	}
	if !h2sClosedWithin(d.done(), 2*time.Second) {
		t.Fatal("done stayed open past the deadline")
	}
	h2sRecv(t, expired, time.Second, "onExpire from the timer")

	// Moving the deadline before it fires cancels the old one.
	d.set(time.Now().Add(10 * time.Millisecond))
	d.set(time.Now().Add(time.Hour))
	if h2sClosedWithin(d.done(), 100*time.Millisecond) {
		t.Fatal("a deadline moved to later fired at the earlier time")
	}
}

// Read's promise: a read deadline that passes returns
// os.ErrDeadlineExceeded and leaves the stream as it was, so the next Read
// gets the peer's bytes.
func TestH2StreamReadResumesAfterDeadline(t *testing.T) {
	pr, pw := io.Pipe()
	r := httptest.NewRequest(http.MethodConnect, "/", pr)
	w := httptest.NewRecorder()
	s := newH2Stream(w, http.NewResponseController(w), r)
	defer s.Close()

	s.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	buf := make([]byte, 8)
	if _, err := s.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past the deadline: %v, want os.ErrDeadlineExceeded", err)
	}
	s.SetReadDeadline(time.Time{})
	go pw.Write([]byte("hi"))
	n, err := s.Read(buf)
	if err != nil || string(buf[:n]) != "hi" {
		t.Fatalf("Read after the deadline: %q, %v; want \"hi\", nil", buf[:n], err)
	}
	pw.CloseWithError(io.ErrUnexpectedEOF)
	if _, err := s.Read(buf); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Read after the body failed: %v, want its error", err)
	}
}
