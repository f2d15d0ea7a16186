// Package dbtest is the shared setup of the tests that run on the real database servers
// (backends/sql's integration tests, live/sqlstate's plan and audit tests): where the
// servers are, how a missing one is reported, names unique to a run, and the removal of
// everything a run made. Only tests import it.
//
// The servers are shared by every test run on the machine, and PostgreSQL roles and
// MariaDB accounts are server-wide, so every name a test makes starts with a prefix
// unique to the run, and the cleanups drop exactly the names with that prefix.
package dbtest

import (
	"context"
	"crypto/rand"
	gosql "database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
)

// Env is the environment variable key, or def when it is unset or empty.
func Env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// PostgresDSN is NETC_PG_DSN, by default the trust-auth superuser on 127.0.0.1:5432.
func PostgresDSN() string {
	return Env("NETC_PG_DSN", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
}

// MariaDBDSN is NETC_MYSQL_DSN (a go-sql-driver DSN), by default root without a password
// on 127.0.0.1:3306.
func MariaDBDSN() string { return Env("NETC_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/") }

// Unreachable skips, loudly, a test whose server is not there; with NETC_REQUIRE_DB=1
// (as .ci/run sets) it fails it instead.
func Unreachable(t testing.TB, server, dsn string, err error) {
	t.Helper()
	msg := fmt.Sprintf("\n\n"+
		"!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"+
		"!!! %s IS NOT REACHABLE at %s\n"+
		"!!! %v\n"+
		"!!! THE %s TESTS OF %s DID NOT RUN. NETC_REQUIRE_DB=1 makes this a failure.\n"+
		"!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n",
		server, dsn, err, server, t.Name())
	if os.Getenv("NETC_REQUIRE_DB") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Suffix is 8 random hex digits, for names unique to a test run.
func Suffix(t testing.TB) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// Context is a context for a test's statements, cancelled at its end; three minutes
// bound a test that would otherwise hang on a locked server.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// ConnectPostgres connects to dsn and checks the server answers; an unreachable server
// skips the test (Unreachable).
func ConnectPostgres(ctx context.Context, t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err == nil {
		err = conn.Ping(ctx)
	}
	if err != nil {
		Unreachable(t, "PostgreSQL", dsn, err)
	}
	return conn
}

// OpenMariaDB opens dsn with multi-statement scripts allowed and checks the server is
// MariaDB; an unreachable server, or one that is not MariaDB, skips the test
// (Unreachable).
func OpenMariaDB(ctx context.Context, t testing.TB, dsn string) (*gosql.DB, *mysql.Config) {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("NETC_MYSQL_DSN: %v", err)
	}
	cfg.MultiStatements = true
	db, err := gosql.Open("mysql", cfg.FormatDSN())
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		Unreachable(t, "MariaDB", dsn, err)
	}
	var version string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(version, "MariaDB") {
		Unreachable(t, "MariaDB", dsn, fmt.Errorf("the server there is %s, not MariaDB", version))
	}
	return db, cfg
}

// DropPostgresRoles drops every role whose name starts with prefix, whoever made it (the
// test or a script it applied), and reports what it cannot drop.
func DropPostgresRoles(ctx context.Context, t testing.TB, admin *pgx.Conn, prefix string) {
	t.Helper()
	rows, err := admin.Query(ctx, "SELECT rolname::text FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY 1", prefix)
	if err != nil {
		t.Errorf("listing the test's roles: %v", err)
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Errorf("listing the test's roles: %v", err)
	}
	for _, r := range names {
		if _, err := admin.Exec(ctx, "DROP ROLE IF EXISTS "+pgx.Identifier{r}.Sanitize()); err != nil {
			t.Errorf("dropping role %s: %v", r, err)
		}
	}
}

// DropMariaDBAccounts drops every role and user whose name starts with prefix, and
// reports what it cannot drop.
func DropMariaDBAccounts(ctx context.Context, t testing.TB, admin *gosql.DB, prefix string) {
	t.Helper()
	rows, err := admin.QueryContext(ctx, "SELECT User, Host, is_role FROM mysql.user WHERE LEFT(User, CHAR_LENGTH(?)) = ? ORDER BY 1, 2", prefix, prefix)
	if err != nil {
		t.Errorf("listing the test's accounts: %v", err)
		return
	}
	var drops []string
	for rows.Next() {
		var user, host, role string
		if err := rows.Scan(&user, &host, &role); err != nil {
			t.Errorf("listing the test's accounts: %v", err)
			break
		}
		// The prefix is the test's own (hex digits and letters), so the names need no
		// escaping beyond the quotes.
		if role == "Y" {
			drops = append(drops, "DROP ROLE IF EXISTS `"+user+"`")
		} else {
			drops = append(drops, "DROP USER IF EXISTS '"+user+"'@'"+host+"'")
		}
	}
	rows.Close()
	for _, d := range drops {
		if _, err := admin.ExecContext(ctx, d); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
}
