package importer

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/engine"
	"github.com/netc-dev/netc/kube"
)

// Options are netc import's choices.
type Options struct {
	// Names names address sets: an external that is exactly one of these CIDRs takes
	// its name (see ParseNames).
	Names map[netip.Prefix]string
}

// Finding is something of the input that the program does not say exactly, and what
// it says instead.
type Finding struct {
	Object   string `json:"object"` // "NetworkPolicy shop/allow-web", "ClusterRole admin"
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Field    string `json:"field"`    // "spec.ingress[0].from[1].namespaceSelector", "rules[2]"
	Problem  string `json:"problem"`  // what intents cannot say
	Imported string `json:"imported"` // what the program says instead
}

// Difference is a pair whose connections under the imported program differ from the
// original's, on the original workloads.
type Difference struct {
	Src      string `json:"src"`
	Dst      string `json:"dst"`
	Original string `json:"original"`
	Imported string `json:"imported"`
	Reason   string `json:"reason"`
	span     diag.Span
}

// Report is what the import could not carry over exactly. The program is complete
// when it is empty.
type Report struct {
	// Findings are the fields of NetworkPolicies and RBAC objects intents cannot say
	// exactly.
	Findings []Finding `json:"findings"`
	// Connections are the pairs whose connectivity the imported program changes,
	// computed by building the program and analysing it on the original workloads.
	Connections []Difference `json:"connections"`
	// Dropped are the RBAC rules (and binding subjects) no grant carries.
	Dropped []DroppedRule `json:"dropped_rbac"`
}

// Partial reports whether anything was not carried over exactly.
func (r *Report) Partial() bool {
	return len(r.Findings)+len(r.Connections)+len(r.Dropped) > 0
}

// Diagnostics is the report as warnings at the objects they are about.
func (r *Report) Diagnostics() diag.List {
	var l diag.List
	for _, f := range r.Findings {
		l.Add(diag.Diagnostic{Severity: diag.Warning, Span: diag.Span{File: f.File, Start: diag.Pos{Line: f.Line, Col: 1}},
			Message: fmt.Sprintf("%s %s: %s; imported as %s", f.Object, f.Field, f.Problem, f.Imported)})
	}
	for _, d := range r.Dropped {
		l.Add(diag.Diagnostic{Severity: diag.Warning, Span: diag.Span{File: d.File, Start: diag.Pos{Line: d.Line, Col: 1}},
			Message: fmt.Sprintf("%s %s (bound by %s): not imported: %s", d.Object, d.Field, d.Binding, d.Problem)})
	}
	for _, d := range r.Connections {
		l.Add(diag.Diagnostic{Severity: diag.Warning, Span: d.span,
			Message: fmt.Sprintf("connection not reproduced: %s => %s: %s originally, %s imported (%s)", d.Src, d.Dst, d.Original, d.Imported, d.Reason)})
	}
	l.Sort()
	return l
}

// Result is the files of the imported program and the report.
type Result struct {
	Files  []artifact.File
	Report *Report
}

// Import reads Kubernetes objects and writes the program that says what they do.
// Diagnostics are the input's problems (with errors, there is no result); an error is
// a bug of the importer (the program it wrote does not compile).
func Import(srcs []engine.Source, opts Options) (*Result, diag.List, error) {
	c := engine.NewCluster()
	var diags diag.List
	acc := &access{}
	for _, s := range srcs {
		c.Read(s, &diags)
		acc.read(s, &diags)
	}
	diags.Sort()
	if diags.HasErrors() {
		return nil, diags, nil
	}
	rep := &Report{Findings: []Finding{}, Connections: []Difference{}, Dropped: []DroppedRule{}}
	n := newNetwork(c, opts.Names, rep)
	n.mixed = acc.mixed
	n.services()
	n.isolation()
	n.intents()
	n.policies()
	if len(n.m.Workloads) > 0 {
		n.admin()
	}
	grants := acc.grants(rep)

	var files []artifact.File
	add := func(name, text string) error {
		out, err := canonical(name, text)
		if err != nil {
			return err
		}
		files = append(files, artifact.File{Path: name, Data: out})
		return nil
	}
	var refused strings.Builder // the notes of namespaces netc cannot have
	for _, ns := range slices.Sorted(maps.Keys(n.files)) {
		if !validNamespace(ns) {
			for _, note := range n.files[ns].notes {
				comment(&refused, "", fmt.Sprintf("namespace %q: %s", ns, note))
			}
			continue
		}
		if err := add(ns+".net", n.files[ns].render()); err != nil {
			return nil, diags, err
		}
	}
	if refused.Len() > 0 {
		text := header + " Namespaces netc cannot have, and what they held.\n\n" + refused.String()
		if err := add(RefusedFile, text); err != nil {
			return nil, diags, err
		}
	}
	if t := n.renderExternals(); t != "" {
		if err := add(ExternalsFile, t); err != nil {
			return nil, diags, err
		}
	}
	if len(files) == 0 && len(acc.bindings) == 0 {
		at := diag.Span{}
		if len(srcs) > 0 {
			at.File = srcs[0].Name
		}
		diags.Errorf(at, "nothing to import: the input holds no workloads, NetworkPolicies or RBAC bindings")
		return nil, diags, nil
	}
	files = append(files, artifact.File{Path: ConfigFile, Data: []byte(configText)})

	p, err := compile(files)
	if err != nil {
		return nil, diags, err
	}
	if grants != "" {
		// Waive, on their lines, the error-level rules the imported grants break: the
		// cluster grants them today; netc check lists them as waived.
		text, err := acc.waive(files, grants)
		if err != nil {
			return nil, diags, err
		}
		if err := add(AccessFile, text); err != nil {
			return nil, diags, err
		}
		if p, err = compile(files); err != nil {
			return nil, diags, err
		}
	}
	n.differences(Compare(c.Map(), Rebuilt(c, p).Map()))
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return nil, diags, err
	}
	files = append(files, artifact.File{Path: ReportFile, Data: append(data, '\n')})
	slices.SortFunc(files, func(a, b artifact.File) int { return strings.Compare(a.Path, b.Path) })
	return &Result{Files: files, Report: rep}, diags, nil
}

// validNamespace reports whether a namespace can be a netc namespace (and a file name).
func validNamespace(ns string) bool { return ns != "cluster" && kube.IsLabel(ns) }

// compile compiles the program's files as netc check and build would.
func compile(files []artifact.File) (*ir.Program, error) {
	p, diags := compileDiags(files)
	if diags.HasErrors() {
		var b strings.Builder
		diag.WriteText(&b, diags, 0)
		return nil, fmt.Errorf("netc import wrote a program with errors (a bug):\n%s", b.String())
	}
	return p, nil
}

func compileDiags(files []artifact.File) (*ir.Program, diag.List) {
	var srcs []compiler.Source
	cfg := config.Default()
	for _, f := range files {
		switch {
		case f.Path == ConfigFile:
			c, d := config.Load(f.Path, f.Data)
			if d.HasErrors() {
				return nil, d
			}
			cfg = c
		case strings.HasSuffix(f.Path, ".net"):
			srcs = append(srcs, compiler.Source{Name: f.Path, Data: f.Data})
		}
	}
	return compiler.Compile(srcs, compiler.Options{Config: cfg})
}
