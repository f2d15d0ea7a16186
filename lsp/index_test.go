package lsp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/lang/ast"
	"github.com/netc-dev/netc/lang/parser"
)

// programs returns every example directory and golden case as sources.
func programs(t *testing.T) map[string][]compiler.Source {
	out := map[string][]compiler.Source{}
	filepath.Walk("../examples", func(p string, info os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".net") {
			data, _ := os.ReadFile(p)
			out[filepath.Dir(p)] = append(out[filepath.Dir(p)], compiler.Source{Name: p, Data: data})
		}
		return nil
	})
	cases, _ := filepath.Glob("../testdata/*/*.txtar")
	for _, c := range cases {
		ar, err := txtar.ParseFile(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if strings.HasSuffix(f.Name, ".net") || f.Name == "netc.hcl" {
				out[c] = append(out[c], compiler.Source{Name: f.Name, Data: f.Data})
			}
		}
	}
	if len(out) < 100 {
		t.Fatalf("only %d programs", len(out))
	}
	return out
}

// TestIndexMatchesIR checks the index's resolution against the compiler's: on every
// program that compiles, each end of each edge, each named port and each role of an
// intent resolves in the index to what the IR says.
func TestIndexMatchesIR(t *testing.T) {
	checked := 0
	for name, srcs := range programs(t) {
		var files []*ast.File
		var cfg *config.Config
		for _, s := range srcs {
			if s.Name == "netc.hcl" {
				c, d := config.Load(s.Name, s.Data)
				if d.HasErrors() {
					cfg = nil
					files = nil
					break
				}
				cfg = c
				continue
			}
			f, _ := parser.ParseFile(s.Name, s.Data)
			files = append(files, f)
		}
		if files == nil {
			continue
		}
		prog, _ := compiler.CompileParsed(files, nil, compiler.Options{Config: cfg})
		if prog == nil {
			continue
		}
		checked++
		x := buildIndex(files)
		key := func(l *located) string {
			if l == nil {
				return "world"
			}
			return l.sym.key()
		}
		for _, e := range prog.Edges {
			for _, end := range []struct {
				span ir.Peer
				at   *located
			}{{*e.From, x.lookup(e.FromSpan.File, e.FromSpan.End.Offset-1)}, {*e.To, x.lookup(e.ToSpan.File, e.ToSpan.End.Offset-1)}} {
				if got := key(end.at); got != end.span.Key() {
					t.Errorf("%s: %s: the index resolves to %s, the compiler to %s", name, e.Span, got, end.span.Key())
				}
			}
			for _, p := range e.Ports {
				if p.Name == "" {
					continue
				}
				l := x.lookup(p.Span.File, p.Span.Start.Offset)
				if l == nil || l.sym.kind != symPort || l.sym.owner.key() != e.To.Key() || l.sym.name != p.Name {
					t.Errorf("%s: %s: port %s not resolved to %s", name, p.Span, p.Name, e.To.Key())
				}
			}
		}
		for _, r := range prog.Roles {
			l := x.lookup(r.Span.File, r.Span.Start.Offset)
			if l == nil || l.sym.kind != symRole || l.sym.name != r.Name || l.sym.owner.key() != r.Database.Namespace+"/"+r.Database.Name {
				t.Errorf("%s: %s: role %s not resolved", name, r.Span, r.Name)
			} else if l.sym.declared != r.Declared || l.sym.def != r.Span {
				t.Errorf("%s: role %s: declared %v at %s, the compiler says %v at %s", name, r.Name, l.sym.declared, l.sym.def, r.Declared, r.Span)
			}
		}
		for _, s := range prog.Services {
			sym := x.entities[s.Namespace+"/"+s.Name]
			// The index's definition is the name itself, the compiler's the whole NS/NAME.
			if sym == nil || sym.kind != symService || sym.declared != s.Declared || sym.def.File != s.Span.File || sym.def.End != s.Span.End {
				t.Errorf("%s: service %s/%s (declared %v at %s) is %+v in the index", name, s.Namespace, s.Name, s.Declared, s.Span, sym)
			}
		}
		for _, d := range prog.Databases {
			sym := x.entities[d.Namespace+"/"+d.Name]
			if sym == nil || sym.kind != symDatabase || sym.declared != d.Declared {
				t.Errorf("%s: database %s/%s is %+v in the index", name, d.Namespace, d.Name, sym)
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d programs compiled", checked)
	}
	t.Logf("%d programs", checked)
}
