package importer

import (
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"golang.org/x/tools/txtar"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/engine"
	"github.com/netc-dev/netc/lang/format"
)

func TestRangePrefixes(t *testing.T) {
	a := netip.MustParseAddr
	for _, c := range []struct {
		lo, hi string
		want   string
	}{
		{"10.0.0.0", "10.255.255.255", "10.0.0.0/8"},
		{"0.0.0.0", "255.255.255.255", "0.0.0.0/0"},
		{"10.0.0.0", "10.0.255.255", "10.0.0.0/16"},
		{"10.2.0.0", "10.255.255.255", "10.2.0.0/15 10.4.0.0/14 10.8.0.0/13 10.16.0.0/12 10.32.0.0/11 10.64.0.0/10 10.128.0.0/9"},
		{"11.0.0.0", "255.255.255.255", "11.0.0.0/8 12.0.0.0/6 16.0.0.0/4 32.0.0.0/3 64.0.0.0/2 128.0.0.0/1"},
		{"192.168.1.7", "192.168.1.7", "192.168.1.7/32"},
		{"::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0"},
		{"2001:db8::", "2001:db8::1", "2001:db8::/127"},
	} {
		var got []string
		for _, p := range rangePrefixes(a(c.lo), a(c.hi)) {
			got = append(got, p.String())
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s-%s: %v, want %s", c.lo, c.hi, got, c.want)
		}
	}
}

func TestParseNames(t *testing.T) {
	names, err := ParseNames("n.txt", []byte("# comment\n10.0.0.0/8 corp   # the office\n\n2001:db8::/32 lab\n"))
	if err != nil {
		t.Fatal(err)
	}
	if names[netip.MustParsePrefix("10.0.0.0/8")] != "corp" || names[netip.MustParsePrefix("2001:db8::/32")] != "lab" || len(names) != 2 {
		t.Errorf("names: %v", names)
	}
	for src, want := range map[string]string{
		"10.0.0.0/8\n":                   "n.txt:1: want `CIDR NAME`, found 1 fields",
		"10.0.0.0/8 a b\n":               "n.txt:1: want `CIDR NAME`, found 3 fields",
		"corp 10.0.0.0/8\n":              `n.txt:1: "corp" is not a CIDR`,
		"10.0.0.1/8 corp\n":              "n.txt:1: 10.0.0.1/8 is not a network address (use 10.0.0.0/8)",
		"10.0.0.0/8 Corp\n":              `n.txt:1: "Corp" is not a valid external name (a DNS-1123 label other than world)`,
		"0.0.0.0/0 world\n":              `n.txt:1: "world" is not a valid external name (a DNS-1123 label other than world)`,
		"10.0.0.0/8 a\n10.0.0.0/8 b\n":   "n.txt:2: 10.0.0.0/8 is named twice",
		"10.0.0.0/8 a\n11.0.0.0/8 a\n":   "n.txt:2: the name a is already given on line 1",
		"#x\n\n10.0.0.0/8 a\n12/8 b\n":   `n.txt:4: "12/8" is not a CIDR`,
		"10.0.0.0/8 a\n192.168.0.0/33 b": `n.txt:2: "192.168.0.0/33" is not a CIDR`,
	} {
		if _, err := ParseNames("n.txt", []byte(src)); err == nil || err.Error() != want {
			t.Errorf("%q: %v, want %s", src, err, want)
		}
	}
}

func TestGrantOf(t *testing.T) {
	rule := func(groups, resources, verbs, names []string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: groups, Resources: resources, Verbs: verbs, ResourceNames: names}
	}
	s := func(v ...string) []string { return v }
	for _, c := range []struct {
		rule      rbacv1.PolicyRule
		cluster   bool
		text, why string
	}{
		{rule: rule(s(""), s("pods", "pods/log"), s("get", "list", "watch"), nil), text: "view pods, pods/log"},
		{rule: rule(s("apps"), s("deployments"), s("get", "list", "watch", "create", "update", "patch", "delete"), nil), text: "edit deployments"},
		{rule: rule(s(""), s("configmaps"), s("get", "update", "patch", "delete", "list", "watch", "create"), s("app")), text: "edit configmaps named app"},
		{rule: rule(s(""), s("secrets"), s("get", "create", "deletecollection"), s("key")), text: "get secrets named key"},
		{rule: rule(s(""), s("pods/exec"), s("create"), s("debug")), text: "create pods/exec named debug"},
		{rule: rule(s(""), s("secrets"), s("create"), s("key")), text: ""},
		{rule: rule(s("", "apps"), s("configmaps", "deployments"), s("get"), nil), why: `resource deployments in API group "" cannot be written as a netc resource`},
		{rule: rule(s("", "apps"), s("configmaps"), s("get"), nil), why: `resource configmaps in API group "apps" cannot be written as a netc resource`},
		{rule: rule(s("apps", "batch"), s("deployments/scale"), s("patch"), nil), why: `resource deployments/scale in API group "batch" cannot be written as a netc resource`},
		{rule: rule(s("apps"), s("pods"), s("get"), nil), why: `resource pods in API group "apps" cannot be written as a netc resource`},
		{rule: rule(s("cert-manager.io"), s("certificates"), s("get"), nil), text: "get certificates.cert-manager.io"},
		{rule: rule(s(""), s("nodes"), s("get"), nil), why: "nodes is cluster-scoped: a RoleBinding grants it in a namespace, where it has no objects"},
		{rule: rule(s(""), s("nodes"), s("get"), nil), cluster: true, text: "get nodes"},
		{rule: rule(s("*"), s("pods"), s("get"), nil), why: `a wildcard ("*"): netc writes a * only on a grant waived by hand`},
		{rule: rule(s(""), s("pods/*"), s("get"), nil), why: `a wildcard ("pods/*"): netc writes a * only on a grant waived by hand`},
		{rule: rbacv1.PolicyRule{NonResourceURLs: s("/healthz"), Verbs: s("get")}, why: "nonResourceURLs are not resources: netc grants only resources"},
		{rule: rule(s(""), s("pods"), s("frobnicate"), nil), why: `verb "frobnicate" is not one netc knows`},
	} {
		text, _, why := grantOf(c.rule, c.cluster)
		if text != c.text || why != c.why {
			t.Errorf("%+v: %q, %q; want %q, %q", c.rule, text, why, c.text, c.why)
		}
	}
}

// TestSemanticsCases imports every hand-written cluster of the engine's semantics
// cases: the program compiles (Import checks it), is in canonical form, and every pair
// the rebuilt cluster gets wrong has a reason the importer knows.
func TestSemanticsCases(t *testing.T) {
	paths, _ := filepath.Glob("../engine/testdata/semantics/*.txtar")
	if len(paths) < 5 {
		t.Fatalf("found %d cases", len(paths))
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var srcs []engine.Source
			for _, f := range ar.Files {
				if f.Name != "want" {
					srcs = append(srcs, engine.Source{Name: f.Name, Data: f.Data})
				}
			}
			res, diags, err := Import(srcs, Options{})
			if err != nil || diags.HasErrors() {
				t.Fatalf("%v %v", err, diags)
			}
			for _, f := range res.Files {
				if strings.HasSuffix(f.Path, ".net") {
					out, d := format.Source(f.Path, f.Data)
					if d.HasErrors() || string(out) != string(f.Data) {
						t.Errorf("%s is not in canonical form", f.Path)
					}
				}
			}
			for _, d := range res.Report.Connections {
				if strings.HasPrefix(d.Reason, "unexplained") {
					t.Errorf("%s => %s: %s originally, %s imported: %s", d.Src, d.Dst, d.Original, d.Imported, d.Reason)
				}
			}
		})
	}
}

// TestCompare checks the comparison of maps, which places the report's connections:
// address ranges cut differently compare by what they allow.
func TestCompare(t *testing.T) {
	// load is pod ns1/a under a policy isolating it, whose one ingress rule allows
	// TCP 80 from the peers given.
	load := func(peers string) *engine.Map {
		c := engine.NewCluster()
		var dl diag.List
		yaml := "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: ns1, labels: {app: a}}\n---\n" +
			"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: ns1}\n" +
			"spec: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: " + peers + ", ports: [{port: 80}]}]}\n"
		c.Read(engine.Source{Name: "x.yaml", Data: []byte(yaml)}, &dl)
		if dl.HasErrors() {
			t.Fatal(dl)
		}
		return c.Map()
	}
	whole := load("[{ipBlock: {cidr: 10.0.0.0/8}}]")
	split := load("[{ipBlock: {cidr: 10.0.0.0/9}}, {ipBlock: {cidr: 10.128.0.0/9}}]")
	if d := Compare(whole, split); len(d) != 0 {
		t.Errorf("the same addresses cut in two differ: %+v", d)
	}
	less := load("[{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, 10.2.0.0/16]}}]")
	d := Compare(whole, less)
	want := []Pair{{Src: "10.1.0.0-10.2.255.255", Dst: "ns1/a[Pod]", Original: "TCP 80", Imported: "No Connections", Workload: "ns1/a[Pod]"}}
	if !slices.Equal(d, want) {
		t.Errorf("Compare: %+v, want %+v", d, want)
	}
}
