package k8sapi

import (
	"strings"
	"testing"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
)

func grant(t *testing.T, line int, subj ir.Subject, verbs, resources, names []string, where ...string) *ir.Grant {
	t.Helper()
	rules, err := Rules(verbs, mustLookup(t, resources...), names)
	if err != nil {
		t.Fatal(err)
	}
	g := &ir.Grant{Subject: subj, Rules: rules, Span: diag.Span{File: "g.net", Start: diag.Pos{Line: line, Col: 1}}}
	if len(where) == 1 && where[0] == "cluster" {
		g.Cluster = true
	} else {
		g.Namespaces = where
	}
	return g
}

var (
	developers = ir.Subject{Kind: ir.Group, Name: "developers"}
	security   = ir.Subject{Kind: ir.Group, Name: "security-engineers"}
	sre        = ir.Subject{Kind: ir.Group, Name: "sre"}
	alice      = ir.Subject{Kind: ir.User, Name: "alice@example.com"}
	deployer   = ir.Subject{Kind: ir.ServiceAccount, Namespace: "ci", Name: "deployer"}
	backend    = ir.Subject{Kind: ir.ServiceAccount, Namespace: "shop", Name: "backend"}
	otherSA    = ir.Subject{Kind: ir.ServiceAccount, Namespace: "other", Name: "backend"}
)

func TestEvaluator(t *testing.T) {
	grants := []*ir.Grant{
		grant(t, 1, developers, []string{"deploy"}, nil, nil, "staging"),
		grant(t, 2, security, []string{"edit"}, []string{"networkpolicies"}, nil, "payments", "shop"),
		grant(t, 3, alice, []string{"view"}, []string{"pods", "pods/log"}, nil, "shop"),
		grant(t, 4, deployer, []string{"deploy"}, nil, nil, "staging"),
		grant(t, 5, backend, []string{"get", "list"}, []string{"configmaps"}, nil, "shop"),
		grant(t, 6, backend, []string{"get"}, []string{"secrets"}, []string{"stripe-key"}, "shop"),
		grant(t, 7, sre, []string{"view"}, []string{"nodes"}, nil, "cluster"),
		grant(t, 8, sre, []string{"view"}, []string{"pods"}, nil, "cluster"),
		grant(t, 9, developers, []string{"get"}, []string{"nodes"}, nil, "staging"),
		grant(t, 10, ir.Subject{Kind: ir.Group, Name: "system:serviceaccounts:ci"}, []string{"list"}, []string{"leases"}, nil, "ci"),
		grant(t, 11, ir.Subject{Kind: ir.Group, Name: "admins"}, []string{"*"}, []string{"*"}, nil, "cluster"),
		grant(t, 12, ir.Subject{Kind: ir.Group, Name: "scalers"}, []string{"update"}, []string{"deployments/scale"}, nil, "staging"),
	}
	ev := NewEvaluator(grants)
	tests := []struct {
		subj      ir.Subject
		verb      string
		resource  string
		namespace string
		name      string
		allowed   bool
		line      int    // the deciding grant's line; 0 for none
		reason    string // a substring of the reason
	}{
		// deploy: roll out in its namespace, nothing elsewhere, nothing beyond the set.
		{developers, "patch", "deployments.apps", "staging", "web", true, 1, "group developers can patch deployments in staging"},
		{developers, "create", "deployments", "staging", "", true, 1, ""},
		{developers, "get", "pods/log", "staging", "web-1", true, 1, ""},
		{developers, "create", "pods/log", "staging", "", false, 0, "no grant"},
		{developers, "patch", "deployments", "prod", "web", false, 1, "only in namespaces staging, not in prod"},
		{developers, "patch", "deployments", "", "", false, 1, "not across all namespaces"},
		{developers, "patch", "networkpolicies", "staging", "", false, 0, "no grant gives group developers patch on networkpolicies in staging"},
		{developers, "create", "rolebindings", "staging", "", false, 0, "no grant"},
		{developers, "get", "secrets", "staging", "", false, 0, "no grant"},
		{developers, "create", "pods/exec", "staging", "", false, 0, "no grant"},
		{developers, "deletecollection", "pods", "staging", "", false, 0, "no grant"},
		// A namespace grant on a cluster-scoped resource gives nothing.
		{developers, "get", "nodes", "", "n1", false, 9, "cluster-scoped"},
		{developers, "get", "nodes", "staging", "n1", false, 9, "cluster-scoped"},
		// edit networkpolicies gives exactly that.
		{security, "delete", "networkpolicies", "payments", "deny-all", true, 2, ""},
		{security, "get", "networkpolicies", "shop", "", true, 2, ""},
		{security, "deletecollection", "networkpolicies", "shop", "", false, 0, "no grant"},
		{security, "get", "pods", "shop", "", false, 0, "no grant"},
		{security, "patch", "networkpolicies", "staging", "", false, 2, "only in namespaces payments, shop"},
		// Subresources are distinct from their resource.
		{alice, "get", "pods/log", "shop", "", true, 3, ""},
		{alice, "get", "pods/exec", "shop", "", false, 0, ""},
		{alice, "update", "pods", "shop", "", false, 0, ""},
		// Service accounts: exact namespace and name; named limits to the name.
		{backend, "list", "configmaps", "shop", "", true, 5, ""},
		{otherSA, "list", "configmaps", "shop", "", false, 0, ""},
		{backend, "get", "secrets", "shop", "stripe-key", true, 6, ""},
		{backend, "get", "secrets", "shop", "db-password", false, 6, "limited to names stripe-key, not db-password"},
		{backend, "get", "secrets", "shop", "", false, 6, "limited to names stripe-key"},
		{backend, "list", "secrets", "shop", "", false, 0, "no grant"},
		// Cluster grants: cluster resources, and namespaced ones everywhere.
		{sre, "list", "nodes", "", "", true, 7, ""},
		{sre, "watch", "pods", "", "", true, 8, "in every namespace"},
		{sre, "get", "pods", "anything", "p", true, 8, ""},
		{sre, "delete", "nodes", "", "n1", false, 0, ""},
		{sre, "get", "nodes.metrics.k8s.io", "", "", false, 0, ""},
		// Groups a service account is in.
		{deployer, "list", "leases", "ci", "", true, 10, ""},
		{deployer, "list", "leases", "staging", "", false, 10, ""},
		// "*" matches everything, everywhere.
		{ir.Subject{Kind: ir.Group, Name: "admins"}, "escalate", "clusterroles", "", "", true, 11, ""},
		{ir.Subject{Kind: ir.Group, Name: "admins"}, "get", "certificates.cert-manager.io", "x", "", true, 11, ""},
		// deployments/scale is not deployments.
		{ir.Subject{Kind: ir.Group, Name: "scalers"}, "update", "deployments/scale", "staging", "", true, 12, ""},
		{ir.Subject{Kind: ir.Group, Name: "scalers"}, "update", "deployments", "staging", "", false, 0, ""},
		// A subject with no grants at all.
		{ir.Subject{Kind: ir.User, Name: "mallory"}, "get", "pods", "shop", "", false, 0, "no grant gives user mallory get on pods in shop"},
	}
	for _, tt := range tests {
		res, err := Lookup(tt.resource)
		if err != nil {
			t.Fatal(err)
		}
		req := Request{Subject: tt.subj, Verb: tt.verb, Resource: res, Namespace: tt.namespace, Name: tt.name}
		d := ev.Decide(req)
		label := tt.subj.Key() + " " + tt.verb + " " + tt.resource + " ns=" + tt.namespace + " name=" + tt.name
		if d.Allowed != tt.allowed {
			t.Errorf("%s: allowed = %v, want %v (%s)", label, d.Allowed, tt.allowed, d.Reason)
		}
		line := 0
		if d.Grant != nil {
			line = d.Grant.Span.Start.Line
		}
		if tt.line != 0 && line != tt.line {
			t.Errorf("%s: decided by line %d, want %d (%s)", label, line, tt.line, d.Reason)
		}
		if tt.line == 0 && tt.allowed {
			t.Errorf("%s: test case needs the deciding line", label)
		}
		if !strings.Contains(d.Reason, tt.reason) {
			t.Errorf("%s: reason %q, want it to contain %q", label, d.Reason, tt.reason)
		}
	}
}

func TestEvaluatorCreateIgnoresName(t *testing.T) {
	g := &ir.Grant{Subject: developers, Namespaces: []string{"staging"}, Rules: []ir.Rule{
		{APIGroup: "", Resources: []string{"configmaps"}, Verbs: []string{"create"}, ResourceNames: []string{"cfg"}},
	}}
	res, _ := Lookup("configmaps")
	d := Decide([]*ir.Grant{g}, Request{Subject: developers, Verb: "create", Resource: res, Namespace: "staging", Name: "cfg"})
	if d.Allowed || d.Grant != g || !strings.Contains(d.Reason, "authorises create without a name") {
		t.Errorf("create with a named rule: %+v", d)
	}
	// create on a subresource names its (existing) object.
	exec, _ := Lookup("pods/exec")
	g.Rules = []ir.Rule{{APIGroup: "", Resources: []string{"pods/exec"}, Verbs: []string{"create"}, ResourceNames: []string{"web-1"}}}
	if d := Decide([]*ir.Grant{g}, Request{Subject: developers, Verb: "create", Resource: exec, Namespace: "staging", Name: "web-1"}); !d.Allowed {
		t.Errorf("create pods/exec on a named pod: %+v", d)
	}
	if d := Decide([]*ir.Grant{g}, Request{Subject: developers, Verb: "create", Resource: exec, Namespace: "staging", Name: "web-2"}); d.Allowed {
		t.Errorf("create pods/exec on another pod: %+v", d)
	}
}

func TestEvaluatorFirstGrantDecides(t *testing.T) {
	grants := []*ir.Grant{
		grant(t, 1, developers, []string{"get"}, []string{"pods"}, nil, "a"),
		grant(t, 2, developers, []string{"view"}, []string{"pods"}, nil, "b"),
		grant(t, 3, ir.Subject{Kind: ir.Group, Name: "system:authenticated"}, []string{"get"}, []string{"pods"}, nil, "cluster"),
	}
	pods, _ := Lookup("pods")
	for ns, line := range map[string]int{"a": 1, "b": 2, "c": 3} {
		d := Decide(grants, Request{Subject: developers, Verb: "get", Resource: pods, Namespace: ns})
		if !d.Allowed || d.Grant.Span.Start.Line != line {
			t.Errorf("ns %s: %+v, want allowed by line %d", ns, d, line)
		}
	}
}

func TestCovers(t *testing.T) {
	pods, _ := Lookup("pods")
	podsLog, _ := Lookup("pods/log")
	deps, _ := Lookup("deployments")
	tests := []struct {
		rule ir.Rule
		verb string
		res  Resource
		want bool
	}{
		{ir.Rule{APIGroup: "", Resources: []string{"pods"}, Verbs: []string{"get"}}, "get", pods, true},
		{ir.Rule{APIGroup: "", Resources: []string{"pods"}, Verbs: []string{"get"}}, "get", podsLog, false},
		{ir.Rule{APIGroup: "", Resources: []string{"*/log"}, Verbs: []string{"get"}}, "get", podsLog, true},
		{ir.Rule{APIGroup: "", Resources: []string{"*/log"}, Verbs: []string{"get"}}, "get", pods, false},
		{ir.Rule{APIGroup: "", Resources: []string{"*"}, Verbs: []string{"get"}}, "get", podsLog, true},
		{ir.Rule{APIGroup: "", Resources: []string{"*"}, Verbs: []string{"get"}}, "get", deps, false},
		{ir.Rule{APIGroup: "*", Resources: []string{"deployments"}, Verbs: []string{"*"}}, "patch", deps, true},
		{ir.Rule{APIGroup: "apps", Resources: []string{"deployments"}, Verbs: []string{"get"}}, "patch", deps, false},
	}
	for _, tt := range tests {
		if got := Covers(tt.rule, tt.verb, tt.res); got != tt.want {
			t.Errorf("Covers(%+v, %s, %s) = %v, want %v", tt.rule, tt.verb, tt.res, got, tt.want)
		}
	}
	r := ir.Rule{APIGroup: "", Resources: []string{"secrets"}, Verbs: []string{"get"}, ResourceNames: []string{"a"}}
	sec, _ := Lookup("secrets")
	if !Allows(r, "get", sec, "a") || Allows(r, "get", sec, "b") || Allows(r, "get", sec, "") || !Covers(r, "get", sec) {
		t.Errorf("resourceNames not honoured")
	}
}
