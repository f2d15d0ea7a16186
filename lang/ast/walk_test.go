package ast_test

import (
	"reflect"
	"testing"

	"github.com/netc-dev/netc/lang/ast"
	"github.com/netc-dev/netc/lang/parser"
)

const src = `namespace shop
namespace pay { a -> b }
service "s" { labels app=s, x/y=z
  port http 80/udp }
database db postgres { port 5433 }
external e 10.0.0.0/8, 1.2.3.4/32/tcp
role r on shop/db { select, insert on table t, "q.n" }
group g, h -> x/y:http, 1-2/udp as role r, s
group g can get, * pods/log, * named n in cluster
assert group g cannot edit networkpolicies in shop
assert a !-> b:80
`

// Inspect visits every node, in source order: the same nodes, in the same order, as a
// walk over the struct fields by reflection.
func TestInspectVisitsEveryNode(t *testing.T) {
	f, d := parser.ParseFile("w.net", []byte(src))
	if len(d) > 0 {
		t.Fatal(d)
	}
	var got, want []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		got = append(got, n)
		return true
	})
	nodeType := reflect.TypeFor[ast.Node]()
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() {
				return
			}
			if v.Type().Implements(nodeType) {
				want = append(want, v.Interface().(ast.Node))
			}
			walk(v.Elem())
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i))
			}
		}
	}
	walk(reflect.ValueOf(f))
	if len(got) != len(want) {
		t.Fatalf("Inspect visited %d nodes, the fields hold %d", len(got), len(want))
	}
	seen := map[ast.Node]bool{}
	for _, n := range want {
		seen[n] = true
	}
	for i, n := range got {
		if !seen[n] {
			t.Errorf("node %d (%T) visited but not in the tree", i, n)
		}
		if i > 0 && n.Span().Start.Offset < got[i-1].Span().Start.Offset {
			t.Errorf("node %d (%T) starts before node %d (%T): not in source order", i, n, i-1, got[i-1])
		}
	}
	kinds := map[reflect.Type]bool{}
	for _, n := range got {
		kinds[reflect.TypeOf(n)] = true
	}
	if len(kinds) != 23 {
		t.Errorf("the sample holds %d node kinds; package ast has 23: add the new ones to the sample", len(kinds))
	}
}
