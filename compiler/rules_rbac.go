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
		Doc:         "one subject can both change network policy or RBAC and deploy workloads in the same namespace",
		Remediation: "The subject that ships workloads must not also open the network paths or grant the rights they run with. Give network policy and RBAC to one subject (for example security engineers) and deployment to another.",
		Check:       checkSeparationOfDuties,
	},
	{
		ID:          "secrets-access",
		Severity:    diag.Warning,
		Doc:         "a service account can read secrets without `named`",
		Remediation: "A service account token that leaks then reads every secret of the namespace. List the secrets the workload needs: `can get secrets named NAME, ...`.",
		Check:       checkSecretsAccess,
	},
	{
		ID:          "cluster-scope",
		Severity:    diag.Warning,
		Doc:         "a grant is cluster-wide on namespaced resources, where namespaces would do",
		Remediation: "A cluster grant on namespaced resources applies in every namespace, including kube-system and those created later. Write the namespaces it needs with `in NS, ...`; keep `in cluster` for cluster-scoped resources such as nodes.",
		Check:       checkClusterScope,
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
// grant in a namespace add up with those of another, and a cluster grant counts in every
// namespace. It reports each pair of grants (policy, deploy) that meet in some namespace
// once, at the later of the two, naming the namespaces.
func checkSeparationOfDuties(p *ir.Program, r Reporter) {
	type duties struct {
		policyNS, deployNS           map[string]*ir.Grant // first grant per namespace
		policyOrder, deployOrder     []string             // namespaces in first-seen order
		clusterPolicy, clusterDeploy *ir.Grant
	}
	bySubject := map[rbacSubjectID]*duties{}
	var subjects []rbacSubjectID
	for _, g := range p.Grants {
		pol, dep := grantChangesPolicy(g), grantDeploys(g)
		if !pol && !dep {
			continue
		}
		id := rbacSubjectOf(g.Subject)
		d := bySubject[id]
		if d == nil {
			d = &duties{policyNS: map[string]*ir.Grant{}, deployNS: map[string]*ir.Grant{}}
			bySubject[id] = d
			subjects = append(subjects, id)
		}
		if g.Cluster {
			if pol && d.clusterPolicy == nil {
				d.clusterPolicy = g
			}
			if dep && d.clusterDeploy == nil {
				d.clusterDeploy = g
			}
			continue
		}
		for _, ns := range g.Namespaces {
			if _, ok := d.policyNS[ns]; pol && !ok {
				d.policyNS[ns] = g
				d.policyOrder = append(d.policyOrder, ns)
			}
			if _, ok := d.deployNS[ns]; dep && !ok {
				d.deployNS[ns] = g
				d.deployOrder = append(d.deployOrder, ns)
			}
		}
	}

	type pair struct{ policy, deploy *ir.Grant }
	for _, id := range subjects {
		d := bySubject[id]
		where := map[pair][]string{}
		var pairs []pair
		meet := func(pol, dep *ir.Grant, ns string) {
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
			if !(k.policy.Cluster && k.deploy.Cluster) {
				slices.Sort(nss)
				in = "in " + rbacJoin(nss, 3)
			}
			at, other, otherWhat := k.deploy, k.policy, "changes network policy or RBAC"
			if k.policy.Span.Compare(k.deploy.Span) > 0 {
				at, other, otherWhat = k.policy, k.deploy, "deploys workloads"
			}
			subj := at.Subject.Key()
			if k.policy == k.deploy {
				r.Report(at.Span, fmt.Sprintf("%s can both change network policy or RBAC and deploy workloads %s", subj, in))
				continue
			}
			r.Report(at.Span, fmt.Sprintf("%s can both change network policy or RBAC and deploy workloads %s", subj, in),
				diag.Related{Span: other.Span, Message: "this grant " + otherWhat})
		}
	}
}

func checkSecretsAccess(p *ir.Program, r Reporter) {
	secrets := rbacResources("secrets")[0]
	for _, g := range p.Grants {
		if g.Subject.Kind != ir.ServiceAccount {
			continue
		}
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
