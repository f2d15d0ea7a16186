package k8sapi

import (
	"strings"
	"testing"

	"github.com/netc-dev/netc/compiler/ir"
)

func TestEffective(t *testing.T) {
	web := ir.Subject{Kind: ir.ServiceAccount, Namespace: "shop", Name: "web"}
	runner := ir.Subject{Kind: ir.ServiceAccount, Namespace: "ops", Name: "runner"}
	minter := ir.Subject{Kind: ir.Group, Name: "minters"}
	p := &ir.Program{
		Services: []*ir.Service{{Namespace: "shop", Name: "backend", Account: "backend"}, {Namespace: "shop", Name: "web", Account: "web"}},
		Grants: []*ir.Grant{
			grant(t, 1, deployer, []string{"deploy"}, nil, nil, "shop"),
			grant(t, 2, backend, []string{"edit"}, []string{"networkpolicies"}, nil, "shop"),
			grant(t, 3, minter, []string{"create"}, []string{"serviceaccounts/token"}, []string{"web"}, "shop"),
			grant(t, 4, web, []string{"get"}, []string{"leases.coordination.k8s.io"}, nil, "shop"),
			grant(t, 5, runner, []string{"create"}, []string{"jobs"}, nil, "ci"),
			grant(t, 6, ir.Subject{Kind: ir.Group, Name: "system:serviceaccounts:ci"}, []string{"list"}, []string{"leases.coordination.k8s.io"}, nil, "prod"),
		},
	}
	e := NewEffective(p)
	tests := []struct {
		subj      ir.Subject
		verb, res string
		ns, name  string
		allowed   bool
		path      string // the accounts on the path, space-separated; "mount" for a mount
	}{
		{deployer, "patch", "deployments", "shop", "web", true, ""},
		{deployer, "delete", "networkpolicies", "shop", "x", true, "serviceaccount shop/backend"},
		{deployer, "delete", "networkpolicies", "prod", "x", false, ""},
		{deployer, "get", "secrets", "shop", "db-password", true, "mount"},
		{deployer, "list", "secrets", "shop", "", false, ""},
		{deployer, "get", "secrets", "prod", "db-password", false, ""},
		// named token: web, not backend
		{minter, "get", "leases.coordination.k8s.io", "shop", "l", true, "serviceaccount shop/web"},
		{minter, "create", "networkpolicies", "shop", "", false, ""},
		// transitive: runner creates jobs in ci, so it acts as ci/deployer (a subject
		// there), which runs pods in shop as backend.
		{runner, "patch", "networkpolicies", "shop", "x", true, "serviceaccount ci/deployer serviceaccount shop/backend"},
		// ci's default account holds the group's grant; the runner reaches it too.
		{runner, "list", "leases.coordination.k8s.io", "prod", "", true, ""},
		{backend, "create", "pods", "shop", "", false, ""},
	}
	for _, tt := range tests {
		res, err := Lookup(tt.res)
		if err != nil {
			t.Fatal(err)
		}
		d := e.Decide(Request{Subject: tt.subj, Verb: tt.verb, Resource: res, Namespace: tt.ns, Name: tt.name})
		label := tt.subj.Key() + " " + tt.verb + " " + tt.res + " in " + tt.ns
		if d.Allowed != tt.allowed {
			t.Errorf("%s: allowed = %v, want %v (%s)", label, d.Allowed, tt.allowed, d.Reason)
			continue
		}
		var path []string
		for _, s := range d.Path {
			path = append(path, s.Account.Key())
		}
		if d.Mount != nil {
			path = append(path, "mount")
		}
		if got := strings.Join(path, " "); tt.path != "" && got != tt.path {
			t.Errorf("%s: path %q, want %q (%s)", label, got, tt.path, strings.Join(d.Explain(), ", "))
		}
	}
	if got := len(Accounts(p)); got != 5 { // shop/backend, shop/web, ci/deployer, ops/runner, ci/default
		t.Errorf("%d accounts, want 5: %v", got, Accounts(p))
	}
}

func TestRunAsPaths(t *testing.T) {
	for _, tt := range []struct {
		verbs, resources, names []string
		want                    string
	}{
		{[]string{"deploy"}, nil, nil, "create pods"},
		{[]string{"patch"}, []string{"deployments"}, []string{"web"}, "patch deployments"},
		{[]string{"get"}, []string{"pods/exec", "pods/attach"}, nil, "exec into pods; attach to pods"},
		{[]string{"create"}, []string{"serviceaccounts/token"}, []string{"web"}, "create serviceaccounts/token [web]"},
		{[]string{"impersonate"}, []string{"serviceaccounts"}, nil, "impersonate serviceaccounts"},
		{[]string{"view"}, []string{"pods", "deployments", "pods/log"}, nil, ""},
		{[]string{"edit"}, []string{"configmaps", "services", "serviceaccounts"}, nil, ""},
	} {
		g := grant(t, 1, developers, tt.verbs, tt.resources, tt.names, "shop")
		var got []string
		for _, ra := range RunAsPaths(g) {
			s := ra.How
			if len(ra.Names) > 0 {
				s += " [" + strings.Join(ra.Names, ",") + "]"
			}
			got = append(got, s)
		}
		if strings.Join(got, "; ") != tt.want {
			t.Errorf("%v %v %v: %q, want %q", tt.verbs, tt.resources, tt.names, strings.Join(got, "; "), tt.want)
		}
	}
}
