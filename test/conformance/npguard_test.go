package conformance

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/np-guard/netpol-analyzer/pkg/netpol/connlist"
	"golang.org/x/tools/txtar"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/engine"
)

// npguardModule is where the netpol-analyzer module this test builds with lies in the
// module cache: its tests/ and test_outputs/ are the judge.
func npguardModule(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/np-guard/netpol-analyzer").Output()
	if err != nil {
		t.Fatalf("go list -m github.com/np-guard/netpol-analyzer: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	if _, err := os.Stat(filepath.Join(dir, "tests")); err != nil {
		t.Fatalf("netpol-analyzer's test suite is not in the module cache: %v", err)
	}
	return dir
}

// connectivityText is what `netc connectivity --manifests DIR --format txt` prints.
func connectivityText(paths []string) (string, diag.List, *engine.Cluster, error) {
	c, diags, err := engine.Load(paths, nil)
	if err != nil || diags.HasErrors() {
		return "", diags, c, err
	}
	var b bytes.Buffer
	if err := engine.Write(&b, c.Map(), "txt"); err != nil {
		return "", diags, c, err
	}
	return b.String(), diags, c, nil
}

// sortedLines is the non-empty lines of s, sorted: the comparison is order-insensitive.
func sortedLines(s string) []string {
	var res []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimRight(l, " \r"); l != "" {
			res = append(res, l)
		}
	}
	slices.Sort(res)
	return res
}

// lineDiff is what want has that got lacks (missing) and the converse (extra).
func lineDiff(want, got []string) (missing, extra []string) {
	for _, l := range want {
		if _, ok := slices.BinarySearch(got, l); !ok {
			missing = append(missing, l)
		}
	}
	for _, l := range got {
		if _, ok := slices.BinarySearch(want, l); !ok {
			extra = append(extra, l)
		}
	}
	return missing, extra
}

// npguardCase is one directory of np-guard's suite with a connlist golden.
type npguardCase struct {
	dir            string
	others         []string // kinds the engine does not read
	admin          bool     // holds AdminNetworkPolicies or a BaselineAdminNetworkPolicy
	ingress        bool     // holds Ingresses or Routes
	missing, extra []string
	err            string
	class          string // why it differs; "" when it matches
}

// classIPv6 is the one difference class left: every other mismatch fails the test.
const classIPv6 = "IPv6 networks in admin policies: the engine lists IPv6 ranges, netpol-analyzer ignores them"

// classify names why c differs from its golden, checking the claim: the only lines
// that differ are extra ones with an IPv6 range.
func (c *npguardCase) classify() {
	if c.err == "" && len(c.missing)+len(c.extra) == 0 {
		return
	}
	switch {
	case c.err != "":
		c.class = "unexplained: " + c.err
	case c.admin && len(c.missing) == 0 && !slices.ContainsFunc(c.extra, func(l string) bool {
		src, rest, _ := strings.Cut(l, " => ")
		dst, _, _ := strings.Cut(rest, " : ")
		return !strings.Contains(src+dst, ":")
	}):
		c.class = classIPv6
	default:
		c.class = "unexplained"
	}
}

// TestNpGuardConnlist runs the engine, as `netc connectivity --manifests DIR --format
// txt` does, on every directory of netpol-analyzer's test suite that has a plain
// connlist golden (test_outputs/connlist/DIR_connlist_output.txt), and compares
// order-insensitively. A directory holding only NetworkPolicies, workloads and
// namespaces must match; every other difference must be of a documented class. The
// score table in docs/engine.md is checked against the run (NETC_UPDATE=1 rewrites it).
func TestNpGuardConnlist(t *testing.T) {
	mod := npguardModule(t)
	entries, err := os.ReadDir(filepath.Join(mod, "tests"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []*npguardCase
	for _, e := range entries {
		golden, err := os.ReadFile(filepath.Join(mod, "test_outputs", "connlist", e.Name()+"_connlist_output.txt"))
		if err != nil || !e.IsDir() {
			continue
		}
		c := &npguardCase{dir: e.Name()}
		got, diags, cl, err := connectivityText([]string{filepath.Join(mod, "tests", e.Name())})
		switch {
		case err != nil:
			c.err = err.Error()
		case diags.HasErrors():
			c.err = diags.Err().Error()
		}
		if cl != nil {
			for k := range cl.Skipped {
				c.others = append(c.others, k)
			}
			slices.Sort(c.others)
			c.admin = cl.Kinds["AdminNetworkPolicy"]+cl.Kinds["BaselineAdminNetworkPolicy"] > 0
			c.ingress = cl.Kinds["Ingress"]+cl.Kinds["Route"] > 0
		}
		c.missing, c.extra = lineDiff(sortedLines(string(golden)), sortedLines(got))
		c.classify()
		cases = append(cases, c)
	}
	if len(cases) < 100 {
		t.Fatalf("found %d directories with a connlist golden, want the suite's 104", len(cases))
	}
	matched, pure, pureMatched := 0, 0, 0
	for _, c := range cases {
		if c.class == "" {
			matched++
		}
		if c.pure() {
			pure++
			if c.class == "" {
				pureMatched++
			} else {
				t.Errorf("%s holds only NetworkPolicies, workloads and namespaces and differs from its golden:\n%s", c.dir, c.report())
			}
		}
		if strings.HasPrefix(c.class, "unexplained") {
			t.Errorf("%s differs from its golden for no documented reason:\n%s", c.dir, c.report())
		}
	}
	t.Logf("np-guard connlist goldens: %d of %d directories match; %d of %d that hold only NetworkPolicies, workloads and namespaces",
		matched, len(cases), pureMatched, pure)
	if pure < 40 {
		t.Errorf("only %d directories hold only NetworkPolicies, workloads and namespaces; want about 42", pure)
	}
	checkScoreTable(t, scoreTable(cases, matched, pureMatched, pure))
}

// pure reports whether the directory holds, as far as connectivity goes, only
// NetworkPolicies, workloads and namespaces (Services without Ingress or Route,
// ConfigMaps, RBAC and the like bear on no connection).
func (c *npguardCase) pure() bool { return !c.admin && !c.ingress }

func (c *npguardCase) report() string {
	var b strings.Builder
	if c.err != "" {
		fmt.Fprintf(&b, "  error: %s\n", c.err)
	}
	for i, l := range c.missing {
		if i == 20 {
			fmt.Fprintf(&b, "  ... %d more missing\n", len(c.missing)-i)
			break
		}
		fmt.Fprintf(&b, "  missing: %s\n", l)
	}
	for i, l := range c.extra {
		if i == 20 {
			fmt.Fprintf(&b, "  ... %d more extra\n", len(c.extra)-i)
			break
		}
		fmt.Fprintf(&b, "  extra:   %s\n", l)
	}
	return b.String()
}

func scoreTable(cases []*npguardCase, matched, pureMatched, pure int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d directories match their golden. %d of the %d that hold only NetworkPolicies,\n", matched, len(cases), pureMatched, pure)
	b.WriteString("workloads and namespaces (and kinds that bear on no connection) match;\n")
	count := func(f func(*npguardCase) bool) (n, matched int) {
		for _, c := range cases {
			if f(c) {
				n++
				if c.class == "" {
					matched++
				}
			}
		}
		return n, matched
	}
	admin, adminMatched := count(func(c *npguardCase) bool { return c.admin })
	ingress, ingressMatched := count(func(c *npguardCase) bool { return c.ingress })
	fmt.Fprintf(&b, "%d of the %d with AdminNetworkPolicies or a BaselineAdminNetworkPolicy match, and %d of the %d\n", adminMatched, admin, ingressMatched, ingress)
	b.WriteString("with Ingresses or Routes. Per difference class:\n\n")
	classes := map[string][]string{}
	for _, c := range cases {
		if c.class != "" {
			classes[c.class] = append(classes[c.class], c.dir)
		}
	}
	b.WriteString("| class | directories |\n|---|---:|\n")
	for _, k := range []string{classIPv6} {
		fmt.Fprintf(&b, "| %s | %d |\n", k, len(classes[k]))
	}
	b.WriteString("\n| directory | other kinds | result |\n|---|---|---|\n")
	for _, c := range cases {
		res := "match"
		if c.class != "" {
			res = fmt.Sprintf("differs (%d missing, %d extra): %s", len(c.missing), len(c.extra), c.class)
		}
		others := strings.Join(c.others, ", ")
		if others == "" {
			others = "-"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", c.dir, others, res)
	}
	return b.String()
}

const (
	docsEngine = "../../docs/engine.md"
	tableBegin = "<!-- npguard-score:begin (written by test/conformance TestNpGuardConnlist) -->\n"
	tableEnd   = "<!-- npguard-score:end -->\n"
)

// checkScoreTable demands that docs/engine.md holds the table between its markers.
func checkScoreTable(t *testing.T, table string) {
	checkDocSection(t, tableBegin, tableEnd, table)
}

// checkDocSection demands that docs/engine.md holds text between the markers begin and
// end; NETC_UPDATE=1 writes it there.
func checkDocSection(t *testing.T, begin, end, text string) {
	data, err := os.ReadFile(docsEngine)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i := strings.Index(doc, begin)
	j := -1
	if i >= 0 {
		if k := strings.Index(doc[i:], end); k >= 0 {
			j = i + k
		}
	}
	if i < 0 || j < 0 {
		t.Fatalf("%s: no markers %q", docsEngine, strings.TrimSpace(begin))
	}
	have := doc[i+len(begin) : j]
	if have == text {
		return
	}
	if os.Getenv("NETC_UPDATE") != "" {
		doc = doc[:i+len(begin)] + text + doc[j:]
		if err := os.WriteFile(docsEngine, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s: the section %q is stale; run NETC_UPDATE=1 go test -run NpGuard in test/conformance", docsEngine, strings.TrimSpace(begin))
}

// TestEngineAgreesWithAnalyzer gives the engine and netpol-analyzer the same cluster for
// every golden case of netc (testdata/**/*.txtar with Kubernetes output): the
// NetworkPolicies of the case's out/ sections and the fixtures of connectivity_test.go
// (replicas and decoy pods), in each address family's projection. Their list outputs
// must be equal line for line.
func TestEngineAgreesWithAnalyzer(t *testing.T) {
	var paths []string
	err := filepath.WalkDir("../../testdata", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".txtar") {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, path := range paths {
		ar, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var srcs []compiler.Source
		var files []artifact.File
		var cfg *config.Config
		policies := false
		for _, f := range ar.Files {
			switch {
			case strings.HasSuffix(f.Name, ".net"):
				srcs = append(srcs, compiler.Source{Name: f.Name, Data: f.Data})
			case f.Name == config.FileName:
				c, diags := config.Load(f.Name, f.Data)
				if diags.HasErrors() {
					continue
				}
				cfg = c
			case strings.HasPrefix(f.Name, "out/kubernetes/"):
				files = append(files, artifact.File{Path: strings.TrimPrefix(f.Name, "out/"), Data: f.Data})
				policies = policies || strings.HasSuffix(f.Name, "/networkpolicies.yaml")
			}
		}
		if !policies || len(srcs) == 0 {
			continue
		}
		p, diags := compiler.Compile(srcs, compiler.Options{Config: cfg})
		if p == nil || diags.HasErrors() {
			continue
		}
		checked++
		name := strings.TrimSuffix(strings.TrimPrefix(path, "../../testdata/"), ".txtar")
		t.Run(name, func(t *testing.T) {
			out, errs := decodeKubernetes(files)
			if len(errs) > 0 {
				t.Fatalf("decoding the golden output: %v", errs)
			}
			var nps []*networkingv1.NetworkPolicy
			for _, np := range objectsOf[*networkingv1.NetworkPolicy](out) {
				nps = append(nps, defaulted(np))
			}
			fx := buildFixtures(p)
			v6prefixes, err := irIPv6Prefixes(p, nps)
			if err != nil {
				t.Fatal(err)
			}
			v6, err := newIPv6Family(v6prefixes)
			if err != nil {
				t.Fatal(err)
			}
			for _, fam := range []family{ipv4Family, v6} {
				objs := fx.objects()
				for _, np := range nps {
					c, err := forAnalyzer(np, fam, fx.Pods)
					if err != nil {
						t.Fatal(err)
					}
					objs = append(objs, runtime.Object(c))
				}
				compareWithAnalyzer(t, fam.Name, objs)
			}
		})
	}
	if checked < 20 {
		t.Errorf("checked %d golden cases with Kubernetes output, want at least 20", checked)
	}
}

// compareWithAnalyzer runs both on objs and demands equal list outputs.
func compareWithAnalyzer(t *testing.T, what string, objs []runtime.Object) {
	t.Helper()
	conns, errs := analyze(objs, family{Name: what})
	if len(errs) > 0 {
		t.Fatalf("%s: %v", what, errs)
	}
	want, err := connlist.NewConnlistAnalyzer(connlist.WithOutputFormat("txt")).ConnectionsListToString(conns)
	if err != nil {
		t.Fatal(err)
	}
	cl := engine.NewCluster()
	var diags diag.List
	for _, o := range objs {
		switch o := o.(type) {
		case *corev1.Namespace:
			cl.AddNamespace(o, diag.Span{})
		case *corev1.Pod:
			cl.AddPod(o, diag.Span{}, &diags)
		case *networkingv1.NetworkPolicy:
			cl.AddPolicy(o, diag.Span{}, &diags)
		default:
			t.Fatalf("unexpected object %T", o)
		}
	}
	if len(diags) > 0 {
		t.Fatalf("%s: the engine refused the objects: %v", what, diags)
	}
	var b bytes.Buffer
	if err := engine.Write(&b, cl.Map(), "txt"); err != nil {
		t.Fatal(err)
	}
	missing, extra := lineDiff(sortedLines(want), sortedLines(b.String()))
	if len(missing)+len(extra) > 0 {
		t.Errorf("%s: the engine and netpol-analyzer disagree:\n  only the analyzer: %s\n  only the engine: %s", what,
			strings.Join(missing, "\n    "), strings.Join(extra, "\n    "))
	}
	if len(sortedLines(want)) == 0 {
		t.Errorf("%s: the analyzer lists no connection: nothing compared", what)
	}
}

// TestEngineSemanticsCases runs netpol-analyzer on the engine's hand-written clusters
// (engine/testdata/semantics): its list must be the map the case wants, the one the
// engine's own test demands.
func TestEngineSemanticsCases(t *testing.T) {
	paths, err := filepath.Glob("../../engine/testdata/semantics/*.txtar")
	if err != nil || len(paths) < 5 {
		t.Fatalf("found %d cases: %v", len(paths), err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			var want string
			for _, f := range ar.Files {
				if f.Name == "want" {
					want = string(f.Data)
					continue
				}
				if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			log := &analyzerLog{}
			ca := connlist.NewConnlistAnalyzer(connlist.WithLogger(log), connlist.WithOutputFormat("txt"))
			conns, _, err := ca.ConnlistFromDirPath(dir)
			if err != nil || len(log.errors) > 0 {
				t.Fatalf("netpol-analyzer: %v %v", err, log.errors)
			}
			got, err := ca.ConnectionsListToString(conns)
			if err != nil {
				t.Fatal(err)
			}
			missing, extra := lineDiff(sortedLines(want), sortedLines(got))
			if len(missing)+len(extra) > 0 {
				t.Errorf("netpol-analyzer disagrees with the case:\n  only the case: %s\n  only the analyzer: %s",
					strings.Join(missing, "\n    "), strings.Join(extra, "\n    "))
			}
		})
	}
}
