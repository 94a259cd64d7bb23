package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestDevTools opens a page through the DevTools protocol with the
// Network domain on and finds the page's request among the events.
func TestDevTools(t *testing.T) {
	path := Require(t)
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><p>hello</p>`)
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, dt, err := StartDevTools(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := dt.OpenPage(ctx, srv+"page", "Network"); err != nil {
		t.Fatal(err)
	}
	ev, err := dt.WaitEvent(ctx, "Network.responseReceived")
	if err != nil {
		t.Fatalf("%v\n%s", err, b.Output())
	}
	var p struct {
		Response struct {
			URL    string `json:"url"`
			Status int    `json:"status"`
		} `json:"response"`
	}
	if err := json.Unmarshal(ev.Params, &p); err != nil || p.Response.URL != srv+"page" || p.Response.Status != 200 {
		t.Fatalf("Network.responseReceived = %s, want %spage with 200", ev.Params, srv)
	}
	if _, err := dt.Call(ctx, "", "No.suchMethod", nil); err == nil {
		t.Error("an unknown method succeeded")
	}
}
