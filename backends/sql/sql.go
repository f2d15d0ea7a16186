// Package sql emits one SQL script per database: the roles netc declares there with
// exactly their privileges, and the logins of the services that reach the database
// `as role`, members of exactly their roles. PostgreSQL scripts are written by
// postgres.go; MySQL and MariaDB, which share most of their account model, by mysql.go.
//
// Every script is convergent and idempotent: applied over any earlier state it ends in
// the declared one, and applying it again changes nothing. No name reaches a script
// before checkName has accepted it for its engine, and every name is quoted.
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

// Emit returns one script per database that has roles or logins. A database whose
// names or privileges its engine cannot take gets error diagnostics and no script.
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
		}
		files = append(files, artifact.File{Path: Path(pl.db), Data: data})
	}
	diags.Sort()
	return files, diags
}

// plans groups roles and logins by database, in the order of p.Databases (then any
// database only a role or login points at, by namespace and name).
func plans(p *ir.Program) []*plan {
	byDB := map[*ir.Database]*plan{}
	var order []*plan
	get := func(db *ir.Database) *plan {
		pl := byDB[db]
		if pl == nil {
			pl = &plan{db: db}
			byDB[db] = pl
			order = append(order, pl)
		}
		return pl
	}
	// Every declared database gets a script, even with no role left: applying it takes
	// away what the roles netc declared there before still hold (PostgreSQL tracks them).
	for _, db := range p.Databases {
		if db != nil && db.Declared {
			get(db)
		}
	}
	for _, r := range p.Roles {
		if r != nil && r.Database != nil {
			get(r.Database).roles = append(get(r.Database).roles, r)
		}
	}
	for _, l := range p.Logins {
		if l != nil && l.Database != nil {
			get(l.Database).logins = append(get(l.Database).logins, l)
		}
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

// check reports every name and privilege of pl its engine cannot take.
func check(pl *plan) diag.List {
	var d diag.List
	db := pl.db
	e := db.Engine
	if e != ir.Postgres && e != ir.MySQL && e != ir.MariaDB {
		d.Errorf(db.Span, "database %s/%s: unknown engine %q", db.Namespace, db.Name, e)
		return d
	}
	if msg := checkFileName(db.Name); msg != "" {
		d.Errorf(db.Span, "database name %q cannot name a file: %s", db.Name, msg)
	}
	if msg := checkFileName(db.Namespace); msg != "" {
		d.Errorf(db.Span, "namespace %q of database %q cannot name a directory: %s", db.Namespace, db.Name, msg)
	}
	if msg := checkName(e, nameDatabase, dbName(db)); msg != "" {
		d.Errorf(db.Span, "%s", msg)
	}
	roleNames := make(map[string]bool, len(pl.roles))
	for _, r := range managedRoles(pl) {
		roleNames[r.Name] = true
		if r.Database != db {
			continue // reported with the login that names it
		}
		if msg := checkName(e, nameRole, r.Name); msg != "" {
			d.Errorf(r.Span, "%s", msg)
		}
		if !r.Declared {
			continue
		}
		for _, pv := range r.Privileges {
			if msg := checkPrivilege(e, db, pv); msg != "" {
				d.Errorf(pv.Span, "role %q: %s", r.Name, msg)
			}
		}
	}
	for _, l := range pl.logins {
		if msg := checkName(e, nameLogin, l.Name); msg != "" {
			d.Errorf(l.Span, "%s", msg)
		}
		if roleNames[l.Name] {
			d.Errorf(l.Span, "login %q has the name of a role of database %s/%s; a login and a role need different names", l.Name, db.Namespace, db.Name)
		}
		for _, r := range l.Roles {
			if r != nil && r.Database != db {
				d.Errorf(l.Span, "login %q on database %s/%s is given role %q of another database", l.Name, db.Namespace, db.Name, r.Name)
			}
		}
		if n := len(loginRoleNames(l)); e == ir.MariaDB && n > 1 {
			d.Errorf(l.Span, "login %q would be a member of %d roles on MariaDB database %s/%s, which activates one role at a time (the login's default role); give the service one role that holds all it needs",
				l.Name, n, db.Namespace, db.Name)
		}
	}
	return d
}

// dbName is the SQL database name.
func dbName(db *ir.Database) string {
	if db.DBName != "" {
		return db.DBName
	}
	return db.Name
}

// schemaOf is the schema a privilege is on, with the database's default filled in.
func schemaOf(db *ir.Database, pv ir.Privilege) string {
	if pv.Schema != "" {
		return pv.Schema
	}
	if db.Schema != "" {
		return db.Schema
	}
	if db.Engine == ir.Postgres {
		return "public"
	}
	return dbName(db)
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
