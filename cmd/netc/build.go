package main

import (
	"github.com/spf13/cobra"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/internal/outdir"
)

func newBuild(e env) *cobra.Command {
	var out, configFile string
	var maxDiags int
	c := &cobra.Command{
		Use:   "build [FILES|DIRS] [-o DIR]",
		Short: "compile intents into Kubernetes and SQL files",
		Long: `Build compiles the named .net files (a directory means every .net file below it;
no arguments means the .net files in the current directory) as one program and writes
the generated files to the output directory (-o, else output.dir of netc.hcl, else out).

Errors and warnings go to standard error (infos only with netc check). When the
program has errors, nothing is written. Otherwise the files netc generated before are replaced, stale ones
removed, and files netc did not generate are never touched.`,
		RunE: func(c *cobra.Command, args []string) error {
			r, dir, err := compileForDir(c, e, args, configFile, out, maxDiags, "; use netc check -")
			if r == nil || err != nil {
				return err
			}
			return outdir.Write(dir, r.files)
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "write the generated files to `DIR` (default: output.dir of netc.hcl, else out)")
	c.Flags().StringVar(&configFile, "config", "", "read the configuration from `FILE` instead of the netc.hcl beside the inputs")
	maxDiagnosticsFlag(c, &maxDiags)
	return c
}

// compileForDir is the start that build and verify share: refuse standard input,
// compile, print the errors and warnings (infos are for review, which is what check is
// for; a build shows what fails it or deserves attention), and find the output
// directory (out, else output.dir of netc.hcl). r is nil when there is nothing to
// write or compare: err then says why (exit status 1 for a program with errors).
func compileForDir(c *cobra.Command, e env, args []string, configFile, out string, maxDiags int, stdinHint string) (r *result, dir string, err error) {
	for _, a := range args {
		if a == stdinArg {
			return nil, "", usagef(c, "%s does not read standard input%s", c.CommandPath(), stdinHint)
		}
	}
	r, err = compileInputs(e, args, configFile, defaultStdinName)
	if err != nil {
		return nil, "", err
	}
	if err := diag.WriteText(e.stderr, warningsAndErrors(r.diags), maxDiags); err != nil {
		return nil, "", err
	}
	if r.diags.HasErrors() {
		return nil, "", exitStatus(exitProgram)
	}
	dir = out
	if dir == "" {
		dir = r.cfg.Output.Dir
	}
	return r, dir, nil
}
