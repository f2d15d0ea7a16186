package lsp

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/format"
	"github.com/netc-dev/netc/lang/lexer"
)

// formatting is `netc fmt` of the buffer, as the smallest run of whole lines that
// differs, so the editor keeps the cursor and marks elsewhere.
func (s *Server) formatting(p DocumentFormattingParams) ([]TextEdit, *ResponseError) {
	f := s.ws.file(p.TextDocument.URI)
	if f == nil {
		return nil, &ResponseError{Code: codeRequestFailed, Message: "not a file of the program"}
	}
	out, diags := format.Source(f.name, f.text.data)
	if out == nil {
		msg := "the file has syntax errors"
		for _, d := range diags {
			if d.Severity == diag.Error {
				msg += "; the first: " + d.String()
				break
			}
		}
		return nil, &ResponseError{Code: codeRequestFailed, Message: "cannot format: " + msg}
	}
	return lineDiff(f.text, out), nil
}

// lineDiff is one edit replacing the lines between the common prefix and suffix of
// lines; none when the texts are equal.
func lineDiff(old *text, now []byte) []TextEdit {
	if bytes.Equal(old.data, now) {
		return []TextEdit{}
	}
	a, b := splitLines(old.data), splitLines(now)
	pre := 0
	for pre < len(a) && pre < len(b) && bytes.Equal(a[pre], b[pre]) {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && bytes.Equal(a[len(a)-1-suf], b[len(b)-1-suf]) {
		suf++
	}
	startOff := 0
	for _, l := range a[:pre] {
		startOff += len(l)
	}
	endOff := len(old.data)
	for _, l := range a[len(a)-suf:] {
		endOff -= len(l)
	}
	var repl []byte
	for _, l := range b[pre : len(b)-suf] {
		repl = append(repl, l...)
	}
	return []TextEdit{{Range: Range{Start: old.position(startOff), End: old.position(endOff)}, NewText: string(repl)}}
}

// splitLines splits after each '\n', keeping it.
func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, b)
			break
		}
		out = append(out, b[:i+1])
		b = b[i+1:]
	}
	return out
}

// renamable says whether a symbol may be renamed, and why not.
func renamable(sym *symbol) error {
	switch sym.kind {
	case symService, symDatabase, symExternal, symRole:
		return nil
	}
	return fmt.Errorf("%s cannot be renamed here: netc renames services, databases, externals and roles", sym.title())
}

func (s *Server) prepareRename(p TextDocumentPositionParams) (*PrepareRenameResult, *ResponseError) {
	_, f, l := s.at(p.TextDocument.URI, p.Position)
	if l == nil {
		return nil, &ResponseError{Code: codeRequestFailed, Message: "no service, database, external or role here"}
	}
	if err := renamable(l.sym); err != nil {
		return nil, &ResponseError{Code: codeRequestFailed, Message: err.Error()}
	}
	return &PrepareRenameResult{Range: f.text.span(l.span), Placeholder: l.sym.name}, nil
}

var bareName = regexp.MustCompile(`^[A-Za-z_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$`)

// rename renames every occurrence of a symbol, after checking on the renamed program
// that the rename is safe: every other name still resolves to what it did, every
// occurrence resolves to the renamed symbol, and the compiler reports no new error.
func (s *Server) rename(p RenameParams) (*WorkspaceEdit, *ResponseError) {
	a, _, l := s.at(p.TextDocument.URI, p.Position)
	fail := func(format string, args ...any) (*WorkspaceEdit, *ResponseError) {
		return nil, &ResponseError{Code: codeRequestFailed, Message: fmt.Sprintf(format, args...)}
	}
	if l == nil {
		return fail("no service, database, external or role here")
	}
	sym, name := l.sym, p.NewName
	if err := renamable(sym); err != nil {
		return fail("%v", err)
	}
	switch {
	case name == sym.name:
		return &WorkspaceEdit{Changes: map[string][]TextEdit{}}, nil
	case lexer.Keywords[name]:
		return fail("cannot rename to %q: it is a reserved word", name)
	case name == "world" && sym.kind != symRole:
		return fail("cannot rename to \"world\": it means every address outside the cluster")
	case !bareName.MatchString(name):
		return fail("cannot rename to %q: netc renames to bare names (letters, digits, '_', '.', '-')", name)
	}
	if taken := collision(a.idx(), sym, name); taken != nil {
		return fail("cannot rename %s to %q: %s is declared at %s", sym.title(), name, taken.title(), taken.def)
	}
	// The edits, per file.
	edits := map[*file][]diag.Span{}
	for _, o := range sym.occs {
		f := a.byName[o.span.File]
		if f == nil {
			return fail("%s is written in %s, which is not a file of the program", sym.title(), o.span.File)
		}
		edits[f] = append(edits[f], o.span)
	}
	// The renamed program, compiled and indexed beside the current one.
	renamed := map[string][]byte{}
	for f, spans := range edits {
		renamed[f.name] = applySpans(f.text.data, spans, name)
	}
	after := s.ws.compileWith(renamed)
	before := a.idx()
	now := after.idx()
	want := *sym
	want.name = name
	for file, locs := range before.at {
		got := now.at[file]
		if len(got) != len(locs) {
			return fail("cannot rename %s to %q: it would change what the names of %s mean", sym.title(), name, file)
		}
		for i, l := range locs {
			expect := l.sym.key()
			if l.sym == sym {
				expect = want.key()
			} else if l.sym.owner == sym {
				o := *l.sym
				o.owner = &want
				expect = o.key()
			}
			if got[i].sym.key() != expect || got[i].sym.kind != l.sym.kind {
				return fail("cannot rename %s to %q: %s would then mean %s, not %s", sym.title(), name, got[i].span, got[i].sym.title(), l.sym.title())
			}
		}
	}
	old := map[string]bool{}
	for _, d := range a.diags {
		if d.Severity == diag.Error {
			old[d.Message] = true
		}
	}
	for _, d := range after.diags {
		if d.Severity == diag.Error && !old[d.Message] {
			return fail("cannot rename %s to %q: %s", sym.title(), name, d)
		}
	}
	out := &WorkspaceEdit{Changes: map[string][]TextEdit{}}
	for f, spans := range edits {
		for _, sp := range spans {
			out.Changes[f.uri] = append(out.Changes[f.uri], TextEdit{Range: f.text.span(sp), NewText: name})
		}
	}
	return out, nil
}

// applySpans replaces each span of data (in one file) with repl.
func applySpans(data []byte, spans []diag.Span, repl string) []byte {
	spans = slices.Clone(spans)
	slices.SortFunc(spans, func(a, b diag.Span) int { return a.Start.Offset - b.Start.Offset })
	var out []byte
	prev := 0
	for _, sp := range spans {
		out = append(out, data[prev:sp.Start.Offset]...)
		out = append(out, repl...)
		prev = sp.End.Offset
	}
	return append(out, data[prev:]...)
}

// codeActions offers, for the diagnostics of the current analysis in the range: a
// waiver for a rule's finding, a declaration for an undeclared role, and the
// replacement a "did you mean" suggests.
func (s *Server) codeActions(p CodeActionParams) ([]CodeAction, *ResponseError) {
	a := s.analysis()
	f := s.ws.file(p.TextDocument.URI)
	out := []CodeAction{}
	if !a.has(f) {
		return out, nil
	}
	for _, d := range a.diags {
		if d.Span.File != f.name {
			continue
		}
		r := f.text.span(d.Span)
		if !overlaps(r, p.Range) {
			continue
		}
		ld := s.diagnostic(a, f, d)
		add := func(title string, preferred bool, edits ...TextEdit) {
			out = append(out, CodeAction{Title: title, Kind: "quickfix", Diagnostics: []Diagnostic{ld}, IsPreferred: preferred,
				Edit: &WorkspaceEdit{Changes: map[string][]TextEdit{f.uri: edits}}})
		}
		if d.Rule == "undeclared-role" {
			if e, ok := s.declareRole(a, f, d); ok {
				add("Declare the role: "+strings.TrimSpace(e.NewText), true, e)
			}
		}
		for _, e := range didYouMean(f, d) {
			add("Replace with "+e.NewText, true, e)
		}
		if e, ok := closestName(a.idx(), f, d); ok {
			add("Replace with "+e.NewText, true, e)
		}
		if d.Rule != "" {
			add("Waive "+d.Rule+" on this line (# netc:allow "+d.Rule+" reason)", false, waiver(f, d))
		}
	}
	return out, nil
}

func overlaps(a, b Range) bool {
	before := func(x, y Position) bool { return x.Line < y.Line || x.Line == y.Line && x.Character < y.Character }
	return !before(a.End, b.Start) && !before(b.End, a.Start)
}

// waiver adds the rule to the finding's line: to the waiver already there, or as a
// waiver whose reason is the comment already there, or as a new comment.
func waiver(f *file, d diag.Diagnostic) TextEdit {
	line := d.Span.Start.Line
	for _, c := range f.ast.Comments {
		if c.Span.Start.Line != line {
			continue
		}
		lead := len(c.Text) - len(strings.TrimLeft(c.Text, " \t"))
		if rest, ok := c.Waiver(); ok {
			// After the rule ids: "# netc:allow a,b reason" → "# netc:allow a,b,RULE reason".
			ids := strings.Fields(rest)
			off := c.Span.Start.Offset + 1 + lead + len(lexer.WaiverPrefix)
			off += len(rest) - len(strings.TrimLeft(rest, " \t"))
			if len(ids) > 0 {
				off += len(ids[0])
				return TextEdit{Range: Range{Start: f.text.position(off), End: f.text.position(off)}, NewText: "," + d.Rule}
			}
			return TextEdit{Range: Range{Start: f.text.position(off), End: f.text.position(off)}, NewText: " " + d.Rule + " reason"}
		}
		// "# text" → "# netc:allow RULE text"
		return TextEdit{Range: Range{Start: f.text.position(c.Span.Start.Offset), End: f.text.position(c.Span.Start.Offset + 1 + lead)},
			NewText: "# " + lexer.WaiverPrefix + " " + d.Rule + " "}
	}
	content := f.text.lineOf(line - 1)
	end := Position{Line: line - 1, Character: utf16Len(bytes.TrimRight(content, " \t"))}
	return TextEdit{Range: Range{Start: end, End: Position{Line: line - 1, Character: utf16Len(content)}},
		NewText: " # " + lexer.WaiverPrefix + " " + d.Rule + " reason"}
}

// declareRole inserts `role R on DB {}` after the statement that uses the role, with
// its indentation, so it lands in the same namespace and names the database as the
// intent does.
func (s *Server) declareRole(a *analysis, f *file, d diag.Diagnostic) (TextEdit, bool) {
	l := a.idx().lookup(f.name, d.Span.Start.Offset)
	if l == nil || l.sym.kind != symRole {
		return TextEdit{}, false
	}
	var o *occurrence
	for i := range l.sym.occs {
		if l.sym.occs[i].span == l.span {
			o = &l.sym.occs[i]
		}
	}
	if o == nil || o.stmt.Flow == nil || o.stmt.Flow.Intent == nil {
		return TextEdit{}, false
	}
	target := f.snippet(o.stmt.Flow.Intent.Target)
	end := o.stmt.Span().End
	lineText := f.text.lineOf(end.Line - 1)
	startLine := f.text.lineOf(o.stmt.Span().Start.Line - 1)
	indent := startLine[:len(startLine)-len(bytes.TrimLeft(startLine, " \t"))]
	pos := Position{Line: end.Line - 1, Character: utf16Len(lineText)}
	return TextEdit{Range: Range{Start: pos, End: pos},
		NewText: "\n" + string(indent) + "role " + quoted(l.sym.name) + " on " + target + " {}"}, true
}

// quoted writes a name bare when it can be.
func quoted(name string) string {
	if bareName.MatchString(name) && !lexer.Keywords[name] {
		return name
	}
	return strconv.Quote(name)
}

var didYouMeanRE = regexp.MustCompile(`did you mean (.+)\?\)?$`)

// didYouMean turns a "did you mean X?" (or "X or Y") of a diagnostic into edits of its
// span: the whole span when it is one word, else the quoted unknown word inside it.
func didYouMean(f *file, d diag.Diagnostic) []TextEdit {
	m := didYouMeanRE.FindStringSubmatch(d.Message)
	if m == nil || !d.Span.Start.IsValid() {
		return nil
	}
	start, end := d.Span.Start.Offset, min(d.Span.End.Offset, len(f.text.data))
	if end <= start {
		return nil
	}
	text := string(f.text.data[start:end])
	if strings.ContainsAny(text, " \t\n") {
		q := regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`).FindStringSubmatch(d.Message)
		if q == nil || strings.Count(text, q[1]) != 1 {
			return nil
		}
		start += strings.Index(text, q[1])
		end = start + len(q[1])
	}
	var out []TextEdit
	for _, alt := range strings.Split(m[1], " or ") {
		if u, err := strconv.Unquote(alt); err == nil {
			alt = u
		}
		out = append(out, TextEdit{Range: Range{Start: f.text.position(start), End: f.text.position(end)}, NewText: alt})
	}
	return out
}

// compileWith compiles the workspace with some files' texts replaced (by name), to
// check an edit before offering it. The workspace itself is unchanged.
func (w *workspace) compileWith(texts map[string][]byte) *analysis {
	saved := w.files
	w.files = make(map[string]*file, len(saved))
	for key, f := range saved {
		if data, ok := texts[f.name]; ok {
			g := *f
			g.text, g.ast, g.pdiags = newText(data), nil, nil
			f = &g
		}
		w.files[key] = f
	}
	a := w.compile()
	w.files = saved
	return a
}

// collision returns what already has the new name where the renamed symbol would
// take it: the namespace's services, databases and externals share one space of
// names, external names are unique in the program, and a database's roles are its own.
func collision(x *index, sym *symbol, name string) *symbol {
	switch sym.kind {
	case symRole:
		return x.roles[roleID{sym.owner, name}]
	case symExternal:
		if e := x.byName[name]; e != nil {
			return e
		}
	}
	return x.entities[sym.ns+"/"+name]
}

var unknownNameRE = regexp.MustCompile(`^unknown name "((?:[^"\\]|\\.)*)": .* in namespace "((?:[^"\\]|\\.)*)"$`)

// closestName suggests, for an unknown name (in an assertion, where names do not come
// into being by use), the nearest name the namespace has: a service, database or
// external, or an external of any namespace.
func closestName(x *index, f *file, d diag.Diagnostic) (TextEdit, bool) {
	m := unknownNameRE.FindStringSubmatch(d.Message)
	if m == nil {
		return TextEdit{}, false
	}
	name, _ := strconv.Unquote(`"` + m[1] + `"`)
	ns, _ := strconv.Unquote(`"` + m[2] + `"`)
	var names []string
	for _, sym := range x.syms {
		if sym.kind <= symExternal && (sym.ns == ns || sym.kind == symExternal && x.byName[sym.name] == sym) {
			names = append(names, sym.name)
		}
	}
	best := diag.Closest(name, 3, names...)
	if best == "" {
		return TextEdit{}, false
	}
	// The span is the reference, NS/NAME or NAME: replace the name at its end.
	end := min(d.Span.End.Offset, len(f.text.data))
	start := end - len(name)
	if start < d.Span.Start.Offset || string(f.text.data[start:end]) != name {
		return TextEdit{}, false
	}
	return TextEdit{Range: Range{Start: f.text.position(start), End: f.text.position(end)}, NewText: quoted(best)}, true
}
