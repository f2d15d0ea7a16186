package compiler

import (
	"strings"
	"testing"

	"github.com/netc-dev/netc/diag"
)

// Diagnostic ranges, related ones included, are exactly the construct: they end at its
// last character, not at the next token, and never take in the blanks and comment
// that follow it. The parser makes the ranges exact; nothing narrows them afterwards.
func TestSpanEnds(t *testing.T) {
	for _, tc := range []struct {
		src, rule, message string // message: how the message starts
		want, related      string // the text the range and the first related range cover
	}{
		{src: "frontend -> backend   # no port\n", rule: "any-port", want: "backend"},
		{src: "a -> backend\n", rule: "any-port", want: "backend"},
		{src: "a -> b:1\na -> b:1 # again\n", rule: "duplicate-intent", want: "a -> b:1"},
		{src: "a -> b:1 \t \na -> b:1; c -> d:2\n", rule: "duplicate-intent", want: "a -> b:1", related: "a -> b:1"},
		{src: "a -> b:1  # netc:allow any-port  \n", message: "waiver of any-port matches no finding on this line; remove it",
			want: "# netc:allow any-port  "},
		{src: "service \"a b\" {\n  port http 80  # c\n}\n", message: `service name "a b"`,
			want: `"a b"`},
	} {
		_, diags := Compile([]Source{{Name: "s.net", Data: []byte(tc.src)}}, Options{})
		found := false
		for _, d := range diags {
			if d.Rule != tc.rule || !strings.HasPrefix(d.Message, tc.message) {
				continue
			}
			found = true
			if got := text(tc.src, d.Span); got != tc.want {
				t.Errorf("%q: %s spans %q, want %q", tc.src, d.Message, got, tc.want)
			}
			if tc.related != "" && (len(d.Related) == 0 || text(tc.src, d.Related[0].Span) != tc.related) {
				t.Errorf("%q: related spans %v, want %q", tc.src, d.Related, tc.related)
			}
		}
		if !found {
			t.Errorf("%q: no %s%s diagnostic in %v", tc.src, tc.rule, tc.message, diags)
		}
	}
}

// text is what span covers in src, checking that its lines and columns agree with its
// offsets (columns count bytes).
func text(src string, s diag.Span) string {
	line, col := 1, 1
	for i := range s.End.Offset {
		if i == s.Start.Offset && (line != s.Start.Line || col != s.Start.Col) {
			return "bad start position"
		}
		if src[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	if line != s.End.Line || col != s.End.Col {
		return "bad end position"
	}
	return src[s.Start.Offset:s.End.Offset]
}
