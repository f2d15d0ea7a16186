package sql

// TestPrivilegeTable holds the compiler's privilege table (the only one) against the
// real servers: the privileges each engine's catalog says an object kind takes must be
// exactly the table's, less what netc leaves out on purpose, and a script granting
// every one of them applies, converges and reads back.

import (
	"slices"
	"strings"
	"testing"

	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/ir"
)

// tableOf is the compiler's privileges for (e, k) without ALL, sorted.
func tableOf(e ir.Engine, k ir.ObjectKind) []string {
	out := slices.DeleteFunc(compiler.Privileges(e, k), func(a string) bool { return a == "ALL" })
	slices.Sort(out)
	return out
}

func TestPrivilegeTablePostgres(t *testing.T) {
	s := newPG(t)
	// What the server's own ACL machinery says each kind takes: the owner's default
	// ACL holds every privilege of the kind.
	leftOut := map[string]string{"MAINTAIN": "PostgreSQL 17 only; 12 to 16 refuse the script"}
	kinds := map[ir.ObjectKind]string{ir.Table: "r", ir.Sequence: "s", ir.Function: "f", ir.Schema: "n"}
	for _, k := range []ir.ObjectKind{ir.Table, ir.Sequence, ir.Function, ir.Schema} {
		rows, err := s.conn.Query(s.ctx, "SELECT DISTINCT privilege_type FROM aclexplode(acldefault($1::\"char\", 10::oid)) ORDER BY 1", kinds[k])
		if err != nil {
			t.Fatal(err)
		}
		var server []string
		for rows.Next() {
			var p string
			if err := rows.Scan(&p); err != nil {
				t.Fatal(err)
			}
			if _, skip := leftOut[p]; !skip {
				server = append(server, p)
			}
		}
		rows.Close()
		if got := tableOf(ir.Postgres, k); !slices.Equal(got, server) {
			t.Errorf("PostgreSQL %d: %s privileges: the compiler's table has %v, the server %v", s.version(), k, got, server)
		}
	}
	// MAINTAIN is refused by the servers netc supports before 17: the reason it is left out.
	if v := s.version(); v < 17 {
		s.exec("CREATE TABLE probe (i int)")
		if _, err := s.conn.Exec(s.ctx, "GRANT MAINTAIN ON probe TO CURRENT_USER"); err == nil || !strings.Contains(err.Error(), `unrecognized privilege type "maintain"`) {
			t.Errorf("PostgreSQL %d: GRANT MAINTAIN: %v, want it unrecognized", v, err)
		}
	}

	// One role with every privilege of the table on every kind: the script applies,
	// applying again changes nothing, and the server says the role holds each.
	s.exec(`CREATE TABLE orders (id int)`, `CREATE SEQUENCE orders_id_seq`,
		`CREATE FUNCTION refresh() RETURNS int LANGUAGE sql AS 'SELECT 1'`, `CREATE SCHEMA reporting`)
	objects := map[ir.ObjectKind][2]string{ir.Table: {"public", "orders"}, ir.Sequence: {"public", "orders_id_seq"},
		ir.Function: {"public", "refresh"}, ir.Schema: {"reporting", ""}}
	role := s.role("every")
	privs, script := everyPrivilege(t, ir.Postgres, s.dbname, role, objects)
	s.mustApply(script)
	first := s.snapshot([]string{role})
	s.mustApply(script)
	if again := s.snapshot([]string{role}); again != first {
		t.Errorf("applying twice changed the catalog:\n%s\n---\n%s", first, again)
	}
	check := map[ir.ObjectKind]string{
		ir.Table:    "SELECT has_table_privilege($1, 'public.orders', $2)",
		ir.Sequence: "SELECT has_sequence_privilege($1, 'public.orders_id_seq', $2)",
		ir.Function: "SELECT has_function_privilege($1, 'public.refresh()', $2)",
		ir.Schema:   "SELECT has_schema_privilege($1, 'reporting', $2)",
	}
	n := 0
	for _, pv := range privs {
		n++
		if !s.bool(check[pv.Kind], role, pv.Action) {
			t.Errorf("%s does not hold %s on its %s", role, pv.Action, pv.Kind)
		}
	}
	t.Logf("PostgreSQL %d: %d privileges granted by one script and read back", s.version(), n)
}

func TestPrivilegeTableMariaDB(t *testing.T) {
	s := newMariaDB(t)
	// The server's grant tables say which privileges each level holds: the columns of
	// mysql.db (a database), the sets of mysql.tables_priv and mysql.procs_priv.
	keywords := map[string]string{ // catalog spelling → keyword, where they differ
		"Create_tmp_table": "CREATE TEMPORARY TABLES", "Delete versioning rows": "DELETE HISTORY",
		"Delete_history": "DELETE HISTORY",
	}
	keyword := func(c string) string {
		if k, ok := keywords[c]; ok {
			return k
		}
		return strings.ToUpper(strings.ReplaceAll(c, "_", " "))
	}
	server := func(query string) []string {
		var out []string
		for _, c := range s.rows(query) {
			for item := range strings.SplitSeq(c, ",") {
				if k := keyword(item); k != "GRANT" { // GRANT OPTION: netc never delegates
					out = append(out, k)
				}
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	dbLevel := server(`SELECT GROUP_CONCAT(LEFT(COLUMN_NAME, LENGTH(COLUMN_NAME) - 5)) FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 'db' AND COLUMN_NAME LIKE '%\_priv'`)
	setOf := func(table, column string) []string {
		return server(`SELECT REPLACE(REPLACE(SUBSTRING(COLUMN_TYPE, 5, LENGTH(COLUMN_TYPE) - 5), '''', ''), '', '')
			FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = '` + table + `' AND COLUMN_NAME = '` + column + `'`)
	}
	for _, c := range []struct {
		kind   ir.ObjectKind
		server []string
	}{
		{ir.Schema, dbLevel},
		{ir.Table, setOf("tables_priv", "Table_priv")},
		{ir.Function, setOf("procs_priv", "Proc_priv")},
	} {
		if got := tableOf(ir.MariaDB, c.kind); !slices.Equal(got, c.server) {
			t.Errorf("MariaDB %s privileges: the compiler's table has %v, the server's grant tables %v", c.kind, got, c.server)
		}
	}
	// A sequence is a table: its privileges are table privileges.
	for _, a := range tableOf(ir.MariaDB, ir.Sequence) {
		if !slices.Contains(tableOf(ir.MariaDB, ir.Table), a) {
			t.Errorf("MariaDB sequence privilege %s is not a table privilege", a)
		}
	}

	// One role with every privilege on every kind: the script applies, applying again
	// changes nothing, and SHOW GRANTS lists each.
	other := s.database("rep")
	d := myIdent(s.dbname)
	s.exec("CREATE TABLE "+d+".orders (id int)", "CREATE SEQUENCE "+d+".orders_id_seq",
		"CREATE FUNCTION "+d+".refresh() RETURNS int RETURN 1")
	objects := map[ir.ObjectKind][2]string{ir.Table: {s.dbname, "orders"}, ir.Sequence: {s.dbname, "orders_id_seq"},
		ir.Function: {s.dbname, "refresh"}, ir.Schema: {other, ""}}
	role := s.role("every")
	privs, script := everyPrivilege(t, ir.MariaDB, s.dbname, role, objects)
	s.mustApply(script)
	first := s.grants(myIdent(role))
	s.mustApply(script)
	if again := s.grants(myIdent(role)); again != first {
		t.Errorf("applying twice changed the grants:\n%s\n---\n%s", first, again)
	}
	on := map[ir.ObjectKind]string{
		ir.Table:    " ON `" + s.dbname + "`.`orders` TO",
		ir.Sequence: " ON `" + s.dbname + "`.`orders_id_seq` TO",
		ir.Function: " ON FUNCTION `" + s.dbname + "`.`refresh` TO",
		ir.Schema:   " ON `" + other + "`.* TO",
	}
	for k, suffix := range on {
		var line string
		for _, g := range strings.Split(first, "\n") {
			if strings.Contains(g, suffix) {
				line = g
			}
		}
		granted := strings.Split(strings.TrimPrefix(line[:strings.Index(line+suffix, suffix)], "GRANT "), ", ")
		want := tableOf(ir.MariaDB, k)
		if slices.Equal(granted, []string{"ALL PRIVILEGES"}) {
			granted = want // SHOW GRANTS shortens the whole level's set (compared with the catalog above)
		}
		slices.Sort(granted)
		if !slices.Equal(granted, want) {
			t.Errorf("%s holds %v on its %s, want %v (SHOW GRANTS:\n%s)", role, granted, k, want, first)
		}
	}
	t.Logf("MariaDB: %d privileges granted by one script and read back", len(privs))
}

// everyPrivilege is a script whose one role holds every privilege of the compiler's
// table on one object of each kind, and those privileges.
func everyPrivilege(t *testing.T, e ir.Engine, dbname, role string, objects map[ir.ObjectKind][2]string) ([]ir.Privilege, []byte) {
	b := newBuilder()
	db := b.database("it", "db", e, dbname)
	var privs []ir.Privilege
	for k, o := range objects {
		for _, a := range tableOf(e, k) {
			privs = append(privs, priv(a, k, o[0], o[1]))
		}
	}
	b.role(db, role, privs...)
	return privs, scriptOf(t, b.p)
}
