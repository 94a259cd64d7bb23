package handshake

import (
	"errors"
	"net/http"
	"reflect"
	"testing"
)

func TestParseExtensions(t *testing.T) {
	t.Parallel()
	pmd := "permessage-deflate"
	tests := []struct {
		name    string
		values  []string
		want    []Extension
		wantErr bool
	}{
		{"none", nil, nil, false},
		{"one name", []string{"x-foo"}, []Extension{{Name: "x-foo"}}, false},
		{"Chrome's offer (RFC 7692, Section 7.1)", []string{"permessage-deflate; client_max_window_bits"},
			[]Extension{{pmd, []Param{{Name: "client_max_window_bits"}}}}, false},
		{"param with token value", []string{"permessage-deflate; server_max_window_bits=10"},
			[]Extension{{pmd, []Param{{"server_max_window_bits", "10", true}}}}, false},
		{"quoted value unescaped (9.1)", []string{`permessage-deflate; server_max_window_bits="1\0"`},
			[]Extension{{pmd, []Param{{"server_max_window_bits", "10", true}}}}, false},
		{"two offers, alternatives in order", []string{"permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate"},
			[]Extension{{pmd, []Param{{Name: "client_max_window_bits"}, {"server_max_window_bits", "10", true}}}, {Name: pmd}}, false},
		{"several headers are one list", []string{"a", "b;c"},
			[]Extension{{Name: "a"}, {"b", []Param{{Name: "c"}}}}, false},
		{"whitespace around , ; and = (BWS)", []string{" a \t; p = 1 ;q\t,\tb "},
			[]Extension{{"a", []Param{{"p", "1", true}, {Name: "q"}}}, {Name: "b"}}, false},
		{"empty list elements ignored (RFC 9110, 5.6.1)", []string{", ,a,,", ""}, []Extension{{Name: "a"}}, false},
		{"empty quoted value is not a token", []string{`a; p=""`}, nil, true},
		{"quoted value with space is not a token (9.1)", []string{`a; p="x y"`}, nil, true},
		{"unterminated quoted-string", []string{`a; p="10`}, nil, true},
		{"backslash at end of quoted-string", []string{`a; p="10\`}, nil, true},
		{"control character in quoted-string", []string{"a; p=\"1\x010\""}, nil, true},
		{"missing value after =", []string{"a; p="}, nil, true},
		{"missing value before ,", []string{"a; p=, b"}, nil, true},
		{"missing param name", []string{"a; =1"}, nil, true},
		{"empty param", []string{"a;;"}, nil, true},
		{"name must be a token", []string{"a/b"}, nil, true},
		{"starts with ;", []string{"; a"}, nil, true},
		{"space inside a name", []string{"a b"}, nil, true},
		{"junk after a quoted value", []string{`a; p="1"x`}, nil, true},
		{"non-ASCII", []string{"ä"}, nil, true},
		{"second header malformed", []string{"a", "b;"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Sec-Websocket-Extensions": tt.values}
			got, err := ParseExtensions(h)
			if tt.wantErr {
				var he *Error
				if !errors.Is(err, ErrExtensionSyntax) || !errors.As(err, &he) || he.Status != 400 {
					t.Fatalf("ParseExtensions(%q) = %v, %v; want ErrExtensionSyntax", tt.values, got, err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseExtensions(%q) = %+v, %v; want %+v", tt.values, got, err, tt.want)
			}
			// Round trip: formatting and parsing again gives the same value.
			again, err := ParseExtensions(http.Header{"Sec-Websocket-Extensions": {FormatExtensions(got)}})
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("ParseExtensions(FormatExtensions(%+v)) = %+v, %v", got, again, err)
			}
		})
	}
}

func TestFormatExtensions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []Extension
		want string
	}{
		{nil, ""},
		{[]Extension{{Name: "permessage-deflate", Params: []Param{{Name: "client_no_context_takeover"}, {"server_max_window_bits", "10", true}}}, {Name: "x"}},
			"permessage-deflate; client_no_context_takeover; server_max_window_bits=10, x"},
		{[]Extension{{Name: "x", Params: []Param{{"p", `a "b"\`, true}}}}, `x; p="a \"b\"\\"`},
	}
	for _, tt := range tests {
		if got := FormatExtensions(tt.in); got != tt.want {
			t.Errorf("FormatExtensions(%+v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if validExtensions([]Extension{{Name: "x", Params: []Param{{"p", "a b", true}}}}) {
		t.Error("validExtensions accepts a value that is not a token")
	}
	if validExtensions([]Extension{{Name: "x", Params: []Param{{Name: "p", Value: "v"}}}}) {
		t.Error("validExtensions accepts a Value without HasValue")
	}
	if validExtensions([]Extension{{Name: ""}}) {
		t.Error("validExtensions accepts an empty name")
	}
}
