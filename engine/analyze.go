package engine

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
)

// Endpoint is one end of a connection: a workload, or a set of addresses outside the
// cluster (exactly one is set).
type Endpoint struct {
	Workload *Workload
	IPs      IPSet
	name     string // String() of an address range, when computed once
}

// String is netpol-analyzer's name: NS/NAME[KIND], or the address ranges
// "10.0.0.0-10.255.255.255" (comma-separated when there are several).
func (e Endpoint) String() string {
	if e.Workload != nil {
		return e.Workload.String()
	}
	if e.name != "" {
		return e.name
	}
	parts := make([]string, len(e.IPs))
	for i, r := range e.IPs {
		parts[i] = r.Lo.String() + "-" + r.Hi.String()
	}
	return strings.Join(parts, ",")
}

// Namespace is the workload's namespace, or "" for addresses.
func (e Endpoint) Namespace() string {
	if e.Workload != nil {
		return e.Workload.Namespace
	}
	return ""
}

// Connection is what one endpoint may open to another.
type Connection struct {
	Src, Dst Endpoint
	Conn     Conn
}

// Map is the whole connectivity of a cluster.
type Map struct {
	// Connections are the pairs with something allowed, sorted by source then
	// destination name. Like netpol-analyzer's list, it leaves out a workload's traffic
	// to itself and traffic between two address ranges; an address range is one part
	// of the partition of the address space the policies' ipBlocks make (sources by
	// ingress ipBlocks, destinations by egress ipBlocks).
	Connections []Connection
	Workloads   []*Workload
	Namespaces  []*Namespace
}

// Map computes the connectivity map. Its work is proportional to the pairs it
// examines: every pair a source's egress rules reach (all workloads for a source no
// egress policy selects), plus every workload for each address range. It writes the
// pairs in order as it goes (workloads are sorted by name, so are the ranges), with
// no sort of the whole map.
func (c *Cluster) Map() *Map { return c.mapOf(nil) }

// mapOf computes the map, or with dirty (by workload id) only its pairs that have a
// dirty end: what Diff needs when the rest cannot have changed.
func (c *Cluster) mapOf(dirty []bool) *Map {
	c.finish()
	ix := c.ix
	var dirtyIDs []int
	for id, d := range dirty {
		if d {
			dirtyIDs = append(dirtyIDs, id)
		}
	}
	m := &Map{Workloads: c.Workloads, Namespaces: c.Namespaces}
	n := len(c.Workloads)
	stamp := make([]int, n)
	for i := range stamp {
		stamp[i] = -1
	}
	byName := func(a, b Endpoint) int { return strings.Compare(a.String(), b.String()) }
	dstEnds := blockEnds(ix.dstBlocks)
	srcEnds := blockEnds(ix.srcBlocks)
	slices.SortFunc(dstEnds, byName)
	slices.SortFunc(srcEnds, byName)
	var cand []int
	var toWorkloads, toBlocks []Connection
	fromWorkload := func(s *Workload) {
		cand = cand[:0]
		clean := dirty != nil && !dirty[s.id]       // only its pairs with dirty workloads
		all := !ix.egCaptured[s.id] || c.hasAdmin() // admin tiers may allow beyond the rules
		if !all {
			for _, r := range ix.egRules[s.id] {
				if r.anyPeer {
					all = true
					break
				}
				for _, id := range r.matchedIDs() {
					if stamp[id] != s.id {
						stamp[id] = s.id
						cand = append(cand, id)
					}
				}
			}
		}
		switch {
		case all && clean:
			cand = append(cand[:0], dirtyIDs...)
		case all:
			cand = cand[:0]
			for id := range n {
				cand = append(cand, id)
			}
		}
		slices.Sort(cand)
		src := Endpoint{Workload: s}
		toWorkloads, toBlocks = toWorkloads[:0], toBlocks[:0]
		for _, id := range cand {
			if id == s.id || clean && !dirty[id] {
				continue
			}
			d := Endpoint{Workload: c.Workloads[id]}
			conn := ix.egress(s, d)
			if conn.IsEmpty() {
				continue
			}
			conn = conn.Intersect(ix.ingress(src, d.Workload))
			if !conn.IsEmpty() {
				toWorkloads = append(toWorkloads, Connection{src, d, conn})
			}
		}
		for _, d := range dstEnds {
			if clean {
				break
			}
			if conn := ix.egress(s, d); !conn.IsEmpty() {
				toBlocks = append(toBlocks, Connection{src, d, conn})
			}
		}
		m.Connections = mergeByDst(m.Connections, toWorkloads, toBlocks)
	}
	fromBlock := func(src Endpoint) {
		for _, d := range c.Workloads {
			if dirty != nil && !dirty[d.id] {
				continue
			}
			if conn := ix.ingress(src, d); !conn.IsEmpty() {
				m.Connections = append(m.Connections, Connection{src, Endpoint{Workload: d}, conn})
			}
		}
	}
	// Sources in name order: workloads and address ranges merged.
	i, j := 0, 0
	for i < n || j < len(srcEnds) {
		if j == len(srcEnds) || i < n && c.Workloads[i].String() < srcEnds[j].String() {
			fromWorkload(c.Workloads[i])
			i++
		} else {
			fromBlock(srcEnds[j])
			j++
		}
	}
	// "{" sorts after every workload and address: the controller comes last.
	m.Connections = append(m.Connections, c.ingressConnections()...)
	return m
}

// mergeByDst appends to out the connections of a and b, each sorted by destination
// name, in destination name order.
func mergeByDst(out, a, b []Connection) []Connection {
	for len(a) > 0 || len(b) > 0 {
		if len(b) == 0 || len(a) > 0 && a[0].Dst.String() < b[0].Dst.String() {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}

// blockEnds makes the endpoints of address ranges, each named once.
func blockEnds(blocks []IPSet) []Endpoint {
	res := make([]Endpoint, len(blocks))
	for i, b := range blocks {
		res[i] = Endpoint{IPs: b}
		res[i].name = res[i].String()
	}
	return res
}

// RuleMatch is a rule that applies to a pair, with what it allows for that pair.
type RuleMatch struct {
	Rule *Rule
	Conn Conn
}

// matches reports whether the rule's peers include e.
func (r *Rule) matches(e Endpoint) bool {
	if r.anyPeer {
		return true
	}
	if e.Workload != nil {
		return has(r.matchedIDs(), e.Workload.id)
	}
	return len(e.IPs) > 0 && e.IPs.subsetOf(r.ips)
}

// portsTo is what the rule allows to destination dst (nil for addresses, which have no
// named ports).
func (r *Rule) portsTo(dst *Workload) Conn {
	if r.anyPort {
		return AllConns()
	}
	c := r.conn
	if dst != nil {
		for _, np := range r.named {
			if proto, port, ok := dst.namedPort(np.name); ok && proto == np.proto {
				c[proto] = c[proto].union(single(port, port))
			}
		}
	}
	return c
}

// egress is what s may send to d.
func (ix *index) egress(s *Workload, d Endpoint) Conn { return ix.direction(s, false, d, d.Workload) }

// ingress is what d may receive from s.
func (ix *index) ingress(s Endpoint, d *Workload) Conn { return ix.direction(d, true, s, d) }

// direction is what the NetworkPolicies selecting subject in one direction allow with
// the other end (every connection when none selects it), within the admin tiers when
// there are any; to is the destination, whose named ports count.
func (ix *index) direction(subject *Workload, ingress bool, other Endpoint, to *Workload) Conn {
	captured, rules := ix.egCaptured[subject.id], ix.egRules[subject.id]
	if ingress {
		captured, rules = ix.inCaptured[subject.id], ix.inRules[subject.id]
	}
	c := AllConns()
	if captured {
		c = Conn{}
		for _, r := range rules {
			if r.matches(other) {
				c = c.Union(r.portsTo(to))
			}
		}
	}
	if ix.c.hasAdmin() {
		return ix.c.tiered(subject, ingress, other, to, captured, c, nil)
	}
	return c
}

// Side is one direction's verdict on a pair: the egress of the source or the ingress
// of the destination.
type Side struct {
	// Subject is the workload the direction is about; nil for addresses, which no
	// policy selects.
	Subject *Workload
	// Policies are those that select Subject in this direction; none means the
	// direction is not isolated and allows everything.
	Policies []*Policy
	// Rules are the rules of Policies whose peers include the other end.
	Rules []RuleMatch
	// Admin are the AdminNetworkPolicy and BaselineAdminNetworkPolicy rules that
	// decide some of the pair's connections, with what each decides.
	Admin []AdminMatch
	Conn  Conn
}

// Explanation is why a pair is allowed what it is.
type Explanation struct {
	Src, Dst        Endpoint
	Egress, Ingress Side
	Allowed         Conn
}

// Explain decides one pair and says why. It evaluates the selectors of the policies
// of the two namespaces directly, without the index Map builds, so one question about
// a large cluster costs little more than reading it.
func (c *Cluster) Explain(src, dst Endpoint) *Explanation {
	c.objects()
	e := &Explanation{Src: src, Dst: dst, Egress: Side{Conn: AllConns()}, Ingress: Side{Conn: AllConns()}}
	if w := src.Workload; w != nil {
		e.Egress = c.side(w, false, dst, w)
	}
	if w := dst.Workload; w != nil {
		e.Ingress = c.side(w, true, src, w)
	}
	e.Allowed = e.Egress.Conn.Intersect(e.Ingress.Conn)
	return e
}

// side evaluates the policies selecting subject in one direction against the other
// end; to is the destination, whose named ports count.
func (c *Cluster) side(subject *Workload, ingress bool, other Endpoint, to *Workload) Side {
	s := Side{Subject: subject}
	if !ingress {
		to = other.Workload
	}
	for _, p := range c.Policies {
		if p.Namespace != subject.Namespace || !p.selector.Matches(labels.Set(subject.Labels)) {
			continue
		}
		rules := p.Egress
		if ingress {
			if !p.AffectsIngress {
				continue
			}
			rules = p.Ingress
		} else if !p.AffectsEgress {
			continue
		}
		s.Policies = append(s.Policies, p)
		for _, r := range rules {
			if c.ruleSelects(r, other) {
				rc := r.portsTo(to)
				s.Rules = append(s.Rules, RuleMatch{r, rc})
				s.Conn = s.Conn.Union(rc)
			}
		}
	}
	if len(s.Policies) == 0 {
		s.Conn = AllConns()
	}
	if c.hasAdmin() {
		s.Conn = c.tiered(subject, ingress, other, to, len(s.Policies) > 0, s.Conn, &s.Admin)
	}
	return s
}

// ruleSelects is Rule.matches by the selectors themselves, for Explain.
func (c *Cluster) ruleSelects(r *Rule, e Endpoint) bool {
	if r.anyPeer {
		return true
	}
	if e.Workload == nil {
		return len(e.IPs) > 0 && e.IPs.subsetOf(r.ips)
	}
	w := e.Workload
	for _, p := range r.peers {
		if p.ipBlock {
			continue
		}
		if p.nsSel == nil && w.Namespace != r.Policy.Namespace {
			continue
		}
		if p.nsSel != nil && !p.nsSel.Matches(labels.Set(c.namespaceLabels(w.Namespace))) {
			continue
		}
		if p.podSel == nil || p.podSel.Matches(labels.Set(w.Labels)) {
			return true
		}
	}
	return false
}
