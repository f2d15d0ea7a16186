package parser

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	plexer "github.com/alecthomas/participle/v2/lexer"

	"github.com/netc-dev/netc/internal/seeds"
	"github.com/netc-dev/netc/lang/lexer"
)

// parseBoth parses src with the fast path and with participle alone; both must give
// the same file and the same diagnostics.
func parseBoth(t *testing.T, name string, src []byte) {
	t.Helper()
	fast, fd := ParseFile(name, src)
	useFast = false
	slow, sd := ParseFile(name, src)
	useFast = true
	if !reflect.DeepEqual(fd, sd) {
		t.Fatalf("%s: diagnostics differ\nfast: %v\nparticiple: %v", name, fd, sd)
	}
	if !reflect.DeepEqual(fast, slow) {
		for i := range min(len(fast.Stmts), len(slow.Stmts)) {
			if !reflect.DeepEqual(fast.Stmts[i], slow.Stmts[i]) {
				t.Fatalf("%s: statement %d differs\nfast: %#v\nparticiple: %#v", name, i, fast.Stmts[i], slow.Stmts[i])
			}
		}
		t.Fatalf("%s: files differ: %d statements fast, %d participle", name, len(fast.Stmts), len(slow.Stmts))
	}
}

// fastTakes are statements the fast path must parse itself; fastLeaves are
// look-alikes it must leave to participle (quoted literals, statement keywords used as
// names, label keys with a '/'), or that do not parse. Both lists are also compared
// with participle.
var fastTakes = []string{
	"a -> b",
	"a -> b:80",
	"frontend, admin -> backend:8080, 8443",
	"batch -> backend:9000-9100/tcp",
	"frontend -> backend:http",
	"frontend -> payments/api:9000",
	"world -> frontend:443",
	"backend -> db:5432 as role app_rw",
	"worker -> db:5432 as role app_ro, audit",
	`"a b" -> "c/d":"p"/udp as role "r"`,
	"ns/a, ns/b, c -> d/e:1, 2-3/udp, x/sctp, y as role r, s",
	"a b -> c",
	"group g -> c",
	"service backend",
	`service "backend"`,
	"service service",
	"service backend {",
	"database db postgres",
	"database db postgres {",
	"namespace shop",
	`namespace "shop"`,
	"external stripe 203.0.113.0/24, 198.51.100.7/32",
	"external x 10.0.0.0/8, name, 80/udp, 10.1.0.0/16/tcp",
	"role app_rw on orders {",
	"external x y/udp",
	"role r on ns/db {",
	"group security-engineers can edit networkpolicies in shop, staging",
	"group developers can deploy in staging",
	`user "alice@example.com" can view pods, pods/log in shop`,
	"serviceaccount ci/deployer can deploy in staging",
	"backend can get, list configmaps",
	"backend can get secrets named stripe-key, other",
	"group sre can view nodes in cluster",
	"a can * *",
	"a, b can get, * pods, *, certificates.cert-manager.io named x in y",
	"assert frontend -> backend:8080",
	"assert frontend !-> db",
	"assert a !-> ns/b:80-90/udp, http",
	"assert group developers cannot edit networkpolicies in shop",
	"assert backend can get configmaps",
	"assert serviceaccount ci/deployer cannot get secrets in shop",
	"assert a b -> c",
	"a -> role",
	"a -> b as role role",
	"service -> x:80",
	"service, b -> x:80",
	"namespace -> x",
	"database -> x",
	"external -> x",
	"role -> x",
	"assert -> x",
	"service, external -> namespace:82",
}

var fastLeaves = []string{
	"database db",
	`"service" x`,
	`"namespace" x`,
	"service",
	"service a -> b",
	"service a/b",
	"database a/b postgres",
	"assert",
	`"assert" a -> b`,
	`external x "can"`,
	`a can get "*"`,
	`a can get "in" x`,
	`a "->" b`,
	`a -> b "as" role x`,
	`a -> b:80 as "role" x`,
	`a "," b -> c`,
	`a "/" b -> c`,
	`a -> b":"80`,
	`a -> b:80"-"90`,
	`a -> b:80 "/" udp`,
	"a -> b:80-",
	"a -> b:80-x",
	"a -> b:80/",
	"a -> b:",
	"a -> b:80,",
	"a -> b as role",
	"a -> b as x",
	"a -> b/",
	"a, -> b",
	"a ->",
	"->",
	"a -> b -> c",
	"a -> b:80 {",
	"a -> b:*",
	"a -> 10.0.0.0/8",
	"a -> b:80/10.0.0.0/8",
	"a can",
	"a can get,",
	"a can get pods,",
	"a can get in",
	"a can get named",
	"a can get in x named y",
	"a can get pods pods",
	"assert a -> b:80 as role r",
	"assert a b",
	"assert a can",
	"role r on db",
	"role r on {",
	"role r db {",
	"external x",
	"external x 10.0.0.0/8,",
	"external a/b 1.2.3.4/32",
}

// Block lines: attribute lines of services and databases, privilege lines of roles.
var fastBlockTakes = []string{
	"service s {\n  labels example.com/team=x, app.kubernetes.io/name=y z/udp\n  port 8080 http/udp\n  labels a/b=c, d=e\n}",
	"service s {\n  labels app=frontend, tier=web\n  port https 8443\n  port http 8080/udp\n  login shop_backend\n  account x\n}",
	"database d postgres {\n  port 5433\n  cidr 10.20.0.0/24\n  dbname ledger_prod\n  schema public\n  labels a=1, b=c d\n}",
	"role r on d {\n  select, insert, update on orders, order_items\n  usage on sequence orders_id_seq\n  execute on function refresh_totals\n  select on \"odd.name\", billing.invoices\n}",
}

var fastBlockLeaves = []string{
	"service s {\n  port http/udp 80\n}",
	"service s {\n  port http/udp\n}",
	"service s {\n  labels a/=b\n}",
	"service s {\n  labels a/b/c=d\n}",
	"service s {\n  labels=x\n}",
	"service s {\n  port http,\n}",
	"service s {\n  labels a=\n}",
	"service s {\n  labels a=b c=d\n}",
	"service s {\n  port 80/\n}",
	"service s {\n  a/b c\n}",
	"service s {\n  x \"=\" y\n}",
	"role r on d {\n  select on\n}",
	"role r on d {\n  select on a b c\n}",
	"role r on d {\n  select orders\n}",
	"role r on d {\n  select, on x\n}",
	"role r on d {\n  select \"on\" x\n}",
}

func TestFastPathMatchesParticiple(t *testing.T) {
	for _, list := range [][]string{fastTakes, fastLeaves, fastBlockTakes, fastBlockLeaves} {
		for _, s := range list {
			parseBoth(t, "t.net", []byte(s+"\n"))
			parseBoth(t, "t.net", []byte(s))
			parseBoth(t, "t.net", []byte("namespace n {\n"+s+"\n}\n"))
			parseBoth(t, "t.net", []byte(s+"; a -> b"))
		}
	}
	for name, src := range seedFiles(t) {
		parseBoth(t, name, src)
	}
}

// The fast path must actually take the common shapes, or the comparison above proves
// nothing about it; and it must leave the look-alikes alone.
func TestFastPathTakesCommonStatements(t *testing.T) {
	for _, s := range fastTakes {
		if !tookFast(t, s) {
			t.Errorf("fast path left %q to participle", s)
		}
	}
	for _, s := range fastLeaves {
		if tookFast(t, s) {
			t.Errorf("fast path took %q", s)
		}
	}
	for _, s := range fastBlockTakes {
		if n := fastLines(s); n != strings.Count(s, "\n")-1 {
			t.Errorf("fast path took %d of the %d lines of %q", n, strings.Count(s, "\n")-1, s)
		}
	}
	for _, s := range fastBlockLeaves {
		if n := fastLines(s); n != 0 {
			t.Errorf("fast path took a line of %q", s)
		}
	}
}

// tookFast reports whether fastStmt parses the first statement of s (up to '{').
func tookFast(t *testing.T, s string) bool {
	t.Helper()
	res := lexer.Lex("t.net", []byte(s))
	toks := trimSeps(res.Tokens[:len(res.Tokens)-1])
	end := res.Tokens[len(toks)]
	return len(toks) > 0 && fastStmt(&arena{}, toks, end) != nil
}

// fastLines counts the lines of the block statement s the fast path parses.
func fastLines(s string) int {
	res := lexer.Lex("t.net", []byte(s))
	toks := res.Tokens
	role := toks[0].Value == "role"
	n := 0
	i := 0
	for toks[i].Value != "{" {
		i++
	}
	i++
	for toks[i].Type == lexer.Sep {
		i++
	}
	for toks[i].Value != "}" {
		j := i
		for toks[j].Type != lexer.Sep {
			j++
		}
		if role && fastPrivilege(&arena{}, toks[i:j], toks[j]) != nil || !role && fastAttr(&arena{}, toks[i:j], toks[j]) != nil {
			n++
		}
		i = j + 1
	}
	return n
}

func trimSeps(toks []plexer.Token) []plexer.Token {
	for i, t := range toks {
		if t.Type == lexer.Sep {
			return toks[:i]
		}
	}
	return toks
}

// seedFiles returns the shared seed files by name.
func seedFiles(tb testing.TB) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{}
	for _, f := range seeds.Files(filepath.Join("..", "..")) {
		out[f.Name] = f.Data
	}
	return out
}
