package kustomize

import (
	"reflect"
	"strings"
	"testing"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"

	"github.com/netc-dev/netc/backends/artifact"
)

type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

func decode(t *testing.T, f artifact.File) kustomization {
	t.Helper()
	if !strings.HasPrefix(string(f.Data), "# "+artifact.Header+"\n") {
		t.Fatalf("no generated-file header:\n%s", f.Data)
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(f.Data, &k); err != nil {
		t.Fatalf("%v\n%s", err, f.Data)
	}
	// kustomize reads with a YAML 1.2 parser: it must see the same list.
	var k3 struct {
		Resources []string `yaml:"resources"`
	}
	if err := yamlv3.Unmarshal(f.Data, &k3); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(k3.Resources, k.Resources) && !(len(k3.Resources) == 0 && len(k.Resources) == 0) {
		t.Errorf("YAML 1.2 reads %q, YAML 1.1 %q", k3.Resources, k.Resources)
	}
	return k
}

func TestFile(t *testing.T) {
	files := []artifact.File{
		{Path: "sql/shop/db.postgres.sql"},
		{Path: "kubernetes/shop/serviceaccounts.yaml"},
		{Path: "kubernetes/shop/networkpolicies.yaml"},
		{Path: "kubernetes/_cluster/rbac.yaml"},
		{Path: "kubernetes/a-b/networkpolicies.yaml"},
		{Path: "kubernetes/a/networkpolicies.yaml"},
		{Path: "kubernetes/a/networkpolicies.yaml"}, // listed twice
		{Path: "kubernetes/kustomization.yaml"},     // never itself
		{Path: "kubernetes/README.md"},              // not YAML
		{Path: "kubernetes/1/true.yml"},             // a name YAML would misread
		{Path: "kubernetesx/other.yaml"},
	}
	f := File(files)
	if f.Path != "kubernetes/kustomization.yaml" {
		t.Errorf("path = %q", f.Path)
	}
	k := decode(t, f)
	want := kustomization{
		APIVersion: "kustomize.config.k8s.io/v1beta1",
		Kind:       "Kustomization",
		Resources: []string{"1/true.yml", "_cluster/rbac.yaml", "a-b/networkpolicies.yaml",
			"a/networkpolicies.yaml", "shop/networkpolicies.yaml", "shop/serviceaccounts.yaml"},
	}
	if !reflect.DeepEqual(k, want) {
		t.Errorf("got %+v\nwant %+v", k, want)
	}
	if again := File(files); string(again.Data) != string(f.Data) {
		t.Error("not deterministic")
	}
}

func TestEmpty(t *testing.T) {
	f := File(nil)
	k := decode(t, f)
	if k.Kind != "Kustomization" || len(k.Resources) != 0 {
		t.Errorf("got %+v", k)
	}
	if !strings.Contains(string(f.Data), "resources: []") {
		t.Errorf("an empty list must still be a list:\n%s", f.Data)
	}
}
