package sqlstate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/netc-dev/netc/backends/sql"
)

// pgState is what a plan or audit reads from a PostgreSQL catalog: the roles that
// matter (the model's and every role carrying a netc marker), their memberships and
// privileges in the connected database, and the objects the model's privileges name.
type pgState struct {
	roles    map[string]*pgRole
	members  []pgMember
	acl      []pgACL
	defaults []pgDefault
	owns     []pgOwned
	// objects the model names: relation "schema\x00name" → relkind and display;
	// functions "schema\x00name" → the displays of every overload; schemas → display.
	relations map[string][2]string
	functions map[string][]string
	schemas   map[string]string
	database  string            // "database NAME"
	all       map[byte][]string // what ALL means per acldefault type: r s f n d
}

type pgRole struct {
	name, comment                                              string
	login, super, createdb, createrole, replication, bypassrls bool
}

// attributes are the special attributes a declared role loses (ALTER ROLE ... NOLOGIN ...).
func (r *pgRole) attributes() []string {
	var out []string
	for _, a := range []struct {
		on   bool
		name string
	}{{r.login, "LOGIN"}, {r.super, "SUPERUSER"}, {r.createdb, "CREATEDB"}, {r.createrole, "CREATEROLE"},
		{r.replication, "REPLICATION"}, {r.bypassrls, "BYPASSRLS"}} {
		if a.on {
			out = append(out, a.name)
		}
	}
	return out
}

type pgMember struct {
	role, member string
	admin        bool
}

type pgACL struct {
	kind, schema, object string // as the script's converge step matches them
	target               string // "table public.orders"
	col                  string
	grantee, privilege   string
	grantable            bool
}

type pgDefault struct{ grantee, owner, schema, objtype string }

type pgOwned struct{ role, what string }

func readPG(ctx context.Context, c *Conn, m *sql.Model) (*pgState, error) {
	st := &pgState{roles: map[string]*pgRole{}, relations: map[string][2]string{}, functions: map[string][]string{},
		schemas: map[string]string{}, all: map[byte][]string{}}
	fail := func(what string, err error) (*pgState, error) {
		return nil, fmt.Errorf("reading %s from PostgreSQL at %s: %v", what, c.server, err)
	}
	var names []string
	for _, r := range m.Roles {
		names = append(names, r.Name)
	}
	for _, l := range m.Logins {
		names = append(names, l.Name)
	}
	rows, err := c.pgRows(ctx, `
		SELECT r.rolname::text, coalesce(pg_catalog.shobj_description(r.oid, 'pg_authid'), ''),
		       r.rolcanlogin, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolreplication, r.rolbypassrls
		  FROM pg_catalog.pg_roles r
		 WHERE r.rolname::text = ANY($1::text[])
		    OR starts_with(coalesce(pg_catalog.shobj_description(r.oid, 'pg_authid'), ''), 'netc: ')`, names)
	if err != nil {
		return fail("roles", err)
	}
	var relevant []string
	for _, r := range rows {
		t := func(i int) bool { return r[i] == "true" }
		st.roles[r[0]] = &pgRole{name: r[0], comment: r[1], login: t(2), super: t(3), createdb: t(4), createrole: t(5), replication: t(6), bypassrls: t(7)}
		relevant = append(relevant, r[0])
	}
	rows, err = c.pgRows(ctx, `
		SELECT r.rolname::text, m.rolname::text, bool_or(am.admin_option)
		  FROM pg_catalog.pg_auth_members am
		  JOIN pg_catalog.pg_roles r ON r.oid = am.roleid
		  JOIN pg_catalog.pg_roles m ON m.oid = am.member
		 WHERE r.rolname::text = ANY($1::text[]) OR m.rolname::text = ANY($1::text[])
		 GROUP BY 1, 2`, relevant)
	if err != nil {
		return fail("role memberships", err)
	}
	for _, r := range rows {
		st.members = append(st.members, pgMember{role: r[0], member: r[1], admin: r[2] == "true"})
	}
	rows, err = c.pgRows(ctx, pgACLQuery, relevant)
	if err != nil {
		return fail("privileges", err)
	}
	for _, r := range rows {
		st.acl = append(st.acl, pgACL{kind: r[0], schema: r[1], object: r[2], target: r[3], col: r[4], grantee: r[5], privilege: r[6], grantable: r[7] == "true"})
	}
	rows, err = c.pgRows(ctx, `
		SELECT DISTINCT r.rolname::text, o.rolname::text, coalesce(n.nspname::text, ''),
		       CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES' WHEN 'f' THEN 'FUNCTIONS'
		                            WHEN 'T' THEN 'TYPES' ELSE 'SCHEMAS' END
		  FROM pg_catalog.pg_default_acl d
		  JOIN pg_catalog.pg_roles o ON o.oid = d.defaclrole
		  LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
		  CROSS JOIN LATERAL pg_catalog.aclexplode(d.defaclacl) a
		  JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
		 WHERE r.rolname::text = ANY($1::text[]) AND d.defaclobjtype IN ('r', 'S', 'f', 'T', 'n')`, relevant)
	if err != nil {
		return fail("default privileges", err)
	}
	for _, r := range rows {
		st.defaults = append(st.defaults, pgDefault{grantee: r[0], owner: r[1], schema: r[2], objtype: r[3]})
	}
	rows, err = c.pgRows(ctx, pgOwnerQuery, relevant)
	if err != nil {
		return fail("owners", err)
	}
	for _, r := range rows {
		st.owns = append(st.owns, pgOwned{role: r[0], what: r[1]})
	}

	var relS, relN, schemas []string
	for _, p := range m.Privileges {
		switch p.Kind {
		case "relation", "function":
			relS, relN = append(relS, p.Schema), append(relN, p.Object)
		case "schema":
			schemas = append(schemas, p.Schema)
		}
	}
	rows, err = c.pgRows(ctx, `
		SELECT n.nspname::text, c.relname::text, c.relkind::text,
		       format(CASE c.relkind WHEN 'S' THEN 'sequence %I.%I' ELSE 'table %I.%I' END, n.nspname, c.relname)
		  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		 WHERE (n.nspname::text, c.relname::text) IN (SELECT * FROM unnest($1::text[], $2::text[]))
		   AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')`, relS, relN)
	if err != nil {
		return fail("tables", err)
	}
	for _, r := range rows {
		st.relations[r[0]+"\x00"+r[1]] = [2]string{r[2], r[3]}
	}
	rows, err = c.pgRows(ctx, `
		SELECT n.nspname::text, p.proname::text,
		       format('function %I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid))
		  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
		 WHERE (n.nspname::text, p.proname::text) IN (SELECT * FROM unnest($1::text[], $2::text[]))
		 ORDER BY p.oid`, relS, relN)
	if err != nil {
		return fail("functions", err)
	}
	for _, r := range rows {
		k := r[0] + "\x00" + r[1]
		st.functions[k] = append(st.functions[k], r[2])
	}
	rows, err = c.pgRows(ctx, `
		SELECT nspname::text, format('schema %I', nspname) FROM pg_catalog.pg_namespace
		 WHERE nspname::text = ANY($1::text[]) OR nspname::text = ANY($2::text[])`, schemas, relS)
	if err != nil {
		return fail("schemas", err)
	}
	for _, r := range rows {
		st.schemas[r[0]] = r[1]
	}
	rows, err = c.pgRows(ctx, `SELECT format('database %I', current_database())`)
	if err != nil {
		return fail("the database", err)
	}
	st.database = rows[0][0]
	rows, err = c.pgRows(ctx, `
		SELECT t, a.privilege_type FROM unnest(ARRAY['r', 's', 'f', 'n', 'd']) t
		 CROSS JOIN LATERAL pg_catalog.aclexplode(pg_catalog.acldefault(t::"char", 10::oid)) a
		 ORDER BY 1, 2`)
	if err != nil {
		return fail("the privilege types", err)
	}
	for _, r := range rows {
		st.all[r[0][0]] = append(st.all[r[0][0]], r[1])
	}
	return st, nil
}

// pgACLQuery is the privileges granted to the roles $1 in the connected database, as
// the script's converge step reads them (its acl CTE), with a display name.
const pgACLQuery = `
	WITH acl AS (
	  SELECT 'relation' AS kind, n.nspname AS schema, c.relname AS object,
	         format(CASE c.relkind WHEN 'S' THEN 'sequence %I.%I' ELSE 'table %I.%I' END, n.nspname, c.relname) AS target,
	         NULL::name AS col, c.relowner AS owner, a.grantee, a.privilege_type, a.is_grantable
	    FROM pg_catalog.pg_class c
	    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	    CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
	  UNION ALL
	  SELECT 'relation', n.nspname, c.relname, format('table %I.%I', n.nspname, c.relname),
	         t.attname, c.relowner, a.grantee, a.privilege_type, a.is_grantable
	    FROM pg_catalog.pg_attribute t
	    JOIN pg_catalog.pg_class c ON c.oid = t.attrelid
	    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	    CROSS JOIN LATERAL pg_catalog.aclexplode(t.attacl) a
	   WHERE NOT t.attisdropped
	  UNION ALL
	  SELECT 'function', n.nspname, p.proname,
	         format('function %I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)),
	         NULL, p.proowner, a.grantee, a.privilege_type, a.is_grantable
	    FROM pg_catalog.pg_proc p
	    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
	    CROSS JOIN LATERAL pg_catalog.aclexplode(p.proacl) a
	  UNION ALL
	  SELECT 'schema', n.nspname, '', format('schema %I', n.nspname),
	         NULL, n.nspowner, a.grantee, a.privilege_type, a.is_grantable
	    FROM pg_catalog.pg_namespace n
	    CROSS JOIN LATERAL pg_catalog.aclexplode(n.nspacl) a
	  UNION ALL
	  SELECT 'database', '', '', format('database %I', d.datname),
	         NULL, d.datdba, a.grantee, a.privilege_type, a.is_grantable
	    FROM pg_catalog.pg_database d
	    CROSS JOIN LATERAL pg_catalog.aclexplode(d.datacl) a
	   WHERE d.datname = current_database()
	)
	SELECT x.kind, x.schema::text, x.object::text, x.target, coalesce(x.col::text, ''), r.rolname::text,
	       x.privilege_type, bool_or(x.is_grantable)
	  FROM acl x
	  JOIN pg_catalog.pg_roles r ON r.oid = x.grantee
	 WHERE x.grantee <> x.owner AND r.rolname::text = ANY($1::text[])
	 GROUP BY 1, 2, 3, 4, 5, 6, 7`

// pgOwnerQuery is what the roles $1 own in the connected database, as the script's
// owner check reads it.
const pgOwnerQuery = `
	SELECT o.rolname::text, x.what
	  FROM pg_catalog.pg_roles o
	  JOIN (SELECT c.relowner AS owner, format('%s %I.%I', CASE c.relkind WHEN 'S' THEN 'sequence' ELSE 'table' END, n.nspname, c.relname) AS what
	          FROM pg_catalog.pg_class c
	          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
	        UNION ALL
	        SELECT p.proowner, format('function %I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid))
	          FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
	        UNION ALL
	        SELECT n.nspowner, format('schema %I', n.nspname) FROM pg_catalog.pg_namespace n
	        UNION ALL
	        SELECT d.datdba, format('database %I', d.datname) FROM pg_catalog.pg_database d
	         WHERE d.datname = current_database()) x ON x.owner = o.oid
	 WHERE o.rolname::text = ANY($1::text[])`

// pgWant is one privilege the script grants, on a catalog object.
type pgWant struct{ role, target, privilege string }

// pgPlan is the script's view of the catalog: which roles it manages and what they end
// with. plan and audit share it.
type pgPlan struct {
	m        *sql.Model
	st       *pgState
	comments map[string]string // every relevant role's comment once the script ran
	created  map[string]bool
	declared map[string]bool // declared roles
	managed  map[string]bool // declared ∪ stale: privileges converge
	memberOf map[string]bool // roles whose netc-login memberships converge
	logins   map[string]bool // netc logins: the script's and every login-marked one
	want     []pgWant
	wantSet  map[pgWant]bool
	members  map[[2]string]bool // (login, role) declared
	failures []Change
}

func (st *pgState) newPlan(m *sql.Model) *pgPlan {
	p := &pgPlan{m: m, st: st, comments: map[string]string{}, created: map[string]bool{}, declared: map[string]bool{},
		managed: map[string]bool{}, memberOf: map[string]bool{}, logins: map[string]bool{}, wantSet: map[pgWant]bool{},
		members: map[[2]string]bool{}}
	for n, r := range st.roles {
		p.comments[n] = r.comment
	}
	db := m.DBName
	named := map[string]bool{}
	for _, r := range m.Roles {
		named[r.Name] = true
		role, exists := st.roles[r.Name]
		marker := sql.PGRoleMarker(db)
		if !r.Declared {
			marker = sql.PGImpliedMarker(db)
		}
		switch {
		case !exists:
			p.created[r.Name] = true
			p.comments[r.Name] = marker
		case r.Declared || r.Adopt || strings.HasPrefix(role.comment, sql.PGRolePrefix):
			p.comments[r.Name] = marker
		}
		if r.Declared {
			p.declared[r.Name] = true
			p.managed[r.Name] = true
			p.memberOf[r.Name] = true
		} else if p.comments[r.Name] == sql.PGImpliedMarker(db) {
			p.memberOf[r.Name] = true // a netc role only named by `as role`
		}
	}
	for _, l := range m.Logins {
		if _, ok := st.roles[l.Name]; !ok {
			p.created[l.Name] = true
		}
		p.comments[l.Name] = sql.PGLoginMarker
		for _, r := range l.Roles {
			p.members[[2]string{l.Name, r}] = true
		}
	}
	for n, c := range p.comments {
		switch {
		case named[n]:
		case c == sql.PGRoleMarker(db):
			p.managed[n] = true // stale: declared here before, no longer
			p.memberOf[n] = true
		case c == sql.PGImpliedMarker(db):
			p.memberOf[n] = true
		}
		if c == sql.PGLoginMarker {
			p.logins[n] = true
		}
	}
	for _, l := range m.Logins {
		p.logins[l.Name] = true
	}

	// What the declared roles end with, on the objects as they are now.
	add := func(role, target, privilege string) {
		w := pgWant{role, target, privilege}
		if !p.wantSet[w] {
			p.wantSet[w] = true
			p.want = append(p.want, w)
		}
	}
	expand := func(pv sql.Privilege, t byte, target string) {
		if pv.Action != "ALL" {
			add(pv.Role, target, pv.Action)
			return
		}
		for _, a := range st.all[t] {
			add(pv.Role, target, a)
		}
	}
	missing := map[string]bool{}
	fail := func(what string) {
		if !missing[what] {
			missing[what] = true
			p.failures = append(p.failures, Change{Action: Fail, Object: what, Detail: "does not exist; the script stops there and rolls back"})
		}
	}
	for _, pv := range m.Privileges {
		k := pv.Schema + "\x00" + pv.Object
		switch pv.Kind {
		case "database":
			expand(pv, 'd', st.database)
		case "schema":
			if s, ok := st.schemas[pv.Schema]; ok {
				expand(pv, 'n', s)
			} else {
				fail(fmt.Sprintf("schema %s", pv.Schema))
			}
		case "relation":
			if rel, ok := st.relations[k]; ok {
				t := byte('r')
				if rel[0] == "S" {
					t = 's'
				}
				expand(pv, t, rel[1])
			} else {
				fail(fmt.Sprintf("table or sequence %s.%s", pv.Schema, pv.Object))
			}
		case "function":
			fs := st.functions[k]
			if len(fs) == 0 {
				fail(fmt.Sprintf("function %s.%s", pv.Schema, pv.Object))
			}
			for _, f := range fs {
				expand(pv, 'f', f)
			}
		}
	}
	for _, o := range st.owns {
		if p.declared[o.role] {
			p.failures = append(p.failures, Change{Action: Fail, Account: o.role, AccountKind: "role", Object: o.what,
				Detail: "the role owns it, so it holds every privilege on it; the script stops and rolls back (make another role its owner)"})
		}
	}
	return p
}

// declaredRow reports whether the script's converge step keeps a held privilege: a
// declared row with the same kind, schema, object and privilege (or ALL) — whatever the
// column, as the script matches.
func (p *pgPlan) declaredRow(a pgACL) bool {
	for _, pv := range p.m.Privileges {
		if pv.Role == a.grantee && pv.Kind == a.kind && pv.Schema == a.schema && pv.Object == a.object &&
			(pv.Action == a.privilege || pv.Action == "ALL") {
			return true
		}
	}
	return false
}

// refusals are the accounts the script will not take over: it stops before it changes
// anything.
func (p *pgPlan) refusals() []Change {
	var out []Change
	for _, r := range p.m.Roles {
		role, ok := p.st.roles[r.Name]
		if !ok || !r.Declared || r.Adopt || !r.Own || strings.HasPrefix(role.comment, sql.PGRolePrefix) {
			continue
		}
		why := "it exists and netc did not create it"
		if role.comment == sql.PGLoginMarker {
			why = "it is a netc service login, not a role"
		}
		out = append(out, Change{Action: Refuse, Account: r.Name, AccountKind: "role", Detail: why + "; " + adoptHint(p.m, r.Name)})
	}
	for _, l := range p.m.Logins {
		role, ok := p.st.roles[l.Name]
		if !ok || l.Adopt || role.comment == sql.PGLoginMarker {
			continue
		}
		why := "it exists and netc did not create it"
		if strings.HasPrefix(role.comment, sql.PGRolePrefix) {
			why = "it is a netc role, not a login"
		}
		out = append(out, Change{Action: Refuse, Account: l.Name, AccountKind: "login", Detail: why + "; " + adoptHint(p.m, l.Name)})
	}
	return out
}

func (st *pgState) plan(m *sql.Model) []Change {
	p := st.newPlan(m)
	if out := p.refusals(); len(out) > 0 {
		return out
	}
	if len(p.failures) > 0 {
		return p.failures
	}
	var out []Change
	for _, r := range m.Roles {
		if p.created[r.Name] {
			out = append(out, Change{Action: Create, Account: r.Name, AccountKind: "role", Privilege: "NOLOGIN", Marker: p.comments[r.Name]})
		} else if c := p.comments[r.Name]; c != st.roles[r.Name].comment {
			out = append(out, Change{Action: Mark, Account: r.Name, AccountKind: "role", Marker: c})
		}
	}
	for _, l := range m.Logins {
		if p.created[l.Name] {
			out = append(out, Change{Action: Create, Account: l.Name, AccountKind: "login", Privilege: "LOGIN", Marker: p.comments[l.Name]})
		} else if c := p.comments[l.Name]; c != st.roles[l.Name].comment {
			out = append(out, Change{Action: Mark, Account: l.Name, AccountKind: "login", Marker: c})
		}
	}
	for n := range p.declared {
		if r, ok := st.roles[n]; ok {
			if attrs := r.attributes(); len(attrs) > 0 {
				out = append(out, Change{Action: Alter, Account: n, AccountKind: "role", Privilege: strings.Join(attrs, ", "),
					Detail: "ALTER ROLE ... NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"})
			}
		}
	}
	held := map[pgWant]bool{}
	for _, a := range st.acl {
		if a.col == "" {
			held[pgWant{a.grantee, a.target, a.privilege}] = true
		}
	}
	for _, w := range p.want {
		if !held[w] {
			out = append(out, Change{Action: Grant, Account: w.role, AccountKind: "role", Privilege: w.privilege, Object: w.target})
		}
	}
	for _, a := range st.acl {
		if !p.managed[a.grantee] {
			continue
		}
		switch kept := p.declaredRow(a); {
		case kept && !a.grantable:
		case kept:
			out = append(out, Change{Action: Revoke, Account: a.grantee, AccountKind: "role", Privilege: "GRANT OPTION FOR " + a.privilege, Object: a.target, Column: a.col})
		default:
			out = append(out, Change{Action: Revoke, Account: a.grantee, AccountKind: "role", Privilege: a.privilege, Object: a.target, Column: a.col})
		}
	}
	for _, d := range st.defaults {
		if p.managed[d.grantee] {
			out = append(out, Change{Action: Revoke, Account: d.grantee, AccountKind: "role", Privilege: "ALL", Object: defaultTarget(d)})
		}
	}
	isMember := map[[2]string]bool{}
	for _, mb := range st.members {
		isMember[[2]string{mb.member, mb.role}] = true
	}
	for _, l := range m.Logins {
		for _, r := range l.Roles {
			if !isMember[[2]string{l.Name, r}] {
				out = append(out, Change{Action: Grant, Account: l.Name, AccountKind: "login", Role: r})
			}
		}
	}
	for _, mb := range st.members {
		switch {
		case p.declared[mb.member]:
			out = append(out, Change{Action: Revoke, Account: mb.member, AccountKind: "role", Role: mb.role})
		case p.memberOf[mb.role] && p.logins[mb.member] && !p.members[[2]string{mb.member, mb.role}]:
			out = append(out, Change{Action: Revoke, Account: mb.member, AccountKind: "login", Role: mb.role})
		case p.memberOf[mb.role] && p.logins[mb.member] && mb.admin:
			out = append(out, Change{Action: Revoke, Account: mb.member, AccountKind: "login", Role: mb.role, Privilege: "ADMIN OPTION"})
		}
	}
	return out
}

func defaultTarget(d pgDefault) string {
	s := "default privileges on " + d.objtype + " created by " + d.owner
	if d.schema != "" {
		s += " in schema " + d.schema
	}
	return s
}

// audit lists what the model's roles and logins, and netc's stale roles of this
// database, hold beyond the intents.
func (st *pgState) audit(m *sql.Model) []Finding {
	p := st.newPlan(m)
	var out []Finding
	accountKind := func(n string) string {
		if p.declared[n] {
			return "role"
		}
		if p.managed[n] {
			return "stale role"
		}
		return "login"
	}
	loginsHere := map[string]bool{}
	for _, l := range m.Logins {
		loginsHere[l.Name] = true
	}
	watched := func(n string) bool { return p.managed[n] || loginsHere[n] }
	for n, r := range st.roles {
		if !watched(n) {
			continue
		}
		attrs := r.attributes()
		if loginsHere[n] {
			attrs = slices.DeleteFunc(attrs, func(a string) bool { return a == "LOGIN" })
		}
		for _, a := range attrs {
			out = append(out, Finding{Account: n, AccountKind: accountKind(n), What: "attribute", Privilege: a, Fixed: p.declared[n]})
		}
	}
	for _, a := range st.acl {
		if !watched(a.grantee) {
			continue
		}
		kept := p.declared[a.grantee] && p.declaredRow(a)
		switch {
		case kept && !a.grantable:
		case kept:
			out = append(out, Finding{Account: a.grantee, AccountKind: "role", What: "grant option", Privilege: a.privilege, Object: a.target, Column: a.col, Fixed: true})
		default:
			out = append(out, Finding{Account: a.grantee, AccountKind: accountKind(a.grantee), What: "privilege", Privilege: a.privilege, Object: a.target, Column: a.col, Fixed: p.managed[a.grantee]})
		}
	}
	for _, d := range st.defaults {
		if watched(d.grantee) {
			out = append(out, Finding{Account: d.grantee, AccountKind: accountKind(d.grantee), What: "default privilege", Privilege: "ALL", Object: defaultTarget(d), Fixed: p.managed[d.grantee]})
		}
	}
	for _, mb := range st.members {
		switch {
		case p.managed[mb.member]:
			out = append(out, Finding{Account: mb.member, AccountKind: accountKind(mb.member), What: "membership", Role: mb.role, Fixed: p.declared[mb.member]})
		case loginsHere[mb.member] && !p.members[[2]string{mb.member, mb.role}]:
			out = append(out, Finding{Account: mb.member, AccountKind: "login", What: "membership", Role: mb.role, Fixed: p.memberOf[mb.role]})
		case loginsHere[mb.member] && mb.admin:
			out = append(out, Finding{Account: mb.member, AccountKind: "login", What: "membership", Role: mb.role, Privilege: "ADMIN OPTION", Fixed: p.memberOf[mb.role]})
		case p.memberOf[mb.role] && p.logins[mb.member] && !loginsHere[mb.member]:
			out = append(out, Finding{Account: mb.member, AccountKind: "login", What: "membership", Role: mb.role,
				Detail: "a netc login that no intent gives this database", Fixed: true})
		}
	}
	for _, o := range st.owns {
		if watched(o.role) {
			out = append(out, Finding{Account: o.role, AccountKind: accountKind(o.role), What: "owner", Object: o.what,
				Detail: "an owner holds every privilege on what it owns"})
		}
	}
	return out
}
