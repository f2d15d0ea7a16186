package compiler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/compiler/k8sapi"
	"github.com/netc-dev/netc/diag"
)

// rbacRules are the least-privilege rules over RBAC grants (docs/rbac.md). Each reports at the
// grant statement's span, once per grant (separation-of-duties once per pair of grants).
var rbacRules = []Rule{
	{
		ID:          "wildcard-verb",
		Severity:    diag.Error,
		Doc:         "a grant gives every verb (`*`)",
		Remediation: "Name the verbs the subject needs, or a bundle: view, edit or deploy. If every verb is really meant, waive the line with `# netc:allow wildcard-verb REASON`.",
		Check:       checkWildcardVerb,
	},
	{
		ID:          "wildcard-resource",
		Severity:    diag.Error,
		Doc:         "a grant applies to every resource or every API group (`*`)",
		Remediation: "Name the resources the subject needs, with their group when they are not built in (certificates.cert-manager.io). If every resource is really meant, waive the line with `# netc:allow wildcard-resource REASON`.",
		Check:       checkWildcardResource,
	},
	{
		ID:          "escalation-verb",
		Severity:    diag.Error,
		Doc:         "a grant gives bind, escalate or impersonate, or write access to roles, role bindings, cluster roles or cluster role bindings",
		Remediation: "Whoever can write RBAC objects, bind or escalate roles, or impersonate can give itself any right. Keep these rights with cluster administrators and manage RBAC through netc instead.",
		Check:       checkEscalationVerb,
	},
	{
		ID:          "separation-of-duties",
		Severity:    diag.Error,
		Doc:         "one subject can both change network policy or RBAC and deploy workloads in the same namespace, itself or through an account it can act as",
		Remediation: "The subject that ships workloads must not also open the network paths or grant the rights they run with. Give network policy and RBAC to one subject (for example security engineers) and deployment to another.",
		Check:       checkSeparationOfDuties,
	},
	{
		ID:          "secrets-access",
		Severity:    diag.Warning,
		Doc:         "a subject can read secrets without `named` (get, list and watch all return their contents)",
		Remediation: "Whoever holds the grant (or a leaked token of the account) reads every secret of the namespace: a list or watch returns their contents too. List the secrets the subject needs: `can get secrets named NAME, ...`.",
		Check:       checkSecretsAccess,
	},
	{
		ID:          "cluster-scope",
		Severity:    diag.Warning,
		Doc:         "a grant is cluster-wide on namespaced resources, where namespaces would do",
		Remediation: "A cluster grant on namespaced resources applies in every namespace, including kube-system and those created later. Write the namespaces it needs with `in NS, ...`; keep `in cluster` for cluster-scoped resources such as nodes.",
		Check:       checkClusterScope,
	},
	{
		ID:          "access-to-create-pods",
		Severity:    diag.Warning,
		Doc:         "a subject can create or change workloads in a namespace whose ServiceAccounts hold rights it does not have",
		Remediation: "A pod can run as any ServiceAccount of its namespace, so whoever creates workloads there holds every right of those accounts. Move the powerful account to a namespace of its own, or narrow its grants to what the deployer may hold anyway.",
		Check:       checkAccessToCreatePods,
	},
	{
		ID:          "pod-exec",
		Severity:    diag.Warning,
		Doc:         "a grant lets its subject exec into, attach to or port-forward to pods, or add ephemeral containers to them",
		Remediation: "A shell in a pod acts with the pod's ServiceAccount and reads its mounted secrets; port-forwarding reaches the pod past every NetworkPolicy. Keep these rights for break-glass access and waive the line with a reason, or use `pods/log` for debugging.",
		Check:       checkPodExec,
	},
	{
		ID:          "token-request",
		Severity:    diag.Warning,
		Doc:         "a grant gives create on serviceaccounts/token, which mints tokens for ServiceAccounts",
		Remediation: "A token request issues a token for an existing ServiceAccount, so the subject acts as it with every right it has. Limit it to the accounts it needs with `named`, and keep those accounts' grants small.",
		Check:       checkTokenRequest,
	},
	{
		ID:          "persistent-volume-creation",
		Severity:    diag.Error,
		Doc:         "a grant gives create on persistentvolumes, which allows hostPath volumes on the nodes",
		Remediation: "A hostPath PersistentVolume gives a pod the node's filesystem: the kubelet's credentials and every other pod's data. Leave PersistentVolumes to cluster operators and provisioners; workloads use PersistentVolumeClaims.",
		Check:       checkPersistentVolumeCreation,
	},
	{
		ID:          "node-proxy",
		Severity:    diag.Error,
		Doc:         "a grant gives any verb on nodes/proxy, the kubelet API",
		Remediation: "The kubelet API runs commands in every pod of the node, past audit logging and admission control, and a websocket needs only get. Grant nodes/proxy to nobody but the control plane; use pods/log or metrics for observability.",
		Check:       checkNodeProxy,
	},
	{
		ID:          "csr-approval",
		Severity:    diag.Error,
		Doc:         "a grant can approve certificate signing requests: update on certificatesigningrequests/approval, or approve on a kubernetes.io signer or on every signer",
		Remediation: "Approving a kube-apiserver-client CSR issues a client certificate for any user or group, system:masters included. Leave approval to the control plane, or name a signer of your own: `can approve signers named \"example.com/my-signer\"`.",
		Check:       checkCSRApproval,
	},
	{
		ID:          "admission-webhooks",
		Severity:    diag.Error,
		Doc:         "a grant can write validating or mutating webhook configurations, or mutating admission policies",
		Remediation: "A webhook receives every object admitted to the cluster, secrets included, and a mutating one (or a mutating admission policy) rewrites them, for example to add a privileged container. Keep these objects with cluster administrators.",
		Check:       checkAdmissionWebhooks,
	},
	{
		ID:          "namespace-modification",
		Severity:    diag.Warning,
		Doc:         "a grant gives patch or update on namespaces, which can relabel them",
		Remediation: "Namespace labels switch Pod Security admission (pod-security.kubernetes.io/enforce) and select peers of NetworkPolicies written by others. Leave namespaces to cluster administrators, or limit the grant with `named`.",
		Check:       checkNamespaceModification,
	},
}

// rbacRuleResources renders a rule's resources as a user writes them.
var rbacRuleResources = k8sapi.RuleLabel

// rbacGrantScope renders where a grant applies: "in shop, payments", "in cluster".
func rbacGrantScope(g *ir.Grant) string {
	if g.Cluster {
		return "cluster-wide"
	}
	return "in " + strings.Join(g.Namespaces, ", ")
}

// rbacJoin joins items with ", ", naming at most max of them and counting the rest.
func rbacJoin(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:max], ", "), len(items)-max)
}

// rbacJoinParts joins phrases that hold commas with "; ", naming at most max.
func rbacJoinParts(parts []string, max int) string {
	if len(parts) <= max {
		return strings.Join(parts, "; ")
	}
	return fmt.Sprintf("%s; and %d more", strings.Join(parts[:max], "; "), len(parts)-max)
}

func checkWildcardVerb(p *ir.Program, r Reporter) {
	for _, g := range p.Grants {
		var on []string
		for _, rule := range g.Rules {
			if slices.Contains(rule.Verbs, k8sapi.All) {
				on = append(on, rbacRuleResources(rule))
			}
		}
		if len(on) > 0 {
			r.Report(g.Span, fmt.Sprintf("grant gives %s every verb (*) on %s", g.Subject.Key(), rbacJoin(on, 3)))
		}
	}
}

func checkWildcardResource(p *ir.Program, r Reporter) {
	for _, g := range p.Grants {
		var wild []string
		for _, rule := range g.Rules {
			for _, res := range rule.Resources {
				name, sub, _ := strings.Cut(res, "/")
				if rule.APIGroup == k8sapi.All || name == k8sapi.All || sub == k8sapi.All {
					wild = append(wild, k8sapi.Label(rule.APIGroup, res))
				}
			}
		}
		if len(wild) > 0 {
			r.Report(g.Span, fmt.Sprintf("grant gives %s a wildcard resource: %s", g.Subject.Key(), rbacJoin(wild, 3)))
		}
	}
}

// rbacEscalation is a (verb, resource) pair that lets a subject raise its own rights.
type rbacEscalation struct {
	verb string
	res  k8sapi.Resource
}

var rbacEscalations = func() []rbacEscalation {
	var out []rbacEscalation
	add := func(verbs []string, resources ...string) {
		for _, res := range rbacResources(resources...) {
			for _, v := range verbs {
				out = append(out, rbacEscalation{v, res})
			}
		}
	}
	add([]string{"bind", "escalate"}, "roles", "clusterroles")
	add([]string{"impersonate"}, "users", "groups", "serviceaccounts", "uids.authentication.k8s.io")
	add(k8sapi.WriteVerbs, "roles", "rolebindings", "clusterroles", "clusterrolebindings")
	return out
}()

var rbacEscalationVerbs = []string{"bind", "escalate", "impersonate"}

func checkEscalationVerb(p *ir.Program, r Reporter) {
	for _, g := range p.Grants {
		// verbs per resource, both in first-found order
		var resources []string
		verbs := map[string][]string{}
		note := func(verb, res string) {
			vs, ok := verbs[res]
			if !ok {
				resources = append(resources, res)
			}
			if !slices.Contains(vs, verb) {
				verbs[res] = append(vs, verb)
			}
		}
		for _, rule := range g.Rules {
			for _, v := range rbacEscalationVerbs {
				if slices.Contains(rule.Verbs, v) {
					for _, res := range rule.Resources {
						note(v, k8sapi.Label(rule.APIGroup, res))
					}
				}
			}
			for _, e := range rbacEscalations {
				if (rule.APIGroup == e.res.Group || rule.APIGroup == k8sapi.All) && k8sapi.Covers(rule, e.verb, e.res) {
					note(e.verb, e.res.Short())
				}
			}
		}
		if len(resources) == 0 {
			continue
		}
		parts := make([]string, len(resources))
		for i, res := range resources {
			parts[i] = strings.Join(verbs[res], ", ") + " on " + res
		}
		r.Report(g.Span, fmt.Sprintf("grant gives %s %s, which lets it raise its own privileges", g.Subject.Key(), rbacJoinParts(parts, 3)))
	}
}

// rbacPolicyResources are what "change network policy or RBAC" means in a namespace;
// rbacClusterPolicyResources add what only a cluster grant can change.
var (
	rbacPolicyResources        = rbacResources("networkpolicies", "roles", "rolebindings")
	rbacClusterPolicyResources = rbacResources("clusterroles", "clusterrolebindings")
)

func rbacResources(names ...string) []k8sapi.Resource {
	out := make([]k8sapi.Resource, len(names))
	for i, n := range names {
		r, err := k8sapi.Lookup(n)
		if err != nil {
			panic(err)
		}
		out[i] = r
	}
	return out
}

// grantWrites reports whether g lets its subject write one of resources (on some object).
func grantWrites(g *ir.Grant, resources []k8sapi.Resource) bool {
	for _, rule := range g.Rules {
		for _, res := range resources {
			if rule.APIGroup != res.Group && rule.APIGroup != k8sapi.All {
				continue
			}
			for _, v := range k8sapi.WriteVerbs {
				if k8sapi.Covers(rule, v, res) {
					return true
				}
			}
		}
	}
	return false
}

func grantChangesPolicy(g *ir.Grant) bool {
	return grantWrites(g, rbacPolicyResources) || (g.Cluster && grantWrites(g, rbacClusterPolicyResources))
}

func grantDeploys(g *ir.Grant) bool { return grantWrites(g, k8sapi.Workloads) }

type rbacSubjectID = ir.SubjectID

func rbacSubjectOf(s ir.Subject) rbacSubjectID { return s.ID() }

// checkSeparationOfDuties looks at each subject's grants together: the rights of one
// grant in a namespace add up with those of another, a cluster grant counts in every
// namespace, and the grants of every account the subject can act as (by creating pods,
// exec, token requests; see k8sapi.Effective) count as its own. It reports each pair of
// grants (policy, deploy) that meet in some namespace once, at the later of the two, or
// at the subject's own grant when the other belongs to an account, naming the namespaces.
func checkSeparationOfDuties(p *ir.Program, r Reporter) {
	type duties struct {
		policyNS, deployNS           map[string]*sodEntry // first grant per namespace
		policyOrder, deployOrder     []string             // namespaces in first-seen order
		clusterPolicy, clusterDeploy *sodEntry
	}
	order, entries := sodEntries(p)
	for _, id := range order {
		d := &duties{policyNS: map[string]*sodEntry{}, deployNS: map[string]*sodEntry{}}
		for i := range entries[id] {
			en := &entries[id][i]
			g := en.g
			pol, dep := grantChangesPolicy(g), grantDeploys(g)
			if !pol && !dep {
				continue
			}
			if g.Cluster {
				if pol && d.clusterPolicy == nil {
					d.clusterPolicy = en
				}
				if dep && d.clusterDeploy == nil {
					d.clusterDeploy = en
				}
				continue
			}
			for _, ns := range g.Namespaces {
				if _, ok := d.policyNS[ns]; pol && !ok {
					d.policyNS[ns] = en
					d.policyOrder = append(d.policyOrder, ns)
				}
				if _, ok := d.deployNS[ns]; dep && !ok {
					d.deployNS[ns] = en
					d.deployOrder = append(d.deployOrder, ns)
				}
			}
		}

		type pair struct{ policy, deploy *sodEntry }
		where := map[pair][]string{}
		var pairs []pair
		meet := func(pol, dep *sodEntry, ns string) {
			k := pair{pol, dep}
			if _, ok := where[k]; !ok {
				pairs = append(pairs, k)
			}
			if ns != "" {
				where[k] = append(where[k], ns)
			} else if where[k] == nil {
				where[k] = []string{}
			}
		}
		for _, ns := range d.policyOrder {
			if dep := d.deployNS[ns]; dep != nil {
				meet(d.policyNS[ns], dep, ns)
			} else if d.clusterDeploy != nil {
				meet(d.policyNS[ns], d.clusterDeploy, ns)
			}
		}
		if d.clusterPolicy != nil {
			for _, ns := range d.deployOrder {
				if _, ok := d.policyNS[ns]; !ok {
					meet(d.clusterPolicy, d.deployNS[ns], ns)
				}
			}
			if d.clusterDeploy != nil {
				meet(d.clusterPolicy, d.clusterDeploy, "")
			}
		}
		for _, k := range pairs {
			nss := where[k]
			in := "in every namespace"
			if !(k.policy.g.Cluster && k.deploy.g.Cluster) {
				slices.Sort(nss)
				in = "in " + rbacJoin(nss, 3)
			}
			reportDuties(r, k.policy, k.deploy, in)
		}
	}
}

// reportDuties reports one pair of grants that meet; see checkSeparationOfDuties.
func reportDuties(r Reporter, pol, dep *sodEntry, in string) {
	const (
		polWhat = "changes network policy or RBAC"
		depWhat = "deploys workloads"
	)
	switch {
	case pol.via == nil && dep.via == nil:
		at, other, otherWhat := dep.g, pol.g, polWhat
		if pol.g.Span.Compare(dep.g.Span) > 0 {
			at, other, otherWhat = pol.g, dep.g, depWhat
		}
		msg := fmt.Sprintf("%s can both change network policy or RBAC and deploy workloads %s", at.Subject.Key(), in)
		if pol.g == dep.g {
			r.Report(at.Span, msg)
			return
		}
		r.Report(at.Span, msg, diag.Related{Span: other.Span, Message: "this grant " + otherWhat})
	case pol.via != nil && dep.via != nil:
		if rbacSubjectOf(pol.account) == rbacSubjectOf(dep.account) {
			return // the account's own finding says it
		}
		at := pol.via
		rel := []diag.Related{
			{Span: pol.g.Span, Message: "this grant lets " + pol.account.Key() + " change network policy or RBAC"},
			{Span: dep.g.Span, Message: "this grant lets " + dep.account.Key() + " deploy workloads"},
		}
		if dep.via != at {
			rel = append(rel, diag.Related{Span: dep.via.Span, Message: "this grant lets " + at.Subject.Key() + " act as " + dep.account.Key()})
		}
		r.Report(at.Span, fmt.Sprintf("%s can both change network policy or RBAC and deploy workloads %s: it can act as %s, which %s, and as %s, which %s",
			at.Subject.Key(), in, pol.account.Key(), polWhat, dep.account.Key(), depWhat), rel...)
	default:
		own, borrowed, what := dep, pol, polWhat
		if dep.via != nil {
			own, borrowed, what = pol, dep, depWhat
		}
		rel := []diag.Related{{Span: borrowed.g.Span, Message: "this grant lets " + borrowed.account.Key() + " " + rbacDo(what)}}
		if borrowed.via != own.g {
			rel = append(rel, diag.Related{Span: borrowed.via.Span, Message: "this grant lets " + own.g.Subject.Key() + " act as " + borrowed.account.Key()})
		}
		r.Report(own.g.Span, fmt.Sprintf("%s can both change network policy or RBAC and deploy workloads %s: it can act as %s, which %s",
			own.g.Subject.Key(), in, borrowed.account.Key(), what), rel...)
	}
}

// rbacDo turns "changes network policy or RBAC" into "change network policy or RBAC".
func rbacDo(what string) string {
	if v, rest, ok := strings.Cut(what, " "); ok {
		return strings.TrimSuffix(v, "s") + " " + rest
	}
	return what
}

// checkSecretsAccess reports every subject, not only service accounts: the good practices
// (and CIS 5.1.2) make no difference, a list response holds every secret's contents.
func checkSecretsAccess(p *ir.Program, r Reporter) {
	secrets := rbacResources("secrets")[0]
	for _, g := range p.Grants {
		var verbs []string
		for _, v := range k8sapi.ReadVerbs {
			for _, rule := range g.Rules {
				if len(rule.ResourceNames) == 0 && k8sapi.Covers(rule, v, secrets) {
					verbs = append(verbs, v)
					break
				}
			}
		}
		if len(verbs) > 0 {
			r.Report(g.Span, fmt.Sprintf("%s can %s every secret %s; name the secrets it needs with `named`",
				g.Subject.Key(), strings.Join(verbs, ", "), rbacGrantScope(g)))
		}
	}
}

func checkClusterScope(p *ir.Program, r Reporter) {
	for _, g := range p.Grants {
		if !g.Cluster {
			continue
		}
		var namespaced []string
		for _, rule := range g.Rules {
			for _, res := range rule.Resources {
				if k8sapi.Namespaced(rule.APIGroup, res) {
					namespaced = append(namespaced, k8sapi.Label(rule.APIGroup, res))
				}
			}
		}
		if len(namespaced) > 0 {
			r.Report(g.Span, fmt.Sprintf("cluster-wide grant gives %s %s in every namespace; list the namespaces it needs with `in`",
				g.Subject.Key(), rbacJoin(namespaced, 3)))
		}
	}
}
