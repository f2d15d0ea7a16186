// Package sql emits one SQL script per database: the roles netc declares there with
// exactly their privileges, and the logins of the services that reach the database
// `as role`, members of exactly their roles. PostgreSQL scripts are written by
// postgres.go; MySQL and MariaDB, which share most of their account model, by mysql.go.
//
// Every script is convergent and idempotent: applied over any earlier state it ends in
// the declared one, and applying it again changes nothing. No name reaches a script
// before the compiler has accepted it for its engine (ir.CheckSQLName, asserted by
// ir.Validate), and every name is quoted.
// Model (model.go) exports what a script makes true, for the readers of live servers
// (live/sqlstate); the scripts are written from the same functions.
// docs/sql.md describes the scripts for users.
package sql

import (
	"cmp"
	"regexp"
	"slices"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
)

// plan is what one script manages: a database, its roles and its logins.
type plan struct {
	db     *ir.Database
	roles  []*ir.Role  // sorted by name
	logins []*ir.Login // sorted by name
}

// Path is where the script of db goes, relative to the output directory.
func Path(db *ir.Database) string {
	return "sql/" + db.Namespace + "/" + db.Name + "." + string(db.Engine) + ".sql"
}

// Emit returns one script per database that has roles or logins. A database with a
// privilege action that is not a keyword (IR built by hand) gets an error and no script.
func Emit(p *ir.Program) ([]artifact.File, diag.List) {
	if p == nil {
		return nil, nil
	}
	var files []artifact.File
	var diags diag.List
	for _, pl := range plans(p) {
		d := check(pl)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		var data []byte
		switch pl.db.Engine {
		case ir.Postgres:
			data = postgresScript(pl)
		case ir.MySQL, ir.MariaDB:
			data = mysqlScript(pl)
		default: // ir.Validate refuses it; the generator has no dialect to write
			diags.Errorf(pl.db.Span, "internal error: database %s/%s: unknown engine %q", pl.db.Namespace, pl.db.Name, pl.db.Engine)
			continue
		}
		files = append(files, artifact.File{Path: Path(pl.db), Data: data})
	}
	diags.Sort()
	return files, diags
}

// plans groups roles and logins by database, in the order of p.Databases (then any
// database only a role or login points at, by namespace and name).
func plans(p *ir.Program) []*plan {
	var order []*plan
	for _, s := range p.SQLScripts() {
		order = append(order, &plan{db: s.Database, roles: s.Roles, logins: s.Logins})
	}
	rank := make(map[*ir.Database]int, len(p.Databases))
	for i, db := range p.Databases {
		rank[db] = i
	}
	slices.SortStableFunc(order, func(a, b *plan) int {
		ra, oka := rank[a.db]
		rb, okb := rank[b.db]
		switch {
		case oka && okb:
			return cmp.Compare(ra, rb)
		case oka:
			return -1
		case okb:
			return 1
		}
		if c := cmp.Compare(a.db.Namespace, b.db.Namespace); c != 0 {
			return c
		}
		return cmp.Compare(a.db.Name, b.db.Name)
	})
	for _, pl := range order {
		slices.SortStableFunc(pl.roles, func(a, b *ir.Role) int { return cmp.Compare(a.Name, b.Name) })
		slices.SortStableFunc(pl.logins, func(a, b *ir.Login) int { return cmp.Compare(a.Name, b.Name) })
	}
	return order
}

// check reports what the generator itself cannot write. The compiler decides every
// name and privilege (compiler/sqlcheck.go, asserted by ir.Validate); what stays here is
// about the script's text: an action is written unquoted, as a keyword, so one of any
// other shape (IR built by hand) must never reach the script.
func check(pl *plan) diag.List {
	var d diag.List
	for _, r := range pl.roles {
		for _, pv := range r.Privileges {
			if !keyword.MatchString(pv.Action) {
				d.Errorf(pv.Span, "role %q: privilege %q is not a privilege keyword", r.Name, pv.Action)
			}
		}
	}
	return d
}

// managedRoles is every role the plan's script manages memberships in: its roles and
// any role a login names, sorted by name.
func managedRoles(pl *plan) []*ir.Role {
	seen := make(map[string]bool, len(pl.roles))
	out := make([]*ir.Role, 0, len(pl.roles))
	for _, r := range pl.roles {
		if !seen[r.Name] {
			seen[r.Name] = true
			out = append(out, r)
		}
	}
	extra := false
	for _, l := range pl.logins {
		for _, r := range l.Roles {
			if r != nil && !seen[r.Name] {
				seen[r.Name] = true
				out = append(out, r)
				extra = true
			}
		}
	}
	if extra {
		slices.SortStableFunc(out, func(a, b *ir.Role) int { return cmp.Compare(a.Name, b.Name) })
	}
	return out
}

var plainName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// serviceNote is " (service NS/NAME)" for a comment line, or "" when those names are not
// plain enough to sit in a comment of every dialect.
func serviceNote(l *ir.Login) string {
	if l.Service == nil || !plainName.MatchString(l.Service.Namespace) || !plainName.MatchString(l.Service.Name) {
		return ""
	}
	return " (service " + l.Service.Namespace + "/" + l.Service.Name + ")"
}

// writeMemberships writes, for each login, the GRANTs that make it a member of its roles,
// with the dialect's quoting of accounts and roles, and returns the (login, role) pairs
// the converge step keeps.
func writeMemberships(w func(lines ...string), logins []*ir.Login, account, role func(string) string) [][]string {
	var members [][]string
	for _, l := range logins {
		w("", "-- Login "+account(l.Name)+serviceNote(l)+": member of exactly these of netc's roles.")
		names := loginRoleNames(l)
		if len(names) == 0 {
			w("-- (none)")
		}
		for _, rn := range names {
			w("GRANT " + role(rn) + " TO " + account(l.Name) + ";")
			members = append(members, []string{l.Name, rn})
		}
	}
	return members
}

// loginRoleNames is the sorted, de-duplicated names of a login's roles.
func loginRoleNames(l *ir.Login) []string {
	names := make([]string, 0, len(l.Roles))
	for _, r := range l.Roles {
		if r != nil {
			names = append(names, r.Name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}
