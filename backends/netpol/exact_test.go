package netpol

import (
	"net/netip"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netc-dev/netc/compiler/ir"
)

func without(base map[string]string, exprs ...metav1.LabelSelectorRequirement) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: base, MatchExpressions: exprs}
}

func notInReq(key string, values ...string) metav1.LabelSelectorRequirement {
	return metav1.LabelSelectorRequirement{Key: key, Operator: metav1.LabelSelectorOpNotIn, Values: values}
}

// TestExclusionAndExcept: a workload with two selector terms gets a policy per term and
// a peer per term wherever it is named, in its namespace and in another; ipBlocks carry
// the compiler's except lists as they are.
func TestExclusionAndExcept(t *testing.T) {
	b := newProg()
	web := b.svc("shop", "web", "tier=web")
	b.svc("shop", "shopweb", "tier=web", "app=shop", "track=x")
	web.Exclusion = ir.Exclusion{
		Narrower: []ir.Narrower{{Name: "shopweb", Extra: labels("", []string{"app=shop", "track=x"}), Span: b.span()}},
		Terms:    []ir.Term{{Without: []ir.Label{{Key: "app", Value: "shop"}}}, {Without: []ir.Label{{Key: "track", Value: "x"}}}},
	}
	client, mon := b.svc("shop", "client"), b.svc("ops", "monitor")
	b.p.Cluster = ir.Cluster{PodCIDRs: []netip.Prefix{netip.MustParsePrefix("10.244.0.0/16")}}
	corp := b.ext("shop", "corp", "10.0.0.0/8")
	b.edge(client, web, tcp(80))
	b.edge(mon, web, tcp(9090))
	b.edge(web, corp, tcp(443))
	nss := build(t, b.build())
	term1 := without(kv("tier=web"), notInReq("app", "shop"))
	term2 := without(kv("tier=web"), notInReq("track", "x"))
	webRules := func(name string, sel *metav1.LabelSelector) *networkingv1.NetworkPolicy {
		np := policy("shop", name, nil,
			[]networkingv1.NetworkPolicyIngressRule{
				in(ports(port("TCP", 80)), pods("app=client")),
				in(ports(port("TCP", 9090)), podsIn("ops", "app=monitor")),
			},
			[]networkingv1.NetworkPolicyEgressRule{out(ports(port("TCP", 443)), networkingv1.NetworkPolicyPeer{
				IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{"10.244.0.0/16"}}})})
		np.Spec.PodSelector = *sel
		return np
	}
	nsSel := sel("kubernetes.io/metadata.name=shop")
	checkPolicies(t, namespace(t, nss, "ops").Policies, []*networkingv1.NetworkPolicy{
		defaultDeny("ops"), kubeDNS("ops"),
		policy("ops", "monitor", kv("app=monitor"), nil, []networkingv1.NetworkPolicyEgressRule{out(ports(port("TCP", 9090)),
			networkingv1.NetworkPolicyPeer{NamespaceSelector: nsSel, PodSelector: term1},
			networkingv1.NetworkPolicyPeer{NamespaceSelector: nsSel, PodSelector: term2})}),
	})
	checkPolicies(t, namespace(t, nss, "shop").Policies, []*networkingv1.NetworkPolicy{
		defaultDeny("shop"), kubeDNS("shop"),
		policy("shop", "client", kv("app=client"), nil, []networkingv1.NetworkPolicyEgressRule{out(ports(port("TCP", 80)),
			networkingv1.NetworkPolicyPeer{PodSelector: term1}, networkingv1.NetworkPolicyPeer{PodSelector: term2})}),
		webRules("web", term1),
		webRules("web.2", term2),
	})
}
