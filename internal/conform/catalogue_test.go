package conform

import (
	"encoding/hex"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestCatalogueCounts checks the case ids and counts against the catalogue
// (section 0): 301 cases in groups 1-7, 9, 10.
func TestCatalogueCounts(t *testing.T) {
	want := map[string]int{"1": 16, "2": 11, "3": 7, "4": 10, "5": 20, "6": 145, "7": 37, "9": 54, "10": 1}
	got := map[string]int{}
	seen := map[string]bool{}
	for _, c := range All() {
		if seen[c.ID] {
			t.Errorf("duplicate case %s", c.ID)
		}
		seen[c.ID] = true
		if c.Description == "" || c.Expectation == "" || c.Run == nil {
			t.Errorf("case %s lacks a description, expectation or Run", c.ID)
		}
		got[Group(c.ID)]++
	}
	total := 0
	for g, n := range want {
		if got[g] != n {
			t.Errorf("group %s has %d cases, want %d", g, got[g], n)
		}
		total += n
	}
	if total != 301 {
		t.Fatalf("want total 301, got %d", total)
	}
	for _, id := range []string{"1.1.8", "2.11", "3.7", "4.2.5", "5.20", "6.4.4", "6.23.7", "7.1.6", "7.3.6", "7.5.1", "7.7.13", "7.9.9", "7.13.2", "9.2.6", "9.4.9", "9.6.6", "9.8.6", "10.1.1"} {
		if Lookup(id) == nil {
			t.Errorf("case %s missing", id)
		}
	}
	for _, id := range []string{"7.2.1", "7.4.1", "8.1.1", "9.9.1", "11.1.1"} {
		if Lookup(id) != nil {
			t.Errorf("case %s should not exist", id)
		}
	}
}

// TestUTF8Catalogue checks each generated 6.5-6.23 payload's verdict
// against the standard library's validator.
func TestUTF8Catalogue(t *testing.T) {
	n := 0
	for _, g := range utf8Groups {
		for _, c := range g.cases {
			p, err := hex.DecodeString(strings.ReplaceAll(c.hex, " ", ""))
			if err != nil {
				t.Fatalf("%s: %v", c.id, err)
			}
			if utf8.Valid(p) != c.valid {
				t.Errorf("%s: utf8.Valid(% x) = %v, catalogue says %v", c.id, p, utf8.Valid(p), c.valid)
			}
			n++
		}
	}
	if n != 132 {
		t.Errorf("%d generated UTF-8 cases, want 132", n)
	}
}

func TestOrderAndSelect(t *testing.T) {
	all := All()
	for i := 1; i < len(all); i++ {
		if CompareIDs(all[i-1].ID, all[i].ID) >= 0 {
			t.Fatalf("cases out of order: %s before %s", all[i-1].ID, all[i].ID)
		}
	}
	if all[0].ID != "1.1.1" || all[len(all)-1].ID != "10.1.1" && Group(all[len(all)-1].ID) != "13" {
		t.Errorf("first/last case = %s/%s", all[0].ID, all[len(all)-1].ID)
	}
	tests := []struct {
		inc, exc string
		want     int
	}{
		{"", "", len(all)},
		{"*", "", len(all)},
		{"1.*,5.*", "", 36},
		{"6.4.*", "", 4},
		{"6.4", "", 4},
		{"6.4.1", "", 1},
		{"7.*", "7.13.*", 35},
		{"*", "9.*,6.*", len(all) - 54 - 145},
		{"8.*", "", 0},
		{"1.1.1", "", 1},
		{"2.1", "", 1}, // 2.1 is a case id; "2.10" and "2.11" are not under it
	}
	for _, tt := range tests {
		got, err := Select(all, tt.inc, tt.exc)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tt.want {
			t.Errorf("Select(%q, %q) = %d cases, want %d", tt.inc, tt.exc, len(got), tt.want)
		}
	}
	if _, err := Select(all, "1.x", ""); err == nil {
		t.Error("Select accepted a bad pattern")
	}
}
