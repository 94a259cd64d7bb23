package handshake

import (
	"errors"
	"net/http"
	"testing"
)

func mustParse(t *testing.T, v string) []Extension {
	t.Helper()
	exts, err := ParseExtensions(http.Header{"Sec-Websocket-Extensions": {v}})
	if err != nil {
		t.Fatalf("ParseExtensions(%q): %v", v, err)
	}
	return exts
}

func TestParseDeflateOffer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		offer string
		want  DeflateParams
		ok    bool
	}{
		{"permessage-deflate", DeflateParams{}, true},
		{"permessage-deflate; client_max_window_bits", DeflateParams{ClientMaxWindowBits: 15}, true},
		{"permessage-deflate; client_max_window_bits=9; server_max_window_bits=10", DeflateParams{ClientMaxWindowBits: 9, ServerMaxWindowBits: 10}, true},
		{`permessage-deflate; server_max_window_bits="8"`, DeflateParams{ServerMaxWindowBits: 8}, true},
		{"permessage-deflate; server_no_context_takeover; client_no_context_takeover",
			DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true}, true},
		// RFC 7692, Section 7: unknown, duplicate and invalid parameters decline the offer.
		{"permessage-deflate; foo", DeflateParams{}, false},
		{"permessage-deflate; server_no_context_takeover; server_no_context_takeover", DeflateParams{}, false},
		{"permessage-deflate; client_max_window_bits; client_max_window_bits=10", DeflateParams{}, false},
		{"permessage-deflate; server_no_context_takeover=1", DeflateParams{}, false},
		{"permessage-deflate; client_no_context_takeover=x", DeflateParams{}, false},
		// RFC 7692, Section 7.1.2.1: server_max_window_bits needs a value, 8..15, no leading zero.
		{"permessage-deflate; server_max_window_bits", DeflateParams{}, false},
		{"permessage-deflate; server_max_window_bits=7", DeflateParams{}, false},
		{"permessage-deflate; server_max_window_bits=16", DeflateParams{}, false},
		{"permessage-deflate; server_max_window_bits=09", DeflateParams{}, false},
		{"permessage-deflate; server_max_window_bits=+9", DeflateParams{}, false},
		{"permessage-deflate; client_max_window_bits=1x", DeflateParams{}, false},
		{"permessage-deflate; client_max_window_bits=100", DeflateParams{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.offer, func(t *testing.T) {
			got, err := ParseDeflateOffer(mustParse(t, tt.offer)[0])
			if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
				t.Errorf("ParseDeflateOffer(%q) = %+v, %v; want %+v, ok=%v", tt.offer, got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestAcceptDeflate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		offers string
		pref   DeflateParams
		resp   string // "" = declined
		agreed DeflateParams
	}{
		{"plain", "permessage-deflate", DeflateParams{}, "permessage-deflate", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"Chromium's offer", "permessage-deflate; client_max_window_bits", DeflateParams{},
			"permessage-deflate", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"Autobahn 13.1: cnct is echoed so no client window is kept", "permessage-deflate; client_no_context_takeover; client_max_window_bits", DeflateParams{},
			"permessage-deflate; client_no_context_takeover", DeflateParams{ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"Autobahn 13.5: snct and smwb=9 accepted (7.1.1.1, 7.1.2.1)", "permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=9", DeflateParams{},
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9",
			DeflateParams{true, true, 9, 15}},
		{"smwb=15 is answered", "permessage-deflate; server_max_window_bits=15", DeflateParams{},
			"permessage-deflate; server_max_window_bits=15", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"server limits both windows", "permessage-deflate; client_max_window_bits", DeflateParams{ServerMaxWindowBits: 10, ClientMaxWindowBits: 11},
			"permessage-deflate; server_max_window_bits=10; client_max_window_bits=11", DeflateParams{ServerMaxWindowBits: 10, ClientMaxWindowBits: 11}},
		{"client's own smaller limit wins", "permessage-deflate; client_max_window_bits=9; server_max_window_bits=12", DeflateParams{ServerMaxWindowBits: 13, ClientMaxWindowBits: 11},
			"permessage-deflate; server_max_window_bits=12; client_max_window_bits=9", DeflateParams{ServerMaxWindowBits: 12, ClientMaxWindowBits: 9}},
		{"cmwb not offered: cannot be limited (7.1.2.2)", "permessage-deflate", DeflateParams{ClientMaxWindowBits: 9},
			"permessage-deflate", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"server forces no context takeover", "permessage-deflate", DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true},
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover", DeflateParams{true, true, 15, 15}},
		{"Autobahn 13.7: first offer in order", "permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_no_context_takeover; client_max_window_bits, permessage-deflate; server_no_context_takeover, permessage-deflate",
			DeflateParams{}, "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9", DeflateParams{true, true, 9, 15}},
		{"invalid offer skipped (7)", "permessage-deflate; server_max_window_bits=7, permessage-deflate; client_no_context_takeover",
			DeflateParams{}, "permessage-deflate; client_no_context_takeover", DeflateParams{ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"other extensions ignored", "x-webkit-deflate-frame, foo; bar", DeflateParams{}, "", DeflateParams{}},
		{"only invalid offers", "permessage-deflate; foo=1, permessage-deflate; client_max_window_bits=16", DeflateParams{}, "", DeflateParams{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, agreed, ok := AcceptDeflate(mustParse(t, tt.offers), tt.pref)
			got := ""
			if ok {
				got = FormatExtensions([]Extension{resp})
			}
			if got != tt.resp || agreed != tt.agreed {
				t.Errorf("AcceptDeflate(%q, %+v) = %q, %+v; want %q, %+v", tt.offers, tt.pref, got, agreed, tt.resp, tt.agreed)
			}
		})
	}
}

func TestDeflateOffer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    DeflateParams
		want string
	}{
		{DeflateParams{}, "permessage-deflate; client_max_window_bits"},
		{DeflateParams{ClientNoContextTakeover: true}, "permessage-deflate; client_no_context_takeover; client_max_window_bits"},
		{DeflateParams{true, true, 9, 10}, "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=10"},
	}
	for _, tt := range tests {
		got := FormatExtensions([]Extension{tt.p.Offer()})
		if got != tt.want {
			t.Errorf("%+v.Offer() = %q, want %q", tt.p, got, tt.want)
		}
		// The server side reads back what the client side wrote.
		back, err := ParseDeflateOffer(tt.p.Offer())
		want := tt.p
		if want.ClientMaxWindowBits == 0 {
			want.ClientMaxWindowBits = 15
		}
		if err != nil || back != want {
			t.Errorf("ParseDeflateOffer(%q) = %+v, %v; want %+v", got, back, err, want)
		}
	}
}

func TestCheckDeflateResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		offered DeflateParams
		resp    string
		want    DeflateParams
		ok      bool
		fail    bool
	}{
		{"not accepted", DeflateParams{}, "", DeflateParams{}, false, false},
		{"plain", DeflateParams{}, "permessage-deflate", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, true, false},
		{"server limits the client (7.1.2.2)", DeflateParams{}, "permessage-deflate; client_max_window_bits=9",
			DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 9}, true, false},
		{"server limits itself (7.1.2.1)", DeflateParams{}, "permessage-deflate; server_max_window_bits=10",
			DeflateParams{ServerMaxWindowBits: 10, ClientMaxWindowBits: 15}, true, false},
		{"takeovers", DeflateParams{}, "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
			DeflateParams{true, true, 15, 15}, true, false},
		{"offered cnct holds without echo (7.1.1.2)", DeflateParams{ClientNoContextTakeover: true}, "permessage-deflate",
			DeflateParams{ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, true, false},
		{"own client window kept", DeflateParams{ClientMaxWindowBits: 10}, "permessage-deflate",
			DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 10}, true, false},
		{"smaller smwb than offered (7.1.2.1)", DeflateParams{ServerMaxWindowBits: 12}, "permessage-deflate; server_max_window_bits=9",
			DeflateParams{ServerMaxWindowBits: 9, ClientMaxWindowBits: 15}, true, false},
		{"larger smwb than offered", DeflateParams{ServerMaxWindowBits: 9}, "permessage-deflate; server_max_window_bits=10", DeflateParams{}, false, true},
		{"smwb offered, not answered", DeflateParams{ServerMaxWindowBits: 9}, "permessage-deflate", DeflateParams{}, false, true},
		{"snct offered, not answered", DeflateParams{ServerNoContextTakeover: true}, "permessage-deflate", DeflateParams{}, false, true},
		{"larger cmwb than offered", DeflateParams{ClientMaxWindowBits: 9}, "permessage-deflate; client_max_window_bits=10", DeflateParams{}, false, true},
		{"cmwb without value in a response", DeflateParams{}, "permessage-deflate; client_max_window_bits", DeflateParams{}, false, true},
		{"unknown parameter", DeflateParams{}, "permessage-deflate; foo", DeflateParams{}, false, true},
		{"duplicate parameter", DeflateParams{}, "permessage-deflate; client_no_context_takeover; client_no_context_takeover", DeflateParams{}, false, true},
		{"invalid value", DeflateParams{}, "permessage-deflate; server_max_window_bits=16", DeflateParams{}, false, true},
		{"accepted twice", DeflateParams{}, "permessage-deflate, permessage-deflate", DeflateParams{}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var exts []Extension
			if tt.resp != "" {
				exts = mustParse(t, tt.resp)
			}
			got, ok, err := CheckDeflateResponse(exts, tt.offered)
			if tt.fail {
				if !errors.Is(err, ErrDeflateResponse) {
					t.Errorf("CheckDeflateResponse(%q) err = %v, want ErrDeflateResponse", tt.resp, err)
				}
				return
			}
			if err != nil || ok != tt.ok || got != tt.want {
				t.Errorf("CheckDeflateResponse(%q) = %+v, %v, %v; want %+v, %v", tt.resp, got, ok, err, tt.want, tt.ok)
			}
		})
	}
}
