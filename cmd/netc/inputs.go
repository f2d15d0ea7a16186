package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
)

// Input limits. A file larger than MaxFileSize, or inputs larger than MaxTotalSize
// together, are refused with a diagnostic (exit 1) before anything is parsed, so a
// runaway input ends in bounded time and memory. docs/cli.md documents them.
const (
	MaxFileSize   = 64 << 20
	MaxTotalSize  = 256 << 20
	MaxConfigSize = 1 << 20
)

// stdinArg is the argument that means "read standard input" (netc check only).
const stdinArg = "-"

// defaultStdinName names standard input in diagnostics when --stdin-filename is unset.
const defaultStdinName = "<stdin>"

// input is one source to read: a file path, or standard input under a display name.
type input struct {
	name  string // as diagnostics show it: relative to the working directory when possible
	path  string // to open; empty for standard input
	stdin bool
}

// collectInputs expands the command-line arguments into the files of one program, in
// order: a file as named, a directory as every *.net below it (sorted, hidden
// directories skipped), "-" as standard input named stdinName. A file named twice is
// read once; standard input replaces the file of the same name. No arguments means
// the *.net files in the working directory itself.
func collectInputs(args []string, stdinName string) ([]input, error) {
	var ins []input
	if len(args) == 0 {
		matches, err := filepath.Glob("*.net")
		if err != nil {
			return nil, err
		}
		var files []string
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() {
				files = append(files, m)
			}
		}
		if len(files) == 0 {
			return nil, errors.New("no .net files in the current directory; name the files or directories to compile")
		}
		for _, f := range files {
			ins = append(ins, input{name: f, path: f})
		}
		return ins, nil
	}
	for _, a := range args {
		if a == stdinArg {
			ins = append(ins, input{name: stdinName, stdin: true})
			continue
		}
		st, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", a, errText(err))
		}
		if !st.IsDir() {
			ins = append(ins, input{name: displayPath(a), path: a})
			continue
		}
		found, err := walkNet(a)
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no .net files in this directory", a)
		}
		for _, f := range found {
			ins = append(ins, input{name: displayPath(f), path: f})
		}
	}
	// One entry per file. Standard input takes the place of the first file of its
	// name (so an editor can check its unsaved buffer with the rest of the program).
	key := func(in input) string {
		if wd, err := workDir(); err == nil && !filepath.IsAbs(in.name) {
			return filepath.Join(wd, in.name)
		}
		return filepath.Clean(in.name)
	}
	var stdinIn *input
	for i := range ins {
		if ins[i].stdin {
			stdinIn = &ins[i]
		}
	}
	seen := map[string]bool{}
	var out []input
	for _, in := range ins {
		k := key(in)
		if seen[k] {
			continue
		}
		seen[k] = true
		if stdinIn != nil && k == key(*stdinIn) {
			in = *stdinIn
		}
		out = append(out, in)
	}
	return out, nil
}

// walkNet returns every *.net file below dir, sorted, skipping hidden directories (such
// as .git) and not following symbolic links to directories.
func walkNet(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %v", p, errText(err))
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(d.Name(), ".net") {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
				return nil // a link to a directory or nowhere is not a source file
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		files = append(files, p)
		return nil
	})
	slices.Sort(files)
	return files, err
}

// readSources reads every input within the size limits. A file over a limit is a
// diagnostic (the input is bad: exit 1); a file that cannot be read is an error (exit 2).
func readSources(ins []input, stdin io.Reader) ([]compiler.Source, diag.List, error) {
	var srcs []compiler.Source
	var diags diag.List
	total := 0
	for _, in := range ins {
		var data []byte
		var err error
		if in.stdin {
			data, err = readLimited(stdin, MaxFileSize)
		} else {
			data, err = readFile(in.path, MaxFileSize)
		}
		if errors.Is(err, errTooLarge) {
			diags.Add(diag.Diagnostic{Span: diag.Span{File: in.name},
				Message: fmt.Sprintf("file is larger than %s, the most netc reads from one input", size(MaxFileSize))})
			continue
		}
		if err != nil {
			if in.stdin {
				return nil, nil, fmt.Errorf("reading standard input: %v", errText(err))
			}
			return nil, nil, fmt.Errorf("%s: %v", in.name, errText(err))
		}
		total += len(data)
		if total > MaxTotalSize {
			diags.Add(diag.Diagnostic{Span: diag.Span{File: in.name},
				Message: fmt.Sprintf("inputs are larger than %s together, the most netc reads in one run", size(MaxTotalSize))})
			break
		}
		srcs = append(srcs, compiler.Source{Name: in.name, Data: data})
	}
	return srcs, diags, nil
}

var errTooLarge = errors.New("too large")

func readFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > limit {
		return nil, errTooLarge // refuse without reading it
	}
	return readLimited(f, limit)
}

// readLimited reads r to the end, or fails with errTooLarge once it passes limit bytes.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errTooLarge
	}
	return data, nil
}

func size(n int) string {
	return fmt.Sprintf("%d MiB", n>>20)
}

// loadConfig reads --config when given, else the netc.hcl beside the first input (its
// directory, or the directory itself when it is one; the working directory for standard
// input without --stdin-filename). Without one it returns the defaults.
func loadConfig(flag string, args []string, stdinName string) (*config.Config, diag.List, error) {
	name := flag
	if name == "" {
		dir := "."
		switch {
		case len(args) == 0:
		case args[0] == stdinArg:
			if stdinName != defaultStdinName {
				dir = filepath.Dir(stdinName)
			}
		default:
			if st, err := os.Stat(args[0]); err == nil && st.IsDir() {
				dir = args[0]
			} else {
				dir = filepath.Dir(args[0])
			}
		}
		p, ok := config.Find(dir)
		if !ok {
			return config.Default(), nil, nil
		}
		name = p
	}
	data, err := readFile(name, MaxConfigSize)
	if errors.Is(err, errTooLarge) {
		return nil, diag.List{{Span: diag.Span{File: displayPath(name)},
			Message: fmt.Sprintf("configuration is larger than %s", size(MaxConfigSize))}}, nil
	}
	if err != nil {
		if flag != "" {
			return nil, nil, fmt.Errorf("--config %s: %v", name, errText(err))
		}
		return nil, nil, fmt.Errorf("%s: %v", name, errText(err))
	}
	cfg, diags := config.Load(displayPath(name), data)
	return cfg, diags, nil
}

// displayPath names p relative to the working directory when it lies below it, as
// diagnostics and editors expect; other paths are kept as given, cleaned.
func displayPath(p string) string {
	if !filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	wd, err := workDir()
	if err != nil {
		return p
	}
	rel, err := filepath.Rel(wd, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.Clean(p)
	}
	return rel
}

// workDir is the working directory, looked up once.
var workDir = sync.OnceValues(os.Getwd)

// errText is an I/O error's reason without Go's "open NAME:" prefix (the caller names
// the file the way the user wrote it).
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
