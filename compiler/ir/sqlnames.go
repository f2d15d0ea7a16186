package ir

// SQL names: what each engine accepts. The compiler reports a name that breaks these
// (compiler/sqlcheck.go); Validate asserts them, since the SQL backend quotes names on
// the strength of them.

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// SQLNameKind is what a SQL name is, for the engine's limits and for messages.
type SQLNameKind int

const (
	SQLDatabaseName SQLNameKind = iota // the SQL database name (DBName)
	SQLSchemaName
	SQLObjectName // a table, sequence or function name
	SQLRoleName
	SQLLoginName
)

func (k SQLNameKind) String() string {
	switch k {
	case SQLDatabaseName:
		return "database name"
	case SQLSchemaName:
		return "schema name"
	case SQLObjectName:
		return "object name"
	case SQLRoleName:
		return "role name"
	}
	return "login name"
}

// Engine limits. PostgreSQL truncates identifiers longer than NAMEDATALEN-1 bytes with
// only a notice, which would make netc manage a different name than the one written, so
// a longer name is refused. MariaDB accepts 128-character account names since 10.6; 80
// is what every maintained MariaDB release accepts. MySQL 8 accounts (roles included)
// hold at most 32 characters. MySQL and MariaDB identifiers hold at most 64 characters.
const (
	pgMaxBytes         = 63
	mariadbMaxAccount  = 80
	mysqlMaxAccount    = 32
	mysqlMaxIdentifier = 64
)

// CheckSQLName returns why name cannot be used as a kind name on engine e, or "" when it can.
// The rules are the engine's own limits plus what keeps the generated script unambiguous
// for every client that reads it:
//   - never empty, valid UTF-8, no NUL or other control character (a newline would end a
//     comment line; the engines would store most of them, but nobody can type them);
//   - MySQL and MariaDB: no backslash (the mysql and mariadb clients treat a backslash as
//     an escape even inside backquotes, so they would split the script elsewhere than the
//     server parses it) and no character outside the Basic Multilingual Plane (their
//     identifiers and account names are stored as utf8mb3).
func CheckSQLName(e Engine, kind SQLNameKind, name string) string {
	if name == "" {
		return fmt.Sprintf("empty %s", kind)
	}
	if !utf8.ValidString(name) {
		return fmt.Sprintf("%s %q is not valid UTF-8", kind, name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return fmt.Sprintf("%s %q holds a control character (%U)", kind, name, r)
		}
	}
	switch e {
	case Postgres:
		if n := len(name); n > pgMaxBytes {
			return fmt.Sprintf("%s %q is %d bytes long; PostgreSQL allows at most %d", kind, name, n, pgMaxBytes)
		}
		return "" // reserved names (public, pg_*, ...) are refused by the compiler
	case MySQL, MariaDB:
		engine := e.Title()
		if strings.ContainsRune(name, '\\') {
			return fmt.Sprintf("%s %q holds a backslash, which the %s client would read as an escape", kind, name, engine)
		}
		for _, r := range name {
			if r > 0xffff {
				return fmt.Sprintf("%s %q holds %U, outside what %s stores in names", kind, name, r, engine)
			}
		}
		n := utf8.RuneCountInString(name)
		switch kind {
		case SQLRoleName, SQLLoginName:
			limit := mariadbMaxAccount
			if e == MySQL {
				limit = mysqlMaxAccount
			}
			if n > limit {
				return fmt.Sprintf("%s %q is %d characters long; %s allows at most %d", kind, name, n, engine, limit)
			}
		default:
			if n > mysqlMaxIdentifier {
				return fmt.Sprintf("%s %q is %d characters long; %s allows at most %d", kind, name, n, engine, mysqlMaxIdentifier)
			}
			if strings.HasSuffix(name, " ") {
				return fmt.Sprintf("%s %q ends with a space, which %s does not allow", kind, name, engine)
			}
		}
		return ""
	}
	return fmt.Sprintf("unknown database engine %q", e)
}

// Known reports whether netc can write scripts for e.
func (e Engine) Known() bool { return e == Postgres || e == MySQL || e == MariaDB }

// CheckFileName returns why a name cannot be one component of a script's path, or "".
func CheckFileName(name string) string {
	switch {
	case name == "":
		return "it is empty"
	case name == "." || name == "..":
		return "it is a directory reference"
	case !utf8.ValidString(name):
		return "it is not valid UTF-8"
	case strings.ContainsAny(name, "/\\"):
		return "it holds a slash or backslash"
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Sprintf("it holds a control character (%U)", r)
		}
	}
	return ""
}

// Title is the engine's name as its makers write it.
func (e Engine) Title() string {
	switch e {
	case Postgres:
		return "PostgreSQL"
	case MySQL:
		return "MySQL"
	case MariaDB:
		return "MariaDB"
	}
	return string(e)
}

// SQLName is the database's name on its server: DBName, or Name when that is empty.
func (d *Database) SQLName() string {
	if d.DBName != "" {
		return d.DBName
	}
	return d.Name
}

// SchemaOf is the schema pv is on, with the database's default filled in.
func (d *Database) SchemaOf(pv Privilege) string {
	if pv.Schema != "" {
		return pv.Schema
	}
	if d.Schema != "" {
		return d.Schema
	}
	if d.Engine == Postgres {
		return "public"
	}
	return d.SQLName()
}

// SQLScript is what the script of one database manages: its roles and its logins, in
// the order of p.Roles and p.Logins.
type SQLScript struct {
	Database *Database
	Roles    []*Role
	Logins   []*Login
}

// SQLScripts groups roles and logins by database: every declared database (in the
// order of p.Databases) gets a script, even with no role left, then any other a role
// or login points at, in the order they are first met.
func (p *Program) SQLScripts() []*SQLScript {
	byDB := map[*Database]*SQLScript{}
	var order []*SQLScript
	get := func(db *Database) *SQLScript {
		s := byDB[db]
		if s == nil {
			s = &SQLScript{Database: db}
			byDB[db] = s
			order = append(order, s)
		}
		return s
	}
	for _, db := range p.Databases {
		if db != nil && db.Declared {
			get(db)
		}
	}
	for _, r := range p.Roles {
		if r != nil && r.Database != nil {
			s := get(r.Database)
			s.Roles = append(s.Roles, r)
		}
	}
	for _, l := range p.Logins {
		if l != nil && l.Database != nil {
			s := get(l.Database)
			s.Logins = append(s.Logins, l)
		}
	}
	return order
}
