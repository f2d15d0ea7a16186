package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/diff"
	"github.com/spf13/cobra"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/format"
)

func newFmt(e env) *cobra.Command {
	var write, showDiff, check bool
	var maxDiags int
	c := &cobra.Command{
		Use:   "fmt [-w] [-d] [--check] [FILES|DIRS|-]",
		Short: "format .net files in the one canonical layout",
		Long: `Fmt prints the named .net files in netc's canonical layout (a directory means every
.net file below it; no arguments means the .net files in the current directory; "-"
reads standard input). docs/cli.md describes the layout.

By default the formatted text goes to standard output. -w rewrites the files that
change instead (atomically, keeping their mode); -d prints a unified diff of the
changes; --check lists the files that are not formatted and exits 1 if there are any.
A file with syntax errors is never formatted: its diagnostics go to standard error and
the exit status is 1.

Exit status: 0 done; 1 syntax errors (or, with --check, unformatted files); 2 usage or
I/O failure.`,
		RunE: func(c *cobra.Command, args []string) error {
			stdins := 0
			for _, a := range args {
				if a == stdinArg {
					stdins++
				}
			}
			if stdins > 1 {
				return usagef(c, "- (standard input) may be given only once")
			}
			if write && stdins > 0 {
				return usagef(c, "-w cannot rewrite standard input")
			}
			ins, err := collectInputs(args, defaultStdinName)
			if err != nil {
				return err
			}
			var diags diag.List
			ioFailed, unformatted := false, false
			for _, in := range ins {
				changed, d, err := formatInput(e, in, write, showDiff, check)
				diags = append(diags, d...)
				if err != nil {
					fmt.Fprintf(e.stderr, "netc: %v\n", err)
					ioFailed = true
				}
				unformatted = unformatted || changed
			}
			if err := diag.WriteText(e.stderr, diags, maxDiags); err != nil {
				return err
			}
			switch {
			case ioFailed:
				return exitStatus(exitUsage)
			case diags.HasErrors() || check && unformatted:
				return exitStatus(exitProgram)
			}
			return nil
		},
	}
	c.Flags().BoolVarP(&write, "write", "w", false, "rewrite the files that are not formatted instead of printing them")
	c.Flags().BoolVarP(&showDiff, "diff", "d", false, "print a unified diff of the changes instead of the formatted text")
	c.Flags().BoolVar(&check, "check", false, "list the files that are not formatted, and exit 1 if there are any")
	maxDiagnosticsFlag(c, &maxDiags)
	return c
}

// formatInput formats one input and does what the flags ask with it. changed reports
// that the input was not formatted; a file with syntax errors returns only its
// diagnostics; err is an I/O failure.
func formatInput(e env, in input, write, showDiff, check bool) (changed bool, diags diag.List, err error) {
	var src []byte
	if in.stdin {
		src, err = readLimited(e.stdin, MaxFileSize)
	} else {
		src, err = readFile(in.path, MaxFileSize)
	}
	if errors.Is(err, errTooLarge) {
		return false, diag.List{{Span: diag.Span{File: in.name},
			Message: fmt.Sprintf("file is larger than %s, the most netc reads from one input", size(MaxFileSize))}}, nil
	}
	if err != nil {
		if in.stdin {
			return false, nil, fmt.Errorf("reading standard input: %v", errText(err))
		}
		return false, nil, fmt.Errorf("%s: %v", in.name, errText(err))
	}
	out, diags := format.Source(in.name, src)
	if diags.HasErrors() {
		return false, diags, nil
	}
	changed = !bytes.Equal(out, src)
	if check && changed {
		fmt.Fprintln(e.stdout, in.name)
	}
	if showDiff && changed {
		e.stdout.Write(diff.Diff(in.name+".orig", src, in.name, out))
	}
	if write && changed {
		if err := writeAtomic(in.path, out); err != nil {
			return changed, nil, fmt.Errorf("%s: %v", in.name, errText(err))
		}
	}
	if !write && !showDiff && !check {
		e.stdout.Write(out)
	}
	return changed, nil, nil
}

// writeAtomic replaces the file at path (through symbolic links) with data: it writes
// a temporary file beside it with the same permissions and renames it over the old
// one, so a reader, or a crash, sees either the old text or the new, never half of it.
func writeAtomic(path string, data []byte) (err error) {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	st, err := os.Stat(target)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".fmt-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(st.Mode().Perm()); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), target)
}
