package outdir

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/netc-dev/netc/backends/artifact"
)

// BenchmarkWrite writes the output of a 50,000-service program's shape: two files in
// each of 1,000 namespaces, 25 KB each, alternating between two contents so every
// iteration replaces every file.
func BenchmarkWrite(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "out")
	sets := [2][]artifact.File{}
	for v := range sets {
		for ns := range 1000 {
			for _, kind := range []string{"networkpolicies", "serviceaccounts"} {
				data := make([]byte, 25_000)
				for i := range data {
					data[i] = byte('a' + (i+v+ns)%26)
				}
				sets[v] = append(sets[v], artifact.File{Path: fmt.Sprintf("kubernetes/ns%d/%s.yaml", ns, kind), Data: data})
			}
		}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := Write(dir, sets[i%2]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteUnchanged rebuilds the same 2,000 files: the common case of a build
// after a small edit, where netc must only read and compare.
func BenchmarkWriteUnchanged(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "out")
	var files []artifact.File
	for ns := range 1000 {
		for _, kind := range []string{"networkpolicies", "serviceaccounts"} {
			files = append(files, artifact.File{Path: fmt.Sprintf("kubernetes/ns%d/%s.yaml", ns, kind), Data: make([]byte, 25_000)})
		}
	}
	if err := Write(dir, files); err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		files[0].Data = []byte(fmt.Sprint(i)) // one file changes each time
		if err := Write(dir, files); err != nil {
			b.Fatal(err)
		}
	}
}
