package netpol

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
)

// prog builds ir.Program values by hand, in the canonical form the compiler produces:
// every list sorted, peers shared between edges, spans increasing in statement order.
type prog struct {
	p     ir.Program
	peers map[any]*ir.Peer
	line  int
}

func newProg() *prog {
	return &prog{
		p:     ir.Program{DNS: ir.DNS{Enabled: true, Namespace: "kube-system", Labels: []ir.Label{{Key: "k8s-app", Value: "kube-dns"}}, Port: 53}},
		peers: map[any]*ir.Peer{},
	}
}

func (b *prog) span() diag.Span {
	b.line++
	return diag.Span{File: "test.net", Start: diag.Pos{Line: b.line, Col: 1}, End: diag.Pos{Line: b.line, Col: 2}}
}

// labels parses "k=v" pairs; none means app=<name>.
func labels(name string, kv []string) []ir.Label {
	if len(kv) == 0 {
		return []ir.Label{{Key: "app", Value: name}}
	}
	var ls []ir.Label
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		ls = append(ls, ir.Label{Key: k, Value: v})
	}
	slices.SortFunc(ls, func(a, b ir.Label) int { return cmp.Compare(a.Key, b.Key) })
	return ls
}

func (b *prog) svc(ns, name string, kv ...string) *ir.Service {
	s := &ir.Service{Namespace: ns, Name: name, Labels: labels(name, kv), Account: name, Login: name, Declared: true, Span: b.span()}
	b.p.Services = append(b.p.Services, s)
	return s
}

func (b *prog) db(ns, name string, cidrs ...string) *ir.Database {
	d := &ir.Database{Namespace: ns, Name: name, Engine: ir.Postgres, Port: 5432, DBName: name, Schema: "public",
		Labels: labels(name, nil), Declared: true, Span: b.span()}
	for _, c := range cidrs {
		d.CIDRs = append(d.CIDRs, netip.MustParsePrefix(c))
	}
	b.p.Databases = append(b.p.Databases, d)
	return d
}

func (b *prog) ext(ns, name string, cidrs ...string) *ir.External {
	e := &ir.External{Namespace: ns, Name: name, Span: b.span()}
	for _, c := range cidrs {
		e.CIDRs = append(e.CIDRs, netip.MustParsePrefix(c))
	}
	b.p.Externals = append(b.p.Externals, e)
	return e
}

const world = "world"

// peer returns the one shared peer of a service, database, external or world.
func (b *prog) peer(x any) *ir.Peer {
	if p, ok := b.peers[x]; ok {
		return p
	}
	var p *ir.Peer
	switch x := x.(type) {
	case *ir.Service:
		p = &ir.Peer{Kind: ir.PeerPods, Namespace: x.Namespace, Labels: x.Labels, Service: x}
	case *ir.Database:
		p = &ir.Peer{Kind: ir.PeerPods, Namespace: x.Namespace, Labels: x.Labels, Database: x}
		if !x.InCluster() {
			p = &ir.Peer{Kind: ir.PeerCIDRs, CIDRs: x.CIDRs, Database: x}
		}
	case *ir.External:
		p = &ir.Peer{Kind: ir.PeerCIDRs, CIDRs: x.CIDRs, External: x}
	case string: // world
		p = &ir.Peer{Kind: ir.PeerCIDRs, World: true,
			CIDRs: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}}
	default:
		panic("peer of unknown thing")
	}
	b.peers[x] = p
	return p
}

func tcp(port int32) ir.Port { return ir.Port{Protocol: ir.TCP, Port: port} }
func udp(port int32) ir.Port { return ir.Port{Protocol: ir.UDP, Port: port} }
func sctp(port int32) ir.Port {
	return ir.Port{Protocol: ir.SCTP, Port: port}
}
func tcpRange(from, to int32) ir.Port { return ir.Port{Protocol: ir.TCP, Port: from, EndPort: to} }

// edge adds from -> to on ports (none: every port).
func (b *prog) edge(from, to any, ports ...ir.Port) *ir.Edge {
	e := &ir.Edge{From: b.peer(from), To: b.peer(to), Ports: ports, Span: b.span()}
	b.p.Edges = append(b.p.Edges, e)
	return e
}

// build sorts everything as the compiler's canonicalise stage does, and gives every
// address peer its ipBlocks: each CIDR minus the cluster networks inside it.
func (b *prog) build() *ir.Program {
	p := &b.p
	for _, peer := range b.peers {
		if peer.Kind != ir.PeerCIDRs {
			continue
		}
		peer.Blocks = nil
		for _, c := range peer.CIDRs {
			blk := ir.Block{CIDR: c}
			for _, r := range p.Cluster.Ranges() {
				if r != c && ir.PrefixWithin(r, c) {
					blk.Except = append(blk.Except, r)
				}
			}
			peer.Blocks = append(peer.Blocks, blk)
		}
	}
	nss := map[string]bool{}
	for _, s := range p.Services {
		nss[s.Namespace] = true
	}
	for _, d := range p.Databases {
		if d.InCluster() {
			nss[d.Namespace] = true
		}
	}
	p.Namespaces = nil
	for ns := range nss {
		p.Namespaces = append(p.Namespaces, ns)
	}
	slices.Sort(p.Namespaces)
	byNsName := func(ans, an, bns, bn string) int {
		return cmp.Or(cmp.Compare(ans, bns), cmp.Compare(an, bn))
	}
	slices.SortFunc(p.Services, func(a, b *ir.Service) int { return byNsName(a.Namespace, a.Name, b.Namespace, b.Name) })
	slices.SortFunc(p.Databases, func(a, b *ir.Database) int { return byNsName(a.Namespace, a.Name, b.Namespace, b.Name) })
	slices.SortFunc(p.Externals, func(a, b *ir.External) int { return byNsName(a.Namespace, a.Name, b.Namespace, b.Name) })
	for _, e := range p.Edges {
		slices.SortFunc(e.Ports, func(a, b ir.Port) int {
			return cmp.Or(cmp.Compare(a.Protocol, b.Protocol), cmp.Compare(a.Port, b.Port), cmp.Compare(a.EndPort, b.EndPort))
		})
	}
	slices.SortStableFunc(p.Edges, func(a, b *ir.Edge) int {
		return cmp.Or(cmp.Compare(a.From.Key(), b.From.Key()), cmp.Compare(a.To.Key(), b.To.Key()), a.Span.Compare(b.Span))
	})
	return p
}
