package sqlstate

// Real-server tests on MariaDB (NETC_MYSQL_DSN, default root@tcp(127.0.0.1:3306)/),
// the same way as on PostgreSQL: plan, apply the real script with the mariadb client,
// the grant tables and netc's record must change by exactly the plan, plan again says
// nothing; plan and audit leave every grant table byte for byte as it was, and the
// connection refuses writes.

import (
	"context"
	gosql "database/sql"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/netc-dev/netc/backends/sql"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/internal/dbtest"
)

type myTest struct {
	t      *testing.T
	ctx    context.Context
	cfg    *mysql.Config
	admin  *gosql.DB
	url    string
	dbname string
	prefix string
}

func newMyTest(t *testing.T) *myTest {
	ctx := dbtest.Context(t)
	admin, cfg := dbtest.OpenMariaDB(ctx, t, dbtest.MariaDBDSN())
	sfx := dbtest.Suffix(t)
	s := &myTest{t: t, ctx: ctx, cfg: cfg, admin: admin, dbname: "netc_live_" + sfx, prefix: "l" + sfx + "_"}
	t.Cleanup(func() {
		ctx := context.Background()
		defer admin.Close()
		admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+s.dbname+"`")
		admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+s.dbname+"_rep`")
		dbtest.DropMariaDBAccounts(ctx, t, admin, s.prefix)
		admin.ExecContext(ctx, "DELETE FROM netc.managed_roles WHERE name LIKE ? OR db LIKE ?", s.prefix+"%", s.dbname+"%")
	})
	s.exec("CREATE DATABASE `" + s.dbname + "`")
	u := cfg.Clone()
	u.DBName = s.dbname
	u.MultiStatements = false
	s.url = "mariadb://" + u.FormatDSN()
	return s
}

func (s *myTest) exec(stmts ...string) {
	s.t.Helper()
	for _, st := range stmts {
		if _, err := s.admin.ExecContext(s.ctx, st); err != nil {
			s.t.Fatalf("%s: %v", st, err)
		}
	}
}

// apply runs a script the way its header says: mariadb DBNAME < FILE.
func (s *myTest) apply(script []byte) error {
	client, err := exec.LookPath("mariadb")
	if err != nil {
		s.t.Skip("no mariadb client to apply the script with")
	}
	args := []string{"--no-defaults", "--default-character-set=utf8mb4", "-u", s.cfg.User}
	if s.cfg.Passwd != "" {
		args = append(args, "--password="+s.cfg.Passwd)
	}
	host, port, _ := strings.Cut(s.cfg.Addr, ":")
	args = append(args, "--protocol=TCP", "-h", host, "-P", port, s.dbname)
	cmd := exec.CommandContext(s.ctx, client, args...)
	cmd.Stdin = strings.NewReader(string(script))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("mariadb: %v\n%s", err, out)
	}
	return nil
}

func (s *myTest) report(command string, m *sql.Model) *Report {
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

func (s *myTest) strings(query string, args ...any) []string {
	s.t.Helper()
	rows, err := s.admin.QueryContext(s.ctx, query, args...)
	if err != nil {
		s.t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			s.t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// state is what the plan is about, read from the grant tables directly: one line per
// account of the test, server-wide privilege, default role, privilege on a database,
// table, column or routine, role membership, and row of netc's record.
func (s *myTest) state() []string {
	s.t.Helper()
	like := s.prefix + "%"
	out := s.strings("SELECT CONCAT('account ', User, '@', Host) FROM mysql.user WHERE User LIKE ?", like)
	out = append(out, s.strings("SELECT CONCAT('default ', User, '@', Host, ' ', default_role) FROM mysql.user WHERE User LIKE ? AND default_role <> ''", like)...)
	rows, err := s.admin.QueryContext(s.ctx, "SELECT * FROM mysql.user WHERE User LIKE ?", like)
	if err != nil {
		s.t.Fatal(err)
	}
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]gosql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		rows.Scan(ptrs...)
		for i, c := range cols {
			if strings.HasSuffix(c, "_priv") && string(vals[i]) == "Y" {
				out = append(out, fmt.Sprintf("global %s@%s %s", vals[1], vals[0], c))
			}
		}
	}
	rows.Close()
	dbCols, setElems := sql.AccountPrivileges(ir.MariaDB)
	for _, c := range dbCols {
		out = append(out, s.strings("SELECT CONCAT('db ', User, '@', Host, ' ', Db, ' ', ?) FROM mysql.db WHERE User LIKE ? AND `"+c[0]+"` = 'Y'", c[1], like)...)
	}
	for _, e := range setElems {
		out = append(out, s.strings("SELECT CONCAT('table ', User, '@', Host, ' ', Db, '.', Table_name, ' ', ?) FROM mysql.tables_priv WHERE User LIKE ? AND FIND_IN_SET(?, Table_priv)", e[1], like, e[0])...)
		out = append(out, s.strings("SELECT CONCAT('column ', User, '@', Host, ' ', Db, '.', Table_name, ' (', Column_name, ') ', ?) FROM mysql.columns_priv WHERE User LIKE ? AND FIND_IN_SET(?, Column_priv)", e[1], like, e[0])...)
		out = append(out, s.strings("SELECT CONCAT('proc ', User, '@', Host, ' ', LOWER(Routine_type), ' ', Db, '.', Routine_name, ' ', ?) FROM mysql.procs_priv WHERE User LIKE ? AND FIND_IN_SET(?, Proc_priv)", e[1], like, e[0])...)
	}
	// Memberships of the test's accounts. (CREATE ROLE also makes the account that runs
	// it a member WITH ADMIN OPTION, which the plan says in words; that account is not
	// the test's.)
	out = append(out, s.strings("SELECT CONCAT('member ', User, '@', Host, ' ', Role, ' admin=', Admin_option) FROM mysql.roles_mapping WHERE User LIKE ?", like)...)
	out = append(out, s.strings("SELECT CONCAT('record ', db, ' ', account, ' ', name, ' ', privileges_managed) FROM netc.managed_roles WHERE name LIKE ?", like)...)
	slices.Sort(out)
	return out
}

// mySimulate applies a plan's printed changes to a state, as a reader would take them.
func mySimulate(t *testing.T, db string, state []string, changes []Change) []string {
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
	acct := func(c Change) string {
		if c.AccountKind == "login" {
			return c.Account + "@%"
		}
		return c.Account + "@"
	}
	managed := func(c Change) string {
		if strings.Contains(c.Detail, "privileges managed") {
			return "1"
		}
		return "0"
	}
	priv := func(c Change) string {
		kind, obj, _ := strings.Cut(c.Object, " ")
		switch kind {
		case "database":
			return fmt.Sprintf("db %s %s %s", acct(c), obj, c.Privilege)
		case "function", "procedure":
			return fmt.Sprintf("proc %s %s %s %s", acct(c), kind, obj, c.Privilege)
		}
		if c.Column != "" {
			return fmt.Sprintf("column %s %s (%s) %s", acct(c), obj, c.Column, c.Privilege)
		}
		return fmt.Sprintf("table %s %s %s", acct(c), obj, c.Privilege)
	}
	kind := func(c Change) string { return strings.TrimPrefix(c.AccountKind, "stale ") }
	for _, c := range changes {
		switch {
		case c.Action == Create && c.Account == "":
		case c.Action == Create:
			set["account "+acct(c)] = true
			set[fmt.Sprintf("record %s %s %s %s", db, kind(c), c.Account, managed(c))] = true
		case c.Action == Mark:
			drop(fmt.Sprintf("record %s %s %s ", db, kind(c), c.Account))
			set[fmt.Sprintf("record %s %s %s %s", db, kind(c), c.Account, managed(c))] = true
		case c.Action == Alter && c.Privilege == "default role":
			drop("default " + acct(c) + " ")
			if c.Role != "" {
				set["default "+acct(c)+" "+c.Role] = true
			}
		case c.Action == Alter:
			drop("global " + acct(c) + " ")
		case c.Action == Grant && c.Role != "":
			set[fmt.Sprintf("member %s %s admin=N", acct(c), c.Role)] = true
		case c.Action == Grant:
			set[priv(c)] = true
		case c.Action == Revoke && c.Role != "" && c.Privilege == "ADMIN OPTION":
			delete(set, fmt.Sprintf("member %s %s admin=Y", acct(c), c.Role))
			set[fmt.Sprintf("member %s %s admin=N", acct(c), c.Role)] = true
		case c.Action == Revoke && c.Role != "":
			drop(fmt.Sprintf("member %s %s ", acct(c), c.Role))
		case c.Action == Revoke:
			delete(set, priv(c))
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

func (s *myTest) converges(m *sql.Model, script []byte) []Change {
	s.t.Helper()
	before := s.state()
	plan := s.report("plan", m)
	if err := s.apply(script); err != nil {
		s.t.Fatalf("applying the script: %v", err)
	}
	after := s.state()
	if want := mySimulate(s.t, s.dbname, before, plan.Changes); !slices.Equal(want, after) {
		s.t.Errorf("the script changed the grant tables other than the plan said.\nplan:\n%s\nexpected after:\n%s\nactual after:\n%s",
			text(plan), strings.Join(want, "\n"), strings.Join(after, "\n"))
	}
	if again := s.report("plan", m); !again.Clean() {
		s.t.Errorf("after applying, plan still has changes:\n%s", text(again))
	}
	return plan.Changes
}

const adminNote = " (MariaDB also makes the account that applies the script a member WITH ADMIN OPTION)"

func TestMariaDBPlanAndAudit(t *testing.T) {
	s := newMyTest(t)
	p, db, rep := s.prefix, s.dbname, s.dbname+"_rep"
	s.exec("CREATE TABLE `"+db+"`.orders (id int, note text)", "CREATE TABLE `"+db+"`.secrets (id int)",
		"CREATE DATABASE `"+rep+"`", "CREATE FUNCTION `"+db+"`.refresh() RETURNS int DETERMINISTIC RETURN 1")
	src := fmt.Sprintf(`namespace shop
database db mariadb { dbname %s }
role %srw on db {
  select, insert, update on orders
  execute on function refresh
}
role %sro on db { select on orders; select on schema %s }
service backend { login %sbackend }
service worker { login %sworker }
backend -> db:3306 as role %srw
worker -> db:3306 as role %sro
`, db, p, p, rep, p, p, p, p)
	m, script := compile(t, src, "")

	first := s.converges(m, script)
	wantLines(t, "the first plan", lines(&Report{Changes: first}), []string{
		"+ create login " + p + "backend LOGIN (locked, no usable password), recorded in netc.managed_roles for database " + db,
		"+ create login " + p + "worker LOGIN (locked, no usable password), recorded in netc.managed_roles for database " + db,
		"+ create role " + p + "ro, recorded in netc.managed_roles for database " + db + ", privileges managed" + adminNote,
		"+ create role " + p + "rw, recorded in netc.managed_roles for database " + db + ", privileges managed" + adminNote,
		"~ set the default role of login " + p + "backend to " + p + "rw",
		"~ set the default role of login " + p + "worker to " + p + "ro",
		"+ grant role " + p + "rw to login " + p + "backend",
		"+ grant role " + p + "ro to login " + p + "worker",
		"+ grant SELECT on database " + rep + " to role " + p + "ro",
		"+ grant SELECT on table " + db + ".orders to role " + p + "ro",
		"+ grant EXECUTE on function " + db + ".refresh to role " + p + "rw",
		"+ grant INSERT on table " + db + ".orders to role " + p + "rw",
		"+ grant SELECT on table " + db + ".orders to role " + p + "rw",
		"+ grant UPDATE on table " + db + ".orders to role " + p + "rw",
	})
	if a := s.report("audit", m); !a.Clean() {
		t.Errorf("audit of a converged server has findings:\n%s", text(a))
	}

	// A DBA's changes behind netc's back.
	s.exec(
		"GRANT DELETE ON `"+db+"`.orders TO `"+p+"rw`",
		"GRANT SELECT ON `"+db+"`.* TO `"+p+"rw` WITH GRANT OPTION",
		"GRANT RELOAD ON *.* TO `"+p+"rw`",
		"GRANT UPDATE (id) ON `"+db+"`.secrets TO `"+p+"ro`",
		"CREATE ROLE `"+p+"dba`",
		"GRANT `"+p+"dba` TO `"+p+"ro`",
		"GRANT `"+p+"rw` TO '"+p+"worker'@'%'",
		"GRANT `"+p+"rw` TO '"+p+"backend'@'%' WITH ADMIN OPTION",
		"GRANT `"+p+"dba` TO '"+p+"worker'@'%'",
		"GRANT SUPER ON *.* TO '"+p+"worker'@'%'",
		"GRANT SELECT ON `"+db+"`.secrets TO '"+p+"backend'@'%'",
		"SET DEFAULT ROLE NONE FOR '"+p+"backend'@'%'",
	)
	wantLines(t, "the audit after the DBA's changes", lines(s.report("audit", m)), []string{
		"login " + p + "backend holds SELECT on table " + db + ".secrets; the script leaves it: take it away by hand",
		"login " + p + "backend is a member of role " + p + "rw with ADMIN OPTION; the script takes it away",
		"login " + p + "worker has SUPER (a server-wide privilege); the script leaves it: take it away by hand",
		"login " + p + "worker is a member of role " + p + "dba; the script leaves it: take it away by hand",
		"login " + p + "worker is a member of role " + p + "rw; the script takes it away",
		"role " + p + "ro holds UPDATE (id) on table " + db + ".secrets; the script takes it away",
		"role " + p + "ro is a member of role " + p + "dba; the script takes it away",
		"role " + p + "rw has RELOAD (a server-wide privilege); the script takes it away",
		"role " + p + "rw holds DELETE on table " + db + ".orders; the script takes it away",
		"role " + p + "rw holds SELECT on database " + db + "; the script takes it away",
		"role " + p + "rw may grant its privileges on database " + db + " to others; the script takes it away",
	})
	drift := s.converges(m, script)
	wantLines(t, "the plan after the DBA's changes", lines(&Report{Changes: drift}), []string{
		"~ alter role " + p + "rw: take away the server-wide privileges RELOAD",
		"~ set the default role of login " + p + "backend to " + p + "rw",
		"- revoke ADMIN OPTION for role " + p + "rw from login " + p + "backend",
		"- revoke role " + p + "rw from login " + p + "worker",
		"- revoke UPDATE (id) on table " + db + ".secrets from role " + p + "ro",
		"- revoke role " + p + "dba from role " + p + "ro",
		"- revoke DELETE on table " + db + ".orders from role " + p + "rw",
		"- revoke GRANT OPTION on database " + db + " from role " + p + "rw",
		"- revoke SELECT on database " + db + " from role " + p + "rw",
	})
	wantLines(t, "the audit after applying", lines(s.report("audit", m)), []string{
		"login " + p + "backend holds SELECT on table " + db + ".secrets; the script leaves it: take it away by hand",
		"login " + p + "worker has SUPER (a server-wide privilege); the script leaves it: take it away by hand",
		"login " + p + "worker is a member of role " + p + "dba; the script leaves it: take it away by hand",
	})

	// rw is no longer declared: stale, declared for no other database, so it loses
	// everything, and backend (a netc login) its membership.
	m2, script2 := compile(t, fmt.Sprintf(`namespace shop
database db mariadb { dbname %s }
role %sro on db { select on orders }
service worker { login %sworker }
worker -> db:3306 as role %sro
`, db, p, p, p), "")
	s.exec("GRANT SELECT ON `" + rep + "`.* TO `" + p + "rw`")
	wantLines(t, "the audit of a stale role", lines(s.report("audit", m2)), []string{
		"login " + p + "backend is a member of role " + p + "rw (a netc login that no intent gives this database); the script takes it away",
		"login " + p + "worker has SUPER (a server-wide privilege); the script leaves it: take it away by hand",
		"login " + p + "worker is a member of role " + p + "dba; the script leaves it: take it away by hand",
		// No privilege of ro names that database any more: the script is not about it.
		"role " + p + "ro holds SELECT on database " + rep + "; the script leaves it: take it away by hand",
		"stale role " + p + "rw holds EXECUTE on function " + db + ".refresh; the script takes it away",
		"stale role " + p + "rw holds INSERT on table " + db + ".orders; the script takes it away",
		"stale role " + p + "rw holds SELECT on database " + rep + "; the script takes it away",
		"stale role " + p + "rw holds SELECT on table " + db + ".orders; the script takes it away",
		"stale role " + p + "rw holds UPDATE on table " + db + ".orders; the script takes it away",
	})
	s.converges(m2, script2)
}

func TestMariaDBPlanRefusesAndFails(t *testing.T) {
	s := newMyTest(t)
	p, db := s.prefix, s.dbname
	s.exec("CREATE TABLE `"+db+"`.orders (id int)", "CREATE ROLE `"+p+"dba`", "GRANT SELECT ON `"+db+"`.orders TO `"+p+"dba`")
	src := fmt.Sprintf(`namespace shop
database db mariadb { dbname %s }
role %sdba on db { select on orders }
service backend { login %sbackend }
backend -> db:3306 as role %sdba
`, db, p, p, p)
	m, script := compile(t, src, "")
	before := s.state()
	wantLines(t, "the plan over a foreign role", lines(s.report("plan", m)), []string{
		"! refuse role " + p + "dba: it exists and netc did not create it; to let netc take it over, add to netc.hcl: database \"shop/db\" { adopt = [\"" + p + "dba\"] }",
	})
	if err := s.apply(script); err == nil || !strings.Contains(err.Error(), "netc did not create it") {
		t.Fatalf("the script ran over a foreign role: %v", err)
	}
	wantLines(t, "the grant tables after the refused script", s.state(), before)

	m, script = compile(t, src, `database "shop/db" { adopt = ["`+p+`dba"] }`)
	wantLines(t, "the plan of an adoption", lines(&Report{Changes: s.converges(m, script)}), []string{
		"+ create login " + p + "backend LOGIN (locked, no usable password), recorded in netc.managed_roles for database " + db,
		"~ mark role " + p + "dba as netc's, recorded in netc.managed_roles for database " + db + ", privileges managed",
		"~ set the default role of login " + p + "backend to " + p + "dba",
		"+ grant role " + p + "dba to login " + p + "backend",
	})

	m, script = compile(t, fmt.Sprintf(`namespace shop
database db mariadb { dbname %s }
role %sdba on db { select on orders, missing }
`, db, p), "")
	before = s.state()
	wantLines(t, "the plan with a missing table", lines(s.report("plan", m)), []string{
		"! fail: table " + db + ".missing does not exist; the script stops before it changes any account",
	})
	if err := s.apply(script); err == nil {
		t.Fatal("the script ran with a missing table")
	}
	wantLines(t, "the grant tables after the failed script", s.state(), before)
}

// grantTables is every row of the grant tables and netc's record about the test's
// accounts and databases, as text. (Other rows are left out: other tests share the
// server and change them meanwhile.)
func (s *myTest) grantTables() string {
	s.t.Helper()
	var out []string
	acct, db := s.prefix+"%", s.dbname+"%"
	for _, q := range []struct {
		table, where string
		args         []any
	}{
		{"mysql.global_priv", "User LIKE ?", []any{acct}},
		{"mysql.roles_mapping", "User LIKE ? OR Role LIKE ?", []any{acct, acct}},
		{"mysql.db", "User LIKE ? OR Db LIKE ?", []any{acct, db}},
		{"mysql.tables_priv", "User LIKE ? OR Db LIKE ?", []any{acct, db}},
		{"mysql.columns_priv", "User LIKE ? OR Db LIKE ?", []any{acct, db}},
		{"mysql.procs_priv", "User LIKE ? OR Db LIKE ?", []any{acct, db}},
		{"mysql.proxies_priv", "User LIKE ? OR Proxied_user LIKE ?", []any{acct, acct}},
		{"netc.managed_roles", "name LIKE ? OR db LIKE ?", []any{acct, db}},
	} {
		rows, err := s.admin.QueryContext(s.ctx, "SELECT * FROM "+q.table+" WHERE "+q.where, q.args...)
		if err != nil {
			s.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]gosql.RawBytes, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				s.t.Fatal(err)
			}
			parts := []string{q.table}
			for _, v := range vals {
				parts = append(parts, string(v))
			}
			out = append(out, strings.Join(parts, "\t"))
		}
		rows.Close()
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

func TestMariaDBReadOnly(t *testing.T) {
	s := newMyTest(t)
	p, db := s.prefix, s.dbname
	s.exec("CREATE TABLE `" + db + "`.orders (id int)")
	m, script := compile(t, fmt.Sprintf(`namespace shop
database db mariadb { dbname %s }
role %srw on db { select on orders }
service backend { login %sbackend }
backend -> db:3306 as role %srw
`, db, p, p, p), "")
	if err := s.apply(script); err != nil {
		t.Fatal(err)
	}
	s.exec("GRANT DELETE ON `"+db+"`.orders TO `"+p+"rw` WITH GRANT OPTION", "GRANT SUPER ON *.* TO '"+p+"backend'@'%'",
		"REVOKE `"+p+"rw` FROM '"+p+"backend'@'%'")
	before := s.grantTables()
	for _, want := range []string{"mysql.global_priv\t\t" + p + "rw", "mysql.global_priv\t%\t" + p + "backend", "mysql.tables_priv\t", "netc.managed_roles\t" + db} {
		if !strings.Contains(before, want) {
			t.Fatalf("the dump holds no %q: the comparison would prove nothing\n%s", want, before)
		}
	}
	plan, audit := s.report("plan", m), s.report("audit", m)
	if plan.Clean() || audit.Clean() {
		t.Fatalf("plan or audit found nothing to do:\n%s\n%s", text(plan), text(audit))
	}
	if after := s.grantTables(); after != before {
		t.Errorf("plan and audit changed the grant tables")
	}
	for _, stmt := range []string{
		"CREATE USER '" + p + "intruder'@'%'",
		"CREATE ROLE `" + p + "intruder`",
		"GRANT DELETE ON `" + db + "`.orders TO `" + p + "rw`",
		"REVOKE SELECT ON `" + db + "`.orders FROM `" + p + "rw`",
		"INSERT INTO netc.managed_roles VALUES ('x', 'role', '" + p + "x', 0)",
		"CREATE TABLE `" + db + "`.t (id int)",
	} {
		c, err := Open(s.ctx, s.url)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.myTx.ExecContext(s.ctx, stmt); err == nil || !strings.Contains(err.Error(), "READ ONLY") {
			t.Errorf("%s in the read transaction: %v, want a read-only refusal", stmt, err)
		}
		c.myTx.Rollback()
		c.myTx = nil
		if _, err := c.myC.ExecContext(s.ctx, stmt); err == nil || !strings.Contains(err.Error(), "READ ONLY") {
			t.Errorf("%s in the session: %v, want a read-only refusal", stmt, err)
		}
		c.Close()
	}
	if after := s.grantTables(); after != before {
		t.Errorf("the refused writes changed the grant tables")
	}
}

func TestMariaDBPlanAll(t *testing.T) {
	s := newMyTest(t)
	p, db := s.prefix, s.dbname
	s.exec("CREATE TABLE `"+db+"`.orders (id int)", "CREATE FUNCTION `"+db+"`.f() RETURNS int DETERMINISTIC RETURN 1")
	m, script := compile(t, fmt.Sprintf(`namespace shop
database db mariadb { dbname %s }
role %sadmin on db {
  all on orders # netc:allow ddl-privilege the test needs ALL
  all on function f # netc:allow ddl-privilege the test needs ALL
  all on schema %s # netc:allow ddl-privilege the test needs ALL
}
`, db, p, db), "")
	s.converges(m, script)
	s.exec("REVOKE DROP ON `" + db + "`.orders FROM `" + p + "admin`")
	wantLines(t, "the plan after a revoke", lines(s.report("plan", m)), []string{
		"+ grant DROP on table " + db + ".orders to role " + p + "admin",
	})
	s.converges(m, script)
}
