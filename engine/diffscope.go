package engine

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// DiffClusters is Diff(old.Map(), new.Map()), computed over the pairs that can have
// changed only. What a pair allows depends on the NetworkPolicies that select each
// end and on the ends themselves (labels, container ports, their namespaces' labels),
// nothing else; so a pair whose two workloads are the same on both sides (same
// labels, ports and namespace labels, selected by the same policies, compared by
// content) allows the same, and so do a clean workload's address ranges, address by
// address. The maps are computed for the pairs with a dirty end only. With admin
// policies (which look at every pair), Ingresses or Routes, or when one side has
// IPv6 blocks and the other not, both maps are computed whole.
func DiffClusters(old, new *Cluster) []Change {
	old.finish()
	new.finish()
	if old.hasAdmin() || new.hasAdmin() || len(old.ingress)+len(new.ingress) > 0 || old.ipv6 != new.ipv6 {
		return Diff(old.Map(), new.Map())
	}
	fps := map[*Policy]string{}
	oldDirty, newDirty := make([]bool, len(old.Workloads)), make([]bool, len(new.Workloads))
	for _, w := range old.Workloads {
		o := new.wlByKey[w.key]
		if o == nil || workloadChanged(old, w, new, o, fps) {
			oldDirty[w.id] = true
			if o != nil {
				newDirty[o.id] = true
			}
		}
	}
	for _, w := range new.Workloads {
		if old.wlByKey[w.key] == nil {
			newDirty[w.id] = true
		}
	}
	return Diff(old.mapOf(oldDirty), new.mapOf(newDirty))
}

// workloadChanged reports whether workload a of cluster ca and b of cb (of one name)
// can differ in what they send and receive.
func workloadChanged(ca *Cluster, a *Workload, cb *Cluster, b *Workload, fps map[*Policy]string) bool {
	if !maps.Equal(a.Labels, b.Labels) || !slices.Equal(a.Ports, b.Ports) ||
		!maps.Equal(ca.nsByName[a.Namespace].Labels, cb.nsByName[b.Namespace].Labels) {
		return true
	}
	same := func(x, y []*Policy) bool {
		if len(x) != len(y) {
			return false
		}
		if slices.EqualFunc(x, y, samePolicy) {
			return true // in the same order: no fingerprints to build and sort
		}
		fx, fy := make([]string, len(x)), make([]string, len(y))
		for i := range x {
			fx[i], fy[i] = fingerprint(x[i], fps), fingerprint(y[i], fps)
		}
		slices.Sort(fx)
		slices.Sort(fy)
		return slices.Equal(fx, fy)
	}
	return ca.ix.egCaptured[a.id] != cb.ix.egCaptured[b.id] || ca.ix.inCaptured[a.id] != cb.ix.inCaptured[b.id] ||
		!same(ca.ix.egPolicies[a.id], cb.ix.egPolicies[b.id]) || !same(ca.ix.inPolicies[a.id], cb.ix.inPolicies[b.id])
}

// samePolicy reports whether two policies have the same fingerprint, comparing the
// fields the fingerprint is made of, without building it: equal fields, equal texts.
func samePolicy(a, b *Policy) bool {
	return a.Namespace == b.Namespace && a.selKey == b.selKey &&
		a.AffectsIngress == b.AffectsIngress && a.AffectsEgress == b.AffectsEgress &&
		slices.EqualFunc(a.Ingress, b.Ingress, sameRule) && slices.EqualFunc(a.Egress, b.Egress, sameRule)
}

func sameRule(a, b *Rule) bool {
	if a.anyPeer != b.anyPeer || a.anyPort != b.anyPort || !slices.EqualFunc(a.peers, b.peers, samePeer) {
		return false
	}
	if a.anyPort {
		return true
	}
	for p := range a.conn {
		if !slices.Equal(a.conn[p], b.conn[p]) {
			return false
		}
	}
	return slices.Equal(a.named, b.named)
}

func samePeer(a, b rulePeer) bool {
	if a.ipBlock || b.ipBlock {
		return a.ipBlock && b.ipBlock && slices.Equal(a.ips, b.ips)
	}
	return (a.nsSel != nil) == (b.nsSel != nil) && (a.nsSel == nil || a.nsKey == b.nsKey) &&
		(a.podSel != nil) == (b.podSel != nil) && (a.podSel == nil || a.podKey == b.podKey)
}

// fingerprint is a canonical text of what a policy means, as parsed: its namespace,
// pod selector, policy types and each rule's peers and ports (its name aside: a rename
// is no change), computed once per policy.
func fingerprint(p *Policy, fps map[*Policy]string) string {
	if f, ok := fps[p]; ok {
		return f
	}
	var b strings.Builder
	field := func(s string) { // length-prefixed, whatever the strings hold
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	field(p.Namespace)
	field(p.selKey)
	b.WriteString(strconv.FormatBool(p.AffectsIngress))
	b.WriteString(strconv.FormatBool(p.AffectsEgress))
	rules := func(tag byte, rs []*Rule) {
		for _, r := range rs {
			b.WriteByte(tag)
			if r.anyPeer {
				b.WriteByte('*')
			}
			for _, pr := range r.peers {
				switch {
				case pr.ipBlock:
					b.WriteByte('b')
					field(Endpoint{IPs: pr.ips}.String())
				default:
					b.WriteByte('s')
					if pr.nsSel != nil {
						field(pr.nsKey)
					} else {
						b.WriteByte('-')
					}
					if pr.podSel != nil {
						field(pr.podKey)
					} else {
						b.WriteByte('-')
					}
				}
			}
			if r.anyPort {
				b.WriteByte('*')
			} else {
				b.WriteByte('c')
				field(r.conn.String())
				for _, np := range r.named {
					b.WriteByte('n')
					field(np.proto.String())
					field(np.name)
				}
			}
			b.WriteByte(';')
		}
	}
	rules('I', p.Ingress)
	rules('E', p.Egress)
	f := b.String()
	fps[p] = f
	return f
}
