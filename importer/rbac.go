package importer

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/compiler/k8sapi"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/engine"
	"github.com/netc-dev/netc/kube"
	"github.com/netc-dev/netc/lang/format"
)

// DroppedRule is an RBAC rule, or a binding's subject, that no grant carries: what it
// allows is not in the program.
type DroppedRule struct {
	Object  string `json:"object"`  // "ClusterRole admin", "RoleBinding shop/devs"
	Binding string `json:"binding"` // the binding it is dropped from
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field"` // "rules[2]", "subjects[1]"
	Problem string `json:"problem"`
}

type at struct {
	file string
	line int
}

// role is a Role or ClusterRole.
type role struct {
	kind, ns, name string
	rules          []rbacv1.PolicyRule
	aggregated     bool
	at             at
}

func (r *role) String() string {
	if r.kind == "Role" {
		return "Role " + r.ns + "/" + r.name
	}
	return "ClusterRole " + r.name
}

type binding struct {
	kind, ns, name string
	ref            rbacv1.RoleRef
	subjects       []rbacv1.Subject
	at             at
}

func (b *binding) String() string {
	if b.kind == "RoleBinding" {
		return "RoleBinding " + b.ns + "/" + b.name
	}
	return "ClusterRoleBinding " + b.name
}

// access is the RBAC objects read.
type access struct {
	roles    map[string]*role
	bindings []*binding
	dropped  map[string]bool // Object+Field reported, so a rule bound twice is listed once
	// owners are the labels of the first pod read of each controller, by the engine's
	// workload name; mixed the controllers whose pods differ in their labels (the
	// engine keeps the first pod's labels and warns).
	owners map[string]map[string]string
	mixed  map[string]bool
}

// read decodes the Roles, ClusterRoles, RoleBindings and ClusterRoleBindings of src
// (list items included), and notes the pods' owners; the engine reads the rest of the
// same objects and reports what is wrong with the documents.
func (a *access) read(src engine.Source, diags *diag.List) {
	if a.roles == nil {
		a.roles = map[string]*role{}
	}
	var reported diag.List // engine.Read reports the same problems
	for _, o := range engine.Objects(src, &reported) {
		a.object(o, diags)
	}
}

func (a *access) object(o engine.RawObject, diags *diag.List) {
	pos := at{o.Span.File, o.Span.Start.Line}
	decode := func(v any) bool {
		if err := json.Unmarshal(o.JSON, v); err != nil {
			diags.Errorf(o.Span, "%s: %v", o.Kind, err)
			return false
		}
		return true
	}
	switch o.Kind {
	case "Pod":
		var p corev1.Pod
		if json.Unmarshal(o.JSON, &p) == nil {
			a.pod(&p)
		}
	case "Role":
		var r rbacv1.Role
		if decode(&r) {
			ns := defaultNS(r.Namespace)
			a.roles["Role "+ns+"/"+r.Name] = &role{kind: "Role", ns: ns, name: r.Name, rules: r.Rules, at: pos}
		}
	case "ClusterRole":
		var r rbacv1.ClusterRole
		if decode(&r) {
			a.roles["ClusterRole "+r.Name] = &role{kind: "ClusterRole", name: r.Name, rules: r.Rules, aggregated: r.AggregationRule != nil, at: pos}
		}
	case "RoleBinding":
		var b rbacv1.RoleBinding
		if decode(&b) {
			a.bindings = append(a.bindings, &binding{kind: "RoleBinding", ns: defaultNS(b.Namespace), name: b.Name, ref: b.RoleRef, subjects: b.Subjects, at: pos})
		}
	case "ClusterRoleBinding":
		var b rbacv1.ClusterRoleBinding
		if decode(&b) {
			a.bindings = append(a.bindings, &binding{kind: "ClusterRoleBinding", name: b.Name, ref: b.RoleRef, subjects: b.Subjects, at: pos})
		}
	}
}

// pod records the labels of a pod with a controller, as the engine names its workload.
func (a *access) pod(p *corev1.Pod) {
	for _, o := range p.OwnerReferences {
		if o.Controller == nil || !*o.Controller || o.Kind == "Node" {
			continue
		}
		key := defaultNS(p.Namespace) + "/" + o.Name + "[" + cmp.Or(o.Kind, "Pod") + "]"
		if a.owners == nil {
			a.owners, a.mixed = map[string]map[string]string{}, map[string]bool{}
		}
		if l, ok := a.owners[key]; !ok {
			a.owners[key] = p.Labels
		} else if !maps.Equal(l, p.Labels) {
			a.mixed[key] = true
		}
		return
	}
}

func defaultNS(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}

func (a *access) drop(rep *Report, bd *binding, obj string, pos at, field, problem string) {
	if a.dropped == nil {
		a.dropped = map[string]bool{}
	}
	key := bd.String() + "\x00" + obj + "\x00" + field
	if a.dropped[key] {
		return
	}
	a.dropped[key] = true
	rep.Dropped = append(rep.Dropped, DroppedRule{Object: obj, Binding: bd.String(), File: pos.file, Line: pos.line, Field: field, Problem: problem})
}

// subject is a binding subject as a grant writes it, or why it cannot be.
func subject(b *binding, s rbacv1.Subject) (string, string) {
	if !writable(s.Name) {
		return "", fmt.Sprintf("the subject name %q cannot be written as a netc name", s.Name)
	}
	switch s.Kind {
	case rbacv1.UserKind:
		return "user " + format.Name(s.Name), ""
	case rbacv1.GroupKind:
		return "group " + format.Name(s.Name), ""
	case rbacv1.ServiceAccountKind:
		ns := s.Namespace
		if ns == "" && b.kind == "RoleBinding" {
			ns = b.ns
		}
		if ns == "" {
			return "", "a ServiceAccount subject without a namespace"
		}
		if !validNamespace(ns) || !kube.IsSubdomain(s.Name) {
			return "", fmt.Sprintf("ServiceAccount %s/%s is not a valid ServiceAccount name", ns, s.Name)
		}
		return "serviceaccount " + format.Name(ns) + "/" + format.Name(s.Name), ""
	}
	return "", fmt.Sprintf("subject kind %q is not User, Group or ServiceAccount", s.Kind)
}

var deployRules, _ = k8sapi.Rules([]string{k8sapi.Deploy}, nil, nil)

// grants writes the access file's text: for each binding, one grant per subject and
// rule of the role it refers to (one `deploy` grant when the role is exactly that
// bundle). Rules and subjects no grant can carry are comments and report entries.
func (a *access) grants(rep *Report) string {
	if len(a.bindings) == 0 {
		return ""
	}
	slices.SortFunc(a.bindings, func(x, y *binding) int { return strings.Compare(x.String(), y.String()) })
	var b strings.Builder
	b.WriteString(header + " The grants of the cluster's Roles, ClusterRoles and their bindings.\n")
	for _, bd := range a.bindings {
		fmt.Fprintf(&b, "\n# %s: %s %s\n", bd, bd.ref.Kind, bd.ref.Name)
		var r *role
		switch bd.ref.Kind {
		case "Role":
			if bd.kind == "RoleBinding" {
				r = a.roles["Role "+bd.ns+"/"+bd.ref.Name]
			}
		case "ClusterRole":
			r = a.roles["ClusterRole "+bd.ref.Name]
		}
		if r == nil {
			b.WriteString("# its role is not among the objects read: it grants nothing\n")
			continue
		}
		scope := "cluster"
		if bd.kind == "RoleBinding" {
			if !validNamespace(bd.ns) {
				for j := range r.rules {
					a.drop(rep, bd, r.String(), r.at, fmt.Sprintf("rules[%d]", j), fmt.Sprintf("the binding's namespace %q cannot be a netc namespace", bd.ns))
				}
				fmt.Fprintf(&b, "# not imported: its namespace %q cannot be a netc namespace\n", bd.ns)
				continue
			}
			scope = format.Name(bd.ns)
		}
		if r.aggregated {
			rep.Findings = append(rep.Findings, Finding{Object: r.String(), File: r.at.file, Line: r.at.line, Field: "aggregationRule",
				Problem: "the aggregation controller rewrites its rules", Imported: "the rules it holds now"})
			b.WriteString("# " + r.String() + " aggregates other ClusterRoles: imported as the rules it holds now\n")
		}
		lines := a.ruleGrants(rep, bd, r, scope == "cluster")
		for i, s := range bd.subjects {
			subj, why := subject(bd, s)
			if why != "" {
				a.drop(rep, bd, bd.String(), bd.at, fmt.Sprintf("subjects[%d]", i), why)
				fmt.Fprintf(&b, "# not imported: subjects[%d]: %s\n", i, why)
				continue
			}
			for _, l := range lines {
				if strings.HasPrefix(l, "#") {
					b.WriteString(l + "\n")
					continue
				}
				fmt.Fprintf(&b, "%s can %s in %s\n", subj, l, scope)
			}
		}
	}
	return b.String()
}

// ruleGrants is what follows `SUBJECT can` for each rule of r (or a comment for a rule
// that cannot be written); cluster says whether the binding is cluster-wide.
func (a *access) ruleGrants(rep *Report, bd *binding, r *role, cluster bool) []string {
	var irs []ir.Rule
	var res []string
	exact := true
	for j, rule := range r.rules {
		field := fmt.Sprintf("rules[%d]", j)
		text, rules, why := grantOf(rule, cluster)
		if why != "" {
			a.drop(rep, bd, r.String(), r.at, field, why)
			res = append(res, "# not imported: "+r.String()+" "+field+": "+why)
			exact = false
			continue
		}
		if text == "" {
			res = append(res, "# "+r.String()+" "+field+": grants nothing (create and deletecollection are never limited by name)")
			continue
		}
		irs = append(irs, rules...)
		res = append(res, text)
	}
	if exact && len(irs) > 0 && reflect.DeepEqual(k8sapi.Canonical(irs), deployRules) {
		return []string{"deploy"}
	}
	return res
}

// grantOf writes one RBAC rule as `VERBS RESOURCES [named NAMES]`, or says why it
// cannot be written; "" with no reason is a rule that allows nothing.
func grantOf(rule rbacv1.PolicyRule, cluster bool) (string, []ir.Rule, string) {
	if len(rule.NonResourceURLs) > 0 {
		return "", nil, "nonResourceURLs are not resources: netc grants only resources"
	}
	for _, s := range slices.Concat(rule.Verbs, rule.Resources, rule.APIGroups) {
		if strings.Contains(s, "*") {
			return "", nil, fmt.Sprintf("a wildcard (%q): netc writes a * only on a grant waived by hand", s)
		}
	}
	if len(rule.Verbs) == 0 || len(rule.Resources) == 0 || len(rule.APIGroups) == 0 {
		return "", nil, ""
	}
	named := len(rule.ResourceNames) > 0
	var res []k8sapi.Resource
	allSubs := true
	for _, g := range rule.APIGroups {
		for _, name := range rule.Resources {
			base, sub, _ := strings.Cut(name, "/")
			kr := k8sapi.Resource{Group: g, Name: base, Subresource: sub}
			back, err := k8sapi.Lookup(kr.Short())
			if err != nil || back.Group != g || back.Name != base || back.Subresource != sub {
				return "", nil, fmt.Sprintf("resource %s in API group %q cannot be written as a netc resource", name, g)
			}
			if !back.Namespaced && !cluster {
				return "", nil, fmt.Sprintf("%s is cluster-scoped: a RoleBinding grants it in a namespace, where it has no objects", kr.Short())
			}
			allSubs = allSubs && sub != ""
			res = append(res, back)
		}
	}
	var verbs []string
	for _, v := range rule.Verbs {
		v = strings.ToLower(v)
		if !slices.Contains(k8sapi.Verbs, v) {
			return "", nil, fmt.Sprintf("verb %q is not one netc knows", v)
		}
		if named && (v == "deletecollection" || v == "create" && !allSubs) {
			continue // never authorised by name: the rule allows nothing for it
		}
		verbs = append(verbs, v)
	}
	slices.Sort(verbs)
	verbs = slices.Compact(verbs)
	if len(verbs) == 0 {
		return "", nil, ""
	}
	var names []string
	for _, n := range rule.ResourceNames {
		if !writable(n) {
			return "", nil, fmt.Sprintf("the resource name %q cannot be written as a netc name", n)
		}
		names = append(names, n)
	}
	rules, err := k8sapi.Rules(verbs, res, names)
	if err != nil {
		return "", nil, err.Error()
	}
	words := verbs
	switch {
	case slices.Equal(verbs, []string{"get", "list", "watch"}):
		words = []string{k8sapi.View}
	case !named && slices.Equal(verbs, []string{"create", "delete", "get", "list", "patch", "update", "watch"}),
		named && slices.Equal(verbs, []string{"delete", "get", "list", "patch", "update", "watch"}):
		words = []string{k8sapi.Edit}
	}
	var rs []string
	for _, r := range res {
		rs = append(rs, r.Short())
	}
	slices.Sort(rs)
	rs = slices.Compact(rs)
	for i, r := range rs {
		rs[i] = resourceText(r)
	}
	text := strings.Join(words, ", ") + " " + strings.Join(rs, ", ")
	if named {
		var q []string
		for _, n := range names {
			q = append(q, format.Name(n))
		}
		text += " named " + strings.Join(q, ", ")
	}
	return text, rules, ""
}

// writable reports whether a name can be written in netc source, quoted if need be:
// not empty, valid UTF-8, no control character, at most the lexer's longest name.
func writable(s string) bool {
	if s == "" || len(s) > 1024 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// resourceText quotes the parts of RESOURCE[.GROUP][/SUB] that need it.
func resourceText(r string) string {
	base, sub, ok := strings.Cut(r, "/")
	out := format.Name(base)
	if ok {
		out += "/" + format.Name(sub)
	}
	return out
}

// waive compiles the program with the access file and adds, on each grant line that
// an error-level rule reports, a waiver naming those rules: the cluster grants this
// today, and netc check lists it as waived.
func (a *access) waive(files []artifact.File, text string) (string, error) {
	formatted, err := canonical(AccessFile, text)
	if err != nil {
		return "", err
	}
	_, diags := compileDiags(append(slices.Clone(files), artifact.File{Path: AccessFile, Data: formatted}))
	rules := map[int][]string{}
	for _, d := range diags {
		if d.Severity == diag.Error && d.Rule != "" && d.Span.File == AccessFile && !slices.Contains(rules[d.Span.Start.Line], d.Rule) {
			rules[d.Span.Start.Line] = append(rules[d.Span.Start.Line], d.Rule)
		}
	}
	lines := strings.Split(string(formatted), "\n")
	for ln, ids := range rules {
		if ln < 1 || ln > len(lines) {
			continue
		}
		slices.Sort(ids)
		lines[ln-1] += "  # netc:allow " + strings.Join(ids, ",") + " imported: the cluster grants this today"
	}
	return strings.Join(lines, "\n"), nil
}
