package netc_test

// The golden harness: every testdata/**/*.txtar case holds input .net files (and an
// optional netc.hcl) and the expected diagnostics, IR dump and every generated file.
// A missing or extra section fails; NETC_UPDATE=1 (make golden) rewrites them.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/netc-dev/netc/backends"
	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
)

var update = os.Getenv("NETC_UPDATE") == "1"

func goldenCases(t *testing.T) []string {
	var cases []string
	err := filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".txtar") {
			cases = append(cases, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no golden cases under testdata/")
	}
	return cases
}

// result is everything one case produces.
type result struct {
	diags diag.List
	prog  *ir.Program
	files []artifact.File
}

// run builds a case's inputs exactly as netc check does: netc.hcl first, then
// backends.Pipeline.
func run(t *testing.T, inputs []txtar.File) result {
	t.Helper()
	var srcs []compiler.Source
	var cfg *config.Config
	for _, f := range inputs {
		if f.Name == config.FileName {
			c, d := config.Load(f.Name, f.Data)
			if d.HasErrors() {
				return result{diags: d}
			}
			cfg = c
			continue
		}
		srcs = append(srcs, compiler.Source{Name: f.Name, Data: f.Data})
	}
	r := backends.Pipeline(srcs, cfg)
	return result{diags: r.Diags, prog: r.Program, files: r.Files}
}

// formatDiags is the diagnostics section: the text users see from netc check, related
// locations included, with the CLI's default limit.
func formatDiags(l diag.List) string {
	var b strings.Builder
	if err := diag.WriteText(&b, l, diag.DefaultLimit); err != nil {
		panic(err) // a strings.Builder does not fail
	}
	return b.String()
}

func isInput(name string) bool {
	return strings.HasSuffix(name, ".net") || name == config.FileName
}

// caseInputs reads a case and its input sections.
func caseInputs(t *testing.T, path string) (*txtar.Archive, []txtar.File) {
	t.Helper()
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var inputs []txtar.File
	for _, f := range ar.Files {
		if isInput(f.Name) {
			inputs = append(inputs, f)
		}
	}
	return ar, inputs
}

func TestGolden(t *testing.T) {
	for _, path := range goldenCases(t) {
		t.Run(strings.TrimSuffix(strings.TrimPrefix(path, "testdata/"), ".txtar"), func(t *testing.T) {
			ar, inputs := caseInputs(t, path)
			if len(inputs) == 0 {
				t.Fatal("case has no .net input")
			}
			r := run(t, inputs)
			want := []txtar.File{{Name: "diagnostics", Data: []byte(formatDiags(r.diags))}}
			if r.prog != nil {
				want = append(want, txtar.File{Name: "ir", Data: []byte(ir.Dump(r.prog))})
			}
			for _, f := range r.files {
				want = append(want, txtar.File{Name: "out/" + f.Path, Data: f.Data})
			}

			if update {
				ar.Files = append(inputs, want...)
				if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			got := map[string][]byte{}
			for _, f := range ar.Files {
				if !isInput(f.Name) {
					got[f.Name] = f.Data
				}
			}
			for _, w := range want {
				g, ok := got[w.Name]
				if !ok {
					t.Errorf("section %q is missing; run `make golden` and review the diff", w.Name)
					continue
				}
				delete(got, w.Name)
				if !bytes.Equal(g, w.Data) {
					t.Errorf("section %q differs (-want golden +got):\n%s", w.Name, lineDiff(string(g), string(w.Data)))
				}
			}
			for name := range got {
				t.Errorf("section %q is no longer produced; run `make golden` and review the diff", name)
			}
		})
	}
}

// TestDeterministic builds every case under different GOMAXPROCS and compares bytes.
func TestDeterministic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, path := range goldenCases(t) {
		_, inputs := caseInputs(t, path)
		var outs []string
		for _, procs := range []int{1, 2, 8} {
			runtime.GOMAXPROCS(procs)
			r := run(t, inputs)
			var b strings.Builder
			b.WriteString(formatDiags(r.diags))
			for _, f := range r.files {
				b.WriteString(f.Path + "\n")
				b.Write(f.Data)
			}
			outs = append(outs, b.String())
		}
		if !slices.Equal(outs, []string{outs[0], outs[0], outs[0]}) {
			t.Errorf("%s: output differs between GOMAXPROCS settings", path)
		}
	}
}

// lineDiff is a small line diff: enough to review a golden failure.
func lineDiff(want, got string) string {
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out strings.Builder
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			i++
			j++
		case j < len(b) && (i >= len(a) || !slices.Contains(a[i:], b[j])):
			fmt.Fprintf(&out, "+%s\n", b[j])
			j++
		default:
			fmt.Fprintf(&out, "-%s\n", a[i])
			i++
		}
	}
	return out.String()
}
