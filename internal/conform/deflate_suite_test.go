package conform_test

import (
	"strings"
	"testing"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/internal/conform"
)

// Groups 12 and 13 (permessage-deflate, RFC 7692) against our own server
// (both echo modes) and client, in process. Each case sends
// deflateMessages messages instead of the catalogue's 1000 (every size,
// fragmentation and negotiation is still run); cmd/wsconform runs the full
// count.

func deflateCases(t *testing.T) []*conform.Case {
	cases, err := conform.Select(conform.All(), "12.*,13.*", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 216 {
		t.Fatalf("%d cases in groups 12 and 13, want 216", len(cases))
	}
	if deflateRows == nil {
		return cases
	}
	var out []*conform.Case
	for _, c := range cases {
		if deflateRows[c.ID[strings.LastIndexByte(c.ID, '.')+1:]] {
			out = append(out, c)
		}
	}
	return out
}

func deflateRunOptions(agent string) *conform.Options {
	o := runOptions(agent)
	o.DeflateMessages = deflateMessages
	return o
}

// compression is what our server and client use: on, with a read limit for
// the 131072-character text messages (up to 4 bytes each).
func compression() conn.Options {
	return conn.Options{ReadLimit: 1 << 20, Compression: conn.Compression{Enable: true}}
}

func TestDeflateServerSuite(t *testing.T) {
	t.Parallel()
	serverSuite(t, conn.AcceptOptions{Options: compression()}, deflateCases(t), deflateRunOptions, false)
}

func TestDeflateClientSuite(t *testing.T) {
	t.Parallel()
	// The client offers client_no_context_takeover: 13.2, 13.5, 13.6 and
	// 13.7 accept only a client that does.
	opts := compression()
	opts.Compression.ClientNoContextTakeover = true
	clientSuite(t, deflateCases(t), deflateRunOptions(""), &conn.DialOptions{Options: opts}, false)
}
