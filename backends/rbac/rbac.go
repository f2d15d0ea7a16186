// Package rbac emits the Kubernetes RBAC objects of a program's grants: a Role and a
// RoleBinding per subject in each namespace it has grants in, and a ClusterRole and a
// ClusterRoleBinding per subject with cluster grants.
//
// Layout (docs/rbac.md explains it to users):
//
//   - kubernetes/<namespace>/rbac.yaml: the Roles and RoleBindings of that namespace;
//     kubernetes/_cluster/rbac.yaml: the ClusterRoles and ClusterRoleBindings.
//   - One Role per (namespace, subject): all of a subject's grants that apply in a
//     namespace merge into one Role with canonical rules. One ClusterRole per subject.
//   - A binding has the name of the role it references, and both are named after the
//     subject alone (netc.group.developers, netc.sa.ci.deployer). A binding's roleRef is
//     immutable in Kubernetes; because the roleRef is a function of the binding's name
//     (same name, Role for a RoleBinding, ClusterRole for a ClusterRoleBinding), it can
//     never change in place. What changes when grants change is the role's rules, which
//     Kubernetes lets `kubectl apply` and GitOps tools update in place.
//
// No role ever holds a "*" verb, resource or group unless the compiler marked the grant
// as allowed to (ir.Grant.WildcardVerbs, WildcardResources: a waiver on its line); the
// compiler refuses any other, even when netc.hcl turned the rule off. That, names and
// subjects are asserted by ir.Validate, which backends.Build runs first.
package rbac

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/backends/k8syaml"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/compiler/k8sapi"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/kube"
)

// ClusterDir is the directory of cluster-scoped objects under kubernetes/. It starts
// with '_', which no namespace name can.
const ClusterDir = "_cluster"

// FileName is the name of the RBAC file in each directory.
const FileName = "rbac.yaml"

// NamePrefix starts every object name netc gives an RBAC object.
const NamePrefix = "netc."

// Emit returns kubernetes/<ns>/rbac.yaml for each namespace with grants and
// kubernetes/_cluster/rbac.yaml when there are cluster grants, in that order (namespaces
// sorted, the cluster file last). Its only diagnostics are internal errors.
func Emit(p *ir.Program) ([]artifact.File, diag.List) {
	sets := objects(p)
	var diags diag.List
	files := make([]artifact.File, 0, len(sets))
	var enc k8syaml.Encoder
	for _, s := range sets {
		data, err := k8syaml.AppendFile(&enc, make([]byte, 0, 1024*len(s.objs)), s.objs)
		if err != nil {
			diags.Errorf(diag.Span{}, "internal error: %s: %v", s.path, err)
			continue
		}
		files = append(files, artifact.File{Path: s.path, Data: data})
	}
	return files, diags
}

// objectSet is the objects of one file.
type objectSet struct {
	path string
	objs []k8syaml.Object
}

// objects builds the typed objects of each file, in file order.
func objects(p *ir.Program) []objectSet {
	type bucket struct {
		subject ir.Subject
		rules   []ir.Rule
	}
	// Per namespace ("" for the cluster), per subject: the rules of all its grants.
	perScope := map[string]map[ir.SubjectID]*bucket{}
	for _, g := range p.Grants {
		rules := allowedRules(g)
		if len(rules) == 0 {
			continue
		}
		scopes := g.Namespaces
		if g.Cluster {
			scopes = []string{""}
		}
		k := g.Subject.ID()
		for _, ns := range scopes {
			m := perScope[ns]
			if m == nil {
				m = map[ir.SubjectID]*bucket{}
				perScope[ns] = m
			}
			b := m[k]
			if b == nil {
				b = &bucket{subject: g.Subject}
				m[k] = b
			}
			b.rules = append(b.rules, rules...)
		}
	}

	scopes := make([]string, 0, len(perScope))
	for ns := range perScope {
		scopes = append(scopes, ns)
	}
	// Namespaces sorted, the cluster ("") last.
	slices.SortFunc(scopes, func(a, b string) int {
		if (a == "") != (b == "") {
			if a == "" {
				return 1
			}
			return -1
		}
		return cmp.Compare(a, b)
	})

	sets := make([]objectSet, 0, len(scopes))
	for _, ns := range scopes {
		m := perScope[ns]
		keys := make([]ir.SubjectID, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, ir.SubjectID.Compare)
		var objs []k8syaml.Object
		for _, k := range keys {
			b := m[k]
			name := ObjectName(b.subject)
			rules := policyRules(k8sapi.Canonical(b.rules))
			subj := []rbacv1.Subject{subjectOf(b.subject)}
			if ns == "" {
				objs = append(objs,
					&rbacv1.ClusterRole{TypeMeta: typeMeta("ClusterRole"), ObjectMeta: meta(name, ""), Rules: rules},
					&rbacv1.ClusterRoleBinding{TypeMeta: typeMeta("ClusterRoleBinding"), ObjectMeta: meta(name, ""), Subjects: subj,
						RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}})
			} else {
				objs = append(objs,
					&rbacv1.Role{TypeMeta: typeMeta("Role"), ObjectMeta: meta(name, ns), Rules: rules},
					&rbacv1.RoleBinding{TypeMeta: typeMeta("RoleBinding"), ObjectMeta: meta(name, ns), Subjects: subj,
						RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name}})
			}
		}
		sets = append(sets, objectSet{path: Path(ns), objs: objs})
	}
	return sets
}

// Path is the file of namespace ns, or of cluster objects when ns is "".
func Path(ns string) string {
	if ns == "" {
		ns = ClusterDir
	}
	return kube.NamespaceDir(ns) + FileName
}

// allowedRules returns g's rules that grant something (a rule with no verb or no
// resource would be rejected by Kubernetes). A wildcard is there only when the compiler
// allowed it (ir.Grant.WildcardVerbs, WildcardResources), which ir.Validate asserts.
func allowedRules(g *ir.Grant) []ir.Rule {
	out := make([]ir.Rule, 0, len(g.Rules))
	for _, r := range g.Rules {
		if len(r.Verbs) > 0 && len(r.Resources) > 0 {
			out = append(out, r)
		}
	}
	return out
}

func policyRules(rules []ir.Rule) []rbacv1.PolicyRule {
	out := make([]rbacv1.PolicyRule, len(rules))
	for i, r := range rules {
		out[i] = rbacv1.PolicyRule{
			APIGroups:     []string{r.APIGroup},
			Resources:     r.Resources,
			Verbs:         r.Verbs,
			ResourceNames: r.ResourceNames,
		}
	}
	return out
}

func subjectOf(s ir.Subject) rbacv1.Subject {
	switch s.Kind {
	case ir.ServiceAccount:
		return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: s.Name, Namespace: s.Namespace}
	case ir.User:
		return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: s.Name}
	}
	return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: s.Name}
}

func typeMeta(kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: kind}
}

func meta(name, ns string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: kube.ManagedBy()}
}

// ObjectName is the name of the role and the binding of subject s, a DNS-1123
// subdomain: "netc." + kind + "." + name, where kind is group, user or sa and name is
// the subject's name ("NAMESPACE.NAME" for a service account, unambiguous because a
// namespace has no dot).
//
// A group or user name that would not make a valid object name ("alice@example.com",
// "Developers", "system:masters") is lower-cased, every run of other characters
// becomes '-', and '-' plus a hash of the exact name is appended, so two different
// subjects never share a name. A name longer than 253 characters is shortened with a
// stable hash (kube.Shorten).
func ObjectName(s ir.Subject) string {
	var name string
	switch s.Kind {
	case ir.ServiceAccount:
		name = NamePrefix + "sa." + s.Namespace + "." + s.Name
	case ir.User:
		name = NamePrefix + "user." + encodeName(s.Name)
	default:
		name = NamePrefix + "group." + encodeName(s.Name)
	}
	return kube.Shorten(name, kube.SubdomainMaxLength)
}

// encodeName returns name when it can follow "netc.KIND." in a DNS-1123 subdomain, else
// a sanitised form with a hash of name appended.
func encodeName(name string) string {
	if kube.IsSubdomain(name) {
		return name
	}
	var b strings.Builder
	sep := false // a separator is pending
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			if sep && b.Len() > 0 {
				b.WriteByte('-')
			}
			sep = false
			b.WriteByte(c)
		case c == '.' && !sep && b.Len() > 0 && i+1 < len(name) && isAlnum(name[i+1]):
			b.WriteByte('.')
		default:
			sep = true
		}
	}
	sum := sha256.Sum256([]byte(name))
	hash := hex.EncodeToString(sum[:])[:kube.HashLength]
	if b.Len() == 0 {
		return hash
	}
	return b.String() + "-" + hash
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
