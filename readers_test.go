package netc_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/netc-dev/netc/backends/netpol"
	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
)

// TestErrorRulesOnly compiles every golden case with and without
// Options.ErrorRulesOnly (what netc explain and netc diff use): the program is refused
// in the same cases with the same errors, and an accepted program is the same IR.
func TestErrorRulesOnly(t *testing.T) {
	errorsOf := func(l diag.List) string {
		var b strings.Builder
		for _, d := range l {
			if d.Severity == diag.Error {
				b.WriteString(d.Span.String() + " " + d.Rule + " " + d.Message + "\n")
			}
		}
		return b.String()
	}
	refused := 0
	for _, path := range goldenCases(t) {
		_, inputs := caseInputs(t, path)
		var srcs []compiler.Source
		var cfg *config.Config
		bad := false
		for _, f := range inputs {
			if f.Name == config.FileName {
				c, d := config.Load(f.Name, f.Data)
				bad, cfg = d.HasErrors(), c
				continue
			}
			srcs = append(srcs, compiler.Source{Name: f.Name, Data: f.Data})
		}
		if bad {
			continue
		}
		full, fd := compiler.Compile(srcs, compiler.Options{Config: cfg})
		fast, qd := compiler.Compile(srcs, compiler.Options{Config: cfg, ErrorRulesOnly: true})
		if (full == nil) != (fast == nil) {
			t.Errorf("%s: refused %v with every rule, %v with the error rules only", path, full == nil, fast == nil)
			continue
		}
		if full == nil {
			refused++
		}
		if a, b := errorsOf(fd), errorsOf(qd); a != b {
			t.Errorf("%s: errors differ:\nevery rule:\n%s\nerror rules only:\n%s", path, a, b)
		}
		if full != nil && ir.Dump(full) != ir.Dump(fast) {
			t.Errorf("%s: the IR differs with the error rules only", path)
		}
	}
	if refused == 0 {
		t.Error("no golden case is refused: the test compares nothing that fails")
	}
}

// TestBuildNamespacesMatchesBuild checks on every golden case that the policies
// netpol.BuildNamespaces builds for one namespace (netc explain) are Build's.
func TestBuildNamespacesMatchesBuild(t *testing.T) {
	compared := 0
	for _, path := range goldenCases(t) {
		_, inputs := caseInputs(t, path)
		r := run(t, inputs)
		if r.prog == nil {
			continue
		}
		all := netpol.Build(r.prog)
		for _, want := range all {
			got := netpol.BuildNamespaces(r.prog, func(ns string) bool { return ns == want.Name })
			if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
				t.Errorf("%s: namespace %s: BuildNamespaces differs from Build", path, want.Name)
			}
			compared++
		}
	}
	if compared == 0 {
		t.Error("no namespace compared")
	}
}
