package engine

import (
	"strings"
	"testing"

	"github.com/netc-dev/netc/diag"
)

// TestBadInput pins the diagnostic of each kind of bad manifest: position (the
// document's first line, or the YAML error's own line) and wording.
func TestBadInput(t *testing.T) {
	policy := func(spec string) string {
		return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: ns}\nspec:\n" + spec
	}
	anp := func(name, priority, spec string) string {
		if priority != "" {
			spec = "  priority: " + priority + "\n" + spec
		}
		return "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: " + name + "}\nspec:\n" + spec
	}
	cases := []struct {
		name, src, want string
	}{
		{"yaml", "# first\n---\nkind: Pod\n  bad: [\n", "in.yaml:4:1: error: invalid YAML: mapping values are not allowed in this context"},
		{"type", "apiVersion: v1\nkind: Pod\nmetadata: {name: [x]}\n", "in.yaml:1:1: error: Pod: field metadata.name: cannot use a JSON array here (want string)"},
		{"no kind", "apiVersion: v1\nmetadata: {name: x}\n", "in.yaml:1:1: warning: not a Kubernetes object (no apiVersion or kind); skipped"},
		{"not a mapping", "- a\n- b\n", "in.yaml:1:1: warning: not a Kubernetes object (not a mapping); skipped"},
		{"operator", policy("  podSelector: {matchExpressions: [{key: a, operator: Near, values: [b]}]}\n"),
			`in.yaml:1:1: error: NetworkPolicy ns/p: podSelector: "Near" is not a valid label selector operator`},
		{"cidr", policy("  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]\n"),
			`in.yaml:1:1: error: NetworkPolicy ns/p: ingress rule #1: peer #1: ipBlock cidr "10.0.0.0/33" is not a CIDR`},
		{"except outside", policy("  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/16]}}]}]\n"),
			"in.yaml:1:1: error: NetworkPolicy ns/p: egress rule #1: peer #1: ipBlock except 11.0.0.0/16 is not within cidr 10.0.0.0/8"},
		{"combined peer", policy("  podSelector: {}\n  ingress: [{from: [{podSelector: {}, ipBlock: {cidr: 10.0.0.0/8}}]}]\n"),
			"in.yaml:1:1: error: NetworkPolicy ns/p: ingress rule #1: peer #1: ipBlock cannot be combined with podSelector or namespaceSelector"},
		{"empty peer", policy("  podSelector: {}\n  ingress: [{from: [{}]}]\n"),
			"in.yaml:1:1: error: NetworkPolicy ns/p: ingress rule #1: peer #1: sets none of podSelector, namespaceSelector and ipBlock"},
		{"endPort named", policy("  podSelector: {}\n  ingress: [{ports: [{port: http, endPort: 90}]}]\n"),
			`in.yaml:1:1: error: NetworkPolicy ns/p: ingress rule #1: port #1: endPort cannot be used with the named port "http"`},
		{"range", policy("  podSelector: {}\n  ingress: [{ports: [{port: 90, endPort: 80}]}]\n"),
			"in.yaml:1:1: error: NetworkPolicy ns/p: ingress rule #1: port #1: port range 90-80 is not within 1-65535 or ends before it starts"},
		{"port", policy("  podSelector: {}\n  ingress: [{ports: [{port: 70000}]}]\n"),
			"in.yaml:1:1: error: NetworkPolicy ns/p: ingress rule #1: port #1: port 70000 is not within 1-65535"},
		{"protocol", policy("  podSelector: {}\n  ingress: [{ports: [{port: 80, protocol: ICMP}]}]\n"),
			`in.yaml:1:1: error: NetworkPolicy ns/p: ingress rule #1: port #1: unknown protocol "ICMP"`},
		{"policy type", policy("  podSelector: {}\n  policyTypes: [Sideways]\n"),
			`in.yaml:1:1: error: NetworkPolicy ns/p: policyTypes: unknown type "Sideways"`},
		{"anp priority", anp("p", "", "  subject: {namespaces: {}}\n"),
			"in.yaml:1:1: error: AdminNetworkPolicy p: priority must be set, from 0 to 1000"},
		{"anp same priority", anp("p", "5", "  subject: {namespaces: {}}\n") + "---\n" + anp("q", "5", "  subject: {namespaces: {}}\n"),
			"in.yaml:8:1: error: AdminNetworkPolicy q: AdminNetworkPolicy p has the same priority 5, at in.yaml:1:1: their order would be undefined"},
		{"anp subject", anp("p", "5", "  subject: {}\n"),
			"in.yaml:1:1: error: AdminNetworkPolicy p: subject: set exactly one of namespaces and pods"},
		{"anp action", anp("p", "5", "  subject: {namespaces: {}}\n  ingress: [{name: r, action: Maybe, from: [{namespaces: {}}]}]\n"),
			`in.yaml:1:1: error: AdminNetworkPolicy p: ingress rule "r": unknown action "Maybe"`},
		{"anp networks in ingress", anp("p", "5", "  subject: {namespaces: {}}\n  ingress: [{name: r, action: Deny, from: [{networks: [10.0.0.0/8]}]}]\n"),
			`in.yaml:1:1: error: AdminNetworkPolicy p: ingress rule "r": peer #1: set exactly one of namespaces, pods`},
		{"banp pass", "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec:\n  subject: {namespaces: {}}\n  egress: [{name: r, action: Pass, to: [{namespaces: {}}]}]\n",
			`in.yaml:1:1: error: BaselineAdminNetworkPolicy default: egress rule "r": a BaselineAdminNetworkPolicy cannot Pass`},
		{"banp name", "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: base}\nspec:\n  subject: {namespaces: {}}\n",
			"in.yaml:1:1: error: BaselineAdminNetworkPolicy base: a BaselineAdminNetworkPolicy must be named default"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCluster()
			var diags diag.List
			c.Read(Source{Name: "in.yaml", Data: []byte(tc.src)}, &diags)
			var got []string
			for _, d := range diags {
				got = append(got, d.String())
			}
			if strings.Join(got, "\n") != tc.want {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), tc.want)
			}
			if strings.Contains(tc.want, "error: NetworkPolicy") && len(c.Policies) != 0 {
				t.Errorf("a rejected policy was kept")
			}
		})
	}
}

func TestConnString(t *testing.T) {
	var c Conn
	if c.String() != "No Connections" {
		t.Errorf("empty: %s", c)
	}
	c = PortConn(TCP, 80, 80).Union(PortConn(TCP, 81, 90)).Union(PortConn(UDP, 53, 53)).Union(PortConn(TCP, 100, 100))
	if got := c.String(); got != "TCP 80-90,100,UDP 53" {
		t.Errorf("got %s", got)
	}
	all := AllConns()
	if all.String() != "All Connections" || !all.Subtract(PortConn(SCTP, 1, 1)).Union(PortConn(SCTP, 1, 1)).IsAll() {
		t.Errorf("all connections do not round-trip")
	}
	if got := all.Subtract(PortConn(TCP, 1, 79)).Subtract(PortConn(TCP, 81, 65535)).String(); got != "SCTP 1-65535,TCP 80,UDP 1-65535" {
		t.Errorf("got %s", got)
	}
	if !c.Contains(TCP, 85) || c.Contains(TCP, 95) || c.Contains(SCTP, 80) {
		t.Errorf("Contains is wrong")
	}
	if got := c.Intersect(PortConn(TCP, 85, 200)).String(); got != "TCP 85-90,100" {
		t.Errorf("got %s", got)
	}
}
