package compiler

import (
	"fmt"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
)

// checkSQL is the sql-names stage: every name and privilege a database's engine cannot
// take, and the logins no script could make, are errors at the IR node's span. The SQL
// backend trusts this (through ir.Validate) and writes every script it is given.
func (c *compiler) checkSQL() {
	c.diags = append(c.diags, checkSQL(c.prog)...)
}

// checkSQL reports, for every database that gets a script (each declared one, and any
// a role or login points at), what its engine cannot take.
func checkSQL(p *ir.Program) diag.List {
	var d diag.List
	for _, s := range p.SQLScripts() {
		checkSQLScript(s, &d)
	}
	return d
}

func checkSQLScript(s *ir.SQLScript, d *diag.List) {
	db := s.Database
	e := db.Engine
	if !e.Known() {
		d.Errorf(db.Span, "database %s/%s: unknown engine %q", db.Namespace, db.Name, e)
		return
	}
	if msg := ir.CheckFileName(db.Name); msg != "" {
		d.Errorf(db.Span, "database name %q cannot name a file: %s", db.Name, msg)
	}
	if msg := ir.CheckFileName(db.Namespace); msg != "" {
		d.Errorf(db.Span, "namespace %q of database %q cannot name a directory: %s", db.Namespace, db.Name, msg)
	}
	if msg := ir.CheckSQLName(e, ir.SQLDatabaseName, db.SQLName()); msg != "" {
		d.Errorf(db.Span, "%s", msg)
	}
	// The roles the script manages memberships in: its own, and any a login names.
	roleNames := make(map[string]bool, len(s.Roles))
	for _, r := range s.Roles {
		if roleNames[r.Name] {
			continue
		}
		roleNames[r.Name] = true
		if msg := ir.CheckSQLName(e, ir.SQLRoleName, r.Name); msg != "" {
			d.Errorf(r.Span, "%s", msg)
		}
		if !r.Declared {
			continue
		}
		for _, pv := range r.Privileges {
			if msg := checkSQLPrivilege(db, pv); msg != "" {
				d.Errorf(pv.Span, "role %q: %s", r.Name, msg)
			}
		}
	}
	for _, l := range s.Logins {
		for _, r := range l.Roles {
			if r != nil {
				roleNames[r.Name] = true // a role of another database: reported below
			}
		}
	}
	for _, l := range s.Logins {
		if msg := ir.CheckSQLName(e, ir.SQLLoginName, l.Name); msg != "" {
			d.Errorf(l.Span, "%s", msg)
		}
		if roleNames[l.Name] {
			d.Errorf(l.Span, "login %q has the name of a role of database %s/%s; a login and a role need different names", l.Name, db.Namespace, db.Name)
		}
		names := map[string]bool{}
		for _, r := range l.Roles {
			if r == nil {
				continue
			}
			names[r.Name] = true
			if r.Database != db {
				d.Errorf(l.Span, "login %q on database %s/%s is given role %q of another database", l.Name, db.Namespace, db.Name, r.Name)
			}
		}
		if n := len(names); e == ir.MariaDB && n > 1 {
			d.Errorf(l.Span, "login %q would be a member of %d roles on MariaDB database %s/%s, which activates one role at a time (the login's default role); give the service one role that holds all it needs",
				l.Name, n, db.Namespace, db.Name)
		}
	}
}

// checkSQLPrivilege returns why db's engine cannot take pv, or "". Which actions an
// engine takes is the privilege table's (roles.go); this is the object it names.
func checkSQLPrivilege(db *ir.Database, pv ir.Privilege) string {
	e := db.Engine
	switch pv.Kind {
	case ir.Table, ir.Sequence, ir.Function, ir.Schema:
	default:
		return fmt.Sprintf("unknown object kind %q", pv.Kind)
	}
	if e == ir.MySQL && pv.Kind == ir.Sequence {
		return "MySQL has no sequences (use an AUTO_INCREMENT column)"
	}
	schemaKind := ir.SQLSchemaName
	if e != ir.Postgres {
		schemaKind = ir.SQLDatabaseName // a MySQL schema is a database
	}
	if msg := ir.CheckSQLName(e, schemaKind, db.SchemaOf(pv)); msg != "" {
		return msg
	}
	if pv.Kind == ir.Schema {
		if pv.Object != "" {
			return fmt.Sprintf("a schema privilege names no object (got %q)", pv.Object)
		}
		return ""
	}
	return ir.CheckSQLName(e, ir.SQLObjectName, pv.Object)
}
