package netc_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/netc-dev/netc/"

// layers says which of the module's top-level packages each may import: imports run
// one way, cmd → backends → compiler → lang, with diag and kube (the Kubernetes facts)
// as leaves and config above them. A backend never parses; the parser never knows a
// backend exists.
var layers = map[string][]string{
	"diag":     {},
	"lang":     {"diag", "lang"},
	"config":   {"diag", "kube", "config"},
	"kube":     {},
	"compiler": {"diag", "kube", "lang", "config", "compiler"},
	"backends": {"diag", "kube", "config", "compiler", "backends"},
	"internal": {"diag", "backends", "internal"},
	"cmd":      {"diag", "lang", "config", "compiler", "backends", "internal", "cmd"},
	"bench":    {"diag", "lang", "config", "compiler", "backends", "internal", "bench"},
}

func TestImportDirection(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (path == "test" || path == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		top, _, _ := strings.Cut(filepath.ToSlash(path), "/")
		allowed, ok := layers[top]
		if !ok {
			if top != filepath.Base(path) { // the module root's own files are tests only
				t.Errorf("%s: top-level directory %q has no layer; add it to layers", path, top)
			}
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, module) {
				continue
			}
			target, _, _ := strings.Cut(strings.TrimPrefix(p, module), "/")
			ok := false
			for _, a := range allowed {
				ok = ok || a == target
			}
			if !ok {
				t.Errorf("%s imports %s: %s may import only %v", path, p, top, allowed)
			}
		}
		checked++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Errorf("checked only %d files", checked)
	}
}
