package parser

import (
	"github.com/alecthomas/participle/v2"
	plexer "github.com/alecthomas/participle/v2/lexer"

	"github.com/netc-dev/netc/lang/ast"
	"github.com/netc-dev/netc/lang/lexer"
)

// The fast path parses well-formed statements without participle.
//
// participle builds each statement through reflection at about 40 allocations a token:
// it was nine tenths of the compile time at 10,000 services, and 26 ms of CPU for a
// 1,000-line program of declarations, grants and assertions. The functions here build
// the same nodes directly, in slabs (see arena), for the shapes programs are made of:
// every statement kind, and the attribute and privilege lines of blocks.
//
// Each returns exactly the tree participle returns for the same tokens, positions
// included (participle's ends narrowed to the last token, as parse does; FuzzParse
// and TestFastPathMatchesParticiple parse with both and compare),
// or nil when it is not sure: then participle parses the statement and words any syntax
// error, so diagnostics never depend on this path. To keep that promise the fast path
// accepts only tokens of the exact type it expects (a quoted "->" is no arrow here,
// though participle's literals would match it), gives up at the first surprise, and
// leaves to participle the corners where its two-token lookahead decides (a value
// that starts NAME/NAME with no '=' after it, which participle refuses).

// useFast switches the fast path on; tests switch it off to compare the two parsers.
var useFast = true

// fastOrParse returns v, the fast path's result, or when it is nil participle's parse.
// participle costs tens of microseconds a token, so it reads at most MaxSlowTokens
// tokens per file: past that, a statement the fast path could not read gets a short
// syntax error at the token where the fast path stopped. Well-formed programs never
// get there (they reach participle only through rare quoted names spelled like the
// grammar's words); hostile ones cannot make a parse take minutes.
func fastOrParse[G any](p *driver, v *G, g func() *participle.Parser[G], toks []plexer.Token, end plexer.Token) *G {
	if v != nil {
		return v
	}
	if useFast && p.slow+len(toks) > MaxSlowTokens {
		at := end
		if p.arena.stop < len(toks) {
			at = toks[p.arena.stop]
		}
		p.errorf(at.Pos, at.Pos, "syntax error at %s (no detail: this file holds more than %d tokens of statements that need the slow parser)",
			describe(at, end), MaxSlowTokens)
		return nil
	}
	p.slow += len(toks)
	return parse(p, g(), toks, end)
}

// arena hands out AST nodes from slabs: one allocation per slabSize nodes instead of
// one per node, which at 50,000 services is millions fewer objects for the garbage
// collector to track. A slab lives as long as any node in it; all nodes of a file live
// as long as its AST, so nothing is held longer than before.
type arena struct {
	// stop is the index of the token where the fast path last gave up.
	stop int

	stmts     []ast.Stmt
	services  []ast.ServiceDecl
	flows     []ast.Flow
	tails     []ast.IntentTail
	refs      []ast.Ref
	names     []ast.Name
	ports     []ast.Port
	attrs     []ast.Attr
	values    []ast.Value
	items     []ast.Item
	refPtrs   []*ast.Ref
	portPtrs  []*ast.Port
	namePtrs  []*ast.Name
	valuePtrs []*ast.Value
	itemPtrs  []*ast.Item
}

const slabSize = 512

// alloc copies v into the slab *s and returns its address, starting a new slab when
// the current one is full (never growing it: that would move nodes already handed out).
func alloc[T any](s *[]T, v T) *T {
	if len(*s) == cap(*s) {
		*s = make([]T, 0, slabSize)
	}
	*s = append(*s, v)
	return &(*s)[len(*s)-1]
}

// list copies vs into the slab *s and returns it as a slice whose capacity ends at its
// length, so a later append reallocates instead of writing into the slab.
func list[T any](s *[]T, vs []T) []T {
	if len(vs) == 0 {
		return nil
	}
	if cap(*s)-len(*s) < len(vs) {
		*s = make([]T, 0, max(slabSize, len(vs)))
	}
	n := len(*s)
	*s = append(*s, vs...)
	return (*s)[n : n+len(vs) : n+len(vs)]
}

// literals are the grammar's literal strings. participle matches a literal against a
// token's value whatever its type, so a quoted name spelled like one ("->", "can",
// "*") can be read as the literal; statements holding one are left to participle.
var literals = map[string]bool{
	"namespace": true, "service": true, "database": true, "external": true, "role": true,
	"assert": true, "on": true, "as": true, "can": true, "cannot": true, "named": true,
	"in": true, "{": true, "}": true, "/": true, "=": true, ",": true, "->": true,
	"!->": true, ":": true, "-": true, "*": true,
}

// surprising returns the index of the first quoted name spelled like one of the
// grammar's literals, or -1: statements holding one are left to participle.
func surprising(toks []plexer.Token) int {
	for i, t := range toks {
		if t.Type == lexer.String && literals[t.Value] {
			return i
		}
	}
	return -1
}

// start checks what every fast entry point checks first, and records where it gave up.
func start(a *arena, toks []plexer.Token) bool {
	a.stop = 0
	if !useFast || len(toks) == 0 {
		return false
	}
	if k := surprising(toks); k >= 0 {
		a.stop = k
		return false
	}
	return true
}

type fastParser struct {
	a      *arena
	toks   []plexer.Token
	i      int
	endPos plexer.Position
}

func newFast(a *arena, toks []plexer.Token, end plexer.Token) fastParser {
	f := fastParser{a: a, toks: toks, endPos: end.Pos}
	if f.endPos.Line == 0 && len(toks) > 0 {
		f.endPos = toks[len(toks)-1].Pos // as lexer.SliceLexer does
	}
	return f
}

// end is where a node finished before token i ends: the end of its last token, i-1
// (every node holds at least one token), as the driver narrows participle's ends.
func (f *fastParser) end() plexer.Position { return lexer.End(f.toks[f.i-1]) }

// pos is the position of token i (the end position past the last token, where the
// node being started will fail anyway).
func (f *fastParser) pos() plexer.Position {
	if f.i < len(f.toks) {
		return f.toks[f.i].Pos
	}
	return f.endPos
}

// from is an extent starting at pos; the node's end is set when it is finished.
func from(pos plexer.Position) ast.Extent { return ast.Extent{Pos: pos} }

// typ is the type of token i+k, or EOF past the end.
func (f *fastParser) typ(k int) plexer.TokenType {
	if f.i+k < len(f.toks) {
		return f.toks[f.i+k].Type
	}
	return lexer.EOF
}

func (f *fastParser) is(typ plexer.TokenType, v string) bool { return f.isAt(0, typ, v) }

// isAt reports whether token i+k has type typ and value v.
func (f *fastParser) isAt(k int, typ plexer.TokenType, v string) bool {
	return f.i+k < len(f.toks) && f.toks[f.i+k].Type == typ && f.toks[f.i+k].Value == v
}

func (f *fastParser) accept(typ plexer.TokenType, v string) bool {
	if f.is(typ, v) {
		f.i++
		return true
	}
	return false
}

func (f *fastParser) done() bool { return f.i == len(f.toks) }

func isName(t plexer.TokenType) bool { return t == lexer.Ident || t == lexer.String }

func (f *fastParser) name() *ast.Name {
	if !isName(f.typ(0)) {
		return nil
	}
	t := f.toks[f.i]
	f.i++
	return alloc(&f.a.names, ast.Name{Extent: ast.Extent{Pos: t.Pos, EndPos: lexer.End(t)}, Value: t.Value})
}

// names reads NAME ( "," NAME )*.
func (f *fastParser) names() []*ast.Name {
	var buf [8]*ast.Name
	out := buf[:0]
	for {
		n := f.name()
		if n == nil {
			return nil
		}
		out = append(out, n)
		if !f.accept(lexer.Punct, ",") {
			return list(&f.a.namePtrs, out)
		}
	}
}

func (f *fastParser) ref() *ast.Ref {
	first := f.name()
	if first == nil {
		return nil
	}
	r := ast.Ref{Extent: from(first.Pos), First: first}
	if f.accept(lexer.Punct, "/") {
		if r.Second = f.name(); r.Second == nil {
			return nil
		}
	}
	r.EndPos = f.end()
	return alloc(&f.a.refs, r)
}

// refs reads REF ( "," REF )*.
func (f *fastParser) refs() []*ast.Ref {
	var buf [8]*ast.Ref
	out := buf[:0]
	for {
		r := f.ref()
		if r == nil {
			return nil
		}
		out = append(out, r)
		if !f.accept(lexer.Punct, ",") {
			return list(&f.a.refPtrs, out)
		}
	}
}

// kind reads the optional subject kind of grants and assertions: a name followed by
// another name.
func (f *fastParser) kind() *ast.Name {
	if isName(f.typ(0)) && isName(f.typ(1)) {
		return f.name()
	}
	return nil
}

// fastStmt parses one statement (for a block statement, its header up to '{').
func fastStmt(a *arena, toks []plexer.Token, end plexer.Token) *ast.Stmt {
	if !start(a, toks) {
		return nil
	}
	f := newFast(a, toks, end)
	st := f.stmt()
	a.stop = f.i
	return st
}

func (f *fastParser) stmt() *ast.Stmt {
	a, toks := f.a, f.toks
	t0 := toks[0]
	st := ast.Stmt{Extent: from(t0.Pos)}
	keyword := t0.Type == lexer.Ident && len(toks) > 1 && isName(toks[1].Type)
	switch {
	case keyword && t0.Value == "service":
		f.i = 1
		d := ast.ServiceDecl{Extent: from(t0.Pos), Name: f.name()}
		d.Block = f.accept(lexer.Punct, "{")
		d.EndPos = f.end()
		st.Service = alloc(&a.services, d)
	case keyword && t0.Value == "database":
		f.i = 1
		d := ast.DatabaseDecl{Extent: from(t0.Pos), Name: f.name()}
		if d.Engine = f.name(); d.Engine == nil {
			return nil
		}
		d.Block = f.accept(lexer.Punct, "{")
		d.EndPos = f.end()
		st.Database = &d
	case keyword && t0.Value == "namespace":
		f.i = 1
		d := ast.NamespaceStmt{Extent: from(t0.Pos), Name: f.name()}
		d.EndPos = f.end()
		st.Namespace = &d
	case keyword && t0.Value == "external":
		f.i = 1
		d := ast.ExternalDecl{Extent: from(t0.Pos), Name: f.name()}
		var buf [8]*ast.Item
		items := buf[:0]
		for {
			it := f.item()
			if it == nil {
				return nil
			}
			items = append(items, it)
			if !f.accept(lexer.Punct, ",") {
				break
			}
		}
		d.CIDRs = list(&a.itemPtrs, items)
		d.EndPos = f.end()
		st.External = &d
	case keyword && t0.Value == "role":
		f.i = 1
		d := ast.RoleDecl{Extent: from(t0.Pos), Name: f.name()}
		if !f.accept(lexer.Keyword, "on") {
			return nil
		}
		if d.Database = f.ref(); d.Database == nil || !f.accept(lexer.Punct, "{") {
			return nil
		}
		d.Block = true
		d.EndPos = f.end()
		st.Role = &d
	case keyword && t0.Value == "assert":
		if st.Assert = f.assert(); st.Assert == nil {
			return nil
		}
	default:
		// participle tries the flow before the declarations (but for `assert NAME`), so
		// a statement word not followed by a name (`service -> db:80`) is a flow's
		// source; a flow that parses is what participle returns too. Declarations never
		// hold the '->', can or cannot a flow needs, so no statement parses both ways.
		if st.Flow = f.flow(); st.Flow == nil {
			return nil
		}
	}
	if !f.done() {
		return nil
	}
	st.EndPos = f.end()
	return alloc(&a.stmts, st)
}

// flow reads [KIND] SOURCES then an intent tail (-> ...) or a grant tail (can ...).
func (f *fastParser) flow() *ast.Flow {
	fl := ast.Flow{Extent: from(f.pos()), Kind: f.kind()}
	if fl.Sources = f.refs(); fl.Sources == nil {
		return nil
	}
	switch {
	case f.typ(0) == lexer.Arrow:
		if fl.Intent = f.intentTail(); fl.Intent == nil {
			return nil
		}
	case f.is(lexer.Keyword, "can") || f.is(lexer.Keyword, "cannot"):
		if fl.Grant = f.grantTail(); fl.Grant == nil {
			return nil
		}
	default:
		return nil
	}
	fl.EndPos = f.end()
	return alloc(&f.a.flows, fl)
}

// intentTail reads -> TARGET[:PORTS] [as role ROLES].
func (f *fastParser) intentTail() *ast.IntentTail {
	it := ast.IntentTail{Extent: from(f.pos())}
	f.i++ // ->
	if it.Target = f.ref(); it.Target == nil {
		return nil
	}
	if f.accept(lexer.Punct, ":") {
		if it.Ports = f.ports(); it.Ports == nil {
			return nil
		}
	}
	if f.accept(lexer.Keyword, "as") {
		if !f.accept(lexer.Ident, "role") {
			return nil
		}
		if it.Roles = f.names(); it.Roles == nil {
			return nil
		}
	}
	it.EndPos = f.end()
	return alloc(&f.a.tails, it)
}

// ports reads PORT ( "," PORT )*.
func (f *fastParser) ports() []*ast.Port {
	var buf [8]*ast.Port
	out := buf[:0]
	for {
		p := f.port()
		if p == nil {
			return nil
		}
		out = append(out, p)
		if !f.accept(lexer.Punct, ",") {
			return list(&f.a.portPtrs, out)
		}
	}
}

// port reads N, N-M or NAME, then an optional /PROTO.
func (f *fastParser) port() *ast.Port {
	p := ast.Port{}
	switch f.typ(0) {
	case lexer.Int:
		p.Pos = f.pos()
		p.Number = f.toks[f.i].Value
		f.i++
		if f.accept(lexer.Punct, "-") {
			if f.typ(0) != lexer.Int {
				return nil
			}
			p.End = f.toks[f.i].Value
			f.i++
		}
	case lexer.Ident, lexer.String:
		p.Pos = f.pos()
		p.Name = f.name()
	default:
		return nil
	}
	if f.accept(lexer.Punct, "/") {
		if p.Proto = f.name(); p.Proto == nil {
			return nil
		}
	}
	p.EndPos = f.end()
	return alloc(&f.a.ports, p)
}

// grantTail reads can|cannot VERBS [RESOURCES] [named NAMES] [in SCOPES].
func (f *fastParser) grantTail() *ast.GrantTail {
	g := ast.GrantTail{Extent: from(f.pos()), Cannot: f.toks[f.i].Value == "cannot"}
	f.i++
	for {
		switch {
		case f.typ(0) == lexer.Ident, f.is(lexer.Punct, "*"):
			t := f.toks[f.i]
			f.i++
			g.Verbs = append(g.Verbs, &ast.Verb{Extent: ast.Extent{Pos: t.Pos, EndPos: lexer.End(t)}, Value: t.Value})
		default:
			return nil
		}
		if !f.accept(lexer.Punct, ",") {
			break
		}
	}
	if isName(f.typ(0)) || f.is(lexer.Punct, "*") {
		for {
			r := ast.Resource{Extent: from(f.pos())}
			if f.accept(lexer.Punct, "*") {
				r.Star = true
			} else if r.Ref = f.ref(); r.Ref == nil {
				return nil
			}
			r.EndPos = f.end()
			g.Resources = append(g.Resources, &r)
			if !f.accept(lexer.Punct, ",") {
				break
			}
		}
	}
	if f.accept(lexer.Keyword, "named") {
		if g.Names = f.names(); g.Names == nil {
			return nil
		}
	}
	if f.accept(lexer.Keyword, "in") {
		if g.Scopes = f.names(); g.Scopes == nil {
			return nil
		}
	}
	g.EndPos = f.end()
	return &g
}

// assert reads assert [KIND] SUBJECT then -> / !-> TARGET[:PORTS] or a grant tail.
func (f *fastParser) assert() *ast.Assert {
	as := ast.Assert{Extent: from(f.pos())}
	f.i++ // assert
	as.Kind = f.kind()
	if as.Subject = f.ref(); as.Subject == nil {
		return nil
	}
	switch {
	case f.typ(0) == lexer.Arrow || f.typ(0) == lexer.NotArrow:
		r := ast.ReachTail{Extent: from(f.pos()), Not: f.typ(0) == lexer.NotArrow}
		f.i++
		if r.Target = f.ref(); r.Target == nil {
			return nil
		}
		if f.accept(lexer.Punct, ":") {
			if r.Ports = f.ports(); r.Ports == nil {
				return nil
			}
		}
		r.EndPos = f.end()
		as.Reach = &r
	case f.is(lexer.Keyword, "can") || f.is(lexer.Keyword, "cannot"):
		if as.Grant = f.grantTail(); as.Grant == nil {
			return nil
		}
	default:
		return nil
	}
	as.EndPos = f.end()
	return &as
}

// fastAttr parses one attribute line of a service or database block:
// KEY [VALUE ( "," VALUE )*], VALUE = [NAME "="] ITEM+.
func fastAttr(a *arena, toks []plexer.Token, end plexer.Token) *ast.Attr {
	if !start(a, toks) {
		return nil
	}
	f := newFast(a, toks, end)
	at := f.attr()
	a.stop = f.i
	return at
}

func (f *fastParser) attr() *ast.Attr {
	a := f.a
	at := ast.Attr{Extent: from(f.pos()), Key: f.name()}
	if at.Key == nil {
		return nil
	}
	if !f.done() {
		var buf [8]*ast.Value
		vals := buf[:0]
		for {
			v := f.value()
			if v == nil {
				return nil
			}
			vals = append(vals, v)
			if !f.accept(lexer.Punct, ",") {
				break
			}
		}
		at.Values = list(&a.valuePtrs, vals)
	}
	if !f.done() {
		return nil
	}
	at.EndPos = f.end()
	return alloc(&a.attrs, at)
}

func (f *fastParser) value() *ast.Value {
	v := ast.Value{Extent: from(f.pos())}
	// The key: NAME= or NAME/NAME= (a prefixed label key, app.kubernetes.io/name=x).
	// A value starting NAME/NAME without '=' is an error in participle (its key group
	// fails three tokens in, past its lookahead), so it is left to participle.
	if isName(f.typ(0)) {
		switch {
		case f.isAt(1, lexer.Punct, "="):
			v.Key = f.ref()
			f.i++
		case f.isAt(1, lexer.Punct, "/"):
			if !isName(f.typ(2)) || !f.isAt(3, lexer.Punct, "=") {
				return nil
			}
			v.Key = f.ref()
			f.i++
		}
	}
	var buf [4]*ast.Item
	items := buf[:0]
	for f.typ(0) == lexer.Ident || f.typ(0) == lexer.String || f.typ(0) == lexer.Int || f.typ(0) == lexer.CIDR {
		it := f.item()
		if it == nil {
			return nil
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return nil
	}
	v.Items = list(&f.a.itemPtrs, items)
	v.EndPos = f.end()
	return alloc(&f.a.values, v)
}

// item reads a word, number or CIDR with an optional /PROTO.
func (f *fastParser) item() *ast.Item {
	it := ast.Item{}
	if f.i >= len(f.toks) {
		return nil
	}
	t := f.toks[f.i]
	it.Pos = t.Pos
	switch t.Type {
	case lexer.Ident, lexer.String:
		it.Word = f.name()
	case lexer.Int:
		it.Int = t.Value
		f.i++
	case lexer.CIDR:
		it.CIDR = t.Value
		f.i++
	default:
		return nil
	}
	if f.accept(lexer.Punct, "/") {
		if it.Proto = f.name(); it.Proto == nil {
			return nil
		}
	}
	it.EndPos = f.end()
	return alloc(&f.a.items, it)
}

// fastPrivilege parses one line of a role block: ACTIONS on [KIND] OBJECTS.
func fastPrivilege(a *arena, toks []plexer.Token, end plexer.Token) *ast.Privilege {
	if !start(a, toks) {
		return nil
	}
	f := newFast(a, toks, end)
	pr := f.privilege()
	a.stop = f.i
	return pr
}

func (f *fastParser) privilege() *ast.Privilege {
	pr := ast.Privilege{Extent: from(f.pos()), Actions: f.names()}
	if pr.Actions == nil || !f.accept(lexer.Keyword, "on") {
		return nil
	}
	pr.Kind = f.kind()
	for {
		if !isName(f.typ(0)) {
			return nil
		}
		t := f.toks[f.i]
		f.i++
		o := &ast.Object{Extent: ast.Extent{Pos: t.Pos, EndPos: lexer.End(t)}}
		if t.Type == lexer.String {
			o.QuotedName = t.Value
		} else {
			o.Bare = t.Value
		}
		pr.Objects = append(pr.Objects, o)
		if !f.accept(lexer.Punct, ",") {
			break
		}
	}
	if !f.done() {
		return nil
	}
	pr.EndPos = f.end()
	return &pr
}
