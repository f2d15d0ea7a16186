package engine

import (
	"bytes"
	"os"
	"path/filepath"
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
