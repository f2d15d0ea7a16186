package compiler

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/ast"
)

// ruleTable is every rule, in the order `netc rules` lists them.
var ruleTable = slices.Concat(netRules, overlapRules, clusterRules, rbacRules, sqlRules)

// Rules returns the rule table, in the order `netc rules` lists it.
func Rules() []Rule { return slices.Clone(ruleTable) }

// waiver is one `# netc:allow RULE[,RULE] reason` comment.
type waiver struct {
	rule string
	span diag.Span
	used bool
}

func (c *compiler) collectWaivers(f *ast.File) {
	for _, cm := range f.Comments {
		if !utf8.ValidString(cm.Text) {
			continue // the lexer reported it; its bytes must not reach a message
		}
		rest, ok := cm.Waiver()
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			c.errorf(cm.Span, "waiver names no rule; write `# netc:allow RULE-ID reason`")
			continue
		}
		if len(fields) == 1 {
			c.diags.Add(diag.Diagnostic{Severity: diag.Warning, Span: cm.Span,
				Message: "waiver of " + fields[0] + " gives no reason; write `# netc:allow RULE-ID reason` so reviewers know why"})
		}
		for _, id := range strings.Split(fields[0], ",") {
			if _, known := c.severity[id]; !known {
				c.errorf(cm.Span, "waiver names unknown rule %q; %s", id, didYouMean(id))
				continue
			}
			if c.waivers == nil {
				c.waivers = map[string]map[int][]*waiver{}
			}
			lines := c.waivers[cm.Span.File]
			if lines == nil {
				lines = map[int][]*waiver{}
				c.waivers[cm.Span.File] = lines
			}
			lines[cm.Span.Start.Line] = append(lines[cm.Span.Start.Line], &waiver{rule: id, span: cm.Span})
		}
	}
}

// waived reports whether rule is waived on the line where span starts, and marks the
// waiver used.
func (c *compiler) waived(rule string, span diag.Span) bool {
	for _, w := range c.waivers[span.File][span.Start.Line] {
		if w.rule == rule {
			w.used = true
			return true
		}
	}
	return false
}

// waivedAt lists the rules waived on the line where span starts (for the IR).
func (c *compiler) waivedAt(span diag.Span) []string {
	var out []string
	for _, w := range c.waivers[span.File][span.Start.Line] {
		out = append(out, w.rule)
	}
	return sortedUnique(out)
}

// checkConfig applies netc.hcl's rule severities, reporting unknown rule ids.
func (c *compiler) checkConfig() {
	c.severity = map[string]diag.Severity{}
	for _, r := range ruleTable {
		c.severity[r.ID] = r.Severity
	}
	for _, s := range c.cfg.Rules {
		if _, ok := c.severity[s.ID]; !ok {
			c.errorf(s.Span, "unknown rule %q; %s", s.ID, didYouMean(s.ID))
			continue
		}
		c.severity[s.ID] = s.Severity
	}
}

type reporter struct {
	c    *compiler
	rule *Rule
}

func (r reporter) Report(span diag.Span, msg string, related ...diag.Related) {
	sev := r.c.severity[r.rule.ID]
	if sev == diag.Off || r.c.waived(r.rule.ID, span) {
		return
	}
	r.c.diags.Add(diag.Diagnostic{Severity: sev, Rule: r.rule.ID, Span: span, Message: msg,
		Detail: r.rule.Remediation, Related: related})
}

func (c *compiler) runRules() {
	for i := range ruleTable {
		r := &ruleTable[i]
		if sev := c.severity[r.ID]; sev == diag.Off || c.errorRulesOnly && sev != diag.Error {
			continue
		}
		r.Check(c.prog, reporter{c, r})
	}
	if c.errorRulesOnly {
		return // the rules that did not run would leave their waivers unused
	}
	for _, lines := range c.waivers {
		for _, ws := range lines {
			for _, w := range ws {
				if !w.used && c.severity[w.rule] != diag.Off {
					c.diags.Add(diag.Diagnostic{Severity: diag.Warning, Span: w.span,
						Message: "waiver of " + w.rule + " matches no finding on this line; remove it"})
				}
			}
		}
	}
}

// didYouMean suggests the rule id nearest to id ("did you mean any-port?"), or points
// at `netc rules` when none is close.
func didYouMean(id string) string {
	ids := make([]string, 0, len(ruleTable))
	for _, r := range ruleTable {
		ids = append(ids, r.ID)
	}
	if best := diag.Closest(id, 3, ids...); best != "" {
		return "did you mean " + best + "?"
	}
	return "`netc rules` lists them"
}
