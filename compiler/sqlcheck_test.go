package compiler

import (
	"fmt"
	"strings"
	"testing"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
)

// TestCheckSQL: what an engine cannot take is an error at the IR node's span, for every
// database at once. The golden cases under testdata/errors reach most of these from
// source; this covers the ones the earlier stages make unreachable from source too.
func TestCheckSQL(t *testing.T) {
	p := &ir.Program{}
	line := 0
	span := func() diag.Span {
		line++
		return diag.Span{File: "t.net", Start: diag.Pos{Line: line, Col: 1}, End: diag.Pos{Line: line, Col: 2}}
	}
	database := func(name string, e ir.Engine, dbname string) *ir.Database {
		db := &ir.Database{Namespace: "ns", Name: name, Engine: e, DBName: dbname, Declared: true, Span: span()}
		p.Databases = append(p.Databases, db)
		return db
	}
	role := func(db *ir.Database, name string, privs ...ir.Privilege) *ir.Role {
		r := &ir.Role{Database: db, Name: name, Declared: true, Span: span()}
		for _, pv := range privs {
			pv.Span = span()
			r.Privileges = append(r.Privileges, pv)
		}
		p.Roles = append(p.Roles, r)
		return r
	}
	login := func(db *ir.Database, name string, roles ...*ir.Role) *ir.Login {
		l := &ir.Login{Database: db, Name: name, Roles: roles, Span: span()}
		p.Logins = append(p.Logins, l)
		return l
	}
	table := func(action, schema, object string) ir.Privilege {
		return ir.Privilege{Action: action, Kind: ir.Table, Schema: schema, Object: object}
	}

	ok := database("ok", ir.Postgres, "ok")
	role(ok, "fine", table("SELECT", "public", "t"))

	pg := database("pg", ir.Postgres, strings.Repeat("d", 64))
	longRole := role(pg, strings.Repeat("r", 64))
	shared := role(pg, "shared")
	badObj := role(pg, "nul", table("SELECT", "public", "t\x00"))
	badSchema := role(pg, "sch", ir.Privilege{Action: "USAGE", Kind: ir.Schema, Schema: "s", Object: "x"})
	badKind := role(pg, "kind", ir.Privilege{Action: "SELECT", Kind: "view", Schema: "public", Object: "v"})
	clash := login(pg, "shared", shared)

	ma := database("ma", ir.MariaDB, "ma")
	r1 := role(ma, "r1")
	r2 := role(ma, "r2")
	twoRoles := login(ma, "svc", r1, r2, r1)
	foreign := login(ma, "other", shared)
	long := login(ma, strings.Repeat("l", 81))

	my := database("my", ir.MySQL, "my")
	seq := role(my, "seq", ir.Privilege{Action: "SELECT", Kind: ir.Sequence, Schema: "my", Object: "s"})
	slash := role(my, `a\b`)

	path := database("..", ir.Postgres, "x")
	dir := &ir.Database{Namespace: "a/b", Name: "d", Engine: ir.Postgres, Declared: true, Span: span()}
	p.Databases = append(p.Databases, dir)
	oracle := database("o", "oracle", "o")
	role(oracle, strings.Repeat("x", 100)) // not checked: the engine is unknown
	// A database that is not declared and that nothing points at gets no script.
	p.Databases = append(p.Databases, &ir.Database{Namespace: "ns", Name: strings.Repeat("u", 70), Engine: ir.Postgres})

	wants := []struct {
		span diag.Span
		msg  string
	}{
		{pg.Span, `database name "` + strings.Repeat("d", 64) + `" is 64 bytes long; PostgreSQL allows at most 63`},
		{longRole.Span, `role name "` + strings.Repeat("r", 64) + `" is 64 bytes long`},
		{badObj.Privileges[0].Span, `role "nul": object name "t\x00" holds a control character (U+0000)`},
		{badSchema.Privileges[0].Span, `role "sch": a schema privilege names no object (got "x")`},
		{badKind.Privileges[0].Span, `role "kind": unknown object kind "view"`},
		{clash.Span, `login "shared" has the name of a role of database ns/pg; a login and a role need different names`},
		{twoRoles.Span, `login "svc" would be a member of 2 roles on MariaDB database ns/ma`},
		{foreign.Span, `login "other" on database ns/ma is given role "shared" of another database`},
		{long.Span, `login name "` + strings.Repeat("l", 81) + `" is 81 characters long; MariaDB allows at most 80`},
		{seq.Privileges[0].Span, `role "seq": MySQL has no sequences (use an AUTO_INCREMENT column)`},
		{slash.Span, `role name "a\\b" holds a backslash, which the MySQL client would read as an escape`},
		{path.Span, `database name ".." cannot name a file: it is a directory reference`},
		{dir.Span, `namespace "a/b" of database "d" cannot name a directory: it holds a slash or backslash`},
		{oracle.Span, `database ns/o: unknown engine "oracle"`},
	}
	d := checkSQL(p)
	for _, w := range wants {
		found := false
		for _, x := range d {
			if x.Span == w.span && x.Severity == diag.Error && strings.Contains(x.Message, w.msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("no error at %s containing %q; got:\n%v", w.span, w.msg, d)
		}
	}
	if len(d) != len(wants) {
		t.Errorf("%d diagnostics, want %d:\n%v", len(d), len(wants), d)
	}
}

// TestCheckSQLWithOutputOff: a program is checked whole, whatever netc.hcl's output
// block writes (docs/cli.md).
func TestCheckSQLWithOutputOff(t *testing.T) {
	cfg, cd := config.Load(config.FileName, []byte("output {\n  sql = false\n}\n"))
	if cd.HasErrors() {
		t.Fatal(cd)
	}
	src := "database db mysql\nrole reader on db { select on orders }\n" +
		"service api { login aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa }\napi -> db:3306 as role reader\n"
	p, d := Compile([]Source{{Name: "a.net", Data: []byte(src)}}, Options{Config: cfg})
	if p != nil || !strings.Contains(fmt.Sprint(d), "is 33 characters long; MySQL allows at most 32") {
		t.Errorf("program %v, diagnostics %v; want the login refused", p != nil, d)
	}
}
