// Package seeds finds the netc sources the tests and fuzz targets start from: every
// .net file under examples/ and every .net section of the txtar cases under testdata/.
package seeds

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/txtar"
)

// File is one seed source: Name is its path (for a txtar section, the case's path, '/',
// the section's name); Case groups the sections of one txtar case.
type File struct {
	Name, Case string
	Data       []byte
}

// Files returns the seed files below root (the repository's top directory), sorted by
// name. Unreadable files are skipped: seeds are a starting point, not a test.
func Files(root string) []File {
	var out []File
	for _, dir := range []string{"examples", "testdata"} {
		filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			switch {
			case strings.HasSuffix(path, ".net"):
				if b, err := os.ReadFile(path); err == nil {
					out = append(out, File{Name: path, Case: path, Data: b})
				}
			case strings.HasSuffix(path, ".txtar"):
				a, err := txtar.ParseFile(path)
				if err != nil {
					return nil
				}
				for _, f := range a.Files {
					if strings.HasSuffix(f.Name, ".net") {
						out = append(out, File{Name: path + "/" + f.Name, Case: path, Data: f.Data})
					}
				}
			}
			return nil
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Inputs returns every seed file alone, and the files of each multi-file case
// concatenated, for fuzz targets that take one source.
func Inputs(root string) [][]byte {
	var out [][]byte
	byCase := map[string][][]byte{}
	var cases []string
	for _, f := range Files(root) {
		out = append(out, f.Data)
		if _, ok := byCase[f.Case]; !ok {
			cases = append(cases, f.Case)
		}
		byCase[f.Case] = append(byCase[f.Case], f.Data)
	}
	for _, c := range cases {
		if parts := byCase[c]; len(parts) > 1 {
			var all []byte
			for _, p := range parts {
				all = append(all, p...)
			}
			out = append(out, all)
		}
	}
	return out
}
