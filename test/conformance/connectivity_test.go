package conformance

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/np-guard/netpol-analyzer/pkg/netpol/connlist"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/cli-runtime/pkg/resource"

	"github.com/netc-dev/netc/compiler/ir"
)

// connectivity maps (source, destination) to the ports open from one to the other.
// An endpoint is a pod "NS/NAME" or an external address range printed by its family.
type connectivity map[[2]string]portSet

func (c connectivity) add(src, dst string, ps portSet) {
	if ps.empty() {
		return
	}
	k := [2]string{src, dst}
	c[k] = c[k].union(ps)
}

// endpoint is one end of a connection in the comparison: a fixture pod, or one part of
// the partition of the address space.
type endpoint struct {
	Pod *pod
	IP  ipSpan
}

// expectedConnectivity computes, from the IR alone, which connections a cluster
// enforcing the intents allows between the endpoints. Kubernetes semantics: a connection
// needs egress allowed at its source and ingress allowed at its destination. A pod of a
// namespace that is not locked down (not in p.Namespaces) is selected by no policy, so
// all its egress and ingress is allowed; external addresses are not subject to policies.
// In a locked-down namespace only the intents (p.Edges) and the DNS path open anything.
func expectedConnectivity(p *ir.Program, fam family, pods []*pod, ips []ipSpan) connectivity {
	locked := map[string]bool{}
	for _, ns := range p.Namespaces {
		locked[ns] = true
	}
	owners := podOwners(p)
	var cluster []ipSpan
	for _, c := range p.Cluster.Ranges() {
		if spans, ok := fam.Spans(c); ok {
			cluster = append(cluster, spans...)
		}
	}
	matches := func(e endpoint, peer *ir.Peer) bool {
		switch peer.Kind {
		case ir.PeerPods:
			if e.Pod == nil || e.Pod.Namespace != peer.Namespace || !carries(e.Pod, peer.Labels) {
				return false
			}
			// A pod carrying the labels of a narrower workload of the namespace is that
			// one's, not this one's (docs/language.md).
			for _, n := range owners[peer] {
				if carries(e.Pod, n) {
					return false
				}
			}
			return true
		case ir.PeerCIDRs:
			if e.Pod != nil {
				return false
			}
			// The cluster's own networks are never an address outside the cluster.
			for _, s := range cluster {
				if s.contains(e.IP) {
					return false
				}
			}
			for _, c := range peer.CIDRs {
				spans, ok := fam.Spans(c)
				if !ok {
					continue
				}
				for _, s := range spans {
					if s.contains(e.IP) {
						return true
					}
				}
			}
		}
		return false
	}
	edgePorts := make([]portSet, len(p.Edges))
	for i, e := range p.Edges {
		edgePorts[i] = irPorts(e.Ports)
	}
	var dnsPorts portSet
	if p.DNS.Enabled {
		port := int64(p.DNS.Port)
		if port == 0 {
			port = 53
		}
		dnsPorts.add(protoIndex("UDP"), port, port)
		dnsPorts.add(protoIndex("TCP"), port, port)
	}
	dnsPeer := &ir.Peer{Kind: ir.PeerPods, Namespace: p.DNS.Namespace, Labels: p.DNS.Labels}
	if dnsPeer.Namespace == "" {
		dnsPeer.Namespace = "kube-system"
	}
	if len(dnsPeer.Labels) == 0 {
		dnsPeer.Labels = []ir.Label{{Key: "k8s-app", Value: "kube-dns"}}
	}
	byIntents := func(src, dst endpoint) portSet {
		var ps portSet
		for i, e := range p.Edges {
			if matches(src, e.From) && matches(dst, e.To) {
				ps = ps.union(edgePorts[i])
			}
		}
		return ps
	}

	var eps []endpoint
	for _, pd := range pods {
		eps = append(eps, endpoint{Pod: pd})
	}
	for _, r := range ips {
		eps = append(eps, endpoint{IP: r})
	}
	res := connectivity{}
	for _, src := range eps {
		for _, dst := range eps {
			if src.Pod == nil && dst.Pod == nil || src.Pod != nil && src.Pod == dst.Pod {
				continue
			}
			var egress, ingress portSet
			if src.Pod == nil || !locked[src.Pod.Namespace] {
				egress = allPorts()
			} else {
				egress = byIntents(src, dst)
				if p.DNS.Enabled && matches(dst, dnsPeer) {
					egress = egress.union(dnsPorts)
				}
			}
			if egress.empty() {
				continue
			}
			if dst.Pod == nil || !locked[dst.Pod.Namespace] {
				ingress = allPorts()
			} else {
				ingress = byIntents(src, dst)
			}
			res.add(endpointName(src, ips), endpointName(dst, ips), egress.intersect(ingress))
		}
	}
	return res
}

// carries reports whether pd carries every label of ls.
func carries(pd *pod, ls []ir.Label) bool {
	for _, l := range ls {
		if v, ok := pd.Labels[l.Key]; !ok || v != l.Value {
			return false
		}
	}
	return true
}

// podOwners lists, for each pod peer of p's edges, the label sets of the narrower
// workloads of its namespace: services and in-cluster databases whose labels strictly
// contain the peer's. Computed from the labels alone, by comparing every pair, never
// from netc's ir.Exclusion.
func podOwners(p *ir.Program) map[*ir.Peer][][]ir.Label {
	type workload struct {
		ns     string
		labels []ir.Label
	}
	var ws []workload
	for _, s := range p.Services {
		ws = append(ws, workload{s.Namespace, s.Labels})
	}
	for _, d := range p.Databases {
		if d.InCluster() {
			ws = append(ws, workload{d.Namespace, d.Labels})
		}
	}
	res := map[*ir.Peer][][]ir.Label{}
	for _, e := range p.Edges {
		for _, peer := range []*ir.Peer{e.From, e.To} {
			if peer.Kind != ir.PeerPods || res[peer] != nil {
				continue
			}
			res[peer] = [][]ir.Label{}
			for _, w := range ws {
				if w.ns == peer.Namespace && len(w.labels) > len(peer.Labels) && labelsWithin(peer.Labels, w.labels) {
					res[peer] = append(res[peer], w.labels)
				}
			}
		}
	}
	return res
}

func labelsWithin(inner, outer []ir.Label) bool {
	for _, l := range inner {
		if !slices.Contains(outer, l) {
			return false
		}
	}
	return true
}

// endpointName is the comparison's key of an endpoint: "NS/NAME" for a pod, ipKey for
// the i-th part of the address space (rendered, and merged with its neighbours, only
// when a difference is printed).
func endpointName(e endpoint, ips []ipSpan) string {
	if e.Pod != nil {
		return e.Pod.key()
	}
	i, _ := slices.BinarySearchFunc(ips, e.IP, func(a, b ipSpan) int { return cmp.Compare(a.lo, b.lo) })
	return ipKey(i)
}

func ipKey(i int) string { return fmt.Sprintf("#%08d", i) }

func isIPKey(k string) bool { return strings.HasPrefix(k, "#") }

// irPorts is the port set of an edge: every port and protocol when it names none.
func irPorts(ports []ir.Port) portSet {
	if len(ports) == 0 {
		return allPorts()
	}
	var ps portSet
	for _, pt := range ports {
		hi := pt.EndPort
		if hi == 0 {
			hi = pt.Port
		}
		ps.add(protoIndex(string(pt.Protocol)), int64(pt.Port), int64(hi))
	}
	return ps
}

// irSpans is every address range the IR's edges and cluster networks name, in the
// family's terms.
func irSpans(p *ir.Program, fam family) []ipSpan {
	var res []ipSpan
	for _, c := range p.Cluster.Ranges() {
		if s, ok := fam.Spans(c); ok {
			res = append(res, s...)
		}
	}
	for _, e := range p.Edges {
		for _, peer := range []*ir.Peer{e.From, e.To} {
			for _, c := range peer.CIDRs {
				if s, ok := fam.Spans(c); ok {
					res = append(res, s...)
				}
			}
		}
	}
	return res
}

// irIPv6Prefixes is every IPv6 prefix of the IR's edges and of the policies' ipBlocks:
// what the IPv6 projection must keep apart.
func irIPv6Prefixes(p *ir.Program, nps []*networkingv1.NetworkPolicy) ([]netip.Prefix, error) {
	res := p.Cluster.Ranges()
	for _, e := range p.Edges {
		for _, peer := range []*ir.Peer{e.From, e.To} {
			res = append(res, peer.CIDRs...)
		}
	}
	var errs []string
	for _, np := range nps {
		forEachIPBlock(np, func(b *networkingv1.IPBlock) {
			for _, c := range append([]string{b.CIDR}, b.Except...) {
				pfx, err := netip.ParsePrefix(c)
				if err != nil {
					errs = append(errs, fmt.Sprintf("NetworkPolicy %s/%s: ipBlock %q: %v", np.Namespace, np.Name, c, err))
					continue
				}
				res = append(res, pfx)
			}
		})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return res, nil
}

func forEachIPBlock(np *networkingv1.NetworkPolicy, f func(*networkingv1.IPBlock)) {
	for _, r := range np.Spec.Ingress {
		for _, peer := range r.From {
			if peer.IPBlock != nil {
				f(peer.IPBlock)
			}
		}
	}
	for _, r := range np.Spec.Egress {
		for _, peer := range r.To {
			if peer.IPBlock != nil {
				f(peer.IPBlock)
			}
		}
	}
}

// forAnalyzer rewrites a copy of a (defaulted) policy into what the IPv4-only analyzer
// can read, with the same meaning within one address family:
//   - ipBlocks of the other family are removed; a rule whose peers were all of the other
//     family is removed with them (it allows nothing in this family — keeping it with an
//     empty peer list would allow everything);
//   - ipBlocks of this family become the analyzer's IPv4 ranges (one ipBlock per CIDR);
//   - the analyzer refuses a named port in a rule with an ipBlock peer, so such a rule is
//     split: pod peers keep the named ports; for ipBlock peers an ingress rule gets the
//     numbers the policy's selected fixture pods give those names, and an egress rule drops
//     them (an external address has no named ports, so they never matched).
func forAnalyzer(np *networkingv1.NetworkPolicy, fam family, pods []*pod) (*networkingv1.NetworkPolicy, error) {
	c := np.DeepCopy()
	var ingress []networkingv1.NetworkPolicyIngressRule
	for _, r := range c.Spec.Ingress {
		rules, err := splitRule(r.From, r.Ports, fam, func(name string) ([]networkingv1.NetworkPolicyPort, error) {
			return resolveNamedPort(np, name, pods)
		})
		if err != nil {
			return nil, err
		}
		for _, x := range rules {
			ingress = append(ingress, networkingv1.NetworkPolicyIngressRule{From: x.peers, Ports: x.ports})
		}
	}
	var egress []networkingv1.NetworkPolicyEgressRule
	for _, r := range c.Spec.Egress {
		rules, err := splitRule(r.To, r.Ports, fam, func(string) ([]networkingv1.NetworkPolicyPort, error) { return nil, nil })
		if err != nil {
			return nil, err
		}
		for _, x := range rules {
			egress = append(egress, networkingv1.NetworkPolicyEgressRule{To: x.peers, Ports: x.ports})
		}
	}
	c.Spec.Ingress, c.Spec.Egress = ingress, egress
	return c, nil
}

type rule struct {
	peers []networkingv1.NetworkPolicyPeer
	ports []networkingv1.NetworkPolicyPort
}

func splitRule(peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort, fam family,
	resolve func(name string) ([]networkingv1.NetworkPolicyPort, error)) ([]rule, error) {
	if len(peers) == 0 {
		return []rule{{nil, ports}}, nil // every peer: no ipBlock to rewrite
	}
	var podPeers, ipPeers []networkingv1.NetworkPolicyPeer
	for _, peer := range peers {
		if peer.IPBlock == nil {
			podPeers = append(podPeers, peer)
			continue
		}
		mapped, err := mapIPBlock(peer.IPBlock, fam)
		if err != nil {
			return nil, err
		}
		ipPeers = append(ipPeers, mapped...)
	}
	named := slices.ContainsFunc(ports, func(p networkingv1.NetworkPolicyPort) bool {
		return p.Port != nil && p.Port.Type == intstr.String
	})
	if !named {
		all := append(podPeers, ipPeers...)
		if len(all) == 0 {
			return nil, nil
		}
		return []rule{{all, ports}}, nil
	}
	var res []rule
	if len(podPeers) > 0 {
		res = append(res, rule{podPeers, ports})
	}
	if len(ipPeers) > 0 {
		var numeric []networkingv1.NetworkPolicyPort
		for _, p := range ports {
			if p.Port == nil || p.Port.Type != intstr.String {
				numeric = append(numeric, p)
				continue
			}
			resolved, err := resolve(p.Port.StrVal)
			if err != nil {
				return nil, err
			}
			for _, r := range resolved {
				if p.Protocol == nil || r.Protocol == nil || *p.Protocol == *r.Protocol {
					numeric = append(numeric, r)
				}
			}
		}
		if len(numeric) > 0 {
			res = append(res, rule{ipPeers, numeric})
		}
	}
	return res, nil
}

// mapIPBlock turns an ipBlock into the analyzer's ipBlocks for fam, or none when it is of
// the other family.
func mapIPBlock(b *networkingv1.IPBlock, fam family) ([]networkingv1.NetworkPolicyPeer, error) {
	pfx, err := netip.ParsePrefix(b.CIDR)
	if err != nil {
		return nil, fmt.Errorf("ipBlock cidr %q: %v", b.CIDR, err)
	}
	spans, ok := fam.Spans(pfx)
	if !ok {
		return nil, nil
	}
	var except []ipSpan
	for _, e := range b.Except {
		ep, err := netip.ParsePrefix(e)
		if err != nil {
			return nil, fmt.Errorf("ipBlock except %q: %v", e, err)
		}
		s, ok := fam.Spans(ep)
		if !ok {
			return nil, fmt.Errorf("ipBlock %s: except %s is of the other address family", b.CIDR, e)
		}
		except = append(except, s...)
	}
	var res []networkingv1.NetworkPolicyPeer
	for _, s := range spans {
		for _, c := range spanCIDRs(s) {
			blk := &networkingv1.IPBlock{CIDR: c.String()}
			cs := ipv4Span(c)
			for _, e := range except {
				in := ipSpan{max(cs.lo, e.lo), min(cs.hi, e.hi)}
				if in.lo >= in.hi {
					continue
				}
				if in == cs {
					blk = nil // wholly excepted
					break
				}
				for _, ec := range spanCIDRs(in) {
					blk.Except = append(blk.Except, ec.String())
				}
			}
			if blk != nil {
				res = append(res, networkingv1.NetworkPolicyPeer{IPBlock: blk})
			}
		}
	}
	return res, nil
}

// resolveNamedPort finds what a named port means on the pods a policy selects.
func resolveNamedPort(np *networkingv1.NetworkPolicy, name string, pods []*pod) ([]networkingv1.NetworkPolicyPort, error) {
	sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var res []networkingv1.NetworkPolicyPort
	for _, pd := range pods {
		if pd.Namespace != np.Namespace || !sel.Matches(labels.Set(pd.Labels)) {
			continue
		}
		for _, cp := range pd.Ports {
			if cp.Name != name {
				continue
			}
			proto := cp.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			k := fmt.Sprint(proto, cp.ContainerPort)
			if !seen[k] {
				seen[k] = true
				port := intstr.FromInt32(cp.ContainerPort)
				res = append(res, networkingv1.NetworkPolicyPort{Protocol: &proto, Port: &port})
			}
		}
	}
	return res, nil
}

// analyze runs netpol-analyzer's connlist over the objects and returns what it says is
// allowed, in the family's terms, together with every address range it reported.
func analyze(objs []runtime.Object, fam family) ([]connlist.Peer2PeerConnection, []error) {
	var infos []*resource.Info
	for i, o := range objs {
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			return nil, []error{err}
		}
		obj := &unstructured.Unstructured{Object: u}
		switch o.(type) {
		case *networkingv1.NetworkPolicy:
			obj.SetAPIVersion("networking.k8s.io/v1")
			obj.SetKind("NetworkPolicy")
		case *corev1.Pod:
			obj.SetAPIVersion("v1")
			obj.SetKind("Pod")
		case *corev1.Namespace:
			obj.SetAPIVersion("v1")
			obj.SetKind("Namespace")
		default:
			return nil, []error{fmt.Errorf("analyze: unexpected %T", o)}
		}
		infos = append(infos, &resource.Info{Source: fmt.Sprintf("object-%d", i), Name: obj.GetName(), Namespace: obj.GetNamespace(), Object: obj})
	}
	log := &analyzerLog{}
	ca := connlist.NewConnlistAnalyzer(connlist.WithLogger(log))
	conns, _, err := ca.ConnlistFromResourceInfos(infos)
	var errs []error
	if err != nil {
		errs = append(errs, fmt.Errorf("netpol-analyzer (%s): %v", fam.Name, err))
	}
	for _, e := range ca.Errors() {
		if e.IsFatal() || e.IsSevere() {
			errs = append(errs, fmt.Errorf("netpol-analyzer (%s): %v", fam.Name, e.Error()))
		}
	}
	for _, e := range log.errors {
		errs = append(errs, fmt.Errorf("netpol-analyzer (%s) logged an error: %s", fam.Name, e))
	}
	return conns, errs
}

// analyzerLog collects what the analyzer logs, so errors fail the test instead of
// scrolling past on stderr.
type analyzerLog struct{ errors, warnings []string }

func (l *analyzerLog) Debugf(string, ...interface{}) {}
func (l *analyzerLog) Infof(string, ...interface{})  {}
func (l *analyzerLog) Warnf(format string, o ...interface{}) {
	l.warnings = append(l.warnings, fmt.Sprintf(format, o...))
}
func (l *analyzerLog) Errorf(err error, format string, o ...interface{}) {
	l.errors = append(l.errors, fmt.Sprintf(format, o...)+": "+fmt.Sprint(err))
}

// analyzerSpans is every address range the analyzer's connections name.
func analyzerSpans(conns []connlist.Peer2PeerConnection) ([]ipSpan, error) {
	var res []ipSpan
	for _, c := range conns {
		for _, p := range []connlist.Peer{c.Src(), c.Dst()} {
			if p.IsPeerIPType() {
				s, err := parseAnalyzerIPs(p.IP())
				if err != nil {
					return nil, err
				}
				res = append(res, s...)
			}
		}
	}
	return res, nil
}

// actualConnectivity turns the analyzer's connections into a connectivity over the
// same endpoints as the expectation: each address range is split into the parts of ips.
func actualConnectivity(conns []connlist.Peer2PeerConnection, fam family, ips []ipSpan) (connectivity, error) {
	res := connectivity{}
	names := func(p connlist.Peer) ([]string, error) {
		if !p.IsPeerIPType() {
			return []string{p.Namespace() + "/" + p.Name()}, nil
		}
		spans, err := parseAnalyzerIPs(p.IP())
		if err != nil {
			return nil, err
		}
		var out []string
		for i, part := range ips {
			for _, s := range spans {
				if s.contains(part) {
					out = append(out, ipKey(i))
					break
				}
			}
		}
		return out, nil
	}
	for _, c := range conns {
		srcs, err := names(c.Src())
		if err != nil {
			return nil, err
		}
		dsts, err := names(c.Dst())
		if err != nil {
			return nil, err
		}
		var ps portSet
		if c.AllProtocolsAndPorts() {
			ps = allPorts()
		} else {
			for proto, ranges := range c.ProtocolsAndPorts() {
				i := protoIndex(string(proto))
				if i < 0 {
					return nil, fmt.Errorf("analyzer: unknown protocol %q", proto)
				}
				for _, r := range ranges {
					// The analyzer's ranges carry its explanation data and include the
					// denied ones; only those in the set are allowed.
					in, ok := r.(interface{ InSet() bool })
					if !ok {
						return nil, fmt.Errorf("analyzer: port range %T has no InSet method", r)
					}
					if in.InSet() {
						ps.add(i, r.Start(), r.End())
					}
				}
			}
		}
		for _, s := range srcs {
			for _, d := range dsts {
				if s != d {
					res.add(s, d, ps)
				}
			}
		}
	}
	return res, nil
}

// diffConnectivity lists, sorted, the connections the intents open that the policies do
// not allow (missing) and those the policies allow that no intent opens (extra), one
// "SRC -> DST PORTS" line each. Neighbouring address ranges with the same difference
// print as one range.
func diffConnectivity(want, got connectivity, fam family, ips []ipSpan) (missing, extra []string) {
	return diffLines(want, got, fam, ips), diffLines(got, want, fam, ips)
}

// diffLines prints what a has beyond b.
func diffLines(a, b connectivity, fam family, ips []ipSpan) []string {
	type group struct {
		src, dst string // one of them may be "" for the address side
		ports    string
	}
	ranges := map[group][]int{}
	var lines []string
	for k, ps := range a {
		d := ps.minus(b[k])
		if d.empty() {
			continue
		}
		switch {
		case isIPKey(k[0]):
			g := group{"", k[1], d.String()}
			ranges[g] = append(ranges[g], ipIndex(k[0]))
		case isIPKey(k[1]):
			g := group{k[0], "", d.String()}
			ranges[g] = append(ranges[g], ipIndex(k[1]))
		default:
			lines = append(lines, k[0]+" -> "+k[1]+" "+d.String())
		}
	}
	for g, idx := range ranges {
		slices.Sort(idx)
		for i := 0; i < len(idx); {
			j := i
			for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
				j++
			}
			addr := fam.Render(ipSpan{ips[idx[i]].lo, ips[idx[j]].hi})
			src, dst := g.src, g.dst
			if src == "" {
				src = addr
			} else {
				dst = addr
			}
			lines = append(lines, src+" -> "+dst+" "+g.ports)
			i = j + 1
		}
	}
	slices.Sort(lines)
	return lines
}

func ipIndex(k string) int {
	n, _ := strconv.Atoi(k[1:])
	return n
}
