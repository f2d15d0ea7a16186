package kubestate

import (
	"slices"
	"strings"
	"testing"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/engine"
)

func state(t *testing.T, yaml string) *State {
	t.Helper()
	var diags diag.List
	s := ReadManifests([]engine.Source{{Name: "live.yaml", Data: []byte(yaml)}}, &diags)
	if diags.HasErrors() {
		t.Fatalf("%v", diags)
	}
	return s
}

func one(t *testing.T, yaml string) *Object {
	t.Helper()
	s := state(t, yaml)
	if len(s.Objects) != 1 {
		t.Fatalf("want one object, got %d", len(s.Objects))
	}
	return s.Objects[0]
}

const npHead = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop, labels: {app.kubernetes.io/managed-by: netc}}\n"

// TestDiffObjects pins the semantic comparison: what the API server defaults, order
// and empty lists are no difference; every real change is, at its path.
func TestDiffObjects(t *testing.T) {
	cases := []struct {
		name, want, live string
		diffs            []string // "PATH: WANT | LIVE"
	}{
		{"defaults", npHead + "spec: {podSelector: {}, ingress: [{ports: [{port: 80, protocol: TCP}]}], policyTypes: [Ingress]}",
			npHead + "spec: {podSelector: {}, ingress: [{ports: [{port: 80}]}]}", nil},
		{"order", npHead + "spec: {podSelector: {}, ingress: [{ports: [{port: 80}, {port: 81}]}, {from: [{podSelector: {}}]}], policyTypes: [Ingress, Egress]}",
			npHead + "spec: {podSelector: {}, ingress: [{from: [{podSelector: {}}]}, {ports: [{port: 81}, {port: 80}]}], policyTypes: [Egress, Ingress]}", nil},
		{"empty list is absent", npHead + "spec: {podSelector: {}, ingress: [{from: [], ports: [{port: 80}]}], policyTypes: [Ingress]}",
			npHead + "spec: {podSelector: {}, ingress: [{ports: [{port: 80}]}], policyTypes: [Ingress]}", nil},
		{"empty selector is not absent", npHead + "spec: {podSelector: {}, ingress: [{from: [{podSelector: {}}]}], policyTypes: [Ingress]}",
			npHead + "spec: {podSelector: {}, ingress: [{from: [{podSelector: {}, namespaceSelector: {}}]}], policyTypes: [Ingress]}",
			[]string{`spec.ingress[0].from[0].namespaceSelector:  | {}`}},
		{"port", npHead + "spec: {podSelector: {}, ingress: [{ports: [{port: 80}]}]}",
			npHead + "spec: {podSelector: {}, ingress: [{ports: [{port: 8080}]}]}",
			[]string{`spec.ingress[0].ports[0].port: 80 | 8080`}},
		{"egress defaulted in", npHead + "spec: {podSelector: {}, egress: [{}], policyTypes: [Ingress, Egress]}",
			npHead + "spec: {podSelector: {}, egress: [{}]}", nil},
		{"egress not defaulted in", npHead + "spec: {podSelector: {}, policyTypes: [Ingress, Egress]}",
			npHead + "spec: {podSelector: {}}",
			[]string{`spec.policyTypes[]: "Egress" | `}},
		{"label removed", npHead + "spec: {podSelector: {}}",
			"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop, labels: {team: x}}\nspec: {podSelector: {}}",
			[]string{`metadata.labels["app.kubernetes.io/managed-by"]: "netc" | `}},
		{"automount unset is true", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: shop}\nautomountServiceAccountToken: true",
			"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: shop}", nil},
		{"automount turned on", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: shop}\nautomountServiceAccountToken: false",
			"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: shop}",
			[]string{`automountServiceAccountToken: false | true`}},
		{"subject apiGroup defaulted", "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: shop}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects: [{kind: Group, name: g, apiGroup: rbac.authorization.k8s.io}]",
			"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: shop}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects: [{kind: Group, name: g}]", nil},
		{"verb added", "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: shop}\nrules: [{apiGroups: [''], resources: [pods], verbs: [get, list]}]",
			"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: shop}\nrules: [{apiGroups: [''], resources: [pods], verbs: [list, get, delete]}]",
			[]string{`rules[0].verbs[]:  | "delete"`}},
		{"resource swapped", "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: shop}\nrules: [{apiGroups: [''], resources: [pods], verbs: [get]}]",
			"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: shop}\nrules: [{apiGroups: [''], resources: [secrets], verbs: [get]}]",
			[]string{`rules[0].resources[]: "pods" | `, `rules[0].resources[]:  | "secrets"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, d := range diffObjects(one(t, tc.want), one(t, tc.live)) {
				got = append(got, d.Path+": "+d.Want+" | "+d.Live)
			}
			if !slices.Equal(got, tc.diffs) {
				t.Errorf("differences:\n got %q\nwant %q", got, tc.diffs)
			}
		})
	}
}

// TestAggregatedPermissions: a binding to an aggregated ClusterRole grants the rules
// of the roles it selects, and of the roles those aggregate, as the controller fills
// them in; what the intents grant is not reported.
func TestAggregatedPermissions(t *testing.T) {
	live := state(t, `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: top}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {agg: top}}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: middle, labels: {agg: top}}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {agg: middle}}]}
rules: [{apiGroups: [''], resources: [configmaps], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: leaf, labels: {agg: middle}}
rules: [{apiGroups: [''], resources: [secrets], verbs: [get, list]}, {nonResourceURLs: [/healthz], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: hand-made, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: top}
subjects: [{kind: Group, name: developers}]
`)
	p := &ir.Program{Namespaces: []string{"shop"}, Grants: []*ir.Grant{{
		Subject:    ir.Subject{Kind: ir.Group, Name: "developers"},
		Rules:      []ir.Rule{{APIGroup: "", Resources: []string{"configmaps"}, Verbs: []string{"get"}}},
		Namespaces: []string{"shop"},
	}}}
	a := newAuditor(p, state(t, ""), live)
	b := live.Get(Key{Kind: KindRoleBinding, Namespace: "shop", Name: "hand-made"})
	if !a.inScope(b) {
		t.Fatal("a binding in the program's namespace is out of scope")
	}
	var got []string
	for _, perm := range a.permissions(b) {
		got = append(got, perm.Subject+": "+perm.Grants)
	}
	want := []string{"group developers: get, list secrets in shop"}
	if !slices.Equal(got, want) {
		t.Errorf("permissions:\n got %q\nwant %q", got, want)
	}
}

// TestBootstrapOutOfScope: the API server's own bindings, and bindings elsewhere to
// subjects the program does not name, are not the audit's business.
func TestBootstrapOutOfScope(t *testing.T) {
	live := state(t, `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: cluster-admin, labels: {kubernetes.io/bootstrapping: rbac-defaults}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: Group, name: developers}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: theirs, namespace: elsewhere}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: Group, name: others}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ours}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: ServiceAccount, name: api, namespace: shop}]
`)
	p := &ir.Program{Namespaces: []string{"shop"}, Services: []*ir.Service{{Namespace: "shop", Name: "api", Account: "api"}}}
	a := newAuditor(p, state(t, ""), live)
	var in []string
	for _, o := range live.Objects {
		if a.inScope(o) {
			in = append(in, o.Key.String())
		}
	}
	if want := []string{"ClusterRoleBinding ours"}; !slices.Equal(in, want) {
		t.Errorf("in scope: %q, want %q", in, want)
	}
}

// TestListItems: a List's items are objects of their own, with the List's kind
// implied; a later object of the same key replaces an earlier one.
func TestListItems(t *testing.T) {
	s := state(t, `apiVersion: v1
kind: ServiceAccountList
items:
- metadata: {name: a, namespace: shop}
- metadata: {name: b, namespace: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: a, namespace: shop}
automountServiceAccountToken: false
`)
	var keys []string
	for _, o := range s.Objects {
		keys = append(keys, o.Key.String())
	}
	if strings.Join(keys, ",") != "ServiceAccount shop/a,ServiceAccount shop/b" {
		t.Fatalf("objects %q", keys)
	}
	if o := s.Get(Key{Kind: KindServiceAccount, Namespace: "shop", Name: "a"}); o.Raw.Span.Start.Line != 7 {
		t.Errorf("the later ServiceAccount shop/a should win, got the one at %s", o.Raw.Span)
	}
}
