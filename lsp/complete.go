package lsp

import (
	"bytes"
	"slices"
	"strings"

	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/k8sapi"
	"github.com/netc-dev/netc/lang/ast"
)

// statementWords start statements (and grant subjects).
var statementWords = []string{"namespace", "service", "database", "external", "role", "assert", "group", "user", "serviceaccount"}

// completion offers what may come at the cursor, judged from the line before it: rule
// ids in a waiver, a target's named ports after ':', its database's roles after
// `as role`, namespaces after `in`, verbs, bundles and resources in a grant, statement
// words at the start of a statement, and otherwise the names in scope.
func (s *Server) completion(p TextDocumentPositionParams) (*CompletionList, *ResponseError) {
	a := s.analysis()
	f := s.ws.file(p.TextDocument.URI)
	list := &CompletionList{Items: []CompletionItem{}}
	if !a.has(f) {
		return list, nil
	}
	if p.Position.Line < 0 || p.Position.Line >= len(f.text.lines) {
		return list, nil
	}
	off := f.text.offset(p.Position)
	lineStart := f.text.lines[p.Position.Line]
	prefix := f.text.data[lineStart:off]
	add := func(kind int, detail string, labels ...string) {
		for _, l := range labels {
			list.Items = append(list.Items, CompletionItem{Label: l, Kind: kind, Detail: detail})
		}
	}
	if i := commentStart(prefix); i >= 0 {
		c := strings.TrimLeft(string(prefix[i+1:]), " \t")
		if rest, ok := strings.CutPrefix(c, "netc:allow"); ok && !strings.Contains(strings.TrimLeft(rest, " \t"), " ") {
			for _, r := range compiler.Rules() {
				add(CompletionEnum, r.Doc, r.ID)
			}
		}
		return list, nil
	}
	// The statement so far: after the last ';', '{' or '}' of the line.
	stmt := prefix
	if i := bytes.LastIndexAny(stmt, ";{}"); i >= 0 {
		stmt = stmt[i+1:]
	}
	word := len(stmt)
	for word > 0 && (isNameByte(stmt[word-1])) {
		word--
	}
	before := strings.TrimRight(string(stmt[:word]), " \t")
	fields := strings.Fields(before)
	last := ""
	if len(fields) > 0 {
		last = fields[len(fields)-1]
	}
	x := a.idx()
	switch {
	case strings.HasSuffix(before, ":") && strings.Contains(before, "->"):
		if t := target(x, f, off, before); t != nil && t.kind == symService {
			for _, sym := range x.syms {
				if sym.kind == symPort && sym.owner == t {
					add(CompletionProperty, "port of "+t.key(), sym.name)
				}
			}
		}
	case strings.HasSuffix(before, "as role") || strings.Contains(before, " as role ") && strings.HasSuffix(before, ","):
		if t := target(x, f, off, before); t != nil && t.kind == symDatabase {
			for _, sym := range x.syms {
				if sym.kind == symRole && sym.owner == t {
					add(CompletionField, "role on "+t.key(), sym.name)
				}
			}
		}
	case last == "in" || slices.Contains(fields, "in") && strings.HasSuffix(before, ","):
		add(CompletionKeyword, "cluster scope", "cluster")
		for _, sym := range x.syms {
			if sym.kind == symNamespace {
				add(CompletionModule, "namespace", sym.name)
			}
		}
	case slices.Contains(fields, "can") || slices.Contains(fields, "cannot"):
		verbsOnly := last == "can" || last == "cannot" || strings.HasSuffix(before, ",") && k8sapi.IsVerb(strings.TrimSuffix(last, ","))
		if verbsOnly {
			add(CompletionKeyword, "bundle: get, list, watch", k8sapi.View)
			add(CompletionKeyword, "bundle: view + create, update, patch, delete", k8sapi.Edit)
			add(CompletionKeyword, "bundle: edit on the workload set, get on pods/log", k8sapi.Deploy)
			add(CompletionValue, "Kubernetes verb", k8sapi.Verbs...)
			break
		}
		add(CompletionKeyword, "", "named", "in")
		add(CompletionClass, "resource", k8sapi.Names()...)
	case len(fields) == 0:
		add(CompletionKeyword, "statement", statementWords...)
		s.names(x, f, off, add)
	default:
		s.names(x, f, off, add)
	}
	return list, nil
}

// names adds the services, databases and externals in scope at off: bare in the
// current namespace (and externals, which are found from any namespace), NS/NAME
// otherwise; and world.
func (s *Server) names(x *index, f *file, off int, add func(int, string, ...string)) {
	ns := namespaceAt(f.ast.Stmts, off, "default")
	add(CompletionConstant, "every address outside the cluster", "world")
	for _, sym := range x.names() {
		kind := map[symKind]int{symService: CompletionClass, symDatabase: CompletionStruct, symExternal: CompletionValue}[sym.kind]
		switch {
		case sym.ns == ns:
			add(kind, sym.title(), sym.name)
		case sym.kind == symExternal && x.byName[sym.name] == sym && x.entities[ns+"/"+sym.name] == nil:
			add(kind, sym.title(), sym.name)
		default:
			add(kind, sym.title(), sym.key())
		}
	}
}

// namespaceAt is the namespace in force at byte offset off.
func namespaceAt(stmts []*ast.Stmt, off int, ns string) string {
	for _, s := range stmts {
		sp := s.Span()
		if sp.Start.Offset > off {
			break
		}
		switch {
		case s.Namespace != nil:
			ns = s.Namespace.Name.Value
		case s.NamespaceBlock != nil && off <= sp.End.Offset:
			return namespaceAt(s.NamespaceBlock.Stmts, off, s.NamespaceBlock.Name.Value)
		}
	}
	return ns
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' || c >= 0x80
}

// commentStart is the index of the '#' that starts a comment in line, or -1; a '#'
// inside a quoted name starts none.
func commentStart(line []byte) int {
	quoted := false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case c == '#' && !quoted:
			return i
		}
	}
	return -1
}

// target resolves the target of the intent being written (the text after "->", up to
// ':' or a blank), from the text: the line does not parse yet.
func target(x *index, f *file, off int, before string) *symbol {
	_, t, ok := strings.Cut(before, "->")
	if !ok {
		return nil
	}
	t = strings.TrimLeft(t, " \t")
	if i := strings.IndexAny(t, ": \t"); i >= 0 {
		t = t[:i]
	}
	t = strings.Trim(t, `"`)
	if strings.Contains(t, "/") {
		return x.entities[t]
	}
	ns := namespaceAt(f.ast.Stmts, off, "default")
	if sym := x.entities[ns+"/"+t]; sym != nil {
		return sym
	}
	return x.byName[t]
}
