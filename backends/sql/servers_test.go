package sql

// Shared setup of the real-server tests: a throwaway database per test, role names
// unique to the run (roles are server-wide, and other test runs share the servers), and
// everything removed at the end.

import (
	"context"
	gosql "database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
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
	dsn := envOr("NETC_PG_DSN", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	admin, err := pgx.Connect(ctx, dsn)
	if err == nil {
		err = admin.Ping(ctx)
	}
	if err != nil {
		unreachable(t, "PostgreSQL", dsn, err)
	}
	sfx := randomSuffix(t)
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
		// Every role of the run, whoever made it (the test or a script).
		rows, err := admin.Query(ctx, "SELECT rolname::text FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY 1", s.prefix)
		if err != nil {
			t.Errorf("listing the test's roles: %v", err)
			return
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Errorf("listing the test's roles: %v", err)
		}
		for _, r := range names {
			if _, err := admin.Exec(ctx, "DROP ROLE IF EXISTS "+pgIdent(r)); err != nil {
				t.Errorf("dropping role %s: %v", r, err)
			}
		}
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
	dsn := envOr("NETC_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/")
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("NETC_MYSQL_DSN: %v", err)
	}
	cfg.MultiStatements = true
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	admin, err := gosql.Open("mysql", cfg.FormatDSN())
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		unreachable(t, "MariaDB", dsn, err)
	}
	var version string
	if err := admin.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(version, "MariaDB") {
		unreachable(t, "MariaDB", dsn, fmt.Errorf("the server there is %s, not MariaDB", version))
	}
	sfx := randomSuffix(t)
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
