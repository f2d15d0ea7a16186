package conformance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	rbacregistryvalidation "k8s.io/kubernetes/pkg/registry/rbac/validation"
	rbacauthorizer "k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/compiler/k8sapi"
)

// The tests in this file load netc's RBAC output into the upstream Kubernetes RBAC
// authorizer (the code the API server runs) and ask it questions whose answers are
// written here by hand from the grants' meaning, never derived from netc's own code.

// rbacProgram is the grants of issue #3's examples, compiled from source.
const rbacProgram = `namespace shop
service frontend
service backend
frontend -> backend:8080
backend can get, list configmaps
backend can get secrets named stripe-key

group security-engineers can edit networkpolicies in shop, payments
group developers can deploy in staging
group developers can view pods, pods/log in shop
user "alice@example.com" can view pods, pods/log in shop
serviceaccount ci/deployer can deploy in staging
group sre can view nodes in cluster
group sre can get namespaces in cluster
group release can deploy deployments named web, api in prod
`

// who is a requester: a user name and the groups the authenticator gives it.
type who struct {
	name   string
	groups []string
}

var (
	aDeveloper = who{"dora", []string{"developers", user.AllAuthenticated}}
	aSecurity  = who{"sam", []string{"security-engineers", user.AllAuthenticated}}
	anSRE      = who{"sol", []string{"sre", user.AllAuthenticated}}
	alice      = who{"alice@example.com", []string{user.AllAuthenticated}}
	aReleaser  = who{"rex", []string{"release", user.AllAuthenticated}}
	nobody     = who{"mallory", []string{user.AllAuthenticated}}
	ciDeployer = serviceAccount("ci", "deployer")
	backendSA  = serviceAccount("shop", "backend")
	// A service account of the same name in another namespace, and the default one.
	otherBackend = serviceAccount("payments", "backend")
	shopDefault  = serviceAccount("shop", "default")
)

// serviceAccount is who a ServiceAccount token authenticates as.
func serviceAccount(ns, name string) who {
	return who{"system:serviceaccount:" + ns + ":" + name,
		[]string{"system:serviceaccounts", "system:serviceaccounts:" + ns, user.AllAuthenticated}}
}

// question is one request: may who do verb on resource ("deployments.apps",
// "pods/log", "nodes") in namespace ns ("" for cluster-wide) on the object called name?
type question struct {
	who      who
	verb     string
	resource string
	ns       string
	name     string
	allowed  bool
}

// parseResource splits RESOURCE[.GROUP][/SUBRESOURCE]; written here rather than taken
// from netc so that the questions do not lean on the code under test.
func parseResource(s string) (group, resource, sub string) {
	base, sub, _ := strings.Cut(s, "/")
	resource, group, _ = strings.Cut(base, ".")
	return group, resource, sub
}

func (q question) attributes() authorizer.AttributesRecord {
	group, resource, sub := parseResource(q.resource)
	return authorizer.AttributesRecord{
		User:            &user.DefaultInfo{Name: q.who.name, Groups: q.who.groups},
		Verb:            q.verb,
		Namespace:       q.ns,
		APIGroup:        group,
		APIVersion:      "v1",
		Resource:        resource,
		Subresource:     sub,
		Name:            q.name,
		ResourceRequest: true,
	}
}

func (q question) String() string {
	s := fmt.Sprintf("%s %s %s", q.who.name, q.verb, q.resource)
	if q.name != "" {
		s += " " + q.name
	}
	if q.ns == "" {
		return s + " (cluster-wide)"
	}
	return s + " in " + q.ns
}

var rbacQuestions = []question{
	// A deploy group rolls out a Deployment in its namespace...
	{aDeveloper, "patch", "deployments.apps", "staging", "web", true},
	{aDeveloper, "get", "deployments.apps", "staging", "web", true},
	{aDeveloper, "create", "deployments.apps", "staging", "", true},
	{aDeveloper, "update", "statefulsets.apps", "staging", "db", true},
	{aDeveloper, "delete", "jobs.batch", "staging", "migrate", true},
	{aDeveloper, "create", "cronjobs.batch", "staging", "", true},
	{aDeveloper, "patch", "configmaps", "staging", "settings", true},
	{aDeveloper, "delete", "pods", "staging", "web-1", true},
	{aDeveloper, "get", "pods/log", "staging", "web-1", true},
	{aDeveloper, "watch", "services", "staging", "", true},
	// ... and nothing in other namespaces or across them ...
	{aDeveloper, "patch", "deployments.apps", "prod", "web", false},
	{aDeveloper, "patch", "deployments.apps", "payments", "web", false},
	{aDeveloper, "list", "deployments.apps", "", "", false},
	{aDeveloper, "get", "pods/log", "prod", "web-1", false},
	// ... cannot touch network policies, bindings, roles or secrets ...
	{aDeveloper, "patch", "networkpolicies.networking.k8s.io", "staging", "", false},
	{aDeveloper, "delete", "networkpolicies.networking.k8s.io", "staging", "deny-all", false},
	{aDeveloper, "create", "rolebindings.rbac.authorization.k8s.io", "staging", "", false},
	{aDeveloper, "update", "roles.rbac.authorization.k8s.io", "staging", "netc.group.developers", false},
	{aDeveloper, "create", "clusterrolebindings.rbac.authorization.k8s.io", "", "", false},
	{aDeveloper, "get", "secrets", "staging", "db-password", false},
	{aDeveloper, "list", "secrets", "staging", "", false},
	// ... nor reach beyond the workload set: exec, scale, service accounts, deletecollection.
	{aDeveloper, "create", "pods/exec", "staging", "web-1", false},
	{aDeveloper, "update", "deployments.apps/scale", "staging", "web", false},
	{aDeveloper, "create", "serviceaccounts/token", "staging", "web", false},
	{aDeveloper, "deletecollection", "pods", "staging", "", false},
	{aDeveloper, "create", "ingresses.networking.k8s.io", "staging", "", false},
	// Its other grant views pods in shop, and only that.
	{aDeveloper, "list", "pods", "shop", "", true},
	{aDeveloper, "get", "pods/log", "shop", "web-1", true},
	{aDeveloper, "patch", "deployments.apps", "shop", "web", false},
	{aDeveloper, "delete", "pods", "shop", "web-1", false},

	// The CI service account deploys to staging only; its namespace gives it nothing.
	{ciDeployer, "patch", "deployments.apps", "staging", "web", true},
	{ciDeployer, "patch", "deployments.apps", "ci", "web", false},
	{ciDeployer, "patch", "deployments.apps", "prod", "web", false},
	{ciDeployer, "create", "rolebindings.rbac.authorization.k8s.io", "staging", "", false},
	{ciDeployer, "get", "secrets", "staging", "x", false},
	{serviceAccount("other", "deployer"), "patch", "deployments.apps", "staging", "web", false},

	// `edit networkpolicies` gives exactly that, in exactly its namespaces.
	{aSecurity, "create", "networkpolicies.networking.k8s.io", "shop", "", true},
	{aSecurity, "update", "networkpolicies.networking.k8s.io", "payments", "allow-api", true},
	{aSecurity, "delete", "networkpolicies.networking.k8s.io", "payments", "allow-api", true},
	{aSecurity, "list", "networkpolicies.networking.k8s.io", "shop", "", true},
	{aSecurity, "delete", "networkpolicies.networking.k8s.io", "staging", "x", false},
	{aSecurity, "list", "networkpolicies.networking.k8s.io", "", "", false},
	{aSecurity, "deletecollection", "networkpolicies.networking.k8s.io", "shop", "", false},
	{aSecurity, "get", "pods", "shop", "web-1", false},
	{aSecurity, "patch", "deployments.apps", "shop", "web", false},
	{aSecurity, "get", "secrets", "shop", "stripe-key", false},
	{aSecurity, "create", "rolebindings.rbac.authorization.k8s.io", "shop", "", false},
	{aSecurity, "patch", "networkpolicies.extensions", "shop", "x", false},

	// A user's grant: view pods and their logs in shop, no more.
	{alice, "get", "pods", "shop", "web-1", true},
	{alice, "get", "pods/log", "shop", "web-1", true},
	{alice, "watch", "pods", "shop", "", true},
	{alice, "create", "pods/exec", "shop", "web-1", false},
	{alice, "delete", "pods", "shop", "web-1", false},
	{alice, "get", "pods", "payments", "api-1", false},
	{alice, "get", "pods", "", "", false},
	{who{"bob@example.com", []string{user.AllAuthenticated}}, "get", "pods", "shop", "web-1", false},

	// A service's account: its configmaps, and only the secret it names.
	{backendSA, "get", "configmaps", "shop", "settings", true},
	{backendSA, "list", "configmaps", "shop", "", true},
	{backendSA, "watch", "configmaps", "shop", "", false},
	{backendSA, "update", "configmaps", "shop", "settings", false},
	{backendSA, "get", "secrets", "shop", "stripe-key", true},
	{backendSA, "get", "secrets", "shop", "db-password", false},
	{backendSA, "list", "secrets", "shop", "", false},
	{backendSA, "update", "secrets", "shop", "stripe-key", false},
	{backendSA, "get", "configmaps", "payments", "settings", false},
	{otherBackend, "get", "secrets", "shop", "stripe-key", false},
	{otherBackend, "get", "configmaps", "payments", "settings", false},
	{shopDefault, "get", "configmaps", "shop", "settings", false},

	// `named` limits to the names, and create (which has no name yet) is not granted.
	{aReleaser, "patch", "deployments.apps", "prod", "web", true},
	{aReleaser, "update", "deployments.apps", "prod", "api", true},
	{aReleaser, "get", "deployments.apps", "prod", "api", true},
	{aReleaser, "patch", "deployments.apps", "prod", "worker", false},
	{aReleaser, "delete", "deployments.apps", "prod", "payments", false},
	{aReleaser, "create", "deployments.apps", "prod", "", false},
	{aReleaser, "list", "deployments.apps", "prod", "", false},
	{aReleaser, "patch", "deployments.apps", "staging", "web", false},
	{aReleaser, "patch", "statefulsets.apps", "prod", "web", false},

	// Cluster grants stay on their cluster resources.
	{anSRE, "get", "nodes", "", "node-1", true},
	{anSRE, "list", "nodes", "", "", true},
	{anSRE, "watch", "nodes", "", "", true},
	{anSRE, "get", "namespaces", "", "shop", true},
	{anSRE, "list", "namespaces", "", "", false},
	{anSRE, "delete", "nodes", "", "node-1", false},
	{anSRE, "patch", "nodes/status", "", "node-1", false},
	{anSRE, "get", "nodes/proxy", "", "node-1", false},
	{anSRE, "get", "pods", "shop", "web-1", false},
	{anSRE, "list", "pods", "", "", false},
	{anSRE, "get", "secrets", "kube-system", "x", false},
	{anSRE, "get", "persistentvolumes", "", "pv-1", false},
	{anSRE, "get", "nodes.metrics.k8s.io", "", "node-1", false},

	// Someone with no grant gets nothing.
	{nobody, "get", "pods", "shop", "web-1", false},
	{nobody, "get", "nodes", "", "node-1", false},
	{nobody, "list", "namespaces", "", "", false},
}

// rbacObjects are the RBAC objects of one build, decoded strictly and validated.
type rbacObjects struct {
	roles               []*rbacv1.Role
	roleBindings        []*rbacv1.RoleBinding
	clusterRoles        []*rbacv1.ClusterRole
	clusterRoleBindings []*rbacv1.ClusterRoleBinding
}

func loadRBAC(t *testing.T, files []artifact.File) rbacObjects {
	t.Helper()
	out, errs := decodeKubernetes(files)
	errs = append(errs, validateAll(out)...)
	for _, err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	return rbacObjects{
		roles:               objectsOf[*rbacv1.Role](out),
		roleBindings:        objectsOf[*rbacv1.RoleBinding](out),
		clusterRoles:        objectsOf[*rbacv1.ClusterRole](out),
		clusterRoleBindings: objectsOf[*rbacv1.ClusterRoleBinding](out),
	}
}

// authorizer is the API server's RBAC authorizer over exactly these objects.
func (o rbacObjects) authorizer() *rbacauthorizer.RBACAuthorizer {
	_, static := rbacregistryvalidation.NewTestRuleResolver(o.roles, o.roleBindings, o.clusterRoles, o.clusterRoleBindings)
	return rbacauthorizer.New(static, static, static, static)
}

func allowed(t *testing.T, a *rbacauthorizer.RBACAuthorizer, attrs authorizer.AttributesRecord) bool {
	t.Helper()
	d, reason, err := a.Authorize(context.Background(), attrs)
	if err != nil {
		t.Fatalf("authorize %+v: %v (%s)", attrs, err, reason)
	}
	return d == authorizer.DecisionAllow
}

func compileRBAC(t *testing.T, src string) *ir.Program {
	t.Helper()
	return compile(t, []compiler.Source{{Name: "rbac.net", Data: []byte(src)}}, nil)
}

func TestRBACAuthorizer(t *testing.T) {
	p := compileRBAC(t, rbacProgram)
	objs := loadRBAC(t, build(t, p, nil))
	a := objs.authorizer()
	for _, q := range rbacQuestions {
		if got := allowed(t, a, q.attributes()); got != q.allowed {
			t.Errorf("%s: authorizer says allowed=%v, the grants say %v", q, got, q.allowed)
		}
	}

	// The layout: one Role and one RoleBinding per subject and namespace, one
	// ClusterRole and binding per subject with cluster grants; each binding refers to
	// the role of its own name; nothing holds a wildcard.
	if n := len(objs.roles); n != 8 {
		t.Errorf("%d Roles, want 8 (backend, security in shop and payments, developers in staging and shop, alice, deployer, release)", n)
	}
	if n := len(objs.clusterRoles); n != 1 {
		t.Errorf("%d ClusterRoles, want 1 (sre)", n)
	}
	for _, b := range objs.roleBindings {
		if b.RoleRef.Kind != "Role" || b.RoleRef.Name != b.Name || len(b.Subjects) != 1 {
			t.Errorf("RoleBinding %s/%s: roleRef %+v, subjects %+v", b.Namespace, b.Name, b.RoleRef, b.Subjects)
		}
	}
	for _, b := range objs.clusterRoleBindings {
		if b.RoleRef.Kind != "ClusterRole" || b.RoleRef.Name != b.Name || len(b.Subjects) != 1 {
			t.Errorf("ClusterRoleBinding %s: roleRef %+v, subjects %+v", b.Name, b.RoleRef, b.Subjects)
		}
	}
	if len(objs.roleBindings) != len(objs.roles) || len(objs.clusterRoleBindings) != len(objs.clusterRoles) {
		t.Errorf("%d/%d bindings for %d/%d roles", len(objs.roleBindings), len(objs.clusterRoleBindings), len(objs.roles), len(objs.clusterRoles))
	}
	var rules []rbacv1.PolicyRule
	for _, r := range objs.roles {
		rules = append(rules, r.Rules...)
	}
	for _, r := range objs.clusterRoles {
		rules = append(rules, r.Rules...)
	}
	for _, r := range rules {
		for _, s := range slices.Concat(r.APIGroups, r.Resources, r.Verbs) {
			if strings.Contains(s, "*") {
				t.Errorf("rule %+v holds a wildcard", r)
			}
		}
	}
}

// TestRBACHandBuilt drives the backend with IR built by hand, independent of the
// compiler's lowering: two grants of one subject in one namespace merge into one Role,
// and the merged Role allows the union and no more.
func TestRBACHandBuilt(t *testing.T) {
	dev := ir.Subject{Kind: ir.Group, Name: "developers"}
	p := newIR().service("staging/web", "").build()
	p.Grants = []*ir.Grant{
		{Subject: dev, Namespaces: []string{"staging"}, Rules: []ir.Rule{
			{APIGroup: "apps", Resources: []string{"deployments"}, Verbs: []string{"get", "patch"}},
		}},
		{Subject: dev, Namespaces: []string{"staging", "test"}, Rules: []ir.Rule{
			{APIGroup: "", Resources: []string{"configmaps"}, Verbs: []string{"get"}, ResourceNames: []string{"settings"}},
			{APIGroup: "apps", Resources: []string{"deployments"}, Verbs: []string{"list"}},
		}},
	}
	objs := loadRBAC(t, build(t, p, nil))
	if len(objs.roles) != 2 || len(objs.roleBindings) != 2 {
		t.Fatalf("%d Roles and %d RoleBindings, want 2 and 2 (staging, test)", len(objs.roles), len(objs.roleBindings))
	}
	a := objs.authorizer()
	d := who{"dora", []string{"developers"}}
	for _, q := range []question{
		{d, "patch", "deployments.apps", "staging", "web", true},
		{d, "list", "deployments.apps", "staging", "", true},
		{d, "get", "configmaps", "staging", "settings", true},
		{d, "get", "configmaps", "staging", "other", false},
		{d, "delete", "deployments.apps", "staging", "web", false},
		{d, "list", "deployments.apps", "test", "", true},
		{d, "get", "configmaps", "test", "settings", true},
		{d, "patch", "deployments.apps", "test", "web", false},
		{d, "get", "deployments.apps", "test", "web", false},
		{d, "list", "deployments.apps", "prod", "", false},
	} {
		if got := allowed(t, a, q.attributes()); got != q.allowed {
			t.Errorf("%s: authorizer says allowed=%v, the grants say %v", q, got, q.allowed)
		}
	}
}

// TestRBACWaivedWildcard: a wildcard reaches a Role only with the waiver on its line,
// and then means what Kubernetes says it means.
func TestRBACWaivedWildcard(t *testing.T) {
	src := `namespace ops
group admins can * configmaps in ops   # netc:allow wildcard-verb break-glass access to config
group auditors can get * in cluster    # netc:allow wildcard-resource,node-proxy read-only audit across the API (get * covers nodes/proxy)
`
	p := compileRBAC(t, src)
	objs := loadRBAC(t, build(t, p, nil))
	a := objs.authorizer()
	admin := who{"ann", []string{"admins"}}
	auditor := who{"aud", []string{"auditors"}}
	for _, q := range []question{
		{admin, "deletecollection", "configmaps", "ops", "", true},
		{admin, "escalate", "configmaps", "ops", "x", true},
		{admin, "get", "secrets", "ops", "x", false},
		{admin, "get", "configmaps", "default", "x", false},
		{auditor, "get", "secrets", "kube-system", "x", true},
		{auditor, "get", "widgets.example.com", "a", "x", true},
		{auditor, "get", "nodes", "", "n", true},
		{auditor, "list", "secrets", "kube-system", "", false},
		{auditor, "update", "configmaps", "ops", "x", false},
	} {
		if got := allowed(t, a, q.attributes()); got != q.allowed {
			t.Errorf("%s: authorizer says allowed=%v, the grants say %v", q, got, q.allowed)
		}
	}
}

// TestRBACEvaluatorAgrees checks netc's own evaluator (compiler/k8sapi, which decides
// `assert ... can/cannot` at compile time) against the upstream authorizer over the
// generated objects, on every combination of subject, verb, resource, namespace and
// name drawn from the program: the two must never disagree.
func TestRBACEvaluatorAgrees(t *testing.T) {
	p := compileRBAC(t, rbacProgram)
	a := loadRBAC(t, build(t, p, nil)).authorizer()
	ev := k8sapi.NewEvaluator(p.Grants)

	subjects := []struct {
		subj ir.Subject
		who  who
	}{
		{ir.Subject{Kind: ir.Group, Name: "developers"}, aDeveloper},
		{ir.Subject{Kind: ir.Group, Name: "security-engineers"}, aSecurity},
		{ir.Subject{Kind: ir.Group, Name: "sre"}, anSRE},
		{ir.Subject{Kind: ir.Group, Name: "release"}, aReleaser},
		{ir.Subject{Kind: ir.User, Name: "alice@example.com"}, alice},
		{ir.Subject{Kind: ir.User, Name: "mallory"}, nobody},
		{ir.Subject{Kind: ir.ServiceAccount, Namespace: "ci", Name: "deployer"}, ciDeployer},
		{ir.Subject{Kind: ir.ServiceAccount, Namespace: "shop", Name: "backend"}, backendSA},
		{ir.Subject{Kind: ir.ServiceAccount, Namespace: "payments", Name: "backend"}, otherBackend},
	}
	verbs := append(slices.Clone(k8sapi.Verbs), "proxy")
	resources := []string{
		"pods", "pods/log", "pods/exec", "configmaps", "secrets", "services", "nodes", "nodes/status",
		"namespaces", "deployments.apps", "deployments.apps/scale", "jobs.batch", "cronjobs.batch",
		"networkpolicies.networking.k8s.io", "rolebindings.rbac.authorization.k8s.io",
		"clusterroles.rbac.authorization.k8s.io", "certificates.cert-manager.io",
	}
	namespaces := []string{"", "shop", "payments", "staging", "prod", "ci", "kube-system"}
	names := []string{"", "web", "stripe-key", "node-1"}
	n := 0
	space := requestSpace{verbs, resources, namespaces, names}
	for _, s := range subjects {
		space.each(t, s.who, s.subj, func(q question, req k8sapi.Request) {
			want := allowed(t, a, q.attributes())
			got := ev.Decide(req)
			if got.Allowed != want {
				t.Errorf("%s: upstream allowed=%v, netc's evaluator %v (%s)", q, want, got.Allowed, got.Reason)
			}
			n++
		})
	}
	if n < 10000 {
		t.Errorf("only %d questions", n)
	}
	t.Logf("%d questions, no disagreement", n)
}

// requestSpace is every combination of verb, resource, namespace and name that a
// comparison asks about, less the requests Kubernetes never makes.
type requestSpace struct {
	verbs, resources, namespaces, names []string
}

// each calls f with each request of the space made by w (subj in netc's terms). A
// cluster-scoped resource is asked about once, without a namespace.
func (sp requestSpace) each(t *testing.T, w who, subj ir.Subject, f func(question, k8sapi.Request)) {
	t.Helper()
	for _, verb := range sp.verbs {
		for _, r := range sp.resources {
			res, err := k8sapi.Lookup(r)
			if err != nil {
				t.Fatal(err)
			}
			nss := sp.namespaces
			if !res.Namespaced {
				nss = []string{""} // Kubernetes never asks about a cluster-scoped resource in a namespace
			}
			for _, ns := range nss {
				for _, name := range sp.names {
					if verb == "create" && name != "" && !strings.Contains(r, "/") {
						continue // Kubernetes authorises creating an object before it has a name
					}
					f(question{who: w, verb: verb, resource: r, ns: ns, name: name},
						k8sapi.Request{Subject: subj, Verb: verb, Resource: res, Namespace: ns, Name: name})
				}
			}
		}
	}
}
