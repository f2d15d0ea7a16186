package netc_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/netc-dev/netc/backends/k8syaml"
	"golang.org/x/tools/txtar"
)

func newObject(kind string) runtime.Object {
	switch kind {
	case "NetworkPolicy":
		return &networkingv1.NetworkPolicy{}
	case "ServiceAccount":
		return &corev1.ServiceAccount{}
	case "Role":
		return &rbacv1.Role{}
	case "RoleBinding":
		return &rbacv1.RoleBinding{}
	case "ClusterRole":
		return &rbacv1.ClusterRole{}
	case "ClusterRoleBinding":
		return &rbacv1.ClusterRoleBinding{}
	}
	return nil
}

// TestFastYAMLMatchesSigs proves, for every Kubernetes object of every golden case, that
// netc's fast encoder is what wrote the golden text and that its output decodes to
// exactly the object sigs.k8s.io/yaml's output of the same typed value decodes to.
func TestFastYAMLMatchesSigs(t *testing.T) {
	objects := 0
	for _, path := range goldenCases(t) {
		ar, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if !strings.HasPrefix(f.Name, "out/kubernetes/") || strings.HasSuffix(f.Name, "kustomization.yaml") {
				continue
			}
			for i, doc := range strings.Split(string(f.Data), "---\n")[1:] {
				var meta struct{ Kind string }
				if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
					t.Fatalf("%s %s doc %d: %v", path, f.Name, i, err)
				}
				obj := newObject(meta.Kind)
				if obj == nil {
					t.Fatalf("%s %s doc %d: unexpected kind %q", path, f.Name, i, meta.Kind)
				}
				if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
					t.Fatalf("%s %s doc %d: strict decode: %v", path, f.Name, i, err)
				}
				fast, err := k8syaml.Marshal(obj)
				if err != nil {
					t.Fatalf("%s %s doc %d: %v", path, f.Name, i, err)
				}
				if !bytes.Equal(fast, []byte(doc)) {
					t.Errorf("%s %s doc %d: golden text is not the fast encoder's output of its own object:\n%s", path, f.Name, i, lineDiff(doc, string(fast)))
				}
				slow, err := yaml.Marshal(obj)
				if err != nil {
					t.Fatal(err)
				}
				fromFast, fromSlow := newObject(meta.Kind), newObject(meta.Kind)
				if err := yaml.UnmarshalStrict(fast, fromFast); err != nil {
					t.Fatal(err)
				}
				if err := yaml.UnmarshalStrict(slow, fromSlow); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(fromFast, fromSlow) || !reflect.DeepEqual(fromFast, obj) {
					t.Errorf("%s %s doc %d: fast and sigs.k8s.io/yaml encodings decode differently", path, f.Name, i)
				}
				objects++
			}
		}
	}
	if objects < 100 {
		t.Errorf("only %d objects checked; the golden cases should hold many more", objects)
	}
	t.Logf("%d objects: fast encoder output equals sigs.k8s.io/yaml's after decoding", objects)
}
