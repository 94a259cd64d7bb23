package conform_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/internal/conform"
	"github.com/rfc6455/ws/internal/echo"
)

func TestServerSuite(t *testing.T) {
	serverSuite(t, "rfc6455-ws server", &echo.Options{})
}

// TestServerSuiteStreaming runs the suite against the echo handler in
// streaming mode (NextReader to NextWriter, fragment by fragment).
func TestServerSuiteStreaming(t *testing.T) {
	serverSuite(t, "rfc6455-ws server (streaming)", &echo.Options{Streaming: true})
}

func serverSuite(t *testing.T, agent string, eopts *echo.Options) {
	cases := suiteCases(t)
	srv := httptest.NewServer(echo.Handler(eopts))
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	opts := runOptions(agent)
	start := time.Now()
	var results []*conform.Result
	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			if why, ok := skip["server "+c.ID]; ok {
				t.Skip(why)
			}
			r := conform.RunServerCase(context.Background(), url, c, opts)
			results = append(results, r)
			check(t, r)
		})
	}
	logSummary(t, agent, results, time.Since(start))
}
