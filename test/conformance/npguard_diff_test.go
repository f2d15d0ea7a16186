package conformance

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netc-dev/netc/engine"
)

// diffText is what `netc diff --manifests OLD NEW --format txt` prints.
func diffText(old, new string) (string, error) {
	side := func(dir string) (*engine.Version, error) {
		c, diags, err := engine.Load([]string{dir}, nil)
		if err != nil {
			return nil, err
		}
		if diags.HasErrors() {
			return nil, diags.Err()
		}
		return engine.ClusterVersion(c), nil
	}
	o, err := side(old)
	if err != nil {
		return "", fmt.Errorf("old side: %v", err)
	}
	n, err := side(new)
	if err != nil {
		return "", fmt.Errorf("new side: %v", err)
	}
	var b bytes.Buffer
	err = engine.WriteReport(&b, engine.Compare(o, n), "txt")
	return b.String(), err
}

// npguardDiff is one diff golden of np-guard's suite.
type npguardDiff struct {
	golden         string
	old, new       string // ref1 and ref2: the golden is diff_between_NEW_and_OLD
	pure           bool   // both directories hold only NetworkPolicies, workloads and namespaces
	missing, extra []string
	err            string
	class          string
	exact          bool // byte for byte, order included
}

const classDiffIPv6 = "IPv6 networks in admin policies: the engine compares IPv6 ranges, netpol-analyzer ignores them"

// TestNpGuardDiff runs `netc diff --manifests OLD NEW --format txt` on every plain diff
// golden of netpol-analyzer's suite (test_outputs/diff/diff_between_NEW_and_OLD.txt,
// where netpol-analyzer names them ref2 and ref1) and compares order-insensitively;
// the lines that match must also come in the golden's order, byte for byte.
// Every pair whose two directories hold only NetworkPolicies, workloads and
// namespaces must match; every other difference must be of a documented class. The
// score is written to docs/engine.md (NETC_UPDATE=1) and checked there.
func TestNpGuardDiff(t *testing.T) {
	mod := npguardModule(t)
	outs, err := os.ReadDir(filepath.Join(mod, "test_outputs", "diff"))
	if err != nil {
		t.Fatal(err)
	}
	isDir := func(name string) bool {
		st, err := os.Stat(filepath.Join(mod, "tests", name))
		return err == nil && st.IsDir()
	}
	var cases []*npguardDiff
	for _, e := range outs {
		name, ok := strings.CutPrefix(e.Name(), "diff_between_")
		if !ok || !strings.HasSuffix(name, ".txt") {
			continue // the TsetOutputWithArgNamesOption variants and other formats
		}
		name = strings.TrimSuffix(name, ".txt")
		// Directory names hold "_and_" too: the split whose both halves are directories.
		var splits [][2]string
		for i := 0; i < len(name); {
			j := strings.Index(name[i:], "_and_")
			if j < 0 {
				break
			}
			a, b := name[:i+j], name[i+j+len("_and_"):]
			if isDir(a) && isDir(b) {
				splits = append(splits, [2]string{a, b})
			}
			i += j + 1
		}
		if len(splits) != 1 {
			t.Errorf("%s: %d ways to read the two directories", e.Name(), len(splits))
			continue
		}
		c := &npguardDiff{golden: e.Name(), new: splits[0][0], old: splits[0][1]}
		golden, err := os.ReadFile(filepath.Join(mod, "test_outputs", "diff", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		c.pure = pureDir(t, filepath.Join(mod, "tests", c.old)) && pureDir(t, filepath.Join(mod, "tests", c.new))
		got, err := diffText(filepath.Join(mod, "tests", c.old), filepath.Join(mod, "tests", c.new))
		if err != nil {
			c.err = err.Error()
		}
		c.missing, c.extra = lineDiff(sortedLines(string(golden)), sortedLines(got))
		c.exact = got == string(golden)
		c.classify()
		cases = append(cases, c)
	}
	if len(cases) < 40 {
		t.Fatalf("found %d plain diff goldens, want the suite's 45", len(cases))
	}
	matched, pure, pureMatched, exact := 0, 0, 0, 0
	for _, c := range cases {
		if c.class == "" {
			matched++
		}
		if c.exact {
			exact++
		} else if c.class == "" {
			t.Errorf("%s: the same lines as the golden, in another order", c.golden)
		}
		if c.pure {
			pure++
			if c.class == "" {
				pureMatched++
			} else {
				t.Errorf("%s: both sides hold only NetworkPolicies, workloads and namespaces, and the diff differs:\n%s", c.golden, c.report())
			}
		}
		if strings.HasPrefix(c.class, "unexplained") {
			t.Errorf("%s differs for no documented reason:\n%s", c.golden, c.report())
		}
	}
	t.Logf("np-guard diff goldens: %d of %d match (%d byte for byte, order included); %d of %d whose both sides hold only NetworkPolicies, workloads and namespaces",
		matched, len(cases), exact, pureMatched, pure)
	checkDocSection(t, diffTableBegin, tableEnd, diffScoreTable(cases, matched, pureMatched, pure))
}

// pureDir reports whether dir holds, as far as connectivity goes, only
// NetworkPolicies, workloads and namespaces: no admin policies, Ingresses or Routes.
func pureDir(t *testing.T, dir string) bool {
	c, _, err := engine.Load([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.Kinds["AdminNetworkPolicy"]+c.Kinds["BaselineAdminNetworkPolicy"]+c.Kinds["Ingress"]+c.Kinds["Route"] == 0
}

// classify names why c differs, checking the claim: for the IPv6 class, every line
// that differs names an IPv6 range.
func (c *npguardDiff) classify() {
	if c.err == "" && len(c.missing)+len(c.extra) == 0 {
		return
	}
	ipv6 := func(l string) bool { return strings.Contains(l, "::") || strings.Count(l, ":") > 12 }
	switch {
	case c.err != "":
		c.class = "unexplained: " + c.err
	case !c.pure && !slices.ContainsFunc(append(slices.Clone(c.missing), c.extra...), func(l string) bool { return !ipv6(l) }):
		c.class = classDiffIPv6
	default:
		c.class = "unexplained"
	}
}

func (c *npguardDiff) report() string {
	var b strings.Builder
	if c.err != "" {
		fmt.Fprintf(&b, "  error: %s\n", c.err)
	}
	for _, l := range c.missing {
		fmt.Fprintf(&b, "  missing: %s\n", l)
	}
	for _, l := range c.extra {
		fmt.Fprintf(&b, "  extra:   %s\n", l)
	}
	return b.String()
}

const diffTableBegin = "<!-- npguard-diff-score:begin (written by test/conformance TestNpGuardDiff) -->\n"

func diffScoreTable(cases []*npguardDiff, matched, pureMatched, pure int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d diff goldens match. %d of the %d whose both directories hold only\n", matched, len(cases), pureMatched, pure)
	fmt.Fprintf(&b, "NetworkPolicies, workloads and namespaces match; %d of the %d with admin policies,\n", matched-pureMatched, len(cases)-pure)
	b.WriteString("Ingresses or Routes.\n\n| golden (new and old) | result |\n|---|---|\n")
	for _, c := range cases {
		res := "match"
		if c.class != "" {
			res = fmt.Sprintf("differs (%d missing, %d extra): %s", len(c.missing), len(c.extra), c.class)
		}
		fmt.Fprintf(&b, "| %s and %s | %s |\n", c.new, c.old, res)
	}
	return b.String()
}
