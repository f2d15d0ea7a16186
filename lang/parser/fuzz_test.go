package parser

import (
	"testing"
	"unicode/utf8"

	"github.com/netc-dev/netc/lang/lexer"
)

// FuzzParse feeds arbitrary bytes to the parser: it must not panic, must bound its
// diagnostics, must point every diagnostic inside the file, must give every node its
// exact range, and the fast path must agree with participle on every statement.
//
//	go test -run '^$' -fuzz FuzzParse -fuzztime 10m -parallel 1 ./lang/parser/
func FuzzParse(f *testing.F) {
	for _, src := range seedFiles(f) {
		f.Add(src)
	}
	for _, s := range append(append(fastTakes, fastLeaves...), append(fastBlockTakes, fastBlockLeaves...)...) {
		f.Add([]byte(s))
	}
	f.Add([]byte("a -> b:80\x00\n\xff\xfe -> c\n"))
	f.Add([]byte("namespace a { namespace b { } }\n{{{{{{{{{{ }}}}}}}}}}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		file, diags := ParseFile("f.net", src)
		if file == nil {
			t.Fatal("nil file")
		}
		if max := lexer.MaxErrors + MaxErrors; len(diags) > max {
			t.Fatalf("%d diagnostics, more than the bound %d", len(diags), max)
		}
		for _, d := range diags {
			s := d.Span
			if s.File != "f.net" || s.Start.Line < 1 || s.Start.Col < 1 || s.Start.Offset < 0 || s.Start.Offset > len(src) {
				t.Fatalf("diagnostic outside the file: %+v", d)
			}
			if s.End.Offset < s.Start.Offset || s.End.Offset > len(src) {
				t.Fatalf("diagnostic span ends before it starts or past the file: %+v", d)
			}
			if d.Message == "" || !utf8.ValidString(d.Message) {
				t.Fatalf("diagnostic message empty or not UTF-8: %q", d.Message)
			}
		}
		checkSpans(t, file, src)
		parseBoth(t, "f.net", src)
	})
}
