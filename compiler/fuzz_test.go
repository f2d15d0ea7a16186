package compiler_test

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
	seedpkg "github.com/netc-dev/netc/internal/seeds"
)

// FuzzCompile compiles arbitrary source: no panic; a program exactly when there are no
// errors; diagnostics sorted, inside the file and readable; the same input always
// gives the same IR and the same diagnostics. backends/fuzz_test.go runs the whole
// pipeline (compiler and every backend).
//
//	go test -run '^$' -fuzz FuzzCompile -fuzztime 10m -parallel 1 ./compiler/
func FuzzCompile(f *testing.F) {
	for _, src := range seeds(f, filepath.Join("..")) {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		srcs := []compiler.Source{{Name: "f.net", Data: src}}
		p, diags := compiler.Compile(srcs, compiler.Options{})
		checkDiags(t, src, diags)
		if (p == nil) != diags.HasErrors() {
			t.Fatalf("program %v with errors %v", p != nil, diags.HasErrors())
		}
		p2, diags2 := compiler.Compile(srcs, compiler.Options{})
		if got, want := text(diags2), text(diags); got != want {
			t.Fatalf("diagnostics differ between two compiles:\n%s\n---\n%s", want, got)
		}
		if p != nil && ir.Dump(p) != ir.Dump(p2) {
			t.Fatal("IR differs between two compiles of the same input")
		}
	})
}

func text(l diag.List) string {
	var b strings.Builder
	for _, d := range l {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// checkDiags holds every diagnostic to what the CLI prints: a position inside the
// file (or none), a non-empty valid UTF-8 message on one line, sorted order.
func checkDiags(t *testing.T, src []byte, diags diag.List) {
	t.Helper()
	for i, d := range diags {
		s := d.Span
		if s.File != "" && s.File != "f.net" {
			t.Fatalf("diagnostic in unknown file: %v", d)
		}
		if s.IsValid() && (s.Start.Offset < 0 || s.Start.Offset > len(src) || s.End.Offset > len(src) || s.Start.Col < 1) {
			t.Fatalf("diagnostic outside the file (%d bytes): %+v", len(src), s)
		}
		if d.Message == "" || !utf8.ValidString(d.Message) || strings.ContainsAny(d.Message, "\n\r") {
			t.Fatalf("diagnostic message empty, not UTF-8 or not one line: %q", d.Message)
		}
		if i > 0 && diags[i-1].Span.Compare(s) > 0 {
			t.Fatalf("diagnostics not sorted: %v before %v", diags[i-1], d)
		}
	}
}

// seeds returns the shared fuzz seeds below root, failing when there are none.
func seeds(tb testing.TB, root string) [][]byte {
	tb.Helper()
	out := seedpkg.Inputs(root)
	if len(out) == 0 {
		tb.Fatal("no seeds under examples/ or testdata/")
	}
	return out
}
