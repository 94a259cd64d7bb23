package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestAnnotate(t *testing.T) {
	b, err := readHex(strings.NewReader("# RFC 6455, Section 5.7\n@from client\n81 85 37 fa 21 3d  # header\n7f 9f 4d 51 58\n"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := annotate(&out, b, "client"); err != nil {
		t.Fatal(err)
	}
	want := `@want ok
81                      # FIN=1  RSV1-3=000  opcode=0x1 (text)
85                      # MASK=1  payload length=5 (7-bit form)
37 fa 21 3d             # masking key
7f 9f 4d 51 58          # payload: "Hello" XOR masking key
`
	if out.String() != want {
		t.Fatalf("annotate =\n%s\nwant\n%s", out.String(), want)
	}
	out.Reset()
	if err := annotate(&out, []byte{0x81, 0x05, 'H'}, "server"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "@want incomplete  # 1 of 5 payload bytes\n") {
		t.Fatalf("annotate(cut frame) =\n%s", out.String())
	}
}
