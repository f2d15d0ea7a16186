package main

import (
	"github.com/spf13/cobra"

	"github.com/netc-dev/netc/lsp"
)

func newLSP(e env) *cobra.Command {
	return &cobra.Command{
		Use:   "lsp",
		Short: "run the language server (LSP 3.17 on standard input and output)",
		Long: `Lsp runs netc's language server for editors, speaking the Language Server Protocol
on standard input and output. The program is every .net file of the workspace folder,
with the editor's unsaved buffers in place of the files on disk; it reports the
diagnostics of netc check as you type, and answers hover, go to definition, find
references, rename, document symbols, formatting (netc fmt), code actions and
completion. docs/editors.md says how to set up Neovim, Helix and VS Code.

Exit status: 0 after the client's shutdown and exit; 1 when the client exits or
closes the connection without shutdown.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := lsp.Serve(e.stdin, e.stdout, lsp.Options{Version: versionNumber(), Log: e.stderr}); err != nil {
				c.PrintErrln("netc lsp:", err)
				return exitStatus(exitProgram)
			}
			return nil
		},
	}
}
