package interop

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
)

// nodeH2ClientJS is a WebSocket client over HTTP/2 built from Node's own
// http2 module (RFC 8441: it sends SETTINGS_ENABLE_CONNECT_PROTOCOL and
// :protocol) and the ws package's framing, which runs over any duplex
// stream: setSocket on the CONNECT stream. With argv[3] "deflate" it
// offers permessage-deflate through ws's own extension code. It echoes
// messages of up to 1 MiB (past every HTTP/2 window, so flow control
// runs both ways), closes with 1000 and prints what it saw as JSON.
const nodeH2ClientJS = `
const http2 = require('http2');
const crypto = require('crypto');
const WebSocket = require('ws');
// ws exports neither module; a file path is not subject to "exports".
const wsDir = require('path').dirname(require.resolve('ws'));
const PerMessageDeflate = require(wsDir + '/lib/permessage-deflate.js');
const extension = require(wsDir + '/lib/extension.js');
const [url, mode] = process.argv.slice(2);
const deflate = mode === 'deflate';
const out = {echoes: 0};
function done(o) { console.log(JSON.stringify(Object.assign(out, o || {}))); process.exit(0); }
setTimeout(() => done({error: 'timeout'}), 30000);
const session = http2.connect(url, {settings: {enableConnectProtocol: true}, rejectUnauthorized: false});
session.on('error', (e) => done({error: 'session: ' + e.message}));
session.once('remoteSettings', (settings) => {
  out.enableConnectProtocol = settings.enableConnectProtocol;
  const u = new URL(url);
  const headers = {
    ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': u.protocol.replace(':', ''),
    ':path': '/ws', ':authority': u.host,
    'sec-websocket-version': '13', 'sec-websocket-protocol': 'chat', 'origin': u.origin,
  };
  let pmd;
  if (deflate) {
    pmd = new PerMessageDeflate({}, false, 64 << 20);
    headers['sec-websocket-extensions'] = extension.format({[PerMessageDeflate.extensionName]: pmd.offer()});
  }
  const stream = session.request(headers, {endStream: false});
  stream.on('error', (e) => done({error: 'stream: ' + e.message}));
  stream.on('end', () => { out.streamEnded = true; });
  stream.on('response', (h) => {
    out.status = h[':status'];
    out.accept = h['sec-websocket-accept'] || null;
    out.protocol = h['sec-websocket-protocol'] || null;
    out.extensions = h['sec-websocket-extensions'] || null;
    if (out.status !== 200) return done();
    // A WebSocket made for a server-side socket (address null) gets none
    // of a client's defaults: closeTimeout would be undefined, which
    // setTimeout takes as 1 ms, destroying the stream right after close().
    const ws = new WebSocket(null, undefined, {closeTimeout: 30000});
    ws._isServer = false; // the client's role: mask every frame (RFC 6455, Section 5.3)
    if (pmd && out.extensions) {
      pmd.accept(extension.parse(out.extensions)[PerMessageDeflate.extensionName]);
      ws._extensions[PerMessageDeflate.extensionName] = pmd;
    }
    // The options a ws client gets from its constructor (websocket.js,
    // initAsClient): events as frames arrive, so the server's Close frame is
    // handled before the END_STREAM that follows it.
    ws.setSocket(stream, Buffer.alloc(0), {allowSynchronousEvents: true, maxPayload: 64 << 20});
    const msgs = ['hello over HTTP/2', Buffer.from([0, 1, 255]), crypto.randomBytes(1 << 20), 'websocket '.repeat(100000)];
    let i = 0;
    const next = () => { if (i === msgs.length) { ws.close(1000, 'bye'); return; } ws.send(msgs[i]); };
    ws.on('message', (data, isBinary) => {
      const want = msgs[i];
      const ok = typeof want === 'string' ? !isBinary && data.toString() === want : isBinary && want.equals(data);
      if (!ok) return done({error: 'echo of message ' + i + ' differs'});
      out.echoes = ++i;
      next();
    });
    ws.on('close', (code, reason) => {
      out.closeCode = code;
      out.closeReason = reason.toString();
      stream.on('close', () => { out.rstCode = stream.rstCode; done(); });
      if (stream.closed) { out.rstCode = stream.rstCode; done(); }
    });
    next();
  });
});
`

// TestNodeHTTP2Client: Node's http2 module with ws's framing opens
// WebSockets on our server by extended CONNECT (RFC 8441), over cleartext
// HTTP/2 with prior knowledge and over TLS with ALPN h2, with and without
// permessage-deflate: messages up to 1 MiB come back intact, both sides
// close with 1000, and the stream ends with END_STREAM.
func TestNodeHTTP2Client(t *testing.T) {
	node, modules := requireNode(t)
	for _, tt := range []struct {
		name, mode string
		tls        bool
	}{
		{"h2c", "plain", false},
		{"h2c deflate", "deflate", false},
		{"TLS", "plain", true},
		{"TLS deflate", "deflate", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			type seen struct {
				proto      int
				compressed bool
				code       conn.CloseCode
			}
			served := make(chan seen, 1)
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				opts := &conn.AcceptOptions{Options: conn.Options{ReadLimit: 4 << 20, Compression: conn.Compression{Enable: true}}}
				opts.Subprotocols = []string{"chat"}
				ep, err := conn.Accept(w, r, opts)
				if err != nil {
					t.Errorf("Accept over %s: %v", r.Proto, err)
					return
				}
				s := seen{proto: r.ProtoMajor, compressed: ep.Compressed()}
				var buf []byte
				for {
					op, p, err := ep.ReadMessage(buf[:0])
					if err != nil {
						s.code = conn.CloseStatus(err)
						break
					}
					buf = p
					ep.WriteMessage(op, p)
				}
				<-ep.Done()
				served <- s
			})
			srv := httptest.NewUnstartedServer(h)
			if tt.tls {
				srv.EnableHTTP2 = true
				srv.StartTLS()
			} else {
				srv.Config.Protocols = new(http.Protocols)
				srv.Config.Protocols.SetUnencryptedHTTP2(true)
				srv.Start()
			}
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			out, err := nodeScript(t, ctx, node, modules, nodeH2ClientJS, srv.URL, tt.mode).Output()
			if err != nil {
				var stderr []byte
				if ee, ok := err.(*exec.ExitError); ok {
					stderr = ee.Stderr
				}
				t.Fatalf("node: %v\n%s%s", err, out, stderr)
			}
			var got struct {
				EnableConnectProtocol bool
				Status                int
				Accept, Protocol      *string
				Extensions            *string
				Echoes                int
				CloseCode             int
				CloseReason           string
				StreamEnded           bool
				RstCode               *int
				Error                 string
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("node printed %q: %v", out, err)
			}
			t.Logf("node: %s", strings.TrimSpace(string(out)))
			switch {
			case got.Error != "":
				t.Fatalf("node: %s", got.Error)
			case !got.EnableConnectProtocol:
				t.Fatal("server did not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441, Section 3)")
			case got.Status != 200 || got.Accept != nil:
				t.Fatalf("response %d, Sec-WebSocket-Accept %v; want 200 without it (RFC 8441, Section 5)", got.Status, got.Accept)
			case got.Protocol == nil || *got.Protocol != "chat":
				t.Errorf("subprotocol %v, want chat", got.Protocol)
			case (got.Extensions != nil) != (tt.mode == "deflate"):
				t.Errorf("extensions %v with mode %s", got.Extensions, tt.mode)
			case got.Echoes != 4 || got.CloseCode != 1000:
				t.Fatalf("%d echoes, close %d; want 4 and 1000", got.Echoes, got.CloseCode)
			case !got.StreamEnded:
				t.Error("Node saw no END_STREAM from the server (RFC 8441, Section 5)")
			case got.RstCode != nil && *got.RstCode != 0:
				t.Errorf("stream reset with code %d after the close handshake", *got.RstCode)
			}
			select {
			case s := <-served:
				if s.proto != 2 || s.code != 1000 || s.compressed != (tt.mode == "deflate") {
					t.Errorf("server: HTTP/%d, close %d, compressed %v", s.proto, s.code, s.compressed)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("handler did not return after the close handshake")
			}
		})
	}
}
