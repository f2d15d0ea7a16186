package sql

import (
	"strings"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler/ir"
)

// PostgreSQL script layout, in one transaction:
//
//  1. refuse to run in any other database than the one it is for;
//  2. refuse to run when a declared role or a login exists without netc's marker (netc
//     did not create it), unless netc.hcl adopts it: netc never takes over a role that
//     is someone else's;
//  3. create the missing roles (NOLOGIN) and logins (LOGIN, no password), never
//     altering one that exists, and mark each with a comment: the marker is how a later
//     run recognises a role netc created, and one netc declared here and no longer
//     declares (a role only named by `as role` that someone else made is used, never
//     marked);
//  4. grant each declared role its privileges (plus CONNECT on the database and USAGE
//     on the schemas of its objects), and each login its roles;
//  5. converge (one DO block over the catalogs): revoke everything else the declared
//     roles hold here, their grant options, default privileges and role memberships,
//     the privileges of stale netc roles, and the logins' memberships in netc's roles
//     they are not declared with.
//
// Markers are role comments, shared by the whole cluster like roles are.

const pgLoginMarker = "netc: service login"

// pgRolePrefix starts every role marker, whatever the database: a role carrying one
// is netc's.
const pgRolePrefix = "netc: role of database "

func pgRoleMarker(db string) string { return pgRolePrefix + pgIdent(db) }

func pgImpliedMarker(db string) string {
	return pgRolePrefix + pgIdent(db) + ", privileges not managed"
}

func postgresScript(pl *plan) []byte {
	db := pl.db.SQLName()
	roles := managedRoles(pl)
	var b strings.Builder
	w := func(lines ...string) {
		for _, l := range lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	w("-- "+artifact.Header,
		"-- netc: roles and logins of database "+pl.db.Namespace+"/"+pl.db.Name+" (PostgreSQL database "+pgIdent(db)+").",
		"-- Apply it connected to that database, as a superuser, from the output directory:",
		"--   psql -d "+shellQuote(db)+" -v ON_ERROR_STOP=1 -f "+shellQuote(Path(pl.db)),
		"-- It is one transaction: all of it applies or none. Applying it again changes nothing.",
		"-- Roles and logins are cluster-wide, privileges per database: see docs/sql.md.",
		"",
		"BEGIN;",
		"SET LOCAL client_min_messages = warning;",
		"")

	w("-- Privileges are per database: refuse to run in another one.")
	pgDo(&b, "BEGIN\n"+
		"  IF current_database() <> "+pgLiteral(db)+" THEN\n"+
		"    RAISE EXCEPTION 'netc: this script is for database %, not %', quote_ident("+pgLiteral(db)+"), quote_ident(current_database());\n"+
		"  END IF;\n"+
		"END\n")
	w("")

	pgForeignCheck(&b, pl)

	w("-- Roles have no login. Logins have no password: a secret manager sets it, and",
		"-- applying again never alters a role or login that exists.")
	var body strings.Builder
	body.WriteString("BEGIN\n")
	create := func(name, attrs, comment string) {
		body.WriteString("  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = " + pgLiteral(name) + ") THEN\n")
		body.WriteString("    CREATE ROLE " + pgIdent(name) + " " + attrs + ";\n")
		if comment != "" {
			// A role only named by `as role` is marked only when netc makes it, or when
			// it is netc's already: someone else's role keeps its comment.
			body.WriteString("    " + comment + "\n")
			body.WriteString("  ELSIF starts_with(coalesce(pg_catalog.shobj_description((SELECT oid FROM pg_catalog.pg_roles WHERE rolname = " +
				pgLiteral(name) + "), 'pg_authid'), ''), " + pgLiteral(pgRolePrefix) + ") THEN\n")
			body.WriteString("    " + comment + "\n")
		}
		body.WriteString("  END IF;\n")
	}
	var marks []string
	for _, r := range roles {
		marker := pgRoleMarker(db)
		if !r.Declared {
			marker = pgImpliedMarker(db)
		}
		comment := "COMMENT ON ROLE " + pgIdent(r.Name) + " IS " + pgLiteral(marker) + ";"
		if r.Declared || r.Adopt {
			create(r.Name, "NOLOGIN", "")
			marks = append(marks, comment)
		} else {
			create(r.Name, "NOLOGIN", comment)
		}
	}
	for _, l := range pl.logins {
		create(l.Name, "LOGIN", "")
		marks = append(marks, "COMMENT ON ROLE "+pgIdent(l.Name)+" IS "+pgLiteral(pgLoginMarker)+";")
	}
	body.WriteString("END\n")
	pgDo(&b, body.String())
	w(marks...)

	for _, r := range roles {
		if !r.Declared {
			w("", "-- Role "+pgIdent(r.Name)+" is only named by `as role`: netc does not manage its privileges.")
			continue
		}
		w("", "-- Role "+pgIdent(r.Name)+": exactly these privileges in this database.")
		w("GRANT CONNECT ON DATABASE " + pgIdent(db) + " TO " + pgIdent(r.Name) + ";")
		var funcs [][]string
		for _, g := range grantsOf(pl.db, r, true) {
			actions := strings.Join(g.actions, ", ")
			switch g.kind {
			case ir.Schema:
				w("GRANT " + actions + " ON SCHEMA " + pgIdent(g.schema) + " TO " + pgIdent(r.Name) + ";")
			case ir.Table:
				w("GRANT " + actions + " ON TABLE " + pgQualified(g.schema, g.object) + " TO " + pgIdent(r.Name) + ";")
			case ir.Sequence:
				w("GRANT " + actions + " ON SEQUENCE " + pgQualified(g.schema, g.object) + " TO " + pgIdent(r.Name) + ";")
			case ir.Function:
				for _, a := range g.actions {
					funcs = append(funcs, []string{g.schema, g.object, a})
				}
			}
		}
		if len(funcs) > 0 {
			w("-- Functions by name: every function or procedure of that name (all overloads).")
			pgDo(&b, "DECLARE\n"+
				"  f record;\n"+
				"BEGIN\n"+
				"  FOR f IN\n"+
				"    SELECT d.schema, d.name, d.privilege, p.oid::regprocedure AS routine\n"+
				"      FROM "+pgValues([]string{"schema", "name", "privilege"}, funcs, "      ")+"\n"+
				"      LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = d.schema\n"+
				"      LEFT JOIN pg_catalog.pg_proc p ON p.pronamespace = n.oid AND p.proname = d.name\n"+
				"     ORDER BY 1, 2, 3, p.oid\n"+
				"  LOOP\n"+
				"    IF f.routine IS NULL THEN\n"+
				"      RAISE EXCEPTION 'netc: function %.% does not exist', quote_ident(f.schema), quote_ident(f.name);\n"+
				"    END IF;\n"+
				"    EXECUTE format('GRANT %s ON ROUTINE %s TO %I', f.privilege, f.routine, "+pgLiteral(r.Name)+");\n"+
				"  END LOOP;\n"+
				"END\n")
		}
	}

	members := writeMemberships(w, pl.logins, pgIdent, pgIdent)

	var declaredRoles, impliedRoles, logins []string
	for _, r := range roles {
		if r.Declared {
			declaredRoles = append(declaredRoles, r.Name)
		} else {
			impliedRoles = append(impliedRoles, r.Name)
		}
	}
	for _, l := range pl.logins {
		logins = append(logins, l.Name)
	}
	w("",
		"-- Converge: take away whatever else the declared roles hold in this database, the",
		"-- privileges here of roles netc declared before and no longer declares, and the",
		"-- memberships of logins in netc's roles they are not declared with.")
	r := strings.NewReplacer(
		"{{roles}}", pgArray(declaredRoles),
		"{{implied}}", pgArray(impliedRoles),
		"{{logins}}", pgArray(logins),
		"{{marker}}", pgLiteral(pgRoleMarker(db)),
		"{{implied_marker}}", pgLiteral(pgImpliedMarker(db)),
		"{{login_marker}}", pgLiteral(pgLoginMarker),
		"{{declared}}", pgValues([]string{"role", "kind", "schema", "object", "privilege"}, rows(privilegesOf(pl)), "      "),
		"{{members}}", pgValues([]string{"login", "role"}, members, "                    "),
	)
	pgDo(&b, r.Replace(pgConverge))
	w("", "COMMIT;")
	return []byte(b.String())
}

// pgForeignCheck writes the block that stops the script, before anything changes, when
// a declared role or a login exists and netc did not create it (no netc marker, or the
// other kind's marker): netc would strip such a role of its attributes and privileges.
// Adopted names (netc.hcl) are not checked: the script takes them over and marks them.
func pgForeignCheck(b *strings.Builder, pl *plan) {
	var rows [][]string
	for _, r := range managedRoles(pl) {
		if r.Declared && !r.Adopt && r.Database == pl.db {
			rows = append(rows, []string{r.Name, "role"})
		}
	}
	for _, l := range pl.logins {
		if !l.Adopt {
			rows = append(rows, []string{l.Name, "login"})
		}
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("-- netc takes over no role or login it did not create: stop here, before anything\n" +
		"-- changes, when one exists without netc's marker. netc.hcl can adopt one (docs/sql.md).\n")
	r := strings.NewReplacer(
		"{{accounts}}", pgValues([]string{"name", "kind"}, rows, "      "),
		"{{role_prefix}}", pgLiteral(pgRolePrefix),
		"{{login_marker}}", pgLiteral(pgLoginMarker),
		"{{database}}", pgLiteral(pl.db.Namespace+"/"+pl.db.Name),
	)
	pgDo(b, r.Replace(pgForeign))
	b.WriteString("\n")
}

const pgForeign = `DECLARE
  g record;
BEGIN
  FOR g IN
    SELECT d.name, d.kind, coalesce(pg_catalog.shobj_description(r.oid, 'pg_authid'), '') AS mark
      FROM {{accounts}}
      JOIN pg_catalog.pg_roles r ON r.rolname::text = d.name
     WHERE CASE d.kind WHEN 'role' THEN NOT starts_with(coalesce(pg_catalog.shobj_description(r.oid, 'pg_authid'), ''), {{role_prefix}})
                       ELSE pg_catalog.shobj_description(r.oid, 'pg_authid') IS DISTINCT FROM {{login_marker}} END
     ORDER BY 1
     LIMIT 1
  LOOP
    RAISE EXCEPTION 'netc: % % exists and %; netc manages only the roles and logins it created', g.kind, quote_ident(g.name),
      CASE WHEN g.mark = {{login_marker}} THEN 'is a netc service login, not a role'
           WHEN starts_with(g.mark, {{role_prefix}}) THEN 'is a netc role, not a login'
           ELSE 'netc did not create it' END
      USING HINT = format('Give it another name in the program, or, for netc to take it over (its attributes, '
        'its privileges in this database and its memberships), add to netc.hcl: database "%s" { adopt = ["%s"] }, '
        'then build and apply again. Nothing was changed.', {{database}}, g.name);
  END LOOP;
END
`

// pgDo writes a DO block around body, dollar-quoted with a tag body does not hold.
func pgDo(b *strings.Builder, body string) {
	tag := dollarTag(body)
	b.WriteString("DO " + tag + "\n" + body + tag + ";\n")
}

// pgArray is a text[] constructor of literals.
func pgArray(items []string) string {
	if len(items) == 0 {
		return "ARRAY[]::text[]"
	}
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = pgLiteral(s)
	}
	return "ARRAY[" + strings.Join(q, ", ") + "]"
}

// pgValues is a derived table "d" of text columns: VALUES rows one per line (indented
// by indent after the first), or an empty typed SELECT when there are none.
func pgValues(cols []string, rows [][]string, indent string) string {
	if len(rows) == 0 {
		sel := make([]string, len(cols))
		for i, c := range cols {
			sel[i] = "NULL::text AS " + c
		}
		return "(SELECT " + strings.Join(sel, ", ") + " WHERE false) AS d"
	}
	var b strings.Builder
	b.WriteString("(VALUES")
	for i, row := range rows {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n" + indent + "  (")
		for j, v := range row {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pgLiteral(v))
		}
		b.WriteString(")")
	}
	b.WriteString("\n" + indent + ") AS d (" + strings.Join(cols, ", ") + ")")
	return b.String()
}

// pgConverge is the body of the converging DO block. Placeholders {{...}} are filled
// with literals by postgresScript.
const pgConverge = `DECLARE
  roles text[] := {{roles}};
  implied text[] := {{implied}};
  logins text[] := {{logins}};
  implied_netc text[];
  stale text[];
  stale_implied text[];
  prev_role text := current_setting('role');
  g record;
BEGIN
  -- Roles netc declared in this database before and no longer names.
  SELECT coalesce(array_agg(r.rolname::text ORDER BY r.rolname), '{}') INTO stale
    FROM pg_catalog.pg_roles r
   WHERE pg_catalog.shobj_description(r.oid, 'pg_authid') = {{marker}}
     AND r.rolname::text NOT IN (SELECT unnest(roles || implied));
  -- Roles only named by ` + "`as role`" + ` that are netc's (someone else's are used, not managed).
  SELECT coalesce(array_agg(r.rolname::text ORDER BY r.rolname), '{}') INTO implied_netc
    FROM pg_catalog.pg_roles r
   WHERE r.rolname::text IN (SELECT unnest(implied))
     AND pg_catalog.shobj_description(r.oid, 'pg_authid') = {{implied_marker}};
  SELECT coalesce(array_agg(r.rolname::text ORDER BY r.rolname), '{}') INTO stale_implied
    FROM pg_catalog.pg_roles r
   WHERE pg_catalog.shobj_description(r.oid, 'pg_authid') = {{implied_marker}}
     AND r.rolname::text NOT IN (SELECT unnest(roles || implied));

  -- An owner holds every privilege on what it owns, whatever is revoked: refuse.
  FOR g IN
    WITH owners AS (
      SELECT oid, rolname FROM pg_catalog.pg_roles WHERE rolname::text IN (SELECT unnest(roles))
    )
    SELECT o.rolname, x.what
      FROM owners o
      JOIN (SELECT c.relowner AS owner, format('%s %I.%I', CASE c.relkind WHEN 'S' THEN 'sequence' ELSE 'table' END, n.nspname, c.relname) AS what
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
            UNION ALL
            SELECT p.proowner, format('function %s', p.oid::regprocedure) FROM pg_catalog.pg_proc p
            UNION ALL
            SELECT n.nspowner, format('schema %I', n.nspname) FROM pg_catalog.pg_namespace n
            UNION ALL
            SELECT d.datdba, format('database %I', d.datname) FROM pg_catalog.pg_database d
             WHERE d.datname = current_database()) x ON x.owner = o.oid
     ORDER BY 1, 2
     LIMIT 1
  LOOP
    RAISE EXCEPTION 'netc: role % owns %, so it holds every privilege on it', quote_ident(g.rolname), g.what
      USING HINT = 'Make another role its owner (ALTER ... OWNER TO), then apply again.';
  END LOOP;

  -- Declared roles: no login, no special attribute, member of no role.
  FOR g IN
    SELECT r.rolname FROM pg_catalog.pg_roles r
     WHERE r.rolname::text IN (SELECT unnest(roles))
       AND (r.rolcanlogin OR r.rolsuper OR r.rolcreatedb OR r.rolcreaterole OR r.rolreplication OR r.rolbypassrls)
     ORDER BY 1
  LOOP
    EXECUTE format('ALTER ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', g.rolname);
  END LOOP;
  FOR g IN
    SELECT r.rolname AS role, m.rolname AS member, gr.rolname AS grantor
      FROM pg_catalog.pg_auth_members am
      JOIN pg_catalog.pg_roles r ON r.oid = am.roleid
      JOIN pg_catalog.pg_roles m ON m.oid = am.member
      LEFT JOIN pg_catalog.pg_roles gr ON gr.oid = am.grantor
     WHERE m.rolname::text IN (SELECT unnest(roles))
     ORDER BY 1, 2, 3
  LOOP
    EXECUTE format('REVOKE %I FROM %I%s CASCADE', g.role, g.member,
      CASE WHEN g.grantor IS NULL THEN '' ELSE format(' GRANTED BY %I', g.grantor) END);
  END LOOP;

  -- Privileges beyond the declared ones, and every grant option: on tables, views,
  -- sequences and their columns, functions and procedures, schemas, this database.
  FOR g IN
    WITH declared AS (
      SELECT * FROM {{declared}}
    ),
    managed AS (
      SELECT oid, rolname FROM pg_catalog.pg_roles WHERE rolname::text IN (SELECT unnest(roles || stale))
    ),
    acl AS (
      SELECT 'relation' AS kind, n.nspname AS schema, c.relname AS object,
             format(CASE c.relkind WHEN 'S' THEN 'SEQUENCE %I.%I' ELSE 'TABLE %I.%I' END, n.nspname, c.relname) AS target,
             NULL::name AS col, c.relowner AS owner, a.grantor, a.grantee, a.privilege_type, a.is_grantable
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
      UNION ALL
      SELECT 'relation', n.nspname, c.relname, format('TABLE %I.%I', n.nspname, c.relname),
             t.attname, c.relowner, a.grantor, a.grantee, a.privilege_type, a.is_grantable
        FROM pg_catalog.pg_attribute t
        JOIN pg_catalog.pg_class c ON c.oid = t.attrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL pg_catalog.aclexplode(t.attacl) a
       WHERE NOT t.attisdropped
      UNION ALL
      SELECT 'function', n.nspname, p.proname, format('ROUTINE %s', p.oid::regprocedure),
             NULL, p.proowner, a.grantor, a.grantee, a.privilege_type, a.is_grantable
        FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        CROSS JOIN LATERAL pg_catalog.aclexplode(p.proacl) a
      UNION ALL
      SELECT 'schema', n.nspname, '', format('SCHEMA %I', n.nspname),
             NULL, n.nspowner, a.grantor, a.grantee, a.privilege_type, a.is_grantable
        FROM pg_catalog.pg_namespace n
        CROSS JOIN LATERAL pg_catalog.aclexplode(n.nspacl) a
      UNION ALL
      SELECT 'database', '', '', format('DATABASE %I', d.datname),
             NULL, d.datdba, a.grantor, a.grantee, a.privilege_type, a.is_grantable
        FROM pg_catalog.pg_database d
        CROSS JOIN LATERAL pg_catalog.aclexplode(d.datacl) a
       WHERE d.datname = current_database()
    )
    SELECT m.rolname AS role, x.target, x.col, x.privilege_type, x.is_grantable,
           x.grantor <> x.owner AS other_grantor, gr.rolname AS grantor,
           EXISTS (SELECT FROM declared d
                    WHERE d.role = m.rolname::text AND d.kind = x.kind AND d.schema = x.schema::text
                      AND d.object = x.object::text AND d.privilege IN (x.privilege_type, 'ALL')) AS declared
      FROM acl x
      JOIN managed m ON m.oid = x.grantee
      JOIN pg_catalog.pg_roles gr ON gr.oid = x.grantor
     WHERE x.grantee <> x.owner
     ORDER BY 1, 2, 3, 4, 7
  LOOP
    CONTINUE WHEN g.declared AND NOT g.is_grantable;
    IF g.other_grantor THEN
      -- Only the role that granted a privilege revokes it.
      EXECUTE format('SET ROLE %I', g.grantor);
    END IF;
    EXECUTE format('REVOKE %s%s%s ON %s FROM %I CASCADE',
      CASE WHEN g.declared THEN 'GRANT OPTION FOR ' ELSE '' END, g.privilege_type,
      CASE WHEN g.col IS NULL THEN '' ELSE format(' (%I)', g.col) END, g.target, g.role);
    IF g.other_grantor THEN
      IF prev_role = 'none' THEN
        EXECUTE 'RESET ROLE';
      ELSE
        EXECUTE format('SET ROLE %I', prev_role);
      END IF;
    END IF;
  END LOOP;

  -- Default privileges that would grant them objects created later.
  FOR g IN
    SELECT DISTINCT r.rolname AS role, o.rolname AS owner, n.nspname AS schema, d.defaclobjtype AS objtype
      FROM pg_catalog.pg_default_acl d
      JOIN pg_catalog.pg_roles o ON o.oid = d.defaclrole
      LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
      CROSS JOIN LATERAL pg_catalog.aclexplode(d.defaclacl) a
      JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
     WHERE r.rolname::text IN (SELECT unnest(roles || stale))
       AND d.defaclobjtype IN ('r', 'S', 'f', 'T', 'n')
     ORDER BY 1, 2, 3, 4
  LOOP
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I%s REVOKE ALL ON %s FROM %I CASCADE', g.owner,
      CASE WHEN g.schema IS NULL THEN '' ELSE format(' IN SCHEMA %I', g.schema) END,
      CASE g.objtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES' WHEN 'f' THEN 'FUNCTIONS'
                     WHEN 'T' THEN 'TYPES' ELSE 'SCHEMAS' END,
      g.role);
  END LOOP;

  -- Logins (this script's, and any a netc script made) in netc's roles of this database:
  -- exactly the declared memberships, none with admin option.
  FOR g IN
    SELECT r.rolname AS role, m.rolname AS member, gr.rolname AS grantor, am.admin_option,
           EXISTS (SELECT FROM {{members}}
                    WHERE d.login = m.rolname::text AND d.role = r.rolname::text) AS declared
      FROM pg_catalog.pg_auth_members am
      JOIN pg_catalog.pg_roles r ON r.oid = am.roleid
      JOIN pg_catalog.pg_roles m ON m.oid = am.member
      LEFT JOIN pg_catalog.pg_roles gr ON gr.oid = am.grantor
     WHERE r.rolname::text IN (SELECT unnest(roles || implied_netc || stale || stale_implied))
       AND (m.rolname::text IN (SELECT unnest(logins))
            OR pg_catalog.shobj_description(m.oid, 'pg_authid') = {{login_marker}})
     ORDER BY 1, 2, 3
  LOOP
    IF NOT g.declared THEN
      EXECUTE format('REVOKE %I FROM %I%s CASCADE', g.role, g.member,
        CASE WHEN g.grantor IS NULL THEN '' ELSE format(' GRANTED BY %I', g.grantor) END);
    ELSIF g.admin_option THEN
      EXECUTE format('REVOKE ADMIN OPTION FOR %I FROM %I%s CASCADE', g.role, g.member,
        CASE WHEN g.grantor IS NULL THEN '' ELSE format(' GRANTED BY %I', g.grantor) END);
    END IF;
  END LOOP;
END
`
