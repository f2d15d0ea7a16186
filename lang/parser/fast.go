package parser

import (
	plexer "github.com/alecthomas/participle/v2/lexer"

	"github.com/netc-dev/netc/lang/ast"
	"github.com/netc-dev/netc/lang/lexer"
)

// useFast switches the fast path on; tests switch it off to compare the two parsers.
var useFast = true

// fastStmt parses, without participle, the statements large programs are made of:
// intents (`A, B -> NS/C:80, 90-99/udp, http as role R`), `service NAME`,
// `service NAME {`, `database NAME ENGINE`, `database NAME ENGINE {` and
// `namespace NAME`. participle builds each statement through reflection at about 40
// allocations a token, which made it nine tenths of the compile time at 10,000
// services; this path builds the same nodes directly.
//
// It returns exactly the tree participle returns for the same tokens, positions
// included (FuzzParse and TestFastPathMatchesParticiple parse with both and compare),
// or nil when the statement is anything else or does not parse: participle then parses
// it and words any syntax error, so diagnostics never depend on this path. To keep that
// promise it accepts only tokens of the exact type it expects (a quoted "->" is not an
// arrow here, though participle's literals match it) and leaves every statement whose
// first word is a statement keyword, other than the shapes above, to participle.
func fastStmt(toks []plexer.Token, end plexer.Token) *ast.Stmt {
	if !useFast || len(toks) == 0 {
		return nil
	}
	f := fastParser{toks: toks, endPos: end.Pos}
	if f.endPos.Line == 0 {
		f.endPos = toks[len(toks)-1].Pos // as lexer.SliceLexer does
	}
	st := &ast.Stmt{Pos: toks[0].Pos, EndPos: f.endPos}
	t0 := toks[0]
	switch t0.Value {
	case "service":
		if t0.Type != lexer.Ident {
			return nil
		}
		f.i = 1
		d := &ast.ServiceDecl{Pos: t0.Pos}
		if d.Name = f.name(); d.Name == nil {
			return nil
		}
		d.Block = f.brace()
		d.EndPos = f.after()
		st.Service = d
	case "database":
		if t0.Type != lexer.Ident {
			return nil
		}
		f.i = 1
		d := &ast.DatabaseDecl{Pos: t0.Pos}
		if d.Name = f.name(); d.Name == nil {
			return nil
		}
		if d.Engine = f.name(); d.Engine == nil {
			return nil
		}
		d.Block = f.brace()
		d.EndPos = f.after()
		st.Database = d
	case "namespace":
		if t0.Type != lexer.Ident {
			return nil
		}
		f.i = 1
		d := &ast.NamespaceStmt{Pos: t0.Pos}
		if d.Name = f.name(); d.Name == nil {
			return nil
		}
		d.EndPos = f.after()
		st.Namespace = d
	case "external", "role", "assert":
		return nil
	default:
		if st.Flow = f.intent(); st.Flow == nil {
			return nil
		}
	}
	if f.i != len(toks) {
		return nil
	}
	return st
}

type fastParser struct {
	toks   []plexer.Token
	i      int
	endPos plexer.Position
}

// after is where participle ends a node finished before token i: that token's
// position, or the end position when the tokens ran out.
func (f *fastParser) after() plexer.Position {
	if f.i < len(f.toks) {
		return f.toks[f.i].Pos
	}
	return f.endPos
}

func (f *fastParser) is(typ plexer.TokenType, v string) bool {
	return f.i < len(f.toks) && f.toks[f.i].Type == typ && f.toks[f.i].Value == v
}

func (f *fastParser) brace() bool {
	if f.is(lexer.Punct, "{") {
		f.i++
		return true
	}
	return false
}

func (f *fastParser) name() *ast.Name {
	if f.i >= len(f.toks) {
		return nil
	}
	t := f.toks[f.i]
	if t.Type != lexer.Ident && t.Type != lexer.String {
		return nil
	}
	f.i++
	return &ast.Name{Pos: t.Pos, EndPos: f.after(), Value: t.Value}
}

func (f *fastParser) ref() *ast.Ref {
	first := f.name()
	if first == nil {
		return nil
	}
	r := &ast.Ref{Pos: first.Pos, First: first}
	if f.is(lexer.Punct, "/") {
		f.i++
		if r.Second = f.name(); r.Second == nil {
			return nil
		}
	}
	r.EndPos = f.after()
	return r
}

// intent reads SOURCES -> TARGET[:PORTS] [as role ROLES].
func (f *fastParser) intent() *ast.Flow {
	// A name followed by another name is a grant's subject kind; leave it.
	if len(f.toks) < 2 || f.toks[1].Type == lexer.Ident || f.toks[1].Type == lexer.String {
		return nil
	}
	fl := &ast.Flow{Pos: f.toks[0].Pos}
	for {
		r := f.ref()
		if r == nil {
			return nil
		}
		fl.Sources = append(fl.Sources, r)
		if !f.is(lexer.Punct, ",") {
			break
		}
		f.i++
	}
	if f.i >= len(f.toks) || f.toks[f.i].Type != lexer.Arrow {
		return nil
	}
	it := &ast.IntentTail{Pos: f.toks[f.i].Pos}
	f.i++
	if it.Target = f.ref(); it.Target == nil {
		return nil
	}
	if f.is(lexer.Punct, ":") {
		f.i++
		for {
			p := f.port()
			if p == nil {
				return nil
			}
			it.Ports = append(it.Ports, p)
			if !f.is(lexer.Punct, ",") {
				break
			}
			f.i++
		}
	}
	if f.is(lexer.Keyword, "as") {
		f.i++
		if !f.is(lexer.Ident, "role") {
			return nil
		}
		f.i++
		for {
			n := f.name()
			if n == nil {
				return nil
			}
			it.Roles = append(it.Roles, n)
			if !f.is(lexer.Punct, ",") {
				break
			}
			f.i++
		}
	}
	it.EndPos = f.after()
	fl.Intent = it
	fl.EndPos = it.EndPos
	return fl
}

// port reads N, N-M or NAME, then an optional /PROTO.
func (f *fastParser) port() *ast.Port {
	if f.i >= len(f.toks) {
		return nil
	}
	t := f.toks[f.i]
	p := &ast.Port{Pos: t.Pos}
	switch t.Type {
	case lexer.Int:
		p.Number = t.Value
		f.i++
		if f.is(lexer.Punct, "-") {
			f.i++
			if f.i >= len(f.toks) || f.toks[f.i].Type != lexer.Int {
				return nil
			}
			p.End = f.toks[f.i].Value
			f.i++
		}
	case lexer.Ident, lexer.String:
		p.Name = f.name()
	default:
		return nil
	}
	if f.is(lexer.Punct, "/") {
		f.i++
		if p.Proto = f.name(); p.Proto == nil {
			return nil
		}
	}
	p.EndPos = f.after()
	return p
}
