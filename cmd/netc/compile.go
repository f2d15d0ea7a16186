package main

import (
	"github.com/netc-dev/netc/backends"
	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
)

// result is one run of the pipeline that build and check share: configuration,
// sources, compiler, backends.
type result struct {
	cfg   *config.Config
	srcs  []compiler.Source
	files []artifact.File
	// program is the compiled program, nil when it has errors (plan and audit read the
	// SQL model from it).
	program *ir.Program
	diags   diag.List
}

// compileInputs reads the configuration and the inputs and runs the compiler and the
// backends, stopping at the first stage with errors. Its error is an I/O failure
// (exit 2); problems with the input itself are diagnostics.
func compileInputs(e env, args []string, configFlag, stdinName string) (*result, error) {
	ins, err := collectInputs(args, stdinName)
	if err != nil {
		return nil, err
	}
	r := &result{}
	cfg, diags, err := loadConfig(configFlag, args, stdinName)
	if err != nil {
		return nil, err
	}
	r.diags = append(r.diags, diags...)
	if r.diags.HasErrors() {
		return r, nil
	}
	r.cfg = cfg
	srcs, diags, err := readSources(ins, e.stdin)
	if err != nil {
		return nil, err
	}
	r.srcs = srcs
	r.diags = append(r.diags, diags...)
	if r.diags.HasErrors() {
		return r, nil
	}
	res := backends.Pipeline(srcs, cfg)
	r.files = res.Files
	r.program = res.Program
	r.diags = append(r.diags, res.Diags...)
	r.diags.Sort()
	return r, nil
}

// sources returns a lookup of the inputs' bytes by diagnostic name (for SARIF's
// UTF-16 columns).
func (r *result) sources() func(string) []byte {
	byName := make(map[string][]byte, len(r.srcs))
	for _, s := range r.srcs {
		byName[s.Name] = s.Data
	}
	return func(name string) []byte { return byName[name] }
}
