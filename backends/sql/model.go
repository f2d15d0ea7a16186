package sql

import (
	"github.com/netc-dev/netc/compiler/ir"
)

// Model is what one database's script makes true on its server, in the terms of the
// server's catalog: the model the script is generated from, exported for the readers
// that compare a live server with it (netc plan and netc audit, package live/sqlstate).
// The script and Model read the same functions, so they cannot disagree.
type Model struct {
	Database *ir.Database
	DBName   string // the SQL database the script is for
	Path     string // the script's path in the output directory
	// Roles is every role the script manages memberships in, sorted by name: the
	// database's declared roles, the roles only named by `as role`, and any role of
	// another database a login names (Own false; the build refuses that).
	Roles  []ModelRole
	Logins []ModelLogin // sorted by name
	// Privileges is what the declared roles hold once the script ran, one row per
	// privilege, in script order. PostgreSQL adds CONNECT on the database and USAGE on
	// the schemas of the objects (docs/sql.md).
	Privileges []Privilege
}

// ModelRole is a role of a script.
type ModelRole struct {
	Name     string
	Declared bool // false: only named by `as role`, privileges not managed
	Adopt    bool // netc.hcl lets the script take it over
	Own      bool // a role of this database
}

// ModelLogin is a service's login and the roles it is a member of exactly.
type ModelLogin struct {
	Name    string
	Service string // NAMESPACE/NAME
	Roles   []string
	Adopt   bool
}

// Privilege is one privilege of a declared role, as the script's converge step matches
// it against the catalog. Kind is the catalog's: on PostgreSQL "database", "schema",
// "relation" (tables, views and sequences share pg_class) or "function"; on MySQL and
// MariaDB "schema" (a database, db.*), "table" (tables and sequences) or "function"
// (functions and procedures). Action "ALL" stands for every privilege of the kind.
type Privilege struct {
	Role, Kind, Schema, Object, Action string
	Of                                 ir.ObjectKind // as declared: table, sequence, function or schema; empty for CONNECT
}

// Models returns the model of every script Emit writes, in the same order. A database
// whose script Emit refuses (it reports errors) is left out.
func Models(p *ir.Program) []Model {
	if p == nil {
		return nil
	}
	var out []Model
	for _, pl := range plans(p) {
		if !pl.db.Engine.Known() || check(pl).HasErrors() {
			continue
		}
		m := Model{Database: pl.db, DBName: pl.db.SQLName(), Path: Path(pl.db), Privileges: privilegesOf(pl)}
		for _, r := range managedRoles(pl) {
			m.Roles = append(m.Roles, ModelRole{Name: r.Name, Declared: r.Declared, Adopt: r.Adopt, Own: r.Database == pl.db})
		}
		for _, l := range pl.logins {
			ml := ModelLogin{Name: l.Name, Roles: loginRoleNames(l), Adopt: l.Adopt}
			if l.Service != nil {
				ml.Service = l.Service.Namespace + "/" + l.Service.Name
			}
			m.Logins = append(m.Logins, ml)
		}
		out = append(out, m)
	}
	return out
}

// privilegesOf is every privilege the declared roles of pl hold once its script ran.
func privilegesOf(pl *plan) []Privilege {
	var out []Privilege
	pg := pl.db.Engine == ir.Postgres
	for _, r := range managedRoles(pl) {
		if !r.Declared {
			continue
		}
		if pg {
			out = append(out, Privilege{r.Name, "database", "", "", "CONNECT", ""})
		}
		for _, g := range grantsOf(pl.db, r, pg) {
			kind := string(g.kind)
			switch {
			case g.kind == ir.Table || g.kind == ir.Sequence:
				kind = "relation" // PostgreSQL: one namespace in the catalog, pg_class
				if !pg {
					kind = "table" // MySQL, MariaDB: mysql.tables_priv
				}
			}
			for _, a := range g.actions {
				out = append(out, Privilege{r.Name, kind, g.schema, g.object, a, g.kind})
			}
		}
	}
	return out
}

// rows is privileges as the text rows the scripts embed: role, kind, schema, object,
// privilege.
func rows(ps []Privilege) [][]string {
	out := make([][]string, len(ps))
	for i, p := range ps {
		out[i] = []string{p.Role, p.Kind, p.Schema, p.Object, p.Action}
	}
	return out
}

// The markers of PostgreSQL roles and logins netc manages (role comments), and the
// record MySQL and MariaDB scripts keep of them: exported for the live readers.
const (
	PGLoginMarker = pgLoginMarker
	PGRolePrefix  = pgRolePrefix
)

// PGRoleMarker is the comment of a declared role of SQL database db.
func PGRoleMarker(db string) string { return pgRoleMarker(db) }

// PGImpliedMarker is the comment of a netc role of db only named by `as role`.
func PGImpliedMarker(db string) string { return pgImpliedMarker(db) }

// ManagedTable is netc's record of the MySQL and MariaDB accounts it manages, quoted.
var ManagedTable = managedTable

// RoleHost is the host part of a role's account on e: ” on MariaDB, '%' on MySQL.
func RoleHost(e ir.Engine) string {
	if e == ir.MySQL {
		return mysqlFlavor.roleHost
	}
	return mariadbFlavor.roleHost
}

// AccountPrivileges maps the privilege columns of mysql.db (Select_priv, ...) and the
// elements of the privilege sets of mysql.tables_priv, columns_priv and procs_priv
// ("Select", "Show view", ...) to their keywords, for engine e.
func AccountPrivileges(e ir.Engine) (dbColumns, setElements [][2]string) {
	f := mariadbFlavor
	if e == ir.MySQL {
		f = mysqlFlavor
	}
	return f.dbPrivileges, f.setPrivileges
}
