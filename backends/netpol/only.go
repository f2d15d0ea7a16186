package netpol

import "github.com/netc-dev/netc/compiler/ir"

// BuildNamespaces is Build for the locked-down namespaces keep accepts only: a reader
// that looks at a few namespaces (netc explain of one pair) need not build the
// policies of all of them.
func BuildNamespaces(p *ir.Program, keep func(ns string) bool) []Namespace {
	ix := index(p, keep)
	var out []Namespace
	for _, ns := range ix.namespaces {
		if keep(ns.name) {
			out = append(out, ix.build(ns, new(arena)))
		}
	}
	return out
}
