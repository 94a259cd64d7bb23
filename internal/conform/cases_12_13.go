package conform

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/rfc6455/ws/frame"
	"github.com/rfc6455/ws/handshake"
	"github.com/rfc6455/ws/internal/deflate"
)

// Groups 12 and 13 of the catalogue (section 11): permessage-deflate
// (RFC 7692). The fuzzer negotiates the extension, then sends messages one
// at a time, each compressed and split into frames of the row's fragment
// size (RSV1 on the first only), and checks every echo for the same type and
// the same bytes. All back before the deadline: OK; anything else: FAILED;
// the extension not in effect: UNIMPLEMENTED. The fuzzer compresses with
// compress/flate (an implementation independent of the peer's), or with
// internal/deflate when it must keep to a window under 2^15, and inflates
// with compress/flate.

func init() {
	Register(group12()...)
	Register(group13()...)
}

// deflateSizes are the 18 size/fragmentation rows (catalogue, section 11).
var deflateSizes = []struct {
	n        int           // message size: bytes, or characters for text
	deadline time.Duration // for all the messages
	frag     int           // the fuzzer's frame size for the compressed data (0: one frame)
}{
	{16, 60 * time.Second, 0}, {64, 60 * time.Second, 0}, {256, 120 * time.Second, 0}, {1024, 240 * time.Second, 0},
	{4096, 480 * time.Second, 0}, {8192, 480 * time.Second, 0}, {16384, 480 * time.Second, 0}, {32768, 480 * time.Second, 0},
	{65536, 480 * time.Second, 0}, {131072, 480 * time.Second, 0},
	{8192, 480 * time.Second, 256}, {16384, 480 * time.Second, 256}, {32768, 480 * time.Second, 256},
	{65536, 480 * time.Second, 256}, {131072, 480 * time.Second, 256},
	{131072, 480 * time.Second, 1024}, {131072, 480 * time.Second, 4096}, {131072, 480 * time.Second, 32768},
}

const deflateMessageCount = 1000

// Offer parameters, abbreviated as in the catalogue.
var (
	cnct     = handshake.Param{Name: "client_no_context_takeover"}
	cmwb     = handshake.Param{Name: "client_max_window_bits"}
	snct     = handshake.Param{Name: "server_no_context_takeover"}
	smwb9    = handshake.Param{Name: "server_max_window_bits", Value: "9", HasValue: true}
	smwb15   = handshake.Param{Name: "server_max_window_bits", Value: "15", HasValue: true}
	cmwbResp = func(v string) handshake.Param {
		return handshake.Param{Name: "client_max_window_bits", Value: v, HasValue: true}
	}
)

func pmd(params ...handshake.Param) handshake.Extension {
	return handshake.Extension{Name: handshake.DeflateName, Params: params}
}

// A deflateRow is one 12.d or 13.p row: what the fuzzer offers as a client
// and how it answers as a server.
type deflateRow struct {
	id     string
	data   int // test data (12.d)
	offer  []handshake.Extension
	accept func([]handshake.Extension) []handshake.Extension
	what   string
}

// acceptAsOffered accepts the first valid permessage-deflate offer as is,
// requesting nothing extra (12.x, 13.1): parameters that bind the server
// are answered (RFC 7692, Sections 7.1.1.1 and 7.1.2.1), nothing else.
func acceptAsOffered(offers []handshake.Extension) []handshake.Extension {
	for _, e := range offers {
		p, err := handshake.ParseDeflateOffer(e)
		if err != nil || e.Name != handshake.DeflateName {
			continue
		}
		resp := pmd()
		if p.ServerNoContextTakeover {
			resp.Params = append(resp.Params, snct)
		}
		if p.ServerMaxWindowBits != 0 {
			resp.Params = append(resp.Params, handshake.Param{Name: "server_max_window_bits", Value: fmt.Sprint(p.ServerMaxWindowBits), HasValue: true})
		}
		return []handshake.Extension{resp}
	}
	return nil
}

// acceptIf accepts the first valid offer that advertises what the row
// needs (client_no_context_takeover, client_max_window_bits or both) and
// answers with the row's requests.
func acceptIf(needCNCT bool, cmwbValue string) func([]handshake.Extension) []handshake.Extension {
	return func(offers []handshake.Extension) []handshake.Extension {
		for _, e := range offers {
			p, err := handshake.ParseDeflateOffer(e)
			if err != nil || e.Name != handshake.DeflateName {
				continue
			}
			if (needCNCT && !p.ClientNoContextTakeover) || (cmwbValue != "" && p.ClientMaxWindowBits == 0) {
				continue
			}
			resp := acceptAsOffered([]handshake.Extension{e})[0]
			if needCNCT {
				resp.Params = append(resp.Params, cnct)
			}
			if cmwbValue != "" {
				resp.Params = append(resp.Params, cmwbResp(cmwbValue))
			}
			return []handshake.Extension{resp}
		}
		return nil
	}
}

func deflateRows() []deflateRow {
	var rows []deflateRow
	for d := 1; d <= 5; d++ {
		rows = append(rows, deflateRow{fmt.Sprintf("12.%d", d), d, []handshake.Extension{pmd(cnct, cmwb)}, acceptAsOffered,
			"default negotiation"})
	}
	either := func(fs ...func([]handshake.Extension) []handshake.Extension) func([]handshake.Extension) []handshake.Extension {
		return func(offers []handshake.Extension) []handshake.Extension {
			for _, f := range fs {
				if r := f(offers); r != nil {
					return r
				}
			}
			return nil
		}
	}
	rows = append(rows,
		deflateRow{"13.1", 1, []handshake.Extension{pmd(cnct, cmwb)}, acceptAsOffered, "offer cnct, cmwb; accept as offered"},
		deflateRow{"13.2", 1, []handshake.Extension{pmd(cnct, cmwb, snct)}, acceptIf(true, ""), "offer cnct, cmwb, snct; answer cnct"},
		deflateRow{"13.3", 1, []handshake.Extension{pmd(cnct, cmwb, smwb9)}, acceptIf(false, "9"), "offer cnct, cmwb, smwb=9; answer cmwb=9"},
		deflateRow{"13.4", 1, []handshake.Extension{pmd(cnct, cmwb, smwb15)}, acceptIf(false, "15"), "offer cnct, cmwb, smwb=15; answer cmwb=15"},
		deflateRow{"13.5", 1, []handshake.Extension{pmd(cnct, cmwb, snct, smwb9)}, acceptIf(true, "9"), "offer cnct, cmwb, snct, smwb=9; answer cnct, cmwb=9"},
		deflateRow{"13.6", 1, []handshake.Extension{pmd(cnct, cmwb, snct, smwb15)}, acceptIf(true, "15"), "offer cnct, cmwb, snct, smwb=15; answer cnct, cmwb=15"},
		deflateRow{"13.7", 1, []handshake.Extension{pmd(snct, smwb9, cnct, cmwb), pmd(snct, cnct, cmwb), pmd(cnct, cmwb)},
			either(acceptIf(true, "9"), acceptIf(true, ""), acceptAsOffered), "three offers in preference order; answer as 13.5, else 13.2, else 13.1"},
	)
	return rows
}

func group12() []*Case { return deflateCases("12.") }
func group13() []*Case { return deflateCases("13.") }

func deflateCases(prefix string) []*Case {
	var out []*Case
	for _, row := range deflateRows() {
		if row.id[:3] != prefix {
			continue
		}
		for k, sz := range deflateSizes {
			row, sz := row, sz
			dd := deflateDataSet(row.data)
			unit, kind := "bytes", "binary"
			if dd.text {
				unit, kind = "characters", "text"
			}
			frag := "unfragmented"
			if sz.frag > 0 {
				frag = fmt.Sprintf("in frames of %d bytes", sz.frag)
			}
			out = append(out, &Case{
				ID: fmt.Sprintf("%s.%d", row.id, k+1),
				Description: fmt.Sprintf("permessage-deflate (%s): send %d %s messages of %d %s of %s, compressed, %s, one at a time.",
					row.what, deflateMessageCount, kind, sz.n, unit, dd.name, frag),
				Expectation: fmt.Sprintf("Every echo has the same type and bytes, all within %v; clean close. UNIMPLEMENTED if permessage-deflate is not agreed.", sz.deadline),
				Offer:       row.offer,
				Accept:      row.accept,
				Timeout:     sz.deadline + 15*time.Second,
				Run: func(s *Session) {
					runDeflateCase(s, row, dd, sz.n, sz.frag, sz.deadline)
				},
			})
		}
	}
	return out
}

// agreedDeflate returns the parameters in effect for the fuzzer's side, or
// ok = false when permessage-deflate is not agreed.
func agreedDeflate(s *Session, row deflateRow) (p handshake.DeflateParams, ok bool, err error) {
	exts := s.Extensions()
	if s.IsClient() {
		// The server's response answers one of our offers: check it against
		// each in turn (RFC 7692, Section 5).
		for _, o := range row.offer {
			offered, _ := handshake.ParseDeflateOffer(o)
			if p, ok, err = handshake.CheckDeflateResponse(exts, offered); err == nil {
				return p, ok, nil
			}
		}
		return p, false, err
	}
	for _, e := range exts {
		if e.Name == handshake.DeflateName {
			p, err := handshake.ParseDeflateOffer(e) // our own answer
			if p.ServerMaxWindowBits == 0 {
				p.ServerMaxWindowBits = 15
			}
			return p, err == nil, err
		}
	}
	return p, false, nil
}

func runDeflateCase(s *Session, row deflateRow, dd *deflateData, n, frag int, deadline time.Duration) {
	s.Direct(true)
	s.ExpectClose(happyClose)
	p, ok, err := agreedDeflate(s, row)
	if !ok {
		if err != nil {
			s.SetResult(Failed, "invalid permessage-deflate response: "+err.Error())
		} else {
			s.SetResult(Unimplemented, "permessage-deflate is not in effect")
		}
		s.Close(frame.CloseNormal, "")
		s.Wait()
		return
	}
	// Our compressor: the client's parameters when we are the client. We
	// always offer client_no_context_takeover as a client, a promise we keep
	// (RFC 7692, Section 7.1.1.2).
	sendBits, sendNCT, recvNCT := p.ServerWindowBits(), p.ServerNoContextTakeover, p.ClientNoContextTakeover
	if s.IsClient() {
		sendBits, sendNCT, recvNCT = p.ClientWindowBits(), true, p.ServerNoContextTakeover
	}
	s.Logf("permessage-deflate in effect: %s; fuzzer compresses with a %d-bit window, context takeover %v",
		handshake.FormatExtensions(s.Extensions()), sendBits, !sendNCT)
	z := newFuzzerDeflate(sendBits, !sendNCT)
	inf := newFuzzerInflate(!recvNCT)

	count := deflateMessageCount
	if m := s.opts.DeflateMessages; m > 0 && m < count {
		count = m
		s.Logf("message count capped from %d to %d for this run (Options.DeflateMessages)", deflateMessageCount, count)
	}
	op := frame.OpBinary
	if dd.text {
		op = frame.OpText
	}
	start := time.Now()
	end := start.Add(deadline)
	var raw, sent, recvd int
	for i := 0; i < count; i++ {
		msg := dd.message(i, n)
		comp := z.compress(msg)
		raw += len(msg)
		sent += len(comp)
		var frames []Frame
		for off := 0; off == 0 || off < len(comp); {
			m := len(comp) - off
			if frag > 0 {
				m = min(m, frag)
			}
			f := Frame{Opcode: frame.OpContinuation, Fin: off+m == len(comp), Payload: comp[off : off+m]}
			if off == 0 {
				f.Opcode, f.RSV = op, frame.RSV1 // RFC 7692, Section 6: RSV1 on the first frame only
			}
			frames = append(frames, f)
			off += m
			if m == 0 {
				break
			}
		}
		s.Send(Delivery{}, frames...)
		m, ok := s.NextMessage(end)
		if !ok {
			why := fmt.Sprintf("no echo within the %v deadline", deadline)
			if !s.IsOpen() {
				why = "no echo: the connection was closed"
			}
			s.SetResult(Failed, fmt.Sprintf("message %d of %d: %s", i+1, count, why))
			break
		}
		recvd += len(m.Payload)
		got := m.Payload
		if m.Rsv1 {
			if got, err = inf.inflate(m.Payload); err != nil {
				s.SetResult(Failed, fmt.Sprintf("message %d of %d: echo does not inflate: %v", i+1, count, err))
				break
			}
		}
		if m.Opcode != op || !bytes.Equal(got, msg) {
			s.SetResult(Failed, fmt.Sprintf("message %d of %d: echo is %s of %d bytes (%d characters), want %s of %d bytes (%d characters)",
				i+1, count, m.Opcode, len(got), utf8.RuneCount(got), op, len(msg), utf8.RuneCount(msg)))
			break
		}
		// A message sent uncompressed (RSV1 clear) does not enter the
		// sender's LZ77 window, so it stays out of ours too.
		if i == count-1 {
			took := time.Since(start)
			s.SetResult(OK, fmt.Sprintf("%d %s messages of %d %s echoed in %v; compression out %.3f, in %.3f",
				count, op, n, map[bool]string{true: "characters", false: "bytes"}[dd.text], took.Round(time.Millisecond),
				float64(sent)/float64(max(raw, 1)), float64(recvd)/float64(max(raw, 1))))
			s.Note("compression ratio (fuzzer)", fmt.Sprintf("%.3f", float64(sent)/float64(max(raw, 1))))
			s.Note("compression ratio (peer)", fmt.Sprintf("%.3f", float64(recvd)/float64(max(raw, 1))))
		}
	}
	if s.IsOpen() {
		s.Close(frame.CloseNormal, "")
	}
	s.Wait()
}

// fuzzerDeflate compresses the fuzzer's messages (RFC 7692, Section 7.2.1).
type fuzzerDeflate struct {
	takeover bool
	out      bytes.Buffer
	fw       *flate.Writer   // window 2^15
	ours     *deflate.Writer // a smaller window
}

func newFuzzerDeflate(bits int, takeover bool) *fuzzerDeflate {
	z := &fuzzerDeflate{takeover: takeover}
	if bits == 15 {
		z.fw, _ = flate.NewWriter(&z.out, flate.DefaultCompression)
	} else {
		z.ours, _ = deflate.NewWriter(bits, takeover)
	}
	return z
}

func (z *fuzzerDeflate) compress(p []byte) []byte {
	z.out.Reset()
	if z.ours != nil {
		z.ours.Start(&z.out)
		z.ours.Write(p)
		z.ours.Close()
		return bytes.Clone(z.out.Bytes())
	}
	if !z.takeover {
		z.fw.Reset(&z.out)
	}
	z.fw.Write(p)
	z.fw.Flush()
	// "Remove 4 octets (that are 0x00 0x00 0xff 0xff) from the tail end."
	b := z.out.Bytes()
	return bytes.Clone(b[:len(b)-4])
}

// fuzzerInflate inflates the peer's messages with compress/flate, keeping
// the last 32 KiB as the dictionary with context takeover (RFC 7692,
// Section 7.2.2).
type fuzzerInflate struct {
	takeover bool
	hist     []byte
}

func newFuzzerInflate(takeover bool) *fuzzerInflate { return &fuzzerInflate{takeover: takeover} }

func (f *fuzzerInflate) inflate(p []byte) ([]byte, error) {
	var dict []byte
	if f.takeover {
		dict = f.hist
	}
	fr := flate.NewReaderDict(io.MultiReader(bytes.NewReader(p), bytes.NewReader([]byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff})), dict)
	out, err := io.ReadAll(io.LimitReader(fr, maxMessage+1))
	if err != nil {
		return nil, err
	}
	if len(out) > maxMessage {
		return nil, fmt.Errorf("inflates to over %d bytes", maxMessage)
	}
	f.remember(out)
	return out, nil
}

func (f *fuzzerInflate) remember(p []byte) {
	if !f.takeover {
		return
	}
	f.hist = append(f.hist, p...)
	if len(f.hist) > 32<<10 {
		f.hist = append(f.hist[:0], f.hist[len(f.hist)-32<<10:]...)
	}
}
