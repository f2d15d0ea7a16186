package sql

import (
	"strings"
	"unicode/utf8"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler/ir"
)

// MySQL and MariaDB script layout. Neither engine can put account statements in a
// transaction, so the script is ordered to be safe when it stops half way, and applying
// it again finishes the job:
//
//  0. make sure netc's record of the accounts it manages exists: the table
//     netc.managed_roles, one row per database script and role or login;
//  1. a check block, before anything else changes: every object a privilege names must
//     exist, and no declared role or login may exist without netc's record (netc did
//     not create it) unless netc.hcl adopts it; then the script's roles and logins are
//     recorded (a role only named by `as role` that someone else made is used, never
//     recorded);
//  2. create the missing roles, and the missing logins locked with a password hash that
//     nothing matches (IF NOT EXISTS: an existing account is never touched again);
//  3. grant each role its privileges and each login its roles: only additions, so no
//     declared privilege is ever missing, not even for a moment;
//  4. a converge block: grant functions (as FUNCTION or PROCEDURE, whichever exists),
//     then revoke whatever else the roles hold in the databases the script is about,
//     their memberships in other roles, and the netc logins' other memberships in netc's
//     roles of the database; and what the roles the record holds for this database and
//     the script no longer declares (stale roles) hold;
//  5. set each login's default role.
//
// MariaDB runs the blocks as anonymous compound statements (BEGIN NOT ATOMIC); MySQL has
// none, so there each block is a procedure created, called and dropped in the database.

type myFlavor struct {
	engine   ir.Engine
	client   string // the command-line client
	roleHost string // the host part of a role's account: '' in MariaDB, '%' in MySQL
	// createLogin is what follows the account in CREATE USER IF NOT EXISTS.
	createLogin string
	// dbPrivileges maps each privilege column of mysql.db to its keyword.
	dbPrivileges [][2]string
	// setPrivileges maps each element of the privilege sets of mysql.tables_priv,
	// columns_priv and procs_priv to its keyword.
	setPrivileges [][2]string
}

var commonDBPrivileges = [][2]string{
	{"Select_priv", "SELECT"}, {"Insert_priv", "INSERT"}, {"Update_priv", "UPDATE"},
	{"Delete_priv", "DELETE"}, {"Create_priv", "CREATE"}, {"Drop_priv", "DROP"},
	{"Grant_priv", "GRANT OPTION"}, {"References_priv", "REFERENCES"}, {"Index_priv", "INDEX"},
	{"Alter_priv", "ALTER"}, {"Create_tmp_table_priv", "CREATE TEMPORARY TABLES"},
	{"Lock_tables_priv", "LOCK TABLES"}, {"Create_view_priv", "CREATE VIEW"},
	{"Show_view_priv", "SHOW VIEW"}, {"Create_routine_priv", "CREATE ROUTINE"},
	{"Alter_routine_priv", "ALTER ROUTINE"}, {"Execute_priv", "EXECUTE"},
	{"Event_priv", "EVENT"}, {"Trigger_priv", "TRIGGER"},
}

var commonSetPrivileges = [][2]string{
	{"Select", "SELECT"}, {"Insert", "INSERT"}, {"Update", "UPDATE"}, {"Delete", "DELETE"},
	{"Create", "CREATE"}, {"Drop", "DROP"}, {"Grant", "GRANT OPTION"},
	{"References", "REFERENCES"}, {"Index", "INDEX"}, {"Alter", "ALTER"},
	{"Create View", "CREATE VIEW"}, {"Show view", "SHOW VIEW"}, {"Trigger", "TRIGGER"},
	{"Execute", "EXECUTE"}, {"Alter Routine", "ALTER ROUTINE"},
}

// The invalid password hash MySQL itself gives its locked system accounts.
const mysqlInvalidHash = "$A$005$THISISACOMBINATIONOFINVALIDSALTANDPASSWORDTHATMUSTNEVERBRBEUSED"

var (
	mariadbFlavor = myFlavor{
		engine:        ir.MariaDB,
		client:        "mariadb",
		roleHost:      "",
		createLogin:   "IDENTIFIED VIA mysql_native_password USING 'invalid' ACCOUNT LOCK",
		dbPrivileges:  append(append([][2]string{}, commonDBPrivileges...), [2]string{"Delete_history_priv", "DELETE HISTORY"}),
		setPrivileges: append(append([][2]string{}, commonSetPrivileges...), [2]string{"Delete versioning rows", "DELETE HISTORY"}),
	}
	mysqlFlavor = myFlavor{
		engine:        ir.MySQL,
		client:        "mysql",
		roleHost:      "%",
		createLogin:   "IDENTIFIED WITH caching_sha2_password AS '" + mysqlInvalidHash + "' ACCOUNT LOCK",
		dbPrivileges:  commonDBPrivileges,
		setPrivileges: commonSetPrivileges,
	}
)

func mysqlScript(pl *plan) []byte {
	f := mysqlFlavor
	if pl.db.Engine == ir.MariaDB {
		f = mariadbFlavor
	}
	db := pl.db.SQLName()
	roles := managedRoles(pl)
	var b strings.Builder
	w := func(lines ...string) {
		for _, l := range lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	title := f.engine.Title()
	w("-- "+artifact.Header,
		"-- netc: roles and logins of database "+pl.db.Namespace+"/"+pl.db.Name+" ("+title+" database "+myIdent(db)+").",
		"-- Apply it with the "+f.client+" client, connected to that database, as an account that",
		"-- may create users and roles, grant these privileges and write netc's record (the",
		"-- database "+myIdent(bookkeeping)+"), from the output directory:",
		"--   "+f.client+" "+shellQuote(db)+" < "+shellQuote(Path(pl.db)),
		"-- "+title+" commits each account statement by itself, so this is not one transaction:",
		"-- it checks every object first, grants before it revokes, and applying it again",
		"-- finishes what an interrupted run began and otherwise changes nothing (docs/sql.md).",
		"",
		"SET NAMES utf8mb4;",
		"",
		"-- netc's record of the roles and logins it manages on this server: netc changes no",
		"-- account it did not create (docs/sql.md).",
		"CREATE DATABASE IF NOT EXISTS "+myIdent(bookkeeping)+";",
		"CREATE TABLE IF NOT EXISTS "+managedTable+" (",
		"  `db` VARCHAR(64) NOT NULL COMMENT 'the database whose script manages the account',",
		"  `account` VARCHAR(5) NOT NULL COMMENT 'role or login',",
		"  `name` VARCHAR(128) NOT NULL,",
		"  `privileges_managed` BOOLEAN NOT NULL COMMENT 'false for a role only named by as role, and for logins',",
		"  PRIMARY KEY (`db`, `account`, `name`)",
		") CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;")

	// Objects every privilege needs, in script order, each once.
	type object struct {
		kind           ir.ObjectKind
		schema, object string
	}
	seen := map[object]bool{}
	var objects []object
	grants := map[*ir.Role][]grant{}
	scope := []string{db}
	inScope := map[string]bool{db: true}
	for _, r := range roles {
		if !r.Declared {
			continue
		}
		gs := grantsOf(pl.db, r, false)
		grants[r] = gs
		for _, g := range gs {
			o := object{g.kind, g.schema, g.object}
			if !seen[o] {
				seen[o] = true
				objects = append(objects, o)
			}
			if !inScope[g.schema] {
				inScope[g.schema] = true
				scope = append(scope, g.schema)
			}
		}
	}

	var body strings.Builder
	if len(objects) > 0 {
		body.WriteString("  -- Every object a privilege names must exist before anything changes.\n")
		for _, o := range objects {
			var cond, what string
			switch o.kind {
			case ir.Schema:
				cond = "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " + myLiteral(o.schema)
				what = "database " + myIdent(o.schema)
			case ir.Table, ir.Sequence:
				cond = "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = " + myLiteral(o.schema) +
					" AND TABLE_NAME = " + myLiteral(o.object)
				what = "table " + myIdent(o.schema) + "." + myIdent(o.object)
				if o.kind == ir.Sequence {
					cond += " AND TABLE_TYPE = 'SEQUENCE'"
					what = "sequence " + myIdent(o.schema) + "." + myIdent(o.object)
				}
			case ir.Function:
				cond = "SELECT 1 FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = " + myLiteral(o.schema) +
					" AND ROUTINE_NAME = " + myLiteral(o.object) + " AND ROUTINE_TYPE IN ('FUNCTION', 'PROCEDURE')"
				what = "function or procedure " + myIdent(o.schema) + "." + myIdent(o.object)
			}
			body.WriteString("  IF NOT EXISTS (" + cond + ") THEN\n")
			body.WriteString("    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = " + myLiteral(f.signalText("netc: "+what+" does not exist")) + ";\n")
			body.WriteString("  END IF;\n")
		}
	}
	f.writeAccountChecks(&body, pl, roles)
	if body.Len() > 0 {
		w("")
		myBlock(&b, f, db, "netc_check", body.String())
	}

	w("",
		"-- Roles. Logins are created locked, with a password hash that nothing matches: a",
		"-- secret manager sets the password and unlocks the account, and applying again never",
		"-- touches an account that exists.")
	for _, r := range roles {
		w("CREATE ROLE IF NOT EXISTS " + myIdent(r.Name) + ";")
	}
	for _, l := range pl.logins {
		w("CREATE USER IF NOT EXISTS " + myAccount(l.Name) + " " + f.createLogin + ";")
	}

	var funcGrants strings.Builder
	for _, r := range roles {
		if !r.Declared {
			w("", "-- Role "+myIdent(r.Name)+" is only named by `as role`: netc does not manage its privileges.")
			continue
		}
		w("", "-- Role "+myIdent(r.Name)+": exactly these privileges, none server-wide.")
		w("REVOKE ALL PRIVILEGES ON *.* FROM "+myIdent(r.Name)+";",
			"REVOKE GRANT OPTION ON *.* FROM "+myIdent(r.Name)+";")
		for _, g := range grants[r] {
			actions := strings.Join(g.actions, ", ")
			switch g.kind {
			case ir.Schema:
				w("GRANT " + actions + " ON " + myIdent(g.schema) + ".* TO " + myIdent(r.Name) + ";")
			case ir.Table, ir.Sequence:
				w("GRANT " + actions + " ON " + myIdent(g.schema) + "." + myIdent(g.object) + " TO " + myIdent(r.Name) + ";")
			case ir.Function:
				for _, rt := range []string{"FUNCTION", "PROCEDURE"} {
					funcGrants.WriteString("  IF EXISTS (SELECT 1 FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = " + myLiteral(g.schema) +
						" AND ROUTINE_NAME = " + myLiteral(g.object) + " AND ROUTINE_TYPE = '" + rt + "') THEN\n")
					funcGrants.WriteString("    GRANT " + actions + " ON " + rt + " " + myIdent(g.schema) + "." + myIdent(g.object) + " TO " + myIdent(r.Name) + ";\n")
					funcGrants.WriteString("  END IF;\n")
				}
			}
		}
	}

	members := writeMemberships(w, pl.logins, myAccount, myIdent)

	var declaredRoles, allRoles, logins []string
	for _, r := range roles {
		allRoles = append(allRoles, r.Name)
		if r.Declared {
			declaredRoles = append(declaredRoles, r.Name)
		}
	}
	for _, l := range pl.logins {
		logins = append(logins, l.Name)
	}

	body.Reset()
	if funcGrants.Len() > 0 {
		body.WriteString("  -- Functions by name: the function or the procedure of that name, whichever exists.\n")
		body.WriteString(funcGrants.String())
		body.WriteString("\n")
	}
	body.WriteString("  -- Revoke what else the declared roles hold in " + myJoinIdents(scope) + ",\n" +
		"  -- their memberships in roles, the netc logins' memberships in netc's roles of this\n" +
		"  -- database they are not declared with, and any admin option; and what the roles\n" +
		"  -- netc recorded for this database and no longer declares hold.\n")
	body.WriteString("  OPEN netc_revokes;\n" +
		"  netc_loop: LOOP\n" +
		"    FETCH netc_revokes INTO netc_statement;\n" +
		"    IF netc_done THEN\n" +
		"      LEAVE netc_loop;\n" +
		"    END IF;\n" +
		"    SET @netc_statement = netc_statement;\n" +
		"    PREPARE netc_revoke FROM @netc_statement;\n" +
		"    EXECUTE netc_revoke;\n" +
		"    DEALLOCATE PREPARE netc_revoke;\n" +
		"  END LOOP;\n" +
		"  CLOSE netc_revokes;\n")
	decl := "  DECLARE netc_done INT DEFAULT 0;\n" +
		"  DECLARE netc_statement TEXT;\n" +
		"  DECLARE netc_revokes CURSOR FOR\n" +
		f.revokeQuery(rows(privilegesOf(pl)), members, declaredRoles, allRoles, logins, scope, db) +
		"  DECLARE CONTINUE HANDLER FOR NOT FOUND SET netc_done = 1;\n\n"
	w("", "-- Converge.")
	myBlock(&b, f, db, "netc_converge", decl+body.String())

	if len(pl.logins) > 0 {
		w("", "-- The default role of each login: the role it is active in when it logs in.")
	}
	for _, l := range pl.logins {
		names := loginRoleNames(l)
		var def string
		switch {
		case len(names) == 0:
			def = "NONE"
		case f.engine == ir.MariaDB:
			def = myIdent(names[0]) // check allows one role per MariaDB login
		default:
			q := make([]string, len(names))
			for i, n := range names {
				q[i] = myIdent(n)
			}
			def = strings.Join(q, ", ")
		}
		if f.engine == ir.MariaDB {
			w("SET DEFAULT ROLE " + def + " FOR " + myAccount(l.Name) + ";")
		} else {
			w("SET DEFAULT ROLE " + def + " TO " + myAccount(l.Name) + ";")
		}
	}
	return []byte(b.String())
}

// myBlock writes a compound statement: anonymous on MariaDB, a procedure of the
// database created, called and dropped on MySQL. The client's delimiter is changed
// around it to one that body does not hold.
func myBlock(b *strings.Builder, f myFlavor, db, name, body string) {
	d := delimiter(body)
	if f.engine == ir.MariaDB {
		b.WriteString("DELIMITER " + d + "\n" +
			"BEGIN NOT ATOMIC\n" + body + "END\n" + d + "\n" +
			"DELIMITER ;\n")
		return
	}
	proc := myIdent(db) + "." + myIdent(name)
	b.WriteString("DROP PROCEDURE IF EXISTS " + proc + ";\n" +
		"DELIMITER " + d + "\n" +
		"CREATE PROCEDURE " + proc + "()\n" +
		"BEGIN\n" + body + "END\n" + d + "\n" +
		"DELIMITER ;\n" +
		"CALL " + proc + "();\n" +
		"DROP PROCEDURE " + proc + ";\n")
}

// signalText fits a SIGNAL message in what the engine allows: 128 characters on MySQL,
// 512 on MariaDB (a longer one is an error of its own, "Data too long").
func (f myFlavor) signalText(s string) string {
	limit := 128
	if f.engine == ir.MariaDB {
		limit = 512
	}
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)
	return string(r[:limit-3]) + "..."
}

func myJoinIdents(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = myIdent(n)
	}
	return strings.Join(q, ", ")
}

// SQL expressions the revoke query builds statements with.

// sqlQuote quotes the value of a column as an identifier, in SQL.
func sqlQuote(expr string) string {
	return "CONCAT('`', REPLACE(" + expr + ", '`', '``'), '`')"
}

// sqlExact is a column compared byte for byte.
func sqlExact(expr string) string { return "CONVERT(" + expr + " USING utf8mb4) COLLATE utf8mb4_bin" }

func myInList(items []string) string {
	if len(items) == 0 {
		return "(NULL)"
	}
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = myLiteral(s)
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// myRows is a CTE body of literal rows, or no row at all.
func myRows(cols int, rows [][]string, indent string) string {
	if len(rows) == 0 {
		empty := make([]string, cols)
		for i := range empty {
			empty[i] = "''"
		}
		return "SELECT " + strings.Join(empty, ", ") + " FROM DUAL WHERE FALSE"
	}
	var b strings.Builder
	for i, row := range rows {
		if i > 0 {
			b.WriteString("\n" + indent + "UNION ALL ")
		}
		b.WriteString("SELECT ")
		for j, v := range row {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(myLiteral(v))
		}
	}
	return b.String()
}

// revokeQuery is the cursor's query: one REVOKE statement per privilege, grant option or
// membership to take away, in a stable order.
//
// The roles and logins it works on come from netc's record as well as from the script:
// the logins are every login netc recorded (for any database), the roles whose
// memberships it manages those recorded for this database, and the stale roles those
// recorded for this database with their privileges managed that the script no longer
// names. A stale role loses its privileges in the script's databases or, when no other
// database's script declares it, everywhere.
func (f myFlavor) revokeQuery(declared, members [][]string, declaredRoles, allRoles, logins, scope []string, db string) string {
	const in = "      "
	var b strings.Builder
	line := func(s string) { b.WriteString(in + s + "\n") }
	roleFilter := func(x string) string {
		return x + ".Host = " + myLiteral(f.roleHost) + " AND (" + sqlExact(x+".User") + " IN " + myInList(declaredRoles) +
			" OR " + sqlExact(x+".User") + " IN (SELECT r FROM stale WHERE NOT everywhere))"
	}
	dbFilter := func(x string) string { return sqlExact(x+".Db") + " IN " + myInList(scope) }
	notNamed := ""
	if len(allRoles) > 0 {
		notNamed = " AND m.name NOT IN " + myInList(allRoles)
	}

	b.WriteString("    WITH declared (r, k, s, o, p) AS (\n")
	line("  " + myRows(5, declared, in+"  "))
	line("),")
	line("members (l, r) AS (")
	line("  " + myRows(2, members, in+"  "))
	line("),")
	line("netc_roles (r) AS (")
	line("  SELECT name FROM " + managedTable + " WHERE db = " + myLiteral(db) + " AND account = 'role'")
	line("),")
	line("netc_logins (l) AS (")
	line("  SELECT name FROM " + managedTable + " WHERE account = 'login'")
	line("),")
	line("stale (r, everywhere) AS (")
	line("  SELECT m.name, NOT EXISTS (SELECT 1 FROM " + managedTable + " o")
	line("                              WHERE o.account = 'role' AND o.privileges_managed AND o.name = m.name AND o.db <> m.db)")
	line("    FROM " + managedTable + " m")
	line("    JOIN mysql.user u ON u.Host = " + myLiteral(f.roleHost) + " AND " + sqlExact("u.User") + " = m.name")
	line("   WHERE m.db = " + myLiteral(db) + " AND m.account = 'role' AND m.privileges_managed" + notNamed)
	line("),")
	line("privs (name, p) AS (")
	var privs [][]string
	for _, p := range f.setPrivileges {
		privs = append(privs, []string{p[0], p[1]})
	}
	for _, p := range f.dbPrivileges {
		dup := false
		for _, q := range f.setPrivileges {
			dup = dup || q[1] == p[1]
		}
		if !dup {
			privs = append(privs, []string{p[1], p[1]})
		}
	}
	line("  " + myRows(2, privs, in+"  "))
	line("),")
	line("held (r, k, s, o, p, stmt) AS (")
	dbSet := make([]string, len(f.dbPrivileges))
	for i, p := range f.dbPrivileges {
		dbSet[i] = "IF(x." + p[0] + " = 'Y', '" + p[1] + "', NULL)"
	}
	line("  SELECT CONVERT(x.User USING utf8mb4), 'schema', CONVERT(x.Db USING utf8mb4), '', n.p,")
	line("         CONCAT('REVOKE ', n.p, ' ON ', " + sqlQuote("x.Db") + ", '.* FROM ', " + sqlQuote("x.User") + ")")
	line("    FROM mysql.db x")
	line("    JOIN privs n ON FIND_IN_SET(n.p, CONCAT_WS(',',")
	for i, s := range dbSet {
		sep := ","
		if i == len(dbSet)-1 {
			sep = ")) > 0"
		}
		line("      " + s + sep)
	}
	line("   WHERE " + roleFilter("x") + " AND " + dbFilter("x"))
	line("  UNION ALL")
	line("  SELECT CONVERT(x.User USING utf8mb4), 'table', CONVERT(x.Db USING utf8mb4), CONVERT(x.Table_name USING utf8mb4), n.p,")
	line("         CONCAT('REVOKE ', n.p, ' ON ', " + sqlQuote("x.Db") + ", '.', " + sqlQuote("x.Table_name") + ", ' FROM ', " + sqlQuote("x.User") + ")")
	line("    FROM mysql.tables_priv x")
	line("    JOIN privs n ON FIND_IN_SET(n.name, x.Table_priv) > 0")
	line("   WHERE " + roleFilter("x") + " AND " + dbFilter("x"))
	line("  UNION ALL")
	line("  SELECT CONVERT(x.User USING utf8mb4), 'table', CONVERT(x.Db USING utf8mb4), CONVERT(x.Table_name USING utf8mb4), n.p,")
	line("         CONCAT('REVOKE ', n.p, ' (', " + sqlQuote("x.Column_name") + ", ') ON ', " + sqlQuote("x.Db") + ", '.', " + sqlQuote("x.Table_name") + ", ' FROM ', " + sqlQuote("x.User") + ")")
	line("    FROM mysql.columns_priv x")
	line("    JOIN privs n ON FIND_IN_SET(n.name, x.Column_priv) > 0")
	line("   WHERE " + roleFilter("x") + " AND " + dbFilter("x"))
	line("  UNION ALL")
	line("  SELECT CONVERT(x.User USING utf8mb4), 'function', CONVERT(x.Db USING utf8mb4), CONVERT(x.Routine_name USING utf8mb4), n.p,")
	line("         CONCAT('REVOKE ', n.p, ' ON ', x.Routine_type, ' ', " + sqlQuote("x.Db") + ", '.', " + sqlQuote("x.Routine_name") + ", ' FROM ', " + sqlQuote("x.User") + ")")
	line("    FROM mysql.procs_priv x")
	line("    JOIN privs n ON FIND_IN_SET(n.name, x.Proc_priv) > 0")
	line("   WHERE " + roleFilter("x") + " AND " + dbFilter("x") + " AND x.Routine_type IN ('FUNCTION', 'PROCEDURE')")
	line("),")
	line("todo (ord, stmt) AS (")
	line("  SELECT 0, CONCAT('REVOKE ALL PRIVILEGES, GRANT OPTION FROM ', " + sqlQuote("s.r") + ") FROM stale s WHERE s.everywhere")
	line("  UNION ALL")
	line("  SELECT 1, h.stmt FROM held h")
	line("   WHERE h.p = 'GRANT OPTION'")
	line("      OR NOT EXISTS (SELECT 1 FROM declared d")
	line("                      WHERE d.r = h.r COLLATE utf8mb4_bin AND d.k = h.k AND d.s = h.s COLLATE utf8mb4_bin")
	line("                        AND (d.o = h.o COLLATE utf8mb4_bin OR (h.k = 'function' AND d.o = h.o COLLATE utf8mb4_general_ci))")
	line("                        AND d.p IN (h.p, 'ALL'))")
	line("  UNION ALL")
	if f.engine == ir.MariaDB {
		// mysql.roles_mapping: User@Host is the member, Role the role; a role member has Host ''.
		line("  SELECT 2, CONCAT('REVOKE ', " + sqlQuote("m.Role") + ", ' FROM ', " + sqlQuote("m.User") + ")")
		line("    FROM mysql.roles_mapping m")
		line("   WHERE m.Host = '' AND (" + sqlExact("m.User") + " IN " + myInList(declaredRoles) + " OR " + sqlExact("m.User") + " IN (SELECT r FROM stale))")
		line("  UNION ALL")
		line("  SELECT 2, CONCAT(IF(d.l IS NULL, 'REVOKE ', 'REVOKE ADMIN OPTION FOR '), " + sqlQuote("m.Role") + ", ' FROM ', " + sqlQuote("m.User") + ", '@', " + sqlQuote("m.Host") + ")")
		line("    FROM mysql.roles_mapping m")
		line("    LEFT JOIN members d ON d.l = CONVERT(m.User USING utf8mb4) COLLATE utf8mb4_bin AND d.r = CONVERT(m.Role USING utf8mb4) COLLATE utf8mb4_bin")
		line("   WHERE m.Host = '%' AND (" + sqlExact("m.User") + " IN " + myInList(logins) + " OR " + sqlExact("m.User") + " IN (SELECT l FROM netc_logins))")
		line("     AND " + sqlExact("m.Role") + " IN (SELECT r FROM netc_roles)")
		line("     AND (d.l IS NULL OR m.Admin_option = 'Y')")
	} else {
		// mysql.role_edges: FROM is the role, TO the member; roles are accounts at '%'.
		edge := func(user, host string) string {
			return sqlQuote("e."+user) + ", '@', " + sqlQuote("e."+host)
		}
		line("  SELECT 2, CONCAT('REVOKE ', " + edge("FROM_USER", "FROM_HOST") + ", ' FROM ', " + edge("TO_USER", "TO_HOST") + ")")
		line("    FROM mysql.role_edges e")
		line("   WHERE e.TO_HOST = '%' AND (" + sqlExact("e.TO_USER") + " IN " + myInList(declaredRoles) + " OR " + sqlExact("e.TO_USER") + " IN (SELECT r FROM stale))")
		line("  UNION ALL")
		line("  SELECT 2, CONCAT('REVOKE ', " + edge("FROM_USER", "FROM_HOST") + ", ' FROM ', " + edge("TO_USER", "TO_HOST") + ")")
		line("    FROM mysql.role_edges e")
		line("    LEFT JOIN members d ON d.l = CONVERT(e.TO_USER USING utf8mb4) COLLATE utf8mb4_bin AND d.r = CONVERT(e.FROM_USER USING utf8mb4) COLLATE utf8mb4_bin")
		line("   WHERE e.TO_HOST = '%' AND (" + sqlExact("e.TO_USER") + " IN " + myInList(logins) + " OR " + sqlExact("e.TO_USER") + " IN (SELECT l FROM netc_logins))")
		line("     AND e.FROM_HOST = '%' AND " + sqlExact("e.FROM_USER") + " IN (SELECT r FROM netc_roles)")
		line("     AND (d.l IS NULL OR e.WITH_ADMIN_OPTION = 'Y')")
		line("  UNION ALL")
		// MySQL cannot revoke just the admin option: grant the membership again without it.
		line("  SELECT 3, CONCAT('GRANT ', " + edge("FROM_USER", "FROM_HOST") + ", ' TO ', " + edge("TO_USER", "TO_HOST") + ")")
		line("    FROM mysql.role_edges e")
		line("    JOIN members d ON d.l = CONVERT(e.TO_USER USING utf8mb4) COLLATE utf8mb4_bin AND d.r = CONVERT(e.FROM_USER USING utf8mb4) COLLATE utf8mb4_bin")
		line("   WHERE e.TO_HOST = '%' AND e.FROM_HOST = '%' AND e.WITH_ADMIN_OPTION = 'Y'")
	}
	line(")")
	line("SELECT stmt FROM todo ORDER BY ord, stmt;")
	return b.String()
}

// The database and table of netc's record of the accounts it manages.
var (
	bookkeeping  = ir.SQLBookkeeping
	managedTable = myIdent(bookkeeping) + ".`managed_roles`"
)

// writeAccountChecks writes, into the check block, what stops the script when a declared
// role or a login exists and netc did not create it (no row in netc's record for it as
// that kind of account), unless netc.hcl adopts it; then the rows that record the
// script's roles and logins. A role only named by `as role` is recorded only when netc
// makes it or it is netc's already: someone else's role is used, never taken over.
func (f myFlavor) writeAccountChecks(b *strings.Builder, pl *plan, roles []*ir.Role) {
	db := pl.db.SQLName()
	exists := func(name, host string) string {
		return "EXISTS (SELECT 1 FROM mysql.user WHERE " + sqlExact("User") + " = " + myLiteral(name) + " AND Host = " + myLiteral(host) + ")"
	}
	recorded := func(account, name string) string {
		return "EXISTS (SELECT 1 FROM " + managedTable + " WHERE account = '" + account + "' AND name = " + myLiteral(name) + ")"
	}
	row := func(account, name string, managed bool) string {
		m := "FALSE"
		if managed {
			m = "TRUE"
		}
		return "(" + myLiteral(db) + ", '" + account + "', " + myLiteral(name) + ", " + m + ")"
	}
	insert := "REPLACE INTO " + managedTable + " (`db`, `account`, `name`, `privileges_managed`) VALUES"
	var checks, rows, maybe strings.Builder
	check := func(account, name, host string) {
		// The name is in the message once, backquoted; the netc.hcl line repeats it only
		// when it is plain.
		list, ref := "...", "the database"
		if plainName.MatchString(name) {
			list = "\"" + name + "\""
		}
		if plainName.MatchString(pl.db.Namespace) && plainName.MatchString(pl.db.Name) {
			ref = "\"" + pl.db.Namespace + "/" + pl.db.Name + "\""
		}
		msg := "netc: " + account + " " + myIdent(name) + " exists and netc did not create it; netc manages only the roles and logins it created. " +
			"To let netc take it over, adopt it in netc.hcl: database " + ref + " { adopt = [" + list + "] }. No account was changed."
		checks.WriteString("  IF " + exists(name, host) + "\n" +
			"     AND NOT " + recorded(account, name) + " THEN\n" +
			"    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = " + myLiteral(f.signalText(msg)) + ";\n" +
			"  END IF;\n")
	}
	var recs []string
	for _, r := range roles {
		if r.Database != pl.db {
			continue
		}
		switch {
		case r.Declared && !r.Adopt:
			check("role", r.Name, f.roleHost)
			recs = append(recs, row("role", r.Name, true))
		case r.Adopt:
			recs = append(recs, row("role", r.Name, r.Declared))
		default:
			maybe.WriteString("  IF NOT " + exists(r.Name, f.roleHost) + " OR " + recorded("role", r.Name) + " THEN\n" +
				"    " + insert + " " + row("role", r.Name, false) + ";\n" +
				"  END IF;\n")
		}
	}
	for _, l := range pl.logins {
		if !l.Adopt {
			check("login", l.Name, "%")
		}
		recs = append(recs, row("login", l.Name, false))
	}
	if len(recs) > 0 {
		rows.WriteString("  " + insert + "\n    " + strings.Join(recs, ",\n    ") + ";\n")
	}
	if checks.Len() > 0 {
		b.WriteString("  -- netc takes over no role or login it did not create (netc.hcl can adopt one).\n")
		b.WriteString(checks.String())
	}
	if rows.Len()+maybe.Len() > 0 {
		b.WriteString("  -- Record this script's roles and logins as netc's.\n")
		b.WriteString(rows.String())
		b.WriteString(maybe.String())
	}
}
