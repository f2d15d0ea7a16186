package netpol

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netc-dev/netc/compiler/ir"
)

// labels (two workloads with the same pods are one peer), then address blocks by
// address.
type peerKey struct {
	pods   *workload
	prefix netip.Prefix
	block  *networkingv1.IPBlock
}

func (a peerKey) compare(b peerKey) int {
	switch {
	case a.pods != nil && b.pods == nil:
		return -1
	case a.pods == nil && b.pods != nil:
		return 1
	case a.pods == nil:
		if c := a.prefix.Addr().Compare(b.prefix.Addr()); c != 0 {
			return c
		}
		return cmp.Compare(a.prefix.Bits(), b.prefix.Bits())
	case a.pods == b.pods:
		return 0
	}
	if c := strings.Compare(a.pods.ns, b.pods.ns); c != 0 {
		return c
	}
	return slices.CompareFunc(a.pods.labels, b.pods.labels, func(x, y ir.Label) int {
		if c := strings.Compare(x.Key, y.Key); c != 0 {
			return c
		}
		return strings.Compare(x.Value, y.Value)
	})
}

// appendPeers appends the NetworkPolicy peers of k in a policy of namespace ns: one
// ipBlock, or one peer per selector of the workload.
func (k peerKey) appendPeers(dst []networkingv1.NetworkPolicyPeer, ns string) []networkingv1.NetworkPolicyPeer {
	switch {
	case k.pods == nil:
		return append(dst, networkingv1.NetworkPolicyPeer{IPBlock: k.block})
	case k.pods.ns == ns:
		return append(dst, k.pods.local...)
	}
	return append(dst, k.pods.remote...)
}

// size is how many peers appendPeers appends.
func (k peerKey) size() int {
	if k.pods == nil {
		return 1
	}
	return len(k.pods.local)
}

// blockPeer is the ipBlock of b.
func blockPeer(b ir.Block) peerKey {
	blk := &networkingv1.IPBlock{CIDR: b.CIDR.String()}
	for _, e := range b.Except {
		blk.Except = append(blk.Except, e.String())
	}
	return peerKey{prefix: b.CIDR, block: blk}
}

// group is one rule being built: the peers of every edge with one port list.
type group struct {
	ports *edgePorts
	keys  []peerKey // scratch, reused
	peers []networkingv1.NetworkPolicyPeer
}

// merger groups edges into rules. Its scratch space is reused across workloads.
type merger struct {
	groups  []group
	byPorts map[*edgePorts]int // only for workloads with many distinct port lists
}

// manyGroups is where finding a rule's port list by scanning gets slower than hashing.
const manyGroups = 8

// rules turns the far ends of one direction of one workload's edges into rules: one
// per distinct port list, with the de-duplicated, sorted peers of all its edges; rules
// ordered by port list, every-port first. The result is valid until the next call.
func (m *merger) rules(ns string, ends []end, a *arena) []group {
	if len(ends) == 0 {
		return nil
	}
	for i := range m.groups {
		m.groups[i].keys = m.groups[i].keys[:0]
	}
	m.groups = m.groups[:0]
	clear(m.byPorts)
	for _, e := range ends {
		// Edges with equal port lists share one *edgePorts (see index).
		i := -1
		if len(m.groups) < manyGroups {
			for j := range m.groups {
				if m.groups[j].ports == e.ports {
					i = j
					break
				}
			}
		} else {
			if len(m.byPorts) == 0 {
				if m.byPorts == nil {
					m.byPorts = make(map[*edgePorts]int)
				}
				for j := range m.groups {
					m.byPorts[m.groups[j].ports] = j
				}
			}
			if j, ok := m.byPorts[e.ports]; ok {
				i = j
			} else {
				m.byPorts[e.ports] = len(m.groups)
			}
		}
		if i < 0 {
			i = len(m.groups)
			if len(m.groups) < cap(m.groups) {
				m.groups = m.groups[:i+1] // keep the old keys' capacity
			} else {
				m.groups = append(m.groups, group{})
			}
			m.groups[i].ports = e.ports
		}
		g := &m.groups[i]
		if e.far.pods != nil {
			g.keys = append(g.keys, peerKey{pods: e.far.pods})
		} else {
			g.keys = append(g.keys, e.far.cidrs...)
		}
	}
	if len(m.groups) > 1 {
		slices.SortFunc(m.groups, func(a, b group) int { return comparePorts(a.ports.key, b.ports.key) })
	}
	for i := range m.groups {
		g := &m.groups[i]
		if len(g.keys) > 1 {
			slices.SortFunc(g.keys, peerKey.compare)
			g.keys = slices.CompactFunc(g.keys, func(a, b peerKey) bool { return a.compare(b) == 0 })
		}
		n := 0
		for _, k := range g.keys {
			n += k.size()
		}
		g.peers = a.peers.take(n)[:0]
		for _, k := range g.keys {
			g.peers = k.appendPeers(g.peers, ns)
		}
	}
	return m.groups
}
