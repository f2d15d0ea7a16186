package sql

// Real-server tests of issue 8 §2: a role or login that exists and that netc did not
// create is never taken over. The script stops before anything changes, and the foreign
// account keeps every attribute, password, membership and privilege, compared byte for
// byte before and after; netc.hcl's adopt takes one over on purpose; stale roles lose
// what they hold on MariaDB too.

import (
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/netc-dev/netc/compiler/ir"
)

// account is everything the server holds about a role, as text: its pg_authid row
// (attributes, password hash, validity, connection limit), its comment, its
// memberships both ways, and every ACL entry granted to it or by it (relations,
// columns, functions, schemas, this database, default privileges).
func (s *pgServer) account(name string) string {
	s.t.Helper()
	rows, err := s.conn.Query(s.ctx, `
		SELECT 'authid ' || row(a.*)::text FROM pg_authid a WHERE a.rolname = $1
		UNION ALL SELECT 'comment ' || coalesce(shobj_description(a.oid, 'pg_authid'), '<none>') FROM pg_authid a WHERE a.rolname = $1
		UNION ALL SELECT 'member ' || m.roleid::regrole::text || ' ' || m.member::regrole::text || ' ' || m.grantor::regrole::text || ' ' || m.admin_option
		  FROM pg_auth_members m WHERE m.roleid = $1::regrole OR m.member = $1::regrole
		UNION ALL SELECT 'relation ' || c.oid::regclass::text || ' ' || row(x.*)::text
		  FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) x WHERE $1::regrole IN (x.grantee, x.grantor)
		UNION ALL SELECT 'column ' || t.attrelid::regclass::text || '.' || t.attname || ' ' || row(x.*)::text
		  FROM pg_attribute t CROSS JOIN LATERAL aclexplode(t.attacl) x WHERE $1::regrole IN (x.grantee, x.grantor)
		UNION ALL SELECT 'function ' || p.oid::regprocedure::text || ' ' || row(x.*)::text
		  FROM pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) x WHERE $1::regrole IN (x.grantee, x.grantor)
		UNION ALL SELECT 'schema ' || n.nspname || ' ' || row(x.*)::text
		  FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) x WHERE $1::regrole IN (x.grantee, x.grantor)
		UNION ALL SELECT 'database ' || d.datname || ' ' || row(x.*)::text
		  FROM pg_database d CROSS JOIN LATERAL aclexplode(d.datacl) x WHERE $1::regrole IN (x.grantee, x.grantor)
		UNION ALL SELECT 'default ' || d.defaclrole::regrole::text || ' ' || d.defaclobjtype::text || ' ' || row(x.*)::text
		  FROM pg_default_acl d CROSS JOIN LATERAL aclexplode(d.defaclacl) x WHERE $1::regrole IN (x.grantee, x.grantor) OR d.defaclrole = $1::regrole
		UNION ALL SELECT 'owns ' || c.oid::regclass::text FROM pg_class c WHERE c.relowner = $1::regrole
		ORDER BY 1`, name)
	if err != nil {
		s.t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		s.t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// wantRefusal wants err to be a refusal saying each of want.
func wantRefusal(t *testing.T, err error, want []string) {
	t.Helper()
	if err == nil {
		t.Fatalf("the script ran; want it refused")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("the refusal does not say %q:\n%v", w, err)
		}
	}
}

func (s *pgServer) exists(name string) bool {
	return s.bool("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1)", name)
}

// refused applies script, wants it to fail saying each of want, and wants the accounts
// unchanged and the roles in absent still missing (the transaction rolled back).
func (s *pgServer) refused(script []byte, accounts map[string]string, absent []string, want ...string) {
	s.t.Helper()
	wantRefusal(s.t, s.apply(script), want)
	for name, before := range accounts {
		if after := s.account(name); after != before {
			s.t.Errorf("a refused script changed %s:\n--- before\n%s\n--- after\n%s", name, before, after)
		}
	}
	for _, n := range absent {
		if s.exists(n) {
			s.t.Errorf("a refused script left role %s behind", n)
		}
	}
}

func TestPostgresForeignRoles(t *testing.T) {
	s := newPG(t)
	dba, person, legacy := s.role("dba"), s.role("person"), s.role("legacy")
	rw, backend, audit, worker := s.role("app_rw"), s.role("backend"), s.role("audit"), s.role("worker")
	s.exec(
		`CREATE TABLE orders (id int)`, `CREATE TABLE secrets (id int)`, `CREATE SCHEMA reporting`,
		`CREATE TABLE reporting.daily (d int)`,
		`CREATE FUNCTION refresh() RETURNS int LANGUAGE sql AS 'SELECT 1'`,
		// Someone else's DBA: a login with attributes, a password, a comment, privileges
		// with grant option, on a column, a schema, the database, future tables, a
		// membership in a role and a member.
		"CREATE ROLE "+pgIdent(dba)+" LOGIN CREATEROLE CREATEDB CONNECTION LIMIT 5 VALID UNTIL '2031-01-01' PASSWORD 'dba-secret'",
		"COMMENT ON ROLE "+pgIdent(dba)+" IS 'the DBA, do not touch'",
		"GRANT SELECT, DELETE ON secrets TO "+pgIdent(dba)+" WITH GRANT OPTION",
		"GRANT UPDATE (id) ON orders TO "+pgIdent(dba),
		"GRANT CREATE ON SCHEMA public TO "+pgIdent(dba),
		"GRANT CREATE, TEMPORARY ON DATABASE "+pgIdent(s.dbname)+" TO "+pgIdent(dba),
		"GRANT EXECUTE ON FUNCTION refresh() TO "+pgIdent(dba),
		"ALTER DEFAULT PRIVILEGES IN SCHEMA reporting GRANT SELECT ON TABLES TO "+pgIdent(dba),
		"GRANT pg_read_all_data TO "+pgIdent(dba),
		"CREATE ROLE "+pgIdent(person)+" LOGIN",
		"GRANT "+pgIdent(dba)+" TO "+pgIdent(person)+" WITH ADMIN OPTION",
		// An application's login that netc did not create, and the auditors' role.
		"CREATE ROLE "+pgIdent(legacy)+" LOGIN PASSWORD 'legacy-secret'",
		"GRANT SELECT ON orders TO "+pgIdent(legacy),
		"CREATE ROLE "+pgIdent(audit)+" NOLOGIN",
		"COMMENT ON ROLE "+pgIdent(audit)+" IS 'the auditors'",
		"GRANT SELECT ON secrets TO "+pgIdent(audit),
	)
	before := map[string]string{dba: s.account(dba), person: s.account(person), legacy: s.account(legacy), audit: s.account(audit)}
	for n, a := range before {
		if !strings.Contains(a, "authid ") {
			t.Fatalf("no pg_authid row read for %s: the comparison would prove nothing", n)
		}
	}

	program := func(edit func(b *builder, db *ir.Database)) []byte {
		b := newBuilder()
		db := b.database("it", "db", ir.Postgres, s.dbname)
		edit(b, db)
		return scriptOf(t, b.p)
	}
	declaresDBA := func(adopt bool) []byte {
		return program(func(b *builder, db *ir.Database) {
			r := b.role(db, dba, priv("SELECT", ir.Table, "public", "orders"))
			r.Adopt = adopt
			b.role(db, rw, priv("SELECT", ir.Table, "public", "orders"))
			b.login(db, backend, r)
		})
	}

	t.Run("declared role", func(t *testing.T) {
		s.t = t
		s.refused(declaresDBA(false), before, []string{rw, backend},
			`netc: role `+dba+` exists and netc did not create it`,
			`adopt = ["`+dba+`"]`, `database "it/db"`, "Nothing was changed")
	})
	t.Run("login", func(t *testing.T) {
		s.t = t
		s.refused(program(func(b *builder, db *ir.Database) {
			b.login(db, legacy, b.role(db, rw, priv("SELECT", ir.Table, "public", "orders")))
		}), before, []string{rw}, `netc: login `+legacy+` exists and netc did not create it`)
	})
	t.Run("role of another kind", func(t *testing.T) {
		s.t = t
		// worker becomes a netc login; another program then declares it as a role.
		s.mustApply(program(func(b *builder, db *ir.Database) { b.login(db, worker) }))
		w := s.account(worker)
		s.refused(program(func(b *builder, db *ir.Database) { b.role(db, worker) }), map[string]string{worker: w}, nil,
			`netc: role `+worker+` exists and is a netc service login, not a role`)
	})
	t.Run("role named by as role", func(t *testing.T) {
		s.t = t
		// Someone else's role named by `as role` is used, never taken over.
		script := program(func(b *builder, db *ir.Database) { b.login(db, backend, b.implied(db, audit)) })
		s.mustApply(script)
		s.mustApply(script)
		// The only change is the new member.
		want := sortedLines(append(e2lines(before[audit]), "member "+audit+" "+backend+" postgres false")...)
		if got := s.account(audit); sortedLines(e2lines(got)...) != want {
			t.Errorf("the script changed the auditors' role beyond its new member:\n--- before\n%s\n--- after\n%s", before[audit], got)
		}
		if !s.bool("SELECT pg_has_role($1, $2, 'MEMBER')", backend, audit) {
			t.Errorf("login %s is not a member of %s", backend, audit)
		}
	})
	t.Run("adopted", func(t *testing.T) {
		s.t = t
		script := declaresDBA(true)
		s.mustApply(script)
		first := s.account(dba)
		s.mustApply(script)
		if again := s.account(dba); again != first {
			t.Errorf("applying the adopting script twice changed %s:\n%s\n---\n%s", dba, first, again)
		}
		for _, c := range []struct {
			q    string
			want bool
		}{
			{"SELECT rolcanlogin OR rolcreaterole OR rolcreatedb FROM pg_roles WHERE rolname = $1", false},
			{"SELECT has_table_privilege($1, 'public.orders', 'SELECT')", true},
			{"SELECT has_table_privilege($1, 'public.secrets', 'SELECT')", false},
			{"SELECT has_column_privilege($1, 'public.orders', 'id', 'UPDATE')", false},
			{"SELECT has_database_privilege($1, current_database(), 'CREATE')", false},
			{"SELECT pg_has_role($1, 'pg_read_all_data', 'MEMBER')", false},
			{"SELECT shobj_description(oid, 'pg_authid') = 'netc: role of database \"' || current_database() || '\"' FROM pg_roles WHERE rolname = $1", true},
		} {
			if got := s.bool(c.q, dba); got != c.want {
				t.Errorf("adopted %s: %s = %v, want %v", dba, c.q, got, c.want)
			}
		}
		// Once adopted it is netc's: the script without adopt runs, and changes nothing.
		s.mustApply(declaresDBA(false))
		if again := s.account(dba); again != first {
			t.Errorf("the script without adopt changed the adopted %s:\n%s\n---\n%s", dba, first, again)
		}
	})
	t.Run("adopted login keeps its password", func(t *testing.T) {
		s.t = t
		password := s.text("SELECT rolpassword FROM pg_authid WHERE rolname = $1", legacy)
		script := program(func(b *builder, db *ir.Database) {
			b.login(db, legacy, b.role(db, rw, priv("SELECT", ir.Table, "public", "orders"))).Adopt = true
		})
		s.mustApply(script)
		s.mustApply(script)
		if got := s.text("SELECT rolpassword FROM pg_authid WHERE rolname = $1", legacy); got != password {
			t.Errorf("adopting login %s changed its password", legacy)
		}
		if !s.bool("SELECT pg_has_role($1, $2, 'MEMBER') AND rolcanlogin FROM pg_roles WHERE rolname = $1", legacy, rw) {
			t.Errorf("adopted login %s cannot log in or is not a member of %s", legacy, rw)
		}
	})
}

// ---------------------------------------------------------------- MariaDB

// account is everything MariaDB holds about an account, as text: its mysql.global_priv
// row (the JSON holds the authentication, password hash and lock), SHOW GRANTS, and
// its role memberships both ways.
func (s *myServer) account(user, host string) string {
	s.t.Helper()
	out := s.rows("SELECT CONCAT(User, '@', Host, ' ', Priv) FROM mysql.global_priv WHERE User = ? AND Host = ?", user, host)
	who := myLiteral(user) + "@" + myLiteral(host)
	if host == "" {
		who = myIdent(user)
	}
	if len(out) > 0 {
		out = append(out, e2lines(s.grants(who))...)
	}
	out = append(out, s.rows("SELECT CONCAT('member ', User, '@', Host, ' ', Role, ' ', Admin_option) FROM mysql.roles_mapping WHERE (User = ? AND Host = ?) OR Role = ? ORDER BY 1", user, host, user)...)
	return strings.Join(out, "\n")
}

func e2lines(s string) []string { return strings.Split(s, "\n") }

func (s *myServer) recorded() []string {
	if len(s.rows("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'netc' AND TABLE_NAME = 'managed_roles'")) == 0 {
		return nil
	}
	return s.rows("SELECT CONCAT(account, ' ', name, ' ', privileges_managed) FROM netc.managed_roles WHERE db = ? ORDER BY 1", s.dbname)
}

func (s *myServer) refused(script []byte, accounts map[[2]string]string, absent []string, want ...string) {
	s.t.Helper()
	recorded := s.recorded()
	wantRefusal(s.t, s.apply(script), want)
	for a, before := range accounts {
		if after := s.account(a[0], a[1]); after != before {
			s.t.Errorf("a refused script changed %s@%s:\n--- before\n%s\n--- after\n%s", a[0], a[1], before, after)
		}
	}
	for _, n := range absent {
		if got := s.rows("SELECT CONCAT(User, '@', Host) FROM mysql.global_priv WHERE User = ?", n); len(got) > 0 {
			s.t.Errorf("a refused script created %v", got)
		}
	}
	if got := s.recorded(); !slices.Equal(got, recorded) {
		s.t.Errorf("a refused script changed netc's record: %v, was %v", got, recorded)
	}
}

func TestMariaDBForeignRoles(t *testing.T) {
	s := newMariaDB(t)
	d := myIdent(s.dbname)
	dba, person, legacy := s.role("dba"), s.login("person"), s.login("legacy")
	rw, backend, audit, worker := s.role("app_rw"), s.login("backend"), s.role("audit"), s.login("worker")
	other := s.role("other")
	s.exec(
		"CREATE TABLE "+d+".orders (id int)", "CREATE TABLE "+d+".secrets (id int)",
		"CREATE FUNCTION "+d+".refresh() RETURNS int RETURN 1",
		// Someone else's DBA role: privileges at every level, with grant option, a
		// server-wide one, a membership and members.
		"CREATE ROLE "+myIdent(dba),
		"CREATE ROLE "+myIdent(other),
		"GRANT SELECT, DELETE ON "+d+".secrets TO "+myIdent(dba)+" WITH GRANT OPTION",
		"GRANT UPDATE (id) ON "+d+".orders TO "+myIdent(dba),
		"GRANT INSERT, CREATE ON "+d+".* TO "+myIdent(dba),
		"GRANT EXECUTE ON FUNCTION "+d+".refresh TO "+myIdent(dba),
		"GRANT PROCESS, RELOAD ON *.* TO "+myIdent(dba),
		"GRANT "+myIdent(other)+" TO "+myIdent(dba),
		"CREATE USER "+myAccount(person)+" IDENTIFIED BY 'person-secret'",
		"GRANT "+myIdent(dba)+" TO "+myAccount(person)+" WITH ADMIN OPTION",
		"SET DEFAULT ROLE "+myIdent(dba)+" FOR "+myAccount(person),
		// An application's account that netc did not create, and the auditors' role.
		"CREATE USER "+myAccount(legacy)+" IDENTIFIED BY 'legacy-secret' WITH MAX_USER_CONNECTIONS 3",
		"GRANT SELECT ON "+d+".orders TO "+myAccount(legacy),
		"CREATE ROLE "+myIdent(audit),
		"GRANT SELECT ON "+d+".secrets TO "+myIdent(audit),
	)
	before := map[[2]string]string{}
	for _, a := range [][2]string{{dba, ""}, {other, ""}, {person, "%"}, {legacy, "%"}, {audit, ""}} {
		before[a] = s.account(a[0], a[1])
		if !strings.Contains(before[a], "{") {
			t.Fatalf("no global_priv row read for %v: the comparison would prove nothing", a)
		}
	}

	program := func(edit func(b *builder, db *ir.Database)) []byte {
		b := newBuilder()
		edit(b, b.database("it", "db", ir.MariaDB, s.dbname))
		return scriptOf(t, b.p)
	}
	declaresDBA := func(adopt bool) []byte {
		return program(func(b *builder, db *ir.Database) {
			r := b.role(db, dba, priv("SELECT", ir.Table, s.dbname, "orders"))
			r.Adopt = adopt
			b.role(db, rw, priv("SELECT", ir.Table, s.dbname, "orders"))
			b.login(db, backend, r)
		})
	}

	t.Run("declared role", func(t *testing.T) {
		s.t = t
		s.refused(declaresDBA(false), before, []string{rw, backend},
			"netc: role `"+dba+"` exists and netc did not create it", `database "it/db" { adopt = ["`+dba+`"] }`, "No account was changed")
	})
	t.Run("login", func(t *testing.T) {
		s.t = t
		s.refused(program(func(b *builder, db *ir.Database) {
			b.login(db, legacy, b.role(db, rw, priv("SELECT", ir.Table, s.dbname, "orders")))
		}), before, []string{rw}, "netc: login `"+legacy+"` exists and netc did not create it")
	})
	t.Run("role named by as role", func(t *testing.T) {
		s.t = t
		script := program(func(b *builder, db *ir.Database) { b.login(db, worker, b.implied(db, audit)) })
		s.mustApply(script)
		s.viaDrive = true
		s.mustApply(script)
		s.viaDrive = false
		want := sortedLines(append(e2lines(before[[2]string{audit, ""}]), "member "+worker+"@% "+audit+" N")...)
		if got := s.account(audit, ""); sortedLines(e2lines(got)...) != want {
			t.Errorf("the script changed the auditors' role beyond its new member:\n--- before\n%s\n--- after\n%s", before[[2]string{audit, ""}], got)
		}
		if got := s.recorded(); slices.Contains(got, "role "+audit+" 0") {
			t.Errorf("someone else's role %s was recorded as netc's: %v", audit, got)
		}
	})
	t.Run("adopted", func(t *testing.T) {
		s.t = t
		script := declaresDBA(true)
		s.mustApply(script)
		first := s.account(dba, "")
		s.mustApply(script)
		if again := s.account(dba, ""); again != first {
			t.Errorf("applying the adopting script twice changed %s:\n%s\n---\n%s", dba, first, again)
		}
		if got, want := s.grants(myIdent(dba)), sortedLines(
			"GRANT SELECT ON `"+s.dbname+"`.`orders` TO `"+dba+"`",
			"GRANT USAGE ON *.* TO `"+dba+"`",
		); got != want {
			t.Errorf("adopted %s holds:\n%s\nwant:\n%s", dba, got, want)
		}
		if got := s.rows("SELECT Role FROM mysql.roles_mapping WHERE User = ? AND Host = ''", dba); len(got) != 0 {
			t.Errorf("adopted %s is still a member of %v", dba, got)
		}
		// A member that is not netc's keeps its membership (netc manages its logins only).
		if got := s.rows("SELECT Role FROM mysql.roles_mapping WHERE User = ? AND Host = '%'", person); !slices.Equal(got, []string{dba}) {
			t.Errorf("%s lost its membership in %s: %v", person, dba, got)
		}
		if got := s.recorded(); !slices.Contains(got, "role "+dba+" 1") {
			t.Errorf("adopted %s is not recorded: %v", dba, got)
		}
		s.mustApply(declaresDBA(false))
		if again := s.account(dba, ""); again != first {
			t.Errorf("the script without adopt changed the adopted %s:\n%s\n---\n%s", dba, first, again)
		}
	})
	t.Run("adopted login keeps its password", func(t *testing.T) {
		s.t = t
		script := program(func(b *builder, db *ir.Database) {
			b.login(db, legacy, b.role(db, rw, priv("SELECT", ir.Table, s.dbname, "orders"))).Adopt = true
		})
		s.mustApply(script)
		s.mustApply(script)
		c := s.mustLogin(legacy, "legacy-secret")
		var role string
		if err := c.QueryRowContext(s.ctx, "SELECT CURRENT_ROLE()").Scan(&role); err != nil || role != rw {
			t.Errorf("adopted login %s is active in role %q (%v), want %s", legacy, role, err, rw)
		}
	})
}

func TestMariaDBStaleRoles(t *testing.T) {
	s := newMariaDB(t)
	d := myIdent(s.dbname)
	two := s.database("two")
	keep, gone, shared := s.role("keep"), s.role("gone"), s.role("shared")
	backend, worker, batch := s.login("backend"), s.login("worker"), s.login("batch")
	s.exec("CREATE TABLE "+d+".orders (id int)", "CREATE TABLE "+d+".customers (id int)",
		"CREATE TABLE "+myIdent(two)+".daily (id int)")

	program := func(dbname string, edit func(b *builder, db *ir.Database)) []byte {
		b := newBuilder()
		edit(b, b.database("it", dbname, ir.MariaDB, dbname))
		return scriptOf(t, b.p)
	}
	first := program(s.dbname, func(b *builder, db *ir.Database) {
		b.login(db, backend, b.role(db, keep, priv("SELECT", ir.Table, s.dbname, "orders")))
		b.login(db, worker, b.role(db, gone, priv("SELECT", ir.Table, s.dbname, "customers"), priv("SELECT", ir.Schema, two, "")))
		b.login(db, batch, b.role(db, shared, priv("SELECT", ir.Table, s.dbname, "orders")))
	})
	s.mustApply(first)
	// The other database's script declares shared too.
	main := s.dbname
	s.dbname = two
	s.mustApply(program(two, func(b *builder, db *ir.Database) {
		b.role(db, shared, priv("SELECT", ir.Table, two, "daily"))
	}))
	s.dbname = main
	// Drift on the roles netc is about to stop declaring, in both databases and server-wide.
	s.exec("GRANT INSERT ON "+myIdent(two)+".daily TO "+myIdent(gone),
		"GRANT PROCESS ON *.* TO "+myIdent(gone),
		"GRANT DELETE ON "+d+".orders TO "+myIdent(shared))

	// gone and shared are no longer declared here, and the worker and batch services
	// are gone.
	second := program(s.dbname, func(b *builder, db *ir.Database) {
		b.login(db, backend, b.role(db, keep, priv("SELECT", ir.Table, s.dbname, "orders")))
	})
	s.mustApply(second)
	snap := s.account(gone, "") + "\n" + s.account(shared, "") + "\n" + s.account(keep, "")
	s.mustApply(second)
	if again := s.account(gone, "") + "\n" + s.account(shared, "") + "\n" + s.account(keep, ""); again != snap {
		t.Errorf("applying twice changed the roles:\n%s\n---\n%s", snap, again)
	}

	// gone: no other script declares it, so it holds nothing anywhere any more.
	if got, want := s.grants(myIdent(gone)), "GRANT USAGE ON *.* TO `"+gone+"`"; got != want {
		t.Errorf("stale role %s still holds:\n%s", gone, got)
	}
	// shared: declared by the other database's script, so it loses only what it held here.
	if got, want := s.grants(myIdent(shared)), sortedLines(
		"GRANT SELECT ON `"+two+"`.`daily` TO `"+shared+"`",
		"GRANT USAGE ON *.* TO `"+shared+"`",
	); got != want {
		t.Errorf("role %s, stale here and declared for %s:\n%s\nwant:\n%s", shared, two, got, want)
	}
	// The removed services' logins lost their memberships in the stale roles.
	if got := s.rows("SELECT CONCAT(User, ' ', Role) FROM mysql.roles_mapping WHERE Host = '%' AND User IN (?, ?, ?) ORDER BY 1", backend, worker, batch); !slices.Equal(got, []string{backend + " " + keep}) {
		t.Errorf("memberships after the roles and services were removed: %v, want only %s in %s", got, backend, keep)
	}
	if got, want := s.grants(myIdent(keep)), sortedLines(
		"GRANT SELECT ON `"+s.dbname+"`.`orders` TO `"+keep+"`",
		"GRANT USAGE ON *.* TO `"+keep+"`",
	); got != want {
		t.Errorf("declared role %s holds:\n%s\nwant:\n%s", keep, got, want)
	}
	// Declared again, a stale role is netc's as before (no adoption needed).
	s.mustApply(first)
	if got := s.rows("SELECT Role FROM mysql.roles_mapping WHERE Host = '%' AND User = ?", worker); !slices.Equal(got, []string{gone}) {
		t.Errorf("login %s has roles %v, want %s", worker, got, gone)
	}
}
