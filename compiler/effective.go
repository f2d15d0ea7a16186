package compiler

import (
	"fmt"

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
	for _, ag := range e.Eval.GrantsOf(a) {
		for req := range k8sapi.Requests(ag, a) {
			asS := req
			asS.Subject = s
			if !e.Holds(asS) {
				return asS, ag, true
			}
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
// the subjects in first-seen order: its own grants, then the grants of every account it
// can act as, transitively, each through the first path found (breadth first).
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
	for _, id := range order {
		s := subj[id]
		if len(e.RunAsOf(s)) == 0 {
			continue
		}
		own := map[*ir.Grant]bool{}
		for _, en := range bySubject[id] {
			own[en.g] = true
		}
		type hop struct {
			account ir.Subject
			via     *ir.Grant
		}
		seen := map[rbacSubjectID]bool{id: true}
		var queue []hop
		for _, st := range e.ActsAs(s) {
			if aid := rbacSubjectOf(st.Account); !seen[aid] {
				seen[aid] = true
				queue = append(queue, hop{st.Account, st.Via.Grant})
			}
		}
		for len(queue) > 0 {
			h := queue[0]
			queue = queue[1:]
			for _, ag := range e.Eval.GrantsOf(h.account) {
				if !own[ag] {
					own[ag] = true
					bySubject[id] = append(bySubject[id], sodEntry{g: ag, via: h.via, account: h.account})
				}
			}
			for _, st := range e.ActsAs(h.account) {
				if aid := rbacSubjectOf(st.Account); !seen[aid] {
					seen[aid] = true
					queue = append(queue, hop{st.Account, h.via})
				}
			}
		}
	}
	return order, bySubject
}
