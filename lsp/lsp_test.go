package lsp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const shopNet = `namespace shop

service web {
  port http 8080
}

database orders postgres

world -> web:http
web -> api:9000
api -> orders:5432 as role app_rw
`

const accessNet = `namespace shop
api can get configmaps
assert web -> api:9000
`

func diagLines(ds []Diagnostic) []string {
	var out []string
	for _, d := range ds {
		s := d.Message
		if d.Code != "" {
			s += " [" + d.Code + "]"
		}
		out = append(out, strings.TrimSpace(rangeText(d.Range)+" "+s))
	}
	return out
}

func rangeText(r Range) string {
	return itoa(r.Start.Line) + ":" + itoa(r.Start.Character) + "-" + itoa(r.End.Line) + ":" + itoa(r.End.Character)
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func same(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\ngot  %q\nwant %q", what, got, want)
	}
}

// clusterHCL is a netc.hcl that names the cluster's networks, so `world` draws no
// cluster-networks-unknown info; it also has the server read the folder's netc.hcl.
const clusterHCL = `cluster {
  pod_cidrs     = ["10.244.0.0/16"]
  service_cidrs = ["10.96.0.0/12"]
}
`

func TestDiagnostics(t *testing.T) {
	dir := writeFiles(t, map[string]string{"shop.net": shopNet, "access.net": accessNet, "netc.hcl": clusterHCL})
	c := startServer(t, dir, Options{})
	c.settle()
	// Without any open buffer, the folder's files are checked.
	same(t, "initial", diagLines(c.diagsOf(c.uri("shop.net"))), []string{
		`10:27-10:33 role "app_rw" on shop/orders is not declared; it is created with no privileges and its privileges are not managed [undeclared-role]`,
	})
	d := c.diagsOf(c.uri("shop.net"))[0]
	if d.Severity != SeverityWarning || d.Source != "netc" || d.CodeDescription == nil || d.CodeDescription.Href != RuleURL("undeclared-role") {
		t.Errorf("diagnostic %+v", d)
	}

	// An unsaved edit in one file: the other file's diagnostics change with it.
	uri := c.open("shop.net")
	c.change(uri, 2, TextDocumentContentChangeEvent{Range: &Range{Start: Position{9, 7}, End: Position{9, 10}}, Text: "apx"})
	c.settle()
	same(t, "after edit", diagLines(c.diagsOf(c.uri("access.net"))), []string{
		`2:0-2:22 assertion failed: no intent allows shop/web -> shop/api`,
	})
	// The file on disk is unchanged; the buffer wins.
	if b, _ := os.ReadFile(filepath.Join(dir, "shop.net")); string(b) != shopNet {
		t.Fatal("the server wrote the file")
	}
	// Related information points into the other file.
	c.change(uri, 3, TextDocumentContentChangeEvent{Range: &Range{Start: Position{9, 7}, End: Position{9, 10}}, Text: "api"},
		TextDocumentContentChangeEvent{Range: &Range{Start: Position{11, 0}, End: Position{11, 0}}, Text: "service api\n"})
	c.notify("textDocument/didOpen", map[string]any{"textDocument": TextDocumentItem{URI: c.uri("b.net"), Version: 1,
		Text: "namespace shop\nservice api\n"}})
	c.settle()
	got := c.diagsOf(c.uri("shop.net"))
	same(t, "duplicate", diagLines(got), []string{
		`11:8-11:11 service "shop/api" is already declared as a service`,
	})
	if len(got) == 1 && (len(got[0].RelatedInformation) != 1 || got[0].RelatedInformation[0].Location.URI != c.uri("b.net") ||
		rangeText(got[0].RelatedInformation[0].Location.Range) != "1:8-1:11" || got[0].RelatedInformation[0].Message != "first declared here") {
		t.Errorf("related: %+v", got[0].RelatedInformation)
	}
	// Closing the buffer goes back to the disk's text, and clears what it fixed.
	c.notify("textDocument/didClose", map[string]any{"textDocument": map[string]string{"uri": uri}})
	c.notify("textDocument/didClose", map[string]any{"textDocument": map[string]string{"uri": c.uri("b.net")}})
	c.settle()
	same(t, "closed", diagLines(c.diagsOf(c.uri("shop.net"))), []string{
		`10:27-10:33 role "app_rw" on shop/orders is not declared; it is created with no privileges and its privileges are not managed [undeclared-role]`,
	})
	if got := c.diagsOf(c.uri("access.net")); len(got) != 0 {
		t.Errorf("access.net not cleared: %v", diagLines(got))
	}
	c.shutdown()
}

// TestUTF16 checks positions on lines with non-ASCII and astral characters, in both
// directions: diagnostics out, hover and edits in.
func TestUTF16(t *testing.T) {
	// 😀 is one code point, two UTF-16 units, four bytes; é is one unit, two bytes.
	src := "# café 😀\nservice \"é😀\"; web -> \"b😀c\":80 # 😀\n"
	dir := writeFiles(t, map[string]string{"u.net": src})
	c := startServer(t, dir, Options{})
	uri := c.open("u.net")
	c.settle()
	got := diagLines(c.diagsOf(uri))
	same(t, "diagnostics", got, []string{
		`1:8-1:13 service name "é😀" is not a valid Kubernetes name: only lower-case letters, digits and '-' are allowed (a DNS-1123 label)`,
		`1:22-1:28 name "b😀c" is not a valid Kubernetes name: only lower-case letters, digits and '-' are allowed (a DNS-1123 label)`,
	})
	// Hover on web, after the astral characters of the line.
	var h Hover
	c.mustCall("textDocument/hover", pos(uri, 1, 16), &h)
	if h.Range == nil || rangeText(*h.Range) != "1:15-1:18" || !strings.HasPrefix(h.Contents.Value, "**service default/web**") {
		t.Errorf("hover: %+v", h)
	}
	// An incremental edit after the astral character: replace "web" by "app".
	c.change(uri, 2, TextDocumentContentChangeEvent{Range: &Range{Start: Position{1, 15}, End: Position{1, 18}}, Text: "app"})
	var syms []DocumentSymbol
	c.mustCall("textDocument/documentSymbol", map[string]any{"textDocument": map[string]string{"uri": uri}}, &syms)
	if len(syms) != 2 || syms[1].Name != `app -> "b😀c":80` || rangeText(syms[1].Range) != "1:15-1:31" {
		t.Errorf("symbols after the edit: %+v", syms)
	}
	c.shutdown()
}

func TestText(t *testing.T) {
	tx := newText([]byte("a😀b\r\nxé\n"))
	for _, tc := range []struct {
		off int
		p   Position
	}{{0, Position{0, 0}}, {1, Position{0, 1}}, {5, Position{0, 3}}, {6, Position{0, 4}}, {8, Position{1, 0}}, {9, Position{1, 1}}, {11, Position{1, 2}}, {12, Position{2, 0}}} {
		if got := tx.position(tc.off); got != tc.p {
			t.Errorf("position(%d) = %v, want %v", tc.off, got, tc.p)
		}
		if got := tx.offset(tc.p); got != tc.off {
			t.Errorf("offset(%v) = %d, want %d", tc.p, got, tc.off)
		}
	}
	// Inside the surrogate pair: before the character. Past the line: its end (before \r\n).
	if got := tx.offset(Position{0, 2}); got != 1 {
		t.Errorf("offset inside a surrogate pair = %d", got)
	}
	if got := tx.offset(Position{0, 99}); got != 6 {
		t.Errorf("offset past the line = %d", got)
	}
	if got := tx.offset(Position{9, 0}); got != 12 {
		t.Errorf("offset past the text = %d", got)
	}
}

// TestProtocolErrors: bad input gets the JSON-RPC error the specification names, and
// the session goes on.
func TestProtocolErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.net": "a -> b:80\n"})
	c := startServer(t, dir, Options{})
	if err := c.call("textDocument/unknown", map[string]any{}, nil); err == nil || err.Code != codeMethodNotFound {
		t.Errorf("unknown method: %v", err)
	}
	if err := c.call("textDocument/hover", "not an object", nil); err == nil || err.Code != codeInvalidParams {
		t.Errorf("bad params: %v", err)
	}
	// Malformed JSON: a parse error with id null.
	if _, err := c.conn.w.Write([]byte("Content-Length: 5\r\n\r\n{oops")); err != nil {
		t.Fatal(err)
	}
	// Positions past the end of the text are clamped, not a crash.
	uri := c.open("a.net")
	c.change(uri, 2, TextDocumentContentChangeEvent{Range: &Range{Start: Position{40, 3}, End: Position{99, 99}}, Text: "\nb -> a:81"})
	var h *Hover
	c.mustCall("textDocument/hover", pos(uri, 2, 0), &h)
	if h == nil || !strings.HasPrefix(h.Contents.Value, "**service default/b**") {
		t.Errorf("hover after a clamped edit: %+v", h)
	}
	c.mustCall("textDocument/hover", pos(uri, 500, 500), &h)
	c.mu.Lock()
	orphans := c.orphans
	c.mu.Unlock()
	if len(orphans) != 1 || orphans[0].Error == nil || orphans[0].Error.Code != codeParseError || orphans[0].ID != nil {
		t.Errorf("malformed JSON: %+v", orphans)
	}
	c.shutdown()
}

// TestExitWithoutShutdown: the session ends with an error, as the specification's
// exit code 1 says.
func TestExitWithoutShutdown(t *testing.T) {
	c := startServer(t, "", Options{})
	c.notify("exit", nil)
	if err := <-c.done; err == nil {
		t.Error("exit without shutdown returned nil")
	}
}

// TestURISpellings: a client that spells a file's URI differently from the server
// (here a percent-encoded letter) still edits that one file; there is no second copy
// to declare everything twice. Diagnostics use the client's spelling.
func TestURISpellings(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.net": "service web\nweb -> api:80\n"})
	c := startServer(t, dir, Options{})
	uri := "file://" + filepath.ToSlash(dir) + "/%61.net"
	c.notify("textDocument/didOpen", map[string]any{"textDocument": TextDocumentItem{URI: uri, Version: 1, Text: "service web\nweb -> api\n"}})
	c.settle()
	same(t, "diagnostics", diagLines(c.diagsOf(uri)), []string{
		"1:7-1:10 intent to default/api names no port, so it allows every port and protocol [any-port]",
	})
	c.shutdown()
}

// TestOutOfRange: requests at positions outside the text answer, empty, without an
// internal error.
func TestOutOfRange(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.net": "a -> b:80\n"})
	c := startServer(t, dir, Options{})
	uri := c.open("a.net")
	for _, p := range []Position{{-1, 0}, {0, -5}, {99, 0}, {0, 999}} {
		params := TextDocumentPositionParams{TextDocument: TextDocumentIdentifier{URI: uri}, Position: p}
		for _, m := range []string{"textDocument/hover", "textDocument/definition", "textDocument/completion", "textDocument/references", "textDocument/prepareRename"} {
			var out any
			if err := c.call(m, params, &out); err != nil && err.Code != codeRequestFailed {
				t.Errorf("%s at %v: %v", m, p, err)
			}
		}
	}
	c.shutdown()
}

// TestLimits: a file over 64 MiB in the folder is diagnosed as netc check does, not
// read (the file here is sparse), and the rest of the program is still checked.
func TestLimits(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.net": "a -> b\n"})
	if err := os.WriteFile(filepath.Join(dir, "big.net"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(dir, "big.net"), MaxFileSize+1); err != nil {
		t.Fatal(err)
	}
	c := startServer(t, dir, Options{})
	c.settle()
	same(t, "big.net", diagLines(c.diagsOf(c.uri("big.net"))), []string{"0:0-0:0 file is larger than 64 MiB, the most netc reads from one input"})
	c.mustCall("textDocument/hover", pos(c.uri("big.net"), 0, 0), nil)
	c.shutdown()
}

// TestTargetDiagnostics: what an output cannot take (once the SQL and RBAC backends'
// to report) is published with the rest, though the server runs no backend.
func TestTargetDiagnostics(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.net": "database db mysql\nrole reader on db { select on orders }\n" +
			"service api { login aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa }\napi -> db:3306 as role reader\n" +
			"group admins can * configmaps in shop\n",
		"netc.hcl": "rules {\n  wildcard-verb = \"off\"\n}\n",
	})
	c := startServer(t, dir, Options{})
	c.settle()
	same(t, "targets", diagLines(c.diagsOf(c.uri("a.net"))), []string{
		`3:0-3:29 login name "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" is 33 characters long; MySQL allows at most 32`,
		"4:0-4:37 netc emits no Role with every verb (*) on configmaps unless the line waives it with `# netc:allow wildcard-verb REASON`",
	})
	c.shutdown()
}
