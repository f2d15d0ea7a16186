package ir

import (
	"strings"
	"testing"
)

func TestCheckSQLName(t *testing.T) {
	long := func(n int, s string) string { return strings.Repeat(s, n) }
	for _, c := range []struct {
		e    Engine
		k    SQLNameKind
		name string
		bad  string // a substring of the message, or "" when the name is fine
	}{
		{Postgres, SQLRoleName, "app_rw", ""},
		{Postgres, SQLRoleName, `x"; DROP TABLE t; --`, ""},
		{Postgres, SQLRoleName, long(63, "a"), ""},
		{Postgres, SQLRoleName, long(64, "a"), "64 bytes long; PostgreSQL allows at most 63"},
		{Postgres, SQLObjectName, long(31, "é"), ""},              // 62 bytes
		{Postgres, SQLObjectName, long(32, "é"), "64 bytes long"}, // 32 characters, 64 bytes
		{Postgres, SQLObjectName, "pg_class", ""},
		{Postgres, SQLRoleName, "", "empty"},
		{Postgres, SQLRoleName, "a\x00b", "control character"},
		{Postgres, SQLRoleName, "a\nb", "control character"},
		{Postgres, SQLRoleName, "a\x7fb", "control character"},
		{Postgres, SQLRoleName, "a\xffb", "not valid UTF-8"},
		{Postgres, SQLRoleName, `back\slash`, ""},
		{MariaDB, SQLRoleName, `back\slash`, "backslash"},
		{MySQL, SQLObjectName, `back\slash`, "backslash"},
		{MariaDB, SQLLoginName, long(80, "a"), ""},
		{MariaDB, SQLLoginName, long(81, "a"), "81 characters long; MariaDB allows at most 80"},
		{MariaDB, SQLRoleName, long(80, "é"), ""},
		{MySQL, SQLLoginName, long(32, "a"), ""},
		{MySQL, SQLRoleName, long(33, "a"), "33 characters long; MySQL allows at most 32"},
		{MySQL, SQLDatabaseName, long(64, "a"), ""},
		{MariaDB, SQLDatabaseName, long(65, "a"), "65 characters long; MariaDB allows at most 64"},
		{MySQL, SQLObjectName, long(65, "a"), "at most 64"},
		{MariaDB, SQLDatabaseName, "db ", "ends with a space"},
		{MariaDB, SQLObjectName, "emoji😀", "outside what MariaDB stores"},
		{MariaDB, SQLRoleName, "x'\"`$$; DROP TABLE t; --", ""},
		{Engine("oracle"), SQLRoleName, "x", "unknown database engine"},
	} {
		got := CheckSQLName(c.e, c.k, c.name)
		switch {
		case c.bad == "" && got != "":
			t.Errorf("%s %s %q: refused (%s), want accepted", c.e, c.k, c.name, got)
		case c.bad != "" && !strings.Contains(got, c.bad):
			t.Errorf("%s %s %q: %q, want it refused with %q", c.e, c.k, c.name, got, c.bad)
		}
	}
}
