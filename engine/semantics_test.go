package engine

import (
	"bytes"
	"cmp"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/netc-dev/netc/diag"
)

// TestSemantics runs the hand-written clusters of testdata/semantics: each txtar holds
// manifest files and the wanted map, in netpol-analyzer's list form. The conformance
// module runs the same files through netpol-analyzer, so the expectations are not the
// engine's word alone.
func TestSemantics(t *testing.T) {
	paths, err := filepath.Glob("testdata/semantics/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c := NewCluster()
			var diags diag.List
			var want []byte
			for _, f := range ar.Files {
				if f.Name == "want" {
					want = f.Data
					continue
				}
				c.Read(Source{Name: f.Name, Data: f.Data}, &diags)
			}
			if len(diags) > 0 {
				t.Fatalf("diagnostics: %v", diags)
			}
			var got bytes.Buffer
			if err := Write(&got, c.Map(), "txt"); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				if os.Getenv("NETC_UPDATE") != "" {
					for i := range ar.Files {
						if ar.Files[i].Name == "want" {
							ar.Files[i].Data = got.Bytes()
						}
					}
					if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				t.Errorf("got:\n%s\nwant:\n%s", got.Bytes(), want)
			}
		})
	}
}

// TestExplainAgreesWithMap asks Explain about every pair of every semantics case
// (workloads and the map's address ranges): its verdict must be the map's.
func TestExplainAgreesWithMap(t *testing.T) {
	paths, _ := filepath.Glob("testdata/semantics/*.txtar")
	for _, path := range paths {
		ar, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c := NewCluster()
		var diags diag.List
		for _, f := range ar.Files {
			if f.Name != "want" {
				c.Read(Source{Name: f.Name, Data: f.Data}, &diags)
			}
		}
		m := c.Map()
		got := map[[2]string]Conn{}
		for i, x := range m.Connections {
			if i > 0 {
				p := m.Connections[i-1]
				if cmp.Or(strings.Compare(p.Src.String(), x.Src.String()), strings.Compare(p.Dst.String(), x.Dst.String())) >= 0 {
					t.Errorf("%s: the map is not sorted: %s => %s before %s => %s", path, p.Src, p.Dst, x.Src, x.Dst)
				}
			}
			got[[2]string{x.Src.String(), x.Dst.String()}] = x.Conn
		}
		var srcs, dsts []Endpoint
		for _, w := range c.Workloads {
			srcs = append(srcs, Endpoint{Workload: w})
			dsts = append(dsts, Endpoint{Workload: w})
		}
		for _, b := range c.ix.srcBlocks {
			srcs = append(srcs, Endpoint{IPs: b})
		}
		for _, b := range c.ix.dstBlocks {
			dsts = append(dsts, Endpoint{IPs: b})
		}
		n := 0
		for _, s := range srcs {
			for _, d := range dsts {
				if s.Workload == nil && d.Workload == nil || s.Workload != nil && s.Workload == d.Workload {
					continue
				}
				n++
				want := got[[2]string{s.String(), d.String()}]
				if e := c.Explain(s, d); !e.Allowed.Equal(want) {
					t.Errorf("%s: %s => %s: Explain says %s, the map %s", path, s, d, e.Allowed, want)
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no pair asked", path)
		}
	}
}
