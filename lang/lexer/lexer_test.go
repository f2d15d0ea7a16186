package lexer

import (
	"fmt"
	"strings"
	"testing"
)

func render(r *Result) string {
	var parts []string
	for _, t := range r.Tokens {
		name := map[int]string{int(EOF): "EOF", int(Ident): "Ident", int(Keyword): "Keyword", int(String): "String",
			int(Int): "Int", int(CIDR): "CIDR", int(Arrow): "Arrow", int(NotArrow): "NotArrow", int(Punct): "Punct", int(Sep): "Sep"}[int(t.Type)]
		parts = append(parts, fmt.Sprintf("%s(%q)@%d:%d", name, t.Value, t.Pos.Line, t.Pos.Column))
	}
	return strings.Join(parts, " ")
}

func TestTokens(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"a->b:80", `Ident("a")@1:1 Arrow("->")@1:2 Ident("b")@1:4 Punct(":")@1:5 Int("80")@1:6 EOF("")@1:8`},
		{"backend-sa- -x", `Ident("backend-sa")@1:1 Punct("-")@1:11 Punct("-")@1:13 Ident("x")@1:14 EOF("")@1:15`},
		{"db:5432 fd00::/8 ::/0 10.0.0.0/8 1.2.3.4", `Ident("db")@1:1 Punct(":")@1:3 Int("5432")@1:4 CIDR("fd00::/8")@1:9 CIDR("::/0")@1:18 CIDR("10.0.0.0/8")@1:23 CIDR("1.2.3.4")@1:34 EOF("")@1:41`},
		{"x can get in cluster; y", `Ident("x")@1:1 Keyword("can")@1:3 Ident("get")@1:7 Keyword("in")@1:11 Ident("cluster")@1:14 Sep(";")@1:21 Ident("y")@1:23 EOF("")@1:24`},
		{`user "a\"b\\c" # hi` + "\nx !-> y", `Ident("user")@1:1 String("a\"b\\c")@1:6 Sep("\n")@1:20 Ident("x")@2:1 NotArrow("!->")@2:3 Ident("y")@2:7 EOF("")@2:8`},
		{"9000-9100/udp", `Int("9000")@1:1 Punct("-")@1:5 Int("9100")@1:6 Punct("/")@1:10 Ident("udp")@1:11 EOF("")@1:14`},
	} {
		r := Lex("t.net", []byte(tc.src))
		if len(r.Diags) > 0 {
			t.Errorf("%q: unexpected diagnostics %v", tc.src, r.Diags)
		}
		if got := render(r); got != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.src, got, tc.want)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"a \x00 b", "t.net:1:3: error: NUL byte in source"},
		{"a \xff b", "t.net:1:3: error: invalid UTF-8 byte 0xff"},
		{"a é b", "t.net:1:3: error: unexpected character 'é'; names that need it must be quoted"},
		{"\"abc\nx", "t.net:1:1: error: unterminated quoted name"},
		{`"a\nb"`, `t.net:1:3: error: unknown escape in quoted name; only \" and \\ are allowed`},
		{`""`, "t.net:1:1: error: empty quoted name"},
		{strings.Repeat("n", MaxNameLen+1), fmt.Sprintf("t.net:1:1: error: name is %d bytes long; the limit is %d", MaxNameLen+1, MaxNameLen)},
	} {
		r := Lex("t.net", []byte(tc.src))
		if len(r.Diags) != 1 || r.Diags[0].String() != tc.want {
			t.Errorf("%q: got %v, want %s", tc.src, r.Diags, tc.want)
		}
	}
	r := Lex("t.net", []byte(strings.Repeat("\x00", 10*MaxErrors)))
	if len(r.Diags) != MaxErrors {
		t.Errorf("%d diagnostics for endless NULs, want %d", len(r.Diags), MaxErrors)
	}
}

// End is where each token's text ends: re-lexing the text from Pos to End alone gives
// the same token back, and newlines and EOF have no width.
func TestEnd(t *testing.T) {
	src := "svc -> \"a \\\"b\\\" \\\\c\":8080-9000/udp, 10.0.0.0/8 fd00::/8;x !-> y{}*=\n  \"é\" can # c\n"
	r := Lex("t.net", []byte(src))
	if len(r.Diags) > 0 {
		t.Fatal(r.Diags)
	}
	var texts []string
	for _, tok := range r.Tokens {
		end := End(tok)
		if end.Line != tok.Pos.Line || end.Column-tok.Pos.Column != end.Offset-tok.Pos.Offset {
			t.Errorf("%v: end %+v is not on the token's line", tok, end)
		}
		text := src[tok.Pos.Offset:end.Offset]
		texts = append(texts, text)
		if tok.Type == EOF || tok.Type == Sep && tok.Value == "\n" {
			if text != "" {
				t.Errorf("%v has width %q", tok, text)
			}
			continue
		}
		again := Lex("t.net", []byte(text)).Tokens
		if len(again) != 2 || again[0].Type != tok.Type || again[0].Value != tok.Value {
			t.Errorf("%q (from %v) lexes to %v", text, tok, again)
		}
	}
	want := `svc|->|"a \"b\" \\c"|:|8080|-|9000|/|udp|,|10.0.0.0/8|fd00::/8|;|x|!->|y|{|}|*|=||"é"|can||`
	if got := strings.Join(texts, "|"); got != want {
		t.Errorf("token texts\n got %s\nwant %s", got, want)
	}
}

// Lexical errors point at exactly the bad text.
func TestErrorRanges(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"a \"abc  \t\nx", `"abc`},
		{"a \"\\ b\"", `\`},
		{"a \"\\\n", `\`},
		{"a \"\\é\"", `\é`},
		{"a \"\\n\"", `\n`},
		{"a # \xff bad  \nb", "# \xff bad  "},
		{"a \xff b", "\xff"},
		{`a "" b`, `""`},
	} {
		r := Lex("t.net", []byte(tc.src))
		if len(r.Diags) != 1 {
			t.Errorf("%q: got %v, want one error", tc.src, r.Diags)
			continue
		}
		s := r.Diags[0].Span
		if got := tc.src[s.Start.Offset:s.End.Offset]; got != tc.want || s.End.Col-s.Start.Col != len(got) {
			t.Errorf("%q: error range %q (%+v), want %q", tc.src, got, s, tc.want)
		}
	}
}
