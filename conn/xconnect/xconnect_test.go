package xconnect_test

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rfc6455/ws/conn/xconnect"
)

// TestServerAdvertisesExtendedConnect checks the point of the package: a
// net/http server in a program that imports it sends
// SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441, Section 3) in its first
// SETTINGS frame, read here off the wire of a cleartext HTTP/2 connection.
func TestServerAdvertisesExtendedConnect(t *testing.T) {
	if !strings.Contains(os.Getenv("GODEBUG"), "http2xconnect=1") || !xconnect.Enabled() {
		t.Fatalf("GODEBUG = %q, Enabled() = %v; want http2xconnect=1 set before net/http's init", os.Getenv("GODEBUG"), xconnect.Enabled())
	}
	val, ok := serverSetting(t, 0x8) // SETTINGS_ENABLE_CONNECT_PROTOCOL
	if !ok || val != 1 {
		t.Fatalf("server SETTINGS_ENABLE_CONNECT_PROTOCOL = %d (present %v), want 1", val, ok)
	}
}

// serverSetting opens a cleartext HTTP/2 connection with prior knowledge
// to a new net/http server and returns the value of setting id in the
// server's first SETTINGS frame (RFC 9113, Sections 3.4 and 6.5).
func serverSetting(t *testing.T, id uint16) (uint32, bool) {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	// The client preface, then an empty SETTINGS frame.
	preface := "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + "\x00\x00\x00\x04\x00\x00\x00\x00\x00"
	if _, err := io.WriteString(c, preface); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	var hdr [9]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		t.Fatal(err)
	}
	// "The server connection preface consists of a potentially empty
	// SETTINGS frame" (RFC 9113, Section 3.4): type 0x4, stream 0.
	n := int(hdr[0])<<16 | int(hdr[1])<<8 | int(hdr[2])
	if hdr[3] != 0x4 || n%6 != 0 || n > 1<<10 {
		t.Fatalf("server's first frame header % x: not a SETTINGS frame", hdr)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(br, p); err != nil {
		t.Fatal(err)
	}
	for ; len(p) >= 6; p = p[6:] {
		if binary.BigEndian.Uint16(p) == id {
			return binary.BigEndian.Uint32(p[2:]), true
		}
	}
	return 0, false
}

// TestUserChoiceStands runs this test binary again with
// GODEBUG=http2xconnect=0: the package must leave that alone, and the
// server must then not advertise extended CONNECT.
func TestUserChoiceStands(t *testing.T) {
	if os.Getenv("XCONNECT_CHILD") == "1" {
		if xconnect.Enabled() {
			t.Fatalf("Enabled() = true with GODEBUG = %q", os.Getenv("GODEBUG"))
		}
		if val, _ := serverSetting(t, 0x8); val != 0 {
			t.Fatalf("server SETTINGS_ENABLE_CONNECT_PROTOCOL = %d with http2xconnect=0, want 0", val)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestUserChoiceStands$", "-test.v")
	cmd.Env = append(os.Environ(), "XCONNECT_CHILD=1", "GODEBUG=http2xconnect=0")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("child with GODEBUG=http2xconnect=0: %v\n%s", err, out)
	}
}
