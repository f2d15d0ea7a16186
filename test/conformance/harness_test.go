package conformance

import (
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler/ir"
)

// The tests in this file check the harness itself, not netc: a hand-written output
// (testdata/reference, written for referenceProgram by hand, not by netc) must pass, and
// each deliberate mistake in it must be caught with the exact line it deserves. They are
// what shows the conformance tests can fail.

// referenceProgram is, in the intent language:
//
//	namespace shop
//	service frontend { port https 443 }
//	service backend { labels app=backend, tier=api; port http 8080 }
//	database db postgres
//	world -> frontend:443
//	frontend -> backend:8080
//	backend -> db:5432
//	backend -> payments/api:9000-9100
//	namespace payments
//	external stripe 203.0.113.0/24, 2001:db8:1::/48
//	api -> stripe:443
func referenceProgram() *ir.Program {
	return newIR().
		service("shop/frontend", "", ir.NamedPort{Name: "https", Port: 443, Protocol: ir.TCP}).
		service("shop/backend", "app=backend,tier=api", ir.NamedPort{Name: "http", Port: 8080, Protocol: ir.TCP}).
		database("shop/db", 5432).
		service("payments/api", "").
		external("payments/stripe", "203.0.113.0/24", "2001:db8:1::/48").
		edge("world", "shop/frontend", "TCP/443").
		edge("shop/frontend", "shop/backend", "TCP/8080").
		edge("shop/backend", "shop/db", "TCP/5432").
		edge("shop/backend", "payments/api", "TCP/9000-9100").
		edge("payments/api", "payments/stripe", "TCP/443").
		build()
}

func readTree(t *testing.T, root string) []artifact.File {
	t.Helper()
	var files []artifact.File
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files = append(files, artifact.File{Path: filepath.ToSlash(rel), Data: data})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// edit returns a copy of files with old replaced by new in the file at path; the
// replacement must happen exactly once.
func edit(t *testing.T, files []artifact.File, path, old, new string) []artifact.File {
	t.Helper()
	res := slices.Clone(files)
	for i, f := range res {
		if f.Path != path {
			continue
		}
		if n := strings.Count(string(f.Data), old); n != 1 {
			t.Fatalf("edit %s: %q occurs %d times", path, old, n)
		}
		res[i].Data = []byte(strings.Replace(string(f.Data), old, new, 1))
		return res
	}
	t.Fatalf("edit: no file %s", path)
	return nil
}

func TestHarnessAcceptsReference(t *testing.T) {
	requireConformant(t, referenceProgram(), readTree(t, "testdata/reference"))
}

func TestHarnessCatchesMistakes(t *testing.T) {
	const shop, payments = "kubernetes/shop/networkpolicies.yaml", "kubernetes/payments/networkpolicies.yaml"
	ref := readTree(t, "testdata/reference")
	cases := []struct {
		name  string
		files func() []artifact.File
		// want are substrings the report must contain (each a whole finding).
		want []string
	}{{
		name: "IPv6 world dropped",
		files: func() []artifact.File {
			return edit(t, ref, shop, "    - ipBlock:\n        cidr: ::/0\n", "")
		},
		want: []string{"missing: the intents open these", "::/0 -> shop/frontend TCP 443\n"},
	}, {
		name: "IPv4 external CIDR widened",
		files: func() []artifact.File {
			return edit(t, ref, payments, "cidr: 203.0.113.0/24", "cidr: 203.0.112.0/23")
		},
		want: []string{"extra: the policies allow these", "payments/api -> 203.0.112.0/24 TCP 443"},
	}, {
		name: "IPv6 external CIDR narrowed",
		files: func() []artifact.File {
			return edit(t, ref, payments, "cidr: 2001:db8:1::/48", "cidr: 2001:db8:1::/56")
		},
		want: []string{"payments/api -> 2001:db8:1:100::-2001:db8:1:ffff:ffff:ffff:ffff:ffff TCP 443"},
	}, {
		name: "DNS egress without namespace selector",
		files: func() []artifact.File {
			return edit(t, ref, shop, "    - namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: kube-system\n      podSelector:\n        matchLabels:\n          k8s-app: kube-dns\n",
				"    - podSelector:\n        matchLabels:\n          k8s-app: kube-dns\n")
		},
		want: []string{"shop/frontend -> kube-system/kube-dns TCP 53 UDP 53", "shop/stranger -> kube-system/kube-dns TCP 53 UDP 53"},
	}, {
		name: "DNS egress on every port",
		files: func() []artifact.File {
			return edit(t, ref, payments, "    ports:\n    - protocol: UDP\n      port: 53\n    - protocol: TCP\n      port: 53\n", "")
		},
		want: []string{"extra: the policies allow these", "payments/api -> kube-system/kube-dns TCP 1-52,54-65535 UDP 1-52,54-65535 SCTP 1-65535"},
	}, {
		name: "world ingress on every port",
		files: func() []artifact.File {
			return edit(t, ref, shop, "    ports:\n    - protocol: TCP\n      port: https\n", "")
		},
		want: []string{"0.0.0.0/0 -> shop/frontend TCP 1-442,444-65535 UDP 1-65535 SCTP 1-65535",
			"::/0 -> shop/frontend TCP 1-442,444-65535 UDP 1-65535 SCTP 1-65535"},
	}, {
		name: "cross-namespace egress to any namespace reaches the decoys",
		files: func() []artifact.File {
			ps := edit(t, ref, shop, "        matchLabels:\n          kubernetes.io/metadata.name: payments\n", "        {}\n")
			return ps
		},
		want: []string{"shop/backend -> netc-decoy/payments-api TCP 9000-9100"},
	}, {
		name: "selector missing a label admits the partial decoy",
		files: func() []artifact.File {
			fs := edit(t, ref, shop, "  podSelector:\n    matchLabels:\n      app: backend\n      tier: api\n", "  podSelector:\n    matchLabels:\n      app: backend\n")
			return edit(t, fs, shop, "  - from:\n    - podSelector:\n        matchLabels:\n          app: backend\n          tier: api\n", "  - from:\n    - podSelector:\n        matchLabels:\n          app: backend\n")
		},
		want: []string{"shop/backend-without-tier -> shop/db TCP 5432"},
	}, {
		name: "missing default deny",
		files: func() []artifact.File {
			return edit(t, ref, payments, "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n", "  podSelector:\n    matchLabels:\n      app: api\n  policyTypes: [Ingress, Egress]\n")
		},
		want: []string{"0.0.0.0/0 -> payments/stranger all", "::/0 -> payments/stranger all", "netc-decoy/stranger -> payments/stranger all"},
	}, {
		name: "unknown field",
		files: func() []artifact.File {
			return edit(t, ref, payments, "  policyTypes: [Ingress, Egress]\n  ingress:", "  policyTypes: [Ingress, Egress]\n  ingres: []\n  ingress:")
		},
		want: []string{`kubernetes/payments/networkpolicies.yaml#3: strict decode into *v1.NetworkPolicy`, `unknown field "ingres"`},
	}, {
		name: "invalid object",
		files: func() []artifact.File {
			return edit(t, ref, payments, "  name: api\n  namespace: payments\n  labels:\n    app.kubernetes.io/managed-by: netc\nspec:",
				"  name: Api_Policy\n  namespace: payments\n  labels:\n    app.kubernetes.io/managed-by: netc\nspec:")
		},
		want: []string{"upstream API validation", "metadata.name: Invalid value: \"Api_Policy\""},
	}, {
		name: "invalid port range",
		files: func() []artifact.File {
			return edit(t, ref, payments, "endPort: 9100", "endPort: 8999")
		},
		want: []string{"spec.ingress[0].ports[0].endPort: Invalid value: 8999"},
	}, {
		name: "managed-by label missing",
		files: func() []artifact.File {
			return edit(t, ref, "kubernetes/shop/serviceaccounts.yaml", "  name: frontend\n  namespace: shop\n  labels:\n    app.kubernetes.io/managed-by: netc\n", "  name: frontend\n  namespace: shop\n")
		},
		want: []string{`kubernetes/shop/serviceaccounts.yaml#2: ServiceAccount shop/frontend: label app.kubernetes.io/managed-by is ""`},
	}, {
		name: "token mounted",
		files: func() []artifact.File {
			return edit(t, ref, "kubernetes/payments/serviceaccounts.yaml", "automountServiceAccountToken: false", "automountServiceAccountToken: true")
		},
		want: []string{"ServiceAccount payments/api: token mounted = true, want false"},
	}, {
		name: "file left out of the kustomization",
		files: func() []artifact.File {
			return edit(t, ref, "kubernetes/kustomization.yaml", "- shop/serviceaccounts.yaml\n", "")
		},
		want: []string{"kubernetes/shop/serviceaccounts.yaml: not listed by any kustomization"},
	}, {
		name: "generated-file header missing",
		files: func() []artifact.File {
			return edit(t, ref, shop, "# Code generated by netc build. DO NOT EDIT.\n", "")
		},
		want: []string{"kubernetes/shop/networkpolicies.yaml: first line is"},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { requireCaught(t, referenceProgram(), c.files(), c.want) })
	}
}

// requireCaught fails t unless the harness rejects files as a build of p, with a report
// holding every one of want.
func requireCaught(t *testing.T, p *ir.Program, files []artifact.File, want []string) {
	t.Helper()
	r := check(p, files)
	if r.ok() {
		t.Fatal("the harness accepted a wrong output")
	}
	s := r.String()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("report lacks %q:\n%s", w, s)
		}
	}
}

// TestHarnessExpectationIsIndependent checks the other side: with the reference output
// but a program whose intents differ, the harness reports the difference — the
// expectation comes from the IR, never from the policies.
func TestHarnessExpectationIsIndependent(t *testing.T) {
	p := referenceProgram()
	p.Edges = slices.DeleteFunc(p.Edges, func(e *ir.Edge) bool { return e.To.Key() == "shop/db" })
	r := check(p, readTree(t, "testdata/reference"))
	if !strings.Contains(r.String(), "shop/backend -> shop/db TCP 5432") {
		t.Errorf("dropping an intent went unnoticed:\n%s", r)
	}
	p = referenceProgram()
	p.DNS.Enabled = false
	if r := check(p, readTree(t, "testdata/reference")); !strings.Contains(r.String(), "shop/db -> kube-system/kube-dns TCP 53 UDP 53") {
		t.Errorf("DNS off went unnoticed:\n%s", r)
	}
}

// TestAddressFamilies checks the pieces that hand IPv6 to the IPv4-only analyzer.
func TestAddressFamilies(t *testing.T) {
	pfx := netip.MustParsePrefix
	fam, err := newIPv6Family([]netip.Prefix{pfx("2001:db8::/32"), pfx("2001:db8:1::/48"), pfx("::/0"), pfx("10.0.0.0/8")})
	if err != nil {
		t.Fatal(err)
	}
	one := func(p string) ipSpan {
		s, ok := fam.Spans(pfx(p))
		if !ok || len(s) != 1 {
			t.Fatalf("Spans(%s) = %v, %v", p, s, ok)
		}
		return s[0]
	}
	all, s32, s48 := one("::/0"), one("2001:db8::/32"), one("2001:db8:1::/48")
	if all != (ipSpan{0, ipv4End}) {
		t.Errorf("::/0 maps to %v, want the whole IPv4 space", all)
	}
	if !s32.contains(s48) || s32 == s48 || !all.contains(s32) {
		t.Errorf("containment lost: ::/0 %v, /32 %v, /48 %v", all, s32, s48)
	}
	if got := fam.Render(s48); got != "2001:db8:1::/48" {
		t.Errorf("Render(/48) = %q", got)
	}
	if got := fam.Render(ipSpan{s32.lo, s48.lo}); got != "2001:db8::/48" {
		t.Errorf("Render(part before /48) = %q", got)
	}
	if _, ok := fam.Spans(pfx("10.0.0.0/8")); ok {
		t.Error("an IPv4 prefix belongs to the IPv6 family")
	}
	if _, ok := ipv4Family.Spans(pfx("2001:db8::/32")); ok {
		t.Error("an IPv6 prefix belongs to the IPv4 family")
	}
	if got := spanCIDRs(ipSpan{ipv4Span(pfx("10.0.0.0/32")).lo, ipv4Span(pfx("10.0.0.2/32")).hi}); fmt.Sprint(got) != "[10.0.0.0/31 10.0.0.2/32]" {
		t.Errorf("spanCIDRs = %v", got)
	}
	peers, err := mapIPBlock(&networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{"10.1.0.0/16"}}, ipv4Family)
	if err != nil || len(peers) != 1 || fmt.Sprint(peers[0].IPBlock.Except) != "[10.1.0.0/16]" {
		t.Errorf("mapIPBlock kept except badly: %+v, %v", peers, err)
	}
	peers, err = mapIPBlock(&networkingv1.IPBlock{CIDR: "2001:db8::/32"}, ipv4Family)
	if err != nil || len(peers) != 0 {
		t.Errorf("mapIPBlock kept an IPv6 block in the IPv4 run: %+v, %v", peers, err)
	}
}
