package tlscert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSelfSignedServesH2: a server with the self-signed certificate
// negotiates h2 by ALPN with a client that trusts that certificate, for
// each of Hosts, and the key is ECDSA P-256.
func TestSelfSignedServesH2(t *testing.T) {
	cfg, err := Config("", "")
	if err != nil {
		t.Fatal(err)
	}
	cert := cfg.Certificates[0]
	if k, ok := cert.PrivateKey.(*ecdsa.PrivateKey); !ok || k.Curve != elliptic.P256() {
		t.Fatalf("key %T, want ECDSA P-256", cert.PrivateKey)
	}
	if d := cert.Leaf.NotAfter.Sub(time.Now()); d < Validity-2*time.Hour || d > Validity {
		t.Errorf("certificate valid for %v more, want about %v", d, Validity)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(r.Proto))
	}))
	srv.TLS = cfg
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		c, err := tls.Dial("tcp", srv.Listener.Addr().String(), &tls.Config{RootCAs: roots, ServerName: host, NextProtos: []string{"h2", "http/1.1"}})
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		if p := c.ConnectionState().NegotiatedProtocol; p != "h2" {
			t.Errorf("%s: ALPN chose %q, want h2", host, p)
		}
		c.Close()
	}
}

// TestConfigFiles loads a certificate and key from PEM files, and refuses
// one without the other.
func TestConfigFiles(t *testing.T) {
	cert, err := SelfSigned(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	cfg, err := Config(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(cfg.Certificates[0].Certificate[0]) != string(cert.Certificate[0]) {
		t.Error("loaded certificate differs from the file's")
	}
	if _, err := Config(certFile, ""); err == nil {
		t.Error("Config with a certificate and no key succeeded")
	}
}
