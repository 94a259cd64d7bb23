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
	cases := suiteCases(t)
	srv := httptest.NewServer(echo.Handler(nil))
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	opts := runOptions("rfc6455-ws server")
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
	logSummary(t, "server", results, time.Since(start))
}
