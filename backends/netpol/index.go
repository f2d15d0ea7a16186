package netpol

import (
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/kube"
)

// workload is a service or in-cluster database: pods the program selects, which get a
// policy of their own.
type workload struct {
	ns, name string
	labels   []ir.Label
	// selectors are its pods, one per term of its ir.Exclusion (one when nothing is
	// narrower), shared by its policies and every peer naming it.
	selectors []metav1.LabelSelector
	// local and remote are it as peers of a policy in its own namespace and in
	// another, one per selector.
	local, remote []networkingv1.NetworkPolicyPeer
	in, out       []end  // the far ends of the edges whose To, From is it, in IR order
	far           farEnd // it as the far end of an edge
	nIn, nOut     int    // counted before in and out are allocated
}

// end is the far end of an edge as one workload's policy sees it.
type end struct {
	ports *edgePorts
	far   *farEnd
}

// edgePorts is an edge's port list, and its NetworkPolicy form shared by both ends.
type edgePorts struct {
	key    []ir.Port // for grouping; empty means every port
	policy []networkingv1.NetworkPolicyPort
}

// farEnd is what a peer of the IR is in a policy: pods, or address blocks.
type farEnd struct {
	pods  *workload
	cidrs []peerKey
}

// nsIndex is what one namespace holds.
type nsIndex struct {
	name      string
	workloads []*workload           // sorted by name
	selector  *metav1.LabelSelector // namespaceSelector for peers in this namespace
}

type programIndex struct {
	namespaces []*nsIndex
	byName     map[string]*nsIndex
	services   map[*ir.Service]*workload
	databases  map[*ir.Database]*workload
	dns        *networkingv1.NetworkPolicySpec // nil when DNS is off
	managed    map[string]string
}

// index indexes every edge under the workloads at its two ends, in one pass over each
// list of the IR. With keep, only the edges with an end in a namespace keep accepts:
// the others add nothing to those namespaces' policies.
func index(p *ir.Program, keep func(ns string) bool) *programIndex {
	ix := &programIndex{
		byName:    map[string]*nsIndex{},
		services:  make(map[*ir.Service]*workload, len(p.Services)),
		databases: map[*ir.Database]*workload{},
		managed:   kube.ManagedBy(),
	}
	for _, name := range p.Namespaces {
		ix.namespace(name)
	}
	for _, s := range p.Services {
		ns := ix.namespace(s.Namespace)
		w := ix.newWorkload(s.Namespace, s.Name, s.Labels, s.Exclusion)
		ix.services[s] = w
		ns.workloads = append(ns.workloads, w)
	}
	for _, d := range p.Databases {
		if !d.InCluster() {
			continue
		}
		ns := ix.namespace(d.Namespace)
		w := ix.newWorkload(d.Namespace, d.Name, d.Labels, d.Exclusion)
		ix.databases[d] = w
		ns.workloads = append(ns.workloads, w)
	}

	// The compiler shares one Peer between the edges naming one thing; resolve each once.
	peers := map[*ir.Peer]*farEnd{}
	var lastPeer *ir.Peer
	var lastEnd *farEnd
	resolve := func(p *ir.Peer) *farEnd {
		if p == lastPeer { // edges are sorted by source: most lookups repeat the last
			return lastEnd
		}
		r, ok := peers[p]
		if ok {
			lastPeer, lastEnd = p, r
			return r
		}
		switch {
		case p.Kind == ir.PeerPods:
			var w *workload
			if p.Service != nil {
				w = ix.services[p.Service]
			} else if p.Database != nil {
				w = ix.databases[p.Database]
			}
			if w == nil {
				// Pods the program does not declare (the compiler never makes these):
				// still a correct peer, just no policy of their own.
				w = ix.newWorkload(p.Namespace, "", p.Labels, ir.Exclusion{})
			}
			r = &w.far
		default:
			r = &farEnd{}
			for _, b := range p.Blocks {
				r.cidrs = append(r.cidrs, blockPeer(b))
			}
			slices.SortFunc(r.cidrs, peerKey.compare)
			r.cidrs = slices.CompactFunc(r.cidrs, func(a, b peerKey) bool { return a.compare(b) == 0 })
		}
		peers[p] = r
		lastPeer, lastEnd = p, r
		return r
	}
	edges := p.Edges
	if keep != nil {
		edges = nil
		kept := func(pr *ir.Peer) bool { return pr.Kind == ir.PeerPods && keep(pr.Namespace) }
		for _, e := range p.Edges {
			if kept(e.From) || kept(e.To) {
				edges = append(edges, e)
			}
		}
	}
	// Two passes: count each workload's ends, then fill slices cut from one array.
	ends := make([]end, 2*len(edges))
	// Port lists repeat across edges: convert each distinct one once, and let the edges
	// share it, so that grouping edges by port list compares pointers.
	distinct := map[string]*edgePorts{}
	var keyBuf []byte
	for i, e := range edges {
		from, to := resolve(e.From), resolve(e.To)
		keyBuf = portsKey(keyBuf[:0], e.Ports)
		ports, ok := distinct[string(keyBuf)]
		if !ok {
			ports = &edgePorts{key: e.Ports, policy: policyPorts(e.Ports)}
			distinct[string(keyBuf)] = ports
		}
		ends[2*i] = end{ports: ports, far: to}
		ends[2*i+1] = end{ports: ports, far: from}
		if w := from.pods; w != nil && w.name != "" {
			w.nOut++
		}
		if w := to.pods; w != nil && w.name != "" {
			w.nIn++
		}
	}
	backing := make([]end, 0, 2*len(edges))
	for i := range edges {
		to, from := ends[2*i].far, ends[2*i+1].far
		if w := from.pods; w != nil && w.name != "" {
			if w.out == nil {
				w.out, backing = backing[len(backing):len(backing):len(backing)+w.nOut], backing[:len(backing)+w.nOut]
			}
			w.out = append(w.out, ends[2*i])
		}
		if w := to.pods; w != nil && w.name != "" {
			if w.in == nil {
				w.in, backing = backing[len(backing):len(backing):len(backing)+w.nIn], backing[:len(backing)+w.nIn]
			}
			w.in = append(w.in, ends[2*i+1])
		}
	}

	slices.SortFunc(ix.namespaces, func(a, b *nsIndex) int { return strings.Compare(a.name, b.name) })
	for _, ns := range ix.namespaces {
		// Services and databases are each sorted; merge them by name (ir.Validate
		// guarantees no two share one).
		slices.SortStableFunc(ns.workloads, func(a, b *workload) int { return strings.Compare(a.name, b.name) })
	}
	if p.DNS.Enabled {
		ix.dns = dnsSpec(p.DNS)
	}
	return ix
}

func (ix *programIndex) namespace(name string) *nsIndex {
	ns := ix.byName[name]
	if ns == nil {
		ns = &nsIndex{name: name}
		ns.selector = &metav1.LabelSelector{MatchLabels: map[string]string{kube.NamespaceNameLabel: name}}
		ix.byName[name] = ns
		ix.namespaces = append(ix.namespaces, ns)
	}
	return ns
}

// newWorkload builds a workload's selectors and peers; name is empty for pods that get
// no policy.
func (ix *programIndex) newWorkload(ns, name string, labels []ir.Label, ex ir.Exclusion) *workload {
	w := &workload{ns: ns, name: name, labels: labels}
	w.far.pods = w
	var nsSel *metav1.LabelSelector
	if other := ix.byName[ns]; other != nil {
		nsSel = other.selector
	} else {
		nsSel = &metav1.LabelSelector{MatchLabels: map[string]string{kube.NamespaceNameLabel: ns}}
	}
	n := max(1, len(ex.Terms))
	w.selectors = make([]metav1.LabelSelector, n)
	w.local = make([]networkingv1.NetworkPolicyPeer, n)
	w.remote = make([]networkingv1.NetworkPolicyPeer, n)
	for i := range n {
		w.selectors[i] = selector(labels)
		if len(ex.Terms) > 0 {
			w.selectors[i].MatchExpressions = notIn(ex.Terms[i].Without)
		}
		w.local[i] = networkingv1.NetworkPolicyPeer{PodSelector: &w.selectors[i]}
		w.remote[i] = networkingv1.NetworkPolicyPeer{NamespaceSelector: nsSel, PodSelector: &w.selectors[i]}
	}
	return w
}

// selector builds the pod selector of labels.
func selector(labels []ir.Label) metav1.LabelSelector {
	if len(labels) == 0 {
		return metav1.LabelSelector{}
	}
	m := make(map[string]string, len(labels))
	for _, l := range labels {
		m[l.Key] = l.Value
	}
	return metav1.LabelSelector{MatchLabels: m}
}

// notIn is a term's "none of these labels": one `KEY NotIn [VALUES]` per key (which
// also matches pods without KEY). without is sorted by key then value, so the
// expressions and their values come out sorted.
func notIn(without []ir.Label) []metav1.LabelSelectorRequirement {
	var out []metav1.LabelSelectorRequirement
	for _, l := range without {
		if n := len(out); n > 0 && out[n-1].Key == l.Key {
			out[n-1].Values = append(out[n-1].Values, l.Value)
			continue
		}
		out = append(out, metav1.LabelSelectorRequirement{Key: l.Key, Operator: metav1.LabelSelectorOpNotIn, Values: []string{l.Value}})
	}
	return out
}
