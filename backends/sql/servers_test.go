package sql

// Shared setup of the real-server tests: a throwaway database per test, role names
// unique to the run (roles are server-wide, and other test runs share the servers), and
// everything removed at the end.

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/netc-dev/netc/internal/dbtest"
)

// pgServer is a throwaway PostgreSQL database and the roles a test makes there.
type pgServer struct {
	*pgEnv
	admin  *pgx.Conn // connected to the maintenance database
	dbname string
	prefix string // every role name of the test starts with it
}

// newPG connects to NETC_PG_DSN, creates a database and returns it. Role names made
// with s.role are dropped at the end, as is the database.
func newPG(t *testing.T) *pgServer {
	t.Helper()
	dsn := dbtest.PostgresDSN()
	ctx := dbtest.Context(t)
	admin := dbtest.ConnectPostgres(ctx, t, dsn)
	sfx := dbtest.Suffix(t)
	s := &pgServer{admin: admin, dbname: "netc_it_" + sfx, prefix: "n" + sfx + "_"}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgIdent(s.dbname)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgIdent(s.dbname)+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping %s: %v", s.dbname, err)
		}
		dbtest.DropPostgresRoles(ctx, t, admin, s.prefix)
	})
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = s.dbname
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	dbDSN := dsn
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		u.Path = "/" + s.dbname
		dbDSN = u.String()
	} else {
		dbDSN = dsn + " dbname=" + s.dbname
	}
	s.pgEnv = &pgEnv{t: t, ctx: ctx, dsn: dbDSN, conn: conn}
	return s
}

// role is a role name unique to the test run.
func (s *pgServer) role(name string) string { return s.prefix + name }

// version is the server's major version (15 for 15.4).
func (s *pgServer) version() int {
	var v int
	if err := s.conn.QueryRow(s.ctx, "SELECT current_setting('server_version_num')::int / 10000").Scan(&v); err != nil {
		s.t.Fatal(err)
	}
	return v
}

// myServer is a throwaway MariaDB database and the accounts a test makes there.
type myServer struct {
	*myEnv
	prefix   string
	roles    []string // dropped at the end
	logins   []string
	extraDBs []string
}

// newMariaDB connects to NETC_MYSQL_DSN (which must be a MariaDB server) and creates a
// database. Roles and logins named through s.role and s.login are dropped at the end.
func newMariaDB(t *testing.T) *myServer {
	t.Helper()
	ctx := dbtest.Context(t)
	admin, cfg := dbtest.OpenMariaDB(ctx, t, dbtest.MariaDBDSN())
	sfx := dbtest.Suffix(t)
	s := &myServer{prefix: "n" + sfx + "_"}
	s.myEnv = &myEnv{t: t, ctx: ctx, cfg: cfg, db: admin, dbname: "netc_it_" + sfx}
	t.Cleanup(func() {
		ctx := context.Background()
		defer admin.Close()
		stmts := []string{"DROP DATABASE IF EXISTS " + myIdent(s.dbname)}
		for _, d := range s.extraDBs {
			stmts = append(stmts, "DROP DATABASE IF EXISTS "+myIdent(d))
		}
		for _, l := range s.logins {
			stmts = append(stmts, "DROP USER IF EXISTS "+myAccount(l))
		}
		for _, r := range s.roles {
			stmts = append(stmts, "DROP ROLE IF EXISTS "+myIdent(r))
		}
		// netc's bookkeeping of the run's accounts (the table is shared by every run).
		stmts = append(stmts, "DELETE FROM netc.managed_roles WHERE name LIKE "+myLiteral(s.prefix+"%")+" OR db = "+myLiteral(s.dbname))
		for _, st := range stmts {
			if _, err := admin.ExecContext(ctx, st); err != nil && !strings.Contains(st, "netc.managed_roles") {
				t.Errorf("%s: %v", st, err)
			}
		}
	})
	s.exec("CREATE DATABASE " + myIdent(s.dbname))
	return s
}

// role is a role name unique to the run, dropped at the end.
func (s *myServer) role(name string) string {
	n := s.prefix + name
	s.roles = append(s.roles, n)
	return n
}

// login is a login name unique to the run, dropped at the end.
func (s *myServer) login(name string) string {
	n := s.prefix + name
	s.logins = append(s.logins, n)
	return n
}

// database is another throwaway database, dropped at the end.
func (s *myServer) database(name string) string {
	n := s.dbname + "_" + name
	s.extraDBs = append(s.extraDBs, n)
	s.exec("CREATE DATABASE " + myIdent(n))
	return n
}
