package format_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/lang/format"
	"github.com/netc-dev/netc/lang/parser"
)

// FuzzFormat formats arbitrary bytes, starting from the corpus (examples/, the golden
// cases under testdata/) and this package's own golden inputs. It must never panic;
// and when the input parses, the output must parse, format to itself, and compile to
// the same program with the same diagnostics, positions aside.
//
//	go test -run '^$' -fuzz FuzzFormat -fuzztime 10m -parallel 1 ./lang/format/
func FuzzFormat(f *testing.F) {
	for _, prog := range corpus(f) {
		for _, file := range prog.files {
			f.Add(file.Data)
		}
	}
	golden, _ := filepath.Glob("testdata/*.txtar")
	for _, path := range golden {
		if ar, err := txtar.ParseFile(path); err == nil {
			if in := section(ar, "in.net"); in != nil {
				f.Add(in)
			}
		}
	}
	for _, s := range []string{
		"a -> b; c -> d # netc:allow any-port x\n",
		"namespace a { service b { port http 80 } } # c\n",
		"service a {\n} # netc:allow unused-role x\n",
		"\"as\" -> \"x y\":80/udp\n",
		"role r on db {\n  select on \"a.b\", c.d # netc:allow ddl-privilege x\n}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		out, diags := format.Source("f.net", src)
		if diags.HasErrors() {
			if out != nil {
				t.Fatal("output for input with syntax errors")
			}
			return
		}
		if _, d := parser.ParseFile("f.net", out); d.HasErrors() {
			t.Fatalf("output does not parse: %v\n--- input ---\n%s\n--- output ---\n%s", d, src, out)
		}
		again, _ := format.Source("f.net", out)
		if !bytes.Equal(again, out) {
			t.Fatalf("not idempotent\n--- input ---\n%q\n--- once ---\n%s\n--- twice ---\n%s", src, out, again)
		}
		dump1, diags1 := compile([]compiler.Source{{Name: "f.net", Data: src}}, nil)
		dump2, diags2 := compile([]compiler.Source{{Name: "f.net", Data: out}}, nil)
		if dump1 != dump2 || diags1 != diags2 {
			t.Fatalf("formatting changed the program\n--- input ---\n%q\n--- output ---\n%s\n--- IR before ---\n%s\n--- IR after ---\n%s\n--- diagnostics before ---\n%s\n--- diagnostics after ---\n%s",
				src, out, dump1, dump2, diags1, diags2)
		}
	})
}
