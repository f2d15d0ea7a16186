package backends

import (
	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
)

// Result is one run of the pipeline.
type Result struct {
	Program *ir.Program     // nil when the program has errors
	Files   []artifact.File // nil when the program or a backend has errors
	Diags   diag.List       // sorted and de-duplicated: exactly what users see
}

// Pipeline is the build every caller shares — netc build and check, the golden and
// example tests, fuzzing: it compiles srcs as one program with cfg (nil: the defaults)
// and, when the program has no errors, runs the backends cfg enables. Files are set
// only when nothing has errors, so a caller writes all of a build or none of it.
//
// Reading netc.hcl (config.Load) comes first and stays the caller's: a netc.hcl with
// errors stops before any source is read.
func Pipeline(srcs []compiler.Source, cfg *config.Config) Result {
	var r Result
	r.Program, r.Diags = compiler.Compile(srcs, compiler.Options{Config: cfg})
	if r.Program == nil || r.Diags.HasErrors() {
		r.Program = nil
		return r
	}
	files, diags := Build(r.Program, cfg)
	r.Diags = append(r.Diags, diags...)
	r.Diags.Sort()
	if !r.Diags.HasErrors() {
		r.Files = files
	}
	return r
}
