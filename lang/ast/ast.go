// Package ast is the syntax tree of netc source. The node types double as the
// participle grammar (package parser builds the parser from their tags). Every node is
// a Node: it knows its exact source range (Span), from its first character to just past
// its last, with byte offsets, so diagnostics and editors can point at the construct
// itself. Files keep their comments so a formatter can round-trip them.
package ast

import (
	plexer "github.com/alecthomas/participle/v2/lexer"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/lexer"
)

// Node is any node of the syntax tree.
type Node interface {
	// Span is the node's exact source range: Start at its first character, End just
	// past its last (half-open, as every diag.Span), never taking in the blanks or
	// comment after it.
	Span() diag.Span
	// Bounds is the node's Extent, its positions as participle's type, to read or set.
	Bounds() *Extent
}

// Extent is where a node lies; every node embeds it. Pos is the node's first
// character and EndPos is just past its last. participle fills both fields by name
// (EndPos with where the next token starts); package parser then narrows EndPos to
// the node's last token, so a node read from the parser always holds its exact range.
type Extent struct {
	Pos, EndPos plexer.Position
}

// Span is the extent as a diag.Span.
func (e *Extent) Span() diag.Span { return Span(e.Pos, e.EndPos) }

func (e *Extent) Bounds() *Extent { return e }

// Span converts two participle positions to a diag.Span (start inclusive, end
// exclusive); a zero end makes an empty span at start. Prefer a Node's Span; this is
// for ranges that join two nodes or point between tokens.
func Span(start, end plexer.Position) diag.Span {
	s := diag.Span{File: start.Filename,
		Start: diag.Pos{Line: start.Line, Col: start.Column, Offset: start.Offset},
		End:   diag.Pos{Line: end.Line, Col: end.Column, Offset: end.Offset}}
	if end.Line == 0 {
		s.End = s.Start
	}
	return s
}

// File is one parsed source file. Its extent is the whole source, from the first byte
// to the end of the file.
type File struct {
	Extent
	Name     string
	Stmts    []*Stmt
	Comments []lexer.Comment
}

// Stmt is one statement. Exactly one field is set. Blocks are split by the parser's
// driver before participle sees them: NamespaceBlock, and the attributes and privileges
// inside service, database and role blocks, are parsed one line at a time, so an error
// in a block costs one line.
type Stmt struct {
	Extent

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

// NamespaceStmt is `namespace NAME`: the current namespace for what follows.
type NamespaceStmt struct {
	Extent
	Name *Name `parser:"\"namespace\" @@"`
}

// NamespaceBlock is `namespace NAME { ... }`; its range, and its statement's, run to
// the closing brace (or, left open, to the end of its last statement).
type NamespaceBlock struct {
	Extent
	Name  *Name
	Stmts []*Stmt
}

// Name is a bare or quoted name.
type Name struct {
	Extent
	Value string `parser:"@(Ident | String)"`
}

// Ref is NAME or NS/NAME.
type Ref struct {
	Extent
	First  *Name `parser:"@@"`
	Second *Name `parser:"( \"/\" @@ )?"`
}

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

// ServiceDecl is `service NAME [{ attributes }]`; with a block, its range and its
// statement's run to the closing brace.
type ServiceDecl struct {
	Extent
	Name  *Name `parser:"\"service\" @@"`
	Block bool  `parser:"@\"{\"?"`
	Attrs []*Attr
}

// DatabaseDecl is `database NAME ENGINE [{ attributes }]`; with a block, its range and
// its statement's run to the closing brace.
type DatabaseDecl struct {
	Extent
	Name   *Name `parser:"\"database\" @@"`
	Engine *Name `parser:"@@"`
	Block  bool  `parser:"@\"{\"?"`
	Attrs  []*Attr
}

// Attr is one attribute line of a service or database block: a keyword and its
// values. Which keywords a block takes is checked by the compiler, so a misplaced
// attribute gets a precise message rather than a syntax error.
type Attr struct {
	Extent
	Key    *Name    `parser:"@@"`
	Values []*Value `parser:"( @@ ( \",\" @@ )* )?"`
}

// Value is one attribute value: `key=value` for labels, or a sequence of words,
// numbers and CIDRs; `port http 8080/udp` is one value of two items.
type Value struct {
	Extent
	Key   *Ref    `parser:"( @@ \"=\" )?"`
	Items []*Item `parser:"@@+"`
}

// Item is a word, number or CIDR, with an optional `/protocol`.
type Item struct {
	Extent
	Word  *Name  `parser:"( @@"`
	Int   string `parser:"| @Int"`
	CIDR  string `parser:"| @CIDR )"`
	Proto *Name  `parser:"( \"/\" @@ )?"`
}

// ExternalDecl is `external NAME CIDR, CIDR...`.
type ExternalDecl struct {
	Extent
	Name  *Name   `parser:"\"external\" @@"`
	CIDRs []*Item `parser:"@@ ( \",\" @@ )*"`
}

// RoleDecl is `role NAME on DATABASE { privileges }`; its range and its statement's
// run to the closing brace.
type RoleDecl struct {
	Extent
	Name       *Name `parser:"\"role\" @@"`
	Database   *Ref  `parser:"\"on\" @@"`
	Block      bool  `parser:"@\"{\""`
	Privileges []*Privilege
}

// Privilege is `ACTION, ACTION on [KIND] OBJECT, OBJECT`.
type Privilege struct {
	Extent
	Actions []*Name   `parser:"@@ ( \",\" @@ )*"`
	Kind    *Name     `parser:"\"on\" ( @@ (?= Ident | String) )?"`
	Objects []*Object `parser:"@@ ( \",\" @@ )*"`
}

// Object is a database object of a privilege. Written bare, a '.' separates its schema
// from its name (billing.invoices); quoted, it is one name ("odd.name").
type Object struct {
	Extent
	Bare       string `parser:"  @Ident"`
	QuotedName string `parser:"| @String"`
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

// Flow is an intent (`A, B -> C:PORTS [as role R]`) or a grant
// (`[KIND] SUBJECT can VERBS [RESOURCES] [named NAMES] [in SCOPES]`). Both start with a
// list of names; the compiler checks which shapes make sense (one subject per grant,
// a subject kind only on grants).
type Flow struct {
	Extent
	Kind    *Name       `parser:"( @@ (?= Ident | String) )?"`
	Sources []*Ref      `parser:"@@ ( \",\" @@ )*"`
	Intent  *IntentTail `parser:"( @@"`
	Grant   *GrantTail  `parser:"| @@ )"`
}

// IntentTail is `-> TARGET[:PORTS] [as role R, R]`.
type IntentTail struct {
	Extent
	Target *Ref    `parser:"\"->\" @@"`
	Ports  []*Port `parser:"( \":\" @@ ( \",\" @@ )* )?"`
	Roles  []*Name `parser:"( \"as\" \"role\" @@ ( \",\" @@ )* )?"`
}

// Port is `N`, `N-M`, or `NAME`, with an optional `/tcp`, `/udp` or `/sctp`.
type Port struct {
	Extent
	Number string `parser:"( @Int"`
	End    string `parser:"  ( \"-\" @Int )?"`
	Name   *Name  `parser:"| @@ )"`
	Proto  *Name  `parser:"( \"/\" @@ )?"`
}

// GrantTail is `can VERBS [RESOURCES] [named NAMES] [in SCOPES]`; Cannot is set for
// `cannot`, which only assertions accept.
type GrantTail struct {
	Extent
	Cannot    bool        `parser:"( \"can\" | @\"cannot\" )"`
	Verbs     []*Verb     `parser:"@@ ( \",\" @@ )*"`
	Resources []*Resource `parser:"( @@ ( \",\" @@ )* )?"`
	Names     []*Name     `parser:"( \"named\" @@ ( \",\" @@ )* )?"`
	Scopes    []*Name     `parser:"( \"in\" @@ ( \",\" @@ )* )?"`
}

// Resource is a resource of a grant as written: NAME, NAME/SUBRESOURCE,
// RESOURCE.GROUP, or `*` (which the wildcard-resource rule then reports).
type Resource struct {
	Extent
	Star bool `parser:"( @\"*\""`
	Ref  *Ref `parser:"| @@ )"`
}

// String renders the resource as written (without quotes).
func (r *Resource) String() string {
	if r.Star {
		return "*"
	}
	return r.Ref.String()
}

// Verb is a verb, a bundle or `*`.
type Verb struct {
	Extent
	Value string `parser:"@(Ident | \"*\")"`
}

// Assert is `assert FLOW-LIKE`: `assert A -> B[:PORTS]`, `assert A !-> B[:PORTS]`,
// `assert SUBJECT can|cannot ...`.
type Assert struct {
	Extent
	Kind    *Name      `parser:"\"assert\" ( @@ (?= Ident | String) )?"`
	Subject *Ref       `parser:"@@"`
	Reach   *ReachTail `parser:"( @@"`
	Grant   *GrantTail `parser:"| @@ )"`
}

// ReachTail is `-> B[:PORTS]` or `!-> B[:PORTS]`.
type ReachTail struct {
	Extent
	Not    bool    `parser:"( \"->\" | @\"!->\" )"`
	Target *Ref    `parser:"@@"`
	Ports  []*Port `parser:"( \":\" @@ ( \",\" @@ )* )?"`
}
