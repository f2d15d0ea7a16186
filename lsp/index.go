package lsp

import (
	"slices"
	"strings"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/ast"
)

// The index says what every name of the program refers to. It is computed from the
// syntax trees with the compiler's rules of resolution (docs/language.md), so it works
// on a program with errors too, when the compiler gives no IR:
//
//   - services, databases and externals share one space of names per namespace; a
//     declaration claims its name, and the first declaration of a name wins;
//   - the undeclared target of `as role` is a database, then an unknown name in an
//     intent or grant is a service (services exist by being used), in source order,
//     an intent's target before its sources;
//   - an unqualified name that nothing in its namespace claims may name an external
//     declared in any namespace; `world` is every address outside the cluster;
//   - a role belongs to a database: `role R on DB` declares it, `as role R` uses it;
//   - a named port belongs to its service: `port NAME N` declares it, `-> svc:NAME`
//     uses it.
//
// TestIndexMatchesIR checks, on every example and golden case that compiles, that
// each edge's ends resolve here to what the compiler resolved them to.

type symKind int

const (
	symService symKind = iota
	symDatabase
	symExternal
	symRole
	symPort
	symNamespace
)

func (k symKind) String() string {
	return [...]string{"service", "database", "external", "role", "port", "namespace"}[k]
}

// symbol is one named thing of the program.
type symbol struct {
	kind symKind
	ns   string // the namespace of a service, database or external; a namespace's name
	name string
	// owner is a role's database or a port's service.
	owner *symbol
	// def is where it is declared, or first used when it exists by being used.
	def      diag.Span
	declared bool
	decl     *ast.Stmt // the declaration statement, when declared
	portDecl *ast.Attr // a port's `port NAME N` line
	// occs are every place the name is written: its declaration and its uses, in
	// source order of files as compiled.
	occs   []occurrence
	listed bool // in index.syms
}

// key is NS/NAME for services, databases and externals.
func (s *symbol) key() string {
	switch s.kind {
	case symRole, symPort:
		return s.owner.key() + " " + s.name
	case symNamespace:
		return s.name
	}
	return s.ns + "/" + s.name
}

// title is how hovers and messages name the symbol.
func (s *symbol) title() string {
	switch s.kind {
	case symRole:
		return "role " + s.name + " on " + s.owner.key()
	case symPort:
		return "port " + s.name + " of " + s.owner.key()
	case symNamespace:
		return "namespace " + s.name
	}
	return s.kind.String() + " " + s.key()
}

// occurrence is one place a symbol's name is written.
type occurrence struct {
	span diag.Span // the name itself
	stmt *ast.Stmt // the statement it is in (top level of its file or namespace block)
	decl bool      // its declaration
}

type located struct {
	span diag.Span
	sym  *symbol
}

type index struct {
	syms     []*symbol
	entities map[string]*symbol // NS/NAME → service, database or external
	byName   map[string]*symbol // external name → external
	roles    map[roleID]*symbol
	ports    map[roleID]*symbol // (service, port name)
	nss      map[string]*symbol
	// at lists, per file, every occurrence sorted by start offset.
	at map[string][]located
}

type roleID struct {
	owner *symbol
	name  string
}

type scopedStmt struct {
	ns string
	s  *ast.Stmt
}

func buildIndex(files []*ast.File) *index {
	x := &index{entities: map[string]*symbol{}, byName: map[string]*symbol{}, roles: map[roleID]*symbol{},
		ports: map[roleID]*symbol{}, nss: map[string]*symbol{}, at: map[string][]located{}}
	var stmts []scopedStmt
	for _, f := range files {
		x.flatten(f.Stmts, "default", &stmts)
	}
	// Declarations.
	for _, st := range stmts {
		switch s := st.s; {
		case s.Service != nil:
			if sym := x.declare(symService, st.ns, s.Service.Name, s); sym != nil {
				for _, a := range s.Service.Attrs {
					if a.Key.Value == "port" && len(a.Values) >= 1 && len(a.Values[0].Items) >= 1 && a.Values[0].Items[0].Word != nil {
						n := a.Values[0].Items[0].Word
						id := roleID{sym, n.Value}
						if _, dup := x.ports[id]; dup {
							continue
						}
						p := &symbol{kind: symPort, name: n.Value, owner: sym, def: n.Span(), declared: true, decl: s, portDecl: a}
						x.ports[id] = p
						x.add(p, occurrence{span: n.Span(), stmt: s, decl: true})
					}
				}
			}
		case s.Database != nil:
			x.declare(symDatabase, st.ns, s.Database.Name, s)
		case s.External != nil:
			if sym := x.declare(symExternal, st.ns, s.External.Name, s); sym != nil {
				if _, dup := x.byName[sym.name]; !dup {
					x.byName[sym.name] = sym
				}
			}
		}
	}
	// The undeclared targets of `as role` are databases.
	for _, st := range stmts {
		f := st.s.Flow
		if f == nil || f.Intent == nil || len(f.Intent.Roles) == 0 {
			continue
		}
		t := f.Intent.Target
		ns, name := refParts(st.ns, t)
		if name == "world" && t.Second == nil {
			continue
		}
		if _, ok := x.entities[ns+"/"+name]; ok {
			continue
		}
		if _, ok := x.byName[name]; ok && t.Second == nil {
			continue
		}
		x.create(symDatabase, ns, name, t.Base().Span())
	}
	// Role declarations, so a role used before its declaration is still the declared one.
	for _, st := range stmts {
		if r := st.s.Role; r != nil {
			db := x.ref(st, r.Database, false, symDatabase)
			if db == nil || db.kind != symDatabase {
				continue
			}
			id := roleID{db, r.Name.Value}
			if _, dup := x.roles[id]; dup {
				continue
			}
			sym := &symbol{kind: symRole, name: r.Name.Value, owner: db, def: r.Name.Span(), declared: true, decl: st.s}
			x.roles[id] = sym
			x.add(sym, occurrence{span: r.Name.Span(), stmt: st.s, decl: true})
		}
	}
	// Intents and grants, in source order; then assertions, which create nothing.
	for _, st := range stmts {
		f := st.s.Flow
		if f == nil {
			continue
		}
		if it := f.Intent; it != nil {
			to := x.ref(st, it.Target, true, -1)
			for _, src := range f.Sources {
				x.ref(st, src, true, -1)
			}
			x.portRefs(st, to, it.Ports)
			if to != nil && to.kind == symDatabase {
				for _, rn := range it.Roles {
					id := roleID{to, rn.Value}
					sym := x.roles[id]
					if sym == nil {
						sym = &symbol{kind: symRole, name: rn.Value, owner: to, def: rn.Span()}
						x.roles[id] = sym
					}
					x.add(sym, occurrence{span: rn.Span(), stmt: st.s})
				}
			}
			continue
		}
		if f.Kind == nil && len(f.Sources) == 1 {
			x.ref(st, f.Sources[0], true, -1)
		}
		if f.Grant != nil {
			x.scopes(st, f.Grant.Scopes)
		}
	}
	for _, st := range stmts {
		a := st.s.Assert
		if a == nil {
			continue
		}
		if a.Kind == nil {
			x.ref(st, a.Subject, false, -1)
		}
		if a.Reach != nil {
			to := x.ref(st, a.Reach.Target, false, -1)
			x.portRefs(st, to, a.Reach.Ports)
		}
		if a.Grant != nil {
			x.scopes(st, a.Grant.Scopes)
		}
	}
	for _, sym := range x.syms {
		slices.SortStableFunc(sym.occs, func(a, b occurrence) int { return a.span.Compare(b.span) })
	}
	for file := range x.at {
		slices.SortFunc(x.at[file], func(a, b located) int { return a.span.Start.Offset - b.span.Start.Offset })
	}
	return x
}

func refParts(ns string, r *ast.Ref) (string, string) {
	if r.Second != nil {
		return r.First.Value, r.Second.Value
	}
	return ns, r.First.Value
}

func (x *index) flatten(stmts []*ast.Stmt, ns string, out *[]scopedStmt) {
	for _, s := range stmts {
		switch {
		case s.Namespace != nil:
			ns = s.Namespace.Name.Value
			x.namespaceRef(s.Namespace.Name, s)
		case s.NamespaceBlock != nil:
			x.namespaceRef(s.NamespaceBlock.Name, s)
			x.flatten(s.NamespaceBlock.Stmts, s.NamespaceBlock.Name.Value, out)
		default:
			*out = append(*out, scopedStmt{ns, s})
		}
	}
}

// namespaceRef records a namespace name; the first place it is written defines it.
func (x *index) namespaceRef(n *ast.Name, s *ast.Stmt) {
	sym := x.nss[n.Value]
	if sym == nil {
		sym = &symbol{kind: symNamespace, name: n.Value, ns: n.Value, def: n.Span(), declared: true}
		x.nss[n.Value] = sym
	}
	x.add(sym, occurrence{span: n.Span(), stmt: s})
}

func (x *index) scopes(st scopedStmt, scopes []*ast.Name) {
	for _, n := range scopes {
		if n.Value != "cluster" {
			x.namespaceRef(n, st.s)
		}
	}
}

func (x *index) add(sym *symbol, o occurrence) {
	if !sym.listed {
		sym.listed = true
		x.syms = append(x.syms, sym)
	}
	sym.occs = append(sym.occs, o)
	x.at[o.span.File] = append(x.at[o.span.File], located{o.span, sym})
}

// declare records a declaration of a service, database or external; nil when the name
// is already taken (the compiler reports it).
func (x *index) declare(kind symKind, ns string, n *ast.Name, s *ast.Stmt) *symbol {
	k := ns + "/" + n.Value
	if _, taken := x.entities[k]; taken || n.Value == "world" {
		return nil
	}
	sym := &symbol{kind: kind, ns: ns, name: n.Value, def: n.Span(), declared: true, decl: s}
	x.entities[k] = sym
	x.add(sym, occurrence{span: n.Span(), stmt: s, decl: true})
	return sym
}

// create records something that exists by being used, first used at span.
func (x *index) create(kind symKind, ns, name string, span diag.Span) *symbol {
	sym := &symbol{kind: kind, ns: ns, name: name, def: span}
	x.entities[ns+"/"+name] = sym
	sym.listed = true
	x.syms = append(x.syms, sym)
	return sym
}

// ref resolves a reference and records it. create makes an unknown name a service;
// only lets a role declaration's `on DB` find databases and nothing else.
func (x *index) ref(st scopedStmt, r *ast.Ref, create bool, only symKind) *symbol {
	if r.Second == nil && r.First.Value == "world" {
		return nil
	}
	if r.Second != nil {
		x.namespaceRef(r.First, st.s)
	}
	ns, name := refParts(st.ns, r)
	sym := x.entities[ns+"/"+name]
	if sym == nil && r.Second == nil && only < 0 {
		sym = x.byName[name]
	}
	if sym == nil && create {
		sym = x.create(symService, ns, name, r.Base().Span())
	}
	if sym == nil || only >= 0 && sym.kind != only {
		return nil
	}
	x.add(sym, occurrence{span: r.Base().Span(), stmt: st.s})
	return sym
}

func (x *index) portRefs(st scopedStmt, to *symbol, ports []*ast.Port) {
	if to == nil || to.kind != symService {
		return
	}
	for _, p := range ports {
		if p.Name == nil {
			continue
		}
		if sym := x.ports[roleID{to, p.Name.Value}]; sym != nil {
			x.add(sym, occurrence{span: p.Name.Span(), stmt: st.s})
		}
	}
}

// lookup returns the symbol whose name is written at byte offset off of file.
func (x *index) lookup(file string, off int) *located {
	locs := x.at[file]
	i, _ := slices.BinarySearchFunc(locs, off+1, func(l located, t int) int { return l.span.Start.Offset - t })
	// locs[i-1] is the last occurrence starting at or before off.
	for j := i - 1; j >= 0 && j >= i-2; j-- {
		if l := &locs[j]; l.span.Start.Offset <= off && off <= l.span.End.Offset {
			return l
		}
	}
	return nil
}

// names lists the services, databases and externals by namespace, sorted.
func (x *index) names() []*symbol {
	var out []*symbol
	for _, s := range x.entities {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *symbol) int { return strings.Compare(a.key(), b.key()) })
	return out
}
