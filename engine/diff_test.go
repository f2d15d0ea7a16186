package engine

import (
	"bytes"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/netc-dev/netc/diag"
)

// TestDiffClustersMatchesWholeMaps checks the scoped diff against the diff of the two
// whole maps: for every semantics case, the cluster against itself less one document
// (a policy, a workload, a namespace and its labels), both ways round. The scoped diff
// computes only the pairs with a changed end; it must find exactly what the whole maps
// differ in.
func TestDiffClustersMatchesWholeMaps(t *testing.T) {
	paths, err := filepath.Glob("testdata/semantics/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	checked, changes := 0, 0
	for _, path := range paths {
		ar, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var docs [][]byte
		for _, f := range ar.Files {
			if f.Name != "want" {
				docs = append(docs, bytes.Split(f.Data, []byte("\n---\n"))...)
			}
		}
		load := func(skip int) *Cluster {
			c := NewCluster()
			var diags diag.List
			for i, d := range docs {
				if i != skip {
					c.Read(Source{Name: fmt.Sprintf("doc%d.yaml", i), Data: d}, &diags)
				}
			}
			if diags.HasErrors() {
				t.Fatalf("%s: %v", path, diags.Err())
			}
			return c
		}
		for skip := range docs {
			for _, swap := range []bool{false, true} {
				a, b := -1, skip
				if swap {
					a, b = b, a
				}
				want := Diff(load(a).Map(), load(b).Map())
				got := DiffClusters(load(a), load(b))
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s without document %d (swapped %v):\n got %+v\nwant %+v", filepath.Base(path), skip, swap, got, want)
				}
				checked++
				changes += len(want)
			}
		}
	}
	if changes == 0 {
		t.Fatal("no change found in any variant")
	}
	t.Logf("%d variants, %d changes, the scoped diff agrees", checked, changes)
}
