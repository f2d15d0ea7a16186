package sqlstate

// Real-server tests on PostgreSQL (NETC_PG_DSN, default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable; skipped loudly when
// unreachable, failed under NETC_REQUIRE_DB=1). Each test has a throwaway database and
// role names unique to the run; everything is dropped at the end.
//
// What makes plan honest: for each scenario, plan; apply the real generated script;
// the catalog's change (a dump before and after) must be exactly what the plan said;
// then plan again says nothing. What proves read-only: the whole catalog dump is byte
// for byte the same before and after plan and audit, and writes through a connection
// Open made fail.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/netc-dev/netc/backends"
	"github.com/netc-dev/netc/backends/sql"
	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/internal/dbtest"
)

// compile builds src (with netc.hcl text hcl, may be empty) and returns the model and
// the script of its one database.
func compile(t *testing.T, src, hcl string) (*sql.Model, []byte) {
	t.Helper()
	cfg := config.Default()
	if hcl != "" {
		c, diags := config.Load("netc.hcl", []byte(hcl))
		if diags.HasErrors() {
			t.Fatalf("netc.hcl: %v", diags)
		}
		cfg = c
	}
	res := backends.Pipeline([]compiler.Source{{Name: "test.net", Data: []byte(src)}}, cfg)
	if res.Program == nil || res.Files == nil {
		t.Fatalf("the program does not build: %v", res.Diags)
	}
	ms := sql.Models(res.Program)
	if len(ms) != 1 {
		t.Fatalf("%d databases, want 1", len(ms))
	}
	for _, f := range res.Files {
		if f.Path == ms[0].Path {
			return &ms[0], f.Data
		}
	}
	t.Fatalf("no script %s", ms[0].Path)
	return nil, nil
}

type pgTest struct {
	t      *testing.T
	ctx    context.Context
	admin  *pgx.Conn // to the throwaway database, as the superuser
	url    string    // of the throwaway database
	dbname string
	prefix string
}

func newPGTest(t *testing.T) *pgTest {
	dsn := dbtest.PostgresDSN()
	ctx := dbtest.Context(t)
	main := dbtest.ConnectPostgres(ctx, t, dsn)
	sfx := dbtest.Suffix(t)
	s := &pgTest{t: t, ctx: ctx, dbname: "netc_live_" + sfx, prefix: "l" + sfx + "_"}
	if _, err := main.Exec(ctx, `CREATE DATABASE "`+s.dbname+`"`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		defer main.Close(ctx)
		if s.admin != nil {
			s.admin.Close(ctx)
		}
		if _, err := main.Exec(ctx, `DROP DATABASE IF EXISTS "`+s.dbname+`" WITH (FORCE)`); err != nil {
			t.Errorf("dropping %s: %v", s.dbname, err)
		}
		dbtest.DropPostgresRoles(ctx, t, main, s.prefix)
	})
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = s.dbname
	if s.admin, err = pgx.ConnectConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	s.url = strings.Replace(cfg.ConnString(), "/postgres?", "/"+s.dbname+"?", 1)
	if !strings.Contains(s.url, s.dbname) {
		s.url = fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, s.dbname)
	}
	return s
}

func (s *pgTest) exec(stmts ...string) {
	s.t.Helper()
	for _, st := range stmts {
		if _, err := s.admin.Exec(s.ctx, st); err != nil {
			s.t.Fatalf("%s: %v", st, err)
		}
	}
}

// apply runs a script as one multi-statement query (the simple protocol), as a
// superuser: what psql -f does with it.
func (s *pgTest) apply(script []byte) error {
	_, err := s.admin.PgConn().Exec(s.ctx, string(script)).ReadAll()
	if err != nil {
		s.admin.Exec(s.ctx, "ROLLBACK")
	}
	return err
}

func (s *pgTest) report(command string, m *sql.Model) *Report {
	s.t.Helper()
	c, err := Open(s.ctx, s.url)
	if err != nil {
		s.t.Fatal(err)
	}
	defer c.Close()
	read := Plan
	if command == "audit" {
		read = Audit
	}
	r, err := read(s.ctx, c, m)
	if err != nil {
		s.t.Fatal(err)
	}
	return r
}

// state is what the plan is about, read independently of the package's own queries:
// one line per role of the test (attributes), comment, membership, privilege (any
// grantor) and default privilege, sorted.
func (s *pgTest) state() []string {
	s.t.Helper()
	rows, err := s.admin.Query(s.ctx, `
		WITH r AS (SELECT oid, rolname FROM pg_roles WHERE starts_with(rolname, $1))
		SELECT format('role %s login=%s super=%s createdb=%s createrole=%s replication=%s bypassrls=%s',
		              a.rolname, a.rolcanlogin::text, a.rolsuper::text, a.rolcreatedb::text, a.rolcreaterole::text, a.rolreplication::text, a.rolbypassrls::text)
		  FROM pg_roles a JOIN r ON r.oid = a.oid
		UNION SELECT format('comment %s %s', r.rolname, d.description)
		  FROM r JOIN pg_shdescription d ON d.objoid = r.oid AND d.classoid = 'pg_authid'::regclass
		UNION SELECT format('member %s %s admin=%s', g.rolname, m.rolname, bool_or(am.admin_option)::text)
		  FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
		 WHERE am.roleid IN (SELECT oid FROM r) OR am.member IN (SELECT oid FROM r) GROUP BY g.rolname, m.rolname
		UNION SELECT format('acl %s %s %s grantable=%s', x.target, r.rolname, x.privilege_type, bool_or(x.is_grantable)::text)
		  FROM (SELECT format(CASE c.relkind WHEN 'S' THEN 'sequence %I.%I' ELSE 'table %I.%I' END, n.nspname, c.relname) AS target, a.*
		          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL aclexplode(c.relacl) a
		        UNION ALL
		        SELECT format('table %I.%I (%s)', n.nspname, c.relname, t.attname), a.*
		          FROM pg_attribute t JOIN pg_class c ON c.oid = t.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		         CROSS JOIN LATERAL aclexplode(t.attacl) a
		        UNION ALL
		        SELECT format('function %I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), a.*
		          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace CROSS JOIN LATERAL aclexplode(p.proacl) a
		        UNION ALL
		        SELECT format('schema %I', n.nspname), a.* FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a
		        UNION ALL
		        SELECT format('database %I', d.datname), a.* FROM pg_database d CROSS JOIN LATERAL aclexplode(d.datacl) a
		         WHERE d.datname = current_database()) x
		  JOIN r ON r.oid = x.grantee
		 GROUP BY x.target, r.rolname, x.privilege_type
		UNION SELECT format('default %s %s %s', r.rolname, o.rolname, d.defaclobjtype)
		  FROM pg_default_acl d JOIN pg_roles o ON o.oid = d.defaclrole CROSS JOIN LATERAL aclexplode(d.defaclacl) a
		  JOIN r ON r.oid = a.grantee
		ORDER BY 1`, s.prefix)
	if err != nil {
		s.t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		s.t.Fatal(err)
	}
	return lines
}

// simulate applies a plan's printed changes to a state, as a reader would take them.
func simulate(t *testing.T, state []string, changes []Change) []string {
	t.Helper()
	set := map[string]bool{}
	for _, l := range state {
		set[l] = true
	}
	drop := func(prefix string) {
		for l := range set {
			if strings.HasPrefix(l, prefix) {
				delete(set, l)
			}
		}
	}
	for _, c := range changes {
		switch {
		case c.Action == Create:
			set[fmt.Sprintf("role %s login=%t super=false createdb=false createrole=false replication=false bypassrls=false", c.Account, c.Privilege == "LOGIN")] = true
			set["comment "+c.Account+" "+c.Marker] = true
		case c.Action == Mark:
			drop("comment " + c.Account + " ")
			set["comment "+c.Account+" "+c.Marker] = true
		case c.Action == Alter:
			drop("role " + c.Account + " ")
			set["role "+c.Account+" login=false super=false createdb=false createrole=false replication=false bypassrls=false"] = true
		case c.Action == Grant && c.Role != "":
			set[fmt.Sprintf("member %s %s admin=false", c.Role, c.Account)] = true
		case c.Action == Grant:
			set[fmt.Sprintf("acl %s %s %s grantable=false", c.Object, c.Account, c.Privilege)] = true
		case c.Action == Revoke && c.Role != "" && c.Privilege == "ADMIN OPTION":
			delete(set, fmt.Sprintf("member %s %s admin=true", c.Role, c.Account))
			set[fmt.Sprintf("member %s %s admin=false", c.Role, c.Account)] = true
		case c.Action == Revoke && c.Role != "":
			drop(fmt.Sprintf("member %s %s ", c.Role, c.Account))
		case c.Action == Revoke && strings.HasPrefix(c.Object, "default privileges on "):
			drop("default " + c.Account + " ")
		case c.Action == Revoke:
			target := c.Object
			if c.Column != "" {
				target += " (" + c.Column + ")"
			}
			if p, ok := strings.CutPrefix(c.Privilege, "GRANT OPTION FOR "); ok {
				delete(set, fmt.Sprintf("acl %s %s %s grantable=true", target, c.Account, p))
				set[fmt.Sprintf("acl %s %s %s grantable=false", target, c.Account, p)] = true
			} else {
				drop(fmt.Sprintf("acl %s %s %s ", target, c.Account, c.Privilege))
			}
		default:
			t.Fatalf("a plan with changes the script cannot make: %+v", c)
		}
	}
	out := make([]string, 0, len(set))
	for l := range set {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// converges plans, applies the script, and wants the catalog changed by exactly the
// plan; then a second plan says nothing. It returns the plan.
func (s *pgTest) converges(m *sql.Model, script []byte) []Change {
	s.t.Helper()
	before := s.state()
	plan := s.report("plan", m)
	if err := s.apply(script); err != nil {
		s.t.Fatalf("applying the script: %v", err)
	}
	after := s.state()
	if want := simulate(s.t, before, plan.Changes); !slices.Equal(want, after) {
		s.t.Errorf("the script changed the catalog other than the plan said.\nplan:\n%s\nexpected after:\n%s\nactual after:\n%s",
			text(plan), strings.Join(want, "\n"), strings.Join(after, "\n"))
	}
	if again := s.report("plan", m); !again.Clean() {
		s.t.Errorf("after applying, plan still has changes:\n%s", text(again))
	}
	return plan.Changes
}

func text(r *Report) string {
	var b strings.Builder
	r.WriteText(&b)
	return b.String()
}

func lines(r *Report) []string {
	var out []string
	for _, c := range r.Changes {
		out = append(out, c.Symbol()+" "+c.String())
	}
	for _, f := range r.Findings {
		out = append(out, f.String())
	}
	return out
}

// wantLines compares lines as sets (the report's order is its own, sorted by kind).
func wantLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n--- got\n%s\n--- want\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPostgresPlanAndAudit(t *testing.T) {
	s := newPGTest(t)
	p := s.prefix
	s.exec(`CREATE TABLE orders (id int, note text)`, `CREATE TABLE secrets (id int)`, `CREATE SCHEMA reporting`,
		`CREATE TABLE reporting.daily (d int)`, `CREATE SEQUENCE orders_id_seq`,
		`CREATE FUNCTION refresh() RETURNS int LANGUAGE sql AS 'SELECT 1'`,
		`CREATE FUNCTION refresh(int) RETURNS int LANGUAGE sql AS 'SELECT 1'`)
	program := func(roOn string) string {
		return fmt.Sprintf(`namespace shop
database db postgres { dbname %s }
role %srw on db {
  select, insert, update on orders
  usage on sequence orders_id_seq
  execute on function refresh
}
role %sro on db { select on %s }
service backend { login %sbackend }
service worker { login %sworker }
backend -> db:5432 as role %srw
worker -> db:5432 as role %sro, %saudit
`, s.dbname, p, p, roOn, p, p, p, p, p)
	}
	m, script := compile(t, program("orders, reporting.daily"), "")

	// 1. A fresh server: everything is created and granted.
	first := s.converges(m, script)
	got := lines(&Report{Changes: first})
	want := []string{
		"+ create login " + p + "backend LOGIN, marked \"netc: service login\"",
		"+ create login " + p + "worker LOGIN, marked \"netc: service login\"",
		"+ create role " + p + "audit NOLOGIN, marked \"netc: role of database \\\"" + s.dbname + "\\\", privileges not managed\"",
		"+ create role " + p + "ro NOLOGIN, marked \"netc: role of database \\\"" + s.dbname + "\\\"\"",
		"+ create role " + p + "rw NOLOGIN, marked \"netc: role of database \\\"" + s.dbname + "\\\"\"",
		"+ grant role " + p + "rw to login " + p + "backend",
		"+ grant role " + p + "audit to login " + p + "worker",
		"+ grant role " + p + "ro to login " + p + "worker",
		"+ grant CONNECT on database " + s.dbname + " to role " + p + "ro",
		"+ grant USAGE on schema public to role " + p + "ro",
		"+ grant USAGE on schema reporting to role " + p + "ro",
		"+ grant SELECT on table public.orders to role " + p + "ro",
		"+ grant SELECT on table reporting.daily to role " + p + "ro",
		"+ grant CONNECT on database " + s.dbname + " to role " + p + "rw",
		"+ grant EXECUTE on function public.refresh() to role " + p + "rw",
		"+ grant EXECUTE on function public.refresh(integer) to role " + p + "rw",
		"+ grant USAGE on schema public to role " + p + "rw",
		"+ grant USAGE on sequence public.orders_id_seq to role " + p + "rw",
		"+ grant INSERT on table public.orders to role " + p + "rw",
		"+ grant SELECT on table public.orders to role " + p + "rw",
		"+ grant UPDATE on table public.orders to role " + p + "rw",
	}
	wantLines(t, "the first plan", got, want)
	if a := s.report("audit", m); !a.Clean() {
		t.Errorf("audit of a converged server has findings:\n%s", text(a))
	}

	// 2. A DBA's changes behind netc's back.
	s.exec(
		`GRANT DELETE ON orders TO "`+p+`rw"`,
		`GRANT SELECT ON orders TO "`+p+`rw" WITH GRANT OPTION`,
		`GRANT UPDATE (id) ON secrets TO "`+p+`ro"`,
		`ALTER ROLE "`+p+`rw" LOGIN CREATEDB`,
		`CREATE ROLE "`+p+`dba"`,
		`GRANT "`+p+`dba" TO "`+p+`ro"`,
		`GRANT "`+p+`rw" TO "`+p+`worker" WITH ADMIN OPTION`,
		`GRANT "`+p+`ro" TO "`+p+`backend"`,
		`GRANT "`+p+`rw" TO "`+p+`backend" WITH ADMIN OPTION`,
		`GRANT "`+p+`dba" TO "`+p+`worker"`,
		`ALTER ROLE "`+p+`worker" SUPERUSER CREATEROLE`,
		`GRANT SELECT ON secrets TO "`+p+`backend"`,
		`ALTER DEFAULT PRIVILEGES IN SCHEMA reporting GRANT SELECT ON TABLES TO "`+p+`ro"`,
	)
	audit := s.report("audit", m)
	wantLines(t, "the audit after the DBA's changes", lines(audit), []string{
		"login " + p + "backend holds SELECT on table public.secrets; the script leaves it: take it away by hand",
		"login " + p + "backend is a member of role " + p + "ro; the script takes it away",
		"login " + p + "backend is a member of role " + p + "rw with ADMIN OPTION; the script takes it away",
		"login " + p + "worker has CREATEROLE; the script leaves it: take it away by hand",
		"login " + p + "worker has SUPERUSER; the script leaves it: take it away by hand",
		"login " + p + "worker is a member of role " + p + "dba; the script leaves it: take it away by hand",
		"login " + p + "worker is a member of role " + p + "rw; the script takes it away",
		"role " + p + "ro holds ALL on default privileges on TABLES created by postgres in schema reporting; the script takes it away",
		"role " + p + "ro is a member of role " + p + "dba; the script takes it away",
		"role " + p + "ro holds UPDATE (id) on table public.secrets; the script takes it away",
		"role " + p + "rw has CREATEDB; the script takes it away",
		"role " + p + "rw has LOGIN; the script takes it away",
		"role " + p + "rw may grant SELECT on table public.orders to others; the script takes it away",
		"role " + p + "rw holds DELETE on table public.orders; the script takes it away",
	})
	drift := s.converges(m, script)
	wantLines(t, "the plan after the DBA's changes", lines(&Report{Changes: drift}), []string{
		"~ alter role " + p + "rw: take away LOGIN, CREATEDB",
		"- revoke ADMIN OPTION for role " + p + "rw from login " + p + "backend",
		"- revoke role " + p + "ro from login " + p + "backend",
		"- revoke role " + p + "rw from login " + p + "worker",
		"- revoke ALL on default privileges on TABLES created by postgres in schema reporting from role " + p + "ro",
		"- revoke UPDATE (id) on table public.secrets from role " + p + "ro",
		"- revoke role " + p + "dba from role " + p + "ro",
		"- revoke DELETE on table public.orders from role " + p + "rw",
		"- revoke GRANT OPTION FOR SELECT on table public.orders from role " + p + "rw",
	})
	// What the script leaves alone, audit still reports.
	wantLines(t, "the audit after applying", lines(s.report("audit", m)), []string{
		"login " + p + "backend holds SELECT on table public.secrets; the script leaves it: take it away by hand",
		"login " + p + "worker has CREATEROLE; the script leaves it: take it away by hand",
		"login " + p + "worker has SUPERUSER; the script leaves it: take it away by hand",
		"login " + p + "worker is a member of role " + p + "dba; the script leaves it: take it away by hand",
	})

	// 3. The program changes: ro no longer reads reporting.daily, rw is gone (stale).
	m2, script2 := compile(t, fmt.Sprintf(`namespace shop
database db postgres { dbname %s }
role %sro on db { select on orders }
service worker { login %sworker }
worker -> db:5432 as role %sro
`, s.dbname, p, p, p), "")
	s.exec(`GRANT SELECT ON secrets TO "` + p + `rw"`)
	wantLines(t, "the audit of stale roles", lines(s.report("audit", m2)), []string{
		"login " + p + "worker has CREATEROLE; the script leaves it: take it away by hand",
		"login " + p + "worker has SUPERUSER; the script leaves it: take it away by hand",
		"login " + p + "worker is a member of role " + p + "audit; the script takes it away",
		"login " + p + "worker is a member of role " + p + "dba; the script leaves it: take it away by hand",
		"login " + p + "backend is a member of role " + p + "rw (a netc login that no intent gives this database); the script takes it away",
		"role " + p + "ro holds SELECT on table reporting.daily; the script takes it away",
		"role " + p + "ro holds USAGE on schema reporting; the script takes it away",
		"stale role " + p + "rw holds CONNECT on database " + s.dbname + "; the script takes it away",
		"stale role " + p + "rw holds EXECUTE on function public.refresh(); the script takes it away",
		"stale role " + p + "rw holds EXECUTE on function public.refresh(integer); the script takes it away",
		"stale role " + p + "rw holds INSERT on table public.orders; the script takes it away",
		"stale role " + p + "rw holds SELECT on table public.orders; the script takes it away",
		"stale role " + p + "rw holds SELECT on table public.secrets; the script takes it away",
		"stale role " + p + "rw holds UPDATE on table public.orders; the script takes it away",
		"stale role " + p + "rw holds USAGE on schema public; the script takes it away",
		"stale role " + p + "rw holds USAGE on sequence public.orders_id_seq; the script takes it away",
	})
	s.converges(m2, script2)
}

func TestPostgresPlanRefusesAndFails(t *testing.T) {
	s := newPGTest(t)
	p := s.prefix
	s.exec(`CREATE TABLE orders (id int)`,
		`CREATE ROLE "`+p+`dba" LOGIN CREATEROLE`, `COMMENT ON ROLE "`+p+`dba" IS 'the DBA'`,
		`GRANT SELECT ON orders TO "`+p+`dba"`)
	src := fmt.Sprintf(`namespace shop
database db postgres { dbname %s }
role %sdba on db { select on orders }
service backend { login %sbackend }
backend -> db:5432 as role %sdba
`, s.dbname, p, p, p)
	m, script := compile(t, src, "")
	before := s.state()
	plan := s.report("plan", m)
	wantLines(t, "the plan over a foreign role", lines(plan), []string{
		"! refuse role " + p + "dba: it exists and netc did not create it; to let netc take it over, add to netc.hcl: database \"shop/db\" { adopt = [\"" + p + "dba\"] }",
	})
	if err := s.apply(script); err == nil || !strings.Contains(err.Error(), "netc did not create it") {
		t.Fatalf("the script ran over a foreign role: %v", err)
	}
	wantLines(t, "the catalog after the refused script", s.state(), before)

	// Adopted: the plan takes it over.
	m, script = compile(t, src, `database "shop/db" { adopt = ["`+p+`dba"] }`)
	adopted := s.converges(m, script)
	wantLines(t, "the plan of an adoption", lines(&Report{Changes: adopted}), []string{
		"+ create login " + p + "backend LOGIN, marked \"netc: service login\"",
		"~ mark role " + p + "dba as netc's, marked \"netc: role of database \\\"" + s.dbname + "\\\"\"",
		"~ alter role " + p + "dba: take away LOGIN, CREATEROLE",
		"+ grant role " + p + "dba to login " + p + "backend",
		"+ grant CONNECT on database " + s.dbname + " to role " + p + "dba",
		"+ grant USAGE on schema public to role " + p + "dba",
	})

	// A table that does not exist: the script fails and rolls back.
	m, script = compile(t, fmt.Sprintf(`namespace shop
database db postgres { dbname %s }
role %sdba on db { select on orders, missing }
`, s.dbname, p), "")
	before = s.state()
	wantLines(t, "the plan with a missing table", lines(s.report("plan", m)), []string{
		"! fail: table or sequence public.missing does not exist; the script stops there and rolls back",
	})
	if err := s.apply(script); err == nil {
		t.Fatal("the script ran with a missing table")
	}
	wantLines(t, "the catalog after the failed script", s.state(), before)
}

// catalog is every catalog row about the test's roles and database, as text: any write
// by plan or audit to them shows. (The cluster's other rows are left out: other tests
// share the server and change them meanwhile.) Roles: their pg_authid rows (attributes,
// password, validity), comments, memberships both ways and per-role settings; the
// database: its pg_database row (ACL, owner), every ACL of its relations, columns,
// functions and schemas, and its default privileges.
func (s *pgTest) catalog() string {
	s.t.Helper()
	rows, err := s.admin.Query(s.ctx, `
		WITH r AS (SELECT oid FROM pg_authid WHERE starts_with(rolname, $1))
		SELECT 'authid ' || row(a.*)::text FROM pg_authid a WHERE a.oid IN (SELECT oid FROM r)
		UNION ALL SELECT 'member ' || row(m.*)::text FROM pg_auth_members m
		 WHERE m.roleid IN (SELECT oid FROM r) OR m.member IN (SELECT oid FROM r)
		UNION ALL SELECT 'comment ' || row(d.*)::text FROM pg_shdescription d WHERE d.objoid IN (SELECT oid FROM r)
		UNION ALL SELECT 'settings ' || row(x.*)::text FROM pg_db_role_setting x
		 WHERE x.setrole IN (SELECT oid FROM r) OR x.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
		UNION ALL SELECT 'database ' || row(d.*)::text FROM pg_database d WHERE d.datname = current_database()
		UNION ALL SELECT 'class ' || c.oid || ' ' || coalesce(c.relacl::text, '') FROM pg_class c
		UNION ALL SELECT 'attribute ' || t.attrelid || ' ' || t.attnum || ' ' || coalesce(t.attacl::text, '') FROM pg_attribute t
		UNION ALL SELECT 'proc ' || p.oid || ' ' || coalesce(p.proacl::text, '') FROM pg_proc p
		UNION ALL SELECT 'namespace ' || n.oid || ' ' || coalesce(n.nspacl::text, '') FROM pg_namespace n
		UNION ALL SELECT 'default ' || row(d.*)::text FROM pg_default_acl d
		ORDER BY 1`, s.prefix)
	if err != nil {
		s.t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		s.t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

func TestPostgresReadOnly(t *testing.T) {
	s := newPGTest(t)
	p := s.prefix
	s.exec(`CREATE TABLE orders (id int)`, `CREATE ROLE "`+p+`other"`)
	// Drift of every kind, so plan and audit have work to do.
	m, script := compile(t, fmt.Sprintf(`namespace shop
database db postgres { dbname %s }
role %srw on db { select on orders }
service backend { login %sbackend }
backend -> db:5432 as role %srw
`, s.dbname, p, p, p), "")
	if err := s.apply(script); err != nil {
		t.Fatal(err)
	}
	s.exec(`GRANT DELETE ON orders TO "`+p+`rw" WITH GRANT OPTION`, `ALTER ROLE "`+p+`backend" SUPERUSER`,
		`GRANT "`+p+`other" TO "`+p+`backend"`, `REVOKE "`+p+`rw" FROM "`+p+`backend"`)
	before := s.catalog()
	if !strings.Contains(before, "authid (") || !strings.Contains(before, "comment (") || !strings.Contains(before, p+"rw") {
		t.Fatal("the catalog dump holds no roles: the comparison would prove nothing")
	}
	plan, audit := s.report("plan", m), s.report("audit", m)
	if plan.Clean() || audit.Clean() {
		t.Fatalf("plan or audit found nothing to do:\n%s\n%s", text(plan), text(audit))
	}
	if after := s.catalog(); after != before {
		t.Errorf("plan and audit changed the server's catalog")
	}

	// The connection itself refuses writes: in its transaction, and in the session.
	for _, stmt := range []string{
		`CREATE ROLE "` + p + `intruder"`,
		`GRANT DELETE ON orders TO "` + p + `rw"`,
		`COMMENT ON ROLE "` + p + `rw" IS 'x'`,
		`CREATE TABLE t (id int)`,
	} {
		c, err := Open(s.ctx, s.url)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.pgTx.Exec(s.ctx, stmt); err == nil || !strings.Contains(err.Error(), "read-only transaction") {
			t.Errorf("%s in the read transaction: %v, want a read-only refusal", stmt, err)
		}
		c.pgTx.Rollback(s.ctx)
		c.pgTx = nil
		if _, err := c.pg.Exec(s.ctx, stmt); err == nil || !strings.Contains(err.Error(), "read-only transaction") {
			t.Errorf("%s in the session: %v, want a read-only refusal", stmt, err)
		}
		c.Close()
	}
	if after := s.catalog(); after != before {
		t.Errorf("the refused writes changed the catalog")
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ url, want string }{
		{"127.0.0.1:5432/db", "--db wants a URL"},
		{"oracle://x/y", `unknown scheme "oracle"`},
		{"postgres://postgres@127.0.0.1:5432", "names no database"},
		{"postgres://postgres:hunter2@127.0.0.1:1/db?connect_timeout=2", "cannot connect to PostgreSQL at 127.0.0.1:1/db"},
		{"mysql://root@tcp(127.0.0.1:1)/db?timeout=2s", "cannot connect to MySQL or MariaDB at 127.0.0.1:1/db"},
		{"mariadb://root@127.0.0.1:1/", "names no database"},
	} {
		c, err := Open(ctx, tc.url)
		if err == nil {
			c.Close()
			t.Errorf("Open(%q) worked", tc.url)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q): %v, want %q and no password", tc.url, err, tc.want)
		}
	}
}

// ALL (waived past ddl-privilege) is every privilege of the kind, as the server itself
// defines it (acldefault), on the server's version.
func TestPostgresPlanAll(t *testing.T) {
	s := newPGTest(t)
	p := s.prefix
	s.exec(`CREATE TABLE orders (id int)`, `CREATE SEQUENCE ids`, `CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'`)
	m, script := compile(t, fmt.Sprintf(`namespace shop
database db postgres { dbname %s }
role %sadmin on db {
  all on orders # netc:allow ddl-privilege the test needs ALL
  all on sequence ids # netc:allow ddl-privilege the test needs ALL
  all on function f # netc:allow ddl-privilege the test needs ALL
}
`, s.dbname, p), "")
	s.converges(m, script)
	s.exec(`REVOKE TRUNCATE ON orders FROM "` + p + `admin"`)
	wantLines(t, "the plan after a revoke", lines(s.report("plan", m)), []string{
		"+ grant TRUNCATE on table public.orders to role " + p + "admin",
	})
	s.converges(m, script)
}
