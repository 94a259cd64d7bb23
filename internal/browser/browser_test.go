package browser

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDumpDOM runs a script in the browser and reads the DOM it left.
func TestDumpDOM(t *testing.T) {
	path := Require(t)
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><p id="r">before</p>
<script>setTimeout(() => { document.getElementById("r").textContent = "after" }, 500)</script>`)
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dom, err := DumpDOM(ctx, path, srv, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dom, `<p id="r">after</p>`) {
		t.Errorf("DumpDOM = %q, want the script's change", dom)
	}
}

// TestStart opens a page that calls back to the server, then closes the browser.
func TestStart(t *testing.T) {
	path := Require(t)
	called := make(chan string, 1)
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/back" {
			select {
			case called <- r.URL.Query().Get("v"):
			default:
			}
			return
		}
		fmt.Fprint(w, `<!doctype html><script>fetch("/back?v=" + (1 + 1))</script>`)
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := Start(ctx, path, srv)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	select {
	case v := <-called:
		if v != "2" {
			t.Errorf("page called back with v=%q, want 2", v)
		}
	case <-b.Done():
		t.Fatalf("browser exited early:\n%s", b.Output())
	case <-ctx.Done():
		t.Fatalf("no call back from the page:\n%s", b.Output())
	}
	b.Close()
	select {
	case <-b.Done():
	default:
		t.Error("browser still running after Close")
	}
}

// serve runs h on 127.0.0.1 until the test ends and returns its URL.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String() + "/"
}
