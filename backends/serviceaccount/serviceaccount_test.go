package serviceaccount

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/kube"
)

func svc(ns, name, account string, mount bool) *ir.Service {
	return &ir.Service{Namespace: ns, Name: name, Account: account, MountToken: mount,
		Labels: []ir.Label{{Key: "app", Value: name}}}
}

func account(ns, name string, mount bool) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta:                   metav1.ObjectMeta{Name: name, Namespace: ns, Labels: kube.ManagedBy()},
		AutomountServiceAccountToken: &mount}
}

// program is services sorted by (Namespace, Name), as the compiler makes them.
func program() *ir.Program {
	return &ir.Program{
		Namespaces: []string{"data", "payments", "shop"},
		Services: []*ir.Service{
			svc("payments", "api", "api", false),
			svc("shop", "a", "shared", false),
			svc("shop", "c", "shared", true), // c has a grant: the shared account's token is mounted
			svc("shop", "d", "zeta", false),
			svc("shop", "e", "alpha", false),
		},
		// A namespace with only a database has no accounts.
		Databases: []*ir.Database{{Namespace: "data", Name: "warehouse", Engine: ir.Postgres}},
	}
}

func TestAccounts(t *testing.T) {
	p := program()
	if d := ir.Validate(p); len(d) > 0 {
		t.Fatal(d)
	}
	got := Build(p)
	want := []Namespace{
		{Name: "payments", Accounts: []*corev1.ServiceAccount{account("payments", "api", false)}},
		{Name: "shop", Accounts: []*corev1.ServiceAccount{
			account("shop", "alpha", false), account("shop", "shared", true), account("shop", "zeta", false)}},
	}
	if !reflect.DeepEqual(got, want) {
		gy, _ := yaml.Marshal(got)
		wy, _ := yaml.Marshal(want)
		t.Errorf("accounts differ\n--- got\n%s--- want\n%s", gy, wy)
	}
}

// TestFilesDecodeToBuild: one file per namespace with services, the header and one
// document per account, each decoding strictly into the object Build returns.
func TestFilesDecodeToBuild(t *testing.T) {
	p := program()
	files, diags := Emit(p)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	nss := Build(p)
	if len(files) != len(nss) {
		t.Fatalf("%d files for %d namespaces", len(files), len(nss))
	}
	header := []byte("# " + artifact.Header + "\n---\n")
	for i, f := range files {
		ns := nss[i]
		if f.Path != "kubernetes/"+ns.Name+"/serviceaccounts.yaml" {
			t.Errorf("file %d is %s, want the accounts of %s", i, f.Path, ns.Name)
		}
		if !bytes.HasPrefix(f.Data, header) {
			t.Fatalf("%s does not start with %q", f.Path, header)
		}
		docs := bytes.Split(f.Data[len(header):], []byte("\n---\n"))
		if len(docs) != len(ns.Accounts) {
			t.Fatalf("%s: %d documents, want %d", f.Path, len(docs), len(ns.Accounts))
		}
		for j, doc := range docs {
			var got corev1.ServiceAccount
			if err := yaml.UnmarshalStrict(doc, &got); err != nil {
				t.Fatalf("%s document %d: %v", f.Path, j+1, err)
			}
			if !reflect.DeepEqual(&got, ns.Accounts[j]) {
				t.Fatalf("%s document %d decodes to another object:\n%s", f.Path, j+1, doc)
			}
		}
	}
}

// BenchmarkEmit50k: 50,000 services in 1,000 namespaces, each with its own account.
func BenchmarkEmit50k(b *testing.B) {
	p := &ir.Program{}
	for i := range 50000 {
		name := fmt.Sprintf("svc-%06d", i)
		p.Services = append(p.Services, svc(fmt.Sprintf("ns-%04d", i/50), name, name, i%7 == 0))
	}
	for b.Loop() {
		if _, diags := Emit(p); len(diags) > 0 {
			b.Fatal(diags)
		}
	}
}
