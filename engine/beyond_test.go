package engine

import (
	"strings"
	"testing"

	"github.com/netc-dev/netc/diag"
)

func clusterOf(t *testing.T, yaml string) *Cluster {
	t.Helper()
	c := NewCluster()
	var diags diag.List
	c.Read(Source{Name: "x.yaml", Data: []byte(yaml)}, &diags)
	if diags.HasErrors() {
		t.Fatalf("%v", diags)
	}
	return c
}

// TestBeyond: what one map allows beyond another, with address ranges cut
// differently by the two clusters' ipBlocks.
func TestBeyond(t *testing.T) {
	pods := `apiVersion: v1
kind: Pod
metadata: {name: a, namespace: ns, labels: {app: a}}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: ns, labels: {app: b}}
---
`
	base := clusterOf(t, pods+`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a, namespace: ns}
spec:
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Ingress, Egress]
  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: 80}]}]
`)
	wide := clusterOf(t, pods+`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a, namespace: ns}
spec:
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Ingress, Egress]
  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}, {to: [{podSelector: {matchLabels: {app: b}}}], ports: [{port: 443}]}]
`)
	var got []string
	for _, c := range Beyond(wide.Map(), base.Map()) {
		got = append(got, c.Src.String()+" => "+c.Dst.String()+" : "+c.Conn.String())
	}
	want := []string{
		"ns/a[Pod] => 0.0.0.0-9.255.255.255,11.0.0.0-255.255.255.255 : All Connections",
		"ns/a[Pod] => 10.0.0.0-10.255.255.255 : SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535",
		"ns/a[Pod] => ns/b[Pod] : TCP 443",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Beyond:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if b := Beyond(base.Map(), base.Map()); len(b) != 0 {
		t.Errorf("a map beyond itself: %v", b)
	}
}
