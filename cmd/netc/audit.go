package main

import (
	"github.com/spf13/cobra"

	"github.com/netc-dev/netc/live/sqlstate"
)

func newAudit(e env) *cobra.Command {
	var f dbFlags
	var k clusterFlags
	c := &cobra.Command{
		Use:   "audit [FILES|DIRS] (--db URL | --cluster | --manifests PATH)",
		Short: "report what a live database or cluster holds beyond the intents",
		Long: `Audit compiles the inputs like build and reads a live system, read-only.

With --db URL it reads the database server and reports what the database's roles
and logins hold beyond the intents: privileges and grant options a role was not
declared, a login's direct privileges, special attributes (SUPERUSER, CREATEROLE,
...), memberships the intents do not name, default privileges, objects they own,
and what netc's stale roles still hold.
Each finding says whether applying the script takes it away.

The URL names one database; the program's database it is must have the URL's
engine and dbname, or be named with --database NS/NAME.

With --cluster it reads the Kubernetes cluster of the kubeconfig (as kubectl finds
it, or --kubeconfig FILE, --context NAME) with list requests only; with --manifests
PATH the same objects from files (kubectl get -o yaml output, List kinds included;
repeatable). It reports netc's objects that are missing or altered live, field by
field (server-set fields and the API server's defaults aside), objects labelled
managed-by netc that the intents do not generate, objects netc does not manage that
open paths (NetworkPolicies, admin network policies) or grant permissions
(RoleBindings, ClusterRoleBindings) beyond the intents, each with those paths or
permissions, and namespaces the intents lock down that have no default deny live.

Exit status: 0 no findings; 1 findings; 2 usage or I/O failure, an unreachable
server or cluster, or a program with errors.`,
		RunE: func(c *cobra.Command, args []string) error {
			if k.selected() {
				if f.url != "" {
					return usagef(c, "--db and --cluster or --manifests cannot be used together")
				}
				return runCluster(e, c, args, &k, f.format.value, f.configFile, f.maxDiags)
			}
			if f.url == "" {
				return usagef(c, "name what to audit: --db URL, --cluster or --manifests PATH")
			}
			return runDB(e, c, args, &f, sqlstate.Audit)
		},
	}
	f.add(c)
	k.add(c)
	return c
}
