package conformance

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/np-guard/netpol-analyzer/pkg/netpol/connlist"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/engine"
	"github.com/netc-dev/netc/importer"
	"github.com/netc-dev/netc/lang/format"
)

// The round trip of netc import, judged by netpol-analyzer: for every directory of
// np-guard's suite that holds only NetworkPolicies, workloads and namespaces, import
// it, build the program with netc, and analyse the built NetworkPolicies on the
// ORIGINAL workloads and namespaces (the directory's files with their NetworkPolicies
// taken out). The analyzer's connectivity must equal its connectivity of the original
// directory, or differ exactly by the pairs the import reported.

// analyzerList is netpol-analyzer's txt list of a directory.
func analyzerList(t *testing.T, dir string) string {
	t.Helper()
	log := &analyzerLog{}
	ca := connlist.NewConnlistAnalyzer(connlist.WithLogger(log), connlist.WithOutputFormat("txt"))
	conns, _, err := ca.ConnlistFromDirPath(dir)
	if err != nil || len(log.errors) > 0 {
		t.Fatalf("netpol-analyzer on %s: %v %v", dir, err, log.errors)
	}
	out, err := ca.ConnectionsListToString(conns)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// withoutPolicies is a manifest file with its NetworkPolicies (list items too) taken
// out, one object a document; nil when nothing is left.
func withoutPolicies(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	var diags diag.List
	for _, o := range engine.Objects(engine.Source{Name: name, Data: data}, &diags) {
		if o.Kind == "NetworkPolicy" {
			continue
		}
		out.WriteString("---\n")
		out.Write(o.JSON)
		out.WriteString("\n")
	}
	if diags.HasErrors() {
		t.Fatalf("%s: %v", name, diags)
	}
	if out.Len() == 0 {
		return nil
	}
	return out.Bytes()
}

// rebuiltDir writes, in a new directory, the original manifests (not the goldens some
// directories hold, *output*.json) without their policies, and the NetworkPolicies
// netc built; with keep, the original manifests as they are.
func rebuiltDir(t *testing.T, orig string, built []artifact.File, keep bool) string {
	t.Helper()
	dir := t.TempDir()
	n := 0
	err := filepath.WalkDir(orig, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := strings.ToLower(filepath.Ext(p))
		if ext != ".yaml" && ext != ".yml" && ext != ".json" || strings.Contains(filepath.Base(p), "output") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !keep {
			data = withoutPolicies(t, p, data)
		}
		if kept := data; kept != nil {
			n++
			return os.WriteFile(filepath.Join(dir, fmt.Sprintf("orig-%03d.yaml", n)), kept, 0o644)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range built {
		if strings.HasSuffix(f.Path, "/networkpolicies.yaml") {
			n++
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("built-%03d.yaml", n)), f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// connPair is one line of the list, or one difference: address ranges are [lo, hi]
// inclusive, per workload and direction.
type connPair struct{ src, dst, a, b string }

type ipPiece struct {
	lo, hi uint64 // [lo, hi)
	conn   string
}

// listDiff compares two analyzer lists: workload pairs by name, address pairs per
// workload and direction over every range boundary of both, adjacent ranges with the
// same two answers merged; written as the import report writes its connections.
func listDiff(t *testing.T, a, b string) []connPair {
	t.Helper()
	type side struct {
		w  string
		in bool
	}
	parse := func(s string) (map[[2]string]string, map[side][]ipPiece) {
		ws := map[[2]string]string{}
		ips := map[side][]ipPiece{}
		for _, l := range sortedLines(s) {
			pair, conn, ok := strings.Cut(l, " : ")
			src, dst, ok2 := strings.Cut(pair, " => ")
			if !ok || !ok2 {
				t.Fatalf("analyzer line %q", l)
			}
			srcIP, dstIP := !strings.Contains(src, "["), !strings.Contains(dst, "[")
			switch {
			case !srcIP && !dstIP:
				ws[[2]string{src, dst}] = conn
			case srcIP && dstIP:
				t.Fatalf("analyzer line between addresses: %q", l)
			default:
				k, r := side{dst, true}, src
				if dstIP {
					k, r = side{src, false}, dst
				}
				spans, err := parseAnalyzerIPs(r)
				if err != nil {
					t.Fatal(err)
				}
				for _, sp := range spans {
					ips[k] = append(ips[k], ipPiece{sp.lo, sp.hi, conn})
				}
			}
		}
		return ws, ips
	}
	wa, ia := parse(a)
	wb, ib := parse(b)
	orNone := func(s string) string {
		if s == "" {
			return "No Connections"
		}
		return s
	}
	var res []connPair
	keys := map[[2]string]bool{}
	for k := range wa {
		keys[k] = true
	}
	for k := range wb {
		keys[k] = true
	}
	for k := range keys {
		if x, y := orNone(wa[k]), orNone(wb[k]); x != y {
			res = append(res, connPair{k[0], k[1], x, y})
		}
	}
	sides := map[side]bool{}
	for k := range ia {
		sides[k] = true
	}
	for k := range ib {
		sides[k] = true
	}
	at := func(ps []ipPiece, x uint64) string {
		for _, p := range ps {
			if p.lo <= x && x < p.hi {
				return p.conn
			}
		}
		return "No Connections"
	}
	for k := range sides {
		cuts := []uint64{0, ipv4End}
		for _, p := range slices.Concat(ia[k], ib[k]) {
			cuts = append(cuts, p.lo, p.hi)
		}
		slices.Sort(cuts)
		cuts = slices.Compact(cuts)
		type run struct {
			lo, hi uint64
			x, y   string
		}
		var runs []run
		for i := 0; i+1 < len(cuts); i++ {
			x, y := at(ia[k], cuts[i]), at(ib[k], cuts[i])
			if x == y {
				continue
			}
			if l := len(runs); l > 0 && runs[l-1].hi == cuts[i] && runs[l-1].x == x && runs[l-1].y == y {
				runs[l-1].hi = cuts[i+1]
				continue
			}
			runs = append(runs, run{cuts[i], cuts[i+1], x, y})
		}
		for _, r := range runs {
			rng := ipv4String(r.lo) + "-" + ipv4String(r.hi-1)
			p := connPair{rng, k.w, r.x, r.y}
			if !k.in {
				p.src, p.dst = k.w, rng
			}
			res = append(res, p)
		}
	}
	slices.SortFunc(res, func(x, y connPair) int { return strings.Compare(x.src+"\x00"+x.dst, y.src+"\x00"+y.dst) })
	return res
}

// importCase is one directory's round trip.
type importCase struct {
	dir                string
	findings, reported int
	diff               []connPair
	result             string // exact, partial, or why it failed
}

func TestImportRoundTrip(t *testing.T) {
	mod := npguardModule(t)
	entries, err := os.ReadDir(filepath.Join(mod, "tests"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []*importCase
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(mod, "test_outputs", "connlist", e.Name()+"_connlist_output.txt")); err != nil || !e.IsDir() {
			continue
		}
		dir := filepath.Join(mod, "tests", e.Name())
		cl, diags, err := engine.Load([]string{dir}, nil)
		if err != nil || diags.HasErrors() {
			continue
		}
		if cl.Kinds["AdminNetworkPolicy"]+cl.Kinds["BaselineAdminNetworkPolicy"]+cl.Kinds["Ingress"]+cl.Kinds["Route"] > 0 {
			continue
		}
		c := &importCase{dir: e.Name()}
		cases = append(cases, c)
		t.Run(e.Name(), func(t *testing.T) { c.run(t, dir) })
	}
	exact, partial := 0, 0
	withFindings := 0
	for _, c := range cases {
		switch c.result {
		case "exact":
			exact++
		case "partial":
			partial++
		}
		if c.findings > 0 {
			withFindings++
		}
	}
	t.Logf("netc import round trip: %d of %d np-guard directories exact, %d partial with exactly the reported pairs, %d failed; %d with findings (selectors resolved to the workloads present)",
		exact, len(cases), partial, len(cases)-exact-partial, withFindings)
	if len(cases) < 40 {
		t.Errorf("found %d directories holding only NetworkPolicies, workloads and namespaces; want about 42", len(cases))
	}
	checkImportScore(t, importScore(cases, exact, partial, withFindings))
}

func (c *importCase) run(t *testing.T, dir string) {
	c.result = "failed"
	srcs, diags, err := engine.ReadSources([]string{dir}, nil)
	if err != nil || diags.HasErrors() {
		t.Fatalf("reading: %v %v", err, diags)
	}
	res, diags, err := importer.Import(srcs, importer.Options{})
	if err != nil || diags.HasErrors() {
		t.Fatalf("import: %v %v", err, diags)
	}
	c.findings = len(res.Report.Findings)
	c.reported = len(res.Report.Connections)
	var progSrcs []compiler.Source
	var cfg *config.Config
	for _, f := range res.Files {
		switch {
		case strings.HasSuffix(f.Path, ".net"):
			if out, d := format.Source(f.Path, f.Data); d.HasErrors() || !bytes.Equal(out, f.Data) {
				t.Errorf("%s is not in canonical form (netc fmt --check fails)", f.Path)
			}
			progSrcs = append(progSrcs, compiler.Source{Name: f.Path, Data: f.Data})
		case f.Path == importer.ConfigFile:
			cc, d := config.Load(f.Path, f.Data)
			if d.HasErrors() {
				t.Fatalf("netc.hcl: %v", d)
			}
			cfg = cc
		}
	}
	p := compile(t, progSrcs, cfg)
	built := build(t, p, cfg)
	want := analyzerList(t, rebuiltDir(t, dir, nil, true))
	got := analyzerList(t, rebuiltDir(t, dir, built, false))
	c.diff = listDiff(t, want, got)
	var reported []connPair
	for _, d := range res.Report.Connections {
		reported = append(reported, connPair{d.Src, d.Dst, d.Original, d.Imported})
	}
	switch {
	case len(c.diff) == 0 && len(reported) == 0:
		c.result = "exact"
	case slices.Equal(c.diff, reported):
		c.result = "partial"
	default:
		c.result = fmt.Sprintf("failed: %d pairs differ, %d reported", len(c.diff), len(reported))
		for i, d := range c.diff {
			if i == 20 {
				break
			}
			t.Logf("differs: %s => %s: %s originally, %s built", d.src, d.dst, d.a, d.b)
		}
		for i, d := range reported {
			if i == 20 {
				break
			}
			t.Logf("reported: %s => %s: %s originally, %s imported", d.src, d.dst, d.a, d.b)
		}
		t.Errorf("the analyzer's difference is not the reported one")
	}
}

const (
	docsImport       = "../../docs/import.md"
	importTableBegin = "<!-- import-score:begin (written by test/conformance TestImportRoundTrip) -->\n"
	importTableEnd   = "<!-- import-score:end -->\n"
)

func importScore(cases []*importCase, exact, partial, withFindings int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d directories exact, %d partial with exactly the reported pairs, %d failed.\n", exact, len(cases), partial, len(cases)-exact-partial)
	fmt.Fprintf(&b, "%d have findings (selectors written as the workloads they select now).\n\n", withFindings)
	b.WriteString("| directory | result | findings | pairs reported |\n|---|---|---:|---:|\n")
	for _, c := range cases {
		fmt.Fprintf(&b, "| %s | %s | %d | %d |\n", c.dir, c.result, c.findings, c.reported)
	}
	return b.String()
}

// checkImportScore demands that docs/import.md holds the table between its markers
// (NETC_UPDATE=1 rewrites it).
func checkImportScore(t *testing.T, table string) {
	data, err := os.ReadFile(docsImport)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, importTableBegin), strings.Index(doc, importTableEnd)
	if i < 0 || j < i {
		t.Fatalf("%s: no score table markers", docsImport)
	}
	if doc[i+len(importTableBegin):j] == table {
		return
	}
	if os.Getenv("NETC_UPDATE") != "" {
		doc = doc[:i+len(importTableBegin)] + table + doc[j:]
		if err := os.WriteFile(docsImport, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s: the import score table is stale; run NETC_UPDATE=1 go test -run Import in test/conformance", docsImport)
}
