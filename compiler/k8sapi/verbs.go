package k8sapi

import (
	"github.com/netc-dev/netc/diag"

	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/netc-dev/netc/compiler/ir"
)

// Verbs are the Kubernetes authorization verbs a grant may name, besides "*" and the
// bundles. sign and attest are the certificates.k8s.io signer verbs.
var Verbs = []string{
	"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection",
	"bind", "escalate", "impersonate", "use", "approve", "sign", "attest",
}

// The verb bundles.
const (
	View   = "view"   // get, list, watch
	Edit   = "edit"   // view + create, update, patch, delete
	Deploy = "deploy" // edit on the workload set, get on pods/log; edit on named resources
	// All is the RBAC wildcard verb, resource and group.
	All = "*"
)

var (
	viewVerbs = []string{"get", "list", "watch"}
	editVerbs = []string{"create", "delete", "get", "list", "patch", "update", "watch"}
	// WriteVerbs are the verbs that change objects.
	WriteVerbs = []string{"create", "delete", "deletecollection", "patch", "update"}
	// ReadVerbs are the verbs that read objects.
	ReadVerbs = viewVerbs
)

var isVerb = map[string]bool{}

func init() {
	for _, v := range Verbs {
		isVerb[v] = true
	}
}

// IsVerb reports whether v is a Kubernetes verb, a bundle, or "*".
func IsVerb(v string) bool { return isVerb[v] || v == View || v == Edit || v == Deploy || v == All }

// Workloads is the workload set of the deploy bundle: what a team that ships code
// creates and changes in its namespace.
var Workloads = []Resource{
	mustBuiltin("apps", "daemonsets"),
	mustBuiltin("apps", "deployments"),
	mustBuiltin("apps", "replicasets"),
	mustBuiltin("apps", "statefulsets"),
	mustBuiltin("batch", "cronjobs"),
	mustBuiltin("batch", "jobs"),
	mustBuiltin(Core, "configmaps"),
	mustBuiltin(Core, "pods"),
	mustBuiltin(Core, "services"),
}

// PodLogs is the one read-only resource deploy adds to the workload set.
var PodLogs = Resource{Group: Core, Name: "pods", Subresource: "log", Namespaced: true, Builtin: true}

func mustBuiltin(group, name string) Resource {
	e, ok := byGroupResource[groupResource{group, name}]
	if !ok {
		panic("k8sapi: " + name + "." + group + " is not in the table")
	}
	return e.resource("")
}

// Rules lowers the verbs, resources and resource names of one grant statement to
// canonical RBAC rules: bundles expanded, one rule per API group, verb set and name set,
// sorted and de-duplicated (see Canonical).
//
// The verbs are Kubernetes verbs, "*" or bundles:
//   - view = get, list, watch; edit = view + create, update, patch, delete.
//   - deploy with no resources is edit on Workloads plus get on pods/log; deploy with
//     resources is edit on them.
//   - view and edit need resources: a bundle of read or write rights on everything would
//     be a wildcard in disguise.
//
// With names (resourceNames), create and deletecollection cannot be granted: Kubernetes
// authorises them without an object name, so a rule limited by name never allows them.
// Naming them explicitly is an error; the edit bundle leaves create out.
func Rules(verbs []string, resources []Resource, names []string) ([]ir.Rule, error) {
	if len(verbs) == 0 {
		return nil, fmt.Errorf("a grant needs at least one verb")
	}
	named := len(names) > 0
	for _, n := range names {
		if n == "" {
			return nil, fmt.Errorf("`named` needs non-empty names")
		}
	}
	var expanded []string
	for _, v := range verbs {
		switch {
		case v == View:
			expanded = append(expanded, viewVerbs...)
		case v == Edit || v == Deploy:
			for _, e := range editVerbs {
				if named && e == "create" {
					continue
				}
				expanded = append(expanded, e)
			}
		case v == All || isVerb[v]:
			if named && (v == "deletecollection" || (v == "create" && !allSubresources(resources))) {
				return nil, fmt.Errorf("%s cannot be limited with `named`: Kubernetes authorises %s before there is an object name, so the rule would never apply", v, v)
			}
			expanded = append(expanded, v)
		default:
			return nil, unknownVerb(v)
		}
	}

	var rules []ir.Rule
	if len(resources) == 0 {
		for _, v := range verbs {
			if v != Deploy {
				return nil, fmt.Errorf("%q needs the resources it applies to, for example `can %s pods`; only deploy has a default (the workload set)", v, v)
			}
		}
		if named {
			return nil, fmt.Errorf("`named` needs the resources it names, for example `can deploy deployments named web`")
		}
		for _, r := range Workloads {
			rules = append(rules, ir.Rule{APIGroup: r.Group, Resources: []string{r.RBACName()}, Verbs: expanded})
		}
		rules = append(rules, ir.Rule{APIGroup: PodLogs.Group, Resources: []string{PodLogs.RBACName()}, Verbs: []string{"get"}})
		return Canonical(rules), nil
	}
	for _, r := range resources {
		rules = append(rules, ir.Rule{APIGroup: r.Group, Resources: []string{r.RBACName()}, Verbs: expanded, ResourceNames: names})
	}
	return Canonical(rules), nil
}

// allSubresources reports whether every resource is a subresource (and there is one): a
// create on a subresource (pods/exec, serviceaccounts/token) names its existing object,
// so `named` limits it.
func allSubresources(resources []Resource) bool {
	for _, r := range resources {
		if r.Subresource == "" {
			return false
		}
	}
	return len(resources) > 0
}

func unknownVerb(v string) error {
	cands := append(slices.Clone(Verbs), View, Edit, Deploy)
	best, bestD := "", min(len(v)/3+1, 3)+1
	for _, c := range cands {
		if d := diag.EditDistance(c, v, bestD); d < bestD {
			best, bestD = c, d
		}
	}
	if strings.ToLower(v) != v && IsVerb(strings.ToLower(v)) {
		best = strings.ToLower(v)
	}
	if best != "" {
		return fmt.Errorf("unknown verb %q (did you mean %s?)", v, best)
	}
	return fmt.Errorf("unknown verb %q: verbs are %s, %s, %s, %s or *", v, strings.Join(Verbs, ", "), View, Edit, Deploy)
}

// Canonical returns the canonical form of rules that together grant the same rights:
// verbs merged per (group, resource, names), a "*" verb absorbing the others, rights a
// rule without names already gives removed from rules with names, and then one rule per
// (group, verb set, name set) holding all its resources. The result is sorted by
// (APIGroup, Resources, Verbs, ResourceNames) and every slice in it is sorted and
// de-duplicated, so equal rights give equal rules. The input is not modified.
//
// The backend uses it to merge a subject's grants in one namespace into one Role.
func Canonical(rules []ir.Rule) []ir.Rule {
	type key struct{ group, resource, names string }
	type acc struct {
		key   key
		names []string
		verbs map[string]bool
	}
	var order []*acc
	byKey := map[key]*acc{}
	for _, r := range rules {
		names := slices.Clone(r.ResourceNames)
		slices.Sort(names)
		names = slices.Compact(names)
		nk := strings.Join(names, "\x00")
		for _, res := range r.Resources {
			k := key{r.APIGroup, res, nk}
			a := byKey[k]
			if a == nil {
				a = &acc{key: k, names: names, verbs: map[string]bool{}}
				byKey[k] = a
				order = append(order, a)
			}
			for _, v := range r.Verbs {
				a.verbs[v] = true
			}
		}
	}

	type outKey struct{ group, verbs, names string }
	byOut := map[outKey]*ir.Rule{}
	var out []*ir.Rule
	for _, a := range order {
		verbs := a.verbs
		if a.key.names != "" {
			// A rule without names on the same resource already gives these verbs on
			// every name: keep only what it does not give.
			if all := byKey[key{a.key.group, a.key.resource, ""}]; all != nil {
				if all.verbs[All] {
					continue
				}
				verbs = map[string]bool{}
				for v := range a.verbs {
					if !all.verbs[v] {
						verbs[v] = true
					}
				}
			}
		}
		vs := make([]string, 0, len(verbs))
		if verbs[All] {
			vs = append(vs, All)
		} else {
			for v := range verbs {
				vs = append(vs, v)
			}
			slices.Sort(vs)
		}
		if len(vs) == 0 {
			continue
		}
		ok := outKey{a.key.group, strings.Join(vs, "\x00"), a.key.names}
		r := byOut[ok]
		if r == nil {
			r = &ir.Rule{APIGroup: a.key.group, Verbs: vs}
			if len(a.names) > 0 {
				r.ResourceNames = a.names
			}
			byOut[ok] = r
			out = append(out, r)
		}
		r.Resources = append(r.Resources, a.key.resource)
	}
	res := make([]ir.Rule, len(out))
	for i, r := range out {
		slices.Sort(r.Resources)
		res[i] = *r
	}
	slices.SortFunc(res, CompareRules)
	return res
}

// CompareRules orders rules by (APIGroup, Resources, Verbs, ResourceNames).
func CompareRules(a, b ir.Rule) int {
	if c := cmp.Compare(a.APIGroup, b.APIGroup); c != 0 {
		return c
	}
	if c := slices.Compare(a.Resources, b.Resources); c != 0 {
		return c
	}
	if c := slices.Compare(a.Verbs, b.Verbs); c != 0 {
		return c
	}
	return slices.Compare(a.ResourceNames, b.ResourceNames)
}
