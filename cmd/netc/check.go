package main

import (
	"github.com/spf13/cobra"

	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/diag"
)

func newCheck(e env) *cobra.Command {
	var configFile, stdinName string
	var strict bool
	var maxDiags int
	format := formatFlag{value: "text", allowed: []string{"text", "json", "sarif", "github"}}
	c := &cobra.Command{
		Use:   "check [FILES|DIRS|-]",
		Short: "report errors and least-privilege findings without writing anything",
		Long: `Check compiles the named .net files like build, runs every backend, and prints the
diagnostics to standard output without writing any file. "-" reads one file from
standard input; --stdin-filename names it (and, when that file is also among the
inputs, standard input replaces it, so an editor can check an unsaved buffer together
with the rest of the program).

Exit status: 0 no errors; 1 errors (or warnings with --strict); 2 usage or I/O failure.`,
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
			if stdinName != "" && stdins == 0 {
				return usagef(c, "--stdin-filename needs - among the inputs")
			}
			if stdinName == "" {
				stdinName = defaultStdinName
			} else {
				stdinName = displayPath(stdinName)
			}
			r, err := compileInputs(e, args, configFile, stdinName)
			if err != nil {
				return err
			}
			switch format.value {
			case "json":
				err = diag.WriteJSON(e.stdout, r.diags)
			case "github":
				err = diag.WriteGitHub(e.stdout, r.diags)
			case "sarif":
				err = diag.WriteSARIF(e.stdout, r.diags, diag.SARIFOptions{
					Version: versionNumber(),
					Rules:   ruleInfos(compiler.Rules()),
					Source:  r.sources(),
				})
			default:
				err = diag.WriteText(e.stdout, r.diags, maxDiags)
			}
			if err != nil {
				return err
			}
			if r.diags.HasErrors() || strict && r.diags.Count(diag.Warning) > 0 {
				return exitStatus(exitProgram)
			}
			return nil
		},
	}
	format.register(c, "print diagnostics as `FORMAT`: text, json, sarif or github (workflow annotations)")
	c.Flags().StringVar(&stdinName, "stdin-filename", "", "the `NAME` of the file read from standard input (-), for diagnostics and netc.hcl lookup")
	c.Flags().BoolVar(&strict, "strict", false, "exit 1 on warnings too")
	c.Flags().StringVar(&configFile, "config", "", "read the configuration from `FILE` instead of the netc.hcl beside the inputs")
	maxDiagnosticsFlag(c, &maxDiags)
	return c
}

// ruleInfos converts the compiler's rule table for the printers (diag is a leaf and
// does not import the compiler).
func ruleInfos(rules []compiler.Rule) []diag.RuleInfo {
	out := make([]diag.RuleInfo, 0, len(rules))
	for _, r := range rules {
		out = append(out, diag.RuleInfo{ID: r.ID, Severity: r.Severity, Doc: r.Doc, Remediation: r.Remediation})
	}
	return out
}
