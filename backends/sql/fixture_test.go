package sql

import (
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
)

// builder makes IR by hand, the way the compiler will: roles and logins point at their
// database, privileges carry upper-case actions, every node a distinct span.
type builder struct {
	p    *ir.Program
	line int
}

func newBuilder() *builder { return &builder{p: &ir.Program{}} }

func (b *builder) span() diag.Span {
	b.line++
	return diag.Span{File: "test.net", Start: diag.Pos{Line: b.line, Col: 1}, End: diag.Pos{Line: b.line, Col: 2}}
}

func (b *builder) database(ns, name string, e ir.Engine, dbname string) *ir.Database {
	schema := "public"
	if e != ir.Postgres {
		schema = dbname
	}
	db := &ir.Database{Namespace: ns, Name: name, Engine: e, DBName: dbname, Schema: schema, Declared: true, Span: b.span()}
	b.p.Databases = append(b.p.Databases, db)
	return db
}

func (b *builder) role(db *ir.Database, name string, privs ...ir.Privilege) *ir.Role {
	r := &ir.Role{Database: db, Name: name, Declared: true, Span: b.span()}
	for _, pv := range privs {
		pv.Span = b.span()
		r.Privileges = append(r.Privileges, pv)
	}
	b.p.Roles = append(b.p.Roles, r)
	return r
}

func (b *builder) implied(db *ir.Database, name string) *ir.Role {
	r := &ir.Role{Database: db, Name: name, Span: b.span()}
	b.p.Roles = append(b.p.Roles, r)
	return r
}

func (b *builder) login(db *ir.Database, name string, roles ...*ir.Role) *ir.Login {
	svc := &ir.Service{Namespace: db.Namespace, Name: name, Login: name, Declared: true, Span: b.span()}
	l := &ir.Login{Database: db, Name: name, Service: svc, Roles: roles, Span: b.span()}
	b.p.Services = append(b.p.Services, svc)
	b.p.Logins = append(b.p.Logins, l)
	return l
}

func priv(action string, kind ir.ObjectKind, schema, object string) ir.Privilege {
	return ir.Privilege{Action: action, Kind: kind, Schema: schema, Object: object}
}

// everyKind is a program with a privilege of every kind the engine has, an implied
// role, and two logins: the fixture of the golden scripts.
func everyKind(e ir.Engine) *ir.Program {
	b := newBuilder()
	dbname, schema, other := "shop", "shop", "reporting"
	if e == ir.Postgres {
		schema = "public"
	}
	db := b.database("shop", "db", e, dbname)
	rwPrivs := []ir.Privilege{
		priv("DELETE", ir.Table, schema, "orders"), priv("INSERT", ir.Table, schema, "orders"),
		priv("SELECT", ir.Table, schema, "orders"), priv("UPDATE", ir.Table, schema, "orders"),
		priv("EXECUTE", ir.Function, schema, "refresh_totals"),
		priv("SELECT", ir.Table, other, "daily"),
	}
	switch e {
	case ir.Postgres:
		rwPrivs = append(rwPrivs, priv("USAGE", ir.Sequence, schema, "orders_id_seq"), priv("SELECT", ir.Sequence, schema, "orders_id_seq"))
	case ir.MariaDB:
		rwPrivs = append(rwPrivs, priv("INSERT", ir.Sequence, schema, "orders_id_seq"), priv("SELECT", ir.Sequence, schema, "orders_id_seq"))
	}
	rw := b.role(db, "app_rw", rwPrivs...)
	schemaPriv := priv("USAGE", ir.Schema, other, "")
	if e != ir.Postgres {
		schemaPriv = priv("SELECT", ir.Schema, other, "")
	}
	ro := b.role(db, "app_ro", priv("SELECT", ir.Table, schema, "customers"), priv("SELECT", ir.Table, schema, "orders"), schemaPriv)
	audit := b.implied(db, "audit")
	b.login(db, "backend", rw)
	if e == ir.MariaDB {
		b.login(db, "worker", ro)
	} else {
		b.login(db, "worker", ro, audit)
	}
	return b.p
}
