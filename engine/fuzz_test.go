package engine

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/netc-dev/netc/diag"
)

// FuzzRead feeds arbitrary bytes as a manifest file: reading, the map and every
// format must neither panic nor hang, whatever the input.
func FuzzRead(f *testing.F) {
	paths, _ := filepath.Glob("testdata/semantics/*.txtar")
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if file.Name != "want" {
				f.Add(file.Data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		// A hang is a failure too: past the deadline the worker dies, and the fuzzer
		// keeps the input.
		timer := time.AfterFunc(10*time.Second, func() { panic("FuzzRead: input takes over 10 s") })
		defer timer.Stop()
		c := NewCluster()
		var diags diag.List
		c.Read(Source{Name: "fuzz.yaml", Data: data}, &diags)
		if len(c.Workloads)+len(c.Policies) > 200 {
			return
		}
		m := c.Map()
		for _, format := range Formats {
			var b bytes.Buffer
			if err := Write(&b, m, format); err != nil {
				t.Fatal(err)
			}
		}
		for _, w := range c.Workloads {
			c.Explain(Endpoint{Workload: w}, Endpoint{IPs: ipv4All})
		}
	})
}
