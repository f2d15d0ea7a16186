package lsp

import (
	"strings"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/ast"
)

// idx returns the analysis's index, building it on first use: diagnostics do not need
// it, so an edit does not pay for it until a request does.
func (a *analysis) idx() *index {
	if a.index == nil {
		asts := make([]*ast.File, 0, len(a.files))
		for _, f := range a.files {
			if f.ast != nil {
				asts = append(asts, f.ast)
			}
		}
		a.index = buildIndex(asts)
	}
	return a.index
}

// at finds the file of uri and the symbol written at pos; sym is nil when no name is
// there.
func (s *Server) at(uri string, pos Position) (*analysis, *file, *located) {
	a := s.analysis()
	f := s.ws.file(uri)
	if !a.has(f) {
		return a, nil, nil
	}
	return a, f, a.idx().lookup(f.name, f.text.offset(pos))
}

// location converts a span of the program.
func (s *Server) location(a *analysis, sp diag.Span) (Location, bool) {
	f := s.fileOf(a, sp.File)
	if f == nil {
		return Location{}, false
	}
	return Location{URI: f.uri, Range: f.text.span(sp)}, true
}

func (s *Server) definition(p TextDocumentPositionParams) ([]Location, *ResponseError) {
	a, _, l := s.at(p.TextDocument.URI, p.Position)
	if l == nil {
		return []Location{}, nil
	}
	loc, ok := s.location(a, l.sym.def)
	if !ok {
		return []Location{}, nil
	}
	return []Location{loc}, nil
}

func (s *Server) references(p ReferenceParams) ([]Location, *ResponseError) {
	a, _, l := s.at(p.TextDocument.URI, p.Position)
	out := []Location{}
	if l == nil {
		return out, nil
	}
	for _, o := range l.sym.occs {
		if o.decl && !p.Context.IncludeDeclaration {
			continue
		}
		if loc, ok := s.location(a, o.span); ok {
			out = append(out, loc)
		}
	}
	return out, nil
}

func (s *Server) documentSymbols(p DocumentSymbolParams) ([]DocumentSymbol, *ResponseError) {
	a := s.analysis()
	f := s.ws.file(p.TextDocument.URI)
	if !a.has(f) {
		return []DocumentSymbol{}, nil
	}
	return symbolsOf(f, f.ast.Stmts), nil
}

func symbolsOf(f *file, stmts []*ast.Stmt) []DocumentSymbol {
	out := []DocumentSymbol{}
	sym := func(name, detail string, kind int, whole, sel ast.Node) DocumentSymbol {
		return DocumentSymbol{Name: name, Detail: detail, Kind: kind,
			Range: f.text.span(whole.Span()), SelectionRange: f.text.span(sel.Span())}
	}
	for _, s := range stmts {
		switch {
		case s.Namespace != nil:
			out = append(out, sym(s.Namespace.Name.Value, "namespace", SymbolNamespace, s, s.Namespace.Name))
		case s.NamespaceBlock != nil:
			d := sym(s.NamespaceBlock.Name.Value, "namespace", SymbolNamespace, s, s.NamespaceBlock.Name)
			d.Children = symbolsOf(f, s.NamespaceBlock.Stmts)
			out = append(out, d)
		case s.Service != nil:
			d := sym(s.Service.Name.Value, "service", SymbolClass, s, s.Service.Name)
			for _, at := range s.Service.Attrs {
				if at.Key.Value == "port" && len(at.Values) == 1 && len(at.Values[0].Items) == 2 && at.Values[0].Items[0].Word != nil {
					d.Children = append(d.Children, sym(at.Values[0].Items[0].Word.Value, "port "+f.snippet(at.Values[0].Items[1]), SymbolProperty, at, at.Values[0].Items[0]))
				}
			}
			out = append(out, d)
		case s.Database != nil:
			out = append(out, sym(s.Database.Name.Value, "database "+s.Database.Engine.Value, SymbolStruct, s, s.Database.Name))
		case s.External != nil:
			out = append(out, sym(s.External.Name.Value, "external", SymbolInterface, s, s.External.Name))
		case s.Role != nil:
			out = append(out, sym(s.Role.Name.Value, "role on "+s.Role.Database.String(), SymbolKey, s, s.Role.Name))
		case s.Flow != nil && s.Flow.Intent != nil:
			out = append(out, sym(f.snippet(s), "intent", SymbolEvent, s, s))
		case s.Flow != nil:
			out = append(out, sym(f.snippet(s), "grant", SymbolField, s, s))
		case s.Assert != nil:
			out = append(out, sym(f.snippet(s), "assertion", SymbolBoolean, s, s))
		}
	}
	return out
}

// snippet is a node's source text on one line, shortened for lists and hovers.
func (f *file) snippet(n ast.Node) string {
	sp := n.Span()
	end := min(sp.End.Offset, len(f.text.data))
	start := min(sp.Start.Offset, end)
	b := f.text.data[start:end]
	out := make([]byte, 0, min(len(b), 100))
	space := false
	for _, c := range b {
		if c == '\n' || c == '\t' || c == ' ' || c == '\r' {
			space = true
			continue
		}
		if space && len(out) > 0 {
			out = append(out, ' ')
		}
		space = false
		out = append(out, c)
		if len(out) >= 96 {
			return strings.ToValidUTF8(string(out), "") + " …"
		}
	}
	return string(out)
}
