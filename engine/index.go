package engine

import (
	"cmp"
	"net/netip"
	"slices"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// index is what Map and Explain look things up in, built once per cluster in time
// linear in its objects (selectors are resolved through label postings, never by
// trying every workload against every rule).
type index struct {
	c *Cluster
	// per namespace: workload ids, and their ids by label key and value
	byNS  map[string][]int
	posts map[string]map[string]map[string][]int
	// namespaces by label key and value
	nsPosts map[string]map[string][]*Namespace
	// per workload id: the policies that select it and their rules, per direction
	egCaptured, inCaptured []bool
	egPolicies, inPolicies [][]*Policy
	egRules, inRules       [][]*Rule
	// the address ranges the analysis lists: sources from ingress ipBlocks, destinations
	// from egress ipBlocks, each an elementary partition of the address space
	srcBlocks, dstBlocks []IPSet
	cache                map[peerKey][]int
}

// peerKey identifies what a pod peer selects: its namespaceSelector (or the policy's
// namespace when it has none) and its podSelector (or every pod).
type peerKey struct {
	ns          string
	nss, pods   bool
	nsID, podID int32 // the selectors' numbers: equal numbers, equal canonical keys
}

func newIndex(c *Cluster) *index {
	ix := &index{c: c, byNS: map[string][]int{}, posts: map[string]map[string]map[string][]int{},
		nsPosts: map[string]map[string][]*Namespace{}, cache: map[peerKey][]int{}}
	for _, w := range c.Workloads {
		ix.byNS[w.Namespace] = append(ix.byNS[w.Namespace], w.id)
		p := ix.posts[w.Namespace]
		if p == nil {
			p = map[string]map[string][]int{}
			ix.posts[w.Namespace] = p
		}
		for k, v := range w.Labels {
			if p[k] == nil {
				p[k] = map[string][]int{}
			}
			p[k][v] = append(p[k][v], w.id)
		}
	}
	for _, n := range c.Namespaces {
		for k, v := range n.Labels {
			if ix.nsPosts[k] == nil {
				ix.nsPosts[k] = map[string][]*Namespace{}
			}
			ix.nsPosts[k][v] = append(ix.nsPosts[k][v], n)
		}
	}
	n := len(c.Workloads)
	ix.egCaptured, ix.inCaptured = make([]bool, n), make([]bool, n)
	ix.egPolicies, ix.inPolicies = make([][]*Policy, n), make([][]*Policy, n)
	ix.egRules, ix.inRules = make([][]*Rule, n), make([][]*Rule, n)
	var srcIPs, dstIPs []IPSet
	for _, p := range c.Policies {
		for _, id := range ix.pods(p.Namespace, p.selector) {
			if p.AffectsIngress {
				ix.inCaptured[id] = true
				ix.inPolicies[id] = append(ix.inPolicies[id], p)
				ix.inRules[id] = append(ix.inRules[id], p.Ingress...)
			}
			if p.AffectsEgress {
				ix.egCaptured[id] = true
				ix.egPolicies[id] = append(ix.egPolicies[id], p)
				ix.egRules[id] = append(ix.egRules[id], p.Egress...)
			}
		}
		// Each ipBlock on its own: two adjacent blocks stay two parts.
		for _, r := range p.Ingress {
			r.ix, r.matched = ix, nil
			srcIPs = r.appendBlocks(srcIPs)
		}
		for _, r := range p.Egress {
			r.ix, r.matched = ix, nil
			dstIPs = r.appendBlocks(dstIPs)
		}
	}
	universe := ipv4All
	if c.ipv6 {
		universe = universe.union(ipv6All)
	}
	ix.srcBlocks = elementary(srcIPs, universe)
	ix.dstBlocks = elementary(c.adminBlocks(dstIPs), universe)
	return ix
}

func (r *Rule) appendBlocks(sets []IPSet) []IPSet {
	for _, p := range r.peers {
		if p.ipBlock {
			sets = append(sets, p.ips)
		}
	}
	return sets
}

// matchedIDs is the workloads the rule's pod peers select, sorted by id, resolved
// on first use.
func (r *Rule) matchedIDs() []int {
	if r.ix != nil {
		r.ix.resolve(r)
		r.ix = nil
	}
	return r.matched
}

// resolve computes the workloads a rule's pod peers select.
func (ix *index) resolve(r *Rule) {
	var ids []int
	for _, peer := range r.peers {
		if peer.ipBlock {
			continue
		}
		key := peerKey{ns: r.Policy.Namespace, pods: peer.podSel != nil}
		if key.pods {
			key.podID = peer.podID
		}
		if peer.nsSel != nil {
			key.ns, key.nss, key.nsID = "", true, peer.nsID
		}
		got, ok := ix.cache[key]
		if !ok {
			podSel := peer.podSel
			if podSel == nil {
				podSel = labels.Everything()
			}
			if peer.nsSel == nil {
				got = ix.pods(r.Policy.Namespace, podSel)
			} else {
				for _, n := range ix.namespaces(peer.nsSel) {
					got = append(got, ix.pods(n.Name, podSel)...)
				}
				slices.Sort(got)
			}
			ix.cache[key] = got
		}
		ids = append(ids, got...)
	}
	slices.Sort(ids)
	r.matched = slices.Compact(ids)
}

// candidates returns the ids the requirement of sel with the fewest candidates allows,
// from posts, or ok false when no requirement narrows the search (only NotIn, Exists
// and the like). exact is set when that requirement is sel's only one: every
// candidate matches.
func candidates[T any](sel labels.Selector, posts map[string]map[string][]T) (res []T, ok, exact bool) {
	reqs, _ := sel.Requirements()
	best := -1
	for _, r := range reqs {
		switch r.Operator() {
		case selection.Equals, selection.DoubleEquals, selection.In:
		default:
			continue
		}
		var cand []T
		for _, v := range r.ValuesUnsorted() {
			cand = append(cand, posts[r.Key()][v]...)
		}
		if best < 0 || len(cand) < best {
			best, res = len(cand), cand
		}
	}
	return res, best >= 0, best >= 0 && len(reqs) == 1
}

// pods lists, sorted, the workloads of namespace ns that sel selects.
func (ix *index) pods(ns string, sel labels.Selector) []int {
	all := ix.byNS[ns]
	if sel.Empty() {
		return all
	}
	cand, ok, exact := candidates(sel, ix.posts[ns])
	if !ok {
		cand = all
	}
	if exact {
		res := slices.Clone(cand)
		slices.Sort(res)
		return slices.Compact(res)
	}
	var res []int
	for _, id := range cand {
		if sel.Matches(labels.Set(ix.c.Workloads[id].Labels)) {
			res = append(res, id)
		}
	}
	slices.Sort(res)
	return slices.Compact(res)
}

// namespaces lists the namespaces sel selects.
func (ix *index) namespaces(sel labels.Selector) []*Namespace {
	if sel.Empty() {
		return ix.c.Namespaces
	}
	cand, ok, _ := candidates(sel, ix.nsPosts)
	if !ok {
		cand = ix.c.Namespaces
	}
	var res []*Namespace
	for _, n := range cand {
		if sel.Matches(labels.Set(n.Labels)) {
			res = append(res, n)
		}
	}
	slices.SortFunc(res, func(a, b *Namespace) int { return cmp.Compare(a.Name, b.Name) })
	return slices.Compact(res)
}

// elementary partitions universe at every boundary of the given sets: the coarsest
// partition into intervals such that each set is a union of parts. This is the
// partition netpol-analyzer's disjoint ip-blocks come to.
func elementary(sets []IPSet, universe IPSet) []IPSet {
	// starts holds every address where a part begins.
	starts := map[netip.Addr]bool{}
	for _, s := range append(sets, universe) {
		for _, r := range s {
			starts[r.Lo] = true
			if n := r.Hi.Next(); n.IsValid() && n.Is4() == r.Hi.Is4() {
				starts[n] = true
			}
		}
	}
	var res []IPSet
	for _, u := range universe {
		var inside []netip.Addr
		for a := range starts {
			if a.Compare(u.Lo) > 0 && a.Compare(u.Hi) <= 0 {
				inside = append(inside, a)
			}
		}
		slices.SortFunc(inside, netip.Addr.Compare)
		lo := u.Lo
		for _, a := range inside {
			res = append(res, IPSet{{lo, a.Prev()}})
			lo = a
		}
		res = append(res, IPSet{{lo, u.Hi}})
	}
	return res
}

// has reports whether the sorted ids hold id.
func has(ids []int, id int) bool {
	_, ok := slices.BinarySearch(ids, id)
	return ok
}
