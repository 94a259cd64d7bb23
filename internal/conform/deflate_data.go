package conform

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync"
	"unicode/utf8"
)

// The test data of groups 12 and 13 (catalogue, section 11): data of the
// same character and about the same size as the Autobahn|Testsuite's files,
// generated deterministically (the upstream files are not needed to test
// the behaviour). Text data is sliced in characters, binary in bytes.

// A deflateData is one test data file.
type deflateData struct {
	name   string
	text   bool   // sent as text messages
	data   []byte // binary data
	runes  []rune // text data, as characters
	nbytes int
}

var deflateDataOnce sync.Once
var deflateDataSets [5]*deflateData

// deflateDataSet returns the data of 12.d (d = 1..5); 13.x use 12.1's.
func deflateDataSet(d int) *deflateData {
	deflateDataOnce.Do(func() {
		mk := func(name string, text bool, b []byte) *deflateData {
			dd := &deflateData{name: name, text: text, data: b, nbytes: len(b)}
			if text {
				dd.runes = []rune(string(b))
				dd.data = nil
			}
			return dd
		}
		deflateDataSets = [5]*deflateData{
			mk("a large JSON document", true, genJSON(194056)),
			mk("a 512x512 grey-scale BMP picture", false, genBMP()),
			mk("German prose (sent as binary)", false, genProse(222218)),
			mk("a large HTML page", true, genHTML(263647)),
			mk("a PDF-like file (mostly compressed streams)", false, genPDF(1042328)),
		}
	})
	return deflateDataSets[d-1]
}

// message returns message i of n units: consecutive slices of the data,
// wrapping around at its end.
func (dd *deflateData) message(i, n int) []byte {
	if dd.text {
		out := make([]byte, 0, n+n/4)
		pos := (i * n) % len(dd.runes)
		for k := 0; k < n; k++ {
			out = utf8.AppendRune(out, dd.runes[pos])
			pos++
			if pos == len(dd.runes) {
				pos = 0
			}
		}
		return out
	}
	out := make([]byte, n)
	pos := (i * n) % len(dd.data)
	for k := 0; k < n; {
		c := copy(out[k:], dd.data[pos:])
		k += c
		pos = (pos + c) % len(dd.data)
	}
	return out
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func genJSON(n int) []byte {
	r := rand.New(rand.NewPCG(12, 1))
	names := []string{"Anna", "Björn", "Chloé", "Dmitri", "Eva", "François", "Günther", "Hana", "Ivan", "Jürgen", "Kōji", "Łukasz"}
	cities := []string{"Berlin", "Köln", "München", "Zürich", "Paris", "Kraków", "東京", "São Paulo", "Reykjavík"}
	tags := []string{"alpha", "beta", "gamma", "delta", "websocket", "deflate", "rfc6455", "rfc7692", "json"}
	var b bytes.Buffer
	b.WriteString("[\n")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `  {"id": %d, "name": %q, "city": %q, "score": %d.%02d, "active": %v, "tags": [%q, %q], "address": {"street": "%s-Straße %d", "zip": "%05d"}},`+"\n",
			i, pick(r, names), pick(r, cities), r.IntN(1000), r.IntN(100), r.IntN(2) == 0, pick(r, tags), pick(r, tags), pick(r, cities), r.IntN(200), r.IntN(100000))
	}
	return truncUTF8(b.Bytes(), n)
}

// truncUTF8 cuts b to at most n bytes on a character boundary.
func truncUTF8(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	b = b[:n]
	for len(b) > 0 && !utf8.Valid(b[max(0, len(b)-4):]) {
		b = b[:len(b)-1]
	}
	return b
}

func genBMP() []byte {
	const w, h = 512, 512
	var b bytes.Buffer
	// BITMAPFILEHEADER + BITMAPINFOHEADER, 8 bits per pixel, a grey palette.
	b.WriteString("BM")
	binary.Write(&b, binary.LittleEndian, uint32(54+1024+w*h))
	binary.Write(&b, binary.LittleEndian, [2]uint16{})
	binary.Write(&b, binary.LittleEndian, uint32(54+1024))
	binary.Write(&b, binary.LittleEndian, []uint32{40, w, h})
	binary.Write(&b, binary.LittleEndian, []uint16{1, 8})
	binary.Write(&b, binary.LittleEndian, []uint32{0, w * h, 2835, 2835, 256, 256})
	for i := 0; i < 256; i++ {
		b.Write([]byte{byte(i), byte(i), byte(i), 0})
	}
	r := rand.New(rand.NewPCG(12, 2))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := (x*x+y*y)/2048 + (x^y)/16 + r.IntN(6) // smooth shapes plus sensor noise
			b.WriteByte(byte(v))
		}
	}
	return b.Bytes()
}

func genProse(n int) []byte {
	r := rand.New(rand.NewPCG(12, 3))
	words := []string{"Habe", "nun", "ach", "Philosophie", "Juristerei", "und", "Medizin", "leider", "auch", "Theologie",
		"durchaus", "studiert", "mit", "heißem", "Bemühn", "Da", "steh", "ich", "armer", "Tor", "bin", "so", "klug",
		"als", "wie", "zuvor", "Heiße", "Magister", "Doktor", "gar", "Geist", "Welt", "Herz", "Mephistopheles",
		"Faust", "Gretchen", "Schüler", "Nacht", "Stube", "Himmel", "Erde", "Kräfte", "Wirken", "Möglichkeit", "der", "die", "das"}
	var b bytes.Buffer
	for b.Len() < n {
		line := 3 + r.IntN(8)
		for i := 0; i < line; i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(pick(r, words))
		}
		b.WriteString(pick(r, []string{",\n", ".\n", "!\n", ";\n", "?\n\n"}))
	}
	return b.Bytes()[:n]
}

func genHTML(n int) []byte {
	r := rand.New(rand.NewPCG(12, 4))
	words := []string{"WebSocket", "protocol", "frame", "message", "server", "client", "compression", "window", "the", "a", "of", "and", "überall", "naïve"}
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Test page</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\"></head>\n<body>\n")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "<div class=\"item item-%d\" id=\"row-%d\"><h2><a href=\"/articles/%d.html\">", i%7, i, r.IntN(100000))
		for k := 0; k < 3+r.IntN(5); k++ {
			b.WriteString(pick(r, words) + " ")
		}
		b.WriteString("</a></h2>\n  <p>")
		for k := 0; k < 10+r.IntN(30); k++ {
			b.WriteString(pick(r, words) + " ")
		}
		fmt.Fprintf(&b, "</p>\n  <ul><li>%d views</li><li>%d comments</li></ul></div>\n", r.IntN(10000), r.IntN(100))
	}
	return truncUTF8(b.Bytes(), n)
}

func genPDF(n int) []byte {
	r := rand.New(rand.NewPCG(12, 5))
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	for obj := 1; b.Len() < n; obj++ {
		fmt.Fprintf(&b, "%d 0 obj\n<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents %d 0 R >>\nendobj\n", obj, obj+1)
		size := 2000 + r.IntN(30000)
		fmt.Fprintf(&b, "%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n", obj+1, size)
		for i := 0; i < size; i++ {
			b.WriteByte(byte(r.Uint32())) // already compressed: incompressible
		}
		b.WriteString("\nendstream\nendobj\n")
		obj++
	}
	return b.Bytes()[:n]
}
