package k8sapi

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netc-dev/netc/compiler/ir"
)

// Covers reports whether rule r allows verb on resource res for some object name, that
// is, ignoring the rule's ResourceNames. It follows the upstream RBAC matchers: "*"
// matches every verb, group and resource; "*/SUB" matches subresource SUB of every
// resource.
func Covers(r ir.Rule, verb string, res Resource) bool {
	return verbMatches(r.Verbs, verb) && groupMatches(r.APIGroup, res.Group) && resourceMatches(r.Resources, res)
}

// Allows reports whether rule r allows verb on resource res for the object called name
// ("" when the request names no object, as for list or create). A rule with
// ResourceNames allows only requests for one of those names.
func Allows(r ir.Rule, verb string, res Resource, name string) bool {
	return Covers(r, verb, res) && nameMatches(r.ResourceNames, name)
}

func verbMatches(verbs []string, verb string) bool {
	for _, v := range verbs {
		if v == All || v == verb {
			return true
		}
	}
	return false
}

func groupMatches(ruleGroup, group string) bool {
	return ruleGroup == All || ruleGroup == group
}

func resourceMatches(resources []string, res Resource) bool {
	for _, r := range resources {
		if r == All || isCombined(r, res.Name, res.Subresource) {
			return true
		}
		if res.Subresource != "" && isCombined(r, All, res.Subresource) {
			return true
		}
	}
	return false
}

// isCombined reports whether r == name or, with a subresource, r == name+"/"+sub,
// without building the string.
func isCombined(r, name, sub string) bool {
	if sub == "" {
		return r == name
	}
	return len(r) == len(name)+1+len(sub) && r[len(name)] == '/' && r[:len(name)] == name && r[len(name)+1:] == sub
}

func nameMatches(names []string, name string) bool {
	if len(names) == 0 {
		return true
	}
	return name != "" && slices.Contains(names, name)
}

// Request is a question to the evaluator: may Subject do Verb on Resource?
type Request struct {
	// Subject is who asks; Kind, Name and Namespace (for a ServiceAccount) are used.
	Subject ir.Subject
	Verb    string
	// Resource with its group and subresource, as Lookup returns it.
	Resource Resource
	// Namespace is where the request happens; "" for a cluster-scoped resource or a
	// request across all namespaces. For a known cluster-scoped resource it is ignored:
	// Kubernetes sends such requests without a namespace.
	Namespace string
	// Name is the object's name, or "" for a request about no particular object.
	// Kubernetes authorises the create of an object before it has a name, so the name
	// is ignored for create (but not for create on a subresource, such as pods/exec,
	// whose object exists).
	Name string
}

// Decision is the evaluator's answer.
type Decision struct {
	Allowed bool
	// Grant decided: when allowed, the first grant (in program order) that allows the
	// request; when denied, the first grant of the subject that gives the verb on the
	// resource but not here (another namespace, other names, a namespace grant on a
	// cluster-scoped resource), or nil when no grant comes close.
	Grant *ir.Grant
	// Reason says why, in words fit for a diagnostic.
	Reason string
}

// Evaluator answers requests about a fixed set of grants with Kubernetes RBAC semantics,
// as if each namespaced grant were a Role and RoleBinding in each of its namespaces and
// each cluster grant a ClusterRole and ClusterRoleBinding:
//
//   - a namespaced grant gives rights only on requests in its namespaces, and never on
//     cluster-scoped resources;
//   - a cluster grant gives rights everywhere: on cluster-scoped resources, and on
//     namespaced resources in every namespace and across all namespaces;
//   - a rule with resource names allows only requests for those names;
//   - "*" matches every verb, group and resource.
//
// Besides the grants made to the subject itself, it counts the grants Kubernetes would
// apply to it through the groups every request carries: system:authenticated for
// everyone, and for a service account the user system:serviceaccount:NS:NAME and the
// groups system:serviceaccounts and system:serviceaccounts:NS.
type Evaluator struct {
	grants    []*ir.Grant
	bySubject map[subjectKey][]int // indexes into grants, ascending
}

type subjectKey struct {
	kind            ir.SubjectKind
	namespace, name string
}

func keyOf(s ir.Subject) subjectKey {
	k := subjectKey{kind: s.Kind, name: s.Name}
	if s.Kind == ir.ServiceAccount {
		k.namespace = s.Namespace
	}
	return k
}

// NewEvaluator indexes grants by subject. The grants are not copied; they must not
// change while the evaluator is in use.
func NewEvaluator(grants []*ir.Grant) *Evaluator {
	e := &Evaluator{grants: grants, bySubject: map[subjectKey][]int{}}
	for i, g := range grants {
		k := keyOf(g.Subject)
		e.bySubject[k] = append(e.bySubject[k], i)
	}
	return e
}

// identities lists the subjects whose grants apply to requests of s.
func identities(s ir.Subject) []subjectKey {
	ids := []subjectKey{keyOf(s)}
	if s.Kind == ir.ServiceAccount {
		ids = append(ids,
			subjectKey{kind: ir.User, name: "system:serviceaccount:" + s.Namespace + ":" + s.Name},
			subjectKey{kind: ir.Group, name: "system:serviceaccounts"},
			subjectKey{kind: ir.Group, name: "system:serviceaccounts:" + s.Namespace},
		)
	}
	if !(s.Kind == ir.Group && s.Name == "system:authenticated") {
		ids = append(ids, subjectKey{kind: ir.Group, name: "system:authenticated"})
	}
	return ids
}

// Decide answers req.
func (e *Evaluator) Decide(req Request) Decision {
	ns := req.Namespace
	clusterScoped := req.Resource.Builtin && !req.Resource.Namespaced
	if clusterScoped {
		ns = ""
	}
	name := req.Name
	if req.Verb == "create" && req.Resource.Subresource == "" {
		name = "" // the object does not exist yet; a subresource's parent does
	}

	var idx []int
	for _, id := range identities(req.Subject) {
		idx = append(idx, e.bySubject[id]...)
	}
	slices.Sort(idx)

	near := -1
	nearWhy := ""
	for _, i := range idx {
		g := e.grants[i]
		applies := g.Cluster || (ns != "" && slices.Contains(g.Namespaces, ns))
		for _, r := range g.Rules {
			if !Covers(r, req.Verb, req.Resource) {
				continue
			}
			if applies && nameMatches(r.ResourceNames, name) {
				return Decision{Allowed: true, Grant: g, Reason: fmt.Sprintf("%s can %s %s%s", g.Subject.Key(), req.Verb, req.Resource.Short(), where(g, ns, clusterScoped))}
			}
			if near < 0 {
				near, nearWhy = i, missReason(g, r, req, ns, name, clusterScoped, applies)
			}
		}
	}
	if near >= 0 {
		return Decision{Grant: e.grants[near], Reason: nearWhy}
	}
	return Decision{Reason: fmt.Sprintf("no grant gives %s %s on %s%s", req.Subject.Key(), req.Verb, req.Resource.Short(), inWhere(ns, clusterScoped))}
}

func where(g *ir.Grant, ns string, clusterScoped bool) string {
	switch {
	case clusterScoped:
		return ""
	case ns == "":
		return " in every namespace"
	case g.Cluster:
		return " in every namespace"
	}
	return " in " + ns
}

func inWhere(ns string, clusterScoped bool) string {
	switch {
	case clusterScoped:
		return ""
	case ns == "":
		return " across all namespaces"
	}
	return " in " + ns
}

func missReason(g *ir.Grant, r ir.Rule, req Request, ns, name string, clusterScoped, applies bool) string {
	switch {
	case !applies && clusterScoped:
		return fmt.Sprintf("%s is cluster-scoped and the grant applies only in namespaces %s; a cluster-scoped resource needs `in cluster`", req.Resource.Short(), strings.Join(g.Namespaces, ", "))
	case !applies && ns == "":
		return fmt.Sprintf("the grant applies only in namespaces %s, not across all namespaces", strings.Join(g.Namespaces, ", "))
	case !applies:
		return fmt.Sprintf("the grant applies only in namespaces %s, not in %s", strings.Join(g.Namespaces, ", "), ns)
	case req.Verb == "create" && req.Resource.Subresource == "":
		return fmt.Sprintf("the grant is limited to names %s, and Kubernetes authorises create without a name", strings.Join(r.ResourceNames, ", "))
	case name == "":
		return fmt.Sprintf("the grant is limited to names %s", strings.Join(r.ResourceNames, ", "))
	}
	return fmt.Sprintf("the grant is limited to names %s, not %s", strings.Join(r.ResourceNames, ", "), name)
}

// Decide answers req over grants; build an Evaluator to answer many requests.
func Decide(grants []*ir.Grant, req Request) Decision {
	return NewEvaluator(grants).Decide(req)
}
