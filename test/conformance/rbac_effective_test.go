package conformance

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	rbacauthorizer "k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac"

	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/compiler/k8sapi"
)

// The tests in this file judge netc's effective privileges (compiler/k8sapi.Effective,
// which decides assertions and separation of duties) with the upstream RBAC authorizer:
// "S can effectively do X" must equal what the authorizer's own answers compose to,
// "the authorizer lets S run pods as (or exec into, or mint a token for) account A, and
// the authorizer lets A do X", transitively. The composition and the list of accounts
// are written here; no netc code decides any of it.

// effectiveProgram has a CI deployer, people with exec, an account that mints another's
// tokens, and a chain across namespaces: ops/runner starts jobs in payments, where
// payments/api may roll out shop's deployments, where backend edits network policy.
const effectiveProgram = `namespace shop
service frontend
service backend
service worker { account batch }
frontend -> backend:8080
serviceaccount ci/deployer can deploy in shop   # netc:allow separation-of-duties,access-to-create-pods CI runs as the shop's accounts on purpose
group developers can create pods/exec in shop   # netc:allow pod-exec debugging shells
backend can edit networkpolicies
backend can get secrets named stripe-key
worker can get, list leases.coordination.k8s.io
worker can create serviceaccounts/token named frontend   # netc:allow token-request the worker hands out frontend tokens
frontend can get configmaps named settings
namespace payments
service api
api can patch deployments in shop   # netc:allow separation-of-duties,access-to-create-pods payments rolls out the shop web tier
serviceaccount ops/runner can create jobs in payments   # netc:allow separation-of-duties,access-to-create-pods the runner starts payments jobs
group sre can view nodes in cluster
`

// effectiveAccounts are the ServiceAccounts pods may run as, written by hand from the
// program (and the default account of each namespace, which always exists).
var effectiveAccounts = []who{
	serviceAccount("shop", "frontend"), serviceAccount("shop", "backend"), serviceAccount("shop", "batch"),
	serviceAccount("shop", "default"), serviceAccount("payments", "api"), serviceAccount("payments", "default"),
	serviceAccount("ci", "deployer"), serviceAccount("ci", "default"), serviceAccount("ops", "runner"),
}

// saNamespace returns the namespace and name of a ServiceAccount requester.
func saNamespace(w who) (ns, name string, ok bool) {
	rest, ok := strings.CutPrefix(w.name, "system:serviceaccount:")
	if !ok {
		return "", "", false
	}
	ns, name, ok = strings.Cut(rest, ":")
	return ns, name, ok
}

// upstream memoises the authorizer's answers.
type upstream struct {
	t    *testing.T
	a    *rbacauthorizer.RBACAuthorizer
	memo map[string]bool
	n    int // distinct questions asked
}

func (u *upstream) allows(w who, verb, resource, ns, name string) bool {
	q := question{who: w, verb: verb, resource: resource, ns: ns, name: name}
	k := q.String()
	if v, ok := u.memo[k]; ok {
		return v
	}
	v := allowed(u.t, u.a, q.attributes())
	u.memo[k] = v
	u.n++
	return v
}

// podRunners are the kinds whose create, or whose update of the pod template, runs pods.
var podRunners = []string{"pods", "replicationcontrollers", "deployments.apps", "daemonsets.apps",
	"replicasets.apps", "statefulsets.apps", "jobs.batch", "cronjobs.batch"}

// runsPods: the authorizer lets w create (or change) a pod-running object in ns.
func (u *upstream) runsPods(w who, ns string) bool {
	for _, r := range podRunners {
		if u.allows(w, "create", r, ns, "") || u.allows(w, "update", r, ns, "web") || u.allows(w, "patch", r, ns, "web") {
			return true
		}
	}
	return false
}

// actsAs: the authorizer lets w act as account a: run pods in a's namespace, exec or
// attach into them, add ephemeral containers, mint a's token or impersonate a.
func (u *upstream) actsAs(w, a who) bool {
	ns, name, _ := saNamespace(a)
	if u.runsPods(w, ns) {
		return true
	}
	for _, v := range []string{"create", "get"} {
		if u.allows(w, v, "pods/exec", ns, "p") || u.allows(w, v, "pods/attach", ns, "p") {
			return true
		}
	}
	return u.allows(w, "patch", "pods/ephemeralcontainers", ns, "p") || u.allows(w, "update", "pods/ephemeralcontainers", ns, "p") ||
		u.allows(w, "create", "serviceaccounts/token", ns, name) || u.allows(w, "impersonate", "serviceaccounts", ns, name)
}

// effectively composes the authorizer's answers: w itself may do q, or may mount it (a
// get of a Secret or ConfigMap in a namespace where it runs pods), or an account it acts
// as, transitively, may.
func (u *upstream) effectively(w who, q question) bool {
	reached := []who{w}
	seen := map[string]bool{w.name: true}
	for i := 0; i < len(reached); i++ {
		s := reached[i]
		if u.allows(s, q.verb, q.resource, q.ns, q.name) {
			return true
		}
		if q.verb == "get" && q.ns != "" && (q.resource == "secrets" || q.resource == "configmaps") && u.runsPods(s, q.ns) {
			return true
		}
		for _, a := range effectiveAccounts {
			if !seen[a.name] && u.actsAs(s, a) {
				seen[a.name] = true
				reached = append(reached, a)
			}
		}
	}
	return false
}

func TestRBACEffectivePrivileges(t *testing.T) {
	p := compileRBAC(t, effectiveProgram)
	u := &upstream{t: t, a: loadRBAC(t, build(t, p, nil)).authorizer(), memo: map[string]bool{}}

	ciDeployer := serviceAccount("ci", "deployer")
	backend := serviceAccount("shop", "backend")
	runner := serviceAccount("ops", "runner")
	api := serviceAccount("payments", "api")
	batch := serviceAccount("shop", "batch")
	frontend := serviceAccount("shop", "frontend")

	// The premises, from the authorizer over netc's output: the deployer creates pods in
	// shop, backend's grant lets it edit network policy there, and the chain holds.
	for _, q := range []question{
		{ciDeployer, "create", "pods", "shop", "", true},
		{ciDeployer, "create", "networkpolicies.networking.k8s.io", "shop", "", false},
		{backend, "create", "networkpolicies.networking.k8s.io", "shop", "", true},
		{backend, "create", "pods", "shop", "", false},
		{runner, "create", "jobs.batch", "payments", "", true},
		{api, "patch", "deployments.apps", "shop", "web", true},
		{batch, "create", "serviceaccounts/token", "shop", "frontend", true},
		{batch, "create", "serviceaccounts/token", "shop", "backend", false},
		{aDeveloper, "create", "pods/exec", "shop", "web-1", true},
	} {
		if got := u.allows(q.who, q.verb, q.resource, q.ns, q.name); got != q.allowed {
			t.Errorf("premise %s: authorizer says %v, want %v", q, got, q.allowed)
		}
	}

	subjects := []struct {
		subj ir.Subject
		who  who
	}{
		{ir.Subject{Kind: ir.ServiceAccount, Namespace: "ci", Name: "deployer"}, ciDeployer},
		{ir.Subject{Kind: ir.Group, Name: "developers"}, aDeveloper},
		{ir.Subject{Kind: ir.ServiceAccount, Namespace: "ops", Name: "runner"}, runner},
		{ir.Subject{Kind: ir.ServiceAccount, Namespace: "payments", Name: "api"}, api},
		{ir.Subject{Kind: ir.ServiceAccount, Namespace: "shop", Name: "batch"}, batch},
		{ir.Subject{Kind: ir.ServiceAccount, Namespace: "shop", Name: "frontend"}, frontend},
		{ir.Subject{Kind: ir.ServiceAccount, Namespace: "shop", Name: "backend"}, backend},
		{ir.Subject{Kind: ir.Group, Name: "sre"}, anSRE},
		{ir.Subject{Kind: ir.User, Name: "mallory"}, nobody},
	}
	verbs := []string{"get", "list", "watch", "create", "update", "patch", "delete"}
	resources := []string{"networkpolicies.networking.k8s.io", "secrets", "configmaps", "leases.coordination.k8s.io",
		"deployments.apps", "jobs.batch", "pods", "pods/exec", "serviceaccounts/token", "nodes",
		"rolebindings.rbac.authorization.k8s.io"}
	namespaces := []string{"shop", "payments", "ci", "ops", "staging"}
	names := []string{"", "stripe-key", "settings", "frontend", "web"}

	eff := k8sapi.NewEffective(p)
	n, through := 0, 0
	space := requestSpace{verbs, resources, namespaces, names}
	for _, s := range subjects {
		space.each(t, s.who, s.subj, func(q question, req k8sapi.Request) {
			want := u.effectively(s.who, q)
			got := eff.Decide(req)
			if got.Allowed != want {
				t.Errorf("%s: composed upstream answers say effectively=%v, netc says %v (%s; %s)", q, want, got.Allowed, got.Reason, strings.Join(got.Explain(), ", "))
			}
			if got.Allowed && (len(got.Path) > 0 || got.Mount != nil) {
				through++
			}
			n++
		})
	}
	if n < 5000 || through < 150 {
		t.Errorf("only %d questions, %d of them allowed through another account or a mount", n, through)
	}
	t.Logf("%d questions (%d upstream authorizer calls), %d allowed only through another account or a mount; no disagreement", n, u.n, through)

	// The stated cases, composed by hand: the deployer reaches backend's network policy
	// rights and every secret of shop, never payments'; the runner reaches shop through
	// payments/api; exec reaches the frontend account through batch's token grant.
	for _, c := range []struct {
		who  ir.Subject
		q    question
		want bool
	}{
		{subjects[0].subj, question{who: ciDeployer, verb: "delete", resource: "networkpolicies.networking.k8s.io", ns: "shop", name: "x"}, true},
		{subjects[0].subj, question{who: ciDeployer, verb: "get", resource: "secrets", ns: "shop", name: "db-password"}, true},
		{subjects[0].subj, question{who: ciDeployer, verb: "list", resource: "secrets", ns: "shop"}, false},
		{subjects[0].subj, question{who: ciDeployer, verb: "delete", resource: "networkpolicies.networking.k8s.io", ns: "payments", name: "x"}, false},
		{subjects[2].subj, question{who: runner, verb: "patch", resource: "networkpolicies.networking.k8s.io", ns: "shop", name: "x"}, true},
		{subjects[1].subj, question{who: aDeveloper, verb: "get", resource: "configmaps", ns: "shop", name: "settings"}, true},
		{subjects[1].subj, question{who: aDeveloper, verb: "get", resource: "configmaps", ns: "shop", name: "other"}, false},
	} {
		res, _ := k8sapi.Lookup(c.q.resource)
		got := eff.Decide(k8sapi.Request{Subject: c.who, Verb: c.q.verb, Resource: res, Namespace: c.q.ns, Name: c.q.name})
		if up := u.effectively(c.q.who, c.q); up != c.want || got.Allowed != c.want {
			t.Errorf("%s: want effectively=%v; upstream composition %v, netc %v", c.q, c.want, up, got.Allowed)
		}
	}
}

// TestRBACEscalationRulesUpstream checks that each escalation rule is about requests
// Kubernetes really authorises: a grant that fires the rule, once built, lets the
// upstream authorizer allow exactly the request the rule names and not its neighbours.
func TestRBACEscalationRulesUpstream(t *testing.T) {
	g := who{"gina", []string{"g", "system:authenticated"}}
	cases := []struct {
		rule  string
		grant string
		allow []question
		deny  []question
	}{
		{"pod-exec", "group g can create pods/exec, pods/attach, pods/portforward in shop",
			[]question{{g, "create", "pods/exec", "shop", "web-1", true}, {g, "create", "pods/attach", "shop", "web-1", true}, {g, "create", "pods/portforward", "shop", "web-1", true}},
			[]question{{g, "create", "pods", "shop", "", false}, {g, "get", "pods", "shop", "web-1", false}, {g, "create", "pods/exec", "payments", "web-1", false}}},
		{"pod-exec", "group g can patch pods/ephemeralcontainers in shop",
			[]question{{g, "patch", "pods/ephemeralcontainers", "shop", "web-1", true}},
			[]question{{g, "patch", "pods", "shop", "web-1", false}, {g, "create", "pods/exec", "shop", "web-1", false}}},
		{"token-request", "group g can create serviceaccounts/token named web in shop",
			[]question{{g, "create", "serviceaccounts/token", "shop", "web", true}},
			[]question{{g, "create", "serviceaccounts/token", "shop", "backend", false}, {g, "create", "serviceaccounts", "shop", "", false}, {g, "get", "serviceaccounts", "shop", "web", false}}},
		{"persistent-volume-creation", "group g can create persistentvolumes in cluster",
			[]question{{g, "create", "persistentvolumes", "", "", true}},
			[]question{{g, "create", "persistentvolumeclaims", "shop", "", false}, {g, "delete", "persistentvolumes", "", "pv-1", false}}},
		{"node-proxy", "group g can get nodes/proxy in cluster",
			[]question{{g, "get", "nodes/proxy", "", "node-1", true}},
			[]question{{g, "get", "nodes", "", "node-1", false}, {g, "create", "nodes/proxy", "", "node-1", false}, {g, "get", "nodes/stats", "", "node-1", false}}},
		{"csr-approval", "group g can update certificatesigningrequests/approval in cluster",
			[]question{{g, "update", "certificatesigningrequests.certificates.k8s.io/approval", "", "csr-1", true}},
			[]question{{g, "update", "certificatesigningrequests.certificates.k8s.io", "", "csr-1", false}, {g, "update", "certificatesigningrequests.certificates.k8s.io/status", "", "csr-1", false}}},
		{"csr-approval", `group g can approve signers named "kubernetes.io/kube-apiserver-client" in cluster`,
			[]question{{g, "approve", "signers.certificates.k8s.io", "", "kubernetes.io/kube-apiserver-client", true}},
			[]question{{g, "approve", "signers.certificates.k8s.io", "", "kubernetes.io/kubelet-serving", false}, {g, "sign", "signers.certificates.k8s.io", "", "kubernetes.io/kube-apiserver-client", false}}},
		{"admission-webhooks", "group g can patch validatingwebhookconfigurations, mutatingwebhookconfigurations, mutatingadmissionpolicies in cluster",
			[]question{{g, "patch", "validatingwebhookconfigurations.admissionregistration.k8s.io", "", "w", true}, {g, "patch", "mutatingwebhookconfigurations.admissionregistration.k8s.io", "", "w", true}, {g, "patch", "mutatingadmissionpolicies.admissionregistration.k8s.io", "", "w", true}},
			[]question{{g, "patch", "validatingadmissionpolicies.admissionregistration.k8s.io", "", "w", false}, {g, "create", "mutatingwebhookconfigurations.admissionregistration.k8s.io", "", "", false}}},
		{"namespace-modification", "group g can patch namespaces in cluster",
			[]question{{g, "patch", "namespaces", "", "shop", true}, {g, "patch", "namespaces", "shop", "shop", true}},
			[]question{{g, "update", "namespaces", "", "shop", false}, {g, "patch", "namespaces/status", "", "shop", false}}},
		{"secrets-access", "group g can list secrets in shop",
			[]question{{g, "list", "secrets", "shop", "", true}},
			[]question{{g, "list", "secrets", "payments", "", false}, {g, "get", "configmaps", "shop", "x", false}}},
		{"access-to-create-pods", "group g can create pods in shop\nbackend can get, list leases.coordination.k8s.io",
			[]question{{g, "create", "pods", "shop", "", true}, {serviceAccount("shop", "backend"), "list", "leases.coordination.k8s.io", "shop", "", true}},
			[]question{{g, "list", "leases.coordination.k8s.io", "shop", "", false}}},
	}
	for _, c := range cases {
		t.Run(c.rule+"/"+strings.SplitN(c.grant, "\n", 2)[0], func(t *testing.T) {
			src := "namespace shop\nservice backend\n" + c.grant + "\n"
			_, diags := compiler.Compile([]compiler.Source{{Name: "r.net", Data: []byte(src)}}, compiler.Options{})
			// The rule fires on the grant; every rule that fires on a line is waived
			// there so that the program builds.
			waive := map[int][]string{}
			fired := false
			for _, d := range diags {
				if d.Rule == "" {
					t.Fatalf("compile: %v", d)
				}
				fired = fired || d.Rule == c.rule
				if !slices.Contains(waive[d.Span.Start.Line], d.Rule) {
					waive[d.Span.Start.Line] = append(waive[d.Span.Start.Line], d.Rule)
				}
			}
			if !fired {
				t.Fatalf("%s does not fire on %q: %v", c.rule, c.grant, diags)
			}
			lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
			for i := range lines {
				if ids := waive[i+1]; len(ids) > 0 {
					lines[i] += fmt.Sprintf("   # netc:allow %s judged upstream", strings.Join(ids, ","))
				}
			}
			p := compileRBAC(t, strings.Join(lines, "\n")+"\n")
			a := loadRBAC(t, build(t, p, nil)).authorizer()
			for _, q := range slices.Concat(c.allow, c.deny) {
				if got := allowed(t, a, q.attributes()); got != q.allowed {
					t.Errorf("%s: authorizer says allowed=%v, the grant %q says %v", q, got, c.grant, q.allowed)
				}
			}
		})
	}
}
