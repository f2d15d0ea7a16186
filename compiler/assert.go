package compiler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/compiler/k8sapi"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/ast"
)

// assertions checks every `assert` against the compiled program. Reachability is by
// name: `assert a -> b:80` holds when an intent from a to b opens port 80.
func (c *compiler) assertions() {
	var eval *k8sapi.Effective
	var paths map[[2]*ir.Peer][]*ir.Edge // the edges of each (from, to), in IR order
	for _, st := range c.stmts {
		a := st.s.Assert
		if a == nil {
			continue
		}
		if a.Reach != nil {
			if paths == nil {
				paths = map[[2]*ir.Peer][]*ir.Edge{}
				for _, e := range c.prog.Edges {
					k := [2]*ir.Peer{e.From, e.To}
					paths[k] = append(paths[k], e)
				}
			}
			c.assertReach(st.ns, a, paths)
			continue
		}
		if eval == nil {
			eval = k8sapi.NewEffective(c.prog)
		}
		c.assertGrant(st.ns, a, eval)
	}
}

func (c *compiler) assertReach(ns string, a *ast.Assert, paths map[[2]*ir.Peer][]*ir.Edge) {
	span := a.Span()
	if a.Kind != nil {
		c.errorf(a.Kind.Span(), "unexpected %q: reachability assertions name services, not subject kinds", a.Kind.Value)
		return
	}
	from := c.lookup(ns, a.Subject, false)
	to := c.lookup(ns, a.Reach.Target, false)
	if from == nil || to == nil {
		return
	}
	ports, ok := c.ports(to, a.Reach.Ports)
	if !ok {
		return
	}
	edges := paths[[2]*ir.Peer{from, to}]
	path := from.Key() + " -> " + to.Key()
	if a.Reach.Not {
		for _, e := range edges {
			if len(ports) == 0 {
				c.failAssert(span, fmt.Sprintf("assertion failed: %s is allowed on %s", path, portsText(e.Ports)), e.Span, "allowed by the intent")
				return
			}
			for _, p := range ports {
				if covers(e, p) {
					c.failAssert(span, fmt.Sprintf("assertion failed: %s is allowed on %s", path, portText(p)), e.Span, "allowed by the intent")
					return
				}
			}
		}
		return
	}
	if len(edges) == 0 {
		c.errorf(span, "assertion failed: no intent allows %s", path)
		return
	}
	for _, p := range ports {
		found := false
		for _, e := range edges {
			if covers(e, p) {
				found = true
				break
			}
		}
		if !found {
			var open []ir.Port
			for _, e := range edges {
				open = append(open, e.Ports...)
			}
			slices.SortFunc(open, comparePorts)
			open = slices.CompactFunc(open, func(a, b ir.Port) bool { return comparePorts(a, b) == 0 })
			c.failAssert(span, fmt.Sprintf("assertion failed: %s is not allowed on %s; the intents allow only %s", path, portText(p), portsText(open)),
				edges[0].Span, "nearest intent")
			return
		}
	}
}

// failAssert reports a failed assertion. The text form has one line, so the message
// itself names where the deciding intent or grant is; Related carries it for JSON/SARIF.
func (c *compiler) failAssert(span diag.Span, msg string, rel diag.Span, relMsg string) {
	msg += " (" + relMsg + " at " + rel.String() + ")"
	c.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: span, Message: msg,
		Related: []diag.Related{{Span: rel, Message: relMsg}}})
}

// covers reports whether edge e opens every port of p.
func covers(e *ir.Edge, p ir.Port) bool {
	if len(e.Ports) == 0 {
		return true
	}
	end := max(p.EndPort, p.Port)
	for _, q := range e.Ports {
		if q.Protocol == p.Protocol && q.Port <= p.Port && max(q.EndPort, q.Port) >= end {
			return true
		}
	}
	return false
}

func portText(p ir.Port) string {
	s := fmt.Sprintf("%d", p.Port)
	if p.EndPort != 0 {
		s += fmt.Sprintf("-%d", p.EndPort)
	}
	return s + "/" + strings.ToLower(string(p.Protocol))
}

func portsText(ps []ir.Port) string {
	if len(ps) == 0 {
		return "every port"
	}
	var parts []string
	for _, p := range ps {
		parts = append(parts, portText(p))
	}
	return strings.Join(parts, ", ")
}

// assertGrant decides with effective privileges: what the subject's grants allow, and
// what it can do by acting as accounts (creating pods, exec, token requests).
func (c *compiler) assertGrant(ns string, a *ast.Assert, eval *k8sapi.Effective) {
	span := a.Span()
	g := a.Grant
	subj, ok := c.subject(ns, a.Kind, a.Subject, false)
	if !ok {
		return
	}
	res, ok := c.resources(g)
	if !ok {
		return
	}
	rules, ok := c.grantRules(g, res)
	if !ok {
		return
	}
	nss, cluster, ok := c.scopes(scopeNamespace(ns, subj), g)
	if !ok {
		return
	}
	if cluster {
		nss = []string{""}
	}
	for _, r := range rules {
		for _, verb := range r.Verbs {
			for _, rn := range r.Resources {
				name, sub, _ := strings.Cut(rn, "/")
				namespaced := k8sapi.Namespaced(r.APIGroup, rn)
				resource := k8sapi.Resource{Group: r.APIGroup, Name: name, Subresource: sub, Namespaced: namespaced, Builtin: !namespaced}
				objNames := r.ResourceNames
				if len(objNames) == 0 {
					objNames = []string{""}
				}
				for _, n := range nss {
					for _, on := range objNames {
						d := eval.Decide(k8sapi.Request{Subject: subj, Verb: verb, Resource: resource, Namespace: n, Name: on})
						if d.Allowed == !g.Cannot {
							continue
						}
						msg := "assertion failed: " + d.Reason
						if d.Allowed && (len(d.Path) > 0 || d.Mount != nil) {
							c.failAssertPath(span, subj, k8sapi.Request{Verb: verb, Resource: resource, Namespace: n, Name: on}.Describe(), d)
						} else if d.Grant != nil {
							rel := "decided by the grant"
							if !d.Allowed {
								rel = "nearest grant"
								what := subj.Key() + " cannot " + verb + " " + resource.Short()
								if on != "" {
									what += " named " + on
								}
								if n != "" && namespaced {
									what += " in " + n
								}
								msg = "assertion failed: " + what + ": " + d.Reason
							}
							c.failAssert(span, msg, d.Grant.Span, rel)
						} else {
							c.errorf(span, "%s", msg)
						}
						return
					}
				}
			}
		}
	}
}

// failAssertPath reports a `cannot` assertion that fails through effective privileges:
// the message names the path (subject → account → grant), and each grant on it is a
// related span.
func (c *compiler) failAssertPath(span diag.Span, subj ir.Subject, what string, d k8sapi.EffectiveDecision) {
	parts := d.Explain()
	var rel []diag.Related
	for _, st := range d.Path {
		rel = append(rel, diag.Related{Span: st.Via.Grant.Span, Message: "this grant lets " + st.By.Key() + " act as " + st.Account.Key()})
	}
	if d.Mount != nil {
		rel = append(rel, diag.Related{Span: d.Mount.Grant.Span, Message: "this grant lets it mount secrets and configmaps"})
	} else {
		last := d.Path[len(d.Path)-1].Account
		parts = append(parts, fmt.Sprintf("and %s can %s (%s)", last.Key(), what, d.Grant.Span))
		rel = append(rel, diag.Related{Span: d.Grant.Span, Message: "this grant lets " + last.Key() + " " + what})
	}
	msg := fmt.Sprintf("assertion failed: %s can effectively %s: %s", subj.Key(), what, strings.Join(parts, ", "))
	c.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: span, Message: msg, Related: rel})
}
