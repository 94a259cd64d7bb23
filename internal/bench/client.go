package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// A Receiver keeps what one client received of a run of updates, and
// checks that every update arrives exactly once and in order. It is used by
// one goroutine at a time.
type Receiver struct {
	Total      int64     // updates the run produces
	Last       int64     // highest sequence number received
	Got        int64     // updates received for the first time
	Duplicates int64     // updates received again
	Missing    int64     // updates skipped over (a later one came first)
	Requests   int64     // HTTP requests made (WebSocket: the handshake)
	Empty      int64     // requests answered with no update
	Latency    []float64 // per update received: receipt time minus creation time, seconds
}

// Receive records the receipt, at now (Unix nanoseconds), of the update
// with sequence number seq created at created (Unix nanoseconds).
func (rc *Receiver) Receive(seq, created, now int64) {
	switch {
	case seq <= rc.Last:
		rc.Duplicates++
		return
	case seq > rc.Last+1:
		rc.Missing += seq - rc.Last - 1
	}
	rc.Last = seq
	rc.Got++
	rc.Latency = append(rc.Latency, float64(now-created)/1e9)
}

// Done reports whether the last update of the run has been received.
func (rc *Receiver) Done() bool { return rc.Last >= rc.Total }

// Check returns an error unless every update 1..Total arrived exactly once.
func (rc *Receiver) Check() error {
	if rc.Got != rc.Total || rc.Duplicates != 0 || rc.Missing != 0 {
		return fmt.Errorf("bench: %d of %d updates received, %d duplicates, %d missing",
			rc.Got, rc.Total, rc.Duplicates, rc.Missing)
	}
	return nil
}

// A clientSide makes the client connections of a cell: counted by counter,
// with header added to every HTTP request and WebSocket handshake.
type clientSide struct {
	counter *Counter
	header  http.Header
}

// httpClient returns an HTTP/1.1 client whose connections are counted.
// Each simulated browser gets its own, as browsers share no connections.
func (cs clientSide) httpClient(keepAlive bool) (*http.Client, *http.Transport) {
	tr := &http.Transport{
		DialContext:         cs.counter.DialContext(nil),
		DisableKeepAlives:   !keepAlive,
		MaxIdleConnsPerHost: 1,
		IdleConnTimeout:     time.Minute,
	}
	var rt http.RoundTripper = tr
	if len(cs.header) > 0 {
		rt = headerTransport{tr, cs.header}
	}
	return &http.Client{Transport: rt, Timeout: 2 * time.Minute}, tr
}

// headerTransport adds header fields to every request.
type headerTransport struct {
	base   http.RoundTripper
	header http.Header
}

func (ht headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	for k, v := range ht.header {
		req.Header[k] = v
	}
	return ht.base.RoundTrip(req)
}

// BrowserHeader returns the request header fields a desktop Chromium adds
// to a same-origin fetch (no cookies), for measuring HTTP as browsers send
// it rather than as Go's client does.
func BrowserHeader() http.Header {
	return http.Header{
		"User-Agent":         {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"},
		"Accept":             {"*/*"},
		"Accept-Language":    {"en-US,en;q=0.9"},
		"Accept-Encoding":    {"gzip, deflate, br, zstd"},
		"Cache-Control":      {"no-cache"},
		"Pragma":             {"no-cache"},
		"Sec-Ch-Ua":          {`"Chromium";v="131", "Not_A Brand";v="24"`},
		"Sec-Ch-Ua-Mobile":   {"?0"},
		"Sec-Ch-Ua-Platform": {`"Linux"`},
		"Sec-Fetch-Dest":     {"empty"},
		"Sec-Fetch-Mode":     {"cors"},
		"Sec-Fetch-Site":     {"same-origin"},
	}
}

// getUpdates makes one polling or long-polling request for the updates
// after rc.Last and records what it brings.
func getUpdates(ctx context.Context, hc *http.Client, url string, rc *Receiver) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"?since="+strconv.FormatInt(rc.Last, 10), nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxEchoBody))
	now := time.Now().UnixNano()
	if err != nil {
		return err
	}
	rc.Requests++
	switch resp.StatusCode {
	case http.StatusNoContent:
		rc.Empty++
		return nil
	case http.StatusOK:
	default:
		return fmt.Errorf("bench: GET %s: %s", url, resp.Status)
	}
	n := 0
	err = parseBody(body, func(seq, created int64) error {
		n++
		rc.Receive(seq, created, now)
		return nil
	})
	if n == 0 {
		rc.Empty++
	}
	return err
}

// Poll receives updates by polling base's PathPoll: one request at once,
// then one at every tick, until the last update is in or ctx is done.
func Poll(ctx context.Context, hc *http.Client, base string, rc *Receiver, ticks <-chan time.Time) error {
	for {
		if err := getUpdates(ctx, hc, base+PathPoll, rc); err != nil {
			return err
		}
		if rc.Done() {
			return nil
		}
		select {
		case <-ticks:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// LongPoll receives updates by long polling base's PathLongPoll: a new
// request as soon as the previous one is answered, until the last update is
// in or ctx is done.
func LongPoll(ctx context.Context, hc *http.Client, base string, rc *Receiver) error {
	for !rc.Done() {
		if err := getUpdates(ctx, hc, base+PathLongPoll, rc); err != nil {
			return err
		}
	}
	return nil
}

// wsURL turns an http:// base URL into the ws:// URL of path.
func wsURL(base, path string) string {
	if rest, ok := strings.CutPrefix(base, "https://"); ok {
		return "wss://" + rest + path
	}
	return "ws://" + strings.TrimPrefix(base, "http://") + path
}
