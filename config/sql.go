package config

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/netc-dev/netc/diag"
)

// SQLDatabase is a `database "NS/NAME" { ... }` block: settings of one database's SQL
// script. The compiler resolves Namespace/Name against the program's databases and the
// adopted names against its roles and logins, reporting at the spans given here.
//
//	database "shop/db" {
//	  adopt = ["dba", "legacy_app"]
//	}
type SQLDatabase struct {
	Namespace, Name string
	// Adopt names roles and logins of the database that already exist on the server
	// and that netc did not create: the script takes them over instead of stopping.
	Adopt []Adopted
	Span  diag.Span // the label
}

// Adopted is one name of an adopt list.
type Adopted struct {
	Name string
	Span diag.Span
}

// database reads one database block. Its label is "NAME" (namespace default) or
// "NS/NAME", like a reference in the program.
func (l *loader) database(blk *hclsyntax.Block) {
	if len(blk.Labels) != 1 {
		l.errAt(l.span(blk.TypeRange), `a database block takes one label, the database: database "NAMESPACE/NAME" { adopt = [...] }`)
		return
	}
	label := l.span(blk.LabelRanges[0])
	ns, name, ok := strings.Cut(blk.Labels[0], "/")
	if !ok {
		ns, name = "default", blk.Labels[0]
	}
	if ns == "" || name == "" || strings.Contains(name, "/") {
		l.errAt(label, fmt.Sprintf("database %q: write NAME or NAMESPACE/NAME", blk.Labels[0]))
		return
	}
	for _, prev := range l.cfg.Databases {
		if prev.Namespace == ns && prev.Name == name {
			l.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: label,
				Message: fmt.Sprintf("duplicate database block for %s/%s", ns, name),
				Related: []diag.Related{{Span: prev.Span, Message: "first database block for it"}}})
			return
		}
	}
	d := SQLDatabase{Namespace: ns, Name: name, Span: label}
	for _, nested := range blk.Body.Blocks {
		l.errAt(l.span(nested.TypeRange), fmt.Sprintf("unexpected block %q in the database block", nested.Type))
	}
	for _, a := range sortedAttrs(blk.Body.Attributes) {
		switch a.Name {
		case "adopt":
			d.Adopt = l.names(a)
		default:
			l.unknownAttr(a, "database", "adopt")
		}
	}
	l.cfg.Databases = append(l.cfg.Databases, d)
}

// names reads the adopt list, each name reported where it is written.
func (l *loader) names(a *hclsyntax.Attribute) []Adopted {
	var out []Adopted
	first := map[string]diag.Span{}
	for _, it := range l.stringList(a, "names", "dba") {
		if prev, dup := first[it.value]; dup {
			l.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: it.span,
				Message: fmt.Sprintf("%q is listed twice in %s", it.value, a.Name),
				Related: []diag.Related{{Span: prev, Message: "first listed here"}}})
			continue
		}
		first[it.value] = it.span
		out = append(out, Adopted{Name: it.value, Span: it.span})
	}
	return out
}
