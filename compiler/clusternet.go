package compiler

import (
	"fmt"
	"net/netip"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/ast"
)

// The cluster's own networks (docs/language.md, "The cluster's networks"): world,
// externals and databases outside the cluster are address blocks, and the pod and
// service networks usually lie inside them. This file is the cluster-networks stage: it
// records netc.hcl's cluster block in the IR, refuses an external or database CIDR that
// lies wholly inside a cluster network, and writes every ipBlock's except list.

// clusterNetworks runs after lower, when every peer of an edge exists.
func (c *compiler) clusterNetworks() {
	cl := c.cfg.Cluster
	prefixes := func(cs []config.CIDR) []netip.Prefix {
		var out []netip.Prefix
		for _, x := range cs {
			out = append(out, x.Prefix)
		}
		return ir.SortPrefixes(out)
	}
	c.prog.Cluster = ir.Cluster{PodCIDRs: prefixes(cl.PodCIDRs), ServiceCIDRs: prefixes(cl.ServiceCIDRs)}
	ranges := c.prog.Cluster.Ranges()
	if len(ranges) > 0 {
		c.checkOutsideCluster(append(append([]config.CIDR(nil), cl.PodCIDRs...), cl.ServiceCIDRs...))
	}
	done := map[*ir.Peer]bool{}
	for _, e := range c.prog.Edges {
		for _, p := range []*ir.Peer{e.From, e.To} {
			if p.Kind == ir.PeerCIDRs && !done[p] {
				done[p] = true
				p.Blocks = blocks(p.CIDRs, ranges)
			}
		}
	}
}

// blocks is each CIDR minus the cluster networks strictly inside it. CIDRs inside a
// cluster network are refused before (checkOutsideCluster), and cluster networks are
// disjoint (config), so nesting or disjointness leaves no other case.
func blocks(cidrs, ranges []netip.Prefix) []ir.Block {
	out := make([]ir.Block, len(cidrs))
	for i, cidr := range cidrs {
		out[i].CIDR = cidr
		for _, r := range ranges {
			if r != cidr && ir.PrefixWithin(r, cidr) {
				out[i].Except = append(out[i].Except, r)
			}
		}
	}
	return out
}

// checkOutsideCluster reports every external or database CIDR that lies wholly inside
// a cluster network, at the CIDR as written: it says "outside the cluster" of addresses
// that are the cluster's own.
func (c *compiler) checkOutsideCluster(networks []config.CIDR) {
	check := func(what string, items []*ast.Item) {
		for _, it := range items {
			p, err := netip.ParsePrefix(it.CIDR)
			if err != nil || p.Masked() != p {
				continue // reported by declare
			}
			for _, n := range networks {
				if ir.PrefixWithin(p, n.Prefix) {
					kind := "pod"
					for _, s := range c.cfg.Cluster.ServiceCIDRs {
						if s == n {
							kind = "service"
						}
					}
					c.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: it.Span(),
						Message: fmt.Sprintf("%s: %s lies inside the cluster's %s network %s, so it names pods or services of the cluster, not addresses outside it",
							what, p, kind, n.Prefix),
						Detail:  "Reach workloads of the cluster by their service name (`a -> b:80`); an external or a database cidr is for addresses outside the cluster.",
						Related: []diag.Related{{Span: n.Span, Message: "the cluster's " + kind + " network"}}})
				}
			}
		}
	}
	for _, st := range c.stmts {
		switch s := st.s; {
		case s.External != nil:
			if e := c.externals[key(st.ns, s.External.Name.Value)]; e != nil && e.Span == s.External.Name.Span() {
				check("external "+quoteName(key(st.ns, e.Name)), s.External.CIDRs)
			}
		case s.Database != nil:
			if d := c.databases[key(st.ns, s.Database.Name.Value)]; d != nil && d.Span == s.Database.Name.Span() {
				for _, a := range s.Database.Attrs {
					if a.Key.Value == "cidr" {
						check("database "+quoteName(key(st.ns, d.Name)), valuesItems(a))
					}
				}
			}
		}
	}
}

// clusterRules report what netc cannot leave out without netc.hcl's cluster block.
var clusterRules = []Rule{{
	ID:          "cluster-networks-unknown",
	Severity:    diag.Info,
	Doc:         "world, an external or a database cidr is an address block that may hold the cluster's own pod and service networks, and netc.hcl does not say where they are",
	Remediation: "Add `cluster { pod_cidrs = [...]  service_cidrs = [...] }` to netc.hcl (`kubectl cluster-info dump | grep -m1 -e cluster-cidr -e service-cluster-ip-range` shows them); netc then leaves them out of every ipBlock.",
	Check:       checkClusterNetworksUnknown,
}}

// checkClusterNetworksUnknown reports once, at the first use of an address block in
// source order.
func checkClusterNetworksUnknown(p *ir.Program, r Reporter) {
	if p.Cluster.Known() {
		return
	}
	var first diag.Span
	var peer *ir.Peer
	for _, e := range p.Edges {
		for _, end := range []struct {
			p    *ir.Peer
			span diag.Span
		}{{e.From, e.FromSpan}, {e.To, e.ToSpan}} {
			if end.p.Kind == ir.PeerCIDRs && (!first.IsValid() || end.span.Compare(first) < 0) {
				first, peer = end.span, end.p
			}
		}
	}
	switch {
	case peer == nil:
	case peer.World:
		r.Report(first, "world is every address, the cluster's own pods and services included; a cluster block in netc.hcl lets netc leave the pod and service networks out of every ipBlock")
	default:
		kind := "external"
		if peer.Database != nil {
			kind = "database"
		}
		r.Report(first, kind+" "+quoteName(peer.Key())+" is an ipBlock that may include the cluster's pod and service networks; a cluster block in netc.hcl lets netc leave them out of every ipBlock")
	}
}
