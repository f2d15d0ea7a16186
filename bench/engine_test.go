package bench_test

import (
	"bytes"
	"testing"

	"github.com/netc-dev/netc/bench/gen"
	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/k8sapi"
	"github.com/netc-dev/netc/engine"
)

// version compiles a program into the side of a diff, as netc diff does.
func version(b *testing.B, src []byte) *engine.Version {
	p, d := compiler.Compile([]compiler.Source{{Name: "bench.net", Data: src}}, compiler.Options{ErrorRulesOnly: true})
	if p == nil {
		b.Fatal(d.Err())
	}
	cl, _ := engine.FromProgram(p)
	v := engine.ClusterVersion(cl)
	v.Permissions = engine.Permissions(p.Grants, k8sapi.NewEffective(p))
	v.SQL = engine.SQLPrivileges(p)
	return v
}

// BenchmarkDiff is netc diff of the workload and a version of it with 1% of the
// intents calling another service, both compiled.
func BenchmarkDiff(b *testing.B) {
	for _, n := range sizes {
		src := source(b, n)
		var buf bytes.Buffer
		if err := gen.New(n).Vary(100).WriteNetc(&buf); err != nil {
			b.Fatal(err)
		}
		changed := buf.Bytes()
		b.Run(name(n), func(b *testing.B) {
			loop(b, func() {
				r := engine.Compare(version(b, src), version(b, changed))
				if len(r.Network) == 0 {
					b.Fatal("no change found")
				}
			})
		})
	}
}

// BenchmarkExplain is netc explain of one pair of intents: the compile, the policies
// of the two namespaces, the verdict and the intents that open it.
func BenchmarkExplain(b *testing.B) {
	for _, n := range sizes {
		src := source(b, n)
		w := gen.New(n)
		s := w.Services[0]
		t := w.Services[s.Calls[0]]
		b.Run(name(n), func(b *testing.B) {
			loop(b, func() {
				p, d := compiler.Compile([]compiler.Source{{Name: "bench.net", Data: src}}, compiler.Options{ErrorRulesOnly: true})
				if p == nil {
					b.Fatal(d.Err())
				}
				keep := func(ns string) bool { return ns == s.Namespace || ns == t.Namespace }
				cl, _ := engine.FromProgramNamespaces(p, keep)
				src, err := cl.Endpoint(s.Namespace + "/" + s.Name)
				if err != nil {
					b.Fatal(err)
				}
				dst, err := cl.Endpoint(t.Namespace + "/" + t.Name)
				if err != nil {
					b.Fatal(err)
				}
				a := cl.Ask(src, dst, engine.PortQuery{})
				if opens, _ := engine.IntentsFor(p, src, dst, a.Port); !a.Permitted || len(opens) == 0 {
					b.Fatalf("%s => %s: not allowed", src, dst)
				}
			})
		})
	}
}
