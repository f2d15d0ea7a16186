package netc_test

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/netc-dev/netc/compiler"
)

// TestRuleCoverage holds every rule of the rule table to two golden cases under
// testdata/rules (docs/contributing.md):
//
//   - one that fires: its diagnostics section reports the rule ("[RULE-ID]");
//   - one that must not: its archive comment (the lines before the first file) has a
//     line "quiet: RULE-ID[, RULE-ID...]" naming the rule, and its diagnostics section
//     does not report it. A quiet case is the near miss: input that looks like the
//     finding but is fine.
//
// A quiet line naming an unknown rule fails too, so a renamed rule cannot leave its
// cases behind.
func TestRuleCoverage(t *testing.T) {
	paths, err := filepath.Glob("testdata/rules/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no rule cases: %v", err)
	}
	known := map[string]bool{}
	for _, r := range compiler.Rules() {
		known[r.ID] = true
	}
	reported := regexp.MustCompile(`(?m)^\S.*\[([a-z0-9-]+)\]$`)
	fires := map[string][]string{}
	quiet := map[string][]string{}
	for _, path := range paths {
		ar, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var diags string
		for _, f := range ar.Files {
			if f.Name == "diagnostics" {
				diags = string(f.Data)
			}
		}
		got := map[string]bool{}
		for _, m := range reported.FindAllStringSubmatch(diags, -1) {
			got[m[1]] = true
			fires[m[1]] = append(fires[m[1]], path)
		}
		for line := range strings.Lines(string(ar.Comment)) {
			list, ok := strings.CutPrefix(strings.TrimSpace(line), "quiet:")
			if !ok {
				continue
			}
			for id := range strings.SplitSeq(list, ",") {
				id = strings.TrimSpace(id)
				switch {
				case !known[id]:
					t.Errorf("%s: quiet names %q, which is not a rule", path, id)
				case got[id]:
					t.Errorf("%s: a quiet case for %s, but its diagnostics report it", path, id)
				default:
					quiet[id] = append(quiet[id], path)
				}
			}
		}
	}
	ids := make([]string, 0, len(known))
	for id := range known {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if len(fires[id]) == 0 {
			t.Errorf("rule %s has no case under testdata/rules where it fires", id)
		}
		if len(quiet[id]) == 0 {
			t.Errorf("rule %s has no case under testdata/rules marked `quiet: %s`", id, id)
		}
	}
}
