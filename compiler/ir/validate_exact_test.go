package ir

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// overlapping is valid() plus web (tier=web) and shopweb (tier=web, app=shop, track=x),
// web leaving shopweb out in its two selectors, and world egress from frontend with the
// cluster networks left out.
func overlapping() *Program {
	p := valid()
	web := &Service{Namespace: "shop", Name: "web", Account: "web", Labels: []Label{{Key: "tier", Value: "web"}}, Span: at(6)}
	shopweb := &Service{Namespace: "shop", Name: "shopweb", Account: "shopweb",
		Labels: []Label{{Key: "app", Value: "shop"}, {Key: "tier", Value: "web"}, {Key: "track", Value: "x"}}, Span: at(7)}
	web.Exclusion = Exclusion{
		Narrower: []Narrower{{Name: "shopweb", Extra: []Label{{Key: "app", Value: "shop"}, {Key: "track", Value: "x"}}, Span: at(7)}},
		Terms:    []Term{{Without: []Label{{Key: "app", Value: "shop"}}}, {Without: []Label{{Key: "track", Value: "x"}}}},
	}
	p.Services = append(p.Services, shopweb, web)
	p.Cluster = Cluster{PodCIDRs: []netip.Prefix{netip.MustParsePrefix("10.244.0.0/16")}, ServiceCIDRs: []netip.Prefix{netip.MustParsePrefix("10.96.0.0/12")}}
	world := &Peer{Kind: PeerCIDRs, World: true, CIDRs: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")},
		Blocks: []Block{{CIDR: netip.MustParsePrefix("0.0.0.0/0"), Except: []netip.Prefix{netip.MustParsePrefix("10.96.0.0/12"), netip.MustParsePrefix("10.244.0.0/16")}}}}
	p.Edges = append(p.Edges, &Edge{From: p.Edges[0].From, To: world, Span: at(8)})
	return p
}

func TestValidateExact(t *testing.T) {
	if d := Validate(overlapping()); len(d) > 0 {
		t.Fatalf("valid program rejected: %v", d)
	}
	web := func(p *Program) *Service { return p.Services[2] }
	world := func(p *Program) *Peer { return p.Edges[1].To }
	tests := []struct {
		name   string
		break_ func(p *Program)
		want   string
	}{
		{"same selector", func(p *Program) { p.Services[1].Labels = web(p).Labels; web(p).Exclusion = Exclusion{} }, "have the same selector"},
		{"narrower not left out", func(p *Program) { web(p).Exclusion = Exclusion{} }, "leaves out [], but the workloads its labels also select are [shopweb]"},
		{"left out but not narrower", func(p *Program) { p.Services[1].Labels = []Label{{Key: "app", Value: "shop"}} }, "leaves out [shopweb], but the workloads its labels also select are []"},
		{"wrong extra", func(p *Program) { web(p).Exclusion.Narrower[0].Extra = []Label{{Key: "app", Value: "shop"}} }, "narrower shopweb adds app=shop,track=x"},
		{"term reaches narrower pods", func(p *Program) { web(p).Exclusion.Terms[1].Without = []Label{{Key: "zone", Value: "a"}} }, "still selects the pods of shopweb"},
		{"terms miss pods", func(p *Program) { web(p).Exclusion.Terms = web(p).Exclusion.Terms[:1] }, "no selector term reaches its pods that lack track=x"},
		{"no terms", func(p *Program) { web(p).Exclusion.Terms = nil }, "1 narrower workloads but 0 selector terms"},
		{"term on own key", func(p *Program) { web(p).Exclusion.Terms[0].Without = []Label{{Key: "tier", Value: "api"}} }, "a key of its own labels"},
		{"except missing", func(p *Program) { world(p).Blocks[0].Except = world(p).Blocks[0].Except[1:] }, "leaves out [10.244.0.0/16], but the cluster networks inside it are [10.96.0.0/12 10.244.0.0/16]"},
		{"except beyond the cluster", func(p *Program) {
			world(p).Blocks[0].Except = append(world(p).Blocks[0].Except, netip.MustParsePrefix("192.168.0.0/16"))
		}, "but the cluster networks inside it are"},
		{"no blocks", func(p *Program) { world(p).Blocks = nil }, "has 1 CIDRs but 0 ipBlocks"},
		{"external inside the cluster", func(p *Program) {
			p.Externals = []*External{{Namespace: "shop", Name: "x", CIDRs: []netip.Prefix{netip.MustParsePrefix("10.244.1.0/24")}, Span: at(9)}}
		}, "10.244.1.0/24 lies inside the cluster network 10.244.0.0/16"},
		{"cluster networks overlap", func(p *Program) { p.Cluster.ServiceCIDRs = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} }, "overlap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := overlapping()
			tt.break_(p)
			d := Validate(p)
			if !d.HasErrors() || !strings.Contains(fmt.Sprint(d), tt.want) {
				t.Errorf("diagnostics = %v, want an error containing %q", d, tt.want)
			}
		})
	}
}
