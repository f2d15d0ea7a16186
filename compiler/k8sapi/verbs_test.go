package k8sapi

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/netc-dev/netc/compiler/ir"
)

func mustLookup(t *testing.T, names ...string) []Resource {
	t.Helper()
	var out []Resource
	for _, n := range names {
		r, err := Lookup(n)
		if err != nil {
			t.Fatalf("Lookup(%q): %v", n, err)
		}
		out = append(out, r)
	}
	return out
}

func TestRules(t *testing.T) {
	edit := []string{"create", "delete", "get", "list", "patch", "update", "watch"}
	tests := []struct {
		name      string
		verbs     []string
		resources []string
		names     []string
		want      []ir.Rule
	}{
		{
			name:      "view",
			verbs:     []string{"view"},
			resources: []string{"pods", "pods/log"},
			want:      []ir.Rule{{APIGroup: "", Resources: []string{"pods", "pods/log"}, Verbs: []string{"get", "list", "watch"}}},
		},
		{
			name:      "edit networkpolicies",
			verbs:     []string{"edit"},
			resources: []string{"networkpolicies"},
			want:      []ir.Rule{{APIGroup: "networking.k8s.io", Resources: []string{"networkpolicies"}, Verbs: edit}},
		},
		{
			name:  "deploy without resources is the workload set",
			verbs: []string{"deploy"},
			want: []ir.Rule{
				{APIGroup: "", Resources: []string{"configmaps", "pods", "services"}, Verbs: edit},
				{APIGroup: "", Resources: []string{"pods/log"}, Verbs: []string{"get"}},
				{APIGroup: "apps", Resources: []string{"daemonsets", "deployments", "replicasets", "statefulsets"}, Verbs: edit},
				{APIGroup: "batch", Resources: []string{"cronjobs", "jobs"}, Verbs: edit},
			},
		},
		{
			name:      "deploy with resources is edit on them",
			verbs:     []string{"deploy"},
			resources: []string{"deployments"},
			want:      []ir.Rule{{APIGroup: "apps", Resources: []string{"deployments"}, Verbs: edit}},
		},
		{
			name:      "verbs merged, sorted, de-duplicated; groups split",
			verbs:     []string{"list", "get", "get", "view"},
			resources: []string{"configmaps", "deployments", "configmaps", "jobs"},
			want: []ir.Rule{
				{APIGroup: "", Resources: []string{"configmaps"}, Verbs: []string{"get", "list", "watch"}},
				{APIGroup: "apps", Resources: []string{"deployments"}, Verbs: []string{"get", "list", "watch"}},
				{APIGroup: "batch", Resources: []string{"jobs"}, Verbs: []string{"get", "list", "watch"}},
			},
		},
		{
			name:      "named",
			verbs:     []string{"get"},
			resources: []string{"secrets"},
			names:     []string{"stripe-key", "a-key", "stripe-key"},
			want:      []ir.Rule{{APIGroup: "", Resources: []string{"secrets"}, Verbs: []string{"get"}, ResourceNames: []string{"a-key", "stripe-key"}}},
		},
		{
			name:      "create named on a subresource names its existing object",
			verbs:     []string{"create"},
			resources: []string{"serviceaccounts/token", "pods/exec"},
			names:     []string{"web"},
			want:      []ir.Rule{{APIGroup: "", Resources: []string{"pods/exec", "serviceaccounts/token"}, Verbs: []string{"create"}, ResourceNames: []string{"web"}}},
		},
		{
			name:      "edit named leaves create out",
			verbs:     []string{"edit"},
			resources: []string{"configmaps"},
			names:     []string{"settings"},
			want:      []ir.Rule{{APIGroup: "", Resources: []string{"configmaps"}, Verbs: []string{"delete", "get", "list", "patch", "update", "watch"}, ResourceNames: []string{"settings"}}},
		},
		{
			name:      "star verb absorbs the others",
			verbs:     []string{"get", "*"},
			resources: []string{"configmaps"},
			want:      []ir.Rule{{APIGroup: "", Resources: []string{"configmaps"}, Verbs: []string{"*"}}},
		},
		{
			name:      "star resource",
			verbs:     []string{"get"},
			resources: []string{"*"},
			want:      []ir.Rule{{APIGroup: "*", Resources: []string{"*"}, Verbs: []string{"get"}}},
		},
		{
			name:      "custom resource",
			verbs:     []string{"view"},
			resources: []string{"certificates.cert-manager.io"},
			want:      []ir.Rule{{APIGroup: "cert-manager.io", Resources: []string{"certificates"}, Verbs: []string{"get", "list", "watch"}}},
		},
		{
			name:      "escalation verbs pass through",
			verbs:     []string{"bind", "escalate"},
			resources: []string{"clusterroles"},
			want:      []ir.Rule{{APIGroup: "rbac.authorization.k8s.io", Resources: []string{"clusterroles"}, Verbs: []string{"bind", "escalate"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Rules(tt.verbs, mustLookup(t, tt.resources...), tt.names)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Rules(%v, %v, %v) =\n%s\nwant\n%s", tt.verbs, tt.resources, tt.names, dump(got), dump(tt.want))
			}
		})
	}
}

func dump(rules []ir.Rule) string {
	var b strings.Builder
	for _, r := range rules {
		fmt.Fprintf(&b, "  group=%q resources=%v verbs=%v names=%v\n", r.APIGroup, r.Resources, r.Verbs, r.ResourceNames)
	}
	return b.String()
}

func TestRulesErrors(t *testing.T) {
	tests := []struct {
		name      string
		verbs     []string
		resources []string
		names     []string
		want      string
	}{
		{"view needs resources", []string{"view"}, nil, nil, `"view" needs the resources`},
		{"edit needs resources", []string{"edit"}, nil, nil, `"edit" needs the resources`},
		{"get needs resources", []string{"deploy", "get"}, nil, nil, `"get" needs the resources`},
		{"deploy named needs resources", []string{"deploy"}, nil, []string{"web"}, "`named` needs the resources"},
		{"unknown verb", []string{"gte"}, []string{"pods"}, nil, `unknown verb "gte" (did you mean get?)`},
		{"unknown verb far", []string{"frobnicate"}, []string{"pods"}, nil, `unknown verb "frobnicate": verbs are`},
		{"upper-case verb", []string{"GET"}, []string{"pods"}, nil, "did you mean get?"},
		{"create named", []string{"create"}, []string{"configmaps"}, []string{"x"}, "create cannot be limited"},
		{"create named, a resource among subresources", []string{"create"}, []string{"pods/exec", "configmaps"}, []string{"x"}, "create cannot be limited"},
		{"deletecollection named", []string{"deletecollection"}, []string{"configmaps"}, []string{"x"}, "deletecollection cannot be limited"},
		{"no verbs", nil, []string{"pods"}, nil, "at least one verb"},
		{"empty name", []string{"get"}, []string{"pods"}, []string{""}, "non-empty names"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Rules(tt.verbs, mustLookup(t, tt.resources...), tt.names)
			if err == nil {
				t.Fatalf("Rules = %s, want an error containing %q", dump(got), tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestCanonical(t *testing.T) {
	in := []ir.Rule{
		{APIGroup: "apps", Resources: []string{"deployments"}, Verbs: []string{"patch"}},
		{APIGroup: "", Resources: []string{"secrets"}, Verbs: []string{"get"}, ResourceNames: []string{"b", "a"}},
		{APIGroup: "apps", Resources: []string{"deployments", "statefulsets"}, Verbs: []string{"get"}},
		{APIGroup: "", Resources: []string{"secrets"}, Verbs: []string{"get", "update"}, ResourceNames: []string{"a", "b"}},
		{APIGroup: "", Resources: []string{"configmaps"}, Verbs: []string{"get", "list"}, ResourceNames: []string{"x"}},
		{APIGroup: "", Resources: []string{"configmaps"}, Verbs: []string{"get"}},
		{APIGroup: "", Resources: []string{"pods"}, Verbs: []string{"get"}, ResourceNames: []string{"p"}},
		{APIGroup: "", Resources: []string{"pods"}, Verbs: []string{"*"}},
	}
	orig := fmt.Sprint(in)
	want := []ir.Rule{
		{APIGroup: "", Resources: []string{"configmaps"}, Verbs: []string{"get"}},
		// get on x is already given on every configmap; list on x is not.
		{APIGroup: "", Resources: []string{"configmaps"}, Verbs: []string{"list"}, ResourceNames: []string{"x"}},
		{APIGroup: "", Resources: []string{"pods"}, Verbs: []string{"*"}},
		{APIGroup: "", Resources: []string{"secrets"}, Verbs: []string{"get", "update"}, ResourceNames: []string{"a", "b"}},
		{APIGroup: "apps", Resources: []string{"deployments"}, Verbs: []string{"get", "patch"}},
		{APIGroup: "apps", Resources: []string{"statefulsets"}, Verbs: []string{"get"}},
	}
	got := Canonical(in)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Canonical =\n%s\nwant\n%s", dump(got), dump(want))
	}
	if fmt.Sprint(in) != orig {
		t.Errorf("Canonical modified its input")
	}
	// Idempotent, and independent of input order.
	if again := Canonical(got); !reflect.DeepEqual(again, want) {
		t.Errorf("Canonical(Canonical(x)) =\n%s", dump(again))
	}
	rev := make([]ir.Rule, len(in))
	for i := range in {
		rev[len(in)-1-i] = in[i]
	}
	if r := Canonical(rev); !reflect.DeepEqual(r, want) {
		t.Errorf("Canonical(reversed) =\n%s", dump(r))
	}
	if r := Canonical(nil); len(r) != 0 {
		t.Errorf("Canonical(nil) = %v", r)
	}
}

func TestIsVerb(t *testing.T) {
	for _, v := range []string{"get", "deletecollection", "approve", "view", "edit", "deploy", "*"} {
		if !IsVerb(v) {
			t.Errorf("IsVerb(%q) = false", v)
		}
	}
	for _, v := range []string{"", "GET", "read", "write", "all"} {
		if IsVerb(v) {
			t.Errorf("IsVerb(%q) = true", v)
		}
	}
}
