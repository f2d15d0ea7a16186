package parser

import (
	"strings"
	"testing"

	"github.com/netc-dev/netc/diag"
)

func messages(l diag.List) string {
	var b strings.Builder
	for _, d := range l {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// A syntax error costs one statement: the statements around it still parse, and every
// bad statement gets its own diagnostic.
func TestRecovery(t *testing.T) {
	src := "a -> b:80\nc ->\nd -> e:90\nf -> g:\nservice s {\n  port http,\n  labels x=y\n}\n"
	f, d := ParseFile("r.net", []byte(src))
	want := "r.net:2:5: error: expected a name, found end of line\n" +
		"r.net:4:8: error: expected a port, found end of line\n" +
		"r.net:6:13: error: expected a value, found end of line\n"
	if got := messages(d); got != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", got, want)
	}
	if len(f.Stmts) != 3 {
		t.Fatalf("parsed %d statements, want 3 (a->b, d->e, service s)", len(f.Stmts))
	}
	if s := f.Stmts[2].Service; s == nil || len(s.Attrs) != 1 || s.Attrs[0].Key.Value != "labels" {
		t.Errorf("service block lost its good line: %+v", f.Stmts[2])
	}
}

func TestSpans(t *testing.T) {
	f, d := ParseFile("s.net", []byte("# c\n  frontend -> backend:8080/udp as role r1, r2\n"))
	if len(d) != 0 {
		t.Fatal(messages(d))
	}
	fl := f.Stmts[0].Flow
	sp := fl.Span()
	if sp.Start.Line != 2 || sp.Start.Col != 3 || sp.Start.Offset != 6 {
		t.Errorf("flow starts at %+v, want 2:3 offset 6", sp.Start)
	}
	p := fl.Intent.Ports[0].Span()
	if p.Start.Col != 23 {
		t.Errorf("port starts at col %d, want 23", p.Start.Col)
	}
	if got := len(fl.Intent.Roles); got != 2 {
		t.Errorf("roles = %d, want 2", got)
	}
	if len(f.Comments) != 1 || f.Comments[0].Text != " c" {
		t.Errorf("comments = %+v", f.Comments)
	}
}

func TestNamespaceBlocks(t *testing.T) {
	f, d := ParseFile("n.net", []byte("namespace a { x -> y }\nnamespace b {\n  p -> q:1\n}\nz -> w:2"))
	if len(d) != 0 {
		t.Fatal(messages(d))
	}
	if len(f.Stmts) != 3 || f.Stmts[0].NamespaceBlock == nil || f.Stmts[1].NamespaceBlock == nil {
		t.Fatalf("want two namespace blocks then a statement, got %d statements", len(f.Stmts))
	}
	if n := len(f.Stmts[1].NamespaceBlock.Stmts); n != 1 {
		t.Errorf("block b holds %d statements, want 1", n)
	}
	_, d = ParseFile("n.net", []byte("namespace a {\n  namespace b { x -> y }\n}\n"))
	if got := messages(d); !strings.Contains(got, "n.net:2:3: error: namespace blocks do not nest") {
		t.Errorf("nested namespace: %s", got)
	}
	_, d = ParseFile("n.net", []byte("namespace a {\n  x -> y\n"))
	if got := messages(d); got != "n.net:1:1: error: namespace block \"a\" is never closed; expected '}'\n" {
		t.Errorf("unclosed namespace: %q", got)
	}
}

// The error list is bounded, whatever the input.
func TestErrorBound(t *testing.T) {
	src := strings.Repeat("-> ->\n", 5000)
	_, d := ParseFile("b.net", []byte(src))
	if len(d) != MaxErrors {
		t.Errorf("%d diagnostics, want the bound %d", len(d), MaxErrors)
	}
	if last := d[len(d)-1].Message; !strings.Contains(last, "too many syntax errors") {
		t.Errorf("last diagnostic %q does not say the list was cut", last)
	}
}

func TestDeepBraces(t *testing.T) {
	src := "service s " + strings.Repeat("{", 200000) + strings.Repeat("}", 200000)
	_, d := ParseFile("d.net", []byte(src))
	if got := messages(d); got != "d.net:1:19: error: blocks nested more than 8 deep\n" {
		t.Errorf("got %q", got)
	}
}
