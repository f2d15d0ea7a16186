package compiler

import (
	"fmt"
	"slices"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/compiler/k8sapi"
	"github.com/netc-dev/netc/diag"
)

// Effective privileges in the rules: a subject that can create workloads in a namespace
// (or exec into its pods, or mint its accounts' tokens) acts as the ServiceAccounts
// there; k8sapi.Effective computes the paths, this file turns them into findings.

// checkAccessToCreatePods reports each grant that lets its subject run pods in a
// namespace where an account holds a right the subject does not hold itself (counting
// the Secrets and ConfigMaps it can mount anyway). A deploy grant in a namespace whose
// accounts hold nothing more stays quiet.
func checkAccessToCreatePods(p *ir.Program, r Reporter) {
	e := k8sapi.NewEffective(p)
	self := rbacSubjectOf
	for _, g := range p.Grants {
		var workload *k8sapi.RunAs
		for _, ra := range k8sapi.RunAsPaths(g) {
			if ra.Mounts {
				workload = &ra
				break
			}
		}
		if workload == nil {
			continue
		}
		var more []string
		var related []diag.Related
		for _, a := range e.AccountsIn(g.Namespaces, g.Cluster) {
			if self(a) == self(g.Subject) {
				continue
			}
			if req, ag, ok := rbacFirstExtra(e, g.Subject, a); ok {
				more = append(more, fmt.Sprintf("%s (%s)", a.Key(), req.Describe()))
				if len(related) < 3 {
					related = append(related, diag.Related{Span: ag.Span, Message: "this grant gives " + a.Key() + " " + req.Describe()})
				}
			}
		}
		if len(more) == 0 {
			continue
		}
		r.Report(g.Span, fmt.Sprintf("%s can %s %s, so it can run pods as %s, and so holds rights it was not granted",
			g.Subject.Key(), workload.How, rbacGrantScope(g), rbacJoinParts(more, 3)), related...)
	}
}

// rbacFirstExtra finds the first request that account a may make and subject s may not
// (on its own), and the grant of a that allows it.
func rbacFirstExtra(e *k8sapi.Effective, s, a ir.Subject) (k8sapi.Request, *ir.Grant, bool) {
	for _, gr := range e.GrantedTo(a) {
		asS := gr.Request
		asS.Subject = s
		if !e.Holds(asS) {
			return asS, gr.Grant, true
		}
	}
	return k8sapi.Request{}, nil, false
}

// sodEntry is one grant that counts for a subject's duties: its own (via nil), or one
// of an account it can act as, reached through its own grant via.
type sodEntry struct {
	g       *ir.Grant
	via     *ir.Grant
	account ir.Subject
}

// sodEntries lists the grants that count for each subject's separation of duties, with
// the subjects in first-seen order: its own grants, then the grants of the accounts it
// can act as, transitively. Of the accounts' grants only those that change policy or
// deploy, and only the first of each per namespace, are kept (sodReach), so that many
// deployers over many accounts stay linear.
func sodEntries(p *ir.Program) ([]rbacSubjectID, map[rbacSubjectID][]sodEntry) {
	e := k8sapi.NewEffective(p)
	bySubject := map[rbacSubjectID][]sodEntry{}
	subj := map[rbacSubjectID]ir.Subject{}
	var order []rbacSubjectID
	for _, g := range p.Grants {
		id := rbacSubjectOf(g.Subject)
		if _, ok := bySubject[id]; !ok {
			order = append(order, id)
			subj[id] = g.Subject
		}
		bySubject[id] = append(bySubject[id], sodEntry{g: g})
	}
	reach := &sodReach{e: e, memo: map[rbacSubjectID][]sodEntry{}, byNS: map[string][]sodEntry{}}
	for _, id := range order {
		s := subj[id]
		own := map[*ir.Grant]bool{}
		for _, en := range bySubject[id] {
			own[en.g] = true
		}
		for _, ra := range e.RunAsOf(s) {
			for _, ns := range e.Targets(ra) {
				for _, en := range reach.ofNamespace(ns, ra.Names) {
					if !own[en.g] && rbacSubjectOf(en.account) != id {
						own[en.g] = true
						en.via = ra.Grant
						bySubject[id] = append(bySubject[id], en)
					}
				}
			}
		}
	}
	return order, bySubject
}

// sodReach computes, once per account, the duty grants of the account and of every
// account it reaches: the first grant that changes policy and the first that deploys,
// per namespace and cluster-wide.
type sodReach struct {
	e    *k8sapi.Effective
	memo map[rbacSubjectID][]sodEntry
	byNS map[string][]sodEntry // every account of a namespace together
}

// ofNamespace is of for the accounts of ns, or for those called names (nil: all).
func (r *sodReach) ofNamespace(ns string, names []string) []sodEntry {
	if out, ok := r.byNS[ns]; ok && names == nil {
		return out
	}
	var out []sodEntry
	seen := map[*ir.Grant]bool{}
	taken := map[sodSlot]bool{}
	for _, a := range r.e.AccountsIn([]string{ns}, false) {
		if names != nil && !slices.Contains(names, a.Name) {
			continue
		}
		for _, en := range r.of(a) {
			if !seen[en.g] && sodFirst(taken, en.g) {
				seen[en.g] = true
				out = append(out, en)
			}
		}
	}
	if names == nil {
		r.byNS[ns] = out
	}
	return out
}

func (r *sodReach) of(a ir.Subject) []sodEntry {
	id := rbacSubjectOf(a)
	if out, ok := r.memo[id]; ok {
		return out
	}
	taken := map[sodSlot]bool{}
	var out []sodEntry
	seen := map[rbacSubjectID]bool{id: true}
	queue := []ir.Subject{a}
	for len(queue) > 0 {
		acc := queue[0]
		queue = queue[1:]
		for _, g := range r.e.Eval.GrantsOf(acc) {
			if sodFirst(taken, g) {
				out = append(out, sodEntry{g: g, account: acc})
			}
		}
		for _, st := range r.e.ActsAs(acc) {
			if aid := rbacSubjectOf(st.Account); !seen[aid] {
				seen[aid] = true
				queue = append(queue, st.Account)
			}
		}
	}
	r.memo[id] = out
	return out
}

// sodSlot is one duty in one namespace ("" for cluster-wide).
type sodSlot struct {
	ns  string
	pol bool
}

// sodFirst reports whether g is the first grant seen for one of the duty slots it fills,
// and takes them.
func sodFirst(taken map[sodSlot]bool, g *ir.Grant) bool {
	first := false
	for _, pol := range []bool{true, false} {
		if (pol && !grantChangesPolicy(g)) || (!pol && !grantDeploys(g)) {
			continue
		}
		nss := g.Namespaces
		if g.Cluster {
			nss = []string{""}
		}
		for _, ns := range nss {
			if k := (sodSlot{ns, pol}); !taken[k] {
				taken[k], first = true, true
			}
		}
	}
	return first
}
