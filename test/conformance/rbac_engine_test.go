package conformance

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/kubernetes/pkg/controller/clusterroleaggregation"
	"sigs.k8s.io/yaml"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/compiler/k8sapi"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/engine"
)

// rbacManifests is one set of RBAC manifests the engine and the upstream authorizer
// both read.
type rbacManifests struct {
	name  string
	files []engine.Source
}

// decodeRBAC decodes the RBAC objects of manifests strictly into their k8s.io/api
// types, the way kubectl would send them; other kinds are left out.
func decodeRBAC(t *testing.T, srcs []engine.Source) rbacObjects {
	t.Helper()
	var o rbacObjects
	for _, s := range srcs {
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(s.Data)))
		for {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", s.Name, err)
			}
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal(doc, &tm); err != nil {
				t.Fatalf("%s: %v", s.Name, err)
			}
			var obj any
			switch tm.Kind {
			case "Role":
				v := &rbacv1.Role{}
				o.roles, obj = append(o.roles, v), v
			case "ClusterRole":
				v := &rbacv1.ClusterRole{}
				o.clusterRoles, obj = append(o.clusterRoles, v), v
			case "RoleBinding":
				v := &rbacv1.RoleBinding{}
				o.roleBindings, obj = append(o.roleBindings, v), v
			case "ClusterRoleBinding":
				v := &rbacv1.ClusterRoleBinding{}
				o.clusterRoleBindings, obj = append(o.clusterRoleBindings, v), v
			default:
				continue
			}
			if err := yaml.UnmarshalStrict(doc, obj); err != nil {
				t.Fatalf("%s: %v", s.Name, err)
			}
		}
	}
	return o
}

// aggregateUpstream runs Kubernetes' cluster role aggregation controller over the
// ClusterRoles, against a fake API server, until the aggregated roles hold still: the
// rules it writes are what the authorizer then reads.
func aggregateUpstream(t *testing.T, roles []*rbacv1.ClusterRole) []*rbacv1.ClusterRole {
	t.Helper()
	var objs []runtime.Object
	aggregated := false
	for _, r := range roles {
		objs = append(objs, r.DeepCopy())
		aggregated = aggregated || r.AggregationRule != nil
	}
	if !aggregated {
		return roles
	}
	client := fake.NewClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	ctrl := clusterroleaggregation.NewClusterRoleAggregation(factory.Rbac().V1().ClusterRoles(), client.RbacV1())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory.Start(ctx.Done())
	go ctrl.Run(ctx, 1)
	// Done when every aggregated role is what one more sync would leave it: the union
	// of the rules of the other roles its selectors match.
	settled := func(list []rbacv1.ClusterRole) bool {
		for _, r := range list {
			if r.AggregationRule == nil {
				continue
			}
			var want []rbacv1.PolicyRule
			for _, ls := range r.AggregationRule.ClusterRoleSelectors {
				sel, err := metav1.LabelSelectorAsSelector(&ls)
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range list {
					if o.Name != r.Name && sel.Matches(labels.Set(o.Labels)) {
						for _, pr := range o.Rules {
							if !slices.ContainsFunc(want, func(x rbacv1.PolicyRule) bool { return reflect.DeepEqual(x, pr) }) {
								want = append(want, pr)
							}
						}
					}
				}
			}
			if len(want) != len(r.Rules) {
				return false
			}
			for _, pr := range want {
				if !slices.ContainsFunc(r.Rules, func(x rbacv1.PolicyRule) bool { return reflect.DeepEqual(x, pr) }) {
					return false
				}
			}
		}
		return true
	}
	deadline := time.Now().Add(time.Minute)
	for {
		list, err := client.RbacV1().ClusterRoles().List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if settled(list.Items) {
			var out []*rbacv1.ClusterRole
			for i := range list.Items {
				out = append(out, &list.Items[i])
			}
			return out
		}
		if time.Now().After(deadline) {
			t.Fatal("the aggregation controller did not settle in a minute")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// rbacCases are netc's golden outputs with RBAC objects and the hand-written
// manifests of testdata/rbac (aggregation, wildcards, resourceNames).
func rbacCases(t *testing.T) []rbacManifests {
	var cases []rbacManifests
	err := filepath.WalkDir("../../testdata", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".txtar") {
			return err
		}
		ar, err := txtar.ParseFile(p)
		if err != nil {
			return err
		}
		c := rbacManifests{name: strings.TrimPrefix(p, "../../testdata/")}
		rbac := false
		for _, f := range ar.Files {
			if strings.HasPrefix(f.Name, "out/kubernetes/") && strings.HasSuffix(f.Name, ".yaml") {
				c.files = append(c.files, engine.Source{Name: f.Name, Data: f.Data})
				rbac = rbac || bytes.Contains(f.Data, []byte("kind: RoleBinding")) || bytes.Contains(f.Data, []byte("kind: ClusterRoleBinding"))
			}
		}
		if rbac {
			cases = append(cases, c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	hand, err := filepath.Glob("testdata/rbac/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range hand {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, rbacManifests{name: p, files: []engine.Source{{Name: p, Data: data}}})
	}
	return cases
}

// TestEngineRBACAgrees reads RBAC manifests into the engine (netc explain and netc
// diff --manifests) and into the upstream RBAC authorizer, with ClusterRoles
// aggregated by the upstream aggregation controller, and asks both every request of
// a space drawn from the manifests: subjects of the bindings and strangers, every
// verb, the resources of the rules and common ones, the bindings' namespaces and
// another, the rules' resource names and others. The answers must be equal, and an
// allowed answer must name the binding, role and rule that allow.
func TestEngineRBACAgrees(t *testing.T) {
	cases := rbacCases(t)
	if len(cases) < 10 {
		t.Fatalf("only %d RBAC cases", len(cases))
	}
	total, allowedN := 0, 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := engine.NewCluster()
			var diags diag.List
			for _, f := range c.files {
				cl.Read(f, &diags)
			}
			if diags.HasErrors() {
				t.Fatalf("engine: %v", diags.Err())
			}
			objs := decodeRBAC(t, c.files)
			objs.clusterRoles = aggregateUpstream(t, objs.clusterRoles)
			a := objs.authorizer()
			space, subjects := rbacSpace(t, objs)
			for _, s := range subjects {
				space.each(t, s.who, s.subj, func(q question, req k8sapi.Request) {
					want := allowed(t, a, q.attributes())
					got := cl.Authorize(req)
					total++
					if got.Allowed != want {
						t.Errorf("%s: upstream allowed=%v, the engine %v (%s)", q, want, got.Allowed, got.Reason)
						return
					}
					if want {
						allowedN++
						if got.Origin == nil || got.Origin.Binding == nil || got.Origin.Role == nil {
							t.Errorf("%s: allowed without a binding, role and rule", q)
						}
					}
				})
			}
		})
	}
	t.Logf("%d RBAC cases, %d requests (%d allowed), the engine and the upstream authorizer agree on all", len(cases), total, allowedN)
	if total < 100000 {
		t.Errorf("only %d requests", total)
	}
}

// rbacSpace draws the request space and the requesters from the objects.
func rbacSpace(t *testing.T, o rbacObjects) (requestSpace, []struct {
	subj ir.Subject
	who  who
}) {
	verbs := append(slices.Clone(k8sapi.Verbs), "proxy")
	resources := []string{"pods", "pods/log", "pods/exec", "configmaps", "secrets", "nodes", "namespaces",
		"deployments.apps", "deployments.apps/scale", "replicationcontrollers/scale", "networkpolicies.networking.k8s.io",
		"roles.rbac.authorization.k8s.io", "certificates.cert-manager.io"}
	namespaces := []string{"", "elsewhere"}
	names := []string{"", "other"}
	type subject = struct {
		subj ir.Subject
		who  who
	}
	subjects := []subject{{ir.Subject{Kind: ir.User, Name: "mallory"}, nobody}}
	seen := map[string]bool{}
	addSubject := func(s rbacv1.Subject, bindingNS string) {
		var sub subject
		switch s.Kind {
		case rbacv1.UserKind:
			if strings.HasPrefix(s.Name, "system:serviceaccount:") {
				return // a user name that is an account's: asked as the account
			}
			sub = subject{ir.Subject{Kind: ir.User, Name: s.Name}, who{s.Name, []string{"system:authenticated"}}}
		case rbacv1.GroupKind:
			if ns, ok := strings.CutPrefix(s.Name, "system:serviceaccounts:"); ok {
				sub = subject{ir.Subject{Kind: ir.ServiceAccount, Namespace: ns, Name: "someone"}, serviceAccount(ns, "someone")}
				break
			}
			sub = subject{ir.Subject{Kind: ir.Group, Name: s.Name}, who{"member-of-" + s.Name, []string{s.Name, "system:authenticated"}}}
		case rbacv1.ServiceAccountKind:
			ns := s.Namespace
			if ns == "" {
				ns = bindingNS
			}
			sub = subject{ir.Subject{Kind: ir.ServiceAccount, Namespace: ns, Name: s.Name}, serviceAccount(ns, s.Name)}
			// The same name in another namespace must not pass.
			other := subject{ir.Subject{Kind: ir.ServiceAccount, Namespace: "elsewhere", Name: s.Name}, serviceAccount("elsewhere", s.Name)}
			if k := other.subj.Key(); !seen[k] {
				seen[k] = true
				subjects = append(subjects, other)
			}
		default:
			return
		}
		if k := sub.subj.Key(); !seen[k] {
			seen[k] = true
			subjects = append(subjects, sub)
		}
	}
	addNS := func(ns string) {
		if ns != "" && !slices.Contains(namespaces, ns) {
			namespaces = append(namespaces, ns)
		}
	}
	addRules := func(rules []rbacv1.PolicyRule) {
		for _, r := range rules {
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					base, sub, _ := strings.Cut(res, "/")
					if base == "*" || sub == "*" || g == "*" {
						continue // asked through the fixed resources
					}
					name := base
					if g != "" {
						name += "." + g
					}
					if sub != "" {
						name += "/" + sub
					}
					if _, err := k8sapi.Lookup(name); err == nil && !slices.Contains(resources, name) {
						resources = append(resources, name)
					}
				}
			}
			for _, n := range r.ResourceNames {
				if !slices.Contains(names, n) {
					names = append(names, n)
				}
			}
		}
	}
	for _, r := range o.roles {
		addNS(r.Namespace)
		addRules(r.Rules)
	}
	for _, r := range o.clusterRoles {
		addRules(r.Rules)
	}
	for _, b := range o.roleBindings {
		addNS(b.Namespace)
		for _, s := range b.Subjects {
			addSubject(s, b.Namespace)
		}
	}
	for _, b := range o.clusterRoleBindings {
		for _, s := range b.Subjects {
			addSubject(s, "")
		}
	}
	return requestSpace{verbs, resources, namespaces, names}, subjects
}
