package conformance

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"testing"

	"github.com/np-guard/models/pkg/netset"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/config"
)

// checkClusterBlocks judges the cluster networks where netpol-analyzer cannot: it never
// takes a pod to be selected by an ipBlock (pkg/netpol/eval/internal/k8s/netpol.go,
// ruleSelectsPeer: "assuming that peer of type Pod cannot be selected by IPBlock"),
// while many CNIs do match pod IPs against ipBlocks. So, with np-guard's own IPv4 set
// arithmetic (netset.IPBlock, what the analyzer evaluates ipBlocks with), every IPv4
// ipBlock the policies hold, CIDR minus except, must
//   - reach no address of the cluster networks and no fixture pod's IP, and
//   - be exactly its CIDR minus the cluster networks (nothing else left out),
//
// and every fixture pod IP must lie in a pod network, so the check means something.
// IPv6 blocks are judged by the analyzer over the projected family (check), and the
// except lists' shape (strict subsets of the CIDR, one family) by upstream validation.
func checkClusterBlocks(p *ir.Program, nps []*networkingv1.NetworkPolicy, fx *fixtures) []error {
	if !p.Cluster.Known() {
		return nil
	}
	var errs []error
	var v4 []string
	for _, c := range p.Cluster.Ranges() {
		if c.Addr().Is4() {
			v4 = append(v4, c.String())
		}
	}
	cluster, err := netset.IPBlockFromCidrList(v4)
	if err != nil {
		return []error{fmt.Errorf("cluster networks %v: %v", v4, err)}
	}
	var pods []*netset.IPBlock
	for i := range fx.Pods {
		ip := podIP(i)
		b, err := netset.IPBlockFromIPAddress(ip)
		if err != nil {
			return []error{fmt.Errorf("pod IP %s: %v", ip, err)}
		}
		inPods := false
		for _, c := range p.Cluster.PodCIDRs {
			inPods = inPods || c.Contains(netip.MustParseAddr(ip))
		}
		if !inPods {
			errs = append(errs, fmt.Errorf("fixture pod %s has IP %s outside the pod networks %v", fx.Pods[i].key(), ip, p.Cluster.PodCIDRs))
		}
		pods = append(pods, b)
	}
	for _, np := range nps {
		forEachIPBlock(np, func(b *networkingv1.IPBlock) {
			pfx, err := netip.ParsePrefix(b.CIDR)
			if err != nil || !pfx.Addr().Is4() {
				return // reported by validation, or IPv6
			}
			whole, err := netset.IPBlockFromCidr(b.CIDR)
			if err != nil {
				errs = append(errs, fmt.Errorf("NetworkPolicy %s/%s: ipBlock %s: %v", np.Namespace, np.Name, b.CIDR, err))
				return
			}
			got, err := whole.ExceptCidrs(b.Except...)
			if err != nil {
				errs = append(errs, fmt.Errorf("NetworkPolicy %s/%s: ipBlock %s except %v: %v", np.Namespace, np.Name, b.CIDR, b.Except, err))
				return
			}
			if got.Overlap(cluster) {
				errs = append(errs, fmt.Errorf("NetworkPolicy %s/%s: ipBlock %s except %v reaches the cluster networks at %s",
					np.Namespace, np.Name, b.CIDR, b.Except, got.Intersect(cluster).ToIPRanges()))
			}
			if want := whole.Subtract(cluster); !got.Equal(want) {
				errs = append(errs, fmt.Errorf("NetworkPolicy %s/%s: ipBlock %s except %v is %s, want its CIDR minus the cluster networks, %s",
					np.Namespace, np.Name, b.CIDR, b.Except, got.ToIPRanges(), want.ToIPRanges()))
			}
			for i, pb := range pods {
				if pb.IsSubset(got) {
					errs = append(errs, fmt.Errorf("NetworkPolicy %s/%s: ipBlock %s except %v reaches pod %s (%s)",
						np.Namespace, np.Name, b.CIDR, b.Except, fx.Pods[i].key(), podIP(i)))
					break
				}
			}
		})
	}
	return errs
}

// TestHarnessCatchesExactnessMistakes builds two of the inline programs with netc and
// breaks the output where issue 8 found holes: the judge must see each one.
func TestHarnessCatchesExactnessMistakes(t *testing.T) {
	program := func(name string) (*ir.Program, []artifact.File) {
		for _, c := range inlinePrograms {
			if c.name == name {
				var cfg *config.Config
				if c.hcl != "" {
					cfg, _ = config.Load(config.FileName, []byte(c.hcl))
				}
				p := compile(t, []compiler.Source{{Name: "a.net", Data: []byte(c.src)}}, cfg)
				return p, build(t, p, cfg)
			}
		}
		t.Fatalf("no inline program %q", name)
		return nil, nil
	}
	replaceAll := func(files []artifact.File, path string, re *regexp.Regexp, with string) []artifact.File {
		res := slices.Clone(files)
		for i, f := range res {
			if f.Path == path {
				if !re.Match(f.Data) {
					t.Fatalf("%s: %s matches nothing", path, re)
				}
				res[i].Data = re.ReplaceAll(f.Data, []byte(with))
			}
		}
		return res
	}
	narrow, narrowFiles := program("narrower selector")
	several, severalFiles := program("narrower selectors of two extra labels, across namespaces")
	cluster, clusterFiles := program("cluster networks")
	const def, shop = "kubernetes/default/networkpolicies.yaml", "kubernetes/shop/networkpolicies.yaml"
	cases := []struct {
		name  string
		p     *ir.Program
		files []artifact.File
		want  []string
	}{{
		name:  "narrower workload's pods not left out",
		p:     narrow,
		files: replaceAll(narrowFiles, def, regexp.MustCompile(`(?m)^ *matchExpressions:\n *- key: app\n *operator: NotIn\n *values:\n *- shop\n`), ""),
		want:  []string{"default/client -> default/shopweb TCP 80", "default/shopweb -> default/other TCP 82"},
	}, {
		name:  "the second selector of a broader workload dropped",
		p:     several,
		files: replaceAll(severalFiles, shop, regexp.MustCompile(`(?s)\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  labels:\n    app.kubernetes.io/managed-by: netc\n  name: web\.2\n.*`), "\n"),
		want:  []string{"missing: the intents open these", "shop/client -> shop/shopweb-without-track TCP 80"},
	}, {
		name:  "world's except list dropped",
		p:     cluster,
		files: replaceAll(clusterFiles, shop, regexp.MustCompile(`(?m)^(        cidr: 0\.0\.0\.0/0\n)        except:\n        - 10\.96\.0\.0/12\n        - 10\.244\.0\.0/16\n`), "$1"),
		want: []string{"10.244.0.0/16 -> shop/frontend TCP 443", "reaches the cluster networks at 10.96.0.0-10.111.255.255, 10.244.0.0-10.244.255.255",
			"reaches pod shop/"},
	}, {
		name:  "an IPv6 except dropped",
		p:     cluster,
		files: replaceAll(clusterFiles, shop, regexp.MustCompile(`(?m)^(        cidr: fd00::/8\n        except:\n)        - fd00:10:96::/112\n`), "$1"),
		want:  []string{"shop/backend -> fd00:10:96::/112 TCP 443"},
	}, {
		name:  "more left out than the cluster networks",
		p:     cluster,
		files: replaceAll(clusterFiles, shop, regexp.MustCompile(`(?m)^(        cidr: 10\.0\.0\.0/8\n        except:\n)`), "${1}        - 10.1.0.0/16\n"),
		want:  []string{"missing: the intents open these", "shop/backend -> 10.1.0.0/16 TCP 443", "want its CIDR minus the cluster networks"},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { requireCaught(t, c.p, c.files, c.want) })
	}
}
