// Package format prints netc source in its one canonical layout, the way gofmt does for
// Go: `netc fmt` is this package behind a command line. It prints from the syntax tree
// (package ast) and the comments the lexer kept, so the output depends only on what the
// file means and where its comments and blank lines are, never on how it was spaced.
//
// The layout, which docs/cli.md describes for users:
//
//   - one statement or block line per line (a `;`-separated line is split), two spaces
//     of indentation per block level, `{` at the end of its header line and `}` on a
//     line of its own; an empty block is `{}`, and a block written on one line with
//     one line inside stays on one line (`service web { port http 8080 }`);
//   - single spaces between words and around `->` and `!->`; none around `:`, `/`,
//     `=` and the `-` of a port range; `, ` after commas;
//   - names bare when they can be (the bare-name pattern, not a reserved word) and
//     quoted otherwise; quoted objects that contain a '.' stay quoted, since quoting is
//     what keeps them one name;
//   - blank lines between statements kept, at most one in a row, none at the start or
//     end of the file or of a block;
//   - a comment on a line of its own stays before what follows it, indented like it; a
//     comment after code stays on that code's line, one space after it; and the file
//     ends with exactly one newline;
//   - a line that carries a waiver (`# netc:allow RULE reason`) is never split: the
//     compiler matches a waiver with findings by line, so what shared a line with a
//     waiver keeps sharing it (joined by `; `, or by spaces around braces).
package format

import (
	"strings"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/ast"
	"github.com/netc-dev/netc/lang/lexer"
	"github.com/netc-dev/netc/lang/parser"
)

// Source parses src and returns it formatted. Formatting is defined only for a file
// without syntax errors: when src has any, Source returns nil and the diagnostics.
func Source(filename string, src []byte) ([]byte, diag.List) {
	f, diags := parser.ParseFile(filename, src)
	if diags.HasErrors() {
		return nil, diags
	}
	return File(f), diags
}

// File prints a parsed file. f must come from a parse without errors (see Source).
func File(f *ast.File) []byte {
	p := &printer{comments: map[int]string{}, waivers: map[int]bool{}}
	for _, c := range f.Comments {
		line := c.Span.Start.Line
		p.comments[line] = strings.TrimRight(c.Text, " \t\r")
		p.commentLines = append(p.commentLines, line)
		if _, ok := c.Waiver(); ok {
			p.waivers[line] = true
		}
	}
	p.stmts(f.Stmts, 0)
	return p.print()
}

type kind uint8

const (
	simple  kind = iota // a whole statement or block line (or an empty block: `service a {}`)
	open                // a block header ending in `{`
	closing             // the `}` of a block
)

// unit is one piece of output that normally takes a line of its own. Every unit comes
// from tokens on one source line (line), except an empty block written over several
// lines, which ends on line last.
type unit struct {
	line, last int
	depth      int
	kind       kind
	text       string
}

type printer struct {
	units        []unit
	comments     map[int]string // comment text by source line (a line has at most one)
	commentLines []int          // lines with a comment, in order
	waivers      map[int]bool   // lines whose comment is a waiver
	b            strings.Builder
}

func (p *printer) add(line, depth int, k kind, text string) {
	p.units = append(p.units, unit{line: line, last: line, depth: depth, kind: k, text: text})
}

// block adds a block: its header (without the brace), its lines, and its closing brace
// on closeLine. An empty block is one unit `header {}` when that moves no comment: its
// braces share a line, or no line from the header to the closing brace has a comment.
func (p *printer) block(header string, line, closeLine, depth int, empty bool, body func()) {
	if empty && p.collapsible(line, closeLine) {
		p.units = append(p.units, unit{line: line, last: closeLine, depth: depth, kind: simple, text: header + " {}"})
		return
	}
	start := len(p.units)
	p.add(line, depth, open, header+" {")
	body()
	if inner := p.units[start+1:]; len(inner) == 1 && inner[0].kind == simple && inner[0].last == line && closeLine == line {
		// Written on one line with one line inside, as gofmt keeps `func() { return }`.
		p.units[start].text = header + " { " + inner[0].text + " }"
		p.units[start].kind = simple
		p.units = p.units[:start+1]
		return
	}
	p.add(closeLine, depth, closing, "}")
}

func (p *printer) collapsible(from, to int) bool {
	if from == to {
		return true
	}
	for l := from; l <= to; l++ {
		if _, ok := p.comments[l]; ok {
			return false
		}
	}
	return true
}

func (p *printer) stmts(list []*ast.Stmt, depth int) {
	for _, s := range list {
		p.stmt(s, depth)
	}
}

func (p *printer) stmt(s *ast.Stmt, depth int) {
	line := s.Pos.Line
	switch {
	case s.NamespaceBlock != nil:
		b := s.NamespaceBlock
		// The block ends at its closing brace.
		p.block("namespace "+name(b.Name), line, b.EndPos.Line, depth, len(b.Stmts) == 0, func() {
			p.stmts(b.Stmts, depth+1)
		})
	case s.Namespace != nil:
		p.add(line, depth, simple, "namespace "+name(s.Namespace.Name))
	case s.Service != nil:
		d := s.Service
		header := "service " + name(d.Name)
		if !d.Block {
			p.add(line, depth, simple, header)
			return
		}
		p.block(header, line, s.EndPos.Line, depth, len(d.Attrs) == 0, func() { p.attrs(d.Attrs, depth+1) })
	case s.Database != nil:
		d := s.Database
		header := "database " + name(d.Name) + " " + name(d.Engine)
		if !d.Block {
			p.add(line, depth, simple, header)
			return
		}
		p.block(header, line, s.EndPos.Line, depth, len(d.Attrs) == 0, func() { p.attrs(d.Attrs, depth+1) })
	case s.Role != nil:
		d := s.Role
		header := "role " + name(d.Name) + " on " + ref(d.Database)
		p.block(header, line, s.EndPos.Line, depth, len(d.Privileges) == 0, func() {
			for _, pr := range d.Privileges {
				p.add(pr.Pos.Line, depth+1, simple, privilege(pr))
			}
		})
	case s.External != nil:
		d := s.External
		var b strings.Builder
		b.WriteString("external ")
		b.WriteString(name(d.Name))
		b.WriteByte(' ')
		for i, it := range d.CIDRs {
			if i > 0 {
				b.WriteString(", ")
			}
			item(&b, it)
		}
		p.add(line, depth, simple, b.String())
	case s.Flow != nil:
		p.add(line, depth, simple, flow(s.Flow))
	case s.Assert != nil:
		p.add(line, depth, simple, assert(s.Assert))
	}
}

func (p *printer) attrs(list []*ast.Attr, depth int) {
	for _, a := range list {
		p.add(a.Pos.Line, depth, simple, attr(a))
	}
}

// print lays the units and comments out.
func (p *printer) print() []byte {
	units := p.units
	// unitLine reports the lines that hold a unit; a comment on such a line trails it.
	unitLine := make(map[int]bool, len(units))
	for _, u := range units {
		unitLine[u.line] = true
	}
	ci := 0 // next comment line to place
	prevLast := 0
	prevOpen := false
	started := false
	blank := func(first int, beforeClose bool) {
		if started && first > prevLast+1 && !prevOpen && !beforeClose {
			p.b.WriteByte('\n')
		}
	}
	ownLine := func(line, depth int) {
		p.indent(depth)
		p.b.WriteByte('#')
		p.b.WriteString(p.comments[line])
		p.b.WriteByte('\n')
		prevLast, prevOpen, started = line, false, true
	}
	for i := 0; i < len(units); {
		// A group is one output line: one unit, or every unit of a line with a waiver.
		j := i + 1
		if p.waivers[units[i].line] {
			for j < len(units) && units[j].line == units[i].line {
				j++
			}
		}
		g := units[i:j]
		first := g[0]
		for ci < len(p.commentLines) && p.commentLines[ci] < first.line {
			if l := p.commentLines[ci]; !unitLine[l] {
				depth := first.depth
				if first.kind == closing {
					depth++
				}
				blank(l, false)
				ownLine(l, depth)
			}
			ci++
		}
		blank(first.line, first.kind == closing)
		p.indent(first.depth)
		for k, u := range g {
			if k > 0 {
				if g[k-1].kind == open || u.kind == closing {
					p.b.WriteByte(' ')
				} else {
					p.b.WriteString("; ")
				}
			}
			p.b.WriteString(u.text)
		}
		last := g[len(g)-1]
		if j == len(units) || units[j].line != last.line {
			if c, ok := p.comments[last.line]; ok {
				p.b.WriteString(" #")
				p.b.WriteString(c)
			}
		}
		p.b.WriteByte('\n')
		prevLast, prevOpen, started = last.last, last.kind == open, true
		i = j
	}
	for ; ci < len(p.commentLines); ci++ {
		if l := p.commentLines[ci]; !unitLine[l] {
			blank(l, false)
			ownLine(l, 0)
		}
	}
	return []byte(p.b.String())
}

func (p *printer) indent(depth int) {
	for range depth {
		p.b.WriteString("  ")
	}
}

// name prints a name bare when the lexer would read it back as the same name, quoted
// otherwise.
func name(n *ast.Name) string { return quote(n.Value, false) }

// quote returns v bare when it matches the bare-name pattern, is not a reserved word
// and force is false; otherwise in double quotes, with `"` and `\` escaped.
func quote(v string, force bool) string {
	if !force && isBare(v) && !lexer.Keywords[v] {
		return v
	}
	var b strings.Builder
	b.Grow(len(v) + 2)
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('"')
	return b.String()
}

// isBare reports whether v matches [A-Za-z_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?, the names
// the lexer reads without quotes.
func isBare(v string) bool {
	if v == "" || len(v) > lexer.MaxNameLen {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		digit := c >= '0' && c <= '9'
		switch {
		case letter:
		case i == 0:
			return false
		case digit:
		case (c == '.' || c == '-') && i < len(v)-1:
		default:
			return false
		}
	}
	return true
}

func ref(r *ast.Ref) string {
	if r.Second == nil {
		return name(r.First)
	}
	return name(r.First) + "/" + name(r.Second)
}

func names(b *strings.Builder, list []*ast.Name) {
	for i, n := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(name(n))
	}
}

func item(b *strings.Builder, it *ast.Item) {
	switch {
	case it.Word != nil:
		b.WriteString(name(it.Word))
	case it.Int != "":
		b.WriteString(it.Int)
	default:
		b.WriteString(it.CIDR)
	}
	if it.Proto != nil {
		b.WriteByte('/')
		b.WriteString(name(it.Proto))
	}
}

func attr(a *ast.Attr) string {
	var b strings.Builder
	b.WriteString(name(a.Key))
	for i, v := range a.Values {
		if i == 0 {
			b.WriteByte(' ')
		} else {
			b.WriteString(", ")
		}
		if v.Key != nil {
			b.WriteString(ref(v.Key))
			b.WriteByte('=')
		}
		for k, it := range v.Items {
			if k > 0 {
				b.WriteByte(' ')
			}
			item(&b, it)
		}
	}
	return b.String()
}

func privilege(pr *ast.Privilege) string {
	var b strings.Builder
	names(&b, pr.Actions)
	b.WriteString(" on ")
	if pr.Kind != nil {
		b.WriteString(name(pr.Kind))
		b.WriteByte(' ')
	}
	for i, o := range pr.Objects {
		if i > 0 {
			b.WriteString(", ")
		}
		// Quotes are what make "a.b" one name rather than schema a, table b.
		b.WriteString(quote(o.Name(), o.Quoted() && strings.Contains(o.Name(), ".")))
	}
	return b.String()
}

func ports(b *strings.Builder, list []*ast.Port) {
	for i, pt := range list {
		if i == 0 {
			b.WriteByte(':')
		} else {
			b.WriteString(", ")
		}
		if pt.Name != nil {
			b.WriteString(name(pt.Name))
		} else {
			b.WriteString(pt.Number)
			if pt.End != "" {
				b.WriteByte('-')
				b.WriteString(pt.End)
			}
		}
		if pt.Proto != nil {
			b.WriteByte('/')
			b.WriteString(name(pt.Proto))
		}
	}
}

func flow(f *ast.Flow) string {
	var b strings.Builder
	if f.Kind != nil {
		b.WriteString(name(f.Kind))
		b.WriteByte(' ')
	}
	for i, r := range f.Sources {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(ref(r))
	}
	if t := f.Intent; t != nil {
		b.WriteString(" -> ")
		b.WriteString(ref(t.Target))
		ports(&b, t.Ports)
		if len(t.Roles) > 0 {
			b.WriteString(" as role ")
			names(&b, t.Roles)
		}
	} else {
		grant(&b, f.Grant)
	}
	return b.String()
}

func grant(b *strings.Builder, g *ast.GrantTail) {
	if g.Cannot {
		b.WriteString(" cannot ")
	} else {
		b.WriteString(" can ")
	}
	for i, v := range g.Verbs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v.Value) // a bare name or *: the grammar takes nothing else
	}
	for i, r := range g.Resources {
		if i == 0 {
			b.WriteByte(' ')
		} else {
			b.WriteString(", ")
		}
		if r.Star {
			b.WriteByte('*')
		} else {
			b.WriteString(ref(r.Ref))
		}
	}
	if len(g.Names) > 0 {
		b.WriteString(" named ")
		names(b, g.Names)
	}
	if len(g.Scopes) > 0 {
		b.WriteString(" in ")
		names(b, g.Scopes)
	}
}

func assert(a *ast.Assert) string {
	var b strings.Builder
	b.WriteString("assert ")
	if a.Kind != nil {
		b.WriteString(name(a.Kind))
		b.WriteByte(' ')
	}
	b.WriteString(ref(a.Subject))
	if r := a.Reach; r != nil {
		if r.Not {
			b.WriteString(" !-> ")
		} else {
			b.WriteString(" -> ")
		}
		b.WriteString(ref(r.Target))
		ports(&b, r.Ports)
	} else {
		grant(&b, a.Grant)
	}
	return b.String()
}
