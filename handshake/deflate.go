package handshake

import (
	"fmt"
	"slices"
	"strconv"
)

// DeflateName is the extension token of permessage-deflate (RFC 7692,
// Section 7).
const DeflateName = "permessage-deflate"

// The four extension parameters of permessage-deflate (RFC 7692, Section 7.1).
const (
	paramServerNoContextTakeover = "server_no_context_takeover"
	paramClientNoContextTakeover = "client_no_context_takeover"
	paramServerMaxWindowBits     = "server_max_window_bits"
	paramClientMaxWindowBits     = "client_max_window_bits"
)

// deflateParamNames lists the four, for parseDeflate's duplicate check.
var deflateParamNames = [...]string{paramServerNoContextTakeover, paramClientNoContextTakeover,
	paramServerMaxWindowBits, paramClientMaxWindowBits}

// DeflateParams are the parameters of one permessage-deflate offer or
// response, or the ones agreed (RFC 7692, Section 7.1).
//
// A window size is the base-2 logarithm of the LZ77 window, 8..15, or 0 for
// a parameter that is absent. In an offer, client_max_window_bits may come
// without a value ("I can limit my window if you ask"); it is then 15, which
// means the same thing, and DeflateParams.Offer writes 15 back without a
// value.
type DeflateParams struct {
	ServerNoContextTakeover bool // the server starts every message with an empty window (7.1.1.1)
	ClientNoContextTakeover bool // the client does (7.1.1.2)
	ServerMaxWindowBits     int  // the server's compression window is at most 2^bits (7.1.2.1)
	ClientMaxWindowBits     int  // the client's is (7.1.2.2)
}

// ServerWindowBits reports the window bits the server compresses with:
// ServerMaxWindowBits, or 15 when absent.
func (p DeflateParams) ServerWindowBits() int { return orMax(p.ServerMaxWindowBits) }

// ClientWindowBits reports the window bits the client compresses with:
// ClientMaxWindowBits, or 15 when absent.
func (p DeflateParams) ClientWindowBits() int { return orMax(p.ClientMaxWindowBits) }

func orMax(bits int) int {
	if bits == 0 {
		return 15
	}
	return bits
}

func deflateError(section, format string, args ...any) *Error {
	return &Error{Reason: "permessage-deflate: " + fmt.Sprintf(format, args...) + " (RFC 7692, Section " + section + ")"}
}

// ErrDeflateResponse is the error CheckDeflateResponse wraps: the server's
// permessage-deflate response breaks RFC 7692 or does not answer the offer,
// and "the client MUST _Fail the WebSocket Connection_" (RFC 7692, Section 5).
var ErrDeflateResponse = &Error{Reason: "invalid permessage-deflate response (RFC 7692, Section 5)"}

// parseDeflate reads the parameters of one permessage-deflate element.
// response says whether it is a server's response, where
// client_max_window_bits needs a value.
func parseDeflate(e Extension, response bool) (DeflateParams, error) {
	var p DeflateParams
	var seen [len(deflateParamNames)]bool
	for _, par := range e.Params {
		// "A server MUST decline an extension negotiation offer for this
		// extension if ... The negotiation offer contains multiple extension
		// parameters with the same name." (RFC 7692, Section 7); likewise a
		// client fails the connection on such a response. Only the four known
		// names can be seen twice: the first unknown one ends the loop, so an
		// element with many parameters costs at most five steps.
		if i := slices.Index(deflateParamNames[:], par.Name); i >= 0 {
			if seen[i] {
				return p, deflateError("7", "duplicate parameter %s", par.Name)
			}
			seen[i] = true
		}
		switch par.Name {
		case paramServerNoContextTakeover, paramClientNoContextTakeover:
			// These parameters have no value (RFC 7692, Sections 7.1.1.1, 7.1.1.2).
			if par.HasValue {
				return p, deflateError("7.1.1", "%s takes no value", par.Name)
			}
			if par.Name == paramServerNoContextTakeover {
				p.ServerNoContextTakeover = true
			} else {
				p.ClientNoContextTakeover = true
			}
		case paramServerMaxWindowBits:
			// "server_max_window_bits ... MUST conform to ... a decimal integer
			// value without leading zeroes between 8 to 15" (RFC 7692, Section 7.1.2.1)
			bits, ok := windowBits(par)
			if !ok {
				return p, deflateError("7.1.2.1", "invalid server_max_window_bits %s", quoteShort(par.Value))
			}
			p.ServerMaxWindowBits = bits
		case paramClientMaxWindowBits:
			// "This parameter has no value or a decimal integer value without
			// leading zeroes between 8 to 15" in an offer; a response carries a
			// value (RFC 7692, Section 7.1.2.2).
			if !par.HasValue && !response {
				p.ClientMaxWindowBits = 15
				break
			}
			bits, ok := windowBits(par)
			if !ok {
				return p, deflateError("7.1.2.2", "invalid client_max_window_bits %s", quoteShort(par.Value))
			}
			p.ClientMaxWindowBits = bits
		default:
			// "... contains an extension parameter not defined for use in an
			// offer/response" (RFC 7692, Section 7)
			return p, deflateError("7", "unknown parameter %s", quoteShort(par.Name))
		}
	}
	return p, nil
}

// windowBits parses a window size value: 8..15, no leading zeroes.
func windowBits(par Param) (int, bool) {
	v := par.Value
	if !par.HasValue || len(v) == 0 || len(v) > 2 || v[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
		n = n*10 + int(v[i]-'0')
	}
	return n, n >= 8 && n <= 15
}

// ParseDeflateOffer checks one permessage-deflate element of a client's
// Sec-WebSocket-Extensions: known parameters only, each at most once, with
// valid values (RFC 7692, Section 7). A server declines an offer for which
// it returns an error and goes on to the next one.
func ParseDeflateOffer(e Extension) (DeflateParams, error) {
	if e.Name != DeflateName {
		return DeflateParams{}, deflateError("7", "extension is %s", quoteShort(e.Name))
	}
	return parseDeflate(e, false)
}

// AcceptDeflate is the server's choice (RFC 7692, Section 5): it tries the
// permessage-deflate offers among offers in the client's order of
// preference, skips any that is invalid, and accepts the first valid one,
// returning the element to put in the response and the agreed parameters,
// with both window sizes filled in (8..15). ok is false when there is no
// valid offer.
//
// pref gives what the server wants: no context takeover for either side,
// and the largest windows it will use (its own) or ask the client to use
// (0 means 15). The answer follows RFC 7692, Section 7.1:
//   - server_no_context_takeover if the client asked for it or pref does;
//   - client_no_context_takeover if the client offered it (so the server
//     keeps no window for the client's messages) or pref does;
//   - server_max_window_bits, at most the client's value, when the client
//     sent one or pref asks for less than 15;
//   - client_max_window_bits, at most the client's value, when the client
//     offered the parameter and a window below 15 results. A client that did
//     not offer the parameter cannot be limited ("the corresponding
//     extension negotiation response to the offer MUST NOT include" it,
//     Section 7.1.2.2), and its offer is still accepted, with a 2^15 window.
func AcceptDeflate(offers []Extension, pref DeflateParams) (resp Extension, agreed DeflateParams, ok bool) {
	for _, e := range offers {
		if e.Name != DeflateName {
			continue
		}
		offer, err := ParseDeflateOffer(e)
		if err != nil {
			continue
		}
		resp = Extension{Name: DeflateName}
		add := func(name string, bits int) {
			p := Param{Name: name}
			if bits != 0 {
				p.Value, p.HasValue = strconv.Itoa(bits), true
			}
			resp.Params = append(resp.Params, p)
		}
		// "A server accepts an extension negotiation offer with this parameter
		// by including the "server_no_context_takeover" extension parameter in
		// the extension negotiation response" (RFC 7692, Section 7.1.1.1)
		if offer.ServerNoContextTakeover || pref.ServerNoContextTakeover {
			agreed.ServerNoContextTakeover = true
			add(paramServerNoContextTakeover, 0)
		}
		if offer.ClientNoContextTakeover || pref.ClientNoContextTakeover {
			agreed.ClientNoContextTakeover = true
			add(paramClientNoContextTakeover, 0)
		}
		// "A server accepts an extension negotiation offer with this parameter
		// by including the "server_max_window_bits" extension parameter in the
		// extension negotiation response to send back to the client with the
		// same or smaller value as the offer." (RFC 7692, Section 7.1.2.1)
		sw := min(orMax(pref.ServerMaxWindowBits), orMax(offer.ServerMaxWindowBits))
		agreed.ServerMaxWindowBits = sw
		if offer.ServerMaxWindowBits != 0 || sw < 15 {
			add(paramServerMaxWindowBits, sw)
		}
		cw := 15
		if offer.ClientMaxWindowBits != 0 {
			cw = min(orMax(pref.ClientMaxWindowBits), offer.ClientMaxWindowBits)
			if cw < 15 {
				add(paramClientMaxWindowBits, cw)
			}
		}
		agreed.ClientMaxWindowBits = cw
		return resp, agreed, true
	}
	return Extension{}, DeflateParams{}, false
}

// Offer returns the permessage-deflate element a client sends for p
// (RFC 7692, Section 7.1). client_max_window_bits is always offered, since
// our compressor honours any window: without a value when
// p.ClientMaxWindowBits is 0 or 15, else with it (a promise to use no more).
func (p DeflateParams) Offer() Extension {
	e := Extension{Name: DeflateName}
	if p.ServerNoContextTakeover {
		e.Params = append(e.Params, Param{Name: paramServerNoContextTakeover})
	}
	if p.ClientNoContextTakeover {
		e.Params = append(e.Params, Param{Name: paramClientNoContextTakeover})
	}
	if p.ServerMaxWindowBits != 0 {
		e.Params = append(e.Params, Param{Name: paramServerMaxWindowBits, Value: strconv.Itoa(p.ServerMaxWindowBits), HasValue: true})
	}
	cmwb := Param{Name: paramClientMaxWindowBits}
	if b := p.ClientMaxWindowBits; b != 0 && b != 15 {
		cmwb.Value, cmwb.HasValue = strconv.Itoa(b), true
	}
	e.Params = append(e.Params, cmwb)
	return e
}

// CheckDeflateResponse is the client's check of the server's answer
// (RFC 7692, Sections 5 and 7.1). exts are the extensions the server
// accepted (as CheckResponse returns them) and offered the parameters the
// client offered with DeflateParams.Offer. It returns ok = false when the
// server did not accept permessage-deflate, and the agreed parameters, with
// both window sizes filled in (8..15), when it did. An error (wrapping
// ErrDeflateResponse) means the client must fail the connection: the
// element is repeated, has an unknown, duplicate or invalid parameter, or
// does not answer the offer.
func CheckDeflateResponse(exts []Extension, offered DeflateParams) (agreed DeflateParams, ok bool, err error) {
	var resp *Extension
	for i := range exts {
		if exts[i].Name != DeflateName {
			continue
		}
		if resp != nil {
			return agreed, false, fmt.Errorf("%w: %w", ErrDeflateResponse, deflateError("5", "accepted twice"))
		}
		resp = &exts[i]
	}
	if resp == nil {
		return agreed, false, nil
	}
	fail := func(e error) (DeflateParams, bool, error) {
		return DeflateParams{}, false, fmt.Errorf("%w: %w", ErrDeflateResponse, e)
	}
	p, err := parseDeflate(*resp, true)
	if err != nil {
		return fail(err)
	}
	// The server accepts a server_no_context_takeover or a
	// server_max_window_bits offer by including it (RFC 7692, Sections
	// 7.1.1.1 and 7.1.2.1); a response without it does not answer the offer.
	if offered.ServerNoContextTakeover && !p.ServerNoContextTakeover {
		return fail(deflateError("7.1.1.1", "server_no_context_takeover offered but not accepted"))
	}
	if offered.ServerMaxWindowBits != 0 {
		if p.ServerMaxWindowBits == 0 {
			return fail(deflateError("7.1.2.1", "server_max_window_bits offered but not accepted"))
		}
		if p.ServerMaxWindowBits > offered.ServerMaxWindowBits {
			return fail(deflateError("7.1.2.1", "server_max_window_bits %d over the %d offered", p.ServerMaxWindowBits, offered.ServerMaxWindowBits))
		}
	}
	// A response's client_max_window_bits may not exceed the offered value
	// (RFC 7692, Section 7.1.2.2). Offer always offers the parameter, so
	// the rule that a response MUST NOT include it when the offer did not
	// cannot be broken here.
	if p.ClientMaxWindowBits > orMax(offered.ClientMaxWindowBits) {
		return fail(deflateError("7.1.2.2", "client_max_window_bits %d over the %d offered", p.ClientMaxWindowBits, offered.ClientMaxWindowBits))
	}
	agreed = p
	// A client that offered client_no_context_takeover promised not to use
	// context takeover, whether or not the server repeats it (Section 7.1.1.2).
	agreed.ClientNoContextTakeover = p.ClientNoContextTakeover || offered.ClientNoContextTakeover
	agreed.ServerMaxWindowBits = orMax(p.ServerMaxWindowBits)
	agreed.ClientMaxWindowBits = min(orMax(p.ClientMaxWindowBits), orMax(offered.ClientMaxWindowBits))
	return agreed, true, nil
}
