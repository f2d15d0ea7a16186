package lsp

import (
	"slices"
	"strings"
	"testing"
)

// applyEdits applies LSP edits to a text, as a client does.
func applyEdits(src string, edits []TextEdit) string {
	t := newText([]byte(src))
	type e struct {
		start, end int
		text       string
	}
	var es []e
	for _, ed := range edits {
		es = append(es, e{t.offset(ed.Range.Start), t.offset(ed.Range.End), ed.NewText})
	}
	slices.SortFunc(es, func(a, b e) int { return b.start - a.start })
	for _, x := range es {
		src = src[:x.start] + x.text + src[x.end:]
	}
	return src
}

func locLines(c *client, locs []Location) []string {
	var out []string
	for _, l := range locs {
		out = append(out, strings.TrimPrefix(l.URI, pathToURI(c.root)+"/")+" "+rangeText(l.Range))
	}
	return out
}

func shopClient(t *testing.T) (*client, string, string) {
	dir := writeFiles(t, map[string]string{"shop.net": shopNet, "access.net": accessNet, "netc.hcl": clusterHCL})
	c := startServer(t, dir, Options{})
	return c, c.open("shop.net"), c.open("access.net")
}

func TestNavigation(t *testing.T) {
	c, shop, access := shopClient(t)
	var locs []Location
	// api exists by being used: its definition is its first use, in file order.
	c.mustCall("textDocument/definition", pos(shop, 10, 1), &locs)
	same(t, "definition of api", locLines(c, locs), []string{"access.net 1:0-1:3"})
	c.mustCall("textDocument/definition", pos(shop, 8, 14), &locs)
	same(t, "definition of port http", locLines(c, locs), []string{"shop.net 3:7-3:11"})
	c.mustCall("textDocument/definition", pos(access, 2, 7), &locs)
	same(t, "definition of web", locLines(c, locs), []string{"shop.net 2:8-2:11"})
	c.mustCall("textDocument/definition", pos(shop, 10, 29), &locs)
	same(t, "definition of an undeclared role", locLines(c, locs), []string{"shop.net 10:27-10:33"})
	c.mustCall("textDocument/definition", pos(shop, 8, 2), &locs)
	same(t, "definition of world", locLines(c, locs), nil)

	ref := func(p TextDocumentPositionParams, decl bool) []string {
		var rp ReferenceParams
		rp.TextDocumentPositionParams = p
		rp.Context.IncludeDeclaration = decl
		c.mustCall("textDocument/references", rp, &locs)
		return locLines(c, locs)
	}
	same(t, "references of api", ref(pos(shop, 9, 8), true), []string{"access.net 1:0-1:3", "access.net 2:14-2:17", "shop.net 9:7-9:10", "shop.net 10:0-10:3"})
	same(t, "references of web", ref(pos(shop, 2, 9), true), []string{"access.net 2:7-2:10", "shop.net 2:8-2:11", "shop.net 8:9-8:12", "shop.net 9:0-9:3"})
	same(t, "references of web, no declaration", ref(pos(shop, 2, 9), false), []string{"access.net 2:7-2:10", "shop.net 8:9-8:12", "shop.net 9:0-9:3"})
	same(t, "references of namespace shop", ref(pos(shop, 0, 11), true), []string{"access.net 0:10-0:14", "shop.net 0:10-0:14"})

	var h Hover
	c.mustCall("textDocument/hover", pos(shop, 9, 8), &h)
	want := "**service shop/api** — exists by being used, first at access.net:2:1\n\n" +
		"namespace `shop`, selector `app=api`  \n" +
		"ServiceAccount `api` (token mounted), database login `api`  \n" +
		"reached from: `shop/web` on 9000/TCP  \n" +
		"reaches: `shop/orders` on 5432/TCP as role app_rw  \n" +
		"RBAC grants: access.net:2:1  \n\n" +
		"Used in:\n" +
		"- `api can get configmaps` access.net:2:1\n" +
		"- `assert web -> api:9000` access.net:3:15\n" +
		"- `web -> api:9000` shop.net:10:8\n" +
		"- `api -> orders:5432 as role app_rw` shop.net:11:1"
	if h.Contents.Value != want || h.Contents.Kind != "markdown" || rangeText(*h.Range) != "9:7-9:10" {
		t.Errorf("hover on api:\n%s\nwant\n%s", h.Contents.Value, want)
	}
	c.mustCall("textDocument/hover", pos(shop, 6, 10), &h)
	want = "**database shop/orders** — declared at shop.net:7:10\n\n" +
		"postgres on port 5432, SQL database `orders`, schema `public`  \n" +
		"in the cluster: namespace `shop`, selector `app=orders`  \n" +
		"roles: `app_rw`  \n" +
		"reached from: `shop/api` on 5432/TCP  \n" +
		"reaches: nothing  \n\n" +
		"Used in:\n" +
		"- `api -> orders:5432 as role app_rw` shop.net:11:8"
	if h.Contents.Value != want {
		t.Errorf("hover on orders:\n%s\nwant\n%s", h.Contents.Value, want)
	}
	c.mustCall("textDocument/hover", pos(shop, 8, 15), &h)
	if !strings.HasPrefix(h.Contents.Value, "**port http of shop/web** — declared at shop.net:4:8\n\n`8080/TCP`") {
		t.Errorf("hover on a port:\n%s", h.Contents.Value)
	}
	// With an error in the program, the hover shows the declaration as written.
	c.change(access, 2, TextDocumentContentChangeEvent{Range: &Range{Start: Position{1, 12}, End: Position{1, 22}}, Text: "confgmaps"})
	c.mustCall("textDocument/hover", pos(shop, 2, 9), &h)
	if !strings.Contains(h.Contents.Value, "```netc\nservice web { port http 8080 }\n```\n\n_The program has errors") {
		t.Errorf("hover with errors:\n%s", h.Contents.Value)
	}

	var syms []DocumentSymbol
	c.mustCall("textDocument/documentSymbol", map[string]any{"textDocument": map[string]string{"uri": shop}}, &syms)
	var names []string
	for _, s := range syms {
		names = append(names, s.Name+" ("+s.Detail+") "+rangeText(s.Range)+" "+rangeText(s.SelectionRange))
		for _, ch := range s.Children {
			names = append(names, "  "+ch.Name+" ("+ch.Detail+") "+rangeText(ch.Range))
		}
	}
	same(t, "symbols", names, []string{
		"shop (namespace) 0:0-0:14 0:10-0:14",
		"web (service) 2:0-4:1 2:8-2:11",
		"  http (port 8080) 3:2-3:16",
		"orders (database postgres) 6:0-6:24 6:9-6:15",
		"world -> web:http (intent) 8:0-8:17 8:0-8:17",
		"web -> api:9000 (intent) 9:0-9:15 9:0-9:15",
		"api -> orders:5432 as role app_rw (intent) 10:0-10:33 10:0-10:33",
	})
	c.shutdown()
}

func TestRename(t *testing.T) {
	c, shop, access := shopClient(t)
	rename := func(p TextDocumentPositionParams, name string) (*WorkspaceEdit, *ResponseError) {
		var we WorkspaceEdit
		rerr := c.call("textDocument/rename", RenameParams{TextDocumentPositionParams: p, NewName: name}, &we)
		return &we, rerr
	}
	we, rerr := rename(pos(shop, 9, 8), "backend")
	if rerr != nil {
		t.Fatal(rerr.Message)
	}
	if got := applyEdits(shopNet, we.Changes[shop]); got != strings.ReplaceAll(shopNet, "api", "backend") {
		t.Errorf("renamed shop.net:\n%s", got)
	}
	if got := applyEdits(accessNet, we.Changes[access]); got != strings.ReplaceAll(accessNet, "api", "backend") {
		t.Errorf("renamed access.net:\n%s", got)
	}
	we, rerr = rename(pos(shop, 10, 30), "app_rw2")
	if rerr != nil || len(we.Changes[shop]) != 1 || rangeText(we.Changes[shop][0].Range) != "10:27-10:33" {
		t.Errorf("role rename: %+v %v", we, rerr)
	}
	var prep PrepareRenameResult
	c.mustCall("textDocument/prepareRename", pos(shop, 6, 11), &prep)
	if prep.Placeholder != "orders" || rangeText(prep.Range) != "6:9-6:15" {
		t.Errorf("prepareRename: %+v", prep)
	}
	for _, tc := range []struct {
		p    TextDocumentPositionParams
		name string
		want string
	}{
		{pos(shop, 2, 9), "orders", `cannot rename service shop/web to "orders": `},
		{pos(shop, 2, 9), "in", `cannot rename to "in": it is a reserved word`},
		{pos(shop, 2, 9), "world", `cannot rename to "world": it means every address outside the cluster`},
		{pos(shop, 2, 9), "a b", `cannot rename to "a b": netc renames to bare names (letters, digits, '_', '.', '-')`},
		{pos(shop, 2, 9), "Web", `cannot rename service shop/web to "Web": shop.net:3:9: error: service name "Web" is not a valid Kubernetes name`},
		{pos(shop, 8, 14), "https", `port http of shop/web cannot be renamed here: netc renames services, databases, externals and roles`},
		{pos(shop, 0, 11), "x", `namespace shop cannot be renamed here`},
		{pos(shop, 1, 0), "x", `no service, database, external or role here`},
	} {
		_, rerr := rename(tc.p, tc.name)
		if rerr == nil || !strings.HasPrefix(rerr.Message, tc.want) {
			t.Errorf("rename to %q: %v, want %q", tc.name, rerr, tc.want)
		}
	}
	c.shutdown()
}

func TestFormatting(t *testing.T) {
	src := "namespace shop\nservice   web{port http 8080}\n\n\n\nweb->api:9000;api->db:5432\n"
	dir := writeFiles(t, map[string]string{"f.net": src})
	c := startServer(t, dir, Options{})
	uri := c.open("f.net")
	var edits []TextEdit
	c.mustCall("textDocument/formatting", map[string]any{"textDocument": map[string]string{"uri": uri}, "options": map[string]any{"tabSize": 2, "insertSpaces": true}}, &edits)
	want := "namespace shop\nservice web { port http 8080 }\n\nweb -> api:9000\napi -> db:5432\n"
	if got := applyEdits(src, edits); got != want {
		t.Errorf("formatted:\n%q\nwant\n%q", got, want)
	}
	if len(edits) != 1 || rangeText(edits[0].Range) != "1:0-6:0" {
		t.Errorf("edits %+v: want one edit of the changed lines", edits)
	}
	c.change(uri, 2, TextDocumentContentChangeEvent{Text: "service {\n"})
	rerr := c.call("textDocument/formatting", map[string]any{"textDocument": map[string]string{"uri": uri}}, &edits)
	if rerr == nil || !strings.HasPrefix(rerr.Message, "cannot format: the file has syntax errors; the first: f.net:1:9: error:") {
		t.Errorf("formatting a file with errors: %v", rerr)
	}
	c.shutdown()
}

func TestCodeActions(t *testing.T) {
	c, shop, access := shopClient(t)
	actions := func(uri string, r Range) []CodeAction {
		var out []CodeAction
		c.mustCall("textDocument/codeAction", CodeActionParams{TextDocument: TextDocumentIdentifier{URI: uri}, Range: r}, &out)
		return out
	}
	titles := func(as []CodeAction) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Title)
		}
		return out
	}
	as := actions(shop, Range{Position{10, 28}, Position{10, 28}})
	same(t, "actions on an undeclared role", titles(as), []string{
		"Declare the role: role app_rw on orders {}",
		"Waive undeclared-role on this line (# netc:allow undeclared-role reason)",
	})
	if len(as) == 2 {
		if got := applyEdits(shopNet, as[0].Edit.Changes[shop]); got != shopNet+"role app_rw on orders {}\n" {
			t.Errorf("declared:\n%s", got)
		}
		if got := applyEdits(shopNet, as[1].Edit.Changes[shop]); !strings.HasSuffix(got, "api -> orders:5432 as role app_rw # netc:allow undeclared-role reason\n") {
			t.Errorf("waived:\n%s", got)
		}
		if len(as[0].Diagnostics) != 1 || as[0].Diagnostics[0].Code != "undeclared-role" || !as[0].IsPreferred {
			t.Errorf("action: %+v", as[0])
		}
	}
	// The declared role compiles: the warning goes away.
	c.change(shop, 2, TextDocumentContentChangeEvent{Text: applyEdits(shopNet, as[0].Edit.Changes[shop])})
	c.settle()
	same(t, "after declaring", diagLines(c.diagsOf(shop)), nil)

	// "did you mean" in a resource, and in a waiver's rule id.
	text := "namespace shop\napi can get confgmaps\nassert web -> api:9000 # netc:allow any-prot reason\n"
	c.change(access, 2, TextDocumentContentChangeEvent{Text: text})
	c.settle()
	as = actions(access, Range{Position{1, 0}, Position{2, 60}})
	same(t, "did you mean", titles(as), []string{"Replace with configmaps", "Replace with any-port"})
	var fixed string = text
	for _, a := range as {
		fixed = applyEdits(fixed, a.Edit.Changes[access])
	}
	if fixed != "namespace shop\napi can get configmaps\nassert web -> api:9000 # netc:allow any-port reason\n" {
		t.Errorf("fixed:\n%s", fixed)
	}
	// An unknown name in an assertion: the nearest name of the namespace.
	text = "namespace shop\napi can get configmaps\nassert wbe -> shop/apx:9000\n"
	c.change(access, 3, TextDocumentContentChangeEvent{Text: text})
	c.settle()
	as = actions(access, Range{Position{2, 0}, Position{2, 30}})
	same(t, "nearest names", titles(as), []string{"Replace with web", "Replace with api"})
	fixed = text
	for _, a := range as {
		fixed = applyEdits(fixed, a.Edit.Changes[access])
	}
	if fixed != "namespace shop\napi can get configmaps\nassert web -> shop/api:9000\n" {
		t.Errorf("replaced:\n%s", fixed)
	}
	// A waiver added to a line that has a waiver, and to one with a plain comment.
	text = "namespace shop\napi -> web # netc:allow world-egress reason\nweb -> api # about it\n"
	c.change(access, 4, TextDocumentContentChangeEvent{Text: text})
	c.settle()
	as = actions(access, Range{Position{1, 0}, Position{2, 30}})
	var got []string
	for _, a := range as {
		if strings.HasPrefix(a.Title, "Waive any-port") {
			got = append(got, applyEdits(text, a.Edit.Changes[access]))
		}
	}
	same(t, "waivers", got, []string{
		"namespace shop\napi -> web # netc:allow world-egress,any-port reason\nweb -> api # about it\n",
		"namespace shop\napi -> web # netc:allow world-egress reason\nweb -> api # netc:allow any-port about it\n",
	})
	c.shutdown()
}

func TestCompletion(t *testing.T) {
	src := "namespace shop\nservice web { port http 8080\n port admin 9090 }\ndatabase orders postgres\nrole app_rw on orders { select on t }\nexternal stripe 203.0.113.0/24\nnamespace ops\nservice mon\n\n"
	dir := writeFiles(t, map[string]string{"c.net": src})
	c := startServer(t, dir, Options{})
	uri := c.open("c.net")
	complete := func(line string) []string {
		text := src + line
		c.change(uri, 2, TextDocumentContentChangeEvent{Text: text})
		var l CompletionList
		c.mustCall("textDocument/completion", pos(uri, 9, len(line)), &l)
		var out []string
		for _, it := range l.Items {
			out = append(out, it.Label)
		}
		return out
	}
	same(t, "ports", complete("mon -> shop/web:"), []string{"http", "admin"})
	same(t, "roles", complete("mon -> shop/orders:5432 as role "), []string{"app_rw"})
	same(t, "names", complete("mon -> "), []string{"world", "mon", "shop/orders", "stripe", "shop/web"})
	if got := complete(""); !slices.Contains(got, "service") || !slices.Contains(got, "mon") {
		t.Errorf("statement start: %q", got)
	}
	if got := complete("mon can "); !slices.Contains(got, "deploy") || !slices.Contains(got, "get") || slices.Contains(got, "pods") {
		t.Errorf("verbs: %q", got)
	}
	if got := complete("mon can get "); !slices.Contains(got, "pods/log") || !slices.Contains(got, "deployments") || slices.Contains(got, "get") {
		t.Errorf("resources: %q", got)
	}
	same(t, "scopes", complete("mon can get pods in "), []string{"cluster", "shop", "ops"})
	if got := complete("mon -> web # netc:allow "); !slices.Contains(got, "any-port") || len(got) < 20 {
		t.Errorf("rule ids: %q", got)
	}
	same(t, "plain comment", complete("mon -> web # about "), nil)
	c.shutdown()
}
