package backends_test

import (
	"bytes"
	"path"
	"runtime"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/netc-dev/netc/backends"
	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/ir"
	seedpkg "github.com/netc-dev/netc/internal/seeds"
)

// FuzzBuild runs the whole pipeline, source to every backend, on arbitrary input: no
// panic; when the program compiles, every file has a clean relative path and the
// generated-file header, every Kubernetes document is valid YAML, and the output is
// byte-identical between two builds and whatever GOMAXPROCS is.
//
//	go test -run '^$' -fuzz FuzzBuild -fuzztime 10m -parallel 1 ./backends/
func FuzzBuild(f *testing.F) {
	for _, src := range seeds(f, "..") {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		files, ok := build(t, src)
		if !ok {
			return
		}
		checkFiles(t, files)
		prev := runtime.GOMAXPROCS(1)
		again, _ := build(t, src)
		runtime.GOMAXPROCS(prev)
		if len(again) != len(files) {
			t.Fatalf("%d files, then %d with GOMAXPROCS=1", len(files), len(again))
		}
		for i := range files {
			if files[i].Path != again[i].Path || !bytes.Equal(files[i].Data, again[i].Data) {
				t.Fatalf("%s differs between two builds (GOMAXPROCS %d and 1)", files[i].Path, prev)
			}
		}
	})
}

// build runs the pipeline on src; ok is false when the input has errors. A program
// the compiler accepts must pass ir.Validate, the guard backends rely on.
func build(t *testing.T, src []byte) ([]artifact.File, bool) {
	t.Helper()
	r := backends.Pipeline([]compiler.Source{{Name: "f.net", Data: src}}, nil)
	if r.Program == nil {
		if !r.Diags.HasErrors() {
			t.Fatal("no program and no error")
		}
		return nil, false
	}
	if d := ir.Validate(r.Program); len(d) > 0 {
		t.Fatalf("the compiler made IR that ir.Validate rejects: %v", d)
	}
	return r.Files, r.Files != nil
}

func checkFiles(t *testing.T, files []artifact.File) {
	t.Helper()
	seen := map[string]bool{}
	kube := false
	for i, f := range files {
		p := f.Path
		if p == "" || path.IsAbs(p) || path.Clean(p) != p || p == ".." || strings.HasPrefix(p, "../") || strings.Contains(p, "\\") {
			t.Fatalf("bad output path %q", p)
		}
		if seen[p] {
			t.Fatalf("output path %q twice", p)
		}
		seen[p] = true
		if i > 0 && files[i-1].Path > p {
			t.Fatalf("files not sorted: %q before %q", files[i-1].Path, p)
		}
		first, _, _ := bytes.Cut(f.Data, []byte("\n"))
		if !bytes.Contains(first, []byte(artifact.Header)) {
			t.Fatalf("%s: first line %q lacks the generated-file header", p, first)
		}
		if strings.HasPrefix(p, "kubernetes/") && strings.HasSuffix(p, ".yaml") {
			kube = true
			for _, doc := range bytes.Split(f.Data, []byte("\n---\n")) {
				var v any
				if err := yaml.Unmarshal(doc, &v); err != nil {
					t.Fatalf("%s: invalid YAML: %v\n%s", p, err, doc)
				}
			}
		}
	}
	if kube && !seen["kubernetes/kustomization.yaml"] {
		t.Fatal("Kubernetes files without kubernetes/kustomization.yaml")
	}
}

// seeds returns the shared fuzz seeds below root, failing when there are none.
func seeds(tb testing.TB, root string) [][]byte {
	tb.Helper()
	out := seedpkg.Inputs(root)
	if len(out) == 0 {
		tb.Fatal("no seeds under examples/ or testdata/")
	}
	return out
}
