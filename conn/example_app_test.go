package conn_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/rpc"
	"net/url"
	"strings"
	"time"

	"github.com/rfc6455/ws/conn"
)

// echoServer is the server of these examples: it echoes every message.
func echoServer(newServer func(http.Handler) *httptest.Server) *httptest.Server {
	return newServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, err := conn.Accept(w, r, nil)
		if err != nil {
			return
		}
		go func() {
			defer ep.Close(conn.CloseNormal, "")
			var buf []byte
			for {
				op, p, err := ep.ReadMessage(buf)
				if err != nil || ep.WriteMessage(op, p) != nil {
					return
				}
				buf = p
			}
		}()
	}))
}

func exampleURL(srv *httptest.Server) string {
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// Errors: every read after the end returns a conn.CloseError. Its Code
// says how the connection ended, and Err says who ended it: nil when the
// peer sent a Close frame (Code and Reason are the peer's), the rule the
// peer broke when this end failed the connection (1002, 1007, 1009, with
// our own reason), or the I/O error when TCP dropped without a Close
// frame (1006).
func Example_errorHandling() {
	describe := func(err error) string {
		var ce conn.CloseError
		if !errors.As(err, &ce) {
			return "not closed: " + err.Error() // a timeout, a context: retry or give up
		}
		switch {
		case ce.Err == nil && (ce.Code == conn.CloseNormal || ce.Code == conn.CloseGoingAway):
			return fmt.Sprintf("%d: the peer closed cleanly (%q)", ce.Code, ce.Reason)
		case ce.Err == nil:
			return fmt.Sprintf("%d: the peer closed with an error code (%q)", ce.Code, ce.Reason)
		case ce.Code == conn.CloseAbnormal:
			return "1006: the connection dropped without a close handshake"
		default:
			return fmt.Sprintf("%d: the peer broke a rule, we closed (%s)", ce.Code, ce.Reason)
		}
	}
	// Each case: raw bytes a peer sends to our server endpoint (client
	// frames are masked; a zero mask key leaves the payload as is).
	cases := [][]byte{
		{0x88, 0x84, 0, 0, 0, 0, 0x03, 0xe8, 'o', 'k'},           // Close 1000 "ok"
		{0x88, 0x86, 0, 0, 0, 0, 0x03, 0xe9, 'b', 'y', 'e', '!'}, // Close 1001 "bye!"
		{0x83, 0x80, 0, 0, 0, 0},                                 // reserved opcode 3: 1002
		{0x81, 0x82, 0, 0, 0, 0, 0xc3, 0x28},                     // text that is not UTF-8: 1007
		{0x82, 0xfe, 0x10, 0x00, 0, 0, 0, 0},                     // 4096 bytes announced, limit 1024: 1009
		{0x82, 0x85, 0, 0, 0, 0, 'h', 'e'},                       // cut short, then TCP drops: 1006
	}
	for _, raw := range cases {
		server, peer := net.Pipe()
		ep := conn.NewEndpoint(server, nil, conn.Server, &conn.Options{ReadLimit: 1024, CloseTimeout: 100 * time.Millisecond})
		go func() {
			peer.Write(raw)
			if raw[0] == 0x82 && raw[1] == 0x85 {
				peer.Close()
			}
			io.Copy(io.Discard, peer) // read our Close frame, if any
		}()
		_, _, err := ep.ReadMessage(nil)
		fmt.Println(describe(err))
		peer.Close()
	}
	// Output:
	// 1000: the peer closed cleanly ("ok")
	// 1001: the peer closed cleanly ("bye!")
	// 1002: the peer broke a rule, we closed (reserved opcode)
	// 1007: the peer broke a rule, we closed (text message is not valid UTF-8)
	// 1009: the peer broke a rule, we closed (message too big)
	// 1006: the connection dropped without a close handshake
}

// Keepalive: a client pings every KeepAlive and fails the connection
// (1006, Err conn.ErrKeepAliveTimeout) if nothing at all comes back within
// KeepAliveTimeout. Any frame from the peer counts as an answer.
func Example_keepAlive() {
	client, silent := net.Pipe() // a peer that never answers
	go io.Copy(io.Discard, silent)
	defer silent.Close()
	ep := conn.NewEndpoint(client, nil, conn.Client, &conn.Options{
		KeepAlive:        50 * time.Millisecond, // in production: tens of seconds
		KeepAliveTimeout: 50 * time.Millisecond,
	})
	_, _, err := ep.ReadMessage(nil)
	var ce conn.CloseError
	fmt.Println(errors.As(err, &ce), ce.Code, errors.Is(err, conn.ErrKeepAliveTimeout))
	// Output:
	// true 1006 (abnormal closure) true
}

// TLS: a wss:// URL runs TLS before the handshake with DialOptions.TLSConfig
// (here trusting the test server's certificate); the response's TLS field
// describes the connection, as net/http's client sets it for https.
func Example_tls() {
	srv := echoServer(httptest.NewTLSServer)
	defer srv.Close()
	tlsConfig := &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}

	ep, resp, err := conn.Dial(context.Background(), exampleURL(srv), &conn.DialOptions{TLSConfig: tlsConfig})
	if err != nil {
		log.Fatal(err)
	}
	defer ep.Close(conn.CloseNormal, "")
	fmt.Println(strings.HasPrefix(exampleURL(srv), "wss://"), resp.TLS.HandshakeComplete)
	ep.WriteMessage(conn.OpText, []byte("over TLS"))
	_, p, _ := ep.ReadMessage(nil)
	fmt.Println(string(p))
	// Output:
	// true true
	// over TLS
}

// Proxy: Dial goes through an HTTP proxy with a CONNECT tunnel (RFC 9110,
// Section 9.3.6). By default it takes the proxy from HTTP_PROXY and
// HTTPS_PROXY (ignoring loopback addresses); DialOptions.Proxy chooses
// one explicitly, here a small CONNECT proxy.
func Example_proxy() {
	srv := echoServer(httptest.NewServer)
	defer srv.Close()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		fmt.Println("proxy: CONNECT to the echo server:", r.Host == srv.Listener.Addr().String())
		target, err := net.Dial("tcp", r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
		client, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			target.Close()
			return
		}
		brw.Flush() // the 200
		// brw holds any bytes net/http read past the CONNECT request.
		go func() { io.Copy(target, brw); target.Close() }()
		io.Copy(client, target)
		client.Close()
	}))
	defer proxy.Close()
	proxyURL, _ := url.Parse(proxy.URL)

	ep, _, err := conn.Dial(context.Background(), exampleURL(srv), &conn.DialOptions{Proxy: http.ProxyURL(proxyURL)})
	if err != nil {
		log.Fatal(err)
	}
	ep.WriteMessage(conn.OpText, []byte("through the tunnel"))
	_, p, _ := ep.ReadMessage(nil)
	fmt.Println(string(p))
	ep.Close(conn.CloseNormal, "")
	// Output:
	// proxy: CONNECT to the echo server: true
	// through the tunnel
}

// Arith is the service of Example_netConn.
type Arith struct{}

// Multiply sets *product to args[0] * args[1].
func (Arith) Multiply(args [2]int, product *int) error {
	*product = args[0] * args[1]
	return nil
}

// NetConn: code written for a net.Conn runs over a WebSocket, here net/rpc.
// Each Write is one binary message; Read returns the messages' bytes in
// order.
func Example_netConn() {
	server := rpc.NewServer()
	server.Register(Arith{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, err := conn.Accept(w, r, nil)
		if err != nil {
			return
		}
		go server.ServeConn(ep.NetConn(conn.OpBinary))
	}))
	defer srv.Close()

	ep, _, err := conn.Dial(context.Background(), exampleURL(srv), nil)
	if err != nil {
		log.Fatal(err)
	}
	client := rpc.NewClient(ep.NetConn(conn.OpBinary))
	defer client.Close()
	var product int
	if err := client.Call("Arith.Multiply", [2]int{6, 7}, &product); err != nil {
		log.Fatal(err)
	}
	fmt.Println(product)
	// Output:
	// 42
}

// Contexts: every blocking call has a variant that takes a context. A read
// that its context ends returns the context's error and leaves the
// connection as it was: the next read goes on.
func ExampleEndpoint_ReadMessageContext() {
	srv := echoServer(httptest.NewServer)
	defer srv.Close()
	ep, _, err := conn.Dial(context.Background(), exampleURL(srv), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer ep.Close(conn.CloseNormal, "")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _, err = ep.ReadMessageContext(ctx, nil) // nothing was sent: it times out
	fmt.Println(errors.Is(err, context.DeadlineExceeded))

	ep.WriteMessageContext(context.Background(), conn.OpText, []byte("still open"))
	_, p, err := ep.ReadMessageContext(context.Background(), nil)
	fmt.Println(string(p), err)
	// Output:
	// true
	// still open <nil>
}

// Graceful shutdown: a Group tracks the connections its Accept upgrades;
// ShutdownServer stops the http.Server and closes every connection with
// 1001 at once, waiting at most until the context's deadline (and each
// close at most its CloseTimeout). Upgrades that come after get 503.
func ExampleGroup_ShutdownServer() {
	var conns conn.Group
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, err := conns.Accept(w, r, nil)
		if err != nil {
			return
		}
		go func() {
			for { // read until the end; Shutdown closes it
				if _, _, err := ep.ReadMessage(nil); err != nil {
					return
				}
			}
		}()
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(ln)

	url := "ws://" + ln.Addr().String() + "/"
	var clients []*conn.Endpoint
	for range 3 {
		ep, _, err := conn.Dial(context.Background(), url, nil)
		if err != nil {
			log.Fatal(err)
		}
		clients = append(clients, ep)
	}
	// Dial returns once the 101 has arrived; the server's Accept tracks
	// the connection just after writing it.
	for conns.Len() < 3 {
		time.Sleep(time.Millisecond)
	}
	fmt.Println("open:", conns.Len())

	done := make(chan error)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- conns.ShutdownServer(ctx, srv, conn.CloseGoingAway, "server shutting down")
	}()
	for _, ep := range clients {
		_, _, err := ep.ReadMessage(nil) // each client reads the server's Close
		var ce conn.CloseError
		errors.As(err, &ce)
		fmt.Println(ce.Code, ce.Reason)
	}
	fmt.Println("shutdown:", <-done, "open:", conns.Len())
	// Output:
	// open: 3
	// 1001 (going away) server shutting down
	// 1001 (going away) server shutting down
	// 1001 (going away) server shutting down
	// shutdown: <nil> open: 0
}
