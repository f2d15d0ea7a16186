package netpol

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler/ir"
)

// --- expected objects, written out independently of the backend's code ---

func kv(pairs ...string) map[string]string {
	m := map[string]string{}
	for _, p := range pairs {
		k, v, _ := strings.Cut(p, "=")
		m[k] = v
	}
	return m
}

func sel(pairs ...string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: kv(pairs...)}
}

// pods is a peer in the policy's own namespace.
func pods(pairs ...string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{PodSelector: sel(pairs...)}
}

// podsIn is a peer in another namespace: namespace AND pods in one peer.
func podsIn(ns string, pairs ...string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{NamespaceSelector: sel("kubernetes.io/metadata.name=" + ns), PodSelector: sel(pairs...)}
}

func block(cidr string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr}}
}

func worldPeers() []networkingv1.NetworkPolicyPeer {
	return []networkingv1.NetworkPolicyPeer{block("0.0.0.0/0"), block("::/0")}
}

func port(proto corev1.Protocol, n int32) networkingv1.NetworkPolicyPort {
	p := intstr.FromInt32(n)
	return networkingv1.NetworkPolicyPort{Protocol: &proto, Port: &p}
}

func portRange(proto corev1.Protocol, from, to int32) networkingv1.NetworkPolicyPort {
	p := port(proto, from)
	p.EndPort = &to
	return p
}

func ports(ps ...networkingv1.NetworkPolicyPort) []networkingv1.NetworkPolicyPort { return ps }

func peers(ps ...networkingv1.NetworkPolicyPeer) []networkingv1.NetworkPolicyPeer { return ps }

func in(ps []networkingv1.NetworkPolicyPort, from ...networkingv1.NetworkPolicyPeer) networkingv1.NetworkPolicyIngressRule {
	return networkingv1.NetworkPolicyIngressRule{Ports: ps, From: from}
}

func out(ps []networkingv1.NetworkPolicyPort, to ...networkingv1.NetworkPolicyPeer) networkingv1.NetworkPolicyEgressRule {
	return networkingv1.NetworkPolicyEgressRule{Ports: ps, To: to}
}

func objectMeta(ns, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: kv("app.kubernetes.io/managed-by=netc")}
}

var npType = metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"}

func policy(ns, name string, podSel map[string]string, ingress []networkingv1.NetworkPolicyIngressRule, egress []networkingv1.NetworkPolicyEgressRule) *networkingv1.NetworkPolicy {
	np := &networkingv1.NetworkPolicy{TypeMeta: npType, ObjectMeta: objectMeta(ns, name),
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: podSel}, Ingress: ingress, Egress: egress}}
	if ingress != nil {
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
	}
	if egress != nil {
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
	}
	return np
}

func defaultDeny(ns string) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{TypeMeta: npType, ObjectMeta: objectMeta(ns, "netc.default-deny"),
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{"Ingress", "Egress"}}}
}

func allowDNS(ns, dnsNS string, dnsPort int32, dnsLabels ...string) *networkingv1.NetworkPolicy {
	return policy(ns, "netc.allow-dns", nil, nil, []networkingv1.NetworkPolicyEgressRule{
		out(ports(port("UDP", dnsPort), port("TCP", dnsPort)), podsIn(dnsNS, dnsLabels...)),
	})
}

func kubeDNS(ns string) *networkingv1.NetworkPolicy {
	return allowDNS(ns, "kube-system", 53, "k8s-app=kube-dns")
}

// --- helpers ---

// build checks that the hand-built program is one the compiler could make, and builds it.
func build(t *testing.T, p *ir.Program) []Namespace {
	t.Helper()
	if diags := ir.Validate(p); len(diags) > 0 {
		t.Fatalf("hand-built IR is invalid: %v", diags)
	}
	return Build(p)
}

func namespace(t *testing.T, nss []Namespace, name string) Namespace {
	t.Helper()
	for _, ns := range nss {
		if ns.Name == name {
			return ns
		}
	}
	t.Fatalf("no namespace %q in %v", name, nss)
	return Namespace{}
}

// checkPolicies compares policies one by one, printing both as YAML on a difference.
func checkPolicies(t *testing.T, got, want []*networkingv1.NetworkPolicy) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		var g, w *networkingv1.NetworkPolicy
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if !reflect.DeepEqual(g, w) {
			gy, _ := yaml.Marshal(g)
			wy, _ := yaml.Marshal(w)
			t.Errorf("policy %d differs\n--- got\n%s--- want\n%s", i, gy, wy)
		}
	}
}

// --- tests ---

func TestShop(t *testing.T) {
	b := newProg()
	fe, be, db := b.svc("shop", "frontend"), b.svc("shop", "backend", "app=backend", "tier=api"), b.db("shop", "db")
	b.edge(world, fe, tcp(443))
	b.edge(fe, be, tcp(8080))
	b.edge(be, db, tcp(5432))
	ns := namespace(t, build(t, b.build()), "shop")
	checkPolicies(t, ns.Policies, []*networkingv1.NetworkPolicy{
		defaultDeny("shop"),
		kubeDNS("shop"),
		policy("shop", "backend", kv("app=backend", "tier=api"),
			[]networkingv1.NetworkPolicyIngressRule{in(ports(port("TCP", 8080)), pods("app=frontend"))},
			[]networkingv1.NetworkPolicyEgressRule{out(ports(port("TCP", 5432)), pods("app=db"))}),
		policy("shop", "db", kv("app=db"),
			[]networkingv1.NetworkPolicyIngressRule{in(ports(port("TCP", 5432)), pods("app=backend", "tier=api"))}, nil),
		policy("shop", "frontend", kv("app=frontend"),
			[]networkingv1.NetworkPolicyIngressRule{in(ports(port("TCP", 443)), worldPeers()...)},
			[]networkingv1.NetworkPolicyEgressRule{out(ports(port("TCP", 8080)), pods("app=backend", "tier=api"))}),
	})
}

func TestCrossNamespace(t *testing.T) {
	b := newProg()
	fe, api := b.svc("shop", "frontend"), b.svc("payments", "api")
	b.edge(fe, api, tcp(9000))
	nss := build(t, b.build())
	if len(nss) != 2 || nss[0].Name != "payments" || nss[1].Name != "shop" {
		t.Fatalf("namespaces = %v, want payments, shop", nss)
	}
	checkPolicies(t, nss[0].Policies, []*networkingv1.NetworkPolicy{
		defaultDeny("payments"), kubeDNS("payments"),
		policy("payments", "api", kv("app=api"),
			[]networkingv1.NetworkPolicyIngressRule{in(ports(port("TCP", 9000)), podsIn("shop", "app=frontend"))}, nil),
	})
	checkPolicies(t, nss[1].Policies, []*networkingv1.NetworkPolicy{
		defaultDeny("shop"), kubeDNS("shop"),
		policy("shop", "frontend", kv("app=frontend"), nil,
			[]networkingv1.NetworkPolicyEgressRule{out(ports(port("TCP", 9000)), podsIn("payments", "app=api"))}),
	})
}

func TestExternalsAndCIDRDatabase(t *testing.T) {
	b := newProg()
	be := b.svc("shop", "backend")
	stripe := b.ext("shop", "stripe", "198.51.100.7/32", "203.0.113.0/24")
	ledger := b.db("shop", "ledger", "10.20.0.0/24")
	ledger.Port = 5433
	v6 := b.ext("shop", "partner", "2001:db8::/32")
	b.edge(be, stripe, tcp(443))
	b.edge(be, ledger, tcp(5433))
	b.edge(be, v6, tcp(443))
	b.edge(stripe, be, tcp(8443)) // webhooks come back in
	nss := build(t, b.build())
	if len(nss) != 1 {
		t.Fatalf("namespaces = %v, want only shop: a database outside the cluster locks nothing down", nss)
	}
	checkPolicies(t, nss[0].Policies, []*networkingv1.NetworkPolicy{
		defaultDeny("shop"), kubeDNS("shop"),
		policy("shop", "backend", kv("app=backend"),
			[]networkingv1.NetworkPolicyIngressRule{in(ports(port("TCP", 8443)), block("198.51.100.7/32"), block("203.0.113.0/24"))},
			[]networkingv1.NetworkPolicyEgressRule{
				out(ports(port("TCP", 443)), block("198.51.100.7/32"), block("203.0.113.0/24"), block("2001:db8::/32")),
				out(ports(port("TCP", 5433)), block("10.20.0.0/24")),
			}),
	})
}

func TestPortsRangesProtocolsAnyPort(t *testing.T) {
	b := newProg()
	be, batch, admin, dns := b.svc("shop", "backend"), b.svc("shop", "batch"), b.svc("shop", "admin"), b.svc("shop", "dns")
	b.edge(batch, be, tcpRange(9000, 9100), udp(5000), sctp(3868))
	b.edge(admin, be) // every port
	b.edge(admin, dns, udp(53))
	ns := namespace(t, build(t, b.build()), "shop")
	checkPolicies(t, ns.Policies, []*networkingv1.NetworkPolicy{
		defaultDeny("shop"), kubeDNS("shop"),
		policy("shop", "admin", kv("app=admin"), nil, []networkingv1.NetworkPolicyEgressRule{
			out(nil, pods("app=backend")),
			out(ports(port("UDP", 53)), pods("app=dns")),
		}),
		policy("shop", "backend", kv("app=backend"), []networkingv1.NetworkPolicyIngressRule{
			in(nil, pods("app=admin")),
			in(ports(port("SCTP", 3868), portRange("TCP", 9000, 9100), port("UDP", 5000)), pods("app=batch")),
		}, nil),
		policy("shop", "batch", kv("app=batch"), nil, []networkingv1.NetworkPolicyEgressRule{
			out(ports(port("SCTP", 3868), portRange("TCP", 9000, 9100), port("UDP", 5000)), pods("app=backend")),
		}),
		policy("shop", "dns", kv("app=dns"), []networkingv1.NetworkPolicyIngressRule{
			in(ports(port("UDP", 53)), pods("app=admin")),
		}, nil),
	})
}

func TestSourcesMerged(t *testing.T) {
	b := newProg()
	be := b.svc("shop", "backend")
	fe, admin := b.svc("shop", "frontend"), b.svc("shop", "admin")
	mon := b.svc("ops", "monitor")
	everything := b.ext("shop", "everything", "0.0.0.0/0")
	b.edge(fe, be, tcp(8080))
	b.edge(fe, be, tcp(8080)) // duplicate intent
	b.edge(admin, be, tcp(8080))
	b.edge(mon, be, tcp(8080))
	b.edge(mon, be, tcp(8080), tcp(9090)) // another port list: another rule
	b.edge(world, be, tcp(8443))
	b.edge(everything, be, tcp(8443)) // 0.0.0.0/0 twice in one rule
	ns := namespace(t, build(t, b.build()), "shop")
	var got *networkingv1.NetworkPolicy
	for _, p := range ns.Policies {
		if p.Name == "backend" {
			got = p
		}
	}
	checkPolicies(t, []*networkingv1.NetworkPolicy{got}, []*networkingv1.NetworkPolicy{
		policy("shop", "backend", kv("app=backend"), []networkingv1.NetworkPolicyIngressRule{
			in(ports(port("TCP", 8080)), podsIn("ops", "app=monitor"), pods("app=admin"), pods("app=frontend")),
			in(ports(port("TCP", 8080), port("TCP", 9090)), podsIn("ops", "app=monitor")),
			in(ports(port("TCP", 8443)), worldPeers()...),
		}, nil),
	})
}

func TestDNS(t *testing.T) {
	mk := func(dns ir.DNS) Namespace {
		b := newProg()
		b.svc("shop", "lonely")
		b.p.DNS = dns
		return namespace(t, build(t, b.build()), "shop")
	}
	// No edges: the lonely service gets no policy of its own, only the namespace's.
	checkPolicies(t, mk(ir.DNS{}).Policies, []*networkingv1.NetworkPolicy{defaultDeny("shop")})
	checkPolicies(t, mk(ir.DNS{Enabled: true, Namespace: "kube-system", Port: 53,
		Labels: []ir.Label{{Key: "k8s-app", Value: "kube-dns"}}}).Policies,
		[]*networkingv1.NetworkPolicy{defaultDeny("shop"), kubeDNS("shop")})
	checkPolicies(t, mk(ir.DNS{Enabled: true, Namespace: "openshift-dns", Port: 5353,
		Labels: []ir.Label{{Key: "dns.operator.openshift.io/daemonset-dns", Value: "default"}}}).Policies,
		[]*networkingv1.NetworkPolicy{defaultDeny("shop"),
			allowDNS("shop", "openshift-dns", 5353, "dns.operator.openshift.io/daemonset-dns=default")})
}

func TestPolicyTypesAndSelfEdge(t *testing.T) {
	b := newProg()
	w := b.svc("shop", "worker")
	q := b.svc("shop", "queue")
	b.edge(w, w, tcp(7000)) // workers talk to each other
	b.edge(w, q, tcp(5672))
	ns := namespace(t, build(t, b.build()), "shop")
	checkPolicies(t, ns.Policies, []*networkingv1.NetworkPolicy{
		defaultDeny("shop"), kubeDNS("shop"),
		policy("shop", "queue", kv("app=queue"), []networkingv1.NetworkPolicyIngressRule{in(ports(port("TCP", 5672)), pods("app=worker"))}, nil),
		policy("shop", "worker", kv("app=worker"),
			[]networkingv1.NetworkPolicyIngressRule{in(ports(port("TCP", 7000)), pods("app=worker"))},
			[]networkingv1.NetworkPolicyEgressRule{
				out(ports(port("TCP", 5672)), pods("app=queue")),
				out(ports(port("TCP", 7000)), pods("app=worker")),
			}),
	})
}

// splitDocs splits a generated file into its YAML documents, checking the layout:
// the header line, then documents each opened by "---".
func splitDocs(t *testing.T, f artifact.File) [][]byte {
	t.Helper()
	header := "# " + artifact.Header + "\n"
	if !bytes.HasPrefix(f.Data, []byte(header)) {
		t.Fatalf("%s does not start with %q", f.Path, header)
	}
	rest := f.Data[len(header):]
	if !bytes.HasPrefix(rest, []byte("---\n")) {
		t.Fatalf("%s: first document does not start with ---", f.Path)
	}
	return bytes.Split(rest[4:], []byte("\n---\n"))
}

// TestFilesDecodeToBuild: every file is the header and one document per object, and
// each document decodes strictly into exactly the object Build returns.
func TestFilesDecodeToBuild(t *testing.T) {
	p := exampleProgram()
	nss := build(t, p)
	files, diags := Emit(p)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	byPath := map[string]artifact.File{}
	for _, f := range files {
		byPath[f.Path] = f
	}
	if len(byPath) != len(files) {
		t.Fatal("two files share a path")
	}
	n := 0
	for _, ns := range nss {
		f, ok := byPath["kubernetes/"+ns.Name+"/networkpolicies.yaml"]
		if !ok {
			t.Fatalf("no policies file for %s", ns.Name)
		}
		n++
		docs := splitDocs(t, f)
		if len(docs) != len(ns.Policies) {
			t.Fatalf("%s: %d documents, want %d", f.Path, len(docs), len(ns.Policies))
		}
		for i, doc := range docs {
			var got networkingv1.NetworkPolicy
			if err := yaml.UnmarshalStrict(doc, &got); err != nil {
				t.Fatalf("%s document %d: %v", f.Path, i+1, err)
			}
			if !reflect.DeepEqual(&got, ns.Policies[i]) {
				t.Fatalf("%s document %d decodes to another object:\n%s", f.Path, i+1, doc)
			}
		}
	}
	if n != len(files) {
		t.Errorf("%d files, %d expected from Build", len(files), n)
	}
}

// exampleProgram is a little of everything.
func exampleProgram() *ir.Program {
	b := newProg()
	fe, be, db := b.svc("shop", "frontend"), b.svc("shop", "backend"), b.db("shop", "db")
	api := b.svc("payments", "api")
	api.MountToken = true
	stripe := b.ext("payments", "stripe", "203.0.113.0/24", "2001:db8::/48")
	ledger := b.db("payments", "ledger", "10.20.0.0/24")
	b.edge(world, fe, tcp(443), tcp(80))
	b.edge(fe, be, tcp(8080))
	b.edge(be, db, tcp(5432))
	b.edge(be, api, tcp(9000), tcpRange(9100, 9200))
	b.edge(api, stripe, tcp(443))
	b.edge(api, ledger, tcp(5433))
	b.edge(api, world) // every port, anywhere
	b.db("data", "warehouse")
	return b.build()
}

func TestDeterministic(t *testing.T) {
	p := benchProgram(2000, 40)
	first, _ := Emit(p)
	for _, procs := range []int{1, 2, 7} {
		prev := runtime.GOMAXPROCS(procs)
		again, _ := Emit(p)
		runtime.GOMAXPROCS(prev)
		if len(again) != len(first) {
			t.Fatalf("GOMAXPROCS=%d: %d files, first run %d", procs, len(again), len(first))
		}
		for i := range first {
			if first[i].Path != again[i].Path || !bytes.Equal(first[i].Data, again[i].Data) {
				t.Fatalf("GOMAXPROCS=%d: %s differs between runs", procs, first[i].Path)
			}
		}
	}
}

// benchProgram is issue 5's workload: n services in n/perNS namespaces, each listening
// on one TCP port and calling 5 others (3 in its namespace, 2 anywhere). Deterministic.
func benchProgram(n, perNS int) *ir.Program {
	b := newProg()
	r := rand.New(rand.NewPCG(5, 50000))
	svcs := make([]*ir.Service, n)
	for i := range svcs {
		svcs[i] = b.svc(fmt.Sprintf("ns-%04d", i/perNS), fmt.Sprintf("svc-%06d", i))
	}
	for i, s := range svcs {
		base := i / perNS * perNS
		for range 3 {
			t := svcs[base+r.IntN(perNS)]
			b.edge(s, t, tcp(8000+int32(t.Span.Start.Line%100)))
		}
		for range 2 {
			t := svcs[r.IntN(n)]
			b.edge(s, t, tcp(8000+int32(t.Span.Start.Line%100)))
		}
	}
	return b.build()
}

func BenchmarkEmit50k(b *testing.B) {
	p := benchProgram(50000, 50)
	b.ResetTimer()
	var size int
	for b.Loop() {
		files, diags := Emit(p)
		if len(diags) > 0 {
			b.Fatal(diags)
		}
		size = 0
		for _, f := range files {
			size += len(f.Data)
		}
	}
	b.ReportMetric(float64(size)/1e6, "MB-output")
}

func BenchmarkEmit10k(b *testing.B) {
	p := benchProgram(10000, 50)
	b.ResetTimer()
	for b.Loop() {
		if _, diags := Emit(p); len(diags) > 0 {
			b.Fatal(diags)
		}
	}
}

// TestManyPortLists: a workload reached on more distinct port lists than the merger
// scans linearly still gets one rule per list, in port order, peers merged.
func TestManyPortLists(t *testing.T) {
	b := newProg()
	hub := b.svc("shop", "hub")
	const lists = 20
	r := rand.New(rand.NewPCG(1, 2))
	var srcs [lists][2]*ir.Service
	for i := range lists {
		for j := range 2 {
			srcs[i][j] = b.svc("shop", fmt.Sprintf("src-%02d-%d", i, j))
		}
	}
	// Each source twice, in a shuffled order, the odd lists with two ports.
	var order []int
	for i := range 2 * lists * 2 {
		order = append(order, i%(lists*2))
	}
	r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	for _, k := range order {
		i, j := k/2, k%2
		ps := []ir.Port{tcp(1000 + int32(i))}
		if i%2 == 1 {
			ps = append(ps, udp(1000+int32(i)))
		}
		b.edge(srcs[i][j], hub, ps...)
	}
	ns := namespace(t, build(t, b.build()), "shop")
	var got *networkingv1.NetworkPolicy
	for _, p := range ns.Policies {
		if p.Name == "hub" {
			got = p
		}
	}
	var want []networkingv1.NetworkPolicyIngressRule
	for i := range lists {
		ps := ports(port("TCP", 1000+int32(i)))
		if i%2 == 1 {
			ps = append(ps, port("UDP", 1000+int32(i)))
		}
		want = append(want, in(ps, pods(fmt.Sprintf("app=src-%02d-0", i)), pods(fmt.Sprintf("app=src-%02d-1", i))))
	}
	checkPolicies(t, []*networkingv1.NetworkPolicy{got}, []*networkingv1.NetworkPolicy{
		policy("shop", "hub", kv("app=hub"), want, nil),
	})
}
