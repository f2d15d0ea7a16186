package conformance

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/compiler/k8sapi"
)

// TestLiveCluster applies every example's out/kubernetes to a real kube-apiserver,
// asks it the grants' questions with kubectl auth can-i, and runs netc audit
// --cluster, untouched and after each tamper, as a user who can only read.
func TestLiveCluster(t *testing.T) {
	c := startCluster(t)
	entries, err := os.ReadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() && !strings.HasSuffix(e.Name(), ".net") {
			continue
		}
		path := filepath.Join(examplesDir, e.Name())
		t.Run("example/"+e.Name(), func(t *testing.T) {
			out := c.apply(t, path)
			p := compile(t, readSources(t, path), exampleConfig(t, path))
			c.canI(t, p)
			c.auditClean(t, path)
			c.kubectl(t, "", "delete", "-k", out)
		})
	}
	t.Run("tamper", func(t *testing.T) { c.tamper(t, filepath.Join(examplesDir, "shop")) })
	t.Run("read-only", func(t *testing.T) {
		verbs := c.auditVerbs(t, "auditor")
		if _, ok := verbs["list"]; !ok {
			t.Fatalf("the audit log has no list request of netc audit's user: %v", verbs)
		}
		// The guard is real: the auditor's own writes are refused.
		cmd := exec.Command(c.kubectlBin, "--kubeconfig", c.auditor, "create", "namespace", "netc-audit-write")
		if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "Forbidden") {
			t.Errorf("the auditor could write, or failed otherwise: %v\n%s", err, out)
		}
		for v, uri := range verbs {
			if v != "get" && v != "list" && v != "watch" {
				t.Errorf("netc audit sent a %s request (%s); it must only read", v, uri)
			}
		}
		t.Logf("netc audit's requests, by verb: %v", slices.Sorted(func(yield func(string) bool) {
			for v := range verbs {
				if !yield(v) {
					return
				}
			}
		}))
	})
}

// apply builds the program at path with netc, creates its namespaces, applies
// out/kubernetes server-side and checks that a second apply changes nothing: no
// resourceVersion moves and kubectl diff finds no difference. It returns the
// kustomization directory.
func (c *liveCluster) apply(t *testing.T, path string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	if _, stderr, code := c.netc(t, "build", path, "-o", out); code != 0 {
		t.Fatalf("netc build %s: exit %d\n%s", path, code, stderr)
	}
	kdir := filepath.Join(out, "kubernetes")
	dirs, err := os.ReadDir(kdir)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if d.IsDir() && !strings.HasPrefix(d.Name(), "_") {
			if _, err := c.try("", "create", "namespace", d.Name()); err != nil && !strings.Contains(err.Error(), "AlreadyExists") {
				t.Fatal(err)
			}
		}
	}
	applied := c.kubectl(t, "", "apply", "--server-side", "-k", kdir)
	before := c.managed(t)
	if len(before) == 0 {
		t.Fatalf("no object labelled managed-by netc after apply:\n%s", applied)
	}
	c.kubectl(t, "", "apply", "--server-side", "-k", kdir)
	if after := c.managed(t); !slices.Equal(before, after) {
		t.Errorf("re-applying changed objects:\nbefore %v\nafter  %v", before, after)
	}
	if diff, err := c.try("", "diff", "--server-side", "-k", kdir); err != nil || diff != "" {
		t.Errorf("kubectl diff after apply: %v\n%s", err, diff)
	}
	t.Logf("applied %d objects, re-apply a no-op", len(before))
	return kdir
}

// managed lists netc's objects with their resourceVersions.
func (c *liveCluster) managed(t *testing.T) []string {
	t.Helper()
	out := c.kubectl(t, "", "get", "-A", "-l", "app.kubernetes.io/managed-by=netc", "-o",
		`jsonpath={range .items[*]}{.kind} {.metadata.namespace}/{.metadata.name} {.metadata.resourceVersion}{"\n"}{end}`,
		"networkpolicies,serviceaccounts,roles,rolebindings,clusterroles,clusterrolebindings")
	lines := strings.Fields(strings.ReplaceAll(out, " ", "|"))
	slices.Sort(lines)
	return lines
}

// canI asks the API server the grants' questions through impersonation: for each
// grant, some of the requests it allows must be answered yes, and requests the
// program's evaluator denies (another namespace, a verb not granted) no.
func (c *liveCluster) canI(t *testing.T, p *ir.Program) {
	t.Helper()
	eval := k8sapi.NewEvaluator(p.Grants)
	yes, no := 0, 0
	for _, g := range p.Grants {
		var allowed []k8sapi.Request
		for req := range k8sapi.Requests(g, g.Subject) {
			allowed = append(allowed, req)
		}
		// Spread the questions over the grant's rules and verbs, four at most.
		step := max(1, len(allowed)/4)
		for i := 0; i < len(allowed); i += step {
			c.ask(t, allowed[i], true)
			yes++
		}
		first := allowed[0]
		var denied []k8sapi.Request
		if !g.Cluster {
			elsewhere := first
			elsewhere.Namespace = "netc-elsewhere"
			denied = append(denied, elsewhere)
		}
		for _, v := range []string{"deletecollection", "escalate", "impersonate", "delete"} {
			other := first
			other.Verb = v
			denied = append(denied, other)
		}
		for _, req := range denied {
			if eval.Decide(req).Allowed {
				continue
			}
			c.ask(t, req, false)
			no++
		}
	}
	t.Logf("kubectl auth can-i: %d allowed and %d denied questions answered as the grants say", yes, no)
}

func (c *liveCluster) ask(t *testing.T, req k8sapi.Request, want bool) {
	t.Helper()
	res := req.Resource.Name
	if req.Resource.Group != "" {
		res += "." + req.Resource.Group
	}
	if req.Name != "" && req.Verb != "create" {
		res += "/" + req.Name
	}
	args := []string{"auth", "can-i", req.Verb, res}
	if req.Resource.Subresource != "" {
		args = append(args, "--subresource", req.Resource.Subresource)
	}
	switch {
	case req.Resource.Builtin && !req.Resource.Namespaced:
	case req.Namespace == "":
		args = append(args, "--all-namespaces")
	default:
		args = append(args, "-n", req.Namespace)
	}
	s := req.Subject
	switch s.Kind {
	case ir.User:
		args = append(args, "--as", s.Name)
	case ir.Group:
		args = append(args, "--as", "netc-probe", "--as-group", s.Name)
	case ir.ServiceAccount:
		args = append(args, "--as", "system:serviceaccount:"+s.Namespace+":"+s.Name)
	}
	out, err := c.try("", args...)
	got := err == nil && strings.TrimSpace(out) == "yes"
	if !got && err == nil {
		t.Errorf("kubectl %s: %q", strings.Join(args, " "), out)
	}
	if got != want {
		t.Errorf("%s: kubectl %s answers %v, the grants say %v", s.Key(), strings.Join(args, " "), got, want)
	}
}

// audit runs netc audit --cluster as the auditor, checking that no object of the
// kinds it reads changed meanwhile, and returns its stdout and exit status.
func (c *liveCluster) audit(t *testing.T, path string) (string, int) {
	t.Helper()
	before := c.resourceVersions(t)
	stdout, stderr, code := c.netc(t, "audit", path, "--cluster", "--kubeconfig", c.auditor)
	if after := c.resourceVersions(t); !slices.Equal(before, after) {
		t.Errorf("objects changed during netc audit:\nbefore %v\nafter  %v", before, after)
	}
	if code == 2 || strings.Contains(stderr, "error") {
		t.Errorf("netc audit %s --cluster: exit %d\nstderr: %s", path, code, stderr)
	}
	return stdout, code
}

func (c *liveCluster) auditClean(t *testing.T, path string) {
	t.Helper()
	out, code := c.audit(t, path)
	if code != 0 || !strings.HasPrefix(out, "netc audit: no findings: ") || strings.Count(out, "\n") != 1 {
		t.Errorf("netc audit of the untouched cluster: exit %d, want 0 and no findings:\n%s", code, out)
	}
	t.Logf("untouched: %s", strings.TrimSpace(out))
}

// tamper changes the cluster of the shop example one way at a time and demands that
// netc audit report each change, then that it is clean again once undone.
func (c *liveCluster) tamper(t *testing.T, path string) {
	kdir := c.apply(t, path)
	c.auditClean(t, path)
	cases := []struct {
		name      string
		do, undo  []string
		stdin     string
		wantLines []string
	}{
		{
			name: "edited netc policy",
			do: []string{"patch", "networkpolicy", "frontend", "-n", "shop", "--type=json",
				"-p", `[{"op":"replace","path":"/spec/ingress/0/ports/0/port","value":9443}]`},
			undo: []string{"apply", "--server-side", "--force-conflicts", "-k", kdir},
			wantLines: []string{
				"NetworkPolicy shop/frontend: altered",
				"    spec.ingress[0].ports[0].port: 8443 in the intents, 9443 live",
				"      0.0.0.0-255.255.255.255 => shop/frontend[service] : TCP 9443",
			},
		},
		{
			name:  "allow-all policy",
			do:    []string{"apply", "-f", "-"},
			stdin: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-all, namespace: shop}\nspec:\n  podSelector: {}\n  ingress: [{}]\n  egress: [{}]\n  policyTypes: [Ingress, Egress]\n",
			undo:  []string{"delete", "networkpolicy", "allow-all", "-n", "shop"},
			wantLines: []string{
				"NetworkPolicy shop/allow-all: not netc's; opens paths beyond the intents",
				"    shop/frontend[service] => shop/orders[database] : All Connections",
			},
		},
		{
			name:  "hand-made RoleBinding",
			do:    []string{"apply", "-f", "-"},
			stdin: "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: developers-netpol, namespace: shop}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: netc.group.security-engineers}\nsubjects: [{kind: Group, name: developers, apiGroup: rbac.authorization.k8s.io}]\n",
			undo:  []string{"delete", "rolebinding", "developers-netpol", "-n", "shop"},
			wantLines: []string{
				"RoleBinding shop/developers-netpol: not netc's; grants beyond the intents",
				"    group developers: create, delete, get, list, patch, update, watch networkpolicies in shop",
			},
		},
		{
			name: "netc Role widened",
			do: []string{"patch", "role", "netc.group.security-engineers", "-n", "shop", "--type=json",
				"-p", `[{"op":"add","path":"/rules/0/verbs/-","value":"deletecollection"}]`},
			undo: []string{"apply", "--server-side", "--force-conflicts", "-k", kdir},
			wantLines: []string{
				"Role shop/netc.group.security-engineers: altered",
				`    rules[0].verbs[]: absent in the intents, "deletecollection" live`,
			},
		},
		{
			name: "hand-made ClusterRoleBinding",
			do:   []string{"create", "clusterrolebinding", "developers-admin", "--clusterrole=cluster-admin", "--group=developers"},
			undo: []string{"delete", "clusterrolebinding", "developers-admin"},
			wantLines: []string{
				"ClusterRoleBinding developers-admin: not netc's; grants beyond the intents",
				"    group developers: every verb on every resource in every namespace",
			},
		},
		{
			name: "deleted default deny",
			do:   []string{"delete", "networkpolicy", "netc.default-deny", "-n", "shop"},
			undo: []string{"apply", "--server-side", "--force-conflicts", "-k", kdir},
			wantLines: []string{
				"NetworkPolicy shop/netc.default-deny: missing",
				"Namespace shop: locked down by the intents, but no live NetworkPolicy selects every pod for ingress",
			},
		},
	}
	for _, tc := range cases {
		t.Run(strings.ReplaceAll(tc.name, " ", "-"), func(t *testing.T) {
			c.kubectl(t, tc.stdin, tc.do...)
			out, code := c.audit(t, path)
			t.Logf("netc audit after %s (exit %d):\n%s", tc.name, code, out)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			lines := strings.Split(out, "\n")
			for _, w := range tc.wantLines {
				if !slices.Contains(lines, w) {
					t.Errorf("the report lacks the line %q", w)
				}
			}
			c.kubectl(t, "", tc.undo...)
			if t.Failed() {
				return
			}
			c.auditClean(t, path)
		})
	}
	c.kubectl(t, "", "delete", "-k", kdir)
}
