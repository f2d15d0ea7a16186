// Package compiler turns parsed netc programs into the resolved, canonical IR
// (package ir): it resolves names, lowers intents, grants and roles, canonicalises, runs
// the least-privilege rules and checks assertions. It is a table of named stages.
package compiler

import (
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
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

// Compile parses and compiles srcs as one program. The program is nil when the
// diagnostics hold errors that make it meaningless; diagnostics are sorted.
func Compile(srcs []Source, opts Options) (*ir.Program, diag.List) {
	panic("compiler.Compile: being written")
}
