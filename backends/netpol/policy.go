package netpol

import (
	"cmp"
	"strconv"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/kube"
)

func (ix *programIndex) meta(ns, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: ix.managed}
}

// build makes the objects of one namespace, taking their memory from a.
func (ix *programIndex) build(ns *nsIndex, a *arena) Namespace {
	out := Namespace{Name: ns.name}
	n := 1
	for _, w := range ns.workloads {
		n += len(w.selectors)
	}
	if ix.dns != nil {
		n++
	}
	out.Policies = a.policyPtrs.take(n)[:0]
	deny := &a.policies.take(1)[0]
	*deny = networkingv1.NetworkPolicy{
		TypeMeta:   policyType,
		ObjectMeta: ix.meta(ns.name, DefaultDenyName),
		Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: bothTypes},
	}
	out.Policies = append(out.Policies, deny)
	if ix.dns != nil {
		dns := &a.policies.take(1)[0]
		*dns = networkingv1.NetworkPolicy{TypeMeta: policyType, ObjectMeta: ix.meta(ns.name, AllowDNSName), Spec: *ix.dns}
		out.Policies = append(out.Policies, dns)
	}
	m := &a.merger
	for _, w := range ns.workloads {
		if len(w.in) == 0 && len(w.out) == 0 {
			continue
		}
		np := &a.policies.take(1)[0]
		np.TypeMeta, np.ObjectMeta = policyType, ix.meta(ns.name, w.name)
		spec := &np.Spec
		spec.PodSelector = w.selectors[0]
		if groups := m.rules(w.ns, w.in, a); len(groups) > 0 {
			spec.Ingress = a.ingress.take(len(groups))
			for i := range groups {
				spec.Ingress[i] = networkingv1.NetworkPolicyIngressRule{Ports: groups[i].ports.policy, From: groups[i].peers}
			}
		}
		if groups := m.rules(w.ns, w.out, a); len(groups) > 0 {
			spec.Egress = a.egress.take(len(groups))
			for i := range groups {
				spec.Egress[i] = networkingv1.NetworkPolicyEgressRule{Ports: groups[i].ports.policy, To: groups[i].peers}
			}
		}
		switch {
		case spec.Ingress != nil && spec.Egress != nil:
			spec.PolicyTypes = bothTypes
		case spec.Ingress != nil:
			spec.PolicyTypes = ingressType
		default:
			spec.PolicyTypes = egressType
		}
		out.Policies = append(out.Policies, np)
		// A workload that leaves out narrower ones' pods has several selectors: the
		// same rules again for each (policies add up), named NAME.2, NAME.3, ...
		// (workload names hold no dot, so these never collide).
		if len(w.selectors) > 1 {
			more := a.policies.take(len(w.selectors) - 1)
			for i := range more {
				more[i] = *np
				more[i].ObjectMeta = ix.meta(ns.name, w.name+"."+strconv.Itoa(i+2))
				more[i].Spec.PodSelector = w.selectors[i+1]
				out.Policies = append(out.Policies, &more[i])
			}
		}
	}
	return out
}

// The policyTypes lists are shared by every policy: the objects are read-only.
var (
	bothTypes   = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	ingressType = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	egressType  = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
)

// dnsSpec is the spec of netc.allow-dns: egress from every pod to the DNS pods on the
// DNS port, UDP and TCP. A zero namespace or port is kube's default.
func dnsSpec(d ir.DNS) *networkingv1.NetworkPolicySpec {
	ns, port := cmp.Or(d.Namespace, kube.DefaultDNSNamespace), cmp.Or(d.Port, kube.DefaultDNSPort)
	pods := selector(d.Labels)
	nsSel := &metav1.LabelSelector{MatchLabels: map[string]string{kube.NamespaceNameLabel: ns}}
	return &networkingv1.NetworkPolicySpec{
		Egress: []networkingv1.NetworkPolicyEgressRule{{
			Ports: []networkingv1.NetworkPolicyPort{
				{Protocol: protocol(ir.UDP), Port: portNumber(port)},
				{Protocol: protocol(ir.TCP), Port: portNumber(port)},
			},
			To: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: nsSel, PodSelector: &pods}},
		}},
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
	}
}
