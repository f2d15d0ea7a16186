package lsp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
)

// Options configure a server.
type Options struct {
	// Version is netc's version, for serverInfo.
	Version string
	// Log receives one line per problem the server cannot report to the client
	// (a malformed message); nil discards them.
	Log io.Writer
}

// Server is one language server session.
type Server struct {
	opts Options
	conn *conn
	ws   *workspace

	cur     *analysis // the current program; nil after a change
	pending bool      // diagnostics of the current text are not yet published
	// published are the diagnostics last published, by URI (files with none left out).
	published map[string]diag.List

	initialized, shutdown bool
	events                chan event
}

type event struct {
	msg *message
	err error // the connection failed or closed
}

// Serve runs a server on r and w until the client sends exit or closes r. It returns
// nil after shutdown and exit, and an error otherwise (the LSP exit code rule: exit
// without shutdown is a failure).
func Serve(r io.Reader, w io.Writer, opts Options) error {
	s := &Server{opts: opts, conn: newConn(r, w), ws: newWorkspace(), published: map[string]diag.List{},
		events: make(chan event, 1024)}
	go func() {
		for {
			body, err := s.conn.read()
			if err != nil {
				s.events <- event{err: err}
				return
			}
			var m message
			if err := json.Unmarshal(body, &m); err != nil {
				s.logf("malformed message: %v", err)
				null := json.RawMessage("null")
				_ = s.conn.reply(&null, nil, &ResponseError{Code: codeParseError, Message: "malformed JSON: " + err.Error()})
				continue
			}
			s.events <- event{msg: &m}
		}
	}()
	for ev := range s.events {
		switch {
		case ev.err != nil:
			if errors.Is(ev.err, io.EOF) && s.shutdown {
				return nil
			}
			if errors.Is(ev.err, io.EOF) {
				return errors.New("the client closed the connection without shutdown")
			}
			return ev.err
		case ev.msg != nil:
			if ev.msg.Method == "exit" {
				if s.shutdown {
					return nil
				}
				return errors.New("exit without shutdown")
			}
			s.handle(ev.msg)
		}
		// Publish once the queue is drained, so a burst of keystrokes costs one
		// compilation.
		if s.pending && len(s.events) == 0 {
			s.analysis()
			s.pending = false
			s.publish()
		}
	}
	return nil
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Log != nil {
		fmt.Fprintf(s.opts.Log, "netc lsp: "+format+"\n", args...)
	}
}

// handle dispatches one message; requests get exactly one response.
func (s *Server) handle(m *message) {
	if m.ID == nil {
		s.notification(m)
		return
	}
	if m.Method == "" {
		return // a response to a request of ours; the server sends none
	}
	// A request sees the current text: its diagnostics go out first, so a client
	// that reads the response has the diagnostics of the same text.
	if s.pending && s.initialized {
		s.analysis()
		s.pending = false
		s.publish()
	}
	result, rerr := s.safeRequest(m)
	if err := s.conn.reply(m.ID, result, rerr); err != nil {
		s.logf("writing a response: %v", err)
	}
}

// safeRequest answers a request; a bug that panics in a handler fails that request
// with an internal error instead of ending the session.
func (s *Server) safeRequest(m *message) (result any, rerr *ResponseError) {
	defer func() {
		if p := recover(); p != nil {
			s.logf("internal error in %s: %v\n%s", m.Method, p, debug.Stack())
			result, rerr = nil, &ResponseError{Code: codeInternalError, Message: fmt.Sprintf("internal error: %v", p)}
		}
	}()
	return s.request(m)
}

func decode[T any](raw json.RawMessage) (T, *ResponseError) {
	var v T
	if len(raw) == 0 {
		return v, &ResponseError{Code: codeInvalidParams, Message: "missing params"}
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, &ResponseError{Code: codeInvalidParams, Message: err.Error()}
	}
	return v, nil
}

func (s *Server) request(m *message) (any, *ResponseError) {
	if m.Method == "initialize" {
		p, rerr := decode[InitializeParams](m.Params)
		if rerr != nil {
			return nil, rerr
		}
		return s.initialize(p), nil
	}
	if !s.initialized {
		return nil, &ResponseError{Code: codeNotInitialized, Message: "initialize first"}
	}
	if s.shutdown {
		return nil, &ResponseError{Code: codeInvalidRequest, Message: "the server is shut down"}
	}
	switch m.Method {
	case "shutdown":
		s.shutdown = true
		return nil, nil
	case "textDocument/hover":
		return withParams(m, s.hover)
	case "textDocument/definition":
		return withParams(m, s.definition)
	case "textDocument/references":
		return withParams(m, s.references)
	case "textDocument/prepareRename":
		return withParams(m, s.prepareRename)
	case "textDocument/rename":
		return withParams(m, s.rename)
	case "textDocument/documentSymbol":
		return withParams(m, s.documentSymbols)
	case "textDocument/formatting":
		return withParams(m, s.formatting)
	case "textDocument/codeAction":
		return withParams(m, s.codeActions)
	case "textDocument/completion":
		return withParams(m, s.completion)
	}
	return nil, &ResponseError{Code: codeMethodNotFound, Message: "method not supported: " + m.Method}
}

func withParams[P, R any](m *message, f func(P) (R, *ResponseError)) (any, *ResponseError) {
	p, rerr := decode[P](m.Params)
	if rerr != nil {
		return nil, rerr
	}
	return f(p)
}

func (s *Server) initialize(p InitializeParams) InitializeResult {
	s.initialized = true
	root := ""
	switch {
	case len(p.WorkspaceFolders) > 0:
		root, _ = uriToPath(p.WorkspaceFolders[0].URI)
	case p.RootURI != "":
		root, _ = uriToPath(p.RootURI)
	case p.RootPath != "":
		root = filepath.Clean(p.RootPath)
	}
	if root != "" {
		s.ws.setRoot(root)
		s.changed()
	}
	return InitializeResult{
		ServerInfo: ServerInfo{Name: "netc", Version: s.opts.Version},
		Capabilities: ServerCapabilities{
			PositionEncoding:           "utf-16",
			TextDocumentSync:           TextDocumentSync{OpenClose: true, Change: 2},
			HoverProvider:              true,
			DefinitionProvider:         true,
			ReferencesProvider:         true,
			RenameProvider:             RenameOptions{PrepareProvider: true},
			DocumentSymbolProvider:     true,
			DocumentFormattingProvider: true,
			CodeActionProvider:         CodeActionOptions{CodeActionKinds: []string{"quickfix"}},
			CompletionProvider:         CompletionOptions{TriggerCharacters: []string{":", "/", " ", ","}},
		},
	}
}

// changed drops the current analysis: the next request or idle moment recompiles.
func (s *Server) changed() {
	s.cur = nil
	s.pending = true
}

func (s *Server) notification(m *message) {
	if !s.initialized || s.shutdown {
		return
	}
	switch m.Method {
	case "textDocument/didOpen":
		p, rerr := decode[DidOpenTextDocumentParams](m.Params)
		if rerr != nil {
			return
		}
		path, ok := uriToPath(p.TextDocument.URI)
		if !ok || !strings.HasSuffix(path, ".net") {
			return
		}
		if s.ws.root == "" {
			s.ws.setRoot(filepath.Dir(path))
		}
		s.ws.setText(p.TextDocument.URI, path, []byte(p.TextDocument.Text), true, p.TextDocument.Version)
		s.changed()
	case "textDocument/didChange":
		p, rerr := decode[DidChangeTextDocumentParams](m.Params)
		if rerr != nil {
			return
		}
		f := s.ws.file(p.TextDocument.URI)
		if f == nil || !f.open {
			return
		}
		data := f.text.data
		for _, ch := range p.ContentChanges {
			data = applyChange(data, ch)
		}
		s.ws.setText(f.uri, f.path, data, true, p.TextDocument.Version)
		s.changed()
	case "textDocument/didClose":
		p, rerr := decode[DidCloseTextDocumentParams](m.Params)
		if rerr != nil {
			return
		}
		if f := s.ws.file(p.TextDocument.URI); f != nil {
			f.open = false
			s.ws.readDisk(f.path)
			s.changed()
		}
	case "textDocument/didSave":
		// The buffer's text is already the program's; a saved netc.hcl is read again.
		p, rerr := decode[DidCloseTextDocumentParams](m.Params)
		if rerr == nil && strings.HasSuffix(p.TextDocument.URI, "/netc.hcl") {
			s.ws.loadConfig()
			s.changed()
		}
	case "workspace/didChangeWatchedFiles":
		p, rerr := decode[DidChangeWatchedFilesParams](m.Params)
		if rerr != nil {
			return
		}
		for _, ch := range p.Changes {
			path, ok := uriToPath(ch.URI)
			switch {
			case !ok:
			case filepath.Base(path) == "netc.hcl":
				s.ws.loadConfig()
			case strings.HasSuffix(path, ".net"):
				s.ws.readDisk(path)
			}
		}
		s.changed()
	}
}

// analysis returns the current compilation, compiling when the text changed. Its
// diagnostics are all there is to publish: the compiler decides every check of the
// program, and the backends report only internal errors (docs/contributing.md), so the
// server never runs them.
func (s *Server) analysis() *analysis {
	if s.cur == nil {
		s.cur = s.ws.compile()
	}
	return s.cur
}

// publish sends the diagnostics of every file of the program whose diagnostics changed
// since the last publication (an empty list to a file that has none left). A program
// of a thousand files with findings in each then costs one file's publication per
// edit, not a thousand.
func (s *Server) publish() {
	a := s.cur
	if a == nil {
		return
	}
	all := a.diags // sorted by the compiler
	// Sorted by file: each file's diagnostics are one run of the list.
	byFile := map[*file]diag.List{}
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].Span.File == all[i].Span.File {
			j++
		}
		if f := s.fileOf(a, all[i].Span.File); f != nil {
			byFile[f] = all[i:j:j]
		} else {
			s.logf("diagnostic outside the program: %s", all[i])
		}
		i = j
	}
	files := append([]*file(nil), a.files...)
	if s.ws.cfgFile != nil {
		files = append(files, s.ws.cfgFile)
	}
	now := map[string]diag.List{}
	for _, f := range files {
		ds := byFile[f]
		prev, had := s.published[f.uri]
		if len(ds) > 0 {
			now[f.uri] = ds
		}
		if had && sameDiags(prev, ds) || !had && len(ds) == 0 {
			continue
		}
		p := PublishDiagnosticsParams{URI: f.uri, Diagnostics: make([]Diagnostic, 0, len(ds))}
		for _, d := range ds {
			p.Diagnostics = append(p.Diagnostics, s.diagnostic(a, f, d))
		}
		if f.open {
			v := f.version
			p.Version = &v
		}
		if err := s.conn.notify("textDocument/publishDiagnostics", p); err != nil {
			s.logf("publishing diagnostics: %v", err)
		}
	}
	for uri := range s.published {
		if _, still := now[uri]; !still && s.ws.file(uri) == nil && (s.ws.cfgFile == nil || s.ws.cfgFile.uri != uri) {
			// A file that left the program (deleted on disk): clear it.
			_ = s.conn.notify("textDocument/publishDiagnostics", PublishDiagnosticsParams{URI: uri, Diagnostics: []Diagnostic{}})
		}
	}
	s.published = now
}

// sameDiags compares two files' diagnostics, positions included.
func sameDiags(a, b diag.List) bool {
	return slices.EqualFunc(a, b, func(x, y diag.Diagnostic) bool {
		return x.Span == y.Span && x.Severity == y.Severity && x.Rule == y.Rule && x.Message == y.Message &&
			slices.Equal(x.Related, y.Related)
	})
}

func (s *Server) fileOf(a *analysis, name string) *file {
	if f := a.byName[name]; f != nil {
		return f
	}
	if s.ws.cfgFile != nil && s.ws.cfgFile.name == name {
		return s.ws.cfgFile
	}
	return nil
}

// RuleURL is where a rule's documentation is: one heading per rule in docs/rules.md,
// whose anchor is the rule id.
func RuleURL(rule string) string {
	return "https://github.com/netc-dev/netc/blob/main/docs/rules.md#" + rule
}

func (s *Server) diagnostic(a *analysis, f *file, d diag.Diagnostic) Diagnostic {
	out := Diagnostic{Range: f.text.span(d.Span), Source: "netc", Message: d.Message}
	switch d.Severity {
	case diag.Error:
		out.Severity = SeverityError
	case diag.Warning:
		out.Severity = SeverityWarning
	default:
		out.Severity = SeverityInformation
	}
	if d.Rule != "" {
		out.Code = d.Rule
		out.CodeDescription = &CodeDescription{Href: RuleURL(d.Rule)}
	}
	for _, r := range d.Related {
		if rf := s.fileOf(a, r.Span.File); rf != nil {
			out.RelatedInformation = append(out.RelatedInformation, DiagnosticRelatedInformation{
				Location: Location{URI: rf.uri, Range: rf.text.span(r.Span)}, Message: r.Message})
		}
	}
	return out
}

// program is the IR of the current analysis, nil when it has errors.
func (s *Server) program() *ir.Program { return s.analysis().prog }
