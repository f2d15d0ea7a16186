package netc_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netc-dev/netc/backends"
	"github.com/netc-dev/netc/compiler"
)

// TestExamples compiles every program under examples/ (each top-level .net file, and
// each directory as one program) and builds every backend: an example users copy must
// have no errors and produce Kubernetes objects.
func TestExamples(t *testing.T) {
	entries, err := os.ReadDir("examples")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		var files []string
		if e.IsDir() {
			files, _ = filepath.Glob(filepath.Join("examples", e.Name(), "*.net"))
		} else if strings.HasSuffix(e.Name(), ".net") {
			files = []string{filepath.Join("examples", e.Name())}
		}
		if len(files) == 0 {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) {
			var srcs []compiler.Source
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				srcs = append(srcs, compiler.Source{Name: f, Data: data})
			}
			r := backends.Pipeline(srcs, nil)
			if r.Diags.HasErrors() {
				t.Fatalf("example has errors:\n%s", formatDiags(r.Diags))
			}
			out := r.Files
			kube := 0
			for _, f := range out {
				if strings.HasSuffix(f.Path, "networkpolicies.yaml") {
					kube++
				}
			}
			if kube == 0 {
				t.Errorf("no NetworkPolicies generated")
			}
		})
	}
	if n < 4 {
		t.Errorf("found %d example programs, want at least 4 (one-liner, shop, tenants, payments)", n)
	}
}
