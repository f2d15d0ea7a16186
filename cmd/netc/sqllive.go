package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/netc-dev/netc/backends/sql"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/live/sqlstate"
)

// dbFlags are the flags netc plan and netc audit --db share.
type dbFlags struct {
	url, database, configFile string
	format                    formatFlag
	maxDiags                  int
}

func (f *dbFlags) add(c *cobra.Command) {
	f.format = formatFlag{value: "text", allowed: []string{"text", "md", "json"}}
	c.Flags().StringVar(&f.url, "db", "", "read the server at `URL` (postgres://USER@HOST:PORT/DBNAME, mysql://USER@tcp(HOST:PORT)/DBNAME, mariadb://...)")
	c.Flags().StringVar(&f.database, "database", "", "the program's database `NS/NAME` the server database is (default: the one with the URL's engine and dbname)")
	c.Flags().StringVar(&f.configFile, "config", "", "read the configuration from `FILE` instead of the netc.hcl beside the inputs")
	c.Flags().Var(&f.format, "format", "print the report as `FORMAT`: text, md or json")
	maxDiagnosticsFlag(c, &f.maxDiags)
}

// dbReadTimeout bounds connecting and reading one server.
const dbReadTimeout = 2 * time.Minute

// runDB compiles the inputs, connects read-only to the server, picks the program's
// database it is, and prints what read returns. Exit status: 0 clean, 1 changes or
// findings, 2 usage, I/O, an unreachable server or a program with errors (no report
// can be made).
func runDB(e env, c *cobra.Command, args []string, f *dbFlags,
	read func(context.Context, *sqlstate.Conn, *sql.Model) (*sqlstate.Report, error)) error {
	if f.url == "" {
		return usagef(c, "--db URL is required (postgres://USER@HOST:PORT/DBNAME or mysql://USER@tcp(HOST:PORT)/DBNAME)")
	}
	for _, a := range args {
		if a == stdinArg {
			return usagef(c, "%s does not read standard input", c.CommandPath())
		}
	}
	r, err := compileInputs(e, args, f.configFile, defaultStdinName)
	if err != nil {
		return err
	}
	if err := diag.WriteText(e.stderr, warningsAndErrors(r.diags), f.maxDiags); err != nil {
		return err
	}
	if r.diags.HasErrors() {
		fmt.Fprintf(e.stderr, "netc: the program has errors; %s needs the script it would build\n", c.CommandPath())
		return exitStatus(exitUsage)
	}
	ctx, cancel := context.WithTimeout(context.Background(), dbReadTimeout)
	defer cancel()
	conn, err := sqlstate.Open(ctx, f.url)
	if err != nil {
		return err
	}
	defer conn.Close()
	m, err := sqlstate.Select(sqlModels(r), conn.Engine(), conn.DBName(), f.database)
	if err != nil {
		return err
	}
	if m.Database.Engine != conn.Engine() {
		return fmt.Errorf("database %s/%s is declared %s, but the server at %s is %s", m.Database.Namespace, m.Database.Name, m.Database.Engine, conn.Server(), conn.Engine())
	}
	rep, err := read(ctx, conn, m)
	if err != nil {
		return err
	}
	switch f.format.value {
	case "json":
		err = rep.WriteJSON(e.stdout)
	case "md":
		err = rep.WriteMarkdown(e.stdout)
	default:
		err = rep.WriteText(e.stdout)
	}
	if err != nil {
		return err
	}
	if !rep.Clean() {
		return exitStatus(exitProgram)
	}
	return nil
}

// sqlModels is the model of every script the build writes, from the same program.
func sqlModels(r *result) []sql.Model {
	if r.program == nil {
		return nil
	}
	return sql.Models(r.program)
}

func warningsAndErrors(l diag.List) diag.List {
	var out diag.List
	for _, d := range l {
		if d.Severity != diag.Info {
			out = append(out, d)
		}
	}
	return out
}
