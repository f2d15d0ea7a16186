package kubestate

import (
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/compiler/k8sapi"
)

// Permission is what a binding lets one subject do that the intents do not: verbs on
// one resource (with its names) in one place, as a grant is written:
// "create, delete networkpolicies in shop".
type Permission struct {
	Subject string `json:"subject"` // "group developers", "serviceaccount ci/deployer"
	Grants  string `json:"grants"`
}

// bootstrapLabel marks the RBAC objects the API server creates for itself.
const bootstrapLabel = "kubernetes.io/bootstrapping"

// inScope reports whether the audit looks at binding b: not one of the API server's
// own (labelled kubernetes.io/bootstrapping), and either in a namespace of the program
// (where it locks down or grants) or with a subject the program names (a grant's
// subject, or a ServiceAccount of the program). Bindings elsewhere, to others, are
// outside what the intents speak of.
func (a *auditor) inScope(b *Object) bool {
	if _, ok := b.Labels[bootstrapLabel]; ok {
		return false
	}
	if b.Namespace != "" && slices.Contains(a.namespaces(), b.Namespace) {
		return true
	}
	named := map[ir.SubjectID]bool{}
	for _, g := range a.p.Grants {
		named[g.Subject.ID()] = true
	}
	for _, s := range k8sapi.Accounts(a.p) {
		named[s.ID()] = true
	}
	for _, s := range bindingSubjects(b) {
		if named[s.ID()] {
			return true
		}
	}
	return false
}

// namespaces are those the program locks down or grants in.
func (a *auditor) namespaces() []string {
	nss := slices.Clone(a.p.Namespaces)
	for _, g := range a.p.Grants {
		nss = append(nss, g.Namespaces...)
	}
	slices.Sort(nss)
	return slices.Compact(nss)
}

// bindingSubjects are b's subjects as the IR spells them; a ServiceAccount without a
// namespace is in the binding's.
func bindingSubjects(b *Object) []ir.Subject {
	var ss []rbacv1.Subject
	switch v := b.Typed.(type) {
	case *rbacv1.RoleBinding:
		ss = v.Subjects
	case *rbacv1.ClusterRoleBinding:
		ss = v.Subjects
	}
	var out []ir.Subject
	for _, s := range ss {
		switch s.Kind {
		case rbacv1.UserKind:
			out = append(out, ir.Subject{Kind: ir.User, Name: s.Name})
		case rbacv1.GroupKind:
			out = append(out, ir.Subject{Kind: ir.Group, Name: s.Name})
		case rbacv1.ServiceAccountKind:
			ns := s.Namespace
			if ns == "" {
				ns = b.Namespace
			}
			out = append(out, ir.Subject{Kind: ir.ServiceAccount, Namespace: ns, Name: s.Name})
		}
	}
	return out
}

// permissions lists what binding b grants its subjects beyond the intents: every
// request its role's rules allow (in the binding's namespace, or everywhere for a
// ClusterRoleBinding) that no grant of the program allows the subject.
func (a *auditor) permissions(b *Object) []Permission {
	var ref rbacv1.RoleRef
	switch v := b.Typed.(type) {
	case *rbacv1.RoleBinding:
		ref = v.RoleRef
	case *rbacv1.ClusterRoleBinding:
		ref = v.RoleRef
	}
	rules := a.roleRules(ref, b.Namespace)
	if len(rules) == 0 {
		return nil
	}
	eval := k8sapi.NewEvaluator(a.p.Grants)
	var out []Permission
	for _, subj := range bindingSubjects(b) {
		g := &ir.Grant{Subject: subj, Rules: rules}
		if b.Namespace == "" {
			g.Cluster = true
		} else {
			g.Namespaces = []string{b.Namespace}
		}
		// Verbs merged per resource, name and place; then resources with the same
		// verbs in the same place merged, in the order first met.
		type target struct{ res, where string }
		var targets []target
		verbs := map[target][]string{}
		for req := range k8sapi.Requests(g, subj) {
			if eval.Decide(req).Allowed {
				continue
			}
			res := req.Resource.Short()
			t := target{res, strings.TrimPrefix(req.Describe(), req.Verb+" "+res)}
			if _, ok := verbs[t]; !ok {
				targets = append(targets, t)
			}
			if !slices.Contains(verbs[t], req.Verb) {
				verbs[t] = append(verbs[t], req.Verb)
			}
		}
		type line struct{ verbs, where string }
		var lines []line
		resources := map[line][]string{}
		for _, t := range targets {
			vs := verbs[t]
			slices.Sort(vs)
			l := line{strings.Join(vs, ", "), t.where}
			if _, ok := resources[l]; !ok {
				lines = append(lines, l)
			}
			resources[l] = append(resources[l], t.res)
		}
		for _, l := range lines {
			vs, rs := l.verbs+" ", resources[l]
			if l.verbs == k8sapi.All {
				vs = "every verb on "
			}
			for i, r := range rs {
				if r == k8sapi.All {
					rs[i] = "every resource"
				}
			}
			out = append(out, Permission{Subject: subj.Key(), Grants: vs + strings.Join(rs, ", ") + l.where})
		}
	}
	return out
}

// clusterRoleRules are the rules of ClusterRole name and, when it aggregates, of the
// ClusterRoles its selectors match, each with its own aggregated rules: the rules
// the aggregation controller would fill in. seen guards against cycles.
func (a *auditor) clusterRoleRules(name string, seen map[string]bool) []rbacv1.PolicyRule {
	r := a.live.Get(Key{Kind: KindClusterRole, Name: name})
	if r == nil || seen[name] {
		return nil
	}
	seen[name] = true
	cr := r.Typed.(*rbacv1.ClusterRole)
	rules := slices.Clone(cr.Rules)
	if cr.AggregationRule == nil {
		return rules
	}
	for _, sel := range cr.AggregationRule.ClusterRoleSelectors {
		s, err := metav1.LabelSelectorAsSelector(&sel)
		if err != nil {
			continue
		}
		for _, o := range a.live.Objects {
			if o.Kind == KindClusterRole && s.Matches(labels.Set(o.Labels)) {
				rules = append(rules, a.clusterRoleRules(o.Name, seen)...)
			}
		}
	}
	return rules
}

// roleRules are the rules of the role ref names, as IR rules (one per API group):
// a Role of namespace ns, or a ClusterRole with the rules its aggregationRule
// gathers from the live ClusterRoles it selects. Non-resource URLs are left out.
func (a *auditor) roleRules(ref rbacv1.RoleRef, ns string) []ir.Rule {
	var rules []rbacv1.PolicyRule
	switch ref.Kind {
	case "Role":
		if r := a.live.Get(Key{Kind: KindRole, Namespace: ns, Name: ref.Name}); r != nil {
			rules = r.Typed.(*rbacv1.Role).Rules
		}
	case "ClusterRole":
		rules = a.clusterRoleRules(ref.Name, map[string]bool{})
	}
	var out []ir.Rule
	for _, r := range rules {
		if len(r.Resources) == 0 {
			continue // nonResourceURLs only
		}
		for _, g := range r.APIGroups {
			out = append(out, ir.Rule{APIGroup: g, Resources: r.Resources, Verbs: r.Verbs, ResourceNames: r.ResourceNames})
		}
	}
	return out
}
