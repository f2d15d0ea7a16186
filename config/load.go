package config

import (
	"bytes"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/kube"
)

// MaxDepth bounds how deeply brackets and braces nest in netc.hcl. The schema needs
// three levels; the bound keeps a hostile file from exhausting the parser's stack.
const MaxDepth = 64

// Find returns the netc.hcl in dir, if there is one. netc looks only beside its
// inputs (or where --config says), never in parent directories, so what configures a
// build is always in plain sight.
func Find(dir string) (string, bool) {
	p := filepath.Join(dir, FileName)
	st, err := os.Stat(p)
	if err != nil || st.IsDir() {
		return "", false
	}
	return p, true
}

// Load parses the netc.hcl named filename whose bytes are src. Settings it does not
// mention keep their defaults. A relative output dir is taken relative to the file's
// directory. The configuration is nil when the diagnostics hold errors.
func Load(filename string, src []byte) (*Config, diag.List) {
	l := &loader{file: filename, src: src, cfg: Default()}
	l.cfg.File = filename
	l.lines = lineStarts(src)
	if !utf8.Valid(src) {
		off := firstInvalidUTF8(src)
		l.errAt(diag.Span{File: filename, Start: l.pos(off), End: l.pos(off + 1)}, "netc.hcl is not valid UTF-8")
		return nil, l.diags
	}
	if off, ok := tooDeep(src); !ok {
		l.errAt(diag.Span{File: filename, Start: l.pos(off), End: l.pos(off + 1)}, fmt.Sprintf("brackets nest deeper than %d levels", MaxDepth))
		return nil, l.diags
	}
	f, hdiags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	l.addHCL(hdiags)
	if hdiags.HasErrors() {
		l.diags.Sort()
		return nil, l.diags
	}
	l.body(f.Body.(*hclsyntax.Body))
	l.diags.Sort()
	if l.diags.HasErrors() {
		return nil, l.diags
	}
	return l.cfg, l.diags
}

type loader struct {
	file  string
	src   []byte
	lines []int // byte offset of each line's start
	cfg   *Config
	diags diag.List
}

func (l *loader) body(b *hclsyntax.Body) {
	for _, a := range sortedAttrs(b.Attributes) {
		l.errAt(l.span(a.NameRange), fmt.Sprintf("unexpected attribute %q at the top level; netc.hcl holds dns, rules, output, cluster and database blocks", a.Name))
	}
	first := map[string]*hclsyntax.Block{}
	for _, blk := range b.Blocks {
		if blk.Type == "database" { // labelled and repeatable: config/sql.go
			l.database(blk)
			continue
		}
		handle, known := map[string]func(*hclsyntax.Block){
			"dns":     l.dns,
			"rules":   l.rules,
			"output":  l.output,
			"cluster": l.cluster,
		}[blk.Type]
		if !known {
			l.errAt(l.span(blk.TypeRange), fmt.Sprintf("unknown block %q%s; netc.hcl holds dns, rules, output, cluster and database blocks", blk.Type, suggest(blk.Type, "dns", "rules", "output", "cluster", "database")))
			continue
		}
		if prev, dup := first[blk.Type]; dup {
			l.diags.Add(diag.Diagnostic{
				Span:    l.span(blk.TypeRange),
				Message: fmt.Sprintf("duplicate %s block", blk.Type),
				Related: []diag.Related{{Span: l.span(prev.TypeRange), Message: fmt.Sprintf("first %s block", blk.Type)}},
			})
			continue
		}
		first[blk.Type] = blk
		if len(blk.Labels) > 0 {
			l.errAt(l.span(blk.LabelRanges[0]), fmt.Sprintf("%s block takes no labels", blk.Type))
		}
		for _, nested := range blk.Body.Blocks {
			l.errAt(l.span(nested.TypeRange), fmt.Sprintf("unexpected block %q in the %s block", nested.Type, blk.Type))
		}
		handle(blk)
	}
}

func (l *loader) dns(blk *hclsyntax.Block) {
	d := &l.cfg.DNS
	d.Span = l.span(blk.TypeRange)
	for _, a := range sortedAttrs(blk.Body.Attributes) {
		switch a.Name {
		case "enabled":
			if v, ok := l.boolean(a); ok {
				d.Enabled = v
			}
		case "namespace":
			if v, ok := l.str(a); ok {
				if err := kube.CheckLabel(v); err != nil {
					l.errAt(l.span(a.Expr.Range()), fmt.Sprintf("namespace %q %v", v, err))
				} else {
					d.Namespace = v
				}
			}
		case "labels":
			if v, ok := l.labels(a); ok {
				d.Labels = v
			}
		case "port":
			if v, ok := l.port(a); ok {
				d.Port = v
			}
		default:
			l.unknownAttr(a, "dns", "enabled", "namespace", "labels", "port")
		}
	}
}

func (l *loader) rules(blk *hclsyntax.Block) {
	for _, a := range sortedAttrs(blk.Body.Attributes) {
		s, ok := l.severity(a)
		if !ok {
			continue
		}
		l.cfg.Rules = append(l.cfg.Rules, RuleSetting{ID: a.Name, Severity: s, Span: l.span(a.NameRange)})
	}
}

func (l *loader) output(blk *hclsyntax.Block) {
	o := &l.cfg.Output
	for _, a := range sortedAttrs(blk.Body.Attributes) {
		switch a.Name {
		case "dir":
			if v, ok := l.str(a); ok {
				switch {
				case v == "":
					l.errAt(l.span(a.Expr.Range()), "output dir must not be empty")
				case strings.ContainsRune(v, 0):
					l.errAt(l.span(a.Expr.Range()), "output dir must not contain a NUL byte")
				case filepath.IsAbs(v):
					o.Dir = filepath.Clean(v)
				default:
					o.Dir = filepath.Join(filepath.Dir(l.file), v)
				}
			}
		case "kubernetes":
			if v, ok := l.boolean(a); ok {
				o.Kubernetes = v
			}
		case "sql":
			if v, ok := l.boolean(a); ok {
				o.SQL = v
			}
		default:
			l.unknownAttr(a, "output", "dir", "kubernetes", "sql")
		}
	}
}

func (l *loader) unknownAttr(a *hclsyntax.Attribute, block string, known ...string) {
	l.errAt(l.span(a.NameRange), fmt.Sprintf("unknown attribute %q in the %s block%s; it takes %s", a.Name, block, suggest(a.Name, known...), strings.Join(known, ", ")))
}

// value evaluates a's expression with no variables or functions in scope: netc.hcl
// holds literals only.
func (l *loader) value(a *hclsyntax.Attribute) (cty.Value, bool) {
	v, hdiags := a.Expr.Value(nil)
	if hdiags.HasErrors() {
		l.addHCL(hdiags)
		return cty.NilVal, false
	}
	return v, true
}

func (l *loader) str(a *hclsyntax.Attribute) (string, bool) {
	if kw, ok := bareWord(a.Expr); ok {
		l.errAt(l.span(a.Expr.Range()), fmt.Sprintf("%s must be a quoted string, like %s = %q", a.Name, a.Name, kw))
		return "", false
	}
	v, ok := l.value(a)
	if !ok {
		return "", false
	}
	if v.IsNull() || v.Type() != cty.String {
		l.errAt(l.span(a.Expr.Range()), fmt.Sprintf("%s must be a string, not %s", a.Name, typeName(v)))
		return "", false
	}
	return v.AsString(), true
}

func (l *loader) boolean(a *hclsyntax.Attribute) (bool, bool) {
	v := cty.NilVal
	if _, bare := bareWord(a.Expr); !bare {
		var ok bool
		if v, ok = l.value(a); !ok {
			return false, false
		}
	}
	if v == cty.NilVal || v.IsNull() || v.Type() != cty.Bool {
		l.errAt(l.span(a.Expr.Range()), fmt.Sprintf("%s must be true or false", a.Name))
		return false, false
	}
	return v.True(), true
}

func (l *loader) port(a *hclsyntax.Attribute) (int32, bool) {
	v, ok := l.value(a)
	if !ok {
		return 0, false
	}
	if v.IsNull() || v.Type() != cty.Number {
		l.errAt(l.span(a.Expr.Range()), fmt.Sprintf("port must be a number from 1 to 65535, not %s", typeName(v)))
		return 0, false
	}
	f := v.AsBigFloat()
	if !f.IsInt() || f.Cmp(big.NewFloat(1)) < 0 || f.Cmp(big.NewFloat(65535)) > 0 {
		l.errAt(l.span(a.Expr.Range()), fmt.Sprintf("port %s is out of range: it must be a whole number from 1 to 65535", f.Text('g', 10)))
		return 0, false
	}
	n, _ := f.Int64()
	return int32(n), true
}

var severityNames = `"error", "warning", "info" or "off"`

func (l *loader) severity(a *hclsyntax.Attribute) (diag.Severity, bool) {
	if _, bare := bareWord(a.Expr); bare {
		l.errAt(l.span(a.Expr.Range()), fmt.Sprintf("the severity of %s must be a quoted string: %s", a.Name, severityNames))
		return 0, false
	}
	v, ok := l.value(a)
	if !ok {
		return 0, false
	}
	if v.IsNull() || v.Type() != cty.String {
		l.errAt(l.span(a.Expr.Range()), fmt.Sprintf("the severity of %s must be %s, not %s", a.Name, severityNames, typeName(v)))
		return 0, false
	}
	s, ok := diag.ParseSeverity(v.AsString())
	if !ok {
		l.errAt(l.span(a.Expr.Range()), fmt.Sprintf("unknown severity %q for %s; use %s", v.AsString(), a.Name, severityNames))
		return 0, false
	}
	return s, true
}

// labels reads `labels = { "k8s-app" = "kube-dns" }` item by item, so a bad key or
// value is reported where it is written.
func (l *loader) labels(a *hclsyntax.Attribute) (map[string]string, bool) {
	obj, isObj := a.Expr.(*hclsyntax.ObjectConsExpr)
	if !isObj {
		l.errAt(l.span(a.Expr.Range()), `labels must be an object of strings, like labels = { "k8s-app" = "kube-dns" }`)
		return nil, false
	}
	if len(obj.Items) == 0 {
		l.errAt(l.span(a.Expr.Range()), "labels must not be empty: an empty selector would open port 53 to every pod of the DNS namespace")
		return nil, false
	}
	out := map[string]string{}
	first := map[string]hcl.Range{}
	ok := true
	for _, item := range obj.Items {
		kv, kd := item.KeyExpr.Value(nil)
		vv, vd := item.ValueExpr.Value(nil)
		if kd.HasErrors() || vd.HasErrors() {
			l.addHCL(append(kd, vd...))
			ok = false
			continue
		}
		kr, vr := item.KeyExpr.Range(), item.ValueExpr.Range()
		if kv.IsNull() || kv.Type() != cty.String {
			l.errAt(l.span(kr), fmt.Sprintf("label key must be a string, not %s", typeName(kv)))
			ok = false
			continue
		}
		key := kv.AsString()
		if vv.IsNull() || vv.Type() != cty.String {
			l.errAt(l.span(vr), fmt.Sprintf("value of label %q must be a string, not %s", key, typeName(vv)))
			ok = false
			continue
		}
		val := vv.AsString()
		if err := kube.CheckLabelKey(key); err != nil {
			l.errAt(l.span(kr), fmt.Sprintf("label key %q %v", key, err))
			ok = false
		}
		if err := kube.CheckLabelValue(val); err != nil {
			l.errAt(l.span(vr), fmt.Sprintf("value %q of label %q %v", val, key, err))
			ok = false
		}
		if prev, dup := first[key]; dup {
			l.diags.Add(diag.Diagnostic{
				Span:    l.span(kr),
				Message: fmt.Sprintf("duplicate label %q", key),
				Related: []diag.Related{{Span: l.span(prev), Message: "first set here"}},
			})
			ok = false
			continue
		}
		first[key] = kr
		out[key] = val
	}
	return out, ok
}

func (l *loader) errAt(span diag.Span, msg string) {
	l.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: span, Message: msg})
}

// addHCL converts HCL's diagnostics: the summary becomes the message, the detail the
// detail, and the range is recomputed in bytes (HCL counts columns in characters).
func (l *loader) addHCL(hd hcl.Diagnostics) {
	for _, d := range hd {
		sev := diag.Error
		if d.Severity == hcl.DiagWarning {
			sev = diag.Warning
		}
		span := diag.Span{File: l.file}
		if d.Subject != nil {
			span = l.span(*d.Subject)
		}
		l.diags.Add(diag.Diagnostic{Severity: sev, Span: span, Message: lowerFirst(d.Summary), Detail: d.Detail})
	}
}

// span converts an HCL range to a diag span with byte columns, from byte offsets.
func (l *loader) span(r hcl.Range) diag.Span {
	return diag.Span{File: l.file, Start: l.pos(r.Start.Byte), End: l.pos(r.End.Byte)}
}

func (l *loader) pos(off int) diag.Pos {
	off = max(0, min(off, len(l.src)))
	line := sort.Search(len(l.lines), func(i int) bool { return l.lines[i] > off }) // 1-based line
	return diag.Pos{Line: line, Col: off - l.lines[line-1] + 1, Offset: off}
}

func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, b := range src {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

func firstInvalidUTF8(src []byte) int {
	for off := 0; off < len(src); {
		r, n := utf8.DecodeRune(src[off:])
		if r == utf8.RuneError && n == 1 {
			return off
		}
		off += n
	}
	return len(src)
}

// tooDeep scans for brackets nested deeper than MaxDepth, skipping quoted strings and
// comments. It is deliberately rough (heredocs count as code): the schema's real
// nesting is far below the bound. It returns the offending offset.
func tooDeep(src []byte) (int, bool) {
	depth := 0
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			for i++; i < len(src) && src[i] != '"' && src[i] != '\n'; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case '/':
			if i+1 < len(src) && src[i+1] == '/' {
				for i < len(src) && src[i] != '\n' {
					i++
				}
			} else if i+1 < len(src) && src[i+1] == '*' {
				end := bytes.Index(src[i+2:], []byte("*/"))
				if end < 0 {
					return 0, true
				}
				i += end + 3
			}
		case '{', '[', '(':
			if depth++; depth > MaxDepth {
				return i, false
			}
		case '}', ']', ')':
			depth = max(0, depth-1)
		}
	}
	return 0, true
}

// bareWord reports whether e is an unquoted name like `off` or `kube-system`: in HCL
// that is a variable reference, and netc.hcl has no variables, so the user surely
// meant a string.
func bareWord(e hclsyntax.Expression) (string, bool) {
	st, ok := e.(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(st.Traversal) != 1 {
		return "", false
	}
	return st.Traversal.RootName(), true
}

func sortedAttrs(m hclsyntax.Attributes) []*hclsyntax.Attribute {
	as := make([]*hclsyntax.Attribute, 0, len(m))
	for _, a := range m {
		as = append(as, a)
	}
	slices.SortFunc(as, func(a, b *hclsyntax.Attribute) int { return a.SrcRange.Start.Byte - b.SrcRange.Start.Byte })
	return as
}

func typeName(v cty.Value) string {
	if v.IsNull() {
		return "null"
	}
	switch t := v.Type(); {
	case t == cty.String:
		return "a string"
	case t == cty.Number:
		return "a number"
	case t == cty.Bool:
		return "a bool"
	case t.IsObjectType() || t.IsMapType():
		return "an object"
	case t.IsTupleType() || t.IsListType() || t.IsSetType():
		return "a list"
	}
	return v.Type().FriendlyName()
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || (len(s) > n && unicode.IsUpper(rune(s[n]))) {
		return s // empty, or an acronym like "UTF-8"
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// suggest returns `; did you mean "x"` when name is a small edit away from a known one.
func suggest(name string, known ...string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := diag.EditDistance(name, k, bestD); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}
