package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/netc-dev/netc/internal/dbtest"
)

// TestPlanAuditCLI runs netc plan and netc audit against the real PostgreSQL
// (NETC_PG_DSN; skipped loudly when unreachable, failed under NETC_REQUIRE_DB=1) and
// pins their exit statuses and exact text: changes, then none once the built script
// ran, then a DBA's DELETE found by both.
func TestPlanAuditCLI(t *testing.T) {
	dsn := dbtest.PostgresDSN()
	ctx := dbtest.Context(t)
	admin := dbtest.ConnectPostgres(ctx, t, dsn)
	sfx := dbtest.Suffix(t)
	dbname, p := "netc_cli_"+sfx, "c"+sfx+"_"
	if _, err := admin.Exec(ctx, `CREATE DATABASE "`+dbname+`"`); err != nil {
		t.Fatal(err)
	}
	// The admin connection stays open until the cleanup has dropped what the test made
	// (closing it on return, before the cleanups run, left every database behind).
	t.Cleanup(func() {
		ctx := context.Background()
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, `DROP DATABASE IF EXISTS "`+dbname+`" WITH (FORCE)`); err != nil {
			t.Errorf("dropping %s: %v", dbname, err)
		}
		dbtest.DropPostgresRoles(ctx, t, admin, p)
	})
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = dbname
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE orders (id int)"); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, dbname)

	dir := t.TempDir()
	src := filepath.Join(dir, "app.net")
	os.WriteFile(src, []byte(fmt.Sprintf("namespace shop\ndatabase db postgres { dbname %s }\nrole %srw on db { select on orders }\n"+
		"service backend { login %sbackend }\nbackend -> db:5432 as role %srw\n", dbname, p, p, p)), 0o644)
	netc := func(want int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if got := run(args, env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}); got != want {
			t.Fatalf("netc %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), got, want, out.String(), errb.String())
		}
		return strings.ReplaceAll(strings.ReplaceAll(out.String(), p, "P_"), dbname, "DB")
	}
	header := "netc plan: database shop/db (postgres) at " + cfg.Host + ":" + fmt.Sprint(cfg.Port) + "/DB, script sql/shop/db.postgres.sql\n\n"
	want := header +
		"  + create login P_backend LOGIN, marked \"netc: service login\"\n" +
		"  + create role P_rw NOLOGIN, marked \"netc: role of database \\\"DB\\\"\"\n" +
		"  + grant role P_rw to login P_backend\n" +
		"  + grant CONNECT on database DB to role P_rw\n" +
		"  + grant USAGE on schema public to role P_rw\n" +
		"  + grant SELECT on table public.orders to role P_rw\n" +
		"\nPlan: 2 to create, 4 to grant.\n"
	if got := netc(1, "plan", "--db", url, src); got != want {
		t.Errorf("first plan:\n%s\nwant:\n%s", got, want)
	}
	netc(0, "build", src, "-o", filepath.Join(dir, "out"))
	script, err := os.ReadFile(filepath.Join(dir, "out", "sql", "shop", "db.postgres.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.PgConn().Exec(ctx, string(script)).ReadAll(); err != nil {
		t.Fatal(err)
	}
	if got, want := netc(0, "plan", "--db", url, src), header+"No changes: the server already is what sql/shop/db.postgres.sql makes it.\n"; got != want {
		t.Errorf("plan after applying:\n%s\nwant:\n%s", got, want)
	}
	netc(0, "audit", "--db", url, "--database", "shop/db", src)
	if _, err := conn.Exec(ctx, `GRANT DELETE ON orders TO "`+p+`rw"`); err != nil {
		t.Fatal(err)
	}
	if got := netc(1, "plan", "--db", url, src); got != header+"  - revoke DELETE on table public.orders from role P_rw\n\nPlan: 1 to revoke.\n" {
		t.Errorf("plan after the DBA's DELETE:\n%s", got)
	}
	wantAudit := strings.Replace(header, "netc plan", "netc audit", 1) +
		"  role P_rw holds DELETE on table public.orders; the script takes it away\n" +
		"\n1 finding beyond the intents; applying sql/shop/db.postgres.sql takes away 1 of them.\n"
	if got := netc(1, "audit", "--db", url, src); got != wantAudit {
		t.Errorf("audit after the DBA's DELETE:\n%s\nwant:\n%s", got, wantAudit)
	}
	if got := netc(1, "audit", "--format", "json", "--db", url, src); !strings.Contains(got, `"what": "privilege"`) {
		t.Errorf("audit --format json:\n%s", got)
	}
	// The URL's database is no database of the program.
	var errb bytes.Buffer
	other := strings.Replace(url, "/"+dbname+"?", "/postgres?", 1)
	if got := run([]string{"plan", "--db", other, src}, env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &errb}); got != 2 ||
		!strings.Contains(errb.String(), `no PostgreSQL database of the program has dbname "postgres"`) {
		t.Errorf("plan of another database: exit %d, %s", got, errb.String())
	}
}
