package compiler

import (
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/ast"
)

// CompileParsed compiles files that are already parsed, as Compile does with sources:
// parseDiags are the parser's diagnostics for them, reported with the rest. It is for
// callers that keep parse results between compilations (the language server re-parses
// only the file that changed). The compiler never modifies the syntax trees, so the
// same files may be compiled again.
func CompileParsed(files []*ast.File, parseDiags diag.List, opts Options) (*ir.Program, diag.List) {
	c := newCompiler(opts, files)
	c.diags = append(diag.List(nil), parseDiags...)
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
