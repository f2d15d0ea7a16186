// Package k8sapi is the knowledge of the Kubernetes API that netc needs to compile and
// check RBAC grants, as data and small functions: the built-in resources with their API
// group and scope, the verbs and netc's verb bundles, the canonical form of RBAC rules,
// and an evaluator that answers "may this subject do this?" with Kubernetes' own RBAC
// semantics. It depends on nothing from k8s.io: the table is data, kept in step with the
// Kubernetes release netc targets.
package k8sapi

import (
	"github.com/netc-dev/netc/diag"

	"fmt"
	"strings"
)

// Resource is one RBAC resource, resolved to its API group.
type Resource struct {
	// Group is the API group; "" is the core group, "*" every group.
	Group string
	// Name is the plural resource name ("pods"), or "*" for every resource.
	Name string
	// Subresource is "log" in "pods/log"; empty for the resource itself.
	Subresource string
	// Namespaced reports whether objects of the resource live in a namespace. Unknown
	// resources (custom resources) are assumed namespaced, and so is "*".
	Namespaced bool
	// Builtin is true when the resource comes from the table of built-in resources.
	Builtin bool
}

// RBACName is the resource as an RBAC rule spells it: "pods", "pods/log".
func (r Resource) RBACName() string {
	if r.Subresource == "" {
		return r.Name
	}
	return r.Name + "/" + r.Subresource
}

// String is the resource as a user writes it with its group spelled out:
// "pods/log", "deployments.apps", "certificates.cert-manager.io".
func (r Resource) String() string {
	s := r.Name
	if r.Group != "" {
		s += "." + r.Group
	}
	if r.Subresource != "" {
		s += "/" + r.Subresource
	}
	return s
}

// Short is the resource as a user would write it in a grant: the bare name when it
// resolves to this group ("pods/log", "deployments", "events"), else with the group
// ("events.events.k8s.io", "certificates.cert-manager.io"); "*" for every resource of
// every group.
func (r Resource) Short() string {
	if r.Group == All && r.Name == All && r.Subresource == "" {
		return All
	}
	if e, ok := byName[r.Name]; ok && e.group == r.Group {
		return r.RBACName()
	}
	return r.String()
}

// Label renders resource res of an RBAC rule in group as Short does.
func Label(group, res string) string {
	name, sub, _ := strings.Cut(res, "/")
	return Resource{Group: group, Name: name, Subresource: sub}.Short()
}

// IsWildcard reports whether the resource names every resource or every group.
func (r Resource) IsWildcard() bool {
	return r.Name == "*" || r.Group == "*" || r.Subresource == "*"
}

// Core is the core API group's name in RBAC rules.
const Core = ""

type scope bool

const (
	namespaced scope = true
	cluster    scope = false
)

// entry is one built-in resource. anySub marks resources whose subresources are not a
// closed set (userextras/<extra-key>).
type entry struct {
	group, name  string
	scope        scope
	subresources []string
	anySub       bool
}

// table lists the built-in resources of Kubernetes 1.37, read from the API discovery
// documents of that release (api/discovery in kubernetes/kubernetes), plus the resources
// that exist only for authorization (users, groups, userextras, uids, signers, the
// kubelet's node subresources) and the widely deployed metrics.k8s.io aggregated API.
// Subresources are in the group of their resource, as RBAC sees them: pods/eviction is
// core even though the Eviction object is in policy.
//
// Order matters: a bare name resolves to its first entry, so the core group comes first
// and events means core events, not events.k8s.io.
var table = []entry{
	// core
	{Core, "bindings", namespaced, nil, false},
	{Core, "componentstatuses", cluster, nil, false},
	{Core, "configmaps", namespaced, nil, false},
	{Core, "endpoints", namespaced, nil, false},
	{Core, "events", namespaced, nil, false},
	{Core, "groups", cluster, nil, false},
	{Core, "limitranges", namespaced, nil, false},
	{Core, "namespaces", cluster, []string{"finalize", "status"}, false},
	{Core, "nodes", cluster, []string{"checkpoint", "configz", "healthz", "log", "metrics", "pods", "proxy", "stats", "status", "statusz"}, false},
	{Core, "persistentvolumeclaims", namespaced, []string{"status"}, false},
	{Core, "persistentvolumes", cluster, []string{"status"}, false},
	{Core, "pods", namespaced, []string{"attach", "binding", "ephemeralcontainers", "eviction", "exec", "log", "portforward", "proxy", "resize", "status"}, false},
	{Core, "podtemplates", namespaced, nil, false},
	{Core, "replicationcontrollers", namespaced, []string{"scale", "status"}, false},
	{Core, "resourcequotas", namespaced, []string{"status"}, false},
	{Core, "secrets", namespaced, nil, false},
	{Core, "serviceaccounts", namespaced, []string{"token"}, false},
	{Core, "services", namespaced, []string{"proxy", "status"}, false},
	{Core, "users", cluster, nil, false},
	// admissionregistration.k8s.io
	{"admissionregistration.k8s.io", "mutatingadmissionpolicies", cluster, nil, false},
	{"admissionregistration.k8s.io", "mutatingadmissionpolicybindings", cluster, nil, false},
	{"admissionregistration.k8s.io", "mutatingwebhookconfigurations", cluster, nil, false},
	{"admissionregistration.k8s.io", "validatingadmissionpolicies", cluster, []string{"status"}, false},
	{"admissionregistration.k8s.io", "validatingadmissionpolicybindings", cluster, nil, false},
	{"admissionregistration.k8s.io", "validatingwebhookconfigurations", cluster, nil, false},
	// apiextensions.k8s.io
	{"apiextensions.k8s.io", "customresourcedefinitions", cluster, []string{"status"}, false},
	// apiregistration.k8s.io
	{"apiregistration.k8s.io", "apiservices", cluster, []string{"status"}, false},
	// apps
	{"apps", "controllerrevisions", namespaced, nil, false},
	{"apps", "daemonsets", namespaced, []string{"status"}, false},
	{"apps", "deployments", namespaced, []string{"scale", "status"}, false},
	{"apps", "replicasets", namespaced, []string{"scale", "status"}, false},
	{"apps", "statefulsets", namespaced, []string{"scale", "status"}, false},
	// authentication.k8s.io
	{"authentication.k8s.io", "selfsubjectreviews", cluster, nil, false},
	{"authentication.k8s.io", "tokenreviews", cluster, nil, false},
	{"authentication.k8s.io", "uids", cluster, nil, false},
	{"authentication.k8s.io", "userextras", cluster, nil, true},
	// authorization.k8s.io
	{"authorization.k8s.io", "localsubjectaccessreviews", namespaced, nil, false},
	{"authorization.k8s.io", "selfsubjectaccessreviews", cluster, nil, false},
	{"authorization.k8s.io", "selfsubjectrulesreviews", cluster, nil, false},
	{"authorization.k8s.io", "subjectaccessreviews", cluster, nil, false},
	// autoscaling
	{"autoscaling", "horizontalpodautoscalers", namespaced, []string{"status"}, false},
	// batch
	{"batch", "cronjobs", namespaced, []string{"status"}, false},
	{"batch", "jobs", namespaced, []string{"status"}, false},
	// certificates.k8s.io
	{"certificates.k8s.io", "certificatesigningrequests", cluster, []string{"approval", "status"}, false},
	{"certificates.k8s.io", "clustertrustbundles", cluster, nil, false},
	{"certificates.k8s.io", "podcertificaterequests", namespaced, []string{"status"}, false},
	{"certificates.k8s.io", "signers", cluster, nil, false},
	// coordination.k8s.io
	{"coordination.k8s.io", "leasecandidates", namespaced, nil, false},
	{"coordination.k8s.io", "leases", namespaced, nil, false},
	// discovery.k8s.io
	{"discovery.k8s.io", "endpointslices", namespaced, nil, false},
	// events.k8s.io
	{"events.k8s.io", "events", namespaced, nil, false},
	// flowcontrol.apiserver.k8s.io
	{"flowcontrol.apiserver.k8s.io", "flowschemas", cluster, []string{"status"}, false},
	{"flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations", cluster, []string{"status"}, false},
	// internal.apiserver.k8s.io
	{"internal.apiserver.k8s.io", "storageversions", cluster, []string{"status"}, false},
	// lifecycle.k8s.io
	{"lifecycle.k8s.io", "evictionrequests", namespaced, []string{"status"}, false},
	{"lifecycle.k8s.io", "evictions", namespaced, []string{"status"}, false},
	// metrics.k8s.io (metrics-server; aggregated, but on nearly every cluster)
	{"metrics.k8s.io", "nodes", cluster, nil, false},
	{"metrics.k8s.io", "pods", namespaced, nil, false},
	// networking.k8s.io
	{"networking.k8s.io", "ingressclasses", cluster, nil, false},
	{"networking.k8s.io", "ingresses", namespaced, []string{"status"}, false},
	{"networking.k8s.io", "ipaddresses", cluster, nil, false},
	{"networking.k8s.io", "networkpolicies", namespaced, nil, false},
	{"networking.k8s.io", "servicecidrs", cluster, []string{"status"}, false},
	// node.k8s.io
	{"node.k8s.io", "runtimeclasses", cluster, nil, false},
	// policy
	{"policy", "poddisruptionbudgets", namespaced, []string{"status"}, false},
	// rbac.authorization.k8s.io
	{"rbac.authorization.k8s.io", "clusterrolebindings", cluster, nil, false},
	{"rbac.authorization.k8s.io", "clusterroles", cluster, nil, false},
	{"rbac.authorization.k8s.io", "rolebindings", namespaced, nil, false},
	{"rbac.authorization.k8s.io", "roles", namespaced, nil, false},
	// resource.k8s.io
	{"resource.k8s.io", "deviceclasses", cluster, nil, false},
	{"resource.k8s.io", "devicetaintrules", cluster, []string{"status"}, false},
	{"resource.k8s.io", "resourceclaims", namespaced, []string{"status"}, false},
	{"resource.k8s.io", "resourceclaimtemplates", namespaced, nil, false},
	{"resource.k8s.io", "resourcepoolstatusrequests", cluster, []string{"status"}, false},
	{"resource.k8s.io", "resourceslices", cluster, nil, false},
	// scheduling.k8s.io
	{"scheduling.k8s.io", "compositepodgroups", namespaced, []string{"status"}, false},
	{"scheduling.k8s.io", "podgroups", namespaced, []string{"status"}, false},
	{"scheduling.k8s.io", "priorityclasses", cluster, nil, false},
	{"scheduling.k8s.io", "workloads", namespaced, nil, false},
	// storage.k8s.io
	{"storage.k8s.io", "csidrivers", cluster, nil, false},
	{"storage.k8s.io", "csinodes", cluster, []string{"status"}, false},
	{"storage.k8s.io", "csistoragecapacities", namespaced, nil, false},
	{"storage.k8s.io", "storageclasses", cluster, nil, false},
	{"storage.k8s.io", "volumeattachments", cluster, []string{"status"}, false},
	{"storage.k8s.io", "volumeattributesclasses", cluster, nil, false},
	// storagemigration.k8s.io
	{"storagemigration.k8s.io", "storageversionmigrations", cluster, []string{"status"}, false},
}

type groupResource struct{ group, name string }

// The indexes are built in package initialisation order (not init) because other
// package variables, such as Workloads, read them.
var (
	byGroupResource, byName = index()
	knownGroups, groups     = groupIndex()
)

func index() (map[groupResource]*entry, map[string]*entry) {
	byGR := map[groupResource]*entry{}
	byN := map[string]*entry{} // the first entry of each bare name
	for i := range table {
		e := &table[i]
		byGR[groupResource{e.group, e.name}] = e
		if _, ok := byN[e.name]; !ok {
			byN[e.name] = e
		}
	}
	return byGR, byN
}

// groupIndex returns the set of groups in the table and the named ones (not core) in
// table order.
func groupIndex() (map[string]bool, []string) {
	known := map[string]bool{}
	var named []string
	for _, e := range table {
		if !known[e.group] && e.group != Core {
			named = append(named, e.group)
		}
		known[e.group] = true
	}
	return known, named
}

// IsBuiltinGroup reports whether group is one of the API groups in the table.
func IsBuiltinGroup(group string) bool { return knownGroups[group] }

// Namespaced reports whether RBAC resource res ("pods", "pods/log") of group lives in a
// namespace. Resources outside the table and wildcards count as namespaced: a grant on
// them may reach into namespaces.
func Namespaced(group, res string) bool {
	name, _, _ := strings.Cut(res, "/")
	if e, ok := byGroupResource[groupResource{group, name}]; ok {
		return bool(e.scope)
	}
	return true
}

func (e *entry) resource(sub string) Resource {
	return Resource{Group: e.group, Name: e.name, Subresource: sub, Namespaced: bool(e.scope), Builtin: true}
}

func (e *entry) hasSub(sub string) bool {
	if e.anySub {
		return true
	}
	for _, s := range e.subresources {
		if s == sub {
			return true
		}
	}
	return false
}

// Lookup resolves a resource as a user writes it: RESOURCE[.GROUP][/SUBRESOURCE].
//
//   - "pods", "pods/log", "networkpolicies": a built-in resource by its bare name, in
//     the group the table gives (core first: "events" is the core group's).
//   - "deployments.apps", "events.events.k8s.io": a resource in an explicit group; in a
//     built-in group the resource must exist there.
//   - "certificates.cert-manager.io": a resource of a group the table does not know is
//     taken as given and assumed namespaced.
//   - "*" is every resource of every group, "*.apps" every resource of apps.
//
// A misspelled built-in is an error that says what was probably meant; an unknown name
// without a group is an error asking for RESOURCE.GROUP.
func Lookup(name string) (Resource, error) {
	if name == "" {
		return Resource{}, fmt.Errorf("empty resource name")
	}
	base, sub, hasSub := strings.Cut(name, "/")
	if hasSub && sub == "" {
		return Resource{}, fmt.Errorf("resource %q has an empty subresource after /", name)
	}
	res, group, hasGroup := strings.Cut(base, ".")
	if hasGroup && group == "core" {
		group, hasGroup = Core, false
	}
	if hasGroup && group == "" {
		return Resource{}, fmt.Errorf("resource %q has an empty API group after .", name)
	}
	if lower := strings.ToLower(name); lower != name {
		if _, err := Lookup(lower); err == nil {
			return Resource{}, fmt.Errorf("unknown resource %q: resource names are lower case (did you mean %s?)", name, lower)
		}
		return Resource{}, fmt.Errorf("unknown resource %q: resource names are lower case", name)
	}
	if res == "*" {
		if hasSub {
			return Resource{}, fmt.Errorf("resource %q: a wildcard resource takes no subresource", name)
		}
		if !hasGroup {
			return Resource{Group: "*", Name: "*", Namespaced: true}, nil
		}
		if err := checkGroup(group); err != nil {
			return Resource{}, fmt.Errorf("resource %q: %v", name, err)
		}
		return Resource{Group: group, Name: "*", Namespaced: true}, nil
	}
	if !isLabel(res) {
		return Resource{}, fmt.Errorf("invalid resource name %q: a resource is lower-case letters, digits and '-'", name)
	}
	if hasSub && !isLabel(sub) {
		return Resource{}, fmt.Errorf("invalid subresource %q in %q: a subresource is lower-case letters, digits and '-'", sub, name)
	}

	if !hasGroup {
		e, ok := byName[res]
		if !ok {
			if s := suggest(name); s != "" {
				return Resource{}, fmt.Errorf("unknown resource %q (did you mean %s?)", name, s)
			}
			return Resource{}, fmt.Errorf("unknown resource %q: a resource outside the built-in Kubernetes API needs its group, written RESOURCE.GROUP (for example certificates.cert-manager.io)", name)
		}
		return subOf(e, name, sub)
	}

	if knownGroups[group] {
		e, ok := byGroupResource[groupResource{group, res}]
		if !ok {
			if s := suggest(name); s != "" {
				return Resource{}, fmt.Errorf("unknown resource %q: API group %s has no resource %s (did you mean %s?)", name, groupLabel(group), res, s)
			}
			return Resource{}, fmt.Errorf("unknown resource %q: API group %s has no resource %s", name, groupLabel(group), res)
		}
		return subOf(e, name, sub)
	}

	if err := checkGroup(group); err != nil {
		return Resource{}, fmt.Errorf("resource %q: %v", name, err)
	}
	// A group one or two edits from a built-in one that has this resource is a typo,
	// not a custom resource: networkpolicies.networking.k8s.i.
	for _, g := range groups {
		if _, ok := byGroupResource[groupResource{g, res}]; ok && diag.EditDistance(g, group, 3) <= 2 {
			return Resource{}, fmt.Errorf("unknown API group %q in %q (did you mean %s.%s?)", group, name, res, g)
		}
	}
	return Resource{Group: group, Name: res, Subresource: sub, Namespaced: true}, nil
}

func groupLabel(g string) string {
	if g == Core {
		return "core"
	}
	return g
}

// checkGroup accepts a group outside the table only when it could be a custom resource's
// group: a DNS subdomain with at least one dot, as Kubernetes requires of CRD groups.
func checkGroup(group string) error {
	if group == "*" || knownGroups[group] {
		return nil
	}
	if !isSubdomain(group) {
		return fmt.Errorf("invalid API group %q: a group is a DNS subdomain such as cert-manager.io", group)
	}
	if !strings.Contains(group, ".") {
		best, d := "", 3
		for _, g := range groups {
			if dd := diag.EditDistance(g, group, d); dd < d {
				best, d = g, dd
			}
		}
		if best != "" && d <= 2 {
			return fmt.Errorf("unknown API group %q (did you mean %s?)", group, best)
		}
		return fmt.Errorf("unknown API group %q: a custom resource's group has a dot, such as cert-manager.io", group)
	}
	return nil
}

func subOf(e *entry, name, sub string) (Resource, error) {
	if sub == "" || e.hasSub(sub) {
		return e.resource(sub), nil
	}
	if s := suggest(name); s != "" {
		return Resource{}, fmt.Errorf("unknown subresource %q (did you mean %s?)", name, s)
	}
	if len(e.subresources) == 0 {
		return Resource{}, fmt.Errorf("unknown subresource %q: %s has no subresources", name, e.name)
	}
	return Resource{}, fmt.Errorf("unknown subresource %q: %s has %s", name, e.name, strings.Join(e.subresources, ", "))
}

// suggest returns the spelling of a built-in resource closest to name, or "" when none is
// close enough to be what the user meant.
func suggest(name string) string {
	limit := min(len(name)/4+1, 3)
	best, bestD := "", limit+1
	try := func(s string) {
		if d := diag.EditDistance(s, name, bestD); d < bestD {
			best, bestD = s, d
		}
	}
	for _, s := range Names() {
		try(s)
	}
	if best == name {
		return ""
	}
	return best
}

// isLabel reports whether s is a DNS-1123 label (lower-case alphanumerics and '-',
// starting and ending alphanumeric, at most 63 characters).
func isLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}

// isSubdomain reports whether s is a DNS-1123 subdomain: labels joined by dots, at most
// 253 characters.
func isSubdomain(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if !isLabel(l) {
			return false
		}
	}
	return true
}
