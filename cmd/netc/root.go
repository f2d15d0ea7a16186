package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netc-dev/netc/diag"
)

// Exit statuses, as docs/cli.md documents them.
const (
	exitOK      = 0
	exitProgram = 1 // the input has errors (or warnings with --strict)
	exitUsage   = 2 // usage or I/O failure
)

// exitStatus ends a command whose output (diagnostics) is already printed.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// usageError is a mistake on the command line; Main adds a pointer to --help.
type usageError struct {
	err error
	cmd string
}

func (e usageError) Error() string { return e.err.Error() }

func usagef(cmd *cobra.Command, format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...), cmd.CommandPath()}
}

// env is what a command reads and writes, so tests can run commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// Main runs netc with os.Args and returns the exit status.
func Main() int {
	return run(os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
}

func run(args []string, e env) int {
	root := newRoot(e)
	root.SetArgs(args)
	err := root.Execute()
	var st exitStatus
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &st):
		return int(st)
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "netc: %v\nRun '%s --help' for usage.\n", err, ue.cmd)
	case strings.HasPrefix(err.Error(), "unknown command"):
		fmt.Fprintf(e.stderr, "netc: %v\nRun 'netc --help' for usage.\n", strings.TrimRight(err.Error(), "\n"))
	default:
		fmt.Fprintf(e.stderr, "netc: %v\n", err)
	}
	return exitUsage
}

func newRoot(e env) *cobra.Command {
	root := &cobra.Command{
		Use:   "netc",
		Short: "netc compiles network and access intents into Kubernetes and SQL policy",
		Long: `netc compiles intents such as

    frontend -> backend:8080; backend -> db:5432 as role app_rw

into Kubernetes NetworkPolicies, ServiceAccounts, RBAC and SQL GRANT scripts, and checks
them against least-privilege rules.

Exit status: 0 no errors; 1 the input has errors (or warnings with --strict);
2 usage or I/O failure.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       versionString(),
		// `netc completion bash|zsh|fish|powershell` is cobra's.
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{err, c.CommandPath()}
	})
	root.AddCommand(newBuild(e), newCheck(e), newFmt(e), newRules(e), newVersion(e), newConnectivity(e), newExplain(e), newDiff(e), newVerify(e), newPlan(e), newAudit(e), newImport(e))
	root.AddCommand(newLSP(e))
	return root
}

// formatFlag is --format: a closed set of names, checked when parsed so a bad value is
// a usage error before any input is read.
type formatFlag struct {
	value   string
	allowed []string
}

// register adds the flag to c, completing its values in shells.
func (f *formatFlag) register(c *cobra.Command, usage string) {
	c.Flags().Var(f, "format", usage)
	_ = c.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return f.allowed, cobra.ShellCompDirectiveNoFileComp
	})
}

func (f *formatFlag) String() string { return f.value }
func (f *formatFlag) Type() string   { return "format" }
func (f *formatFlag) Set(s string) error {
	for _, a := range f.allowed {
		if s == a {
			f.value = s
			return nil
		}
	}
	return fmt.Errorf("want %s", orList(f.allowed))
}

func orList(xs []string) string {
	if len(xs) <= 1 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// maxDiagnosticsFlag adds --max-diagnostics, the bound on text output.
func maxDiagnosticsFlag(c *cobra.Command, p *int) {
	c.Flags().IntVar(p, "max-diagnostics", diag.DefaultLimit, "print at most `N` diagnostics in text form, then a count of the rest (0: all)")
}
