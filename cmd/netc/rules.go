package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/netc-dev/netc/compiler"
)

func newRules(e env) *cobra.Command {
	format := formatFlag{value: "text", allowed: []string{"text", "json"}}
	c := &cobra.Command{
		Use:   "rules",
		Short: "list the least-privilege rules: id, default severity, what each finds",
		Long: `Rules lists every least-privilege rule netc checks: its id (for netc.hcl and
"# netc:allow ID reason" waivers), its default severity and what it finds. With
--format json each rule also carries its remediation.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			rules := compiler.Rules()
			if format.value == "json" {
				type jsonRule struct {
					ID          string `json:"id"`
					Severity    string `json:"severity"`
					Doc         string `json:"doc"`
					Remediation string `json:"remediation"`
				}
				doc := struct {
					Rules []jsonRule `json:"rules"`
				}{Rules: make([]jsonRule, 0, len(rules))}
				for _, r := range rules {
					doc.Rules = append(doc.Rules, jsonRule{r.ID, r.Severity.String(), r.Doc, r.Remediation})
				}
				enc := json.NewEncoder(e.stdout)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				return enc.Encode(doc)
			}
			bw := bufio.NewWriter(e.stdout)
			tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tFINDS")
			for _, r := range rules {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Severity, r.Doc)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			return bw.Flush()
		},
	}
	format.register(c, "print the table as `FORMAT`: text or json")
	return c
}
