package sql

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
)

var engines = []ir.Engine{ir.Postgres, ir.MariaDB, ir.MySQL}

func emitOne(t *testing.T, p *ir.Program) string {
	t.Helper()
	files, d := Emit(p)
	if len(d) > 0 {
		t.Fatalf("diagnostics: %v", d)
	}
	if len(files) != 1 {
		t.Fatalf("got %d files, want 1", len(files))
	}
	return string(files[0].Data)
}

// TestGolden pins the whole script of every dialect for a program with every privilege
// kind. NETC_UPDATE=1 rewrites testdata/*.sql; review the diff.
func TestGolden(t *testing.T) {
	for _, e := range engines {
		t.Run(string(e), func(t *testing.T) {
			got := emitOne(t, everyKind(e))
			path := filepath.Join("testdata", "every-kind."+string(e)+".sql")
			if os.Getenv("NETC_UPDATE") == "1" {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (NETC_UPDATE=1 writes it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs (NETC_UPDATE=1 rewrites it):\n%s", path, firstDiff(string(want), got))
			}
		})
	}
}

// firstDiff shows the first differing line with a little context.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n-%s\n+%s", i+1, wl, gl)
		}
	}
	return "(equal)"
}

// wantLines checks that each line occurs in script, whole.
func wantLines(t *testing.T, script string, lines ...string) {
	t.Helper()
	have := strings.Split(script, "\n")
	for _, l := range lines {
		if !slices.Contains(have, l) {
			t.Errorf("missing line:\n%s", l)
		}
	}
}

func TestHeaderAndPath(t *testing.T) {
	for _, e := range engines {
		files, d := Emit(everyKind(e))
		if len(d) > 0 || len(files) != 1 {
			t.Fatalf("%s: %d files, %v", e, len(files), d)
		}
		f := files[0]
		if want := "sql/shop/db." + string(e) + ".sql"; f.Path != want {
			t.Errorf("%s: path %q, want %q", e, f.Path, want)
		}
		lines := strings.Split(string(f.Data), "\n")
		if lines[0] != "-- "+artifact.Header {
			t.Errorf("%s: first line %q", e, lines[0])
		}
		apply := map[ir.Engine]string{
			ir.Postgres: "--   psql -d shop -v ON_ERROR_STOP=1 -f sql/shop/db.postgres.sql",
			ir.MariaDB:  "--   mariadb shop < sql/shop/db.mariadb.sql",
			ir.MySQL:    "--   mysql shop < sql/shop/db.mysql.sql",
		}[e]
		if !slices.Contains(lines[:10], apply) {
			t.Errorf("%s: no apply line %q in the header:\n%s", e, apply, strings.Join(lines[:10], "\n"))
		}
	}
}

func TestPostgresStatements(t *testing.T) {
	s := emitOne(t, everyKind(ir.Postgres))
	wantLines(t, s,
		"BEGIN;",
		"COMMIT;",
		`    CREATE ROLE "app_rw" NOLOGIN;`,
		`    CREATE ROLE "backend" LOGIN;`,
		`  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'backend') THEN`,
		`COMMENT ON ROLE "app_rw" IS 'netc: role of database "shop"';`,
		`    COMMENT ON ROLE "audit" IS 'netc: role of database "shop", privileges not managed';`,
		`COMMENT ON ROLE "worker" IS 'netc: service login';`,
		// table
		`GRANT DELETE, INSERT, SELECT, UPDATE ON TABLE "public"."orders" TO "app_rw";`,
		`GRANT SELECT ON TABLE "reporting"."daily" TO "app_rw";`,
		// sequence
		`GRANT SELECT, USAGE ON SEQUENCE "public"."orders_id_seq" TO "app_rw";`,
		// schema: implied by the objects, and declared
		`GRANT USAGE ON SCHEMA "public" TO "app_rw";`,
		`GRANT USAGE ON SCHEMA "reporting" TO "app_rw";`,
		`GRANT USAGE ON SCHEMA "reporting" TO "app_ro";`,
		// database
		`GRANT CONNECT ON DATABASE "shop" TO "app_rw";`,
		// function: every overload, by name
		`        ('public', 'refresh_totals', 'EXECUTE')`,
		`    EXECUTE format('GRANT %s ON ROUTINE %s TO %I', f.privilege, f.routine, 'app_rw');`,
		// memberships
		`GRANT "app_rw" TO "backend";`,
		`GRANT "app_ro" TO "worker";`,
		`GRANT "audit" TO "worker";`,
		// converge
		`  roles text[] := ARRAY['app_ro', 'app_rw'];`,
		`  implied text[] := ARRAY['audit'];`,
		`  logins text[] := ARRAY['backend', 'worker'];`,
		`        ('app_rw', 'relation', 'public', 'orders_id_seq', 'USAGE'),`,
		`        ('app_rw', 'function', 'public', 'refresh_totals', 'EXECUTE')`,
		`        ('app_ro', 'schema', 'reporting', '', 'USAGE'),`,
		`        ('app_ro', 'database', '', '', 'CONNECT'),`,
		`                      ('worker', 'audit')`,
	)
	// The implied role is created and marked, but holds nothing netc granted.
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "GRANT ") && strings.Contains(l, ` TO "audit"`) {
			t.Errorf("implied role audit was granted something: %s", l)
		}
	}
}

func TestMariaDBStatements(t *testing.T) {
	s := emitOne(t, everyKind(ir.MariaDB))
	wantLines(t, s,
		"SET NAMES utf8mb4;",
		"CREATE ROLE IF NOT EXISTS `app_rw`;",
		"CREATE ROLE IF NOT EXISTS `audit`;",
		"CREATE USER IF NOT EXISTS 'backend'@'%' IDENTIFIED VIA mysql_native_password USING 'invalid' ACCOUNT LOCK;",
		"REVOKE ALL PRIVILEGES ON *.* FROM `app_rw`;",
		"REVOKE GRANT OPTION ON *.* FROM `app_rw`;",
		// table
		"GRANT DELETE, INSERT, SELECT, UPDATE ON `shop`.`orders` TO `app_rw`;",
		"GRANT SELECT ON `reporting`.`daily` TO `app_rw`;",
		// sequence: a table to MariaDB
		"GRANT INSERT, SELECT ON `shop`.`orders_id_seq` TO `app_rw`;",
		"  IF NOT EXISTS (SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'orders_id_seq' AND TABLE_TYPE = 'SEQUENCE') THEN",
		// schema: the database level
		"GRANT SELECT ON `reporting`.* TO `app_ro`;",
		// function: FUNCTION or PROCEDURE, whichever exists
		"    GRANT EXECUTE ON FUNCTION `shop`.`refresh_totals` TO `app_rw`;",
		"    GRANT EXECUTE ON PROCEDURE `shop`.`refresh_totals` TO `app_rw`;",
		// memberships and default roles
		"GRANT `app_rw` TO 'backend'@'%';",
		"GRANT `app_ro` TO 'worker'@'%';",
		"SET DEFAULT ROLE `app_rw` FOR 'backend'@'%';",
		"SET DEFAULT ROLE `app_ro` FOR 'worker'@'%';",
		// blocks
		"DELIMITER $$",
		"BEGIN NOT ATOMIC",
		"DELIMITER ;",
		"        SELECT 'app_ro', 'schema', 'reporting', '', 'SELECT'",
		"          FROM mysql.roles_mapping m",
		"        UNION ALL SELECT 'Delete versioning rows', 'DELETE HISTORY'",
	)
	if strings.Contains(s, "PROCEDURE `shop`.`netc_") || strings.Contains(s, "role_edges") {
		t.Errorf("MariaDB script uses MySQL's procedures or role_edges")
	}
	// Nothing is revoked before everything declared is granted: the converge block
	// (with every REVOKE of a declared privilege) comes after the last GRANT ... TO.
	lastGrant := strings.LastIndex(s, "\nGRANT `app_ro` TO 'worker'@'%';")
	converge := strings.Index(s, "-- Converge.")
	if lastGrant < 0 || converge < lastGrant {
		t.Errorf("the converge block comes before the grants")
	}
}

func TestMySQLStatements(t *testing.T) {
	s := emitOne(t, everyKind(ir.MySQL))
	wantLines(t, s,
		"CREATE ROLE IF NOT EXISTS `app_rw`;",
		"CREATE USER IF NOT EXISTS 'backend'@'%' IDENTIFIED WITH caching_sha2_password AS '$A$005$THISISACOMBINATIONOFINVALIDSALTANDPASSWORDTHATMUSTNEVERBRBEUSED' ACCOUNT LOCK;",
		"GRANT DELETE, INSERT, SELECT, UPDATE ON `shop`.`orders` TO `app_rw`;",
		"GRANT SELECT ON `reporting`.* TO `app_ro`;",
		"    GRANT EXECUTE ON FUNCTION `shop`.`refresh_totals` TO `app_rw`;",
		"GRANT `app_ro` TO 'worker'@'%';",
		"GRANT `audit` TO 'worker'@'%';",
		// MySQL activates several default roles
		"SET DEFAULT ROLE `app_ro`, `audit` TO 'worker'@'%';",
		"SET DEFAULT ROLE `app_rw` TO 'backend'@'%';",
		// no anonymous blocks: a procedure created, called, dropped
		"DROP PROCEDURE IF EXISTS `shop`.`netc_check`;",
		"CREATE PROCEDURE `shop`.`netc_check`()",
		"CALL `shop`.`netc_check`();",
		"DROP PROCEDURE `shop`.`netc_check`;",
		"CREATE PROCEDURE `shop`.`netc_converge`()",
		"CALL `shop`.`netc_converge`();",
		"          FROM mysql.role_edges e",
		"         WHERE x.Host = '%' AND (CONVERT(x.User USING utf8mb4) COLLATE utf8mb4_bin IN ('app_ro', 'app_rw') OR CONVERT(x.User USING utf8mb4) COLLATE utf8mb4_bin IN (SELECT r FROM stale WHERE NOT everywhere)) AND CONVERT(x.Db USING utf8mb4) COLLATE utf8mb4_bin IN ('shop', 'reporting')",
	)
	if strings.Contains(s, "NOT ATOMIC") || strings.Contains(s, "roles_mapping") || strings.Contains(s, "Delete versioning rows") {
		t.Errorf("MySQL script uses MariaDB-only syntax or tables")
	}
}

// A declared database with no role left still gets its script, so applying it takes
// away what the roles netc declared there before hold; an undeclared one (known only
// from a role that is gone) gets none.
func TestScriptWithoutRolesOrLogins(t *testing.T) {
	b := newBuilder()
	b.database("shop", "db", ir.Postgres, "db")
	implicit := b.database("shop", "other", ir.Postgres, "other")
	implicit.Declared = false
	files, d := Emit(b.p)
	if len(d) != 0 || len(files) != 1 || files[0].Path != "sql/shop/db.postgres.sql" {
		t.Fatalf("got %d files, %v; want exactly sql/shop/db.postgres.sql", len(files), d)
	}
	if !strings.Contains(string(files[0].Data), "netc: role of database") {
		t.Errorf("the script does not converge netc's former roles:\n%s", files[0].Data)
	}
}

// TestDeterministic: the same program in any order of roles, logins and privileges
// gives the same bytes, and two runs agree.
func TestDeterministic(t *testing.T) {
	for _, e := range engines {
		p := everyKind(e)
		want := emitOne(t, p)
		if again := emitOne(t, everyKind(e)); again != want {
			t.Fatalf("%s: two runs differ", e)
		}
		r := rand.New(rand.NewPCG(1, 2))
		for i := 0; i < 20; i++ {
			r.Shuffle(len(p.Roles), func(i, j int) { p.Roles[i], p.Roles[j] = p.Roles[j], p.Roles[i] })
			r.Shuffle(len(p.Logins), func(i, j int) { p.Logins[i], p.Logins[j] = p.Logins[j], p.Logins[i] })
			for _, role := range p.Roles {
				r.Shuffle(len(role.Privileges), func(i, j int) {
					role.Privileges[i], role.Privileges[j] = role.Privileges[j], role.Privileges[i]
				})
			}
			if got := emitOne(t, p); got != want {
				t.Fatalf("%s: shuffled input gives other output:\n%s", e, firstDiff(want, got))
			}
		}
	}
}

func TestSeveralDatabases(t *testing.T) {
	b := newBuilder()
	pg := b.database("a", "pg", ir.Postgres, "pg")
	ma := b.database("b", "ma", ir.MariaDB, "ma")
	b.database("c", "empty", ir.MySQL, "empty")
	b.login(ma, "svc", b.role(ma, "r1", priv("SELECT", ir.Table, "ma", "t")))
	b.login(pg, "svc", b.role(pg, "r1", priv("SELECT", ir.Table, "public", "t")))
	files, d := Emit(b.p)
	if len(d) > 0 {
		t.Fatal(d)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	if want := []string{"sql/a/pg.postgres.sql", "sql/b/ma.mariadb.sql", "sql/c/empty.mysql.sql"}; !slices.Equal(paths, want) {
		t.Errorf("paths %v, want %v", paths, want)
	}
}

func TestQuoting(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{pgIdent(`a"b`), `"a""b"`},
		{pgIdent(`Order`), `"Order"`},
		{pgQualified("s", `t"`), `"s"."t"""`},
		{pgLiteral(`it's`), `'it''s'`},
		{pgLiteral(`a\b'`), `E'a\\b'''`},
		{pgLiteral(``), `''`},
		{myIdent("a`b"), "`a``b`"},
		{myLiteral(`it's "x"`), `'it''s "x"'`},
		{myAccount(`o'brien`), `'o''brien'@'%'`},
		{shellQuote("shop_db"), "shop_db"},
		{shellQuote("sql/ns/db.postgres.sql"), "sql/ns/db.postgres.sql"},
		{shellQuote("my db"), "'my db'"},
		{shellQuote("it's"), `'it'"'"'s'`},
		{dollarTag("BEGIN END"), "$netc$"},
		{dollarTag("x $netc$ y"), "$netc1$"},
		{dollarTag("$netc$ $netc1$"), "$netc2$"},
		{delimiter("SELECT 1;"), "$$"},
		{delimiter("SELECT '$$';"), "$$$"},
		{delimiter("SELECT '$$$';"), "$$$$"},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}

// TestDiagnostics: the compiler decides names and privileges (compiler/sqlcheck.go);
// the backend refuses only an action that is not a keyword, which it would write
// unquoted. That database gets no script while the others still do, and a name the
// compiler would refuse (IR built by hand, past ir.Validate) is still only ever quoted.
func TestDiagnostics(t *testing.T) {
	b := newBuilder()
	ok := b.database("ns", "ok", ir.Postgres, "ok")
	b.role(ok, "fine", priv("SELECT", ir.Table, "public", "t"))

	pg := b.database("ns", "pg", ir.Postgres, "pg")
	hostile := b.role(pg, "injected", priv("SELECT; DROP TABLE t", ir.Table, "public", "t"))
	lower := b.role(pg, "lower", priv("select", ir.Table, "public", "t"))

	files, d := Emit(b.p)
	if len(files) != 1 || files[0].Path != "sql/ns/ok.postgres.sql" {
		var paths []string
		for _, f := range files {
			paths = append(paths, f.Path)
		}
		t.Errorf("files %v, want only sql/ns/ok.postgres.sql", paths)
	}
	want := diag.List{
		{Severity: diag.Error, Span: hostile.Privileges[0].Span, Message: `role "injected": privilege "SELECT; DROP TABLE t" is not a privilege keyword`},
		{Severity: diag.Error, Span: lower.Privileges[0].Span, Message: `role "lower": privilege "select" is not a privilege keyword`},
	}
	if fmt.Sprint(d) != fmt.Sprint(want) {
		t.Errorf("diagnostics:\n%v\nwant:\n%v", d, want)
	}
	if m := Models(b.p); len(m) != 1 || m[0].Database != ok {
		t.Errorf("Models: %d, want only ns/ok", len(m))
	}
}

// TestHostileNames: a name full of quotes and statement breaks only ever appears in
// the script inside its quoting, so no part of it is read as SQL.
func TestHostileNames(t *testing.T) {
	for _, e := range engines {
		name := `x'"$netc$; DROP TABLE t; --`
		if e != ir.Postgres {
			name = "x'\"`$$; DROP TABLE t; --"
		}
		b := newBuilder()
		dbname := "d"
		db := b.database("ns", "d", e, dbname)
		schema := "public"
		if e != ir.Postgres {
			schema = dbname
		}
		r := b.role(db, name, priv("SELECT", ir.Table, schema, name), priv("EXECUTE", ir.Function, schema, name))
		b.login(db, "svc", r)
		s := emitOne(t, b.p)
		quoted := []string{pgIdent(name), pgLiteral(name), pgQualified(schema, name)}
		if e != ir.Postgres {
			// A SIGNAL message holds the backquoted name inside a string literal.
			quoted = []string{strings.ReplaceAll(myIdent(name), "'", "''"), myIdent(name), myLiteral(name)}
		}
		rest := s
		for _, q := range quoted {
			rest = strings.ReplaceAll(rest, q, "<quoted>")
		}
		if strings.Contains(rest, "DROP TABLE t") {
			i := strings.Index(rest, "DROP TABLE t")
			t.Errorf("%s: the name appears outside its quoting: ...%s...", e, rest[max(0, i-80):min(len(rest), i+40)])
		}
		if !strings.Contains(s, quoted[0]) {
			t.Errorf("%s: the name is not in the script", e)
		}
		if e == ir.Postgres {
			// The name holds $netc$, so every DO block that holds it uses another tag.
			for _, block := range strings.Split(s, "\nDO ")[1:] {
				tag := block[:strings.Index(block, "\n")]
				body := block[len(tag)+1:]
				end := strings.Index(body, tag+";")
				if end < 0 || strings.Contains(body[:end], tag) {
					t.Errorf("DO block with tag %s is not closed exactly once", tag)
				}
			}
		} else {
			for _, l := range strings.Split(s, "\n") {
				if d, ok := strings.CutPrefix(l, "DELIMITER "); ok && d != ";" && strings.Count(s, d) != 2*strings.Count(s, "DELIMITER "+d) {
					t.Errorf("%s: delimiter %q occurs inside a block", e, d)
				}
			}
		}
	}
}

// TestScale: a large program stays linear (50,000 services build in seconds).
func TestScale(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	b := newBuilder()
	db := b.database("ns", "big", ir.Postgres, "big")
	var roles []*ir.Role
	for i := range 1000 {
		roles = append(roles, b.role(db, fmt.Sprintf("role_%04d", i), priv("SELECT", ir.Table, "public", fmt.Sprintf("t%d", i))))
	}
	for i := range 50000 {
		b.login(db, fmt.Sprintf("svc_%05d", i), roles[i%len(roles)])
	}
	files, d := Emit(b.p)
	if len(d) > 0 || len(files) != 1 || !bytes.Contains(files[0].Data, []byte(`GRANT "role_0999" TO "svc_49999";`)) {
		t.Fatalf("scale: %d files, %v", len(files), d)
	}
}

// TestOddIR: whatever the IR holds, Emit does not panic.
func TestOddIR(t *testing.T) {
	Emit(nil)
	b := newBuilder()
	db := b.database("ns", "db", ir.Postgres, "db")
	other := b.database("ns", "other", ir.Postgres, "other")
	b.p.Roles = append(b.p.Roles, nil, &ir.Role{Name: "orphan"})
	b.p.Logins = append(b.p.Logins, nil, &ir.Login{Database: db, Name: "l", Roles: []*ir.Role{nil, b.role(other, "elsewhere")}})
	b.p.Databases = append(b.p.Databases, nil)
	// A login given a role of another database is the compiler's to refuse
	// (compiler/sqlcheck.go); Emit writes the membership as the IR says.
	if files, d := Emit(b.p); len(d) != 0 || len(files) != 2 {
		t.Errorf("%d files, diagnostics %v; want 2 files and none", len(files), d)
	}
	odd := newBuilder()
	x := odd.database("ns", "x", ir.Engine("oracle"), "x")
	odd.role(x, "r")
	if files, d := Emit(odd.p); len(files) != 0 || !strings.Contains(fmt.Sprint(d), `internal error: database ns/x: unknown engine "oracle"`) {
		t.Errorf("%d files, diagnostics %v; want none and the unknown engine reported", len(files), d)
	}
}
