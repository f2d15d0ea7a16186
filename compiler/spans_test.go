package compiler

import (
	"testing"

	"github.com/netc-dev/netc/diag"
)

// Diagnostic ranges end at the last character of the construct: not at the next token,
// and never across the blanks and comment that follow it.
func TestSpanEnds(t *testing.T) {
	for _, tc := range []struct {
		src        string
		rule       string
		start, end diag.Pos
	}{
		{"frontend -> backend   # no port\n", "any-port", diag.Pos{Line: 1, Col: 13, Offset: 12}, diag.Pos{Line: 1, Col: 20, Offset: 19}},
		{"a -> backend\n", "any-port", diag.Pos{Line: 1, Col: 6, Offset: 5}, diag.Pos{Line: 1, Col: 13, Offset: 12}},
		{"a -> b:1\na -> b:1 # again\n", "duplicate-intent", diag.Pos{Line: 2, Col: 1, Offset: 9}, diag.Pos{Line: 2, Col: 9, Offset: 17}},
	} {
		_, diags := Compile([]Source{{Name: "s.net", Data: []byte(tc.src)}}, Options{})
		found := false
		for _, d := range diags {
			if d.Rule != tc.rule {
				continue
			}
			found = true
			if d.Span.Start != tc.start || d.Span.End != tc.end {
				t.Errorf("%q: %s spans %+v-%+v, want %+v-%+v", tc.src, tc.rule, d.Span.Start, d.Span.End, tc.start, tc.end)
			}
		}
		if !found {
			t.Errorf("%q: no %s diagnostic in %v", tc.src, tc.rule, diags)
		}
	}
}
