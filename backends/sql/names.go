package sql

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/netc-dev/netc/compiler/ir"
)

// What a name is, for the engine's limits and for messages.
type nameKind int

const (
	nameDatabase nameKind = iota // the SQL database name (DBName)
	nameSchema
	nameObject // a table, sequence or function name
	nameRole
	nameLogin
)

func (k nameKind) String() string {
	switch k {
	case nameDatabase:
		return "database name"
	case nameSchema:
		return "schema name"
	case nameObject:
		return "object name"
	case nameRole:
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

// checkName returns why name cannot be used as a kind name on engine e, or "" when it can.
// The rules are the engine's own limits plus what keeps the generated script unambiguous
// for every client that reads it:
//   - never empty, valid UTF-8, no NUL or other control character (a newline would end a
//     comment line; the engines would store most of them, but nobody can type them);
//   - MySQL and MariaDB: no backslash (the mysql and mariadb clients treat a backslash as
//     an escape even inside backquotes, so they would split the script elsewhere than the
//     server parses it) and no character outside the Basic Multilingual Plane (their
//     identifiers and account names are stored as utf8mb3).
func checkName(e ir.Engine, kind nameKind, name string) string {
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
	case ir.Postgres:
		if n := len(name); n > pgMaxBytes {
			return fmt.Sprintf("%s %q is %d bytes long; PostgreSQL allows at most %d", kind, name, n, pgMaxBytes)
		}
		return "" // reserved names (public, pg_*, ...) are the compiler's to refuse
	case ir.MySQL, ir.MariaDB:
		engine := engineTitle(e)
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
		case nameRole, nameLogin:
			limit := mariadbMaxAccount
			if e == ir.MySQL {
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

// checkFileName returns why a name cannot be one component of a script's path, or "".
func checkFileName(name string) string {
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

func engineTitle(e ir.Engine) string {
	switch e {
	case ir.Postgres:
		return "PostgreSQL"
	case ir.MySQL:
		return "MySQL"
	case ir.MariaDB:
		return "MariaDB"
	}
	return string(e)
}
