package engine

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/compiler/k8sapi"
	"github.com/netc-dev/netc/diag"
)

// rbacGroup is the API group of the RBAC kinds; a Role of another group is not RBAC.
const rbacGroup = "rbac.authorization.k8s.io"

// RBACRole is a Role or ClusterRole read from manifests.
type RBACRole struct {
	Kind            string // Role or ClusterRole
	Namespace, Name string // Namespace "" for a ClusterRole
	Labels          map[string]string
	Span            diag.Span
	Rules           []rbacv1.PolicyRule
	Aggregation     *rbacv1.AggregationRule
	// effective are the rules the role holds: its own, or, when it aggregates, those
	// of the ClusterRoles its selectors match (as the aggregation controller fills
	// them in), each with where it comes from.
	effective []RBACRule
}

// String is "Role shop/reader" or "ClusterRole view".
func (r *RBACRole) String() string {
	if r.Kind == "Role" {
		return "Role " + r.Namespace + "/" + r.Name
	}
	return "ClusterRole " + r.Name
}

// RBACRule is one rule of a role: its index in the role that wrote it (From, which is
// the role itself unless it came by aggregation).
type RBACRule struct {
	Rule  rbacv1.PolicyRule
	From  *RBACRole
	Index int // 0-based
}

// String is "rule #2 of ClusterRole view".
func (r RBACRule) String() string { return fmt.Sprintf("rule #%d of %s", r.Index+1, r.From) }

// RBACBinding is a RoleBinding or ClusterRoleBinding.
type RBACBinding struct {
	Kind            string
	Namespace, Name string
	Span            diag.Span
	RoleRef         rbacv1.RoleRef
	Subjects        []rbacv1.Subject
}

// String is "RoleBinding shop/dev" or "ClusterRoleBinding admins".
func (b *RBACBinding) String() string {
	if b.Kind == "RoleBinding" {
		return "RoleBinding " + b.Namespace + "/" + b.Name
	}
	return "ClusterRoleBinding " + b.Name
}

// Origin is what a grant of the RBAC model stands for: one subject of a binding, the
// role it binds and one rule of that role.
type Origin struct {
	Binding *RBACBinding
	Role    *RBACRole
	Rule    RBACRule
}

// rbacState is what the cluster read of RBAC.
type rbacState struct {
	roles    []*RBACRole
	bindings []*RBACBinding
	grants   []*ir.Grant // built once, by rbacGrants
	origins  map[*ir.Grant]Origin
	warnings diag.List
	built    bool
	eval     *k8sapi.Evaluator
}

func isRBAC(apiVersion string) bool {
	g, _, _ := strings.Cut(apiVersion, "/")
	return g == rbacGroup
}

func (c *Cluster) addRole(kind string, meta metav1.ObjectMeta, rules []rbacv1.PolicyRule, agg *rbacv1.AggregationRule, span diag.Span) {
	r := &RBACRole{Kind: kind, Name: meta.Name, Labels: meta.Labels, Span: span, Rules: rules, Aggregation: agg}
	if kind == "Role" {
		r.Namespace = defaultNS(meta.Namespace)
	}
	c.rbac.roles = append(c.rbac.roles, r)
	c.rbac.built = false
}

func (c *Cluster) addBinding(kind string, meta metav1.ObjectMeta, ref rbacv1.RoleRef, subjects []rbacv1.Subject, span diag.Span) {
	b := &RBACBinding{Kind: kind, Name: meta.Name, Span: span, RoleRef: ref, Subjects: subjects}
	if kind == "RoleBinding" {
		b.Namespace = defaultNS(meta.Namespace)
	}
	c.rbac.bindings = append(c.rbac.bindings, b)
	c.rbac.built = false
}

// aggregate fills in every role's effective rules: its own, or for a ClusterRole with
// an aggregationRule the union of the rules of the other ClusterRoles whose labels
// one of its selectors matches, to a fixed point (an aggregated role may aggregate
// others), as the cluster role aggregation controller does. Equal rules count once.
func (s *rbacState) aggregate(diags *diag.List) {
	var aggs []*RBACRole
	var clusterRoles []*RBACRole
	for _, r := range s.roles {
		if r.Kind == "ClusterRole" {
			clusterRoles = append(clusterRoles, r)
		}
		if r.Kind == "ClusterRole" && r.Aggregation != nil {
			aggs = append(aggs, r)
			r.effective = nil
			continue
		}
		r.effective = make([]RBACRule, len(r.Rules))
		for i, pr := range r.Rules {
			r.effective[i] = RBACRule{Rule: pr, From: r, Index: i}
		}
	}
	matches := map[*RBACRole][]*RBACRole{}
	for _, a := range aggs {
		for _, ls := range a.Aggregation.ClusterRoleSelectors {
			sel, err := metav1.LabelSelectorAsSelector(&ls)
			if err != nil {
				diags.Add(diag.Diagnostic{Severity: diag.Error, Span: a.Span, Message: fmt.Sprintf("%s: aggregationRule: %v", a, err)})
				continue
			}
			for _, o := range clusterRoles {
				if o != a && sel.Matches(labels.Set(o.Labels)) && !slices.Contains(matches[a], o) {
					matches[a] = append(matches[a], o)
				}
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, a := range aggs {
			for _, o := range matches[a] {
				for _, rr := range o.effective {
					if !slices.ContainsFunc(a.effective, func(x RBACRule) bool { return reflect.DeepEqual(x.Rule, rr.Rule) }) {
						a.effective = append(a.effective, rr)
						changed = true
					}
				}
			}
		}
	}
}

// build makes the grants the evaluator of compiler/k8sapi answers over: one per
// binding, subject and rule of the bound role, a RoleBinding's in its namespace, a
// ClusterRoleBinding's cluster-wide. A binding whose role is not among the inputs
// grants nothing, with a warning.
func (c *Cluster) buildRBAC() {
	s := &c.rbac
	if s.built {
		return
	}
	s.built = true
	s.grants, s.origins, s.warnings, s.eval = nil, map[*ir.Grant]Origin{}, nil, nil
	s.aggregate(&s.warnings)
	byKey := map[string]*RBACRole{}
	for _, r := range s.roles {
		k := r.Kind + "/" + r.Namespace + "/" + r.Name
		if _, ok := byKey[k]; !ok { // the first definition wins, as for workloads
			byKey[k] = r
		}
	}
	for _, b := range s.bindings {
		var role *RBACRole
		switch {
		case b.RoleRef.Kind == "Role" && b.Kind == "RoleBinding":
			role = byKey["Role/"+b.Namespace+"/"+b.RoleRef.Name]
		case b.RoleRef.Kind == "ClusterRole":
			role = byKey["ClusterRole//"+b.RoleRef.Name]
		default:
			s.warnings.Add(diag.Diagnostic{Severity: diag.Warning, Span: b.Span,
				Message: fmt.Sprintf("%s: roleRef kind %q cannot be bound here; it grants nothing", b, b.RoleRef.Kind)})
			continue
		}
		if role == nil {
			s.warnings.Add(diag.Diagnostic{Severity: diag.Warning, Span: b.Span,
				Message: fmt.Sprintf("%s refers to %s %s, which is not among the inputs; it grants nothing", b, b.RoleRef.Kind, b.RoleRef.Name)})
			continue
		}
		for _, subj := range b.Subjects {
			is, ok := irSubject(subj, b.Namespace)
			if !ok {
				continue
			}
			for _, rr := range role.effective {
				g := &ir.Grant{Subject: is, Span: b.Span}
				if b.Kind == "RoleBinding" {
					g.Namespaces = []string{b.Namespace}
				} else {
					g.Cluster = true
				}
				if len(rr.Rule.Resources) == 0 || len(rr.Rule.Verbs) == 0 {
					continue // a rule for nonResourceURLs only, or with no verb
				}
				for _, group := range rr.Rule.APIGroups {
					g.Rules = append(g.Rules, ir.Rule{APIGroup: group, Resources: rr.Rule.Resources, Verbs: rr.Rule.Verbs, ResourceNames: rr.Rule.ResourceNames})
				}
				if len(g.Rules) == 0 {
					continue
				}
				s.grants = append(s.grants, g)
				s.origins[g] = Origin{Binding: b, Role: role, Rule: rr}
			}
		}
	}
}

// irSubject is the subject of a binding as the evaluator knows subjects. A
// ServiceAccount without namespace is the binding's namespace's, as the API server
// reads it; one that has none (in a ClusterRoleBinding) matches nobody.
func irSubject(s rbacv1.Subject, bindingNS string) (ir.Subject, bool) {
	switch s.Kind {
	case rbacv1.UserKind:
		return ir.Subject{Kind: ir.User, Name: s.Name}, true
	case rbacv1.GroupKind:
		return ir.Subject{Kind: ir.Group, Name: s.Name}, true
	case rbacv1.ServiceAccountKind:
		ns := s.Namespace
		if ns == "" {
			ns = bindingNS
		}
		if ns == "" {
			return ir.Subject{}, false
		}
		return ir.Subject{Kind: ir.ServiceAccount, Namespace: ns, Name: s.Name}, true
	}
	return ir.Subject{}, false
}

// RBACGrants is the cluster's RBAC as grants, for compiler/k8sapi's evaluator, and
// the warnings about bindings that grant nothing.
func (c *Cluster) RBACGrants() ([]*ir.Grant, diag.List) {
	c.buildRBAC()
	return c.rbac.grants, c.rbac.warnings
}

// Roles and Bindings are the RBAC objects read, in input order.
func (c *Cluster) Roles() []*RBACRole       { return c.rbac.roles }
func (c *Cluster) Bindings() []*RBACBinding { return c.rbac.bindings }

// RBACDecision is an answer about a request over the cluster's RBAC.
type RBACDecision struct {
	k8sapi.Decision
	// Origin is the binding, role and rule that allow (when allowed), or that come
	// nearest (when denied and Decision.Grant is set).
	Origin *Origin
}

// Authorize answers req with the RBAC of the manifests, through the same evaluator
// netc's assertions use (compiler/k8sapi), so that manifests and intents are judged
// alike.
func (c *Cluster) Authorize(req k8sapi.Request) RBACDecision {
	c.buildRBAC()
	if c.rbac.eval == nil {
		c.rbac.eval = k8sapi.NewEvaluator(c.rbac.grants)
	}
	d := RBACDecision{Decision: c.rbac.eval.Decide(req)}
	if d.Grant != nil {
		o := c.rbac.origins[d.Grant]
		d.Origin = &o
	}
	return d
}

// Permissions lists every request the cluster's RBAC allows (see Permissions).
func (c *Cluster) Permissions() []Permission {
	g, _ := c.RBACGrants()
	return Permissions(g, nil)
}
