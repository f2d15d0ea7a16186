// Package diag owns netc's one diagnostics type: a severity, an optional rule id, an exact
// source span, a one-line message, an optional detail and related spans. Every stage of
// the compiler (lexer, parser, resolver, rules, config, backends) reports through it, and
// the printers for text and JSON live here so every command prints the same way.
package diag

import (
	"cmp"
	"fmt"
	"slices"
)

// Severity orders how bad a diagnostic is. The zero value is Error so that a
// diagnostic built without thinking about severity fails the build.
type Severity int

const (
	Error Severity = iota
	Warning
	Info
	// Off disables a rule; it never appears on a reported diagnostic.
	Off
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	case Info:
		return "info"
	case Off:
		return "off"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity reads the names String prints.
func ParseSeverity(s string) (Severity, bool) {
	switch s {
	case "error":
		return Error, true
	case "warning":
		return Warning, true
	case "info":
		return Info, true
	case "off":
		return Off, true
	}
	return Off, false
}

// Pos is a point in a source file. Line and Col are 1-based (Col counts bytes, as Go's
// go/token does); Offset is the 0-based byte offset, kept so editors' UTF-16 positions can
// be derived later.
type Pos struct {
	Line, Col, Offset int
}

func (p Pos) IsValid() bool { return p.Line > 0 }

// Span is a half-open source range: Start inclusive, End exclusive. File is the path as
// the user named it (relative to the working directory when it came from the command line).
type Span struct {
	File       string
	Start, End Pos
}

func (s Span) IsValid() bool { return s.Start.IsValid() }

// String renders FILE:LINE:COL, the form editors' problem matchers read.
func (s Span) String() string {
	if !s.IsValid() {
		if s.File == "" {
			return "-"
		}
		return s.File
	}
	return fmt.Sprintf("%s:%d:%d", s.File, s.Start.Line, s.Start.Col)
}

// Compare orders spans by file, then start offset, then end offset.
func (s Span) Compare(o Span) int {
	if c := cmp.Compare(s.File, o.File); c != 0 {
		return c
	}
	if c := cmp.Compare(s.Start.Line, o.Start.Line); c != 0 {
		return c
	}
	if c := cmp.Compare(s.Start.Col, o.Start.Col); c != 0 {
		return c
	}
	return cmp.Compare(s.End.Offset, o.End.Offset)
}

// Related points at another place that explains a diagnostic ("first declared here").
type Related struct {
	Span    Span
	Message string
}

// Diagnostic is one finding. Message is a short sentence without a trailing period;
// Detail, when set, is full sentences (the remediation for rules).
type Diagnostic struct {
	Severity Severity
	Rule     string // rule id for least-privilege rules; empty for plain errors
	Span     Span
	Message  string
	Detail   string
	Related  []Related
}

// String is the one-line text form: FILE:LINE:COL: SEVERITY: MESSAGE [RULE].
func (d Diagnostic) String() string {
	s := fmt.Sprintf("%s: %s: %s", d.Span, d.Severity, d.Message)
	if d.Rule != "" {
		s += " [" + d.Rule + "]"
	}
	return s
}

// List is an ordered collection of diagnostics.
type List []Diagnostic

// Errorf appends a plain error at span.
func (l *List) Errorf(span Span, format string, args ...any) {
	*l = append(*l, Diagnostic{Severity: Error, Span: span, Message: fmt.Sprintf(format, args...)})
}

// Add appends d.
func (l *List) Add(d Diagnostic) { *l = append(*l, d) }

// HasErrors reports whether any diagnostic is an error.
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Count returns how many diagnostics have severity s.
func (l List) Count(s Severity) int {
	n := 0
	for _, d := range l {
		if d.Severity == s {
			n++
		}
	}
	return n
}

// Sort orders by file, line, column, then severity, rule and message, and removes exact
// duplicates, so output is stable whatever order the stages found things in.
func (l *List) Sort() {
	slices.SortStableFunc(*l, func(a, b Diagnostic) int {
		if c := a.Span.Compare(b.Span); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Severity, b.Severity); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Rule, b.Rule); c != 0 {
			return c
		}
		return cmp.Compare(a.Message, b.Message)
	})
	*l = slices.CompactFunc(*l, func(a, b Diagnostic) bool {
		return a.Span == b.Span && a.Severity == b.Severity && a.Rule == b.Rule && a.Message == b.Message
	})
}

// Err returns the list as an error when it holds errors, else nil.
func (l List) Err() error {
	if !l.HasErrors() {
		return nil
	}
	return listError(l)
}

type listError List

func (e listError) Error() string {
	for _, d := range e {
		if d.Severity == Error {
			if n := List(e).Count(Error); n > 1 {
				return fmt.Sprintf("%s (and %d more errors)", d, n-1)
			}
			return d.String()
		}
	}
	return "no errors"
}
