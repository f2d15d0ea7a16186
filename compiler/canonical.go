package compiler

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
)

func sortLabels(ls []ir.Label) {
	slices.SortFunc(ls, func(a, b ir.Label) int { return cmp.Compare(a.Key, b.Key) })
}

func sortPrefixes(ps []netip.Prefix) []netip.Prefix {
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return cmp.Compare(a.Bits(), b.Bits())
	})
	return slices.Compact(ps)
}

func sortedUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

func comparePorts(a, b ir.Port) int {
	if c := cmp.Compare(a.Protocol, b.Protocol); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Port, b.Port); c != 0 {
		return c
	}
	return cmp.Compare(a.EndPort, b.EndPort)
}

func dbKey(d *ir.Database) string { return key(d.Namespace, d.Name) }

// canonicalise sorts and de-duplicates everything, and computes the locked-down
// namespaces, so backends can walk the IR in order.
func (c *compiler) canonicalise() {
	p := c.prog
	nss := map[string]bool{}
	for _, s := range c.services {
		p.Services = append(p.Services, s)
		nss[s.Namespace] = true
		slices.SortFunc(s.Ports, func(a, b ir.NamedPort) int { return cmp.Compare(a.Name, b.Name) })
	}
	for _, d := range c.databases {
		p.Databases = append(p.Databases, d)
		if d.InCluster() {
			nss[d.Namespace] = true
		}
	}
	for _, e := range c.externals {
		p.Externals = append(p.Externals, e)
	}
	for ns := range nss {
		p.Namespaces = append(p.Namespaces, ns)
	}
	slices.Sort(p.Namespaces)
	byNsName := func(ans, an, bns, bn string) int {
		if c := cmp.Compare(ans, bns); c != 0 {
			return c
		}
		return cmp.Compare(an, bn)
	}
	slices.SortFunc(p.Services, func(a, b *ir.Service) int { return byNsName(a.Namespace, a.Name, b.Namespace, b.Name) })
	slices.SortFunc(p.Databases, func(a, b *ir.Database) int { return byNsName(a.Namespace, a.Name, b.Namespace, b.Name) })
	slices.SortFunc(p.Externals, func(a, b *ir.External) int { return byNsName(a.Namespace, a.Name, b.Namespace, b.Name) })

	for _, e := range p.Edges {
		e.Ports = slices.Clone(e.Ports)
		slices.SortStableFunc(e.Ports, comparePorts)
		e.Ports = slices.CompactFunc(e.Ports, func(a, b ir.Port) bool { return comparePorts(a, b) == 0 })
		e.Roles = sortRoles(slices.Clone(e.Roles))
	}
	// Edges sort by (From.Key(), To.Key(), Span). Key concatenates, so it is computed
	// once per peer, not per edge or comparison: the peers are ranked by key, and the
	// edges sort on the ranks (at 250,000 edges the keys made a tenth of the compile).
	rank := peerRanks(p.Edges)
	keyed := make([]keyedEdge, len(p.Edges))
	for i, e := range p.Edges {
		keyed[i] = keyedEdge{e, rank[e.From], rank[e.To]}
	}
	slices.SortStableFunc(keyed, func(a, b keyedEdge) int {
		if c := cmp.Compare(a.from, b.from); c != 0 {
			return c
		}
		if c := cmp.Compare(a.to, b.to); c != 0 {
			return c
		}
		return a.e.Span.Compare(b.e.Span)
	})
	for i, k := range keyed {
		p.Edges[i] = k.e
	}

	for _, r := range c.roles {
		slices.SortFunc(r.Privileges, func(a, b ir.Privilege) int {
			return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Schema, b.Schema),
				cmp.Compare(a.Object, b.Object), cmp.Compare(a.Action, b.Action))
		})
		r.Privileges = slices.CompactFunc(r.Privileges, func(a, b ir.Privilege) bool {
			return a.Kind == b.Kind && a.Schema == b.Schema && a.Object == b.Object && a.Action == b.Action
		})
		p.Roles = append(p.Roles, r)
	}
	p.Roles = sortRoles(p.Roles)
	for _, l := range c.logins {
		l.Roles = sortRoles(l.Roles)
		p.Logins = append(p.Logins, l)
	}
	slices.SortFunc(p.Logins, func(a, b *ir.Login) int {
		return cmp.Or(cmp.Compare(dbKey(a.Database), dbKey(b.Database)), cmp.Compare(a.Name, b.Name))
	})
	slices.SortStableFunc(p.Grants, func(a, b *ir.Grant) int { return a.Span.Compare(b.Span) })

	p.DNS = ir.DNS{Enabled: c.cfg.DNS.Enabled, Namespace: c.cfg.DNS.Namespace, Port: c.cfg.DNS.Port}
	for k, v := range c.cfg.DNS.Labels {
		p.DNS.Labels = append(p.DNS.Labels, ir.Label{Key: k, Value: v})
	}
	sortLabels(p.DNS.Labels)
	c.checkDNSNamespace()
}

// checkDNSNamespace warns when the program locks down the namespace of the cluster DNS:
// default deny there cuts name resolution off for every pod of the cluster, since nothing
// lets other namespaces in to the DNS pods, nor the DNS pods out to upstream resolvers.
func (c *compiler) checkDNSNamespace() {
	p := c.prog
	if !p.DNS.Enabled {
		return
	}
	if _, locked := slices.BinarySearch(p.Namespaces, p.DNS.Namespace); !locked {
		return
	}
	var first diag.Span
	for _, s := range p.Services {
		if s.Namespace == p.DNS.Namespace && (!first.IsValid() || s.Span.Compare(first) < 0) {
			first = s.Span
		}
	}
	for _, d := range p.Databases {
		if d.Namespace == p.DNS.Namespace && d.InCluster() && (!first.IsValid() || d.Span.Compare(first) < 0) {
			first = d.Span
		}
	}
	c.diags.Add(diag.Diagnostic{Severity: diag.Warning, Span: first,
		Message: "namespace " + p.DNS.Namespace + " holds the cluster DNS; locking it down (default deny) cuts off name resolution for the whole cluster unless intents open DNS to and from its pods",
		Detail:  "Keep workloads out of the DNS namespace, or point dns { namespace } in netc.hcl at where the cluster DNS runs."})
}

type keyedEdge struct {
	e        *ir.Edge
	from, to int // the ranks of the peers' keys
}

// peerRanks numbers the edges' peers in the order of their keys, equal keys equal
// ranks, so that comparing ranks is comparing keys.
func peerRanks(edges []*ir.Edge) map[*ir.Peer]int {
	rank := map[*ir.Peer]int{}
	type keyed struct {
		p   *ir.Peer
		key string
	}
	var peers []keyed
	for _, e := range edges {
		for _, p := range [2]*ir.Peer{e.From, e.To} {
			if _, ok := rank[p]; !ok {
				rank[p] = 0
				peers = append(peers, keyed{p, p.Key()})
			}
		}
	}
	slices.SortFunc(peers, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
	for i, k := range peers {
		r := i
		if i > 0 && k.key == peers[i-1].key {
			r = rank[peers[i-1].p]
		}
		rank[k.p] = r
	}
	return rank
}

func sortRoles(rs []*ir.Role) []*ir.Role {
	slices.SortFunc(rs, func(a, b *ir.Role) int {
		return cmp.Or(cmp.Compare(dbKey(a.Database), dbKey(b.Database)), cmp.Compare(a.Name, b.Name))
	})
	return slices.Compact(rs)
}
