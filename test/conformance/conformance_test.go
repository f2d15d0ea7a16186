package conformance

import (
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netc-dev/netc/backends"
	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
)

// examplesDir holds the programs users start from; every one must conform.
const examplesDir = "../../examples"

// build runs netc's backends over p, as `netc build` does, and fails t on errors.
func build(t *testing.T, p *ir.Program, cfg *config.Config) []artifact.File {
	t.Helper()
	files, diags := backends.Build(p, cfg)
	if diags.HasErrors() {
		t.Fatalf("backends.Build: %v", diags)
	}
	return files
}

// compile compiles sources as `netc build` would and fails t on errors.
func compile(t *testing.T, srcs []compiler.Source, cfg *config.Config) *ir.Program {
	t.Helper()
	p, diags := compiler.Compile(srcs, compiler.Options{Config: cfg})
	if diags.HasErrors() || p == nil {
		t.Fatalf("compile: %v", diags)
	}
	return p
}

// TestExamples builds every program under examples/ (a .net file alone, or a directory
// of them as one program) and checks the output.
func TestExamples(t *testing.T) {
	entries, err := os.ReadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		var srcs []compiler.Source
		switch {
		case e.IsDir():
			srcs = readSources(t, filepath.Join(examplesDir, name))
		case strings.HasSuffix(name, ".net"):
			srcs = readSources(t, filepath.Join(examplesDir, name))
		default:
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			cfg := exampleConfig(t, filepath.Join(examplesDir, name))
			p := compile(t, srcs, cfg)
			if len(p.Edges) == 0 {
				t.Fatal("the example opens no path: nothing to check")
			}
			requireConformant(t, p, build(t, p, cfg))
		})
	}
	if n < 3 {
		t.Errorf("found %d example programs under %s, want at least 3", n, examplesDir)
	}
}

// readSources reads a .net file, or every .net file below a directory, sorted.
func readSources(t *testing.T, path string) []compiler.Source {
	t.Helper()
	var names []string
	if fi, err := os.Stat(path); err != nil {
		t.Fatal(err)
	} else if !fi.IsDir() {
		names = []string{path}
	} else {
		err := filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".net") {
				names = append(names, p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(names)
	var srcs []compiler.Source
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, compiler.Source{Name: n, Data: data})
	}
	return srcs
}

// exampleConfig reads the netc.hcl of an example directory, if it has one.
func exampleConfig(t *testing.T, path string) *config.Config {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil || !fi.IsDir() {
		return nil
	}
	file := filepath.Join(path, config.FileName)
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	cfg, diags := config.Load(file, data)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", file, diags)
	}
	return cfg
}

// inlinePrograms exercise what the examples may not: every port form, both address
// families, selectors of several labels, several namespaces with the same names, DNS
// settings. Each is compiled by netc's own compiler.
var inlinePrograms = []struct {
	name string
	src  string
	hcl  string // netc.hcl, if any
}{{
	name: "one-liner",
	src:  "frontend -> backend:8080; backend -> db:5432 as role app_rw\n",
}, {
	name: "ports",
	src: `namespace edge
service gw { port https 8443 }
service media { labels app=media, tier=stream, team=av }
service sink
external cdn 198.51.100.0/24, 2001:db8:cd::/48
world -> gw:https
gw -> media:8000, 8001/udp, 9000-9100/tcp, 5000/sctp
media -> sink                       # netc:allow any-port all ports on purpose
media -> cdn:443
sink -> world:443                   # netc:allow world-egress uploads
`,
}, {
	name: "same names in several namespaces",
	src: `namespace a {
  service api { labels app=api, tier=backend }
  service web
  web -> api:8080
  web -> b/api:8080
}
namespace b {
  service api { labels app=api, tier=backend }
  service web
  web -> api:8080
}
`,
}, {
	name: "self edge and database outside the cluster",
	src: `namespace data
service worker
database ledger postgres {
  cidr 10.20.0.0/24
  port 5433
}
database cache mysql
worker -> worker:7946
worker -> ledger:5433 as role rw
worker -> cache:3306
role rw on ledger { select on entries }
`,
}, {
	name: "dns on another port",
	src:  "namespace apps\nweb -> api:8080\n",
	hcl: `dns {
  namespace = "openshift-dns"
  labels    = { "dns.operator.openshift.io/daemonset-dns" = "default" }
  port      = 5353
}
`,
}, {
	name: "dns off",
	src:  "namespace apps\nweb -> api:8080\n",
	hcl:  "dns {\n  enabled = false\n}\n",
}, {
	// Issue 8, hole 1: web's selector also selects shopweb's pods.
	name: "narrower selector",
	src: `service web { labels tier=web }
service shopweb { labels tier=web, app=shop }
client -> web:80
web -> other:82
`,
}, {
	name: "narrower selectors of two extra labels, across namespaces",
	src: `namespace shop
service web { labels tier=web }
service shopweb { labels tier=web, app=shop, track=stable }
service canary { labels tier=web, app=shop, track=canary }
database cache mysql { labels tier=web, app=cache }
client -> web:80
web -> other:82
canary -> cache:3306
shopweb -> web:8080
monitor/scraper -> web:9090
web -> monitor/sink:9000
namespace monitor
service sink { labels app=sink }
service shard { labels app=sink, shard=a }
web2 -> shop/web:80
`,
}, {
	name: "selectors sharing a label, neither inside the other",
	src: `service web { labels tier=web, team=storefront }  # netc:allow selector-ambiguous the decoys test pods of both
service shopweb { labels tier=web, app=shop }
client -> web:80
shopweb -> api:82
`,
}, {
	// Issue 8, hole 4: world and externals leave the cluster networks out.
	name: "cluster networks",
	src: `namespace shop
external corp 10.0.0.0/8, 192.0.2.0/24
external partner 2001:db8::/32, fd00::/8
database legacy postgres { cidr 172.16.0.0/12 }
world -> frontend:443
frontend -> backend:8080
backend -> corp:443
backend -> partner:443
backend -> legacy:5432
corp -> backend:8443
backend -> world:9443  # netc:allow world-egress test
`,
	hcl: `cluster {
  pod_cidrs     = ["10.244.0.0/16", "fd00:10:244::/56"]
  service_cidrs = ["10.96.0.0/12", "fd00:10:96::/112"]
}
`,
}}

func TestInlinePrograms(t *testing.T) {
	for _, c := range inlinePrograms {
		t.Run(c.name, func(t *testing.T) {
			var cfg *config.Config
			if c.hcl != "" {
				var diags diag.List
				cfg, diags = config.Load(config.FileName, []byte(c.hcl))
				if diags.HasErrors() {
					t.Fatalf("netc.hcl: %v", diags)
				}
			}
			p := compile(t, []compiler.Source{{Name: c.name + ".net", Data: []byte(c.src)}}, cfg)
			if cfg != nil {
				// The expectation reads DNS from the IR; make sure the IR took it from netc.hcl.
				want := cfg.DNS
				got := p.DNS
				if got.Enabled != want.Enabled || want.Enabled && (got.Namespace != want.Namespace || got.Port != want.Port ||
					!maps.Equal(labelMap(got.Labels), want.Labels)) {
					t.Fatalf("IR DNS = %+v, netc.hcl says %+v", got, want)
				}
				// The expectation reads the cluster networks from the IR too.
				var nets []netip.Prefix
				for _, c := range append(slices.Clone(cfg.Cluster.PodCIDRs), cfg.Cluster.ServiceCIDRs...) {
					nets = append(nets, c.Prefix)
				}
				slices.SortFunc(nets, ir.ComparePrefixes)
				if !slices.Equal(p.Cluster.Ranges(), nets) {
					t.Fatalf("IR cluster networks = %v, netc.hcl says %v", p.Cluster.Ranges(), nets)
				}
			}
			requireConformant(t, p, build(t, p, cfg))
		})
	}
}

// TestHandBuiltPrograms drives the backends with IR built by hand, independent of the
// compiler: the reference program of the harness tests, and corners of the IR.
func TestHandBuiltPrograms(t *testing.T) {
	cases := []struct {
		name string
		p    *ir.Program
	}{
		{"reference", referenceProgram()},
		{"protocols, ranges and every port", newIR().
			service("ns1/a", "app=a,tier=x").
			service("ns1/b", "").
			service("ns2/c", "app=c,role=db,zone=z1").
			external("ns1/ext", "192.0.2.0/25", "2001:db8::/32").
			edge("ns1/a", "ns1/b", "TCP/80", "UDP/53", "SCTP/3868", "TCP/8000-8100").
			edge("ns1/b", "ns2/c").
			edge("ns2/c", "ns1/ext", "TCP/443").
			edge("world", "ns1/b", "TCP/443").
			edge("ns1/a", "world", "TCP/443").
			build()},
		{"DNS off", newIR().
			service("solo/a", "").
			service("solo/b", "").
			edge("solo/a", "solo/b", "TCP/80").
			noDNS().
			build()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			requireConformant(t, c.p, build(t, c.p, nil))
		})
	}
}
