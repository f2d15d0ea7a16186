package main

import (
	"github.com/spf13/cobra"

	"github.com/netc-dev/netc/live/sqlstate"
)

func newPlan(e env) *cobra.Command {
	var f dbFlags
	c := &cobra.Command{
		Use:   "plan --db URL [FILES|DIRS]",
		Short: "show what applying a database's generated SQL script would change on a live server",
		Long: `Plan compiles the inputs like build and reads the server at --db, read-only, and
prints exactly what applying the generated script of that database would change
there: roles and logins created and marked as netc's, attributes taken away,
privileges and memberships granted and revoked, or the roles the script would
refuse to take over (and how to adopt them) and the objects it would fail on.

The URL names one database; the program's database it is must have the URL's
engine and dbname, or be named with --database NS/NAME.

Exit status: 0 no changes; 1 changes (like terraform plan -detailed-exitcode, with
1 for changes); 2 usage or I/O failure, an unreachable server, or a program with
errors.`,
		RunE: func(c *cobra.Command, args []string) error {
			return runDB(e, c, args, &f, sqlstate.Plan)
		},
	}
	f.add(c)
	return c
}
