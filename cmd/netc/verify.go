package main

import (
	"github.com/spf13/cobra"

	"github.com/netc-dev/netc/internal/verify"
)

func newVerify(e env) *cobra.Command {
	var out, configFile string
	var maxDiags int
	format := formatFlag{value: "text", allowed: []string{"text", "json"}}
	c := &cobra.Command{
		Use:   "verify [FILES|DIRS] [--out DIR]",
		Short: "check that the output directory holds exactly what the intents compile to",
		Long: `Verify compiles the inputs like build, writes nothing, and compares the output
directory (--out, else output.dir of netc.hcl, else out) with the files the build
would write. It names each difference: a generated file that is missing (removed), a
file netc generated before or that carries netc's header but that the intents no
longer generate (added), and a file whose contents differ (edited). For an edited
Kubernetes file it names each object (kind namespace/name) and field
(spec.ingress[0].ports[0].port: 8080 → 8081, generated → found); for other files
it prints a line diff. Files netc never generated are the user's and are not compared.

Exit status: 0 the directory is as generated; 1 it differs, or the input has errors;
2 usage or I/O failure.`,
		RunE: func(c *cobra.Command, args []string) error {
			r, dir, err := compileForDir(c, e, args, configFile, out, maxDiags, "")
			if r == nil || err != nil {
				return err
			}
			rep, err := verify.Compare(dir, r.files)
			if err != nil {
				return err
			}
			if format.value == "json" {
				err = rep.WriteJSON(e.stdout)
			} else {
				err = rep.WriteText(e.stdout)
			}
			if err != nil {
				return err
			}
			if !rep.Equal() {
				return exitStatus(exitProgram)
			}
			return nil
		},
	}
	c.Flags().StringVarP(&out, "out", "o", "", "compare the directory `DIR` (default: output.dir of netc.hcl, else out)")
	c.Flags().StringVar(&configFile, "config", "", "read the configuration from `FILE` instead of the netc.hcl beside the inputs")
	c.Flags().Var(&format, "format", "print the report as `FORMAT`: text or json")
	maxDiagnosticsFlag(c, &maxDiags)
	return c
}
