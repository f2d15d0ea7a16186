package compiler

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
)

// A workload's pods are the ones its labels select, minus those of narrower workloads
// (docs/language.md, "Selectors that overlap"). This file is the selectors stage: it
// refuses two workloads of a namespace with one selector, and writes each workload's
// ir.Exclusion.

// selectorWorkload is a service or in-cluster database, as the selectors stage sees it.
type selectorWorkload struct {
	kind, ns, name string
	labels         []ir.Label
	span           diag.Span
	exclusion      *ir.Exclusion
}

func (w selectorWorkload) key() string { return quoteName(key(w.ns, w.name)) }

// workloadsOf lists the services and in-cluster databases of p, in IR order.
func workloadsOf(p *ir.Program) ([]selectorWorkload, []ir.Selecting) {
	var ws []selectorWorkload
	var sel []ir.Selecting
	for _, s := range p.Services {
		ws = append(ws, selectorWorkload{"service", s.Namespace, s.Name, s.Labels, s.Span, &s.Exclusion})
		sel = append(sel, ir.Selecting{Namespace: s.Namespace, Labels: s.Labels})
	}
	for _, d := range p.Databases {
		if d.InCluster() {
			ws = append(ws, selectorWorkload{"database", d.Namespace, d.Name, d.Labels, d.Span, &d.Exclusion})
			sel = append(sel, ir.Selecting{Namespace: d.Namespace, Labels: d.Labels})
		}
	}
	return ws, sel
}

// selectors runs after canonicalise, when every workload is known and sorted.
func (c *compiler) selectors() {
	ws, sel := workloadsOf(c.prog)
	narrower, same := ir.Overlaps(sel)
	for _, pr := range same {
		a, b := ws[pr[0]], ws[pr[1]]
		if b.span.Compare(a.span) < 0 {
			a, b = b, a
		}
		c.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: b.span,
			Message: fmt.Sprintf("%s %s and %s %s have the same selector %s, so each would get the other's paths; give one a label of its own",
				b.kind, b.key(), a.kind, a.key(), labelList(b.labels)),
			Related: []diag.Related{{Span: a.span, Message: a.kind + " " + a.key() + " declared here"}}})
	}
	for i := range narrower {
		if len(narrower[i]) > 0 {
			c.exclude(ws, narrower, i)
		}
	}
}

// exclude writes ws[i]'s exclusion of its narrower workloads, narrower[i].
func (c *compiler) exclude(ws []selectorWorkload, narrower [][]int, i int) {
	w, ns := ws[i], narrower[i]
	ex := w.exclusion
	// Only the minimal narrower workloads need a clause: a pod outside one is outside
	// every workload narrower than it too.
	inner := map[int]bool{}
	for _, k := range narrower[i] {
		for _, j := range narrower[k] {
			inner[j] = true
		}
	}
	var clauses [][]ir.Label
	for _, j := range ns {
		extra := extraLabels(w.labels, ws[j].labels)
		ex.Narrower = append(ex.Narrower, ir.Narrower{Name: ws[j].name, Extra: extra, Span: ws[j].span})
		if !inner[j] {
			clauses = append(clauses, extra)
		}
	}
	slices.SortFunc(ex.Narrower, func(a, b ir.Narrower) int { return strings.Compare(a.Name, b.Name) })
	terms, ok := transversals(clauses, ir.MaxSelectorTerms)
	if !ok {
		var names []string
		var related []diag.Related
		for _, n := range ex.Narrower[:min(len(ex.Narrower), maxNamed)] {
			names = append(names, n.Name)
			related = append(related, diag.Related{Span: n.Span, Message: n.Name + " declared here"})
		}
		if more := len(ex.Narrower) - maxNamed; more > 0 {
			names = append(names, fmt.Sprintf("%d more", more))
		}
		c.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: w.span,
			Message: fmt.Sprintf("%s %s (%s) also selects the pods of %d narrower workloads (%s); leaving them out takes more than %d selectors",
				w.kind, w.key(), labelList(w.labels), len(ex.Narrower), strings.Join(names, ", "), ir.MaxSelectorTerms),
			Detail:  "Give " + w.name + " a label of its own that the others do not carry (for example app=" + w.name + "), so its selector no longer reaches their pods.",
			Related: related})
		ex.Terms = nil
		return
	}
	for _, t := range terms {
		ex.Terms = append(ex.Terms, ir.Term{Without: t})
	}
}

// maxNamed bounds how many narrower workloads one message names.
const maxNamed = 8

// extraLabels is narrow minus broad (broad within narrow), sorted by key.
func extraLabels(broad, narrow []ir.Label) []ir.Label {
	var out []ir.Label
	for _, l := range narrow {
		if !slices.Contains(broad, l) {
			out = append(out, l)
		}
	}
	return out
}

// transversals returns the minimal sets of labels that meet every clause (a pod
// carrying none of a set's labels lacks one label of each clause, so it is outside
// every clause's workload), sorted, or false when there are more than limit.
//
// Clauses of one label put that label in every set; they are taken out first, so
// many narrower workloads that each add one label (the common case) cost one pass. The
// rest is Berge's algorithm: add the clauses one by one, keep the sets that already meet
// a clause, extend the others by each of its labels, drop the sets that contain
// another. The limit holds at every step.
func transversals(clauses [][]ir.Label, limit int) ([][]ir.Label, bool) {
	forced := map[ir.Label]bool{}
	var base []ir.Label
	for _, cl := range clauses {
		if len(cl) == 1 && !forced[cl[0]] {
			forced[cl[0]] = true
			base = append(base, cl[0])
		}
	}
	var rest [][]ir.Label
	for _, cl := range clauses {
		if !slices.ContainsFunc(cl, func(l ir.Label) bool { return forced[l] }) {
			rest = append(rest, cl)
		}
	}
	slices.SortStableFunc(rest, func(a, b []ir.Label) int { return len(a) - len(b) })
	sets := [][]ir.Label{nil}
	for _, cl := range rest {
		var next [][]ir.Label
		for _, s := range sets {
			if slices.ContainsFunc(cl, func(l ir.Label) bool { return slices.Contains(s, l) }) {
				next = append(next, s)
				continue
			}
			for _, l := range cl {
				next = append(next, append(slices.Clone(s), l))
			}
		}
		sets = minimalSets(next)
		if len(sets) > limit {
			return nil, false
		}
	}
	out := make([][]ir.Label, len(sets))
	for i, s := range sets {
		t := slices.Concat(base, s)
		slices.SortFunc(t, ir.CompareLabels)
		out[i] = t
	}
	slices.SortFunc(out, func(a, b []ir.Label) int { return slices.CompareFunc(a, b, ir.CompareLabels) })
	return out, true
}

// minimalSets drops duplicates and every set that contains another.
func minimalSets(sets [][]ir.Label) [][]ir.Label {
	slices.SortStableFunc(sets, func(a, b []ir.Label) int { return len(a) - len(b) })
	var out [][]ir.Label
	for _, s := range sets {
		if !slices.ContainsFunc(out, func(o []ir.Label) bool { return subsetOf(o, s) }) {
			out = append(out, s)
		}
	}
	return out
}

func subsetOf(a, b []ir.Label) bool {
	for _, l := range a {
		if !slices.Contains(b, l) {
			return false
		}
	}
	return true
}

// labelList renders labels as "k=v, k2=v2".
func labelList(ls []ir.Label) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = l.Key + "=" + l.Value
	}
	return strings.Join(parts, ", ")
}

// overlapRules report what the selectors stage decided, and the overlaps it cannot
// resolve.
var overlapRules = []Rule{
	{
		ID:          "selector-overlap",
		Severity:    diag.Info,
		Doc:         "a workload's labels also select the pods of a narrower workload, whose pods netc leaves out of it",
		Remediation: "Nothing is open that the intents do not say: the broader workload's policies and every peer naming it leave the narrower workload's pods out. To keep the policies short, give the broader one a label of its own.",
		Check:       checkSelectorOverlap,
	},
	{
		ID:          "selector-ambiguous",
		Severity:    diag.Warning,
		Doc:         "two workloads share a label and neither selector contains the other, so a pod carrying both label sets would get the paths of both",
		Remediation: "Give each workload a label the other cannot carry (for example app=NAME), so that no pod can belong to both.",
		Check:       checkSelectorAmbiguous,
	},
}

func checkSelectorOverlap(p *ir.Program, r Reporter) {
	ws, _ := workloadsOf(p)
	for _, w := range ws {
		ex := w.exclusion
		if len(ex.Narrower) == 0 {
			continue
		}
		var names []string
		var related []diag.Related
		for _, n := range ex.Narrower[:min(len(ex.Narrower), maxNamed)] {
			names = append(names, n.Name+" (+"+labelList(n.Extra)+")")
			related = append(related, diag.Related{Span: n.Span, Message: n.Name + " declared here"})
		}
		if more := len(ex.Narrower) - maxNamed; more > 0 {
			names = append(names, fmt.Sprintf("%d more", more))
		}
		sel := "1 selector"
		if len(ex.Terms) > 1 {
			sel = strconv.Itoa(len(ex.Terms)) + " selectors"
		}
		r.Report(w.span, fmt.Sprintf("%s %s (%s) also selects the pods of %s; its policies and the peers naming it leave them out (%s)",
			w.kind, w.key(), labelList(w.labels), strings.Join(names, ", "), sel), related...)
	}
}

// maxAmbiguityChecks bounds the pairs checkSelectorAmbiguous compares: pairs come from
// workloads sharing a label, which hostile input can make quadratic.
const maxAmbiguityChecks = 1 << 20

// checkSelectorAmbiguous reports pairs of one namespace that share a label, neither
// containing the other, whose labels do not conflict (no key with two values): one pod
// can carry both label sets. Pairs sharing no label are not reported (docs/language.md).
func checkSelectorAmbiguous(p *ir.Program, r Reporter) {
	ws, _ := workloadsOf(p)
	type nsLabel struct {
		ns string
		l  ir.Label
	}
	postings := make(map[nsLabel][]int, len(ws))
	var order []nsLabel
	for i, w := range ws {
		for _, l := range w.labels {
			k := nsLabel{w.ns, l}
			if postings[k] == nil {
				order = append(order, k)
			}
			postings[k] = append(postings[k], i)
		}
	}
	seen := map[[2]int]bool{}
	checks := 0
	for _, k := range order {
		list := postings[k]
		for x := 0; x < len(list); x++ {
			for y := x + 1; y < len(list); y++ {
				if checks++; checks > maxAmbiguityChecks {
					return
				}
				a, b := ws[list[x]], ws[list[y]]
				pair := [2]int{list[x], list[y]}
				if seen[pair] || ir.LabelsWithin(a.labels, b.labels) || ir.LabelsWithin(b.labels, a.labels) || conflict(a.labels, b.labels) {
					continue
				}
				seen[pair] = true
				if b.span.Compare(a.span) < 0 {
					a, b = b, a
				}
				r.Report(b.span, fmt.Sprintf("%s %s (%s) and %s %s (%s) can select the same pods: a pod labelled %s would get the paths of both",
					b.kind, b.key(), labelList(b.labels), a.kind, a.key(), labelList(a.labels), labelList(unionLabels(a.labels, b.labels))),
					diag.Related{Span: a.span, Message: a.kind + " " + a.key() + " declared here"})
			}
		}
	}
}

// conflict reports whether a and b give one key two values: no pod carries both.
func conflict(a, b []ir.Label) bool {
	for _, l := range a {
		for _, m := range b {
			if l.Key == m.Key && l.Value != m.Value {
				return true
			}
		}
	}
	return false
}

func unionLabels(a, b []ir.Label) []ir.Label {
	out := slices.Clone(a)
	for _, l := range b {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, ir.CompareLabels)
	return out
}
