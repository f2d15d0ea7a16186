package sqlstate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/netc-dev/netc/backends/sql"
	"github.com/netc-dev/netc/compiler/ir"
)

// myState is what a plan or audit reads from MariaDB: netc's record
// (netc.managed_roles), the accounts that matter (the model's and every recorded one)
// with their server-wide privileges and default role, their privileges on databases,
// tables, columns and routines, their role memberships, and the objects the model's
// privileges name. MySQL keeps roles elsewhere (mysql.role_edges, default_roles) and
// is not read: there is no MySQL server to test a reader against.
type myState struct {
	roleHost  string
	hasRecord bool
	records   []myRecord
	accounts  map[string]*myAccount // "user@host"
	privs     []myPriv
	members   []myMember
	schemas   map[string]bool
	tables    map[string]string   // "db\x00table" → TABLE_TYPE
	routines  map[string][]string // "db\x00lower(name)" → ROUTINE_TYPEs
}

type myRecord struct {
	db, account, name string
	managed           bool
}

type myAccount struct {
	user, host  string
	global      []string // server-wide privileges (mysql.user *_priv = 'Y')
	defaultRole string
}

type myPriv struct {
	user, host           string
	kind                 string // schema, table, function (as the script's revoke query)
	db, object, col      string
	routineType, keyword string
}

func (p myPriv) target() string {
	switch p.kind {
	case "schema":
		return "database " + p.db
	case "function":
		return strings.ToLower(p.routineType) + " " + p.db + "." + p.object
	}
	return "table " + p.db + "." + p.object
}

type myMember struct {
	user, host, role string
	admin            bool
}

func key(user, host string) string { return user + "@" + host }

// exact compares a column byte for byte, whatever its collation.
func exact(col string) string { return "CONVERT(" + col + " USING utf8mb4) COLLATE utf8mb4_bin" }

func inList(col string, names []string) (string, []any) {
	if len(names) == 0 {
		return "FALSE", nil
	}
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	return exact(col) + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ") + ")", args
}

func readMy(ctx context.Context, c *Conn, m *sql.Model) (*myState, error) {
	if c.engine != ir.MariaDB {
		return nil, fmt.Errorf("%s at %s: netc plan and netc audit read PostgreSQL and MariaDB; MySQL is not supported yet", engineTitle(c.engine), c.server)
	}
	st := &myState{roleHost: sql.RoleHost(ir.MariaDB), accounts: map[string]*myAccount{}, schemas: map[string]bool{},
		tables: map[string]string{}, routines: map[string][]string{}}
	fail := func(what string, err error) (*myState, error) {
		return nil, fmt.Errorf("reading %s from MariaDB at %s: %v", what, c.server, err)
	}
	rows, err := c.myRows(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'managed_roles'", ir.SQLBookkeeping)
	if err != nil {
		return fail("netc's record", err)
	}
	st.hasRecord = rows[0][0] != "0"
	var names []string
	for _, r := range m.Roles {
		names = append(names, r.Name)
	}
	for _, l := range m.Logins {
		names = append(names, l.Name)
	}
	if st.hasRecord {
		rows, err := c.myRows(ctx, "SELECT db, account, name, privileges_managed FROM "+sql.ManagedTable)
		if err != nil {
			return fail("netc's record", err)
		}
		for _, r := range rows {
			st.records = append(st.records, myRecord{db: r[0], account: r[1], name: r[2], managed: r[3] == "1"})
			names = append(names, r[2])
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)

	cond, args := inList("User", names)
	uRows, err := c.myTx.QueryContext(ctx, "SELECT * FROM mysql.user WHERE "+cond, args...)
	if err != nil {
		return fail("accounts", err)
	}
	cols, _ := uRows.Columns()
	uRows.Close()
	sel := []string{exact("User"), exact("Host"), "default_role"}
	var privCols []string
	for _, col := range cols {
		if strings.HasSuffix(col, "_priv") {
			privCols = append(privCols, col)
			sel = append(sel, "`"+col+"`")
		}
	}
	rows, err = c.myRows(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM mysql.user WHERE "+cond, args...)
	if err != nil {
		return fail("accounts", err)
	}
	dbCols, setElems := sql.AccountPrivileges(ir.MariaDB)
	keyword := func(col string) string {
		for _, p := range dbCols {
			if p[0] == col {
				return p[1]
			}
		}
		return strings.ToUpper(strings.ReplaceAll(strings.TrimSuffix(col, "_priv"), "_", " "))
	}
	for _, r := range rows {
		a := &myAccount{user: r[0], host: r[1], defaultRole: r[2]}
		for i, col := range privCols {
			if r[3+i] == "Y" {
				a.global = append(a.global, keyword(col))
			}
		}
		st.accounts[key(a.user, a.host)] = a
	}

	var dbSel []string
	for _, p := range dbCols {
		dbSel = append(dbSel, "`"+p[0]+"`")
	}
	rows, err = c.myRows(ctx, "SELECT "+exact("User")+", "+exact("Host")+", "+exact("Db")+", "+strings.Join(dbSel, ", ")+" FROM mysql.db WHERE "+cond, args...)
	if err != nil {
		return fail("database privileges", err)
	}
	for _, r := range rows {
		for i, p := range dbCols {
			if r[3+i] == "Y" {
				st.privs = append(st.privs, myPriv{user: r[0], host: r[1], kind: "schema", db: r[2], keyword: p[1]})
			}
		}
	}
	set := func(s string) []string {
		var out []string
		for _, e := range strings.Split(s, ",") {
			for _, p := range setElems {
				if strings.EqualFold(p[0], e) {
					out = append(out, p[1])
				}
			}
		}
		return out
	}
	for _, q := range []struct{ what, query string }{
		{"table privileges", "SELECT " + exact("User") + ", " + exact("Host") + ", " + exact("Db") + ", " + exact("Table_name") + ", '', '', Table_priv FROM mysql.tables_priv WHERE "},
		{"column privileges", "SELECT " + exact("User") + ", " + exact("Host") + ", " + exact("Db") + ", " + exact("Table_name") + ", " + exact("Column_name") + ", '', Column_priv FROM mysql.columns_priv WHERE "},
		{"routine privileges", "SELECT " + exact("User") + ", " + exact("Host") + ", " + exact("Db") + ", " + exact("Routine_name") + ", '', Routine_type, Proc_priv FROM mysql.procs_priv WHERE "},
	} {
		rows, err := c.myRows(ctx, q.query+cond, args...)
		if err != nil {
			return fail(q.what, err)
		}
		for _, r := range rows {
			kind := "table"
			if r[5] != "" {
				kind = "function"
			}
			for _, k := range set(r[6]) {
				st.privs = append(st.privs, myPriv{user: r[0], host: r[1], kind: kind, db: r[2], object: r[3], col: r[4], routineType: r[5], keyword: k})
			}
		}
	}
	rcond, rargs := inList("Role", names)
	rows, err = c.myRows(ctx, "SELECT "+exact("User")+", "+exact("Host")+", "+exact("Role")+", Admin_option FROM mysql.roles_mapping WHERE "+cond+" OR "+rcond, append(args, rargs...)...)
	if err != nil {
		return fail("role memberships", err)
	}
	for _, r := range rows {
		st.members = append(st.members, myMember{user: r[0], host: r[1], role: r[2], admin: r[3] == "Y"})
	}

	var schemas []string
	for _, p := range m.Privileges {
		schemas = append(schemas, p.Schema)
	}
	scond, sargs := inList("SCHEMA_NAME", schemas)
	rows, err = c.myRows(ctx, "SELECT "+exact("SCHEMA_NAME")+" FROM information_schema.SCHEMATA WHERE "+scond, sargs...)
	if err != nil {
		return fail("databases", err)
	}
	for _, r := range rows {
		st.schemas[r[0]] = true
	}
	tcond, targs := inList("TABLE_SCHEMA", schemas)
	rows, err = c.myRows(ctx, "SELECT "+exact("TABLE_SCHEMA")+", "+exact("TABLE_NAME")+", TABLE_TYPE FROM information_schema.TABLES WHERE "+tcond, targs...)
	if err != nil {
		return fail("tables", err)
	}
	for _, r := range rows {
		st.tables[r[0]+"\x00"+r[1]] = r[2]
	}
	rtcond, rtargs := inList("ROUTINE_SCHEMA", schemas)
	rows, err = c.myRows(ctx, "SELECT "+exact("ROUTINE_SCHEMA")+", "+exact("ROUTINE_NAME")+", ROUTINE_TYPE FROM information_schema.ROUTINES WHERE "+rtcond, rtargs...)
	if err != nil {
		return fail("routines", err)
	}
	for _, r := range rows {
		k := r[0] + "\x00" + strings.ToLower(r[1])
		st.routines[k] = append(st.routines[k], r[2])
	}
	return st, nil
}

// myPlan is the script's view of the server: its record once the check block ran,
// which accounts its converge block works on, and what the declared roles end with.
type myPlan struct {
	m        *sql.Model
	st       *myState
	records  []myRecord // after the check block
	changes  []Change   // of the check block: the record table, refusals, failures, records
	stopped  bool       // the check block stops the script
	declared map[string]bool
	stale    map[string]bool // recorded for this database, no longer declared
	every    map[string]bool // stale, and declared for no other database: loses everything
	netcRole map[string]bool // recorded as roles of this database
	logins   map[string]bool // the model's logins and every recorded one
	scope    map[string]bool // the databases the script is about
	members  map[[2]string]bool
}

func (st *myState) exists(user, host string) bool { return st.accounts[key(user, host)] != nil }

func recorded(recs []myRecord, account, name string) bool {
	for _, r := range recs {
		if r.account == account && r.name == name {
			return true
		}
	}
	return false
}

func (st *myState) newPlan(m *sql.Model) *myPlan {
	p := &myPlan{m: m, st: st, records: slices.Clone(st.records), declared: map[string]bool{}, stale: map[string]bool{},
		every: map[string]bool{}, netcRole: map[string]bool{}, logins: map[string]bool{}, scope: map[string]bool{m.DBName: true},
		members: map[[2]string]bool{}}
	db := m.DBName
	if !st.hasRecord {
		p.changes = append(p.changes, Change{Action: Create, Object: "table " + ir.SQLBookkeeping + ".managed_roles",
			Detail: "netc's record of the accounts it manages"})
	}
	// Every object a privilege names must exist.
	missing := map[string]bool{}
	for _, pv := range m.Privileges {
		p.scope[pv.Schema] = true
		var what string
		switch pv.Kind {
		case "schema":
			if !st.schemas[pv.Schema] {
				what = "database " + pv.Schema
			}
		case "table":
			t, ok := st.tables[pv.Schema+"\x00"+pv.Object]
			if !ok || (pv.Of == ir.Sequence && t != "SEQUENCE") {
				what = string(pv.Of) + " " + pv.Schema + "." + pv.Object
			}
		case "function":
			if len(st.routines[pv.Schema+"\x00"+strings.ToLower(pv.Object)]) == 0 {
				what = "function or procedure " + pv.Schema + "." + pv.Object
			}
		}
		if what != "" && !missing[what] {
			missing[what] = true
			p.changes = append(p.changes, Change{Action: Fail, Object: what, Detail: "does not exist; the script stops before it changes any account"})
			p.stopped = true
		}
	}
	if p.stopped {
		return p
	}
	for _, r := range m.Roles {
		if r.Own && r.Declared && !r.Adopt && st.exists(r.Name, st.roleHost) && !recorded(st.records, "role", r.Name) {
			p.changes = append(p.changes, Change{Action: Refuse, Account: r.Name, AccountKind: "role",
				Detail: "it exists and netc did not create it; " + adoptHint(m, r.Name)})
			p.stopped = true
		}
	}
	for _, l := range m.Logins {
		if !l.Adopt && st.exists(l.Name, "%") && !recorded(st.records, "login", l.Name) {
			p.changes = append(p.changes, Change{Action: Refuse, Account: l.Name, AccountKind: "login",
				Detail: "it exists and netc did not create it; " + adoptHint(m, l.Name)})
			p.stopped = true
		}
	}
	if p.stopped {
		return p
	}
	record := func(account, name string, managed bool) {
		for i, r := range p.records {
			if r.db == db && r.account == account && r.name == name {
				if r.managed != managed {
					p.records[i].managed = managed
					p.changes = append(p.changes, Change{Action: Mark, Account: name, AccountKind: account, Detail: recordText(db, managed)})
				}
				return
			}
		}
		p.records = append(p.records, myRecord{db, account, name, managed})
		if st.exists(name, map[bool]string{true: st.roleHost, false: "%"}[account == "role"]) {
			p.changes = append(p.changes, Change{Action: Mark, Account: name, AccountKind: account, Detail: recordText(db, managed)})
		}
	}
	var implied []sql.ModelRole
	for _, r := range m.Roles {
		switch {
		case !r.Own:
		case r.Declared && !r.Adopt:
			record("role", r.Name, true)
		case r.Adopt:
			record("role", r.Name, r.Declared)
		default:
			implied = append(implied, r)
		}
	}
	for _, l := range m.Logins {
		record("login", l.Name, false)
	}
	for _, r := range implied {
		if !st.exists(r.Name, st.roleHost) || recorded(p.records, "role", r.Name) {
			record("role", r.Name, false)
		}
	}

	named := map[string]bool{}
	for _, r := range m.Roles {
		named[r.Name] = true
		if r.Declared {
			p.declared[r.Name] = true
		}
	}
	for _, r := range p.records {
		if r.account == "login" {
			p.logins[r.name] = true
		}
		if r.db != db || r.account != "role" {
			continue
		}
		p.netcRole[r.name] = true
		if r.managed && !named[r.name] && st.exists(r.name, st.roleHost) {
			p.stale[r.name] = true
			p.every[r.name] = true
		}
	}
	for _, r := range p.records {
		if r.account == "role" && r.managed && r.db != db && p.stale[r.name] {
			delete(p.every, r.name)
		}
	}
	for _, l := range m.Logins {
		p.logins[l.Name] = true
		for _, r := range l.Roles {
			p.members[[2]string{l.Name, r}] = true
		}
	}
	return p
}

// recordText says how an account is recorded as netc's; it ends "privileges managed"
// exactly when the row says so.
func recordText(db string, managed bool) string {
	if managed {
		return fmt.Sprintf("recorded in netc.managed_roles for database %s, privileges managed", db)
	}
	return fmt.Sprintf("recorded in netc.managed_roles for database %s", db)
}

// wants is what the declared roles are granted, on the objects as they are now.
func (p *myPlan) wants() []myPriv {
	_, setElems := sql.AccountPrivileges(ir.MariaDB)
	dbCols, _ := sql.AccountPrivileges(ir.MariaDB)
	all := func(kind string) []string {
		var out []string
		switch kind {
		case "schema":
			for _, c := range dbCols {
				if c[1] != "GRANT OPTION" {
					out = append(out, c[1])
				}
			}
		case "function":
			out = []string{"EXECUTE", "ALTER ROUTINE"}
		default:
			for _, e := range setElems {
				if e[1] != "GRANT OPTION" && e[1] != "EXECUTE" && e[1] != "ALTER ROUTINE" {
					out = append(out, e[1])
				}
			}
		}
		return out
	}
	seen := map[myPriv]bool{}
	var out []myPriv
	add := func(x myPriv, action string) {
		acts := []string{action}
		if action == "ALL" {
			acts = all(x.kind)
		}
		for _, a := range acts {
			y := x
			y.keyword = a
			if !seen[y] {
				seen[y] = true
				out = append(out, y)
			}
		}
	}
	for _, pv := range p.m.Privileges {
		x := myPriv{user: pv.Role, host: p.st.roleHost, kind: pv.Kind, db: pv.Schema, object: pv.Object}
		if pv.Kind != "function" {
			add(x, pv.Action)
			continue
		}
		for _, t := range p.st.routines[pv.Schema+"\x00"+strings.ToLower(pv.Object)] {
			y := x
			y.routineType = t
			add(y, pv.Action)
		}
	}
	return out
}

// kept reports whether the converge block keeps a held privilege: declared (by name,
// a routine's without regard to case), and not a grant option.
func (p *myPlan) kept(h myPriv) bool {
	if h.keyword == "GRANT OPTION" {
		return false
	}
	for _, pv := range p.m.Privileges {
		if pv.Role == h.user && pv.Kind == h.kind && pv.Schema == h.db &&
			(pv.Object == h.object || (h.kind == "function" && strings.EqualFold(pv.Object, h.object))) &&
			(pv.Action == h.keyword || pv.Action == "ALL") {
			return true
		}
	}
	return false
}

func revokeOf(h myPriv, kind string) Change {
	return Change{Action: Revoke, Account: h.user, AccountKind: kind, Privilege: h.keyword, Object: h.target(), Column: h.col}
}

func (st *myState) plan(m *sql.Model) []Change {
	p := st.newPlan(m)
	out := slices.Clone(p.changes)
	if p.stopped {
		return out
	}
	for _, r := range m.Roles {
		if !st.exists(r.Name, st.roleHost) {
			out = append(out, Change{Action: Create, Account: r.Name, AccountKind: "role",
				Detail: recordText(m.DBName, r.Declared) + " (MariaDB also makes the account that applies the script a member WITH ADMIN OPTION)"})
		}
	}
	for _, l := range m.Logins {
		if !st.exists(l.Name, "%") {
			out = append(out, Change{Action: Create, Account: l.Name, AccountKind: "login", Privilege: "LOGIN (locked, no usable password)", Detail: recordText(m.DBName, false)})
		}
	}
	for n := range p.declared {
		if a := st.accounts[key(n, st.roleHost)]; a != nil && len(a.global) > 0 {
			out = append(out, Change{Action: Alter, Account: n, AccountKind: "role", Privilege: strings.Join(a.global, ", "), Detail: "server-wide privileges"})
		}
	}
	held := map[myPriv]bool{}
	for _, h := range st.privs {
		held[h] = true
	}
	heldFunc := func(w myPriv) bool {
		for _, h := range st.privs {
			if h.user == w.user && h.host == w.host && h.kind == "function" && h.db == w.db && strings.EqualFold(h.object, w.object) &&
				h.routineType == w.routineType && h.keyword == w.keyword && h.col == "" {
				return true
			}
		}
		return false
	}
	for _, w := range p.wants() {
		if held[w] || (w.kind == "function" && heldFunc(w)) {
			continue
		}
		out = append(out, Change{Action: Grant, Account: w.user, AccountKind: "role", Privilege: w.keyword, Object: w.target()})
	}
	isMember := map[[2]string]bool{}
	for _, mb := range st.members {
		if mb.host == "%" {
			isMember[[2]string{mb.user, mb.role}] = true
		}
	}
	for _, l := range m.Logins {
		for _, r := range l.Roles {
			if !isMember[[2]string{l.Name, r}] {
				out = append(out, Change{Action: Grant, Account: l.Name, AccountKind: "login", Role: r})
			}
		}
	}
	for n := range p.every {
		if a := st.accounts[key(n, st.roleHost)]; a != nil && len(a.global) > 0 {
			out = append(out, Change{Action: Alter, Account: n, AccountKind: "stale role", Privilege: strings.Join(a.global, ", "), Detail: "server-wide privileges"})
		}
	}
	for _, h := range st.privs {
		switch {
		case h.host != st.roleHost:
		case p.every[h.user]:
			out = append(out, revokeOf(h, "stale role"))
		case (p.declared[h.user] || p.stale[h.user]) && p.scope[h.db] && !p.kept(h):
			kind := "role"
			if p.stale[h.user] {
				kind = "stale role"
			}
			out = append(out, revokeOf(h, kind))
		}
	}
	for _, mb := range st.members {
		switch {
		case mb.host == "" && (p.declared[mb.user] || p.stale[mb.user]):
			out = append(out, Change{Action: Revoke, Account: mb.user, AccountKind: "role", Role: mb.role})
		case mb.host == "%" && p.logins[mb.user] && p.netcRole[mb.role] && !p.members[[2]string{mb.user, mb.role}]:
			out = append(out, Change{Action: Revoke, Account: mb.user, AccountKind: "login", Role: mb.role})
		case mb.host == "%" && p.logins[mb.user] && p.netcRole[mb.role] && mb.admin:
			out = append(out, Change{Action: Revoke, Account: mb.user, AccountKind: "login", Role: mb.role, Privilege: "ADMIN OPTION"})
		}
	}
	for _, l := range m.Logins {
		want := ""
		if len(l.Roles) > 0 {
			want = l.Roles[0]
		}
		have := ""
		if a := st.accounts[key(l.Name, "%")]; a != nil {
			have = a.defaultRole
		}
		if want != have {
			out = append(out, Change{Action: Alter, Account: l.Name, AccountKind: "login", Privilege: "default role", Role: want})
		}
	}
	return out
}

// audit lists what the model's roles and logins, and netc's stale roles of this
// database, hold beyond the intents, on the whole server.
func (st *myState) audit(m *sql.Model) []Finding {
	p := st.newPlan(m)
	var out []Finding
	loginsHere := map[string]bool{}
	for _, l := range m.Logins {
		loginsHere[l.Name] = true
	}
	kindOf := func(user, host string) string {
		switch {
		case host == st.roleHost && p.declared[user]:
			return "role"
		case host == st.roleHost && p.stale[user]:
			return "stale role"
		case host == "%" && loginsHere[user]:
			return "login"
		}
		return ""
	}
	for _, a := range st.accounts {
		k := kindOf(a.user, a.host)
		for _, g := range a.global {
			if k != "" {
				out = append(out, Finding{Account: a.user, AccountKind: k, What: "attribute", Privilege: g,
					Detail: "a server-wide privilege", Fixed: k == "role" || p.every[a.user]})
			}
		}
	}
	for _, h := range st.privs {
		k := kindOf(h.user, h.host)
		if k == "" || (k == "role" && p.kept(h)) {
			continue
		}
		fixed := k != "login" && (p.every[h.user] || p.scope[h.db])
		what := "privilege"
		if h.keyword == "GRANT OPTION" {
			what = "grant option"
		}
		out = append(out, Finding{Account: h.user, AccountKind: k, What: what, Privilege: h.keyword, Object: h.target(), Column: h.col, Fixed: fixed})
	}
	for _, mb := range st.members {
		k := kindOf(mb.user, mb.host)
		switch {
		case k == "role" || k == "stale role":
			out = append(out, Finding{Account: mb.user, AccountKind: k, What: "membership", Role: mb.role, Fixed: true})
		case k == "login" && !p.members[[2]string{mb.user, mb.role}]:
			out = append(out, Finding{Account: mb.user, AccountKind: k, What: "membership", Role: mb.role, Fixed: p.netcRole[mb.role]})
		case k == "login" && mb.admin:
			out = append(out, Finding{Account: mb.user, AccountKind: k, What: "membership", Role: mb.role, Privilege: "ADMIN OPTION", Fixed: p.netcRole[mb.role]})
		case k == "" && mb.host == "%" && p.logins[mb.user] && p.netcRole[mb.role]:
			out = append(out, Finding{Account: mb.user, AccountKind: "login", What: "membership", Role: mb.role,
				Detail: "a netc login that no intent gives this database", Fixed: true})
		}
	}
	return out
}
