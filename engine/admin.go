package engine

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netc-dev/netc/diag"
)

// The cluster-wide tiers of policy.networking.k8s.io/v1alpha1: AdminNetworkPolicies,
// by priority, before NetworkPolicies, and the one BaselineAdminNetworkPolicy after
// them. The objects are decoded into the few fields below (the API module is not a
// dependency of netc for one alpha API); their semantics follow the API's
// documentation, as netpol-analyzer implements it.

type adminObject struct {
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     struct {
		Priority *int32 `json:"priority"`
		Subject  struct {
			Namespaces *metav1.LabelSelector `json:"namespaces"`
			Pods       *adminPods            `json:"pods"`
		} `json:"subject"`
		Ingress []adminRuleObject `json:"ingress"`
		Egress  []adminRuleObject `json:"egress"`
	} `json:"spec"`
}

type adminPods struct {
	NamespaceSelector metav1.LabelSelector `json:"namespaceSelector"`
	PodSelector       metav1.LabelSelector `json:"podSelector"`
}

type adminRuleObject struct {
	Name   string            `json:"name"`
	Action string            `json:"action"`
	From   []adminPeerObject `json:"from"`
	To     []adminPeerObject `json:"to"`
	Ports  *[]struct {
		PortNumber *struct {
			Protocol string `json:"protocol"`
			Port     int32  `json:"port"`
		} `json:"portNumber"`
		NamedPort *string `json:"namedPort"`
		PortRange *struct {
			Protocol string `json:"protocol"`
			Start    int32  `json:"start"`
			End      int32  `json:"end"`
		} `json:"portRange"`
	} `json:"ports"`
}

type adminPeerObject struct {
	Namespaces *metav1.LabelSelector `json:"namespaces"`
	Pods       *adminPods            `json:"pods"`
	Nodes      *metav1.LabelSelector `json:"nodes"`
	Networks   []string              `json:"networks"`
}

// AdminPolicy is an AdminNetworkPolicy or the BaselineAdminNetworkPolicy, parsed.
type AdminPolicy struct {
	Name     string
	Baseline bool
	Priority int32
	Span     diag.Span
	subject  adminSelector
	Ingress  []*AdminRule
	Egress   []*AdminRule
}

func (p *AdminPolicy) String() string {
	if p.Baseline {
		return "BaselineAdminNetworkPolicy " + p.Name
	}
	return "AdminNetworkPolicy " + p.Name
}

// adminSelector selects pods: every pod of the namespaces nsSel selects, and of those
// podSel (when set) selects.
type adminSelector struct {
	nsSel, podSel labels.Selector
}

func (s adminSelector) matches(c *Cluster, w *Workload) bool {
	if !s.nsSel.Matches(labels.Set(c.namespaceLabels(w.Namespace))) {
		return false
	}
	return s.podSel == nil || s.podSel.Matches(labels.Set(w.Labels))
}

// namespaceLabels are a namespace's labels; one the cluster does not hold (the
// ingress controller's) has its name label only.
func (c *Cluster) namespaceLabels(ns string) map[string]string {
	if n, ok := c.nsByName[ns]; ok {
		return n.Labels
	}
	return map[string]string{nsNameLabel: ns}
}

// AdminRule is one rule of an admin policy: its action on the connections to (or from)
// its peers on its ports. Within a policy the first rule that decides a connection
// wins.
type AdminRule struct {
	Policy  *AdminPolicy
	Index   int
	Name    string
	Action  string // Allow, Deny or Pass
	Ingress bool
	pods    []adminSelector // namespaces and pods peers
	ips     []IPSet         // networks peers, one per CIDR
	anyPort bool
	conn    Conn
	named   []string
}

func (r *AdminRule) String() string { return fmt.Sprintf("%s rule %q", r.Policy, r.Name) }

func (r *AdminRule) selects(c *Cluster, e Endpoint) bool {
	if e.Workload != nil {
		return slices.ContainsFunc(r.pods, func(s adminSelector) bool { return s.matches(c, e.Workload) })
	}
	return slices.ContainsFunc(r.ips, func(s IPSet) bool { return len(e.IPs) > 0 && e.IPs.subsetOf(s) })
}

// portsTo is what the rule covers towards dst; a named port takes the protocol of
// the destination's container port, and matches nothing towards an address.
func (r *AdminRule) portsTo(dst *Workload) Conn {
	if r.anyPort {
		return AllConns()
	}
	c := r.conn
	for _, name := range r.named {
		if dst == nil {
			continue
		}
		if proto, port, ok := dst.namedPort(name); ok {
			c[proto] = c[proto].union(single(port, port))
		}
	}
	return c
}

// AddAdminPolicy parses an AdminNetworkPolicy (baseline false) or a
// BaselineAdminNetworkPolicy, from its JSON.
func (c *Cluster) addAdmin(o *adminObject, baseline bool, span diag.Span, diags *diag.List) {
	p := &AdminPolicy{Name: o.Metadata.Name, Baseline: baseline, Span: span}
	bad := func(format string, args ...any) {
		diags.Add(diag.Diagnostic{Severity: diag.Error, Span: span, Message: p.String() + ": " + fmt.Sprintf(format, args...)})
	}
	if baseline {
		if c.baseline != nil {
			bad("a cluster has one BaselineAdminNetworkPolicy; the first is at %s", c.baseline.Span)
			return
		}
		if p.Name != "default" {
			bad("a BaselineAdminNetworkPolicy must be named default")
			return
		}
	} else {
		if o.Spec.Priority == nil || *o.Spec.Priority < 0 || *o.Spec.Priority > 1000 {
			bad("priority must be set, from 0 to 1000")
			return
		}
		p.Priority = *o.Spec.Priority
		for _, q := range c.admins {
			if q.Name == p.Name {
				bad("another AdminNetworkPolicy has this name, at %s", q.Span)
				return
			}
			if q.Priority == p.Priority {
				bad("AdminNetworkPolicy %s has the same priority %d, at %s: their order would be undefined", q.Name, p.Priority, q.Span)
				return
			}
		}
	}
	sel, msg := c.adminSelector(o.Spec.Subject.Namespaces, o.Spec.Subject.Pods)
	if msg != "" {
		bad("subject: %s", msg)
		return
	}
	p.subject = sel
	for _, dir := range []struct {
		name  string
		rules []adminRuleObject
		out   *[]*AdminRule
	}{{"ingress", o.Spec.Ingress, &p.Ingress}, {"egress", o.Spec.Egress, &p.Egress}} {
		for i, ro := range dir.rules {
			r, msg := c.adminRule(p, i, dir.name == "ingress", ro)
			if msg != "" {
				bad("%s rule %q: %s", dir.name, ro.Name, msg)
				return
			}
			*dir.out = append(*dir.out, r)
		}
	}
	if baseline {
		c.baseline = p
	} else {
		c.admins = append(c.admins, p)
		slices.SortFunc(c.admins, func(a, b *AdminPolicy) int { return cmp.Compare(a.Priority, b.Priority) })
	}
}

// adminSelector parses a namespaces or pods selector; exactly one must be set.
func (c *Cluster) adminSelector(ns *metav1.LabelSelector, pods *adminPods) (adminSelector, string) {
	var s adminSelector
	var err error
	switch {
	case (ns == nil) == (pods == nil):
		return s, "set exactly one of namespaces and pods"
	case ns != nil:
		if s.nsSel, _, err = c.selector(ns); err != nil {
			return s, "namespaces: " + err.Error()
		}
	default:
		if s.nsSel, _, err = c.selector(&pods.NamespaceSelector); err != nil {
			return s, "pods.namespaceSelector: " + err.Error()
		}
		if s.podSel, _, err = c.selector(&pods.PodSelector); err != nil {
			return s, "pods.podSelector: " + err.Error()
		}
	}
	return s, ""
}

func (c *Cluster) adminRule(p *AdminPolicy, idx int, ingress bool, ro adminRuleObject) (*AdminRule, string) {
	r := &AdminRule{Policy: p, Index: idx, Name: ro.Name, Action: ro.Action, Ingress: ingress}
	switch ro.Action {
	case "Allow", "Deny":
	case "Pass":
		if p.Baseline {
			return r, "a BaselineAdminNetworkPolicy cannot Pass"
		}
	default:
		return r, fmt.Sprintf("unknown action %q", ro.Action)
	}
	peers := ro.To
	if ingress {
		peers = ro.From
	}
	if len(peers) == 0 {
		return r, "no peers"
	}
	for j, po := range peers {
		n := 0
		for _, set := range []bool{po.Namespaces != nil, po.Pods != nil, po.Nodes != nil, po.Networks != nil} {
			if set {
				n++
			}
		}
		if n != 1 || ingress && (po.Nodes != nil || po.Networks != nil) {
			return r, fmt.Sprintf("peer #%d: set exactly one of namespaces, pods%s", j+1, map[bool]string{true: "", false: ", nodes and networks"}[ingress])
		}
		switch {
		case po.Nodes != nil:
			// Nodes are not read: a nodes peer matches nothing (netpol-analyzer's choice too).
		case po.Networks != nil:
			for _, cidr := range po.Networks {
				pfx, err := netip.ParsePrefix(strings.TrimSpace(cidr))
				if err != nil {
					return r, fmt.Sprintf("peer #%d: network %q is not a CIDR", j+1, cidr)
				}
				if pfx.Addr().Is6() {
					c.ipv6 = true
				}
				r.ips = append(r.ips, prefixSet(pfx))
			}
		default:
			s, msg := c.adminSelector(po.Namespaces, po.Pods)
			if msg != "" {
				return r, fmt.Sprintf("peer #%d: %s", j+1, msg)
			}
			r.pods = append(r.pods, s)
		}
	}
	if ro.Ports == nil {
		r.anyPort = true
		return r, ""
	}
	for j, pt := range *ro.Ports {
		n := 0
		for _, set := range []bool{pt.PortNumber != nil, pt.NamedPort != nil, pt.PortRange != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return r, fmt.Sprintf("port #%d: set exactly one of portNumber, namedPort and portRange", j+1)
		}
		switch {
		case pt.NamedPort != nil:
			r.named = append(r.named, *pt.NamedPort)
		case pt.PortNumber != nil:
			proto, ok := parseProtocol(pt.PortNumber.Protocol)
			if !ok || pt.PortNumber.Port < int32(minPort) || pt.PortNumber.Port > int32(maxPort) {
				return r, fmt.Sprintf("port #%d: want a port 1-65535 of TCP, UDP or SCTP", j+1)
			}
			r.conn[proto] = r.conn[proto].union(single(Port(pt.PortNumber.Port), Port(pt.PortNumber.Port)))
		default:
			proto, ok := parseProtocol(pt.PortRange.Protocol)
			lo, hi := pt.PortRange.Start, pt.PortRange.End
			if !ok || lo < int32(minPort) || hi > int32(maxPort) || hi < lo {
				return r, fmt.Sprintf("port #%d: want a range within 1-65535 of TCP, UDP or SCTP", j+1)
			}
			r.conn[proto] = r.conn[proto].union(single(Port(lo), Port(hi)))
		}
	}
	return r, ""
}

// verdicts are the connections a tier decided: allowed, denied and passed on.
type verdicts struct{ allow, deny, pass Conn }

func (v verdicts) empty() bool { return v.allow.IsEmpty() && v.deny.IsEmpty() && v.pass.IsEmpty() }

// AdminMatch is an admin rule that decides some of a pair's connections.
type AdminMatch struct {
	Rule *AdminRule
	Conn Conn // what it decides, after the rules and policies before it
}

// decide applies one admin policy to subject in a direction: its rules in order, the
// first to cover a connection deciding it.
func (c *Cluster) decide(p *AdminPolicy, subject *Workload, ingress bool, other Endpoint, to *Workload, trace *[]AdminMatch) verdicts {
	var v verdicts
	rules := p.Egress
	if ingress {
		rules = p.Ingress
	}
	if len(rules) == 0 || !p.subject.matches(c, subject) {
		return v
	}
	for _, r := range rules {
		if !r.selects(c, other) {
			continue
		}
		rc := r.portsTo(to).Subtract(v.allow).Subtract(v.deny).Subtract(v.pass)
		switch r.Action {
		case "Allow":
			v.allow = v.allow.Union(rc)
		case "Deny":
			v.deny = v.deny.Union(rc)
		default:
			v.pass = v.pass.Union(rc)
		}
		if trace != nil && !rc.IsEmpty() {
			*trace = append(*trace, AdminMatch{r, rc})
		}
	}
	return v
}

// tiered combines, for one direction of a pair, the AdminNetworkPolicies (by
// priority), the NetworkPolicies (captured: some selects subject; allowed: what they
// allow) and the BaselineAdminNetworkPolicy:
//   - what an AdminNetworkPolicy allows or denies is decided; Pass, or no rule, goes on;
//   - when NetworkPolicies select the subject, they decide the rest;
//   - otherwise the baseline's denials apply, and everything else is allowed.
func (c *Cluster) tiered(subject *Workload, ingress bool, other Endpoint, to *Workload, captured bool, allowed Conn, trace *[]AdminMatch) Conn {
	var tier verdicts
	for _, p := range c.admins {
		v := c.decide(p, subject, ingress, other, to, nil)
		if v.empty() {
			continue
		}
		decided := tier.allow.Union(tier.deny).Union(tier.pass)
		v.allow, v.deny, v.pass = v.allow.Subtract(decided), v.deny.Subtract(decided), v.pass.Subtract(decided)
		if trace != nil {
			var t []AdminMatch
			c.decide(p, subject, ingress, other, to, &t)
			for _, m := range t {
				if m.Conn = m.Conn.Subtract(decided); !m.Conn.IsEmpty() {
					*trace = append(*trace, m)
				}
			}
		}
		tier.allow, tier.deny, tier.pass = tier.allow.Union(v.allow), tier.deny.Union(v.deny), tier.pass.Union(v.pass)
	}
	if captured {
		return tier.allow.Union(allowed.Subtract(tier.deny))
	}
	var base verdicts
	if c.baseline != nil {
		var t []AdminMatch
		base = c.decide(c.baseline, subject, ingress, other, to, &t)
		if trace != nil {
			for _, m := range t {
				if m.Rule.Action == "Deny" {
					if m.Conn = m.Conn.Subtract(tier.allow).Subtract(tier.deny); !m.Conn.IsEmpty() {
						*trace = append(*trace, m)
					}
				}
			}
		}
	}
	return AllConns().Subtract(tier.deny.Union(base.deny.Subtract(tier.allow)))
}

// hasAdmin reports whether any admin tier is present.
func (c *Cluster) hasAdmin() bool { return len(c.admins) > 0 || c.baseline != nil }

// adminBlocks appends the networks of the admin policies' egress rules, each CIDR on
// its own, for the partition of destinations.
func (c *Cluster) adminBlocks(sets []IPSet) []IPSet {
	for _, p := range append(slices.Clone(c.admins), c.baseline) {
		if p == nil {
			continue
		}
		for _, r := range p.Egress {
			sets = append(sets, r.ips...)
		}
	}
	return sets
}
