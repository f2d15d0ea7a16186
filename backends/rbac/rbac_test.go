package rbac

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/compiler/k8sapi"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/kube"
)

var (
	developers = ir.Subject{Kind: ir.Group, Name: "developers"}
	security   = ir.Subject{Kind: ir.Group, Name: "security-engineers"}
	sre        = ir.Subject{Kind: ir.Group, Name: "sre"}
	alice      = ir.Subject{Kind: ir.User, Name: "alice@example.com"}
	deployer   = ir.Subject{Kind: ir.ServiceAccount, Namespace: "ci", Name: "deployer"}
	backend    = ir.Subject{Kind: ir.ServiceAccount, Namespace: "shop", Name: "backend"}
)

func grant(t *testing.T, line int, subj ir.Subject, verbs, resources, names []string, where ...string) *ir.Grant {
	t.Helper()
	var res []k8sapi.Resource
	for _, n := range resources {
		r, err := k8sapi.Lookup(n)
		if err != nil {
			t.Fatal(err)
		}
		res = append(res, r)
	}
	rules, err := k8sapi.Rules(verbs, res, names)
	if err != nil {
		t.Fatal(err)
	}
	g := &ir.Grant{Subject: subj, Rules: rules, Span: diag.Span{File: "g.net", Start: diag.Pos{Line: line, Col: 1}}}
	if len(where) == 1 && where[0] == "cluster" {
		g.Cluster = true
	} else {
		g.Namespaces = slices.Sorted(slices.Values(where))
	}
	return g
}

// decoded is one file decoded strictly, by kind.
type decoded struct {
	roles               []rbacv1.Role
	roleBindings        []rbacv1.RoleBinding
	clusterRoles        []rbacv1.ClusterRole
	clusterRoleBindings []rbacv1.ClusterRoleBinding
	order               []string // KIND/NAME in file order
}

func decode(t *testing.T, f artifact.File) decoded {
	t.Helper()
	header := "# " + artifact.Header + "\n"
	if !bytes.HasPrefix(f.Data, []byte(header)) {
		t.Fatalf("%s does not start with %q", f.Path, header)
	}
	var o decoded
	docs := strings.Split(strings.TrimPrefix(string(f.Data), header), "---\n")
	if docs[0] != "" {
		t.Fatalf("%s: text before the first document: %q", f.Path, docs[0])
	}
	for _, doc := range docs[1:] {
		var tm struct {
			Kind       string `json:"kind"`
			APIVersion string `json:"apiVersion"`
		}
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			t.Fatal(err)
		}
		if tm.APIVersion != "rbac.authorization.k8s.io/v1" {
			t.Errorf("%s: apiVersion %q", f.Path, tm.APIVersion)
		}
		var m interface {
			GetName() string
			GetLabels() map[string]string
		}
		switch tm.Kind {
		case "Role":
			var x rbacv1.Role
			strict(t, doc, &x)
			o.roles = append(o.roles, x)
			m = &x
		case "RoleBinding":
			var x rbacv1.RoleBinding
			strict(t, doc, &x)
			o.roleBindings = append(o.roleBindings, x)
			m = &x
		case "ClusterRole":
			var x rbacv1.ClusterRole
			strict(t, doc, &x)
			o.clusterRoles = append(o.clusterRoles, x)
			m = &x
		case "ClusterRoleBinding":
			var x rbacv1.ClusterRoleBinding
			strict(t, doc, &x)
			o.clusterRoleBindings = append(o.clusterRoleBindings, x)
			m = &x
		default:
			t.Fatalf("%s: unexpected kind %q", f.Path, tm.Kind)
		}
		if m.GetLabels()[kube.ManagedByKey] != kube.ManagedByValue {
			t.Errorf("%s: %s %s lacks the managed-by label", f.Path, tm.Kind, m.GetName())
		}
		if !kube.IsSubdomain(m.GetName()) {
			t.Errorf("%s: %s name %q is not a DNS-1123 subdomain", f.Path, tm.Kind, m.GetName())
		}
		o.order = append(o.order, tm.Kind+"/"+m.GetName())
	}
	return o
}

func strict(t *testing.T, doc string, v any) {
	t.Helper()
	if err := yaml.UnmarshalStrict([]byte(doc), v); err != nil {
		t.Fatalf("strict decode: %v\n%s", err, doc)
	}
}

func emit(t *testing.T, grants ...*ir.Grant) (map[string]decoded, []string) {
	t.Helper()
	files, diags := Emit(&ir.Program{Grants: grants})
	if len(diags) != 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	out := map[string]decoded{}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
		out[f.Path] = decode(t, f)
	}
	return out, paths
}

func rules(rs ...rbacv1.PolicyRule) []rbacv1.PolicyRule { return rs }

func pr(group string, resources, verbs []string, names ...string) rbacv1.PolicyRule {
	r := rbacv1.PolicyRule{APIGroups: []string{group}, Resources: resources, Verbs: verbs}
	if len(names) > 0 {
		r.ResourceNames = names
	}
	return r
}

func TestLayout(t *testing.T) {
	out, paths := emit(t,
		grant(t, 1, security, []string{"edit"}, []string{"networkpolicies"}, nil, "shop", "payments"),
		grant(t, 2, developers, []string{"deploy"}, nil, nil, "staging"),
		grant(t, 3, alice, []string{"view"}, []string{"pods", "pods/log"}, nil, "shop"),
		grant(t, 4, deployer, []string{"deploy"}, nil, nil, "staging"),
		grant(t, 5, backend, []string{"get", "list"}, []string{"configmaps"}, nil, "shop"),
		grant(t, 6, backend, []string{"get"}, []string{"secrets"}, []string{"stripe-key"}, "shop"),
		grant(t, 7, sre, []string{"view"}, []string{"nodes"}, nil, "cluster"),
		grant(t, 8, security, []string{"view"}, []string{"pods"}, nil, "shop"),
	)
	wantPaths := []string{
		"kubernetes/payments/rbac.yaml",
		"kubernetes/shop/rbac.yaml",
		"kubernetes/staging/rbac.yaml",
		"kubernetes/_cluster/rbac.yaml",
	}
	if !slices.Equal(paths, wantPaths) {
		t.Fatalf("paths %v, want %v", paths, wantPaths)
	}

	shop := out["kubernetes/shop/rbac.yaml"]
	// Subjects sorted by kind (Group, ServiceAccount, User), then namespace and name;
	// each Role followed by its binding.
	wantOrder := []string{
		"Role/netc.group.security-engineers", "RoleBinding/netc.group.security-engineers",
		"Role/netc.sa.shop.backend", "RoleBinding/netc.sa.shop.backend",
		"Role/" + ObjectName(alice), "RoleBinding/" + ObjectName(alice),
	}
	if !slices.Equal(shop.order, wantOrder) {
		t.Errorf("shop objects %v, want %v", shop.order, wantOrder)
	}
	get := []string{"get"}
	view := []string{"get", "list", "watch"}
	edit := []string{"create", "delete", "get", "list", "patch", "update", "watch"}
	// Two grants of one subject in one namespace merge into one Role.
	wantRules := map[string][]rbacv1.PolicyRule{
		"netc.group.security-engineers": rules(pr("", []string{"pods"}, view), pr("networking.k8s.io", []string{"networkpolicies"}, edit)),
		"netc.sa.shop.backend":          rules(pr("", []string{"configmaps"}, []string{"get", "list"}), pr("", []string{"secrets"}, get, "stripe-key")),
		ObjectName(alice):               rules(pr("", []string{"pods", "pods/log"}, view)),
	}
	for _, r := range shop.roles {
		if r.Namespace != "shop" {
			t.Errorf("Role %s in namespace %q", r.Name, r.Namespace)
		}
		if !reflect.DeepEqual(r.Rules, wantRules[r.Name]) {
			t.Errorf("Role %s rules\n%v\nwant\n%v", r.Name, r.Rules, wantRules[r.Name])
		}
	}
	wantSubjects := map[string]rbacv1.Subject{
		"netc.group.security-engineers": {Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: "security-engineers"},
		"netc.sa.shop.backend":          {Kind: "ServiceAccount", Name: "backend", Namespace: "shop"},
		ObjectName(alice):               {Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "alice@example.com"},
	}
	for _, b := range shop.roleBindings {
		if b.Namespace != "shop" {
			t.Errorf("RoleBinding %s in namespace %q", b.Name, b.Namespace)
		}
		// The roleRef is a function of the binding's name.
		if b.RoleRef != (rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: b.Name}) {
			t.Errorf("RoleBinding %s roleRef %+v", b.Name, b.RoleRef)
		}
		if !reflect.DeepEqual(b.Subjects, []rbacv1.Subject{wantSubjects[b.Name]}) {
			t.Errorf("RoleBinding %s subjects %+v, want %+v", b.Name, b.Subjects, wantSubjects[b.Name])
		}
	}

	staging := out["kubernetes/staging/rbac.yaml"]
	if got := staging.order; !slices.Equal(got, []string{
		"Role/netc.group.developers", "RoleBinding/netc.group.developers",
		"Role/netc.sa.ci.deployer", "RoleBinding/netc.sa.ci.deployer",
	}) {
		t.Errorf("staging objects %v", got)
	}
	wantDeploy := rules(
		pr("", []string{"configmaps", "pods", "services"}, edit),
		pr("", []string{"pods/log"}, get),
		pr("apps", []string{"daemonsets", "deployments", "replicasets", "statefulsets"}, edit),
		pr("batch", []string{"cronjobs", "jobs"}, edit),
	)
	for _, r := range staging.roles {
		if !reflect.DeepEqual(r.Rules, wantDeploy) {
			t.Errorf("staging Role %s rules %v", r.Name, r.Rules)
		}
	}
	if b := staging.roleBindings[1]; b.Subjects[0] != (rbacv1.Subject{Kind: "ServiceAccount", Name: "deployer", Namespace: "ci"}) {
		t.Errorf("deployer binding subjects %+v", b.Subjects)
	}

	payments := out["kubernetes/payments/rbac.yaml"]
	if len(payments.roles) != 1 || payments.roles[0].Name != "netc.group.security-engineers" ||
		!reflect.DeepEqual(payments.roles[0].Rules, rules(pr("networking.k8s.io", []string{"networkpolicies"}, edit))) {
		t.Errorf("payments roles %+v", payments.roles)
	}

	cl := out["kubernetes/_cluster/rbac.yaml"]
	if !slices.Equal(cl.order, []string{"ClusterRole/netc.group.sre", "ClusterRoleBinding/netc.group.sre"}) {
		t.Errorf("cluster objects %v", cl.order)
	}
	if !reflect.DeepEqual(cl.clusterRoles[0].Rules, rules(pr("", []string{"nodes"}, view))) {
		t.Errorf("cluster role rules %v", cl.clusterRoles[0].Rules)
	}
	if cl.clusterRoleBindings[0].RoleRef != (rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "netc.group.sre"}) {
		t.Errorf("cluster binding roleRef %+v", cl.clusterRoleBindings[0].RoleRef)
	}
}

func TestNoGrantsNoFiles(t *testing.T) {
	files, diags := Emit(&ir.Program{Namespaces: []string{"shop"}})
	if len(files) != 0 || len(diags) != 0 {
		t.Errorf("Emit of a program without grants = %v, %v", files, diags)
	}
}

func TestDeterministic(t *testing.T) {
	grants := []*ir.Grant{
		grant(t, 1, developers, []string{"deploy"}, nil, nil, "a", "b"),
		grant(t, 2, alice, []string{"view"}, []string{"pods"}, nil, "b"),
		grant(t, 3, developers, []string{"get"}, []string{"secrets"}, []string{"x"}, "b"),
		grant(t, 4, sre, []string{"view"}, []string{"nodes"}, nil, "cluster"),
		grant(t, 5, backend, []string{"get"}, []string{"configmaps"}, nil, "a"),
	}
	first, _ := Emit(&ir.Program{Grants: grants})
	for i := range 20 {
		again, _ := Emit(&ir.Program{Grants: grants})
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("run %d differs", i)
		}
	}
	// The merged role does not depend on the order the grants came in.
	rev := slices.Clone(grants)
	slices.Reverse(rev)
	if reversed, _ := Emit(&ir.Program{Grants: rev}); !reflect.DeepEqual(first, reversed) {
		t.Errorf("output depends on grant order")
	}
}

func TestWildcards(t *testing.T) {
	star := grant(t, 7, developers, []string{"*"}, []string{"configmaps"}, nil, "shop")
	anyRes := grant(t, 8, sre, []string{"get"}, []string{"*"}, nil, "cluster")
	starGroup := grant(t, 9, developers, []string{"get"}, []string{"pods"}, nil, "shop")
	starGroup.Rules[0].APIGroup = "*"
	fine := grant(t, 10, developers, []string{"view"}, []string{"pods"}, nil, "shop")

	// A wildcard the compiler did not allow is not IR the backend is given: ir.Validate
	// (which backends.Build runs first) refuses it at the grant.
	vd := ir.Validate(&ir.Program{Grants: []*ir.Grant{star, anyRes, starGroup, fine}})
	if len(vd) != 3 {
		t.Fatalf("ir.Validate: want 3 diagnostics, got %v", vd)
	}
	for i, line := range []int{7, 8, 9} {
		if d := vd[i]; d.Severity != diag.Error || d.Span.Start.Line != line || !strings.Contains(d.Message, "Wildcard") {
			t.Errorf("diagnostic %d = %v, want an error on line %d", i, d, line)
		}
	}
	// Rule ids in Waived mean nothing: the allowance of the other wildcard is no help.
	star.WildcardResources = true
	star.Waived = []string{"wildcard-verb"}
	if vd := ir.Validate(&ir.Program{Grants: []*ir.Grant{star}}); len(vd) != 1 {
		t.Errorf("a wildcard-resource allowance let a * verb through: %v", vd)
	}
	// The compiler's allowance of the matching wildcard lets it through.
	star.WildcardVerbs = true
	anyRes.WildcardResources = true
	p := &ir.Program{Grants: []*ir.Grant{star, anyRes}}
	if vd := ir.Validate(p); len(vd) != 0 {
		t.Fatalf("ir.Validate refused waived wildcards: %v", vd)
	}
	files, diags := Emit(p)
	if len(diags) != 0 {
		t.Fatalf("waived wildcards: %v", diags)
	}
	var shop, cluster decoded
	for _, f := range files {
		switch f.Path {
		case "kubernetes/shop/rbac.yaml":
			shop = decode(t, f)
		case "kubernetes/_cluster/rbac.yaml":
			cluster = decode(t, f)
		}
	}
	if len(shop.roles) != 1 || !reflect.DeepEqual(shop.roles[0].Rules, rules(pr("", []string{"configmaps"}, []string{"*"}))) {
		t.Errorf("waived * verb: %+v", shop.roles)
	}
	if len(cluster.clusterRoles) != 1 || !reflect.DeepEqual(cluster.clusterRoles[0].Rules, rules(pr("*", []string{"*"}, []string{"get"}))) {
		t.Errorf("waived * resource: %+v", cluster.clusterRoles)
	}
}

func TestObjectName(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		subj ir.Subject
		want string // "" to check only validity
	}{
		{developers, "netc.group.developers"},
		{ir.Subject{Kind: ir.Group, Name: "team.platform"}, "netc.group.team.platform"},
		{deployer, "netc.sa.ci.deployer"},
		{ir.Subject{Kind: ir.ServiceAccount, Namespace: "ci", Name: "deploy.bot"}, "netc.sa.ci.deploy.bot"},
		{alice, "netc.user.alice-example.com-" + hash("alice@example.com")},
		{ir.Subject{Kind: ir.Group, Name: "system:masters"}, "netc.group.system-masters-" + hash("system:masters")},
		{ir.Subject{Kind: ir.Group, Name: "Developers"}, "netc.group.developers-" + hash("Developers")},
		{ir.Subject{Kind: ir.Group, Name: "@@@"}, "netc.group." + hash("@@@")},
		{ir.Subject{Kind: ir.Group, Name: "-a..b-"}, "netc.group.a-b-" + hash("-a..b-")},
		{ir.Subject{Kind: ir.Group, Name: "a.-b"}, "netc.group.a-b-" + hash("a.-b")},
		{ir.Subject{Kind: ir.User, Name: "Ünïcode Ñame"}, ""},
		{ir.Subject{Kind: ir.Group, Name: long}, ""},
		{ir.Subject{Kind: ir.User, Name: long + "@x"}, ""},
	}
	seen := map[string]ir.Subject{}
	for _, tt := range tests {
		got := ObjectName(tt.subj)
		if tt.want != "" && got != tt.want {
			t.Errorf("ObjectName(%s) = %q, want %q", tt.subj.Key(), got, tt.want)
		}
		if !kube.IsSubdomain(got) {
			t.Errorf("ObjectName(%s) = %q is not a DNS-1123 subdomain", tt.subj.Key(), got)
		}
		if other, ok := seen[got]; ok {
			t.Errorf("%s and %s share the name %q", other.Key(), tt.subj.Key(), got)
		}
		seen[got] = tt.subj
	}
	// Names that sanitise alike stay apart.
	for _, names := range [][]string{
		{"alice@example.com", "alice-example.com", "alice_example.com", "Alice@example.com"},
		{"a:b", "a-b", "a b", "a--b", "A:B"},
	} {
		got := map[string]string{}
		for _, n := range names {
			o := ObjectName(ir.Subject{Kind: ir.User, Name: n})
			if prev, ok := got[o]; ok {
				t.Errorf("users %q and %q share the name %q", prev, n, o)
			}
			got[o] = n
		}
	}
	// Kinds never share a name.
	if ObjectName(ir.Subject{Kind: ir.User, Name: "x"}) == ObjectName(ir.Subject{Kind: ir.Group, Name: "x"}) {
		t.Errorf("user and group x share a name")
	}
}

func hash(s string) string {
	// The same hash encodeName appends: the first HashLength hex digits of SHA-256.
	return fmt.Sprintf("%x", sha256Sum(s))[:kube.HashLength]
}

func FuzzObjectName(f *testing.F) {
	for _, s := range []string{"developers", "alice@example.com", "system:masters", "Ä", "a..b", ".a", "a."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		for _, kind := range []ir.SubjectKind{ir.User, ir.Group} {
			if got := ObjectName(ir.Subject{Kind: kind, Name: name}); !kube.IsSubdomain(got) {
				t.Errorf("ObjectName(%s %q) = %q is not a DNS-1123 subdomain", kind, name, got)
			}
		}
	})
}

func sha256Sum(s string) [32]byte { return sha256.Sum256([]byte(s)) }

// TestEncoding: every file is the header and the decoded, each document decoding
// strictly to exactly the object built, as the output of sigs.k8s.io/yaml does.
func TestEncoding(t *testing.T) {
	star := grant(t, 9, developers, []string{"*"}, []string{"configmaps"}, nil, "shop")
	star.WildcardVerbs = true
	p := &ir.Program{Grants: []*ir.Grant{
		grant(t, 1, developers, []string{"deploy"}, nil, nil, "staging"),
		grant(t, 2, alice, []string{"view"}, []string{"pods", "pods/log"}, nil, "shop"),
		grant(t, 3, ir.Subject{Kind: ir.Group, Name: "yes"}, []string{"get"}, []string{"secrets"}, []string{"true", "null", "0x1F", "on"}, "shop"),
		grant(t, 4, ir.Subject{Kind: ir.User, Name: "#not a comment: \"quoted\" 'x'"}, []string{"get"}, []string{"pods"}, nil, "shop"),
		grant(t, 5, sre, []string{"view"}, []string{"nodes"}, nil, "cluster"),
		star,
	}}
	sets := objects(p)
	files, _ := Emit(p)
	if len(files) != len(sets) {
		t.Fatalf("%d files for %d object sets", len(files), len(sets))
	}
	for i, f := range files {
		header := "# " + artifact.Header + "\n"
		docs := strings.Split(strings.TrimPrefix(string(f.Data), header), "---\n")[1:]
		if f.Path != sets[i].path || len(docs) != len(sets[i].objs) {
			t.Fatalf("%s: %d documents, want %d", f.Path, len(docs), len(sets[i].objs))
		}
		for j, obj := range sets[i].objs {
			sigs, err := yaml.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			for _, text := range []string{docs[j], string(sigs)} {
				back := reflect.New(reflect.TypeOf(obj).Elem()).Interface()
				if err := yaml.UnmarshalStrict([]byte(text), back); err != nil {
					t.Fatalf("%s #%d: %v\n%s", f.Path, j, err, text)
				}
				if !reflect.DeepEqual(back, obj) {
					t.Errorf("%s #%d decodes to\n%+v\nwant\n%+v", f.Path, j, back, obj)
				}
			}
		}
	}
}
