// Package tlscert gives the development servers (cmd/wsecho -tls,
// cmd/wsdemo -tls) a TLS certificate: one loaded from files, or a
// self-signed ECDSA P-256 certificate for 127.0.0.1, ::1 and localhost,
// made in memory at start. Browsers and clients do not trust the
// self-signed one: run Chromium with --ignore-certificate-errors, or give
// a client the certificate as its root (cmd/wscat -insecure skips the
// check).
package tlscert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"time"
)

// Hosts are the names and addresses the self-signed certificate is for.
var Hosts = []string{"127.0.0.1", "::1", "localhost"}

// Validity is how long a self-signed certificate is valid from its making.
const Validity = 30 * 24 * time.Hour

// SelfSigned makes a self-signed certificate for Hosts with a new ECDSA
// P-256 key, valid from an hour before now (clock skew) for Validity.
// Nothing is written to disk. The certificate's Leaf is set.
func SelfSigned(now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"rfc6455/ws development server"}, CommonName: "localhost"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(Validity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range Hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// Config returns a server tls.Config holding the certificate in
// certFile and keyFile (PEM), or a self-signed one when both are empty.
// It sets no NextProtos: http.Server.ServeTLS adds h2 and http/1.1 for
// ALPN (RFC 7301) when HTTP/2 is on.
func Config(certFile, keyFile string) (*tls.Config, error) {
	var cert tls.Certificate
	var err error
	switch {
	case certFile == "" && keyFile == "":
		cert, err = SelfSigned(time.Now())
	case certFile == "" || keyFile == "":
		return nil, errors.New("tlscert: give both a certificate and a key file, or neither (self-signed)")
	default:
		cert, err = tls.LoadX509KeyPair(certFile, keyFile)
	}
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
