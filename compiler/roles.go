package compiler

import (
	"slices"
	"strconv"
	"strings"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/ast"
)

// privileges lists, per engine and object kind, the privileges a role may be granted:
// the one table of them (the SQL backend writes what the IR holds). Every entry is what
// the engine's GRANT takes at that level, checked on the real servers by
// backends/sql's TestPrivilegeTable (PostgreSQL against acldefault, MariaDB against
// SHOW PRIVILEGES); MySQL's follows its manual ("Permissible Privileges for GRANT and
// REVOKE"). ddl-privilege decides separately whether the risky ones are allowed.
//
// Left out on purpose: PostgreSQL's MAINTAIN (PostgreSQL 17 only: older servers, which
// netc supports, refuse the whole script), GRANT OPTION (netc never delegates), and
// MySQL's USAGE on a database (it grants nothing).
var privileges = map[ir.Engine]map[ir.ObjectKind][]string{
	ir.Postgres: {
		ir.Table:    {"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "ALL"},
		ir.Sequence: {"USAGE", "SELECT", "UPDATE", "ALL"},
		ir.Function: {"EXECUTE", "ALL"},
		ir.Schema:   {"USAGE", "CREATE", "ALL"},
	},
	ir.MySQL: {
		ir.Table:    mysqlTable,
		ir.Function: mysqlRoutine,
		ir.Schema:   mysqlDatabase,
	},
	ir.MariaDB: {
		ir.Table: append(slices.Clip(mysqlTable), "DELETE HISTORY"),
		// A MariaDB sequence is a table: NEXT VALUE FOR needs INSERT, reading it SELECT.
		ir.Sequence: {"SELECT", "INSERT", "ALTER", "ALL"},
		ir.Function: mysqlRoutine,
		ir.Schema:   append(slices.Clip(mysqlDatabase), "DELETE HISTORY"),
	},
}

var (
	mysqlTable   = []string{"SELECT", "INSERT", "UPDATE", "DELETE", "REFERENCES", "TRIGGER", "CREATE", "DROP", "ALTER", "INDEX", "CREATE VIEW", "SHOW VIEW", "ALL"}
	mysqlRoutine = []string{"EXECUTE", "ALTER ROUTINE", "ALL"}
	// A MySQL schema is a database: these are the privileges on `db`.*.
	mysqlDatabase = []string{"SELECT", "INSERT", "UPDATE", "DELETE", "REFERENCES", "TRIGGER", "CREATE", "DROP", "ALTER", "INDEX",
		"CREATE VIEW", "SHOW VIEW", "CREATE TEMPORARY TABLES", "LOCK TABLES", "EXECUTE", "CREATE ROUTINE", "ALTER ROUTINE", "EVENT", "ALL"}
)

// Privileges returns the privileges a role may be granted on a kind of object of an
// engine's database, in the order messages list them; nil when the engine has no such
// objects. The result is the caller's to keep.
func Privileges(e ir.Engine, k ir.ObjectKind) []string {
	return slices.Clone(privileges[e][k])
}

// ddlActions are the privileges ddl-privilege reports: they change or destroy schema,
// create code or objects, or erase data wholesale, which an application role should not
// need.
var ddlActions = map[string]bool{
	"TRUNCATE": true, "CREATE": true, "ALL": true, "DROP": true, "ALTER": true, "INDEX": true, "TRIGGER": true, "REFERENCES": true,
	"CREATE VIEW": true, "CREATE TEMPORARY TABLES": true, "CREATE ROUTINE": true, "ALTER ROUTINE": true, "EVENT": true,
	"DELETE HISTORY": true,
}

func (c *compiler) lowerRoles() {
	for _, rd := range c.roleDecls {
		d := rd.decl
		ns, name := c.refParts(rd.ns, d.Database)
		db, ok := c.databases[key(ns, name)]
		if !ok {
			what := ""
			if svc, isSvc := c.services[key(ns, name)]; isSvc && svc.Declared {
				what = "a service"
			} else if _, isExt := c.externals[key(ns, name)]; isExt {
				what = "an external"
			}
			if what != "" {
				c.errorf(d.Database.Span(), "role %q is on %q, which is %s, not a database", d.Name.Value, key(ns, name), what)
				continue
			}
			c.errorf(d.Database.Span(), "role %q is on database %q, which is not declared; declare it with `database %s ENGINE`", d.Name.Value, key(ns, name), name)
			continue
		}
		if err := checkSQLName(d.Name.Value); err != nil {
			c.errorf(d.Name.Span(), "role name %q %v", d.Name.Value, err)
			continue
		}
		k := roleKey{db, d.Name.Value}
		r, ok := c.roles[k]
		if ok && r.Declared {
			c.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: d.Name.Span(),
				Message: "role " + quoteName(d.Name.Value) + " on " + quoteName(key(db.Namespace, db.Name)) + " is declared twice",
				Related: []diag.Related{{Span: r.Span, Message: "first declared here"}}})
			continue
		}
		if !ok {
			r = &ir.Role{Database: db, Name: d.Name.Value}
			c.roles[k] = r
		}
		r.Declared, r.Span = true, d.Name.Span()
		for _, p := range d.Privileges {
			r.Privileges = append(r.Privileges, c.privilege(db, p)...)
		}
	}
	for _, l := range c.logins {
		if _, clash := c.roles[roleKey{l.Database, l.Name}]; clash {
			c.errorf(l.Span, "login %q of service %q has the same name as a role on database %q; give the service a distinct `login`",
				l.Name, key(l.Service.Namespace, l.Service.Name), key(l.Database.Namespace, l.Database.Name))
		}
		if why := reservedAccount(l.Database.Engine, l.Name); why != "" {
			c.errorf(l.Span, "login %q of service %q is reserved in %s (%s); give the service another `login`",
				l.Name, key(l.Service.Namespace, l.Service.Name), l.Database.Engine.Title(), why)
		}
	}
	for _, r := range c.roles {
		if why := reservedAccount(r.Database.Engine, r.Name); why != "" {
			c.errorf(r.Span, "role name %q is reserved in %s (%s); netc never manages it", r.Name, r.Database.Engine.Title(), why)
		}
	}
	for _, db := range c.databases {
		if db.Engine != ir.Postgres && strings.EqualFold(db.DBName, bookkeepingDB) {
			c.errorf(db.Span, "database name %q is reserved on %s: netc keeps its record of the roles it manages there", db.DBName, db.Engine.Title())
		}
	}
	c.adopt()
}

// bookkeepingDB is where the MySQL and MariaDB scripts keep their record.
const bookkeepingDB = ir.SQLBookkeeping

// A reserved account name is never a netc role or login: the engine refuses it, it
// belongs to the server's administration, or it is a keyword where roles are named.
type reservedName struct {
	name   string // lower case
	prefix bool   // every name starting with it
	why    string
}

var reservedAccounts = map[ir.Engine][]reservedName{
	ir.Postgres: {
		{"postgres", false, "the superuser a cluster starts with"},
		{"public", false, "PUBLIC, which every role belongs to"},
		{"none", false, "a keyword where roles are named"},
		{"current_user", false, "a keyword where roles are named"},
		{"session_user", false, "a keyword where roles are named"},
		{"current_role", false, "a keyword where roles are named"},
		{"pg_", true, "names starting with pg_ belong to the server"},
	},
	ir.MySQL:   mysqlReserved,
	ir.MariaDB: mysqlReserved,
}

var mysqlReserved = []reservedName{
	{"root", false, "the administrator account"},
	{"mysql", false, "the server's own account"},
	{"mysql.", true, "names starting with mysql. are the server's system accounts"},
	{"mariadb.sys", false, "the server's system account"},
	{"public", false, "PUBLIC, the role of every account"},
	{"none", false, "a keyword where roles are named"},
	{"current_user", false, "a keyword where roles are named"},
	{"current_role", false, "a keyword where roles are named"},
}

// reservedAccount says why name can never be a netc role or login on engine e, or "".
// Names are compared without regard to case: `Root` or `PUBLIC` would only confuse.
func reservedAccount(e ir.Engine, name string) string {
	low := strings.ToLower(name)
	for _, r := range reservedAccounts[e] {
		if low == r.name || (r.prefix && strings.HasPrefix(low, r.name)) {
			return r.why
		}
	}
	return ""
}

// adopt applies netc.hcl's `database "NS/NAME" { adopt = [...] }`: the roles and logins
// it names may exist on the server without netc's mark, and the script takes them over.
func (c *compiler) adopt() {
	for _, d := range c.cfg.Databases {
		db, ok := c.databases[key(d.Namespace, d.Name)]
		if !ok {
			c.errorf(d.Span, "netc.hcl configures database %q, which the program does not have%s", key(d.Namespace, d.Name), c.databaseHint(d.Name))
			continue
		}
		for _, a := range d.Adopt {
			if r, ok := c.roles[roleKey{db, a.Name}]; ok {
				r.Adopt = true
			} else if l, ok := c.logins[roleKey{db, a.Name}]; ok {
				l.Adopt = true
			} else {
				c.errorf(a.Span, "adopt names %q, which is neither a role nor a login of database %q", a.Name, key(db.Namespace, db.Name))
			}
		}
	}
}

// databaseHint suggests the databases of that name in other namespaces.
func (c *compiler) databaseHint(name string) string {
	var keys []string
	for k, db := range c.databases {
		if db.Name == name {
			keys = append(keys, strconv.Quote(k))
		}
	}
	if len(keys) == 0 {
		return ""
	}
	slices.Sort(keys)
	return "; did you mean " + strings.Join(keys, " or ") + "?"
}

func (c *compiler) privilege(db *ir.Database, p *ast.Privilege) []ir.Privilege {
	kind := ir.Table
	if p.Kind != nil {
		switch k := ir.ObjectKind(strings.ToLower(p.Kind.Value)); k {
		case ir.Table, ir.Sequence, ir.Function, ir.Schema:
			kind = k
		default:
			c.errorf(p.Kind.Span(), "unknown object kind %q; expected table, sequence, function or schema", p.Kind.Value)
			return nil
		}
	}
	allowed, ok := privileges[db.Engine][kind]
	if !ok {
		c.errorf(ast.Span(p.Pos, p.EndPos), "%s has no %s objects that netc can grant on", db.Engine, kind)
		return nil
	}
	var out []ir.Privilege
	for _, a := range p.Actions {
		act := strings.ToUpper(a.Value)
		if !slices.Contains(allowed, act) {
			c.errorf(a.Span(), "%s is not a privilege on a %s in %s; expected one of %s%s", a.Value, kind, db.Engine, strings.Join(allowed, ", "), privilegeHint(db.Engine, kind, act))
			continue
		}
		for _, o := range p.Objects {
			name := o.Name()
			schema, obj := db.Schema, name
			if kind == ir.Schema {
				schema, obj = name, ""
			} else if i := strings.IndexByte(name, '.'); i >= 0 && !o.Quoted() {
				schema, obj = name[:i], name[i+1:]
			}
			if err := checkSQLName(schema); err != nil {
				c.errorf(o.Span(), "schema %q %v", schema, err)
				continue
			}
			if kind != ir.Schema {
				if err := checkSQLName(obj); err != nil {
					c.errorf(o.Span(), "%s name %q %v", kind, obj, err)
					continue
				}
			}
			if db.Engine != ir.Postgres && strings.EqualFold(schema, bookkeepingDB) {
				c.errorf(o.Span(), "%s: netc keeps its record of the roles it manages in database %q, and no role gets a privilege there", db.Engine, schema)
				continue
			}
			if db.Engine != ir.Postgres && schema != db.Schema && kind != ir.Schema {
				c.errorf(o.Span(), "%s objects live in the database itself; %q names another database", db.Engine, schema)
				continue
			}
			out = append(out, ir.Privilege{Action: act, Kind: kind, Schema: schema, Object: obj, Span: o.Span()})
		}
	}
	return out
}

// privilegeHint explains the refusals a user is likely to run into.
func privilegeHint(e ir.Engine, k ir.ObjectKind, act string) string {
	switch {
	case e == ir.Postgres && act == "MAINTAIN":
		return " (MAINTAIN exists only from PostgreSQL 17; the scripts run on PostgreSQL 12 and later)"
	case e != ir.Postgres && k == ir.Schema && act == "USAGE":
		return " (USAGE on a database grants nothing here; name the privileges the role needs)"
	case e == ir.MariaDB && k == ir.Sequence && act == "USAGE":
		return " (NEXT VALUE FOR needs INSERT)"
	case strings.Contains(act, " "):
		return ""
	}
	for _, a := range privileges[e][k] {
		if strings.HasPrefix(a, act+" ") {
			return " (a privilege of two words is written quoted: \"" + strings.ToLower(a) + "\")"
		}
	}
	return ""
}
