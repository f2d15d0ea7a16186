package ir

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netc-dev/netc/diag"
)

// exact checks the facts of exact.go: every workload leaves out exactly the narrower
// workloads of its namespace, with terms that neither reach their pods nor miss one of
// its own; every ipBlock leaves out exactly the cluster networks inside it, and none
// lies inside one.
func (v *validator) exact(p *Program) {
	v.exclusions(p)
	ranges := p.Cluster.Ranges()
	for i := 1; i < len(ranges); i++ {
		if ranges[i-1].Overlaps(ranges[i]) {
			v.diags.Errorf(diag.Span{}, "cluster networks %s and %s overlap", ranges[i-1], ranges[i])
		}
	}
	for _, d := range p.Databases {
		v.outsideCluster(d.Span, "database "+d.Namespace+"/"+d.Name, d.CIDRs, ranges)
	}
	for _, x := range p.Externals {
		v.outsideCluster(x.Span, "external "+x.Namespace+"/"+x.Name, x.CIDRs, ranges)
	}
	seen := map[*Peer]bool{}
	for _, e := range p.Edges {
		for _, end := range []*Peer{e.From, e.To} {
			if end != nil && end.Kind == PeerCIDRs && !seen[end] {
				seen[end] = true
				v.blocks(e.Span, end, ranges)
			}
		}
	}
}

func (v *validator) outsideCluster(span diag.Span, what string, cidrs, ranges []netip.Prefix) {
	for _, c := range cidrs {
		for _, r := range ranges {
			if PrefixWithin(c, r) {
				v.diags.Errorf(span, "%s: %s lies inside the cluster network %s", what, c, r)
			}
		}
	}
}

// blocks checks that peer's ipBlocks are its CIDRs minus exactly the cluster networks
// strictly inside each.
func (v *validator) blocks(span diag.Span, peer *Peer, ranges []netip.Prefix) {
	if len(peer.Blocks) != len(peer.CIDRs) {
		v.diags.Errorf(span, "%s has %d CIDRs but %d ipBlocks", peer.Key(), len(peer.CIDRs), len(peer.Blocks))
		return
	}
	for i, b := range peer.Blocks {
		if b.CIDR != peer.CIDRs[i] {
			v.diags.Errorf(span, "%s: ipBlock %d is %s, not its CIDR %s", peer.Key(), i, b.CIDR, peer.CIDRs[i])
			continue
		}
		var want []netip.Prefix
		for _, r := range ranges {
			if r != b.CIDR && PrefixWithin(r, b.CIDR) {
				want = append(want, r)
			}
		}
		if !slices.Equal(b.Except, want) {
			v.diags.Errorf(span, "%s: ipBlock %s leaves out [%s], but the cluster networks inside it are [%s]",
				peer.Key(), b.CIDR, joinPrefixes(b.Except), joinPrefixes(want))
		}
	}
}

func joinPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, " ")
}

// maxCoverageSteps bounds the search that checks a workload's terms miss none of its pods.
const maxCoverageSteps = 1 << 16

type exclusionOf struct {
	what, ns, name string
	labels         []Label
	ex             *Exclusion
	span           diag.Span
}

func (v *validator) exclusions(p *Program) {
	var ws []exclusionOf
	var sel []Selecting
	for _, s := range p.Services {
		ws = append(ws, exclusionOf{"service", s.Namespace, s.Name, s.Labels, &s.Exclusion, s.Span})
		sel = append(sel, Selecting{Namespace: s.Namespace, Labels: s.Labels})
	}
	for _, d := range p.Databases {
		if !d.InCluster() {
			if len(d.Exclusion.Narrower)+len(d.Exclusion.Terms) > 0 {
				v.diags.Errorf(d.Span, "database %s/%s is outside the cluster but leaves out pods", d.Namespace, d.Name)
			}
			continue
		}
		ws = append(ws, exclusionOf{"database", d.Namespace, d.Name, d.Labels, &d.Exclusion, d.Span})
		sel = append(sel, Selecting{Namespace: d.Namespace, Labels: d.Labels})
	}
	narrower, same := Overlaps(sel)
	for _, pr := range same {
		a, b := ws[pr[0]], ws[pr[1]]
		v.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: b.span,
			Message: fmt.Sprintf("%s %s/%s and %s %s/%s have the same selector: their policies would select each other's pods", b.what, b.ns, b.name, a.what, a.ns, a.name),
			Related: []diag.Related{{Span: a.span, Message: "the other one"}}})
	}
	for i, w := range ws {
		v.exclusion(w, ws, narrower[i])
	}
}

// exclusion checks one workload's Narrower against the namespace, and its Terms: each
// term must reach no narrower workload's pod (every term holds a label of each one's
// extra labels), and together they must reach every pod that carries its labels and
// belongs to no narrower workload (every minimal way of lacking one extra label of each
// is some term's).
func (v *validator) exclusion(w exclusionOf, ws []exclusionOf, narrower []int) {
	ex := w.ex
	var want []string
	extra := map[string][]Label{}
	for _, j := range narrower {
		want = append(want, ws[j].name)
		var x []Label
		for _, l := range ws[j].labels {
			if !slices.Contains(w.labels, l) {
				x = append(x, l)
			}
		}
		extra[ws[j].name] = x
	}
	slices.Sort(want)
	var got []string
	for _, n := range ex.Narrower {
		got = append(got, n.Name)
		if x, ok := extra[n.Name]; ok && !slices.Equal(x, n.Extra) {
			v.diags.Errorf(w.span, "%s %s/%s: narrower %s adds %s, not %s", w.what, w.ns, w.name, n.Name, labelsText(x), labelsText(n.Extra))
		}
	}
	if !slices.Equal(got, want) {
		v.diags.Errorf(w.span, "%s %s/%s leaves out [%s], but the workloads its labels also select are [%s]",
			w.what, w.ns, w.name, strings.Join(got, " "), strings.Join(want, " "))
		return
	}
	switch {
	case len(want) == 0 && len(ex.Terms) == 0:
		return
	case len(want) == 0 || len(ex.Terms) == 0:
		v.diags.Errorf(w.span, "%s %s/%s: %d narrower workloads but %d selector terms", w.what, w.ns, w.name, len(want), len(ex.Terms))
		return
	case len(ex.Terms) > MaxSelectorTerms:
		v.diags.Errorf(w.span, "%s %s/%s takes %d selector terms, more than %d", w.what, w.ns, w.name, len(ex.Terms), MaxSelectorTerms)
		return
	}
	terms := make([]map[Label]bool, len(ex.Terms))
	for i, t := range ex.Terms {
		if len(t.Without) == 0 || !slices.IsSortedFunc(t.Without, CompareLabels) ||
			len(slices.CompactFunc(slices.Clone(t.Without), func(a, b Label) bool { return a == b })) != len(t.Without) {
			v.diags.Errorf(w.span, "%s %s/%s: a selector term's labels are empty, unsorted or repeated", w.what, w.ns, w.name)
			return
		}
		terms[i] = map[Label]bool{}
		for _, l := range t.Without {
			if slices.ContainsFunc(w.labels, func(m Label) bool { return m.Key == l.Key }) {
				v.diags.Errorf(w.span, "%s %s/%s: a selector term leaves out %s=%s, a key of its own labels", w.what, w.ns, w.name, l.Key, l.Value)
				return
			}
			terms[i][l] = true
		}
		for _, n := range want {
			if !slices.ContainsFunc(extra[n], func(l Label) bool { return terms[i][l] }) {
				v.diags.Errorf(w.span, "%s %s/%s: selector term without %s still selects the pods of %s", w.what, w.ns, w.name, labelsText(t.Without), n)
				return
			}
		}
	}
	// Completeness. A one-label clause is in every term (soundness, above), so it is
	// lacked from the start; the search runs over the clauses it does not meet.
	lacking := map[Label]int{}
	for _, n := range want {
		if x := extra[n]; len(x) == 1 {
			lacking[x[0]]++
		}
	}
	var clauses [][]Label
	for _, n := range want {
		if x := extra[n]; !slices.ContainsFunc(x, func(l Label) bool { return lacking[l] > 0 }) {
			clauses = append(clauses, x)
		}
	}
	residual := make([][]Label, len(terms))
	for i, t := range ex.Terms {
		for _, l := range t.Without {
			if lacking[l] == 0 {
				residual[i] = append(residual[i], l)
			}
		}
	}
	steps := 0
	var missed []Label
	var covered func(i int) bool
	covered = func(i int) bool {
		if steps++; steps > maxCoverageSteps {
			return true // reported below
		}
		for _, t := range residual {
			if !slices.ContainsFunc(t, func(l Label) bool { return lacking[l] == 0 }) {
				return true
			}
		}
		if i == len(clauses) {
			for l, n := range lacking {
				if n > 0 {
					missed = append(missed, l)
				}
			}
			slices.SortFunc(missed, CompareLabels)
			return false
		}
		if slices.ContainsFunc(clauses[i], func(l Label) bool { return lacking[l] > 0 }) {
			return covered(i + 1)
		}
		for _, l := range clauses[i] {
			lacking[l]++
			ok := covered(i + 1)
			lacking[l]--
			if !ok {
				return false
			}
		}
		return true
	}
	switch {
	case !covered(0):
		v.diags.Errorf(w.span, "%s %s/%s: no selector term reaches its pods that lack %s", w.what, w.ns, w.name, labelsText(missed))
	case steps > maxCoverageSteps:
		v.diags.Errorf(w.span, "%s %s/%s: its selector terms are too many combinations to check", w.what, w.ns, w.name)
	}
}

func labelsText(ls []Label) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = l.Key + "=" + l.Value
	}
	return strings.Join(s, ",")
}
