package interop

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn"
	"github.com/rfc6455/ws/frame"
)

// nodeH2ServerJS is a WebSocket server over HTTP/2 written with Node's
// built-in http2 module, which supports RFC 8441 (settings
// enableConnectProtocol), and Node's ws package attached to each extended
// CONNECT stream: ws frames the WebSocket, http2 carries it. It echoes
// every message. Arguments: "h2c" or "tls CERT KEY". It prints "PORT n",
// then for each WebSocket "CONNECT path protocol ext" and "CLOSE code".
const nodeH2ServerJS = `
const http2 = require('http2');
const fs = require('fs');
const { WebSocket } = require('ws');
// ws exports no subpaths: its permessage-deflate and header parser are
// loaded from its directory (ws 8's WebSocketServer uses the same two).
const wsDir = require('path').dirname(require.resolve('ws'));
const PerMessageDeflate = require(wsDir + '/lib/permessage-deflate.js');
const extension = require(wsDir + '/lib/extension.js');
const maxPayload = 64 << 20;
const settings = { enableConnectProtocol: true };
const server = process.argv[2] === 'tls'
  ? http2.createSecureServer({ cert: fs.readFileSync(process.argv[3]), key: fs.readFileSync(process.argv[4]), settings })
  : http2.createServer({ settings });
server.on('stream', (stream, headers) => {
  // RFC 8441, Section 4: an extended CONNECT with :protocol websocket.
  if (headers[':method'] !== 'CONNECT' || headers[':protocol'] !== 'websocket' ||
      headers['sec-websocket-version'] !== '13') {
    stream.respond({ ':status': 400 });
    stream.end('not a WebSocket extended CONNECT');
    return;
  }
  const resp = { ':status': 200 };
  const extensions = {};
  const offer = headers['sec-websocket-extensions'];
  if (offer) {
    const offers = extension.parse(offer);
    if (offers[PerMessageDeflate.extensionName]) {
      // Newer ws 8 releases take one options object, older ones
      // (options, isServer, maxPayload): this call suits both.
      const pmd = new PerMessageDeflate({ threshold: 0, isServer: true, maxPayload }, true, maxPayload);
      pmd.accept(offers[PerMessageDeflate.extensionName]);
      extensions[PerMessageDeflate.extensionName] = pmd;
      resp['sec-websocket-extensions'] = extension.format({ [PerMessageDeflate.extensionName]: [pmd.params] });
    }
  }
  const protos = headers['sec-websocket-protocol'];
  const ws = new WebSocket(null, undefined, {});
  if (protos) {
    const p = protos.split(',')[0].trim();
    resp['sec-websocket-protocol'] = p;
    ws._protocol = p;
  }
  ws._extensions = extensions;
  stream.respond(resp);
  console.log('CONNECT ' + headers[':path'] + ' ' + (protos || '-') + ' ' + (resp['sec-websocket-extensions'] || '-'));
  ws.setSocket(stream, Buffer.alloc(0), { maxPayload, allowSynchronousEvents: true });
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('close', (code) => console.log('CLOSE ' + code));
  ws.on('error', (err) => console.log('ERROR ' + err.message));
});
server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
`

// selfSigned writes a certificate and key for 127.0.0.1 into dir and
// returns their paths and a pool trusting the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// startNode runs a Node script and returns the port it prints and a
// channel of its later output lines, closed when it exits.
func startNode(t *testing.T, ctx context.Context, cmd *exec.Cmd) (string, <-chan string) {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case l, ok := <-lines:
		if port, found := strings.CutPrefix(l, "PORT "); ok && found {
			return port, lines
		}
		t.Fatalf("Node printed %q, want PORT n (stderr: %s)", l, stderr.String())
	case <-ctx.Done():
		t.Fatal("Node server did not start")
	}
	return "", nil
}

// waitLine returns the first line of lines with prefix, or "".
func waitLine(lines <-chan string, prefix string, d time.Duration) string {
	timeout := time.After(d)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return ""
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-timeout:
			return ""
		}
	}
}

// TestH2ClientNodeServer: our client over HTTP/2 against Node's http2
// server with extended CONNECT, cleartext (prior knowledge) and TLS (ALPN),
// with Node's ws framing on the stream: messages up to 1 MiB both ways,
// permessage-deflate (on the first WebSocket, messages to 64 KiB), a
// subprotocol, three WebSockets on one pooled connection at once, and a
// clean close seen by Node as 1000.
func TestH2ClientNodeServer(t *testing.T) {
	node, modules := requireNode(t)
	for _, mode := range []string{"h2c", "tls"} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			args := []string{"h2c"}
			opts := &conn.DialOptions{HTTPVersion: conn.HTTP2, Proxy: noProxy,
				Options: conn.Options{ReadLimit: 4 << 20, Compression: conn.Compression{Enable: true}}}
			scheme := "ws"
			if mode == "tls" {
				certFile, keyFile, pool := selfSigned(t, t.TempDir())
				args = []string{"tls", certFile, keyFile}
				opts.TLSConfig = &tls.Config{RootCAs: pool}
				opts.HTTPVersion = conn.HTTPAuto // ALPN h2 + extended CONNECT: HTTP/2 without asking
				scheme = "wss"
			}
			port, lines := startNode(t, ctx, nodeScript(t, ctx, node, modules, nodeH2ServerJS, args...))
			opts.Pool = &conn.HTTP2Pool{}
			defer opts.Pool.Close()
			opts.Subprotocols = []string{"echo"}
			url := scheme + "://127.0.0.1:" + port + "/chat?room=1"

			eps := make([]*conn.Endpoint, 3)
			for i := range eps {
				// The first WebSocket offers permessage-deflate, the others
				// do not (deflate under -race is slow; the framing is the same).
				o := *opts
				o.Compression.Enable = i == 0
				ep, resp, err := conn.Dial(ctx, url, &o)
				if err != nil {
					t.Fatalf("Dial %d: %v", i, err)
				}
				if resp.ProtoMajor != 2 || resp.StatusCode != 200 {
					t.Fatalf("Dial %d: %s %d, want HTTP/2 200", i, resp.Proto, resp.StatusCode)
				}
				if ep.Compressed() != (i == 0) || ep.Subprotocol() != "echo" {
					t.Errorf("Dial %d: compressed %v, subprotocol %q; want permessage-deflate on the first only, and echo", i, ep.Compressed(), ep.Subprotocol())
				}
				want := "CONNECT /chat?room=1 echo -"
				if i == 0 {
					want = "CONNECT /chat?room=1 echo permessage-deflate"
				}
				if l := waitLine(lines, "CONNECT ", 10*time.Second); !strings.HasPrefix(l, want) {
					t.Errorf("Node saw %q, want %q", l, want)
				}
				eps[i] = ep
			}
			errs := make(chan error, len(eps))
			for i, ep := range eps {
				go func() {
					ep.SetDeadline(time.Now().Add(40 * time.Second))
					for j, m := range messages() {
						if j%len(eps) != i && m.N > 1000 || i == 0 && m.N > 200_000 {
							continue // the big ones are spread over the streams
						}
						op := frame.OpText
						if m.Binary {
							op = frame.OpBinary
						}
						want := payload(m)
						if err := ep.WriteMessage(op, want); err != nil {
							errs <- fmt.Errorf("stream %d message %d: write: %w", i, j, err)
							return
						}
						gop, p, err := ep.ReadMessage(nil)
						if err != nil || gop != op || string(p) != string(want) {
							errs <- fmt.Errorf("stream %d message %d (%d bytes): echo %v, %d bytes, %v", i, j, m.N, gop, len(p), err)
							return
						}
					}
					errs <- ep.Close(frame.CloseNormal, "done")
				}()
			}
			for range eps {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
			for i := range eps {
				if l := waitLine(lines, "CLOSE ", 10*time.Second); l != "CLOSE 1000" {
					t.Errorf("WebSocket %d: Node printed %q, want CLOSE 1000", i, l)
				}
			}
		})
	}
}

// noProxy dials directly whatever the environment says.
func noProxy(*http.Request) (*url.URL, error) { return nil, nil }
