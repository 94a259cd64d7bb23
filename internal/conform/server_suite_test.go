package conform_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/internal/conform"
	"github.com/rfc6455/ws/internal/echo"
)

// TestServerSuite runs every case of groups 1-7, 9 and 10 against our echo
// server in both of its modes (serverSuite).
func TestServerSuite(t *testing.T) {
	t.Parallel() // runs beside TestClientSuite; cases within a suite run in order
	serverSuite(t, conn.AcceptOptions{}, suiteCases(t), runOptions, false)
}

// serverSuite runs cases against our echo server in both of its modes:
// whole messages (ReadMessage to WriteMessage) and streaming (NextReader
// to NextWriter, fragment by fragment). The two modes run each case side
// by side, on two servers, so the pauses of 5.19, 5.20 and 6.4.x are paid
// once. With http2 the servers also speak cleartext HTTP/2 (h2c) and every
// case runs on an RFC 8441 stream (conform.Options.HTTP2).
func serverSuite(t *testing.T, accept conn.AcceptOptions, cases []*conform.Case, optsFor func(agent string) *conform.Options, http2 bool) {
	modes := []struct {
		agent string
		opts  *echo.Options
	}{
		{"rfc6455-ws server", &echo.Options{AcceptOptions: accept}},
		{"rfc6455-ws server (streaming)", &echo.Options{AcceptOptions: accept, Streaming: true}},
	}
	urls := make([]string, len(modes))
	for i, m := range modes {
		srv := httptest.NewUnstartedServer(echo.Handler(m.opts))
		if http2 {
			srv.Config.Protocols = new(http.Protocols)
			srv.Config.Protocols.SetHTTP1(true)
			srv.Config.Protocols.SetUnencryptedHTTP2(true)
		}
		srv.Start()
		defer srv.Close()
		urls[i] = "ws" + strings.TrimPrefix(srv.URL, "http")
	}
	results := make([][]*conform.Result, len(modes))
	start := time.Now()
	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			if why, ok := skip["server "+c.ID]; ok {
				t.Skip(why)
			}
			rs := make([]*conform.Result, len(modes))
			var wg sync.WaitGroup
			for i, m := range modes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					o := optsFor(m.agent)
					o.HTTP2 = http2
					rs[i] = conform.RunServerCase(context.Background(), urls[i], c, o)
				}()
			}
			wg.Wait()
			for i, m := range modes {
				results[i] = append(results[i], rs[i])
				check(t, m.agent, rs[i])
			}
		})
	}
	for i, m := range modes {
		logSummary(t, m.agent, results[i], time.Since(start))
	}
}
