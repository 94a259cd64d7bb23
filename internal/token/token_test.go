package token

import (
	"slices"
	"testing"
)

func TestContains(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []string
		tok    string
		want   bool
	}{
		{"exact", []string{"Upgrade"}, "Upgrade", true},
		{"case-insensitive", []string{"upgrade"}, "Upgrade", true},
		{"in a list", []string{"keep-alive, Upgrade"}, "upgrade", true},
		{"tabs and spaces", []string{"keep-alive,\t UPGRADE \t"}, "upgrade", true},
		{"repeated header", []string{"keep-alive", "Upgrade"}, "upgrade", true},
		{"empty elements ignored", []string{",, ,Upgrade,"}, "upgrade", true},
		{"absent", []string{"keep-alive"}, "upgrade", false},
		{"prefix is not a match", []string{"Upgraded"}, "upgrade", false},
		{"substring is not a match", []string{"keep-alive Upgrade"}, "upgrade", false},
		{"no values", nil, "upgrade", false},
		{"empty token never matches an empty list", []string{""}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Contains(tt.values, tt.tok); got != tt.want {
				t.Errorf("Contains(%q, %q) = %v, want %v", tt.values, tt.tok, got, tt.want)
			}
		})
	}
}

func TestIsToken(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"websocket", "permessage-deflate", "x!#$%&'*+-.^_`|~9"} {
		if !IsToken(s) {
			t.Errorf("IsToken(%q) = false, want true", s)
		}
	}
	for _, s := range []string{"", "a b", "a,b", "a;b", "a=b", `"a"`, "a\x00", "ä", "a/b", "(a)", "a\t"} {
		if IsToken(s) {
			t.Errorf("IsToken(%q) = true, want false", s)
		}
	}
}

func TestSplit(t *testing.T) {
	t.Parallel()
	got := Split([]string{" chat, superchat ,", "", "v2.json"})
	want := []string{"chat", "superchat", "v2.json"}
	if !slices.Equal(got, want) {
		t.Errorf("Split = %q, want %q", got, want)
	}
	if got := TrimOWS(" \t a b \t"); got != "a b" {
		t.Errorf("TrimOWS = %q, want %q", got, "a b")
	}
}

func TestContainsAllocs(t *testing.T) {
	v := []string{"keep-alive, Upgrade"}
	if n := testing.AllocsPerRun(100, func() { Contains(v, "upgrade") }); n != 0 {
		t.Errorf("Contains allocates %v times, want 0", n)
	}
}
