package conformance

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/netc-dev/netc/compiler/ir"
)

// irBuilder assembles small ir.Program values by hand, for tests that must not depend
// on the compiler. It fills what the compiler's canonicalise stage would: sorted
// namespaces, services and edges.
type irBuilder struct {
	p        *ir.Program
	services map[string]*ir.Service
	dbs      map[string]*ir.Database
	exts     map[string]*ir.External
}

func newIR() *irBuilder {
	return &irBuilder{
		p: &ir.Program{DNS: ir.DNS{Enabled: true, Namespace: "kube-system",
			Labels: []ir.Label{{Key: "k8s-app", Value: "kube-dns"}}, Port: 53}},
		services: map[string]*ir.Service{},
		dbs:      map[string]*ir.Database{},
		exts:     map[string]*ir.External{},
	}
}

// service declares NS/NAME with labels "k=v,k2=v2" (default app=NAME).
func (b *irBuilder) service(key, labels string, ports ...ir.NamedPort) *irBuilder {
	ns, name, _ := strings.Cut(key, "/")
	s := &ir.Service{Namespace: ns, Name: name, Labels: parseLabels(labels, name), Ports: ports,
		Account: name, Login: name, Declared: true}
	b.services[key] = s
	b.p.Services = append(b.p.Services, s)
	return b
}

func (b *irBuilder) database(key string, port int32, cidrs ...string) *irBuilder {
	ns, name, _ := strings.Cut(key, "/")
	d := &ir.Database{Namespace: ns, Name: name, Engine: ir.Postgres, Port: port, DBName: name,
		Schema: "public", Labels: parseLabels("", name), Declared: true}
	for _, c := range cidrs {
		d.CIDRs = append(d.CIDRs, netip.MustParsePrefix(c))
	}
	b.dbs[key] = d
	b.p.Databases = append(b.p.Databases, d)
	return b
}

func (b *irBuilder) external(key string, cidrs ...string) *irBuilder {
	ns, name, _ := strings.Cut(key, "/")
	e := &ir.External{Namespace: ns, Name: name}
	for _, c := range cidrs {
		e.CIDRs = append(e.CIDRs, netip.MustParsePrefix(c))
	}
	slices.SortFunc(e.CIDRs, func(a, c netip.Prefix) int { return a.Addr().Compare(c.Addr()) })
	b.exts[key] = e
	b.p.Externals = append(b.p.Externals, e)
	return b
}

// peer resolves "world" or NS/NAME of a declared service, database or external.
func (b *irBuilder) peer(key string) *ir.Peer {
	if key == "world" {
		cidrs := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
		return &ir.Peer{Kind: ir.PeerCIDRs, World: true, CIDRs: cidrs, Blocks: wholeBlocks(cidrs)}
	}
	if s, ok := b.services[key]; ok {
		return &ir.Peer{Kind: ir.PeerPods, Namespace: s.Namespace, Labels: s.Labels, Service: s}
	}
	if d, ok := b.dbs[key]; ok {
		if d.InCluster() {
			return &ir.Peer{Kind: ir.PeerPods, Namespace: d.Namespace, Labels: d.Labels, Database: d}
		}
		return &ir.Peer{Kind: ir.PeerCIDRs, CIDRs: d.CIDRs, Blocks: wholeBlocks(d.CIDRs), Database: d}
	}
	if e, ok := b.exts[key]; ok {
		return &ir.Peer{Kind: ir.PeerCIDRs, CIDRs: e.CIDRs, Blocks: wholeBlocks(e.CIDRs), External: e}
	}
	panic("irBuilder: unknown peer " + key)
}

// wholeBlocks is one ipBlock per CIDR with nothing left out: hand-built programs
// configure no cluster networks.
func wholeBlocks(cidrs []netip.Prefix) []ir.Block {
	bs := make([]ir.Block, len(cidrs))
	for i, c := range cidrs {
		bs[i].CIDR = c
	}
	return bs
}

// edge adds FROM -> TO on ports ("TCP/8080", "UDP/53", "TCP/9000-9100"); none means all.
func (b *irBuilder) edge(from, to string, ports ...string) *irBuilder {
	e := &ir.Edge{From: b.peer(from), To: b.peer(to)}
	for _, p := range ports {
		e.Ports = append(e.Ports, parsePort(p))
	}
	b.p.Edges = append(b.p.Edges, e)
	return b
}

func (b *irBuilder) noDNS() *irBuilder {
	b.p.DNS.Enabled = false
	return b
}

func (b *irBuilder) build() *ir.Program {
	ns := map[string]bool{}
	for _, s := range b.p.Services {
		ns[s.Namespace] = true
	}
	for _, d := range b.p.Databases {
		if d.InCluster() {
			ns[d.Namespace] = true
		}
	}
	b.p.Namespaces = nil
	for n := range ns {
		b.p.Namespaces = append(b.p.Namespaces, n)
	}
	slices.Sort(b.p.Namespaces)
	slices.SortStableFunc(b.p.Services, func(a, c *ir.Service) int {
		return strings.Compare(a.Namespace+"/"+a.Name, c.Namespace+"/"+c.Name)
	})
	slices.SortStableFunc(b.p.Edges, func(a, c *ir.Edge) int {
		if x := strings.Compare(a.From.Key(), c.From.Key()); x != 0 {
			return x
		}
		return strings.Compare(a.To.Key(), c.To.Key())
	})
	return b.p
}

func parseLabels(s, name string) []ir.Label {
	if s == "" {
		return []ir.Label{{Key: "app", Value: name}}
	}
	var ls []ir.Label
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		ls = append(ls, ir.Label{Key: k, Value: v})
	}
	slices.SortFunc(ls, func(a, c ir.Label) int { return strings.Compare(a.Key, c.Key) })
	return ls
}

func parsePort(s string) ir.Port {
	proto, rng, _ := strings.Cut(s, "/")
	lo, hi, _ := strings.Cut(rng, "-")
	p := ir.Port{Protocol: ir.Protocol(proto), Port: atoi32(lo)}
	if hi != "" {
		p.EndPort = atoi32(hi)
	}
	return p
}

func atoi32(s string) int32 {
	var n int32
	for _, c := range s {
		n = n*10 + int32(c-'0')
	}
	return n
}
