package netc_test

import (
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/netc-dev/netc"

// layers says, package by package, which of the module's packages each may import
// (its non-test files; paths are relative to the module). Imports run one way:
// cmd → backends → compiler → lang, with diag and kube (the Kubernetes facts) as
// leaves and config just above them. A backend never parses; the parser never knows
// a backend exists.
//
// The first entry that matches a package applies, so specific entries come before
// general ones. A pattern is a package path, "P/*" for the packages right below P,
// or "P/..." for P and every package below it; imports are written the same way.
// Every package must match an entry, and every entry must match a package.
var layers = []layer{
	// Leaves, and netc.hcl.
	{"diag", nil},
	{"kube", nil},
	{"config", []string{"diag", "kube"}},

	// The language, one job a package as in go/*: lexer ← ast ← parser ← format.
	{"lang/lexer", []string{"diag"}},
	{"lang/ast", []string{"diag", "lang/lexer"}},
	{"lang/parser", []string{"diag", "lang/lexer", "lang/ast"}},
	{"lang/format", []string{"diag", "lang/lexer", "lang/ast", "lang/parser"}},

	// The compiler reads the syntax tree and netc.hcl and builds the IR. The IR and
	// the Kubernetes API tables know nothing of the compiler, so backends can read them.
	{"compiler/ir", []string{"diag", "kube"}},
	{"compiler/k8sapi", []string{"diag", "compiler/ir"}},
	{"compiler", []string{"diag", "kube", "config", "lang/ast", "lang/parser", "compiler/ir", "compiler/k8sapi"}},

	// Backends read the IR, never the compiler or the language. They share the
	// helper packages listed first, not each other's code. Package backends is the
	// pipeline: it compiles, then runs the explicit list of backends.
	{"backends/artifact", nil},
	{"backends/k8syaml", []string{"backends/artifact"}},
	{"backends/*", []string{"diag", "kube", "compiler/ir", "compiler/k8sapi", "backends/artifact", "backends/k8syaml"}},
	{"backends", []string{"diag", "kube", "config", "compiler", "compiler/ir", "backends/..."}},

	// The engine reads Kubernetes objects, and netc's own through the netpol backend.
	{"engine", []string{"diag", "kube", "config", "compiler/...", "backends/..."}},

	// netc import reads objects through the engine and writes a program it compiles.
	{"importer", []string{"diag", "kube", "config", "lang/...", "compiler/...", "backends/...", "engine"}},

	// The language server: the front end, the compiler and the backends (for the
	// diagnostics netc check reports), behind LSP.
	{"lsp", []string{"diag", "kube", "config", "lang/...", "compiler/...", "backends/..."}},

	// Command-line helpers, the CLI, and the benchmarks, which may use everything.
	{"internal/outdir", []string{"backends/artifact"}},
	{"internal/seeds", nil},
	{"internal/dbtest", nil}, // the real-server test setup; only tests import it
	{"internal/verify", []string{"kube", "backends/artifact", "internal/outdir"}},
	// Readers of live systems: they compare what is running with the model a backend
	// generates from, read-only.
	{"live/sqlstate", []string{"compiler/ir", "backends/sql"}},
	{"live/kubestate", []string{"diag", "kube", "compiler/ir", "compiler/k8sapi", "engine"}},
	{"cmd/...", []string{"diag", "kube", "config", "lang/...", "compiler/...", "backends/...", "internal/...", "engine", "live/...", "lsp", "importer"}},
	{"bench/...", []string{"diag", "kube", "config", "lang/...", "compiler/...", "backends/...", "internal/...", "bench/...", "lsp"}},
}

type layer struct {
	pkg string   // a package pattern
	may []string // what it may import
}

// matches reports whether package path p matches pattern pat.
func matches(pat, p string) bool {
	if base, ok := strings.CutSuffix(pat, "/..."); ok {
		return p == base || strings.HasPrefix(p, base+"/")
	}
	if base, ok := strings.CutSuffix(pat, "/*"); ok {
		rest, ok := strings.CutPrefix(p, base+"/")
		return ok && rest != "" && !strings.Contains(rest, "/")
	}
	return p == pat
}

// checkLayers returns one line per import that layers forbids, and per package or
// entry that layers does not account for. graph maps each package to its imports
// of the module's packages.
func checkLayers(graph map[string][]string) []string {
	var out []string
	used := map[int]bool{}
	for _, p := range slices.Sorted(maps.Keys(graph)) {
		entry := slices.IndexFunc(layers, func(l layer) bool { return matches(l.pkg, p) })
		if entry < 0 {
			out = append(out, p+": package has no entry in layers; add one saying what it may import")
			continue
		}
		used[entry] = true
		l := layers[entry]
		for _, imp := range graph[p] {
			if !slices.ContainsFunc(l.may, func(pat string) bool { return matches(pat, imp) }) {
				out = append(out, p+" imports "+imp+", but "+l.pkg+" may import only "+strings.Join(l.may, ", ")+" (layers_test.go)")
			}
		}
	}
	for i, l := range layers {
		if !used[i] {
			out = append(out, "layers entry "+l.pkg+" matches no package (or an earlier entry takes them all)")
		}
	}
	return out
}

// importGraph reads the module's packages below the working directory (skipping
// testdata, hidden directories and nested modules such as test/conformance) and
// returns each package's imports of the module's packages, from its non-test files.
func importGraph(t *testing.T) map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	graph := map[string][]string{}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == "." {
				return nil
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(path))
		if _, ok := graph[pkg]; !ok {
			graph[pkg] = nil
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if rel, ok := strings.CutPrefix(p, module+"/"); ok && !slices.Contains(graph[pkg], rel) {
				graph[pkg] = append(graph[pkg], rel)
			} else if p == module {
				graph[pkg] = append(graph[pkg], ".")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return graph
}

func TestImportDirection(t *testing.T) {
	graph := importGraph(t)
	if len(graph) < 20 {
		t.Fatalf("found only %d packages: %v", len(graph), slices.Sorted(maps.Keys(graph)))
	}
	for _, e := range checkLayers(graph) {
		t.Error(e)
	}
}

// The check catches a wrong import at every layer, and a package with no entry.
func TestImportDirectionCatchesWrongImports(t *testing.T) {
	real := importGraph(t)
	for _, bad := range []struct{ from, to string }{
		{"lang/lexer", "lang/parser"},
		{"lang/parser", "lang/format"},
		{"lang/ast", "compiler"},
		{"diag", "config"},
		{"kube", "diag"},
		{"config", "lang/ast"},
		{"compiler/ir", "compiler"},
		{"compiler", "backends/netpol"},
		{"backends/netpol", "backends/rbac"},
		{"backends/netpol", "compiler"},
		{"backends/sql", "lang/parser"},
		{"backends/k8syaml", "backends/netpol"},
		{"cmd/netc", "bench/gen"},
		{"engine", "lang/parser"},
		{"backends/netpol", "engine"},
	} {
		graph := maps.Clone(real)
		if _, ok := graph[bad.from]; !ok {
			t.Fatalf("no package %s", bad.from)
		}
		graph[bad.from] = append(slices.Clone(graph[bad.from]), bad.to)
		errs := checkLayers(graph)
		if len(errs) != 1 || !strings.HasPrefix(errs[0], bad.from+" imports "+bad.to+",") {
			t.Errorf("%s importing %s: got %q, want one error for it", bad.from, bad.to, errs)
		}
	}
	graph := maps.Clone(real)
	graph["unlisted"] = []string{"diag"}
	if errs := checkLayers(graph); len(errs) != 1 || !strings.HasPrefix(errs[0], "unlisted: package has no entry") {
		t.Errorf("a package with no entry: got %q", errs)
	}
}
