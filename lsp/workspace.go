package lsp

import (
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/ast"
	"github.com/netc-dev/netc/lang/parser"
)

// The input limits of netc check (docs/cli.md), with its messages: a file over
// MaxFileSize, or the files past MaxTotalSize together, are diagnosed, not read.
const (
	MaxFileSize  = 64 << 20
	MaxTotalSize = 256 << 20
)

// file is one source of the program: a file of the workspace folder, or an open buffer.
type file struct {
	uri     string
	path    string // absolute
	name    string // as diagnostics name it: relative to the folder when below it
	text    *text
	open    bool // an editor buffer holds it; its text wins over the disk's
	version int
	// tooLarge is set for a file over MaxFileSize: its text is empty, and it has a
	// diagnostic instead of a parse.
	tooLarge bool
	// The parse of text, kept until text changes.
	ast    *ast.File
	pdiags diag.List
}

// workspace is the program the server checks: every *.net file below the folder
// (found the way `netc check DIR` finds them), with the open buffers' texts in place
// of the disk's, and the folder's netc.hcl.
type workspace struct {
	root     string           // absolute; "" until a folder or a first file is known
	files    map[string]*file // by URI
	cfg      *config.Config
	cfgFile  *file // netc.hcl, when there is one (its diagnostics need its text)
	cfgDiags diag.List
}

// analysis is one compilation of the workspace.
type analysis struct {
	files  []*file // sorted by name
	byName map[string]*file
	prog   *ir.Program // nil when the program has errors
	diags  diag.List   // the compiler's: every diagnostic of the program
	index  *index      // built on first use
}

func newWorkspace() *workspace {
	return &workspace{files: map[string]*file{}, cfg: config.Default()}
}

// uriToPath and pathToURI convert file: URIs.
func uriToPath(uri string) (string, bool) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" {
		return "", false
	}
	p := u.Path
	if runtime.GOOS == "windows" {
		p = strings.TrimPrefix(p, "/")
	}
	return filepath.Clean(filepath.FromSlash(p)), true
}

func pathToURI(p string) string {
	p = filepath.ToSlash(p)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// setRoot sets the workspace folder and reads its files and netc.hcl.
func (w *workspace) setRoot(dir string) {
	w.root = dir
	w.loadConfig()
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(d.Name(), ".net") && d.Type().IsRegular() {
			w.readDisk(p)
		}
		return nil
	})
}

// loadConfig reads the folder's netc.hcl (config.Find looks in the folder and above).
func (w *workspace) loadConfig() {
	w.cfg, w.cfgFile, w.cfgDiags = config.Default(), nil, nil
	p, ok := config.Find(w.root)
	if !ok {
		return
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return
	}
	f := &file{uri: pathToURI(p), path: p, name: w.displayName(p), text: newText(data)}
	w.cfgFile = f
	cfg, diags := config.Load(f.name, data)
	w.cfgDiags = diags
	if !diags.HasErrors() && cfg != nil {
		w.cfg = cfg
	}
}

// displayName is p relative to the folder when it lies below it.
func (w *workspace) displayName(p string) string {
	if w.root != "" {
		if rel, err := filepath.Rel(w.root, p); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(p)
}

// readDisk (re)reads a file that no editor holds; it removes it when it is gone.
func (w *workspace) readDisk(p string) {
	uri := pathToURI(p)
	if f, ok := w.files[p]; ok && f.open {
		return
	}
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() {
		delete(w.files, p)
		return
	}
	if st.Size() > MaxFileSize {
		w.setText(uri, p, nil, false, 0).tooLarge = true
		return
	}
	data, err := os.ReadFile(p)
	if err != nil {
		delete(w.files, p)
		return
	}
	w.setText(uri, p, data, false, 0)
}

// setText stores new text for a file; its parse is dropped. The file keeps the URI
// the client last named it by, for publishing.
func (w *workspace) setText(uri, p string, data []byte, open bool, version int) *file {
	f, ok := w.files[p]
	if !ok {
		f = &file{path: p, name: w.displayName(p)}
		w.files[p] = f
	}
	if open || !f.open {
		f.uri = uri
	}
	f.text, f.open, f.version, f.tooLarge = newText(data), open, version, false
	f.ast, f.pdiags = nil, nil
	if len(data) > MaxFileSize {
		f.text, f.tooLarge = newText(nil), true
	}
	return f
}

// file returns the file a URI names, or nil.
func (w *workspace) file(uri string) *file {
	p, ok := uriToPath(uri)
	if !ok {
		return nil
	}
	return w.files[p]
}

// parse parses f unless its parse is current.
func (f *file) parse() {
	if f.ast == nil {
		f.ast, f.pdiags = parser.ParseFile(f.name, f.text.data)
	}
}

// compile parses what changed and compiles the whole program.
func (w *workspace) compile() *analysis {
	a := &analysis{byName: map[string]*file{}}
	for _, f := range w.files {
		a.files = append(a.files, f)
	}
	slices.SortFunc(a.files, func(x, y *file) int { return strings.Compare(x.name, y.name) })
	a.diags = append(a.diags, w.cfgDiags...)
	if w.cfgDiags.HasErrors() {
		a.diags.Sort()
		for _, f := range a.files {
			a.byName[f.name] = f
			f.parse()
		}
		return a
	}
	asts := make([]*ast.File, 0, len(a.files))
	var pdiags diag.List
	total := 0
	for _, f := range a.files {
		a.byName[f.name] = f
		if f.tooLarge {
			f.parse() // its empty text, so it has a tree like every file
			pdiags.Add(diag.Diagnostic{Span: diag.Span{File: f.name},
				Message: "file is larger than 64 MiB, the most netc reads from one input"})
			continue
		}
		if total += len(f.text.data); total > MaxTotalSize {
			if total-len(f.text.data) <= MaxTotalSize {
				pdiags.Add(diag.Diagnostic{Span: diag.Span{File: f.name},
					Message: "inputs are larger than 256 MiB together, the most netc reads in one run"})
			}
			continue // not read, as netc check reads no more
		}
		f.parse()
		asts = append(asts, f.ast)
		pdiags = append(pdiags, f.pdiags...)
	}
	a.prog, a.diags = compiler.CompileParsed(asts, pdiags, compiler.Options{Config: w.cfg})
	return a
}

// has reports whether f is a file of the analysis with a syntax tree (a file past the
// total size limit has none).
func (a *analysis) has(f *file) bool { return f != nil && a.byName[f.name] == f && f.ast != nil }

// fileAt returns the analysed file of a diagnostic's span.
func (a *analysis) fileAt(s diag.Span) *file { return a.byName[s.File] }
