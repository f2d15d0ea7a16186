package sql

import (
	"cmp"
	"regexp"
	"slices"

	"github.com/netc-dev/netc/compiler/ir"
)

// keyword is the shape of a privilege: upper-case words separated by one space. The
// compiler decides which privileges an engine takes (its table is the only one); the
// backend checks only the shape (check, sql.go), because an action is written into the
// script as a keyword, unquoted, and must never carry anything else into it.
var keyword = regexp.MustCompile(`^[A-Z]+( [A-Z]+)*$`)

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
		s := db.SchemaOf(pv)
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
