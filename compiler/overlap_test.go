package compiler

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
)

func lbl(kv ...string) []ir.Label {
	var ls []ir.Label
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		ls = append(ls, ir.Label{Key: k, Value: v})
	}
	slices.SortFunc(ls, ir.CompareLabels)
	return ls
}

func TestTransversals(t *testing.T) {
	for _, tc := range []struct {
		name    string
		clauses [][]ir.Label
		want    string // terms joined by " | "
	}{
		{"one narrower of one label", [][]ir.Label{lbl("app=shop")}, "app=shop"},
		{"one narrower of two labels: two selectors", [][]ir.Label{lbl("app=shop", "track=stable")}, "app=shop | track=stable"},
		{"single labels are in every term", [][]ir.Label{lbl("app=a"), lbl("app=b"), lbl("x=1", "y=1")}, "app=a,app=b,x=1 | app=a,app=b,y=1"},
		{"a shared label absorbs", [][]ir.Label{lbl("a=1", "b=1"), lbl("a=1", "c=1")}, "a=1 | b=1,c=1"},
		{"a clause met by a single label drops out", [][]ir.Label{lbl("a=1"), lbl("a=1", "b=1")}, "a=1"},
		{"products multiply", [][]ir.Label{lbl("a=1", "b=1"), lbl("c=1", "d=1")}, "a=1,c=1 | a=1,d=1 | b=1,c=1 | b=1,d=1"},
	} {
		terms, ok := transversals(tc.clauses, ir.MaxSelectorTerms)
		var got []string
		for _, term := range terms {
			got = append(got, labelList(term))
		}
		if s := strings.ReplaceAll(strings.Join(got, " | "), ", ", ","); !ok || s != tc.want {
			t.Errorf("%s: got %q (ok %v), want %q", tc.name, s, ok, tc.want)
		}
	}
	// Five clauses of two labels: 32 minimal sets, past the limit.
	var five [][]ir.Label
	for i := range 5 {
		five = append(five, lbl(fmt.Sprintf("a%d=1", i), fmt.Sprintf("b%d=1", i)))
	}
	if _, ok := transversals(five, ir.MaxSelectorTerms); ok {
		t.Error("32 selectors passed the limit of 16")
	}
	if terms, ok := transversals(five[:4], ir.MaxSelectorTerms); !ok || len(terms) != 16 {
		t.Errorf("four clauses of two: %d terms (ok %v), want 16", len(terms), ok)
	}
}

// TestOverlapsAtScale: many workloads sharing a broad label and many repeating one
// selector stay cheap, with one error per repeat and one info for the broad one.
func TestOverlapsAtScale(t *testing.T) {
	var b strings.Builder
	b.WriteString("service web { labels tier=web }\nclient -> web:80\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "service s%d { labels tier=web, app=s%d }\n", i, i)
	}
	for i := range 2000 {
		fmt.Fprintf(&b, "service d%d { labels team=dup }\n", i)
	}
	p, diags := Compile([]Source{{Name: "a.net", Data: []byte(b.String())}}, Options{})
	if p != nil {
		t.Fatal("repeated selectors compiled")
	}
	var same, other int
	for _, d := range diags {
		switch {
		case strings.Contains(d.Message, "have the same selector"):
			same++
		case d.Severity == diag.Error:
			other++
			t.Errorf("unexpected: %s", d.Message)
		}
	}
	if same != 1999 {
		t.Errorf("%d same-selector errors, want 1999 (one per repeat)", same)
	}
	// Without the repeats: one term leaving out 5000 narrower services, which
	// ir.Validate accepts.
	src := b.String()[:strings.Index(b.String(), "service d0")]
	p, diags = Compile([]Source{{Name: "a.net", Data: []byte(src)}}, Options{})
	if p == nil {
		t.Fatal(diags)
	}
	if vd := ir.Validate(p); len(vd) > 0 {
		t.Fatal(vd[0])
	}
	for _, s := range p.Services {
		if s.Name == "web" && (len(s.Exclusion.Narrower) != 5000 || len(s.Exclusion.Terms) != 1 || len(s.Exclusion.Terms[0].Without) != 5000) {
			t.Errorf("web leaves out %d services in %d terms", len(s.Exclusion.Narrower), len(s.Exclusion.Terms))
		}
	}
}
