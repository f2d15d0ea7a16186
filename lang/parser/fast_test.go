package parser

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	plexer "github.com/alecthomas/participle/v2/lexer"
	"golang.org/x/tools/txtar"

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

// tricky statements: the shapes the fast path takes, and the look-alikes it must leave
// to participle (quoted literals, statement keywords used as names, grant subjects).
var tricky = []string{
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
	"service backend",
	`service "backend"`,
	"service backend {\n}",
	"service service",
	"service service {\n  port http 80\n}",
	"database db postgres",
	"database db postgres {\n  port 5433\n}",
	"database db",
	"namespace shop",
	`namespace "shop"`,
	"namespace shop {\n a -> b:1\n}",
	// look-alikes
	`"service" x`,
	`"namespace" x`,
	"service -> x:80",
	"service, b -> x:80",
	"namespace -> x",
	"database -> x",
	"external -> x",
	"role -> x",
	"assert -> x",
	"assert a -> b:80",
	`a "->" b`,
	`a -> b "as" role x`,
	`a -> b:80 as "role" x`,
	`a "," b -> c`,
	`a "/" b -> c`,
	`a -> b":"80`,
	`a -> b:80"-"90`,
	`a -> b:80 "/" udp`,
	"a b -> c",
	"group g -> c",
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
	"a can get pods",
	"a -> b:80 {",
	"service s x",
	"service s { x }",
	"a -> 10.0.0.0/8",
	"a -> b:80/10.0.0.0/8",
	"a -> b:*",
}

func TestFastPathMatchesParticiple(t *testing.T) {
	for _, s := range tricky {
		parseBoth(t, "t.net", []byte(s+"\n"))
		parseBoth(t, "t.net", []byte(s))
		parseBoth(t, "t.net", []byte("namespace n {\n"+s+"\n}\n"))
	}
	for name, src := range seedFiles(t) {
		parseBoth(t, name, src)
	}
}

// The fast path must actually take the common shapes, or the comparison above proves
// nothing about it.
func TestFastPathTakesCommonStatements(t *testing.T) {
	for _, s := range tricky[:21] {
		if strings.Contains(s, "\n") || s == "database db" {
			continue
		}
		res := lexer.Lex("t.net", []byte(s))
		toks := res.Tokens[:len(res.Tokens)-1]
		if fastStmt(toks, res.Tokens[len(res.Tokens)-1]) == nil {
			t.Errorf("fast path left %q to participle", s)
		}
	}
	for _, s := range tricky[22:] {
		res := lexer.Lex("t.net", []byte(s))
		toks := trimSeps(res.Tokens[:len(res.Tokens)-1])
		if len(toks) > 0 && fastStmt(toks, res.Tokens[len(res.Tokens)-1]) != nil {
			t.Errorf("fast path took %q", s)
		}
	}
}

func trimSeps(toks []plexer.Token) []plexer.Token {
	for i, t := range toks {
		if t.Type == lexer.Sep {
			return toks[:i]
		}
	}
	return toks
}

// seedFiles returns every .net file of examples/ and every .net section of the
// txtar cases under testdata/, by name.
func seedFiles(tb testing.TB) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{}
	root := filepath.Join("..", "..")
	for _, dir := range []string{"examples", "testdata"} {
		filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			switch {
			case strings.HasSuffix(path, ".net"):
				if b, err := os.ReadFile(path); err == nil {
					out[path] = b
				}
			case strings.HasSuffix(path, ".txtar"):
				a, err := txtar.ParseFile(path)
				if err != nil {
					return nil
				}
				for _, f := range a.Files {
					if strings.HasSuffix(f.Name, ".net") {
						out[path+"/"+f.Name] = f.Data
					}
				}
			}
			return nil
		})
	}
	return out
}
