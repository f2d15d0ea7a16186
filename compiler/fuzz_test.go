package compiler_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/tools/txtar"

	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
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

// seeds returns the .net files of examples/ and the .net sections of testdata/'s
// txtar cases under root, each alone, and each case's files together.
func seeds(tb testing.TB, root string) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, dir := range []string{"examples", "testdata"} {
		filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			switch {
			case strings.HasSuffix(path, ".net"):
				if b, err := os.ReadFile(path); err == nil {
					out = append(out, b)
				}
			case strings.HasSuffix(path, ".txtar"):
				a, err := txtar.ParseFile(path)
				if err != nil {
					return nil
				}
				var all []byte
				n := 0
				for _, f := range a.Files {
					if strings.HasSuffix(f.Name, ".net") {
						out = append(out, f.Data)
						all = append(all, f.Data...)
						n++
					}
				}
				if n > 1 {
					out = append(out, all)
				}
			}
			return nil
		})
	}
	if len(out) == 0 {
		tb.Fatal("no seeds under examples/ or testdata/")
	}
	return out
}
