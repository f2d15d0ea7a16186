// Package sqlstate reads the roles, memberships and privileges of a live PostgreSQL or
// MariaDB/MySQL server, read-only, and compares them with the model a netc script is
// generated from (backends/sql.Model), for two commands:
//
//   - Plan: exactly what applying the database's generated script would change on that
//     server (roles and logins created and marked, attributes taken away, privileges
//     and memberships granted and revoked), or why the script would stop first (a role
//     netc did not create, an object that does not exist). It follows the script's own
//     rules step by step over the catalog, so applying the script changes the catalog
//     by exactly the plan (the tests check this on the real servers).
//   - Audit: what netc's roles and logins hold beyond the intents, including what the
//     script leaves alone (a login's SUPERUSER, its memberships in roles that are not
//     netc's, privileges granted to a login directly).
//
// The connection is opened read-only where the engine allows it (PostgreSQL:
// default_transaction_read_only and a READ ONLY transaction; MariaDB and MySQL: a
// session and a transaction READ ONLY), and only SELECT statements run in it.
// docs/sql.md ("netc plan and netc audit") describes both for users.
package sqlstate

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/netc-dev/netc/backends/sql"
	"github.com/netc-dev/netc/compiler/ir"
)

// Action is what the script would do, one step of a plan.
type Action string

const (
	Create Action = "create" // a role or login the script creates
	Mark   Action = "mark"   // netc's marker (PostgreSQL comment, MariaDB record) the script sets
	Alter  Action = "alter"  // attributes the script takes away from a role
	Grant  Action = "grant"
	Revoke Action = "revoke"
	Refuse Action = "refuse" // the script stops before it changes anything
	Fail   Action = "fail"   // the script fails (and, on PostgreSQL, rolls back)
)

// Change is one step of a plan.
type Change struct {
	Action Action `json:"action"`
	// Account is the role or login the step is about; AccountKind says which
	// ("role" or "login").
	Account     string `json:"account,omitempty"`
	AccountKind string `json:"accountKind,omitempty"`
	// Privilege is a privilege keyword (SELECT), "GRANT OPTION FOR SELECT", an
	// attribute list (LOGIN, SUPERUSER) or "ADMIN OPTION".
	Privilege string `json:"privilege,omitempty"`
	// Object is what a privilege is on: "table public.orders", "schema public",
	// "database shop", "function public.f(integer)", "default privileges ...".
	Object string `json:"object,omitempty"`
	Column string `json:"column,omitempty"`
	// Role is the role of a membership: the account is made or stops being a member.
	Role string `json:"role,omitempty"`
	// Marker is the comment a PostgreSQL role gets, the mark that makes it netc's.
	Marker string `json:"marker,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Finding is one thing an audit found beyond the intents.
type Finding struct {
	Account     string `json:"account"`
	AccountKind string `json:"accountKind"` // role, login, or stale role
	// What: "privilege", "grant option", "default privilege", "attribute",
	// "membership", "owner".
	What      string `json:"what"`
	Privilege string `json:"privilege,omitempty"`
	Object    string `json:"object,omitempty"`
	Column    string `json:"column,omitempty"`
	Role      string `json:"role,omitempty"`
	Detail    string `json:"detail,omitempty"`
	// Fixed says whether applying the script takes it away (false: only a person can).
	Fixed bool `json:"fixedByScript"`
}

// Report is a plan or an audit of one database on one server.
type Report struct {
	Command  string    `json:"command"`  // plan or audit
	Database string    `json:"database"` // NAMESPACE/NAME in the program
	Engine   string    `json:"engine"`
	Server   string    `json:"server"` // host:port/dbname, no credentials
	Script   string    `json:"script"` // the script's path in the output directory
	Changes  []Change  `json:"changes,omitempty"`
	Findings []Finding `json:"findings,omitempty"`
}

// Clean reports whether the plan has no change, or the audit no finding.
func (r *Report) Clean() bool { return len(r.Changes) == 0 && len(r.Findings) == 0 }

// Select returns the model of the database a connection is to: the one named by want
// (NAMESPACE/NAME, or NAME in namespace default) or else the one whose engine and SQL
// database name match the connection's.
func Select(models []sql.Model, engine ir.Engine, dbname, want string) (*sql.Model, error) {
	family := func(e ir.Engine) string {
		if e == ir.Postgres {
			return "postgres"
		}
		return "mysql"
	}
	if want != "" {
		ns, name, ok := strings.Cut(want, "/")
		if !ok {
			ns, name = "default", want
		}
		for i, m := range models {
			if m.Database.Namespace == ns && m.Database.Name == name {
				if family(m.Database.Engine) != family(engine) {
					return nil, fmt.Errorf("--database %s is a %s database; the URL is for %s", want, engineTitle(m.Database.Engine), engineTitle(engine))
				}
				return &models[i], nil
			}
		}
		return nil, fmt.Errorf("--database %s: the program has no such database (it has %s)", want, names(models, ""))
	}
	var found []*sql.Model
	for i, m := range models {
		if family(m.Database.Engine) == family(engine) && m.DBName == dbname {
			found = append(found, &models[i])
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, fmt.Errorf("no %s database of the program has dbname %q (the URL's database); the program has %s; name one with --database NS/NAME",
			engineTitle(engine), dbname, names(models, family(engine)))
	}
	var refs []string
	for _, m := range found {
		refs = append(refs, m.Database.Namespace+"/"+m.Database.Name)
	}
	return nil, fmt.Errorf("databases %s all have dbname %q; name one with --database NS/NAME", strings.Join(refs, ", "), dbname)
}

func names(models []sql.Model, family string) string {
	var out []string
	for _, m := range models {
		if family == "" || (family == "postgres") == (m.Database.Engine == ir.Postgres) {
			out = append(out, fmt.Sprintf("%s/%s (%s, dbname %s)", m.Database.Namespace, m.Database.Name, m.Database.Engine, m.DBName))
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

func engineTitle(e ir.Engine) string {
	switch e {
	case ir.Postgres:
		return "PostgreSQL"
	case ir.MySQL:
		return "MySQL"
	case ir.MariaDB:
		return "MariaDB"
	}
	return string(e)
}

// Plan reads the server's state and returns what the model's script would change.
func Plan(ctx context.Context, c *Conn, m *sql.Model) (*Report, error) {
	r := c.report("plan", m)
	var err error
	if c.engine == ir.Postgres {
		var st *pgState
		if st, err = readPG(ctx, c, m); err == nil {
			r.Changes = st.plan(m)
		}
	} else {
		var st *myState
		if st, err = readMy(ctx, c, m); err == nil {
			r.Changes = st.plan(m)
		}
	}
	if err != nil {
		return nil, err
	}
	sortChanges(r.Changes)
	return r, nil
}

// Audit reads the server's state and returns what netc's roles and logins hold beyond
// the model.
func Audit(ctx context.Context, c *Conn, m *sql.Model) (*Report, error) {
	r := c.report("audit", m)
	var err error
	if c.engine == ir.Postgres {
		var st *pgState
		if st, err = readPG(ctx, c, m); err == nil {
			r.Findings = st.audit(m)
		}
	} else {
		var st *myState
		if st, err = readMy(ctx, c, m); err == nil {
			r.Findings = st.audit(m)
		}
	}
	if err != nil {
		return nil, err
	}
	sortFindings(r.Findings)
	return r, nil
}

func (c *Conn) report(command string, m *sql.Model) *Report {
	return &Report{
		Command:  command,
		Database: m.Database.Namespace + "/" + m.Database.Name,
		Engine:   string(m.Database.Engine),
		Server:   c.server,
		Script:   m.Path,
	}
}

var actionRank = map[Action]int{Refuse: 0, Fail: 1, Create: 2, Mark: 3, Alter: 4, Grant: 5, Revoke: 6}

func sortChanges(cs []Change) {
	slices.SortFunc(cs, func(a, b Change) int {
		return cmp.Or(cmp.Compare(actionRank[a.Action], actionRank[b.Action]),
			cmp.Compare(a.AccountKind, b.AccountKind), cmp.Compare(a.Account, b.Account),
			cmp.Compare(a.Object, b.Object), cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Role, b.Role), cmp.Compare(a.Privilege, b.Privilege), cmp.Compare(a.Detail, b.Detail))
	})
}

func sortFindings(fs []Finding) {
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.AccountKind, b.AccountKind), cmp.Compare(a.Account, b.Account),
			cmp.Compare(a.What, b.What), cmp.Compare(a.Object, b.Object), cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Role, b.Role), cmp.Compare(a.Privilege, b.Privilege))
	})
}

// adoptHint is how to let netc take over an account, as the script's refusal says it.
func adoptHint(m *sql.Model, name string) string {
	return fmt.Sprintf(`to let netc take it over, add to netc.hcl: database "%s/%s" { adopt = [%q] }`, m.Database.Namespace, m.Database.Name, name)
}
