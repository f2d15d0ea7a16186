// Package ast is the syntax tree of netc source. The node types double as the
// participle grammar (package parser builds the parser from their tags); every node
// carries its source position (Pos, the first token; EndPos, just past the last), and
// files keep their comments so a formatter can round-trip them.
package ast

import (
	plexer "github.com/alecthomas/participle/v2/lexer"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/lexer"
)

// Span converts participle positions to a diag.Span.
func Span(start, end plexer.Position) diag.Span {
	s := diag.Span{File: start.Filename,
		Start: diag.Pos{Line: start.Line, Col: start.Column, Offset: start.Offset},
		End:   diag.Pos{Line: end.Line, Col: end.Column, Offset: end.Offset}}
	if end.Line == 0 {
		s.End = s.Start
	}
	return s
}

// File is one parsed source file.
type File struct {
	Name     string
	Stmts    []*Stmt
	Comments []lexer.Comment
}

// Stmt is one statement. Exactly one field is set. Blocks are split by the parser's
// driver before participle sees them: NamespaceBlock, and the attributes and privileges
// inside service, database and role blocks, are parsed one line at a time, so an error
// in a block costs one line.
type Stmt struct {
	Pos, EndPos plexer.Position

	// Flow is tried first so that, when it and a declaration fail at the same depth
	// (`database db`, `service`), the declaration's expectation is the one reported;
	// it must not swallow `assert NAME ...`.
	Flow      *Flow          `parser:"  (?! \"assert\" (Ident | String)) @@"`
	Namespace *NamespaceStmt `parser:"| @@"`
	Service   *ServiceDecl   `parser:"| @@"`
	Database  *DatabaseDecl  `parser:"| @@"`
	External  *ExternalDecl  `parser:"| @@"`
	Role      *RoleDecl      `parser:"| @@"`
	Assert    *Assert        `parser:"| @@"`

	NamespaceBlock *NamespaceBlock
}

func (s *Stmt) Span() diag.Span { return Span(s.Pos, s.EndPos) }

// NamespaceStmt is `namespace NAME`: the current namespace for what follows.
type NamespaceStmt struct {
	Pos, EndPos plexer.Position
	Name        *Name `parser:"\"namespace\" @@"`
}

// NamespaceBlock is `namespace NAME { ... }`.
type NamespaceBlock struct {
	Pos, EndPos plexer.Position
	Name        *Name
	Stmts       []*Stmt
}

// Name is a bare or quoted name.
type Name struct {
	Pos, EndPos plexer.Position
	Value       string `parser:"@(Ident | String)"`
}

func (n *Name) Span() diag.Span { return Span(n.Pos, n.EndPos) }

// Ref is NAME or NS/NAME.
type Ref struct {
	Pos, EndPos plexer.Position
	First       *Name `parser:"@@"`
	Second      *Name `parser:"( \"/\" @@ )?"`
}

func (r *Ref) Span() diag.Span { return Span(r.Pos, r.EndPos) }

// Namespace returns the namespace part, or "" when the reference is unqualified.
func (r *Ref) Namespace() string {
	if r.Second == nil {
		return ""
	}
	return r.First.Value
}

// Base returns the name part.
func (r *Ref) Base() *Name {
	if r.Second == nil {
		return r.First
	}
	return r.Second
}

// String renders the reference as written (without quotes).
func (r *Ref) String() string {
	if r.Second == nil {
		return r.First.Value
	}
	return r.First.Value + "/" + r.Second.Value
}

// ServiceDecl is `service NAME [{ attributes }]`.
type ServiceDecl struct {
	Pos, EndPos plexer.Position
	Name        *Name `parser:"\"service\" @@"`
	Block       bool  `parser:"@\"{\"?"`
	Attrs       []*Attr
}

// DatabaseDecl is `database NAME ENGINE [{ attributes }]`.
type DatabaseDecl struct {
	Pos, EndPos plexer.Position
	Name        *Name `parser:"\"database\" @@"`
	Engine      *Name `parser:"@@"`
	Block       bool  `parser:"@\"{\"?"`
	Attrs       []*Attr
}

// Attr is one attribute line of a service or database block: a keyword and its
// values. Which keywords a block takes is checked by the compiler, so a misplaced
// attribute gets a precise message rather than a syntax error.
type Attr struct {
	Pos, EndPos plexer.Position
	Key         *Name    `parser:"@@"`
	Values      []*Value `parser:"( @@ ( \",\" @@ )* )?"`
}

func (a *Attr) Span() diag.Span { return Span(a.Pos, a.EndPos) }

// Value is one attribute value: `key=value` for labels, or a sequence of words,
// numbers and CIDRs; `port http 8080/udp` is one value of two items.
type Value struct {
	Pos, EndPos plexer.Position
	Key         *Ref    `parser:"( @@ \"=\" )?"`
	Items       []*Item `parser:"@@+"`
}

func (v *Value) Span() diag.Span { return Span(v.Pos, v.EndPos) }

// Item is a word, number or CIDR, with an optional `/protocol`.
type Item struct {
	Pos, EndPos plexer.Position
	Word        *Name  `parser:"( @@"`
	Int         string `parser:"| @Int"`
	CIDR        string `parser:"| @CIDR )"`
	Proto       *Name  `parser:"( \"/\" @@ )?"`
}

func (i *Item) Span() diag.Span { return Span(i.Pos, i.EndPos) }

// ExternalDecl is `external NAME CIDR, CIDR...`.
type ExternalDecl struct {
	Pos, EndPos plexer.Position
	Name        *Name   `parser:"\"external\" @@"`
	CIDRs       []*Item `parser:"@@ ( \",\" @@ )*"`
}

// RoleDecl is `role NAME on DATABASE { privileges }`.
type RoleDecl struct {
	Pos, EndPos plexer.Position
	Name        *Name `parser:"\"role\" @@"`
	Database    *Ref  `parser:"\"on\" @@"`
	Block       bool  `parser:"@\"{\""`
	Privileges  []*Privilege
}

// Privilege is `ACTION, ACTION on [KIND] OBJECT, OBJECT`.
type Privilege struct {
	Pos, EndPos plexer.Position
	Actions     []*Name   `parser:"@@ ( \",\" @@ )*"`
	Kind        *Name     `parser:"\"on\" ( @@ (?= Ident | String) )?"`
	Objects     []*Object `parser:"@@ ( \",\" @@ )*"`
}

func (p *Privilege) Span() diag.Span { return Span(p.Pos, p.EndPos) }

// Object is a database object of a privilege. Written bare, a '.' separates its schema
// from its name (billing.invoices); quoted, it is one name ("odd.name").
type Object struct {
	Pos, EndPos plexer.Position
	Bare        string `parser:"  @Ident"`
	QuotedName  string `parser:"| @String"`
}

// Name is the object's name as written, without quotes.
func (o *Object) Name() string {
	if o.QuotedName != "" {
		return o.QuotedName
	}
	return o.Bare
}

// Quoted reports whether the name was written in double quotes (the lexer refuses
// empty quoted names, so a quoted name is never "").
func (o *Object) Quoted() bool { return o.QuotedName != "" }

func (o *Object) Span() diag.Span { return Span(o.Pos, o.EndPos) }

// Flow is an intent (`A, B -> C:PORTS [as role R]`) or a grant
// (`[KIND] SUBJECT can VERBS [RESOURCES] [named NAMES] [in SCOPES]`). Both start with a
// list of names; the compiler checks which shapes make sense (one subject per grant,
// a subject kind only on grants).
type Flow struct {
	Pos, EndPos plexer.Position
	Kind        *Name       `parser:"( @@ (?= Ident | String) )?"`
	Sources     []*Ref      `parser:"@@ ( \",\" @@ )*"`
	Intent      *IntentTail `parser:"( @@"`
	Grant       *GrantTail  `parser:"| @@ )"`
}

func (f *Flow) Span() diag.Span { return Span(f.Pos, f.EndPos) }

// IntentTail is `-> TARGET[:PORTS] [as role R, R]`.
type IntentTail struct {
	Pos, EndPos plexer.Position
	Target      *Ref    `parser:"\"->\" @@"`
	Ports       []*Port `parser:"( \":\" @@ ( \",\" @@ )* )?"`
	Roles       []*Name `parser:"( \"as\" \"role\" @@ ( \",\" @@ )* )?"`
}

// Port is `N`, `N-M`, or `NAME`, with an optional `/tcp`, `/udp` or `/sctp`.
type Port struct {
	Pos, EndPos plexer.Position
	Number      string `parser:"( @Int"`
	End         string `parser:"  ( \"-\" @Int )?"`
	Name        *Name  `parser:"| @@ )"`
	Proto       *Name  `parser:"( \"/\" @@ )?"`
}

func (p *Port) Span() diag.Span { return Span(p.Pos, p.EndPos) }

// GrantTail is `can VERBS [RESOURCES] [named NAMES] [in SCOPES]`; Cannot is set for
// `cannot`, which only assertions accept.
type GrantTail struct {
	Pos, EndPos plexer.Position
	Cannot      bool        `parser:"( \"can\" | @\"cannot\" )"`
	Verbs       []*Verb     `parser:"@@ ( \",\" @@ )*"`
	Resources   []*Resource `parser:"( @@ ( \",\" @@ )* )?"`
	Names       []*Name     `parser:"( \"named\" @@ ( \",\" @@ )* )?"`
	Scopes      []*Name     `parser:"( \"in\" @@ ( \",\" @@ )* )?"`
}

// Resource is a resource of a grant as written: NAME, NAME/SUBRESOURCE,
// RESOURCE.GROUP, or `*` (which the wildcard-resource rule then reports).
type Resource struct {
	Pos, EndPos plexer.Position
	Star        bool `parser:"( @\"*\""`
	Ref         *Ref `parser:"| @@ )"`
}

func (r *Resource) Span() diag.Span { return Span(r.Pos, r.EndPos) }

// String renders the resource as written (without quotes).
func (r *Resource) String() string {
	if r.Star {
		return "*"
	}
	return r.Ref.String()
}

// Verb is a verb, a bundle or `*`.
type Verb struct {
	Pos, EndPos plexer.Position
	Value       string `parser:"@(Ident | \"*\")"`
}

func (v *Verb) Span() diag.Span { return Span(v.Pos, v.EndPos) }

// Assert is `assert FLOW-LIKE`: `assert A -> B[:PORTS]`, `assert A !-> B[:PORTS]`,
// `assert SUBJECT can|cannot ...`.
type Assert struct {
	Pos, EndPos plexer.Position
	Kind        *Name      `parser:"\"assert\" ( @@ (?= Ident | String) )?"`
	Subject     *Ref       `parser:"@@"`
	Reach       *ReachTail `parser:"( @@"`
	Grant       *GrantTail `parser:"| @@ )"`
}

// ReachTail is `-> B[:PORTS]` or `!-> B[:PORTS]`.
type ReachTail struct {
	Pos, EndPos plexer.Position
	Not         bool    `parser:"( \"->\" | @\"!->\" )"`
	Target      *Ref    `parser:"@@"`
	Ports       []*Port `parser:"( \":\" @@ ( \",\" @@ )* )?"`
}
