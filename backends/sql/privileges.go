package sql

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/netc-dev/netc/compiler/ir"
)

// The privileges each engine knows, per object kind. The compiler decides which of them
// a program may use (the ddl-privilege rule, for one); this table is the backend's own
// guard, because an action is written into the script as a keyword, unquoted.
var (
	pgActions = map[ir.ObjectKind][]string{
		ir.Table:    {"ALL", "DELETE", "INSERT", "MAINTAIN", "REFERENCES", "SELECT", "TRIGGER", "TRUNCATE", "UPDATE"},
		ir.Sequence: {"ALL", "SELECT", "UPDATE", "USAGE"},
		ir.Function: {"ALL", "EXECUTE"},
		ir.Schema:   {"ALL", "CREATE", "USAGE"},
	}
	myTableActions  = []string{"ALL", "ALTER", "CREATE", "CREATE VIEW", "DELETE", "DROP", "INDEX", "INSERT", "REFERENCES", "SELECT", "SHOW VIEW", "TRIGGER", "UPDATE"}
	myRoutineAction = []string{"ALL", "ALTER ROUTINE", "EXECUTE"}
	mySchemaActions = []string{"ALL", "ALTER", "ALTER ROUTINE", "CREATE", "CREATE ROUTINE", "CREATE TEMPORARY TABLES", "CREATE VIEW", "DELETE", "DROP", "EVENT", "EXECUTE", "INDEX", "INSERT", "LOCK TABLES", "REFERENCES", "SELECT", "SHOW VIEW", "TRIGGER", "UPDATE", "USAGE"}
	// MariaDB sequences are tables: NEXT VALUE FOR needs INSERT, reading one SELECT.
	mariadbSequenceActions = []string{"ALL", "ALTER", "INSERT", "SELECT"}
)

func actionsFor(e ir.Engine, k ir.ObjectKind) []string {
	switch e {
	case ir.Postgres:
		return pgActions[k]
	case ir.MySQL, ir.MariaDB:
		switch k {
		case ir.Table:
			if e == ir.MariaDB {
				return append(slices.Clip(myTableActions), "DELETE HISTORY")
			}
			return myTableActions
		case ir.Sequence:
			if e == ir.MariaDB {
				return mariadbSequenceActions
			}
		case ir.Function:
			return myRoutineAction
		case ir.Schema:
			if e == ir.MariaDB {
				return append(slices.Clip(mySchemaActions), "DELETE HISTORY")
			}
			return mySchemaActions
		}
	}
	return nil
}

// checkPrivilege returns why pv cannot be granted on db's engine, or "".
func checkPrivilege(e ir.Engine, db *ir.Database, pv ir.Privilege) string {
	switch pv.Kind {
	case ir.Table, ir.Sequence, ir.Function, ir.Schema:
	default:
		return fmt.Sprintf("unknown object kind %q", pv.Kind)
	}
	if e == ir.MySQL && pv.Kind == ir.Sequence {
		return "MySQL has no sequences (use an AUTO_INCREMENT column)"
	}
	actions := actionsFor(e, pv.Kind)
	if !slices.Contains(actions, pv.Action) {
		msg := fmt.Sprintf("%s cannot be granted on a %s in %s (it takes %s)", pv.Action, pv.Kind, engineTitle(e), strings.Join(actions, ", "))
		if e == ir.MariaDB && pv.Kind == ir.Sequence && pv.Action == "USAGE" {
			msg += "; NEXT VALUE FOR needs INSERT"
		}
		return msg
	}
	schemaKind := nameSchema
	if e != ir.Postgres {
		schemaKind = nameDatabase // a MySQL schema is a database
	}
	if msg := checkName(e, schemaKind, schemaOf(db, pv)); msg != "" {
		return msg
	}
	if pv.Kind == ir.Schema {
		if pv.Object != "" {
			return fmt.Sprintf("a schema privilege names no object (got %q)", pv.Object)
		}
		return ""
	}
	return checkName(e, nameObject, pv.Object)
}

// grant is the actions one role gets on one object.
type grant struct {
	kind           ir.ObjectKind
	schema, object string
	actions        []string // sorted, de-duplicated; just ALL when ALL is among them
}

func kindRank(k ir.ObjectKind) int {
	switch k {
	case ir.Schema:
		return 0
	case ir.Table:
		return 1
	case ir.Sequence:
		return 2
	}
	return 3
}

// grantsOf is a declared role's privileges grouped per object, ordered schemas, tables,
// sequences, functions, each by schema and name. With impliedUsage (PostgreSQL) every
// schema holding an object the role has a privilege on also gets USAGE.
func grantsOf(db *ir.Database, r *ir.Role, impliedUsage bool) []grant {
	type key struct {
		kind           ir.ObjectKind
		schema, object string
	}
	idx := map[key]int{}
	var out []grant
	add := func(k key, action string) {
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, grant{kind: k.kind, schema: k.schema, object: k.object})
		}
		out[i].actions = append(out[i].actions, action)
	}
	for _, pv := range r.Privileges {
		s := schemaOf(db, pv)
		obj := pv.Object
		if pv.Kind == ir.Schema {
			obj = ""
		}
		add(key{pv.Kind, s, obj}, pv.Action)
		if impliedUsage && pv.Kind != ir.Schema {
			add(key{ir.Schema, s, ""}, "USAGE")
		}
	}
	for i := range out {
		a := out[i].actions
		slices.Sort(a)
		a = slices.Compact(a)
		if slices.Contains(a, "ALL") {
			a = []string{"ALL"}
		}
		out[i].actions = a
	}
	slices.SortFunc(out, func(a, b grant) int {
		if c := cmp.Compare(kindRank(a.kind), kindRank(b.kind)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.schema, b.schema); c != 0 {
			return c
		}
		return cmp.Compare(a.object, b.object)
	})
	return out
}
