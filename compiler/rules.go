package compiler

import (
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
)

// Rule is one least-privilege rule: data, not code paths. `netc rules` lists the
// table; netc.hcl overrides Severity; `# netc:allow ID reason` waives one line.
type Rule struct {
	ID          string
	Severity    diag.Severity // default severity
	Doc         string        // one line: what it finds
	Remediation string        // one or two sentences: how to fix it
	// Check reports findings over the IR. It must be linear (or n log n) in the program.
	Check func(p *ir.Program, r Reporter)
}

// Reporter collects a rule's findings. Report takes the exact span of the offending
// construct and a one-line message; the compiler adds severity, rule id, remediation and
// applies waivers and configuration.
type Reporter interface {
	Report(span diag.Span, msg string, related ...diag.Related)
}
