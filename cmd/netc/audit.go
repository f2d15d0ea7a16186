package main

import (
	"github.com/spf13/cobra"

	"github.com/netc-dev/netc/live/sqlstate"
)

func newAudit(e env) *cobra.Command {
	var f dbFlags
	c := &cobra.Command{
		Use:   "audit --db URL [FILES|DIRS]",
		Short: "report what netc's database roles and logins hold beyond the intents on a live server",
		Long: `Audit compiles the inputs like build, reads the server at --db, read-only, and
reports what the database's roles and logins hold beyond the intents: privileges
and grant options a role was not declared, a login's direct privileges, special
attributes (SUPERUSER, CREATEROLE, ...), memberships the intents do not name,
default privileges, objects they own, and what netc's stale roles still hold.
Each finding says whether applying the script takes it away.

The URL names one database; the program's database it is must have the URL's
engine and dbname, or be named with --database NS/NAME.

Exit status: 0 no findings; 1 findings; 2 usage or I/O failure, an unreachable
server, or a program with errors.`,
		RunE: func(c *cobra.Command, args []string) error {
			return runDB(e, c, args, &f, sqlstate.Audit)
		},
	}
	f.add(c)
	return c
}
