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
	// ErrorRulesOnly runs only the least-privilege rules whose severity (netc.hcl's
	// applied) is error, and reports no unused waiver: the program is refused exactly
	// when netc build would refuse it, but the rules' warnings and notes are not
	// computed. For the reading commands (netc explain, netc diff), whose answers do
	// not depend on warnings; netc check and netc build run every rule.
	ErrorRulesOnly bool
}

// stage is one named step of the compiler. Stages run in order, each over the state
// the ones before it left (the compiler struct says which stage fills what).
type stage struct {
	name string
	// needsClean stops the pipeline before this stage when there are errors: the
	// stage reads the IR as a whole, and a program with errors is not one.
	needsClean bool
	run        func(c *compiler)
}

var stages = []stage{
	// netc.hcl's rule severities, and an error for each unknown rule id in it.
	{name: "config", run: (*compiler).checkConfig},
	// `# netc:allow` comments, checked against the rule table config built.
	{name: "waivers", run: (*compiler).readWaivers},
	// Namespaces flattened; services, databases, externals and roles recorded.
	{name: "declare", run: (*compiler).declare},
	// The undeclared target of every `as role` becomes a postgres database.
	{name: "implicit-databases", run: (*compiler).implicitDatabases},
	// Intents and grants resolved to IR edges and grants, in source order.
	{name: "lower", run: (*compiler).lower},
	// Role declarations resolved to their databases and privileges.
	{name: "roles", run: (*compiler).lowerRoles},
	// Except lists for every ipBlock; CIDRs inside the cluster refused (clusternet.go).
	{name: "cluster-networks", run: (*compiler).clusterNetworks},
	// The IR sorted and de-duplicated, so every backend's output is byte-stable.
	{name: "canonicalise", run: (*compiler).canonicalise},
	// Same selectors refused; narrower workloads' pods left out (overlap.go).
	{name: "selectors", run: (*compiler).selectors},
	{name: "assertions", needsClean: true, run: (*compiler).assertions},
	{name: "rules", needsClean: true, run: (*compiler).runRules},
	// What the outputs cannot take: names, privileges and logins a database's engine
	// refuses (sqlcheck.go), a "*" no waiver lets through (grants.go). It runs last, on
	// a clean program, so a program it refuses still shows every rule's finding.
	{name: "targets", needsClean: true, run: func(c *compiler) { c.checkSQL(); c.checkWildcards() }},
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
	return CompileParsed(files, diags, opts)
}

// readWaivers collects the waiver comments of every file.
func (c *compiler) readWaivers() {
	for _, f := range c.files {
		c.collectWaivers(f)
	}
}
