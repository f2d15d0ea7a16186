package parser

import (
	"fmt"
	"go/ast"
	goparser "go/parser"
	"go/token"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/netc-dev/netc/diag"
	netcast "github.com/netc-dev/netc/lang/ast"
)

// spanSrc holds every kind of node, written with what makes ends hard: blanks and
// comments after a construct, ';' and '}' right after it, quoted names with escapes,
// blocks on one line and on several.
const spanSrc = `namespace shop   # the namespace
service "api \"v2\"" {  # header
  labels app=api, example.com/team=core
  port http 8080/udp ; account api-sa
}
database db postgres { port 5433 }
external stripe 203.0.113.0/24,  198.51.100.7/32   # payments
role app_rw on shop/db {
  select, insert on table orders, "odd.name"
}
frontend, admin -> api:http, 9000-9100/tcp as role app_rw  # trailing
group sre can get, * pods/log, * named x in cluster;user u cannot view pods
namespace pay {
  assert a !-> b:80
  assert group g cannot edit networkpolicies in shop	
}
`

// spanWant is every node of spanSrc in Inspect order: its kind, its text, and its
// range as LINE:COL-LINE:COL (end exclusive).
const spanWant = `File "namespace shop   # the namespace\nservice \"api \\\"v2\\\"\" {  # header\n  labels app=api, example.com/team=core\n  port http 8080/udp ; account api-sa\n}\ndatabase db postgres { port 5433 }\nexternal stripe 203.0.113.0/24,  198.51.100.7/32   # payments\nrole app_rw on shop/db {\n  select, insert on table orders, \"odd.name\"\n}\nfrontend, admin -> api:http, 9000-9100/tcp as role app_rw  # trailing\ngroup sre can get, * pods/log, * named x in cluster;user u cannot view pods\nnamespace pay {\n  assert a !-> b:80\n  assert group g cannot edit networkpolicies in shop\t\n}\n" 1:1-17:1
Stmt "namespace shop" 1:1-1:15
NamespaceStmt "namespace shop" 1:1-1:15
Name "shop" 1:11-1:15
Stmt "service \"api \\\"v2\\\"\" {  # header\n  labels app=api, example.com/team=core\n  port http 8080/udp ; account api-sa\n}" 2:1-5:2
ServiceDecl "service \"api \\\"v2\\\"\" {  # header\n  labels app=api, example.com/team=core\n  port http 8080/udp ; account api-sa\n}" 2:1-5:2
Name "\"api \\\"v2\\\"\"" 2:9-2:21
Attr "labels app=api, example.com/team=core" 3:3-3:40
Name "labels" 3:3-3:9
Value "app=api" 3:10-3:17
Ref "app" 3:10-3:13
Name "app" 3:10-3:13
Item "api" 3:14-3:17
Name "api" 3:14-3:17
Value "example.com/team=core" 3:19-3:40
Ref "example.com/team" 3:19-3:35
Name "example.com" 3:19-3:30
Name "team" 3:31-3:35
Item "core" 3:36-3:40
Name "core" 3:36-3:40
Attr "port http 8080/udp" 4:3-4:21
Name "port" 4:3-4:7
Value "http 8080/udp" 4:8-4:21
Item "http" 4:8-4:12
Name "http" 4:8-4:12
Item "8080/udp" 4:13-4:21
Name "udp" 4:18-4:21
Attr "account api-sa" 4:24-4:38
Name "account" 4:24-4:31
Value "api-sa" 4:32-4:38
Item "api-sa" 4:32-4:38
Name "api-sa" 4:32-4:38
Stmt "database db postgres { port 5433 }" 6:1-6:35
DatabaseDecl "database db postgres { port 5433 }" 6:1-6:35
Name "db" 6:10-6:12
Name "postgres" 6:13-6:21
Attr "port 5433" 6:24-6:33
Name "port" 6:24-6:28
Value "5433" 6:29-6:33
Item "5433" 6:29-6:33
Stmt "external stripe 203.0.113.0/24,  198.51.100.7/32" 7:1-7:49
ExternalDecl "external stripe 203.0.113.0/24,  198.51.100.7/32" 7:1-7:49
Name "stripe" 7:10-7:16
Item "203.0.113.0/24" 7:17-7:31
Item "198.51.100.7/32" 7:34-7:49
Stmt "role app_rw on shop/db {\n  select, insert on table orders, \"odd.name\"\n}" 8:1-10:2
RoleDecl "role app_rw on shop/db {\n  select, insert on table orders, \"odd.name\"\n}" 8:1-10:2
Name "app_rw" 8:6-8:12
Ref "shop/db" 8:16-8:23
Name "shop" 8:16-8:20
Name "db" 8:21-8:23
Privilege "select, insert on table orders, \"odd.name\"" 9:3-9:45
Name "select" 9:3-9:9
Name "insert" 9:11-9:17
Name "table" 9:21-9:26
Object "orders" 9:27-9:33
Object "\"odd.name\"" 9:35-9:45
Stmt "frontend, admin -> api:http, 9000-9100/tcp as role app_rw" 11:1-11:58
Flow "frontend, admin -> api:http, 9000-9100/tcp as role app_rw" 11:1-11:58
Ref "frontend" 11:1-11:9
Name "frontend" 11:1-11:9
Ref "admin" 11:11-11:16
Name "admin" 11:11-11:16
IntentTail "-> api:http, 9000-9100/tcp as role app_rw" 11:17-11:58
Ref "api" 11:20-11:23
Name "api" 11:20-11:23
Port "http" 11:24-11:28
Name "http" 11:24-11:28
Port "9000-9100/tcp" 11:30-11:43
Name "tcp" 11:40-11:43
Name "app_rw" 11:52-11:58
Stmt "group sre can get, * pods/log, * named x in cluster" 12:1-12:52
Flow "group sre can get, * pods/log, * named x in cluster" 12:1-12:52
Name "group" 12:1-12:6
Ref "sre" 12:7-12:10
Name "sre" 12:7-12:10
GrantTail "can get, * pods/log, * named x in cluster" 12:11-12:52
Verb "get" 12:15-12:18
Verb "*" 12:20-12:21
Resource "pods/log" 12:22-12:30
Ref "pods/log" 12:22-12:30
Name "pods" 12:22-12:26
Name "log" 12:27-12:30
Resource "*" 12:32-12:33
Name "x" 12:40-12:41
Name "cluster" 12:45-12:52
Stmt "user u cannot view pods" 12:53-12:76
Flow "user u cannot view pods" 12:53-12:76
Name "user" 12:53-12:57
Ref "u" 12:58-12:59
Name "u" 12:58-12:59
GrantTail "cannot view pods" 12:60-12:76
Verb "view" 12:67-12:71
Resource "pods" 12:72-12:76
Ref "pods" 12:72-12:76
Name "pods" 12:72-12:76
Stmt "namespace pay {\n  assert a !-> b:80\n  assert group g cannot edit networkpolicies in shop\t\n}" 13:1-16:2
NamespaceBlock "namespace pay {\n  assert a !-> b:80\n  assert group g cannot edit networkpolicies in shop\t\n}" 13:1-16:2
Name "pay" 13:11-13:14
Stmt "assert a !-> b:80" 14:3-14:20
Assert "assert a !-> b:80" 14:3-14:20
Ref "a" 14:10-14:11
Name "a" 14:10-14:11
ReachTail "!-> b:80" 14:12-14:20
Ref "b" 14:16-14:17
Name "b" 14:16-14:17
Port "80" 14:18-14:20
Stmt "assert group g cannot edit networkpolicies in shop" 15:3-15:53
Assert "assert group g cannot edit networkpolicies in shop" 15:3-15:53
Name "group" 15:10-15:15
Ref "g" 15:16-15:17
Name "g" 15:16-15:17
GrantTail "cannot edit networkpolicies in shop" 15:18-15:53
Verb "edit" 15:25-15:29
Resource "networkpolicies" 15:30-15:45
Ref "networkpolicies" 15:30-15:45
Name "networkpolicies" 15:30-15:45
Name "shop" 15:49-15:53
`

// spanListing renders every node below f as spanWant does.
func spanListing(f *netcast.File, src []byte) string {
	var b strings.Builder
	netcast.Inspect(f, func(n netcast.Node) bool {
		s := n.Span()
		fmt.Fprintf(&b, "%s %q %d:%d-%d:%d\n", reflect.TypeOf(n).Elem().Name(), src[s.Start.Offset:s.End.Offset],
			s.Start.Line, s.Start.Col, s.End.Line, s.End.Col)
		return true
	})
	return b.String()
}

// Every node's range is exactly its construct, with either parser.
func TestNodeSpans(t *testing.T) {
	for _, fast := range []bool{true, false} {
		useFast = fast
		f, d := ParseFile("s.net", []byte(spanSrc))
		useFast = true
		if len(d) != 0 {
			t.Fatal(messages(d))
		}
		checkSpans(t, f, []byte(spanSrc))
		if got := spanListing(f, []byte(spanSrc)); got != spanWant {
			t.Errorf("fast path %v: node spans differ (-want +got):\n%s", fast, lineDiff(spanWant, got))
		}
	}
}

// The invariants of checkSpans hold on every seed file (FuzzParse checks them on
// arbitrary input).
func TestSeedSpans(t *testing.T) {
	for name, src := range seedFiles(t) {
		f, _ := ParseFile(name, src)
		checkSpans(t, f, src)
	}
}

// spanWant must name every node type of package ast, so a new node gets its range
// pinned too: the node types are the structs of lang/ast that embed Extent.
func TestNodeSpansCoverEveryKind(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := goparser.ParseDir(fset, "../ast", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, pkg := range pkgs {
		for _, file := range pkg.Files {
			ast.Inspect(file, func(n ast.Node) bool {
				ts, ok := n.(*ast.TypeSpec)
				if !ok {
					return true
				}
				if st, ok := ts.Type.(*ast.StructType); ok {
					for _, fl := range st.Fields.List {
						if id, ok := fl.Type.(*ast.Ident); ok && len(fl.Names) == 0 && id.Name == "Extent" {
							kinds = append(kinds, ts.Name.Name)
						}
					}
				}
				return true
			})
		}
	}
	if len(kinds) < 20 {
		t.Fatalf("found only %d node types in lang/ast: %v", len(kinds), kinds)
	}
	for _, k := range kinds {
		if !strings.Contains(spanWant, "\n"+k+" ") && !strings.HasPrefix(spanWant, k+" ") {
			t.Errorf("node type %s has no pinned span in spanWant", k)
		}
	}
}

// checkSpans checks what holds for every node of every file: its range lies in the
// file, its line and column agree with its offsets, it starts and ends on a character
// of the construct (not a blank, not a comment), and it lies inside its parent's.
func checkSpans(t *testing.T, f *netcast.File, src []byte) {
	t.Helper()
	if s := f.Span(); s.Start.Offset != 0 || s.End.Offset != len(src) {
		t.Fatalf("file spans %d-%d, want 0-%d", s.Start.Offset, s.End.Offset, len(src))
	}
	lines := []int{0} // offsets where lines start
	for i, c := range src {
		if c == '\n' {
			lines = append(lines, i+1)
		}
	}
	inComment := make([]bool, len(src)+1)
	for _, c := range f.Comments {
		for i := c.Span.Start.Offset; i < c.Span.End.Offset; i++ {
			inComment[i] = true
		}
	}
	var stack []diag.Span
	check := func(n netcast.Node) {
		s := n.Span()
		what := fmt.Sprintf("%T at %d-%d", n, s.Start.Offset, s.End.Offset)
		if s.File != f.Name || s.Start.Offset < 0 || s.End.Offset < s.Start.Offset || s.End.Offset > len(src) {
			t.Fatalf("%s: range outside the file or reversed", what)
		}
		for _, p := range []diag.Pos{s.Start, s.End} {
			if want := posAt(lines, p.Offset); p != want {
				t.Fatalf("%s: position %+v, but offset %d is %+v", what, p, p.Offset, want)
			}
		}
		if _, isFile := n.(*netcast.File); !isFile {
			if s.End.Offset == s.Start.Offset {
				t.Fatalf("%s: empty range", what)
			}
			for _, i := range []int{s.Start.Offset, s.End.Offset - 1} {
				if c := src[i]; c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || inComment[i] {
					t.Fatalf("%s: starts or ends on %q, not on the construct", what, c)
				}
			}
		}
		if len(stack) > 0 {
			if p := stack[len(stack)-1]; s.Start.Offset < p.Start.Offset || s.End.Offset > p.End.Offset {
				t.Fatalf("%s: outside its parent %d-%d", what, p.Start.Offset, p.End.Offset)
			}
		}
	}
	var visit func(n netcast.Node)
	visit = func(n netcast.Node) {
		check(n)
		stack = append(stack, n.Span())
		first := true
		netcast.Inspect(n, func(c netcast.Node) bool {
			if first { // Inspect calls f on n itself first
				first = false
				return true
			}
			visit(c)
			return false
		})
		stack = stack[:len(stack)-1]
	}
	visit(f)
}

// posAt is the position of offset off, given the offsets where lines start.
func posAt(lines []int, off int) diag.Pos {
	i, found := slices.BinarySearch(lines, off)
	if !found {
		i--
	}
	return diag.Pos{Line: i + 1, Col: off - lines[i] + 1, Offset: off}
}

// lineDiff lists the lines of want missing from got (-) and the extra ones (+).
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for _, l := range w {
		if !slices.Contains(g, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}

// Syntax errors point at exactly the construct: never at the blanks, comment or line
// break after it.
func TestErrorSpans(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"a -> \"b c\" \"d\"  # c\n", `"d"`},                          // the unexpected token, quotes included
		{"a ->   # c\n", ``},                                          // found end of line: empty, at the line break
		{"service s {\n  port http 80  # c\n\n", "{\n  port http 80"}, // never closed: up to the last token
		{"} # c\n", "}"},
		{"service s { port 1 } x y  # c\n", "x y"},
		{"namespace a {\n  x -> y\n", "namespace a"},
		{"service s {{{{{{{{{ x }}}}}}}}} ;", "{ x }}}}}}}}}"},
	} {
		_, d := ParseFile("e.net", []byte(tc.src))
		if len(d) != 1 {
			t.Errorf("%q: got %v, want one error", tc.src, d)
			continue
		}
		s := d[0].Span
		if got := tc.src[s.Start.Offset:s.End.Offset]; got != tc.want {
			t.Errorf("%q: %s spans %q, want %q", tc.src, d[0].Message, got, tc.want)
		}
	}
}
