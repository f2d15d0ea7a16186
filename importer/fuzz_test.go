package importer

import (
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/netc-dev/netc/engine"
)

// FuzzImport feeds arbitrary bytes as one manifest file: the import must neither
// panic nor hang, and never write a program that does not compile (Import's error).
func FuzzImport(f *testing.F) {
	paths, _ := filepath.Glob("../engine/testdata/semantics/*.txtar")
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			f.Fatal(err)
		}
		var all []byte
		for _, file := range ar.Files {
			if file.Name != "want" {
				all = append(append(all, "\n---\n"...), file.Data...)
			}
		}
		f.Add(all)
	}
	f.Add([]byte("apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {\"a.b/c\": \"1.0\", as: in}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		timer := time.AfterFunc(20*time.Second, func() { panic("FuzzImport: input takes over 20 s") })
		defer timer.Stop()
		if _, _, err := Import([]engine.Source{{Name: "fuzz.yaml", Data: data}}, Options{}); err != nil {
			t.Fatal(err)
		}
	})
}
