package sqlstate

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/netc-dev/netc/backends/sql"
	"github.com/netc-dev/netc/compiler/ir"
)

// TestPrinters pins every format of a plan and an audit (testdata/*.golden;
// NETC_UPDATE=1 rewrites them). The lines themselves are checked against real servers
// in postgres_test.go and mariadb_test.go.
func TestPrinters(t *testing.T) {
	plan := &Report{Command: "plan", Database: "shop/db", Engine: "postgres", Server: "127.0.0.1:5432/shop", Script: "sql/shop/db.postgres.sql",
		Changes: []Change{
			{Action: Create, Account: "backend", AccountKind: "login", Privilege: "LOGIN", Marker: "netc: service login"},
			{Action: Mark, Account: "app_rw", AccountKind: "role", Marker: `netc: role of database "shop"`},
			{Action: Alter, Account: "app_rw", AccountKind: "role", Privilege: "LOGIN, SUPERUSER"},
			{Action: Grant, Account: "app_rw", AccountKind: "role", Privilege: "SELECT", Object: "table public.orders"},
			{Action: Grant, Account: "backend", AccountKind: "login", Role: "app_rw"},
			{Action: Revoke, Account: "app_rw", AccountKind: "role", Privilege: "UPDATE", Object: "table public.secrets", Column: "id"},
			{Action: Revoke, Account: "app_rw", AccountKind: "role", Privilege: "GRANT OPTION FOR SELECT", Object: "table public.orders"},
			{Action: Revoke, Account: "worker", AccountKind: "login", Role: "app_rw", Privilege: "ADMIN OPTION"},
			{Action: Revoke, Account: "worker", AccountKind: "login", Role: "app_ro"},
		}}
	refused := &Report{Command: "plan", Database: "shop/db", Engine: "mariadb", Server: "127.0.0.1:3306/shop", Script: "sql/shop/db.mariadb.sql",
		Changes: []Change{{Action: Refuse, Account: "dba", AccountKind: "role", Detail: "it exists and netc did not create it; " +
			adoptHint(&sql.Model{Database: &ir.Database{Namespace: "shop", Name: "db"}}, "dba")}}}
	clean := &Report{Command: "plan", Database: "shop/db", Engine: "postgres", Server: "127.0.0.1:5432/shop", Script: "sql/shop/db.postgres.sql"}
	audit := &Report{Command: "audit", Database: "shop/db", Engine: "postgres", Server: "127.0.0.1:5432/shop", Script: "sql/shop/db.postgres.sql",
		Findings: []Finding{
			{Account: "backend", AccountKind: "login", What: "attribute", Privilege: "SUPERUSER"},
			{Account: "backend", AccountKind: "login", What: "membership", Role: "dba"},
			{Account: "app_rw", AccountKind: "role", What: "privilege", Privilege: "DELETE", Object: "table public.orders", Fixed: true},
			{Account: "app_rw", AccountKind: "role", What: "grant option", Privilege: "SELECT", Object: "table public.orders", Fixed: true},
		}}
	cleanAudit := &Report{Command: "audit", Database: "shop/db", Engine: "postgres", Server: "127.0.0.1:5432/shop", Script: "sql/shop/db.postgres.sql"}
	var b bytes.Buffer
	for _, r := range []*Report{plan, refused, clean, audit, cleanAudit} {
		for _, w := range []func(*bytes.Buffer) error{
			func(b *bytes.Buffer) error { return r.WriteText(b) },
			func(b *bytes.Buffer) error { return r.WriteMarkdown(b) },
			func(b *bytes.Buffer) error { return r.WriteJSON(b) },
		} {
			if err := w(&b); err != nil {
				t.Fatal(err)
			}
			b.WriteString("----\n")
		}
	}
	golden := filepath.Join("testdata", "reports.golden")
	if os.Getenv("NETC_UPDATE") != "" {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if d := diff.Diff(golden, want, "got", b.Bytes()); d != nil {
		t.Errorf("reports differ (NETC_UPDATE=1 rewrites):\n%s", d)
	}
}

func TestSelect(t *testing.T) {
	db := func(ns, name string, e ir.Engine, dbname string) sql.Model {
		return sql.Model{Database: &ir.Database{Namespace: ns, Name: name, Engine: e}, DBName: dbname}
	}
	models := []sql.Model{db("shop", "db", ir.Postgres, "shop"), db("pay", "db", ir.Postgres, "shop"),
		db("pay", "ledger", ir.MariaDB, "ledger"), db("default", "main", ir.Postgres, "main")}
	for _, tc := range []struct {
		engine       ir.Engine
		dbname, want string
		got, err     string
	}{
		{ir.Postgres, "main", "", "default/main", ""},
		{ir.MariaDB, "ledger", "", "pay/ledger", ""},
		{ir.Postgres, "main", "main", "default/main", ""},
		{ir.Postgres, "other", "pay/db", "pay/db", ""},
		{ir.Postgres, "shop", "", "", `databases shop/db, pay/db all have dbname "shop"; name one with --database NS/NAME`},
		{ir.Postgres, "nope", "", "", `no PostgreSQL database of the program has dbname "nope" (the URL's database); the program has shop/db (postgres, dbname shop), pay/db (postgres, dbname shop), default/main (postgres, dbname main); name one with --database NS/NAME`},
		{ir.Postgres, "x", "pay/ledger", "", "--database pay/ledger is a MariaDB database; the URL is for PostgreSQL"},
		{ir.MariaDB, "x", "pay/none", "", "--database pay/none: the program has no such database (it has shop/db (postgres, dbname shop), pay/db (postgres, dbname shop), pay/ledger (mariadb, dbname ledger), default/main (postgres, dbname main))"},
	} {
		m, err := Select(models, tc.engine, tc.dbname, tc.want)
		switch {
		case err != nil && err.Error() != tc.err:
			t.Errorf("Select(%s, %q, %q): %v, want %s", tc.engine, tc.dbname, tc.want, err, tc.err)
		case err == nil && (tc.err != "" || m.Database.Namespace+"/"+m.Database.Name != tc.got):
			t.Errorf("Select(%s, %q, %q) = %s/%s, want %s%s", tc.engine, tc.dbname, tc.want, m.Database.Namespace, m.Database.Name, tc.got, tc.err)
		}
	}
}
