package sql

// Integration tests: the generated scripts applied to the real PostgreSQL and MariaDB
// servers, read back with the servers' own functions, and exercised as the logins.
//
// Settings: NETC_PG_DSN (default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)
// and NETC_MYSQL_DSN (default root@tcp(127.0.0.1:3306)/). An unreachable server skips its
// test loudly, or fails it when NETC_REQUIRE_DB=1 (as CI sets).
//
// Every run works in a throwaway database with a random suffix and gives every role a
// name starting with that suffix (roles are server-wide), and removes both at the end.

import (
	"context"
	gosql "database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/netc-dev/netc/compiler/ir"
)

// scriptOf emits p and returns the one script it must produce.
func scriptOf(t *testing.T, p *ir.Program) []byte {
	t.Helper()
	files, d := Emit(p)
	if len(d) > 0 {
		t.Fatalf("Emit diagnostics: %v", d)
	}
	if len(files) != 1 {
		t.Fatalf("Emit made %d files, want 1", len(files))
	}
	return files[0].Data
}

func writeScript(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// ---------------------------------------------------------------- PostgreSQL

type pgEnv struct {
	t      *testing.T
	ctx    context.Context
	dsn    string // the admin DSN, pointed at the test database
	conn   *pgx.Conn
	viaPgx bool // apply with pgx instead of psql
}

func (e *pgEnv) exec(sqls ...string) {
	e.t.Helper()
	for _, s := range sqls {
		if _, err := e.conn.Exec(e.ctx, s); err != nil {
			e.t.Fatalf("%s: %v", s, err)
		}
	}
}

func (e *pgEnv) bool(query string, args ...any) bool {
	e.t.Helper()
	var v bool
	if err := e.conn.QueryRow(e.ctx, query, args...).Scan(&v); err != nil {
		e.t.Fatalf("%s %v: %v", query, args, err)
	}
	return v
}

func (e *pgEnv) text(query string, args ...any) string {
	e.t.Helper()
	var v *string
	if err := e.conn.QueryRow(e.ctx, query, args...).Scan(&v); err != nil {
		e.t.Fatalf("%s %v: %v", query, args, err)
	}
	if v == nil {
		return "<null>"
	}
	return *v
}

// apply runs a script the way its header says: psql -v ON_ERROR_STOP=1 -f FILE, or the
// whole script as one simple-protocol query through pgx.
func (e *pgEnv) apply(script []byte) error {
	e.t.Helper()
	psql, err := exec.LookPath("psql")
	u, uerr := url.Parse(e.dsn)
	if e.viaPgx || err != nil || uerr != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		cfg, err := pgx.ParseConfig(e.dsn)
		if err != nil {
			return err
		}
		c, err := pgx.ConnectConfig(e.ctx, cfg)
		if err != nil {
			return err
		}
		defer c.Close(e.ctx)
		_, err = c.PgConn().Exec(e.ctx, string(script)).ReadAll()
		return err
	}
	file := writeScript(e.t, "script.postgres.sql", script)
	cmd := exec.CommandContext(e.ctx, psql, "-X", "-q", "-d", e.dsn, "-v", "ON_ERROR_STOP=1", "-f", file)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("psql: %v\n%s", err, out)
	}
	if len(out) > 0 {
		e.t.Logf("psql said:\n%s", out)
	}
	return nil
}

func (e *pgEnv) mustApply(script []byte) {
	e.t.Helper()
	if err := e.apply(script); err != nil {
		e.t.Fatalf("applying the script: %v", err)
	}
}

// as runs stmt as role (SET ROLE, in a transaction rolled back afterwards).
func (e *pgEnv) as(role, stmt string) error {
	tx, err := e.conn.Begin(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	defer tx.Rollback(e.ctx)
	if _, err := tx.Exec(e.ctx, "SET LOCAL ROLE "+pgIdent(role)); err != nil {
		e.t.Fatalf("SET ROLE %s: %v", role, err)
	}
	_, err = tx.Exec(e.ctx, stmt)
	return err
}

func (e *pgEnv) allowed(role string, stmts ...string) {
	e.t.Helper()
	for _, s := range stmts {
		if err := e.as(role, s); err != nil {
			e.t.Errorf("as %s, %s: %v (want it allowed)", role, s, err)
		}
	}
}

func (e *pgEnv) denied(role string, stmts ...string) {
	e.t.Helper()
	for _, s := range stmts {
		err := e.as(role, s)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42501" {
			e.t.Errorf("as %s, %s: got %v, want permission denied (42501)", role, s, err)
		}
	}
}

// snapshot is every privilege, membership, attribute and comment of the given roles in
// the test database, as text: applying twice must leave it unchanged.
func (e *pgEnv) snapshot(names []string) string {
	e.t.Helper()
	rows, err := e.conn.Query(e.ctx, `
		SELECT 'acl ' || c.oid::regclass::text || ' ' || coalesce(c.relacl::text, '') FROM pg_class c
		 WHERE c.relnamespace::regnamespace::text IN ('public', 'reporting')
		UNION ALL SELECT 'col ' || t.attrelid::regclass::text || '.' || t.attname || ' ' || t.attacl::text
		  FROM pg_attribute t JOIN pg_class c ON c.oid = t.attrelid
		 WHERE t.attacl IS NOT NULL AND c.relnamespace::regnamespace::text IN ('public', 'reporting')
		UNION ALL SELECT 'fn ' || p.oid::regprocedure::text || ' ' || coalesce(p.proacl::text, '') FROM pg_proc p
		 WHERE p.pronamespace::regnamespace::text IN ('public', 'reporting')
		UNION ALL SELECT 'schema ' || nspname || ' ' || coalesce(nspacl::text, '') FROM pg_namespace
		UNION ALL SELECT 'db ' || coalesce(datacl::text, '') FROM pg_database WHERE datname = current_database()
		UNION ALL SELECT 'defacl ' || defaclobjtype::text || ' ' || defaclacl::text FROM pg_default_acl
		UNION ALL SELECT 'member ' || r.rolname || ' ' || m.rolname || ' ' || am.admin_option
		  FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
		 WHERE r.rolname = ANY ($1) OR m.rolname = ANY ($1)
		UNION ALL SELECT 'role ' || rolname || ' ' || row(rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls)::text
		       || ' ' || coalesce(shobj_description(oid, 'pg_authid'), '')
		  FROM pg_roles WHERE rolname = ANY ($1)
		ORDER BY 1`, names)
	if err != nil {
		e.t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

func TestPostgresIntegration(t *testing.T) {
	srv := newPG(t) // drops the database and every role of the run at the end
	dbname, p := srv.dbname, srv.prefix
	rwName, roName, auditName := p+"app_rw", p+"app_ro", p+"audit"
	backendName, workerName, thirdName := p+"backend", p+"worker", p+"third"
	hostileName := p + `x'"$netc$; DROP TABLE t; --`
	atomicName := p + "atomic"
	loneName, emptyName, soloName := p+"lone", p+"empty", p+"solo"
	all := []string{rwName, roName, auditName, backendName, workerName, thirdName, hostileName, atomicName, loneName, emptyName, soloName}
	e := srv.pgEnv
	e.exec(
		`CREATE TABLE orders (id serial PRIMARY KEY, total int)`,
		`CREATE TABLE customers (id int)`,
		`CREATE TABLE secrets (id int)`,
		`CREATE TABLE t (id int)`,
		`CREATE SCHEMA reporting`,
		`CREATE TABLE reporting.daily (d int)`,
		`CREATE FUNCTION refresh_totals() RETURNS int LANGUAGE sql AS 'SELECT 1'`,
		`CREATE FUNCTION refresh_totals(n int) RETURNS int LANGUAGE sql AS 'SELECT n'`,
		`CREATE FUNCTION forbidden() RETURNS int LANGUAGE sql AS 'SELECT 2'`,
		// Functions are executable by PUBLIC by default; take that away so the test
		// sees what the roles hold themselves.
		`REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC`,
		`INSERT INTO customers VALUES (1)`,
		`INSERT INTO secrets VALUES (42)`,
	)

	program := func(roDeclared bool, workerRoles ...string) *ir.Program {
		b := newBuilder()
		db := b.database("it", "db", ir.Postgres, dbname)
		rw := b.role(db, rwName,
			priv("INSERT", ir.Table, "public", "orders"), priv("SELECT", ir.Table, "public", "orders"),
			priv("UPDATE", ir.Table, "public", "orders"),
			priv("USAGE", ir.Sequence, "public", "orders_id_seq"),
			priv("EXECUTE", ir.Function, "public", "refresh_totals"),
			priv("SELECT", ir.Table, "reporting", "daily"))
		roles := map[string]*ir.Role{rwName: rw}
		if roDeclared {
			roles[roName] = b.role(db, roName,
				priv("SELECT", ir.Table, "public", "customers"), priv("SELECT", ir.Table, "public", "orders"),
				priv("USAGE", ir.Schema, "reporting", ""))
		}
		b.role(db, hostileName, priv("SELECT", ir.Table, "public", "customers"))
		roles[auditName] = b.implied(db, auditName)
		b.login(db, backendName, rw)
		var wr []*ir.Role
		for _, n := range workerRoles {
			wr = append(wr, roles[n])
		}
		b.login(db, workerName, wr...)
		return b.p
	}
	script := scriptOf(t, program(true, roName, auditName))

	// Apply twice (psql, then pgx when psql is there): the second changes nothing.
	e.mustApply(script)
	first := e.snapshot(all)
	e.viaPgx = true
	e.mustApply(script)
	e.viaPgx = false
	if second := e.snapshot(all); second != first {
		t.Errorf("applying twice changed the catalog:\n--- once\n%s\n--- twice\n%s", first, second)
	}

	checkDeclared := func(stage string) {
		t.Helper()
		type check struct {
			query string
			args  []any
			want  bool
		}
		checks := []check{
			{"SELECT has_table_privilege($1, 'public.orders', 'SELECT')", []any{rwName}, true},
			{"SELECT has_table_privilege($1, 'public.orders', 'INSERT')", []any{rwName}, true},
			{"SELECT has_table_privilege($1, 'public.orders', 'UPDATE')", []any{rwName}, true},
			{"SELECT has_table_privilege($1, 'public.orders', 'DELETE')", []any{rwName}, false},
			{"SELECT has_table_privilege($1, 'public.orders', 'TRUNCATE')", []any{rwName}, false},
			{"SELECT has_table_privilege($1, 'public.customers', 'SELECT')", []any{rwName}, false},
			{"SELECT has_table_privilege($1, 'public.secrets', 'SELECT')", []any{rwName}, false},
			{"SELECT has_table_privilege($1, 'reporting.daily', 'SELECT')", []any{rwName}, true},
			{"SELECT has_sequence_privilege($1, 'public.orders_id_seq', 'USAGE')", []any{rwName}, true},
			{"SELECT has_sequence_privilege($1, 'public.orders_id_seq', 'UPDATE')", []any{rwName}, false},
			{"SELECT has_function_privilege($1, 'public.refresh_totals()', 'EXECUTE')", []any{rwName}, true},
			{"SELECT has_function_privilege($1, 'public.refresh_totals(int)', 'EXECUTE')", []any{rwName}, true},
			{"SELECT has_function_privilege($1, 'public.forbidden()', 'EXECUTE')", []any{rwName}, false},
			{"SELECT has_schema_privilege($1, 'reporting', 'USAGE')", []any{rwName}, true}, // implied
			{"SELECT has_schema_privilege($1, 'public', 'CREATE')", []any{rwName}, false},
			{"SELECT has_database_privilege($1, current_database(), 'CONNECT')", []any{rwName}, true},
			{"SELECT has_database_privilege($1, current_database(), 'CREATE')", []any{rwName}, false},
			{"SELECT has_table_privilege($1, 'public.customers', 'SELECT')", []any{roName}, true},
			{"SELECT has_table_privilege($1, 'public.orders', 'SELECT')", []any{roName}, true},
			{"SELECT has_table_privilege($1, 'public.orders', 'DELETE')", []any{roName}, false},
			{"SELECT has_table_privilege($1, 'public.secrets', 'SELECT')", []any{roName}, false},
			{"SELECT has_column_privilege($1, 'public.secrets', 'id', 'SELECT')", []any{roName}, false},
			{"SELECT has_schema_privilege($1, 'reporting', 'USAGE')", []any{roName}, true},
			{"SELECT has_table_privilege($1, 'reporting.daily', 'SELECT')", []any{roName}, false},
			{"SELECT has_table_privilege($1, 'public.customers', 'SELECT')", []any{hostileName}, true},
			{"SELECT pg_has_role($1, $2, 'MEMBER')", []any{backendName, rwName}, true},
			{"SELECT pg_has_role($1, $2, 'MEMBER')", []any{backendName, roName}, false},
			{"SELECT pg_has_role($1, $2, 'USAGE')", []any{backendName, rwName}, true},
			{"SELECT pg_has_role($1, $2, 'MEMBER')", []any{workerName, roName}, true},
			{"SELECT pg_has_role($1, $2, 'MEMBER')", []any{workerName, auditName}, true},
			{"SELECT pg_has_role($1, $2, 'MEMBER')", []any{workerName, rwName}, false},
			{"SELECT pg_has_role($1, 'pg_read_all_data', 'MEMBER')", []any{roName}, false},
			{"SELECT EXISTS (SELECT FROM pg_auth_members am JOIN pg_roles m ON m.oid = am.member WHERE m.rolname = $1 AND am.admin_option)", []any{backendName}, false},
			{"SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", []any{rwName}, false},
			{"SELECT rolcreatedb FROM pg_roles WHERE rolname = $1", []any{rwName}, false},
			{"SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", []any{backendName}, true},
			{"SELECT EXISTS (SELECT FROM pg_default_acl d, aclexplode(d.defaclacl) a JOIN pg_roles r ON r.oid = a.grantee WHERE r.rolname = ANY ($1))", []any{[]string{rwName, roName}}, false},
		}
		for _, c := range checks {
			if got := e.bool(c.query, c.args...); got != c.want {
				t.Errorf("%s: %s %v = %v, want %v", stage, c.query, c.args, got, c.want)
			}
		}
		// Acting as the logins: what they may do works, the rest is refused.
		e.allowed(backendName,
			`INSERT INTO orders (total) VALUES (7)`, // nextval needs USAGE on the sequence
			`SELECT total FROM orders`,
			`UPDATE orders SET total = 8`,
			`SELECT refresh_totals(), refresh_totals(3)`,
			`SELECT * FROM reporting.daily`)
		e.denied(backendName,
			`DELETE FROM orders`,
			`DROP TABLE orders`,
			`TRUNCATE orders`,
			`SELECT * FROM secrets`,
			`SELECT * FROM customers`,
			`SELECT forbidden()`,
			`CREATE TABLE mine (id int)`)
		e.allowed(workerName, `SELECT * FROM customers`, `SELECT * FROM orders`)
		e.denied(workerName,
			`INSERT INTO orders (total) VALUES (1)`,
			`DELETE FROM orders`,
			`SELECT * FROM secrets`,
			`SELECT * FROM reporting.daily`)
	}
	checkDeclared("after applying twice")

	// Credentials: logins have no password, roles cannot log in.
	if got := e.text("SELECT rolpassword FROM pg_authid WHERE rolname = $1", backendName); got != "<null>" {
		t.Errorf("login %s was created with a password: %s", backendName, got)
	}

	// The hostile name is a role name, verbatim, and nothing else ran.
	if !e.bool("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1)", hostileName) {
		t.Errorf("role %q does not exist", hostileName)
	}
	if !e.bool("SELECT to_regclass('public.t') IS NOT NULL") {
		t.Errorf("table t is gone: the hostile role name was executed")
	}

	// Drift: extra grants (directly, with grant option, by another grantor, on a column,
	// on a schema and the database, for future tables), extra memberships and attributes.
	e.exec(
		"GRANT SELECT ON secrets TO "+pgIdent(rwName)+" WITH GRANT OPTION",
		"GRANT DELETE, TRUNCATE ON orders TO "+pgIdent(rwName),
		"GRANT SELECT ON orders TO "+pgIdent(roName)+" WITH GRANT OPTION",
		"GRANT SELECT (id) ON secrets TO "+pgIdent(roName),
		"GRANT CREATE ON SCHEMA public TO "+pgIdent(rwName),
		"GRANT CREATE ON DATABASE "+pgIdent(dbname)+" TO "+pgIdent(rwName),
		"GRANT EXECUTE ON FUNCTION forbidden() TO "+pgIdent(rwName),
		"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO "+pgIdent(roName),
		"CREATE ROLE "+pgIdent(thirdName)+" NOLOGIN",
		"GRANT SELECT ON secrets TO "+pgIdent(thirdName)+" WITH GRANT OPTION",
		"SET ROLE "+pgIdent(thirdName),
		"GRANT SELECT ON secrets TO "+pgIdent(roName),
		"RESET ROLE",
		"GRANT "+pgIdent(roName)+" TO "+pgIdent(backendName),
		"GRANT "+pgIdent(rwName)+" TO "+pgIdent(workerName)+" WITH ADMIN OPTION",
		"GRANT pg_read_all_data TO "+pgIdent(roName),
		"ALTER ROLE "+pgIdent(rwName)+" CREATEDB",
		// A secret manager gives the login its password.
		"ALTER ROLE "+pgIdent(backendName)+" PASSWORD 'from-the-secret-manager'",
	)
	if !e.bool("SELECT has_table_privilege($1, 'public.secrets', 'SELECT')", roName) ||
		!e.bool("SELECT pg_has_role($1, $2, 'MEMBER')", workerName, rwName) {
		t.Fatal("the drift did not take effect; the convergence test would prove nothing")
	}
	password := e.text("SELECT rolpassword FROM pg_authid WHERE rolname = $1", backendName)
	e.mustApply(script)
	checkDeclared("after drift and applying again")
	if got := e.text("SELECT rolpassword FROM pg_authid WHERE rolname = $1", backendName); got != password {
		t.Errorf("applying again changed the login's password: %s, was %s", got, password)
	}
	if !e.bool("SELECT has_table_privilege($1, 'public.secrets', 'SELECT')", thirdName) {
		t.Errorf("the convergence took away a privilege of a role netc does not manage")
	}

	// Atomic: a script that fails half way (a table that does not exist) changes nothing.
	e.exec("GRANT SELECT ON secrets TO " + pgIdent(rwName))
	bad := program(true, roName, auditName)
	bad.Roles = append(bad.Roles, &ir.Role{Database: bad.Roles[0].Database, Name: atomicName, Declared: true,
		Privileges: []ir.Privilege{priv("SELECT", ir.Table, "public", "no_such_table")}})
	if err := e.apply(scriptOf(t, bad)); err == nil {
		t.Errorf("a script granting on a missing table succeeded")
	}
	if e.bool("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1)", atomicName) {
		t.Errorf("a failed script left role %s behind: not one transaction", atomicName)
	}
	if !e.bool("SELECT has_table_privilege($1, 'public.secrets', 'SELECT')", rwName) {
		t.Errorf("a failed script revoked a privilege: not one transaction")
	}
	e.mustApply(script)

	// An owner holds every privilege: the script refuses to run, and says why.
	e.exec("ALTER TABLE secrets OWNER TO " + pgIdent(rwName))
	if err := e.apply(script); err == nil || !strings.Contains(err.Error(), "owns table public.secrets") {
		t.Errorf("applying with a declared role owning a table: %v, want the ownership refused", err)
	}
	e.exec("ALTER TABLE secrets OWNER TO CURRENT_USER")

	// Stale: ro is no longer declared and the worker now has only audit. ro keeps no
	// privilege here (its comment marks it as netc's) and loses the worker.
	e.mustApply(scriptOf(t, program(false, auditName)))
	for _, q := range []string{
		"SELECT has_table_privilege($1, 'public.orders', 'SELECT')",
		"SELECT has_table_privilege($1, 'public.customers', 'SELECT')",
		"SELECT has_schema_privilege($1, 'reporting', 'USAGE')",
		"SELECT EXISTS (SELECT FROM pg_database d, aclexplode(d.datacl) a JOIN pg_roles r ON r.oid = a.grantee WHERE d.datname = current_database() AND r.rolname = $1)",
	} {
		if e.bool(q, roName) {
			t.Errorf("stale role keeps a privilege: %s", q)
		}
	}
	if e.bool("SELECT pg_has_role($1, $2, 'MEMBER')", workerName, roName) {
		t.Errorf("login %s is still a member of the stale role %s", workerName, roName)
	}
	if !e.bool("SELECT pg_has_role($1, $2, 'MEMBER')", workerName, auditName) {
		t.Errorf("login %s lost its declared role %s", workerName, auditName)
	}

	// Small programs: no declared role at all (every role declared before is now stale);
	// then a declared role with nothing and no login (lone is not named any more).
	small := newBuilder()
	small.login(small.database("it", "db", ir.Postgres, dbname), soloName, small.implied(small.p.Databases[0], loneName))
	s := scriptOf(t, small.p)
	e.mustApply(s)
	e.mustApply(s)
	if !e.bool("SELECT pg_has_role($1, $2, 'MEMBER')", soloName, loneName) {
		t.Errorf("login %s is not a member of %s", soloName, loneName)
	}
	small = newBuilder()
	small.role(small.database("it", "db", ir.Postgres, dbname), emptyName)
	s = scriptOf(t, small.p)
	e.mustApply(s)
	e.mustApply(s)
	if e.bool("SELECT has_table_privilege($1, 'public.orders', 'SELECT')", emptyName) {
		t.Errorf("a role declared with no privilege has one")
	}
	if e.bool("SELECT pg_has_role($1, $2, 'MEMBER')", soloName, loneName) {
		t.Errorf("login %s is still a member of %s, which the program no longer names", soloName, loneName)
	}
	if e.bool("SELECT has_table_privilege($1, 'public.orders', 'SELECT')", rwName) {
		t.Errorf("%s, no longer declared, keeps its privileges", rwName)
	}

	// Wrong database: the guard refuses before anything happens.
	other := program(true, roName)
	other.Databases[0].DBName = "postgres"
	if err := e.apply(scriptOf(t, other)); err == nil || !strings.Contains(err.Error(), "this script is for database postgres") {
		t.Errorf("a script for another database ran: %v", err)
	}
}

// ---------------------------------------------------------------- MariaDB

type myEnv struct {
	t        *testing.T
	ctx      context.Context
	cfg      *mysql.Config // admin, no database
	db       *gosql.DB     // admin
	dbname   string
	viaDrive bool // apply with the driver instead of the client
}

func (e *myEnv) exec(sqls ...string) {
	e.t.Helper()
	for _, s := range sqls {
		if _, err := e.db.ExecContext(e.ctx, s); err != nil {
			e.t.Fatalf("%s: %v", s, err)
		}
	}
}

func (e *myEnv) rows(query string, args ...any) []string {
	e.t.Helper()
	rows, err := e.db.QueryContext(e.ctx, query, args...)
	if err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// apply runs a script the way its header says (mariadb DBNAME < FILE), or, without the
// client, statement by statement through the driver, honouring DELIMITER lines.
func (e *myEnv) apply(script []byte) error {
	e.t.Helper()
	client, err := exec.LookPath("mariadb")
	if err != nil {
		client, err = exec.LookPath("mysql")
	}
	if e.viaDrive || err != nil {
		return e.applyViaDriver(string(script))
	}
	args := []string{"--no-defaults", "--default-character-set=utf8mb4", "-u", e.cfg.User}
	if e.cfg.Passwd != "" {
		args = append(args, "--password="+e.cfg.Passwd)
	}
	if e.cfg.Net == "unix" {
		args = append(args, "--socket="+e.cfg.Addr)
	} else {
		host, port, ok := strings.Cut(e.cfg.Addr, ":")
		args = append(args, "--protocol=TCP", "-h", host)
		if ok {
			args = append(args, "-P", port)
		}
	}
	cmd := exec.CommandContext(e.ctx, client, append(args, e.dbname)...)
	cmd.Stdin = strings.NewReader(string(script))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", filepath.Base(client), err, out)
	}
	if len(out) > 0 {
		e.t.Logf("%s said:\n%s", filepath.Base(client), out)
	}
	return nil
}

func (e *myEnv) applyViaDriver(script string) error {
	cfg := e.cfg.Clone()
	cfg.DBName = e.dbname
	db, err := gosql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := db.Conn(e.ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	delim := ";"
	var stmt strings.Builder
	for line := range strings.SplitSeq(script, "\n") {
		trimmed := strings.TrimSpace(line)
		if stmt.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "-- ")) {
			continue
		}
		if d, ok := strings.CutPrefix(trimmed, "DELIMITER "); ok && stmt.Len() == 0 {
			delim = d
			continue
		}
		stmt.WriteString(line + "\n")
		if strings.HasSuffix(trimmed, delim) {
			s := strings.TrimSuffix(strings.TrimSpace(stmt.String()), delim)
			stmt.Reset()
			if _, err := c.ExecContext(e.ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
	}
	if strings.TrimSpace(stmt.String()) != "" {
		return fmt.Errorf("unterminated statement: %s", stmt.String())
	}
	return nil
}

func (e *myEnv) mustApply(script []byte) {
	e.t.Helper()
	if err := e.apply(script); err != nil {
		e.t.Fatalf("applying the script: %v", err)
	}
}

// login connects as an account.
func (e *myEnv) login(user, password string) (*gosql.Conn, error) {
	cfg := e.cfg.Clone()
	cfg.User, cfg.Passwd, cfg.DBName = user, password, e.dbname
	cfg.MultiStatements = false
	db, err := gosql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	e.t.Cleanup(func() { db.Close() })
	db.SetMaxIdleConns(0)
	c, err := db.Conn(e.ctx)
	if err != nil {
		return nil, err
	}
	if err := c.PingContext(e.ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (e *myEnv) mustLogin(user, password string) *gosql.Conn {
	e.t.Helper()
	c, err := e.login(user, password)
	if err != nil {
		e.t.Fatalf("logging in as %s: %v", user, err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

func (e *myEnv) allowed(c *gosql.Conn, who string, stmts ...string) {
	e.t.Helper()
	for _, s := range stmts {
		if _, err := c.ExecContext(e.ctx, s); err != nil {
			e.t.Errorf("as %s, %s: %v (want it allowed)", who, s, err)
		}
	}
}

// denied wants an access-denied error: 1142 table, 1143 column, 1370 routine, 1044 database.
func (e *myEnv) denied(c *gosql.Conn, who string, stmts ...string) {
	e.t.Helper()
	for _, s := range stmts {
		_, err := c.ExecContext(e.ctx, s)
		var me *mysql.MySQLError
		if !errors.As(err, &me) || !slices.Contains([]uint16{1044, 1142, 1143, 1370}, me.Number) {
			e.t.Errorf("as %s, %s: got %v, want access denied", who, s, err)
		}
	}
}

func sortedLines(lines ...string) string {
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func (e *myEnv) grants(account string) string {
	e.t.Helper()
	g := e.rows("SHOW GRANTS FOR " + account)
	slices.Sort(g)
	return strings.Join(g, "\n")
}

func TestMariaDBIntegration(t *testing.T) {
	srv := newMariaDB(t) // drops the databases, roles and logins below at the end
	dbname, repName := srv.dbname, srv.database("rep")
	rwName, roName, auditName := srv.role("app_rw"), srv.role("app_ro"), srv.role("audit")
	backendName, workerName := srv.login("backend"), srv.login("worker")
	hostileName := srv.role("x'\"$$; DROP TABLE t; --`")
	atomicName := srv.role("atomic")
	loneName, emptyName, soloName := srv.role("lone"), srv.role("empty"), srv.login("solo")
	e := srv.myEnv
	e.exec(
		"CREATE TABLE "+myIdent(dbname)+".orders (id int AUTO_INCREMENT PRIMARY KEY, total int)",
		"CREATE TABLE "+myIdent(dbname)+".customers (id int)",
		"CREATE TABLE "+myIdent(dbname)+".secrets (id int)",
		"CREATE TABLE "+myIdent(dbname)+".t (id int)",
		"CREATE SEQUENCE "+myIdent(dbname)+".orders_id_seq",
		"CREATE FUNCTION "+myIdent(dbname)+".refresh_totals() RETURNS int RETURN 1",
		"CREATE FUNCTION "+myIdent(dbname)+".forbidden() RETURNS int RETURN 2",
		"CREATE TABLE "+myIdent(repName)+".daily (d int)",
		"INSERT INTO "+myIdent(dbname)+".customers VALUES (1)",
	)
	// audit is only named by `as role`: its privileges are the DBA's, and netc leaves them.
	e.exec("CREATE ROLE " + myIdent(auditName))
	e.exec("GRANT SELECT ON " + myIdent(dbname) + ".customers TO " + myIdent(auditName))

	program := func(workerRole string) *ir.Program {
		b := newBuilder()
		db := b.database("it", "db", ir.MariaDB, dbname)
		rw := b.role(db, rwName,
			priv("INSERT", ir.Table, dbname, "orders"), priv("SELECT", ir.Table, dbname, "orders"),
			priv("UPDATE", ir.Table, dbname, "orders"),
			priv("INSERT", ir.Sequence, dbname, "orders_id_seq"), priv("SELECT", ir.Sequence, dbname, "orders_id_seq"),
			priv("EXECUTE", ir.Function, dbname, "refresh_totals"))
		ro := b.role(db, roName,
			priv("SELECT", ir.Table, dbname, "customers"), priv("SELECT", ir.Table, dbname, "orders"),
			priv("SELECT", ir.Schema, repName, ""))
		b.role(db, hostileName, priv("SELECT", ir.Table, dbname, "customers"))
		audit := b.implied(db, auditName)
		b.login(db, backendName, rw)
		b.login(db, workerName, map[string]*ir.Role{roName: ro, auditName: audit}[workerRole])
		return b.p
	}
	script := scriptOf(t, program(roName))
	roles := []string{myIdent(rwName), myIdent(roName), myIdent(hostileName)}
	snapshot := func() string {
		var s []string
		for _, r := range roles {
			s = append(s, e.grants(r))
		}
		s = append(s, e.rows("SELECT CONCAT(User, '@', Host, ' ', Role, ' ', Admin_option) FROM mysql.roles_mapping WHERE User IN (?, ?, ?, ?) ORDER BY 1",
			backendName, workerName, rwName, roName)...)
		return strings.Join(s, "\n")
	}

	// Apply twice (client, then driver): the second changes nothing.
	e.mustApply(script)
	first := snapshot()
	e.viaDrive = true
	e.mustApply(script)
	e.viaDrive = false
	if second := snapshot(); second != first {
		t.Errorf("applying twice changed the grants:\n--- once\n%s\n--- twice\n%s", first, second)
	}

	// Credentials: the logins exist, locked, and no password opens them.
	for _, l := range []string{backendName, workerName} {
		create := e.rows("SHOW CREATE USER " + myAccount(l))
		if len(create) != 1 || !strings.Contains(create[0], "ACCOUNT LOCK") {
			t.Errorf("login %s is not created locked: %v", l, create)
		}
		if _, err := e.login(l, ""); err == nil {
			t.Errorf("login %s opens with an empty password", l)
		}
	}
	e.exec("ALTER USER " + myAccount(workerName) + " ACCOUNT UNLOCK")
	if _, err := e.login(workerName, ""); err == nil {
		t.Errorf("unlocked without a password, login %s opens with an empty password", workerName)
	}
	if _, err := e.login(workerName, "invalid"); err == nil {
		t.Errorf("login %s opens with the password %q", workerName, "invalid")
	}

	// The hostile name is a role name, verbatim, and nothing else ran.
	if got := e.rows("SELECT User FROM mysql.global_priv WHERE User = ? AND Host = ''", hostileName); len(got) != 1 {
		t.Errorf("role %q not found: %v", hostileName, got)
	}
	if got := e.rows("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't'", dbname); len(got) != 1 {
		t.Errorf("table t is gone: the hostile role name was executed")
	}

	// A secret manager sets the passwords and unlocks the accounts.
	e.exec("ALTER USER "+myAccount(backendName)+" IDENTIFIED BY 'backend-secret' ACCOUNT UNLOCK",
		"ALTER USER "+myAccount(workerName)+" IDENTIFIED BY 'worker-secret' ACCOUNT UNLOCK")

	checkDeclared := func(stage string) {
		t.Helper()
		if got, want := e.grants(myIdent(rwName)), sortedLines(
			"GRANT EXECUTE ON FUNCTION `"+dbname+"`.`refresh_totals` TO `"+rwName+"`",
			"GRANT SELECT, INSERT ON `"+dbname+"`.`orders_id_seq` TO `"+rwName+"`",
			"GRANT SELECT, INSERT, UPDATE ON `"+dbname+"`.`orders` TO `"+rwName+"`",
			"GRANT USAGE ON *.* TO `"+rwName+"`",
		); got != want {
			t.Errorf("%s: grants of %s:\n%s\nwant:\n%s", stage, rwName, got, want)
		}
		if got, want := e.grants(myIdent(roName)), sortedLines(
			"GRANT SELECT ON `"+dbname+"`.`customers` TO `"+roName+"`",
			"GRANT SELECT ON `"+dbname+"`.`orders` TO `"+roName+"`",
			"GRANT SELECT ON `"+repName+"`.* TO `"+roName+"`",
			"GRANT USAGE ON *.* TO `"+roName+"`",
		); got != want {
			t.Errorf("%s: grants of %s:\n%s\nwant:\n%s", stage, roName, got, want)
		}
		if got, want := e.rows("SELECT CONCAT(User, ' ', Role, ' ', Admin_option) FROM mysql.roles_mapping WHERE Host = '%' AND User IN (?, ?) ORDER BY 1", backendName, workerName),
			[]string{backendName + " " + rwName + " N", workerName + " " + roName + " N"}; !slices.Equal(got, want) {
			t.Errorf("%s: memberships %v, want %v", stage, got, want)
		}
		if got := e.rows("SELECT Role FROM mysql.roles_mapping WHERE Host = '' AND User IN (?, ?)", rwName, roName); len(got) != 0 {
			t.Errorf("%s: declared roles are members of %v", stage, got)
		}
		// Acting as the logins (their default role is active at login).
		backend := e.mustLogin(backendName, "backend-secret")
		var role gosql.NullString
		if err := backend.QueryRowContext(e.ctx, "SELECT CURRENT_ROLE()").Scan(&role); err != nil || role.String != rwName {
			t.Errorf("%s: login %s is active in role %v (%v), want %s", stage, backendName, role, err, rwName)
		}
		e.allowed(backend, backendName,
			"INSERT INTO orders (total) VALUES (7)",
			"SELECT total FROM orders",
			"UPDATE orders SET total = 8",
			"SELECT NEXTVAL(orders_id_seq)",
			"SELECT refresh_totals()")
		e.denied(backend, backendName,
			"DELETE FROM orders",
			"DROP TABLE orders",
			"SELECT * FROM secrets",
			"SELECT * FROM customers",
			"SELECT forbidden()",
			"CREATE TABLE mine (id int)")
		worker := e.mustLogin(workerName, "worker-secret")
		e.allowed(worker, workerName, "SELECT * FROM customers", "SELECT * FROM orders", "SELECT * FROM "+myIdent(repName)+".daily")
		e.denied(worker, workerName,
			"INSERT INTO orders (total) VALUES (1)",
			"DELETE FROM orders",
			"SELECT * FROM secrets",
			"SELECT NEXTVAL(orders_id_seq)")
	}
	checkDeclared("after applying twice")

	// Drift: extra grants (table, column, database, server-wide, routine, grant
	// option), an extra membership of each login, an admin option, a role in a role.
	e.exec(
		"GRANT SELECT ON "+myIdent(dbname)+".secrets TO "+myIdent(rwName),
		"GRANT DELETE ON "+myIdent(dbname)+".orders TO "+myIdent(rwName),
		"GRANT SELECT ON "+myIdent(dbname)+".orders TO "+myIdent(roName)+" WITH GRANT OPTION",
		"GRANT SELECT (id) ON "+myIdent(dbname)+".secrets TO "+myIdent(roName),
		"GRANT INSERT ON "+myIdent(dbname)+".* TO "+myIdent(roName),
		"GRANT SELECT ON *.* TO "+myIdent(roName),
		"GRANT EXECUTE ON FUNCTION "+myIdent(dbname)+".forbidden TO "+myIdent(rwName),
		"GRANT "+myIdent(rwName)+" TO "+myAccount(workerName),
		"GRANT "+myIdent(roName)+" TO "+myAccount(backendName),
		"GRANT "+myIdent(rwName)+" TO "+myAccount(backendName)+" WITH ADMIN OPTION",
		"GRANT "+myIdent(auditName)+" TO "+myIdent(roName),
		"SET DEFAULT ROLE "+myIdent(rwName)+" FOR "+myAccount(workerName),
	)
	// The worker's default role is now rw, which may now read secrets.
	var n int
	if err := e.mustLogin(workerName, "worker-secret").QueryRowContext(e.ctx, "SELECT COUNT(*) FROM secrets").Scan(&n); err != nil {
		t.Fatalf("the drift did not take effect (%v); the convergence test would prove nothing", err)
	}
	e.mustApply(script)
	checkDeclared("after drift and applying again")
	if got := snapshot(); got != first {
		t.Errorf("after drift, applying again did not return to the applied state:\n--- applied\n%s\n--- now\n%s", first, got)
	}
	// The passwords survived and the accounts stayed unlocked (checkDeclared logged in).
	for _, l := range []string{backendName, workerName} {
		if create := e.rows("SHOW CREATE USER " + myAccount(l)); len(create) != 1 || strings.Contains(create[0], "ACCOUNT LOCK") {
			t.Errorf("applying again locked %s: %v", l, create)
		}
	}

	// Memberships follow the program: the worker moves from ro to audit.
	e.mustApply(scriptOf(t, program(auditName)))
	if got, want := e.rows("SELECT CONCAT(Role, ' ', Admin_option) FROM mysql.roles_mapping WHERE Host = '%' AND User = ?", workerName), []string{auditName + " N"}; !slices.Equal(got, want) {
		t.Errorf("memberships of %s: %v, want %v", workerName, got, want)
	}
	worker := e.mustLogin(workerName, "worker-secret")
	var role gosql.NullString
	if err := worker.QueryRowContext(e.ctx, "SELECT CURRENT_ROLE()").Scan(&role); err != nil || role.String != auditName {
		t.Errorf("login %s is active in role %v (%v), want %s", workerName, role, err, auditName)
	}
	e.allowed(worker, workerName, "SELECT * FROM customers")
	e.denied(worker, workerName, "SELECT * FROM orders")
	if got, want := e.grants(myIdent(auditName)), sortedLines(
		"GRANT SELECT ON `"+dbname+"`.`customers` TO `"+auditName+"`",
		"GRANT USAGE ON *.* TO `"+auditName+"`",
	); got != want {
		t.Errorf("netc changed the privileges of a role it does not manage:\n%s\nwant:\n%s", got, want)
	}

	// Small programs: no declared role at all; a declared role with nothing and no login.
	for i, small := range []func(b *builder, db *ir.Database){
		func(b *builder, db *ir.Database) { b.login(db, soloName, b.implied(db, loneName)) },
		func(b *builder, db *ir.Database) { b.role(db, emptyName) },
	} {
		b := newBuilder()
		small(b, b.database("it", "db", ir.MariaDB, dbname))
		s := scriptOf(t, b.p)
		e.mustApply(s)
		e.viaDrive = true
		e.mustApply(s)
		e.viaDrive = false
		if i > 0 {
			continue
		}
		if got := e.rows("SELECT Role FROM mysql.roles_mapping WHERE Host = '%' AND User = ?", soloName); !slices.Equal(got, []string{loneName}) {
			t.Errorf("login %s has roles %v, want %s", soloName, got, loneName)
		}
	}
	if got, want := e.grants(myIdent(emptyName)), "GRANT USAGE ON *.* TO `"+emptyName+"`"; got != want {
		t.Errorf("a role declared with no privilege has: %s", got)
	}

	// A missing object stops the script before it changes anything.
	bad := program(roName)
	bad.Roles = append(bad.Roles, &ir.Role{Database: bad.Roles[0].Database, Name: atomicName, Declared: true,
		Privileges: []ir.Privilege{priv("SELECT", ir.Table, dbname, "no_such_table")}})
	if err := e.apply(scriptOf(t, bad)); err == nil || !strings.Contains(err.Error(), "no_such_table` does not exist") {
		t.Errorf("a script granting on a missing table: %v, want it refused", err)
	}
	if got := e.rows("SELECT User FROM mysql.global_priv WHERE User = ?", atomicName); len(got) != 0 {
		t.Errorf("a refused script created role %s", atomicName)
	}
	if got := e.rows("SELECT Role FROM mysql.roles_mapping WHERE Host = '%' AND User = ?", workerName); !slices.Equal(got, []string{auditName}) {
		t.Errorf("a refused script changed memberships: %v", got)
	}
}
