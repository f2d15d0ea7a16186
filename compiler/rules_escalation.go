package compiler

import (
	"fmt"
	"strings"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/compiler/k8sapi"
)

// The rules in this file cover the privilege escalation risks of Kubernetes' "RBAC good
// practices" that one grant shows on its own. Each reports once per grant, at the grant,
// naming the verbs and resources (a wildcard that covers them counts, as for
// escalation-verb). Workload creation needs the whole program and lives in effective.go.

// rbacCovers lists "VERBS on RESOURCE" for each of resources that g covers with one of
// verbs, in the order given; keep, when set, picks the rules that count.
func rbacCovers(g *ir.Grant, verbs []string, resources []k8sapi.Resource, keep func(ir.Rule) bool) []string {
	var parts []string
	for _, res := range resources {
		var vs []string
		for _, v := range verbs {
			for _, rule := range g.Rules {
				if (keep == nil || keep(rule)) && k8sapi.Covers(rule, v, res) {
					vs = append(vs, v)
					break
				}
			}
		}
		if len(vs) > 0 {
			parts = append(parts, strings.Join(vs, ", ")+" on "+res.Short())
		}
	}
	return parts
}

var (
	rbacPodShells  = rbacResources("pods/exec", "pods/attach", "pods/portforward")
	rbacEphemeral  = rbacResources("pods/ephemeralcontainers")
	rbacPortFwd    = rbacResources("pods/portforward")
	rbacToken      = rbacResources("serviceaccounts/token")
	rbacPVs        = rbacResources("persistentvolumes")
	rbacNodeProxy  = rbacResources("nodes/proxy")
	rbacCSRApprove = rbacResources("certificatesigningrequests/approval")
	rbacSigners    = rbacResources("signers")
	rbacWebhooks   = rbacResources("validatingwebhookconfigurations", "mutatingwebhookconfigurations",
		"mutatingadmissionpolicies", "mutatingadmissionpolicybindings")
	rbacNamespaces = rbacResources("namespaces")
	// rbacAnyVerb is every verb a rule can hold, for resources where any verb counts.
	rbacAnyVerb = k8sapi.Verbs
)

func checkPodExec(p *ir.Program, r Reporter) {
	for _, g := range p.Grants {
		// Older API servers (and newer ones with the AuthorizePodWebsocketUpgradeCreatePermission
		// gate off) authorise a websocket exec, attach or port-forward as get: count get too.
		parts := rbacCovers(g, []string{"create", "get"}, rbacPodShells, nil)
		parts = append(parts, rbacCovers(g, []string{"update", "patch"}, rbacEphemeral, nil)...)
		if len(parts) == 0 {
			continue
		}
		msg := fmt.Sprintf("grant gives %s %s %s: it can act inside running pods, with their ServiceAccounts and mounted secrets",
			g.Subject.Key(), rbacJoinParts(parts, 3), rbacGrantScope(g))
		if len(rbacCovers(g, []string{"create", "get"}, rbacPortFwd, nil)) > 0 {
			msg += ", and port-forwarding reaches pods past every NetworkPolicy"
		}
		r.Report(g.Span, msg)
	}
}

func checkTokenRequest(p *ir.Program, r Reporter) {
	for _, g := range p.Grants {
		for _, rule := range g.Rules {
			if !k8sapi.Covers(rule, "create", rbacToken[0]) {
				continue
			}
			which := "every ServiceAccount"
			switch len(rule.ResourceNames) {
			case 0:
			case 1:
				which = "ServiceAccount " + rule.ResourceNames[0]
			default:
				which = "ServiceAccounts " + rbacJoin(rule.ResourceNames, 3)
			}
			r.Report(g.Span, fmt.Sprintf("grant gives %s create on serviceaccounts/token %s: it can mint a token for %s there and act as it",
				g.Subject.Key(), rbacGrantScope(g), which))
			break
		}
	}
}

// rbacClusterCheck reports cluster grants that cover one of verbs on resources with
// "grant gives SUBJECT PARTS: WHY". A namespace grant never reaches a cluster-scoped
// resource (even through a wildcard), so it does not count.
func rbacClusterCheck(p *ir.Program, r Reporter, verbs []string, resources []k8sapi.Resource, keep func(ir.Rule) bool, why string) {
	for _, g := range p.Grants {
		if !g.Cluster {
			continue
		}
		if parts := rbacCovers(g, verbs, resources, keep); len(parts) > 0 {
			r.Report(g.Span, fmt.Sprintf("grant gives %s %s: %s", g.Subject.Key(), rbacJoinParts(parts, 3), why))
		}
	}
}

func checkPersistentVolumeCreation(p *ir.Program, r Reporter) {
	rbacClusterCheck(p, r, []string{"create"}, rbacPVs, nil,
		"a hostPath volume gives pods the node's filesystem")
}

func checkNodeProxy(p *ir.Program, r Reporter) {
	rbacClusterCheck(p, r, rbacAnyVerb, rbacNodeProxy, nil,
		"the kubelet API runs commands in every pod of the nodes, past audit logging and admission control")
}

// rbacSelfSigner reports whether a signers rule is limited to signers outside
// kubernetes.io, so it cannot approve the kube-apiserver-client signers.
func rbacSelfSigner(rule ir.Rule) bool {
	if len(rule.ResourceNames) == 0 {
		return false
	}
	for _, n := range rule.ResourceNames {
		if n == k8sapi.All || strings.HasPrefix(n, "kubernetes.io/") {
			return false
		}
	}
	return true
}

func checkCSRApproval(p *ir.Program, r Reporter) {
	for _, g := range p.Grants {
		if !g.Cluster {
			continue
		}
		parts := rbacCovers(g, []string{"update", "patch"}, rbacCSRApprove, nil)
		parts = append(parts, rbacCovers(g, []string{"approve"}, rbacSigners, func(rule ir.Rule) bool { return !rbacSelfSigner(rule) })...)
		if len(parts) > 0 {
			r.Report(g.Span, fmt.Sprintf("grant gives %s %s: approving a kube-apiserver-client CSR issues a client certificate for any user or group, system:masters included",
				g.Subject.Key(), rbacJoinParts(parts, 3)))
		}
	}
}

func checkAdmissionWebhooks(p *ir.Program, r Reporter) {
	rbacClusterCheck(p, r, k8sapi.WriteVerbs, rbacWebhooks, nil,
		"its webhooks see every object admitted to the cluster, secrets included, and mutating ones rewrite them")
}

// checkNamespaceModification counts namespace grants too: Kubernetes authorises a
// request on namespace NS in NS, so a RoleBinding there (a waived `*` in NS) relabels it.
func checkNamespaceModification(p *ir.Program, r Reporter) {
	for _, g := range p.Grants {
		if parts := rbacCovers(g, []string{"patch", "update"}, rbacNamespaces, nil); len(parts) > 0 {
			which := "every namespace"
			if !g.Cluster {
				which = "namespace " + rbacJoin(g.Namespaces, 3)
			} else if names := rbacNamesOnly(g, rbacNamespaces[0]); len(names) > 0 {
				which = "namespace " + rbacJoin(names, 3)
			}
			r.Report(g.Span, fmt.Sprintf("grant gives %s %s: it can relabel %s and switch off the Pod Security admission its labels enforce",
				g.Subject.Key(), rbacJoinParts(parts, 3), which))
		}
	}
}

// rbacNamesOnly returns the names that limit every rule of g on res, or nil when some
// rule covers res without names.
func rbacNamesOnly(g *ir.Grant, res k8sapi.Resource) []string {
	var names []string
	for _, rule := range g.Rules {
		if !k8sapi.Covers(rule, "patch", res) && !k8sapi.Covers(rule, "update", res) {
			continue
		}
		if len(rule.ResourceNames) == 0 {
			return nil
		}
		names = append(names, rule.ResourceNames...)
	}
	return sortedUnique(names)
}
