// Package compiler turns parsed netc programs into the resolved, canonical IR
// (package ir): it resolves names, lowers intents, grants and roles, canonicalises, runs
// the least-privilege rules and checks assertions. It is a table of named stages.
package compiler

import (
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/ast"
	"github.com/netc-dev/netc/lang/parser"
)

// Source is one input file: Name as the user named it, Data its bytes.
type Source struct {
	Name string
	Data []byte
}

// Options control one compilation.
type Options struct {
	// Config is netc.hcl, or config.Default() when nil.
	Config *config.Config
}

// stage is one named step of the compiler. Stages run in order; a stage that needs a
// clean program stops the pipeline when errors are present before it.
type stage struct {
	name       string
	needsClean bool
	run        func(c *compiler)
}

var stages = []stage{
	{"declare", false, (*compiler).declare},
	{"implicit-databases", false, (*compiler).implicitDatabases},
	{"lower", false, (*compiler).lower},
	{"roles", false, (*compiler).lowerRoles},
	{"canonicalise", false, (*compiler).canonicalise},
	{"assertions", true, (*compiler).assertions},
	{"rules", true, (*compiler).runRules},
}

// Compile parses and compiles srcs as one program. The program is nil when the
// diagnostics hold errors; diagnostics are sorted.
func Compile(srcs []Source, opts Options) (*ir.Program, diag.List) {
	files := make([]*ast.File, 0, len(srcs))
	var diags diag.List
	for _, s := range srcs {
		f, d := parser.ParseFile(s.Name, s.Data)
		diags = append(diags, d...)
		files = append(files, f)
	}
	return compileFiles(files, diags, opts)
}

func compileFiles(files []*ast.File, diags diag.List, opts Options) (*ir.Program, diag.List) {
	c := newCompiler(opts)
	c.files = files
	c.diags = diags
	c.checkConfig()
	for _, st := range stages {
		if st.needsClean && c.diags.HasErrors() {
			break
		}
		st.run(c)
	}
	c.diags.Sort()
	if c.diags.HasErrors() {
		return nil, c.diags
	}
	return c.prog, c.diags
}
