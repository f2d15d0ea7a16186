// Package parser turns netc source into an ast.File. The grammar is participle's,
// written as tags on the ast types; this package drives it one statement at a time so a
// syntax error costs one statement, not the file: the parser reports every bad
// statement, each as one diagnostic (file:line:col, what was expected, what was found).
package parser

import (
	"bytes"
	"cmp"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/alecthomas/participle/v2"
	plexer "github.com/alecthomas/participle/v2/lexer"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/ast"
	"github.com/netc-dev/netc/lang/lexer"
)

// Limits that keep hostile input bounded; the docs list them.
const (
	// MaxDepth is how deeply braces may nest inside one statement.
	MaxDepth = 8
	// MaxErrors is how many syntax errors are reported per file.
	MaxErrors = 1000
	// MaxStatementTokens is the most tokens one statement may hold (60,000 ports in
	// one intent are 120,000 tokens). participle refuses longer lists anyway.
	MaxStatementTokens = 1_000_000
	// MaxSlowTokens is how many tokens per file participle reads, for statements the
	// fast path (fast.go) does not take; past it they get a short syntax error.
	MaxSlowTokens = 100_000
)

var (
	options = []participle.Option{participle.Lexer(lexer.Definition{}), participle.UseLookahead(2)}
	// The grammars are built on first use: building them takes milliseconds that every
	// `netc check` would pay at start, and well-formed programs never need them (the
	// fast path in fast.go parses those).
	stmtParser = sync.OnceValue(func() *participle.Parser[ast.Stmt] { return participle.MustBuild[ast.Stmt](options...) })
	attrParser = sync.OnceValue(func() *participle.Parser[ast.Attr] { return participle.MustBuild[ast.Attr](options...) })
	privParser = sync.OnceValue(func() *participle.Parser[ast.Privilege] { return participle.MustBuild[ast.Privilege](options...) })
)

// EBNF returns the grammar, for the docs: statements, then the lines of blocks.
func EBNF() string {
	return stmtParser().String() + "\n" + attrParser().String() + "\n" + privParser().String()
}

// ParseFile parses one file. The returned file holds every statement that parsed; the
// diagnostics hold every lexical and syntax error.
func ParseFile(name string, src []byte) (*ast.File, diag.List) {
	if n := chunks(src); n > 1 {
		if f, ok := parseChunked(name, src, n, chunkMin); ok {
			return f, nil
		}
	}
	return parseSequential(name, src)
}

// parseSequential parses src on one goroutine, statement after statement.
func parseSequential(name string, src []byte) (*ast.File, diag.List) {
	p := &driver{file: &ast.File{Name: name, Extent: fileExtent(name, src)}, lx: lexer.NewStream(name, src)}
	p.run()
	p.file.Comments = p.lx.Comments()
	// Lexical errors first, then syntax errors, each in file order.
	return p.file, append(p.lx.Diags(), p.diags...)
}

// fileExtent is the whole of src.
func fileExtent(name string, src []byte) ast.Extent {
	lines := bytes.Count(src, []byte{'\n'})
	last := bytes.LastIndexByte(src, '\n') + 1
	return ast.Extent{
		Pos:    plexer.Position{Filename: name, Offset: 0, Line: 1, Column: 1},
		EndPos: plexer.Position{Filename: name, Offset: len(src), Line: lines + 1, Column: len(src) - last + 1},
	}
}

type driver struct {
	file *ast.File
	// The lexer runs a statement ahead of the parser: toks holds the tokens from
	// the current statement on (run drops the ones before it), i indexes it.
	lx     *lexer.Stream
	toks   []plexer.Token
	i      int
	diags  diag.List
	nerr   int
	blocks []*ast.Stmt // the namespace blocks open, innermost last
	// lexLines are the lines with a lexical error. The lexer dropped the bad token, so
	// a syntax error on the same line is its echo, not news: it is not reported.
	lexLines map[int]bool
	nlex     int // lexical errors already in lexLines
	// arena holds the nodes of the fast path (fast.go); slow counts the tokens given
	// to participle.
	arena arena
	slow  int
	// quitOnError stops the parse at the first diagnostic: a chunk's parse
	// (chunk.go) is dropped then.
	quitOnError bool
}

func (p *driver) errorf(pos plexer.Position, end plexer.Position, format string, args ...any) {
	p.nerr++
	if p.nerr > MaxErrors {
		return
	}
	if p.nerr == MaxErrors {
		format, args = "too many syntax errors; giving up on the rest of the file", nil
	}
	p.diags.Errorf(ast.Span(pos, end), format, args...)
}

func (p *driver) add(s *ast.Stmt) {
	if n := len(p.blocks); n > 0 {
		b := p.blocks[n-1].NamespaceBlock
		b.Stmts = append(b.Stmts, s)
		return
	}
	p.file.Stmts = append(p.file.Stmts, s)
}

func isPunct(t plexer.Token, v string) bool { return t.Type == lexer.Punct && t.Value == v }

// tok returns token i of the buffer, lexing up to it; past the end of the file it
// returns the EOF token.
func (p *driver) tok(i int) plexer.Token {
	if i >= len(p.toks) {
		p.toks = p.lx.Fill(p.toks, i+1)
		if i >= len(p.toks) {
			return p.toks[len(p.toks)-1]
		}
	}
	return p.toks[i]
}

// compactAt is how many finished tokens the buffer keeps before dropping them.
const compactAt = 4096

func (p *driver) run() {
	for p.nerr < MaxErrors {
		if p.quitOnError && (p.nerr > 0 || len(p.lx.Diags()) > 0) {
			return
		}
		if p.i >= compactAt {
			n := copy(p.toks, p.toks[p.i:])
			clear(p.toks[n:])
			p.toks = p.toks[:n]
			p.i = 0
		}
		for p.tok(p.i).Type == lexer.Sep {
			p.i++
		}
		t := p.tok(p.i)
		if t.Type == lexer.EOF {
			break
		}
		if isPunct(t, "}") {
			p.i++
			if n := len(p.blocks); n > 0 {
				setEnd(p.blocks[n-1], lexer.End(t))
				p.blocks = p.blocks[:n-1]
				// Like every statement, a namespace block ends at a newline or ';'.
				if nt := p.tok(p.i); nt.Type != lexer.Sep && nt.Type != lexer.EOF && !isPunct(nt, "}") {
					p.errorf(nt.Pos, nt.Pos, "unexpected %s after '}'; expected end of line", describe(nt, nt))
				}
				continue
			}
			p.errorf(t.Pos, lexer.End(t), "unexpected '}' with no open block")
			continue
		}
		if t.Type == lexer.Ident && t.Value == "namespace" && (p.tok(p.i+1).Type == lexer.Ident || p.tok(p.i+1).Type == lexer.String) &&
			isPunct(p.tok(p.i+2), "{") {
			p.openNamespace()
			continue
		}
		p.statement()
	}
	if n := len(p.blocks); n > 0 && p.nerr < MaxErrors {
		b := p.blocks[n-1].NamespaceBlock
		p.errorf(b.Pos, b.Name.EndPos, "namespace block %q is never closed; expected '}'", b.Name.Value)
	}
	// A block left open ends with the last statement inside it.
	for i := len(p.blocks) - 1; i >= 0; i-- {
		if stmts := p.blocks[i].NamespaceBlock.Stmts; len(stmts) > 0 {
			setEnd(p.blocks[i], stmts[len(stmts)-1].EndPos)
		}
	}
}

// setEnd ends a namespace or declaration block statement, and its block, at end.
func setEnd(s *ast.Stmt, end plexer.Position) {
	s.EndPos = end
	switch {
	case s.NamespaceBlock != nil:
		s.NamespaceBlock.EndPos = end
	case s.Service != nil:
		s.Service.EndPos = end
	case s.Database != nil:
		s.Database.EndPos = end
	case s.Role != nil:
		s.Role.EndPos = end
	}
}

// openNamespace reads `namespace NAME {`. The block and its statement end at the '{'
// until the closing '}' is read.
func (p *driver) openNamespace() {
	t := p.tok(p.i)
	nameTok := p.tok(p.i + 1)
	end := lexer.End(p.tok(p.i + 2))
	name := &ast.Name{Extent: ast.Extent{Pos: nameTok.Pos, EndPos: lexer.End(nameTok)}, Value: nameTok.Value}
	at := ast.Extent{Pos: t.Pos, EndPos: end}
	if len(p.blocks) > 0 {
		p.errorf(t.Pos, end, "namespace blocks do not nest; close namespace %q first", p.blocks[len(p.blocks)-1].NamespaceBlock.Name.Value)
	}
	s := &ast.Stmt{Extent: at, NamespaceBlock: &ast.NamespaceBlock{Extent: at, Name: name}}
	p.add(s)
	p.blocks = append(p.blocks, s)
	p.i += 3
}

// statement finds the end of the statement at p.i (a separator or a namespace block's
// closing brace at depth 0, or the end of the file), parses it, and moves past it.
func (p *driver) statement() {
	start := p.i
	depth := 0
	var open []plexer.Token
	j := start
	var tooDeep plexer.Token // the first '{' past MaxDepth
	dropped := 0             // tokens of an over-long statement no longer buffered
	for ; ; j++ {
		if j-start > MaxStatementTokens {
			// The statement is refused; only where it ends matters, so stop buffering it.
			dropped += j - start - 1
			p.toks = append(p.toks[:start+1], p.toks[j:]...)
			j = start + 1
		}
		t := p.tok(j)
		if t.Type == lexer.EOF {
			break
		}
		if t.Type == lexer.Sep && depth == 0 {
			break
		}
		if t.Type == lexer.Punct {
			switch t.Value {
			case "{":
				depth++
				if depth <= MaxDepth {
					open = append(open, t)
				} else if tooDeep.Type == 0 {
					tooDeep = t
				}
			case "}":
				if depth == 0 {
					goto done
				}
				depth--
				if depth < MaxDepth {
					open = open[:len(open)-1]
				}
			}
		}
	}
done:
	p.i = j
	toks := p.toks
	end := toks[j]
	seg := toks[start:j]
	if tooDeep.Type != 0 {
		p.errorf(tooDeep.Pos, lastEnd(seg), "blocks nested more than %d deep", MaxDepth)
		return
	}
	if depth > 0 {
		o := open[len(open)-1]
		p.errorf(o.Pos, lastEnd(seg), "'{' is never closed; expected '}'")
		return
	}
	if n := j - start + dropped; n > MaxStatementTokens {
		p.errorf(toks[start].Pos, lastEnd(seg), "statement has %d tokens; the limit is %d", n, MaxStatementTokens)
		return
	}
	// A block statement: the header up to '{' goes to the statement grammar, each line
	// of the body to the line grammar, and nothing may follow the closing brace.
	body := -1
	for k, t := range seg {
		if isPunct(t, "{") {
			body = k
			break
		}
	}
	if body < 0 {
		if stmt := fastOrParse(p, fastStmt(&p.arena, seg, end), stmtParser, seg, end); stmt != nil {
			p.add(stmt)
		}
		return
	}
	closing := len(seg) - 1
	for !isPunct(seg[closing], "}") {
		closing--
	}
	if closing != len(seg)-1 {
		t := seg[closing+1]
		p.errorf(t.Pos, lastEnd(seg), "unexpected %s after '}'; expected end of line", describe(t, end))
		return
	}
	stmt := fastOrParse(p, fastStmt(&p.arena, seg[:body+1], seg[body+1]), stmtParser, seg[:body+1], seg[body+1])
	if stmt == nil {
		return
	}
	if stmt.Service == nil && stmt.Database == nil && stmt.Role == nil {
		p.errorf(seg[body].Pos, seg[body].Pos, "unexpected '{'; only namespace, service, database and role take a block")
		return
	}
	p.block(stmt, seg[body+1:closing], seg[closing])
	setEnd(stmt, lexer.End(seg[closing]))
	p.add(stmt)
}

// lastEnd is where the last token of toks that is not a line break ends (toks holds
// one).
func lastEnd(toks []plexer.Token) plexer.Position {
	for i := len(toks) - 1; i > 0; i-- {
		if !(toks[i].Type == lexer.Sep && toks[i].Value == "\n") {
			return lexer.End(toks[i])
		}
	}
	return lexer.End(toks[0])
}

// block parses the lines of a service, database or role block into stmt.
func (p *driver) block(stmt *ast.Stmt, toks []plexer.Token, closing plexer.Token) {
	for len(toks) > 0 {
		n := 0
		for n < len(toks) && toks[n].Type != lexer.Sep {
			n++
		}
		line := toks[:n]
		end := closing
		if n < len(toks) {
			end = toks[n]
			toks = toks[n+1:]
		} else {
			toks = nil
		}
		if len(line) == 0 {
			continue
		}
		if i := nested(line); i >= 0 {
			p.errorf(line[i].Pos, line[i].Pos, "unexpected %s inside a block", describe(line[i], end))
			continue
		}
		switch {
		case stmt.Role != nil:
			if pr := fastOrParse(p, fastPrivilege(&p.arena, line, end), privParser, line, end); pr != nil {
				stmt.Role.Privileges = append(stmt.Role.Privileges, pr)
			}
		case stmt.Service != nil:
			if a := fastOrParse(p, fastAttr(&p.arena, line, end), attrParser, line, end); a != nil {
				stmt.Service.Attrs = append(stmt.Service.Attrs, a)
			}
		case stmt.Database != nil:
			if a := fastOrParse(p, fastAttr(&p.arena, line, end), attrParser, line, end); a != nil {
				stmt.Database.Attrs = append(stmt.Database.Attrs, a)
			}
		}
	}
}

func nested(line []plexer.Token) int {
	for i, t := range line {
		if isPunct(t, "{") || isPunct(t, "}") {
			return i
		}
	}
	return -1
}

// parse runs one participle grammar over exactly toks; end is the token that ended
// them (a separator, '}' or EOF), used to say what was found when toks ran out.
func parse[G any](p *driver, g *participle.Parser[G], toks []plexer.Token, end plexer.Token) *G {
	peek, err := plexer.Upgrade(&lexer.SliceLexer{Tokens: toks, EOFPos: end.Pos})
	if err == nil {
		var v *G
		if v, err = g.ParseFromLexer(peek); err == nil {
			narrowEnds(any(v).(ast.Node), toks)
			return v
		}
	}
	p.syntaxError(err, end)
	return nil
}

// narrowEnds moves the end of every node below n from where participle puts it, the
// start of the token after the node (or of the token that ended toks), to the end of
// the node's last token.
func narrowEnds(n ast.Node, toks []plexer.Token) {
	ast.Inspect(n, func(n ast.Node) bool {
		e := n.Bounds()
		k, _ := slices.BinarySearchFunc(toks, e.EndPos.Offset, func(t plexer.Token, off int) int { return cmp.Compare(t.Pos.Offset, off) })
		if k > 0 && toks[k-1].Pos.Offset >= e.Pos.Offset {
			e.EndPos = lexer.End(toks[k-1])
		} else {
			e.EndPos = e.Pos // no token: the grammar builds no such node, but be exact anyway
		}
		return true
	})
}

// syntaxError turns participle's error into "expected X, found Y" in our words.
func (p *driver) syntaxError(err error, end plexer.Token) {
	if lx := p.lx.Diags(); len(lx) > p.nlex {
		if p.lexLines == nil {
			p.lexLines = map[int]bool{}
		}
		for _, d := range lx[p.nlex:] {
			p.lexLines[d.Span.Start.Line] = true
		}
		p.nlex = len(lx)
	}
	if p.lexLines != nil {
		line := end.Pos.Line
		var pe participle.Error
		if errors.As(err, &pe) {
			line = pe.Position().Line
		}
		if p.lexLines[line] {
			return
		}
	}
	var ute *participle.UnexpectedTokenError
	var perr participle.Error
	switch {
	case errors.As(err, &ute):
		found := describe(ute.Unexpected, end)
		want := expected(ute.Message())
		endPos := lexer.End(ute.Unexpected)
		if want == "" {
			p.errorf(ute.Unexpected.Pos, endPos, "unexpected %s; expected end of line", found)
			return
		}
		p.errorf(ute.Unexpected.Pos, endPos, "expected %s, found %s", want, found)
	case errors.As(err, &perr):
		p.errorf(perr.Position(), perr.Position(), "%s", perr.Message())
	default:
		p.errorf(end.Pos, end.Pos, "%s", err)
	}
}

// describe names a token the way a user reads it.
func describe(t plexer.Token, end plexer.Token) string {
	switch t.Type {
	case lexer.EOF:
		switch {
		case end.Type == lexer.EOF:
			return "end of file"
		case end.Value == ";":
			return "';'"
		case end.Value == "}":
			return "'}'"
		}
		return "end of line"
	case lexer.Ident:
		return "name " + quote(t.Value)
	case lexer.Keyword:
		return "'" + t.Value + "'"
	case lexer.String:
		return "quoted name " + quote(t.Value)
	case lexer.Int:
		return "number " + t.Value
	case lexer.CIDR:
		return "CIDR " + t.Value
	case lexer.Sep:
		if t.Value == ";" {
			return "';'"
		}
		return "end of line"
	}
	return "'" + t.Value + "'"
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}

// expected rewrites participle's EBNF expectation into words.
func expected(msg string) string {
	i := strings.LastIndex(msg, "(expected ")
	if i < 0 || !strings.HasSuffix(msg, ")") {
		return ""
	}
	e := msg[i+len("(expected ") : len(msg)-1]
	return humanize(e)
}
