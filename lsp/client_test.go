package lsp

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// client drives a server over an in-memory pipe with JSON-RPC, as an editor would.
type client struct {
	t     testing.TB
	conn  *conn
	mu    sync.Mutex
	next  int
	wait  map[int]chan *message
	diags map[string][]Diagnostic // the last publication per URI
	pubs  chan PublishDiagnosticsParams
	done  chan error
	root  string
	// orphans are responses to no request of ours (id null: a parse error).
	orphans []*message
}

// startServer serves the directory root (nil root: no folder) and initializes.
func startServer(t testing.TB, root string, opts Options) *client {
	t.Helper()
	cr, sw := io.Pipe()
	sr, cw := io.Pipe()
	c := &client{t: t, conn: newConn(cr, cw), wait: map[int]chan *message{}, diags: map[string][]Diagnostic{},
		pubs: make(chan PublishDiagnosticsParams, 10000), done: make(chan error, 1), root: root}
	go func() { c.done <- Serve(sr, sw, opts); sw.Close() }()
	go c.readLoop()
	t.Cleanup(func() { cw.Close() })
	params := map[string]any{"processId": nil, "capabilities": map[string]any{}}
	if root != "" {
		params["rootUri"] = pathToURI(root)
	}
	var res InitializeResult
	c.call("initialize", params, &res)
	if res.Capabilities.PositionEncoding != "utf-16" {
		t.Fatalf("positionEncoding %q", res.Capabilities.PositionEncoding)
	}
	c.notify("initialized", map[string]any{})
	return c
}

func (c *client) readLoop() {
	for {
		body, err := c.conn.read()
		if err != nil {
			return
		}
		var m message
		if err := json.Unmarshal(body, &m); err != nil {
			c.t.Errorf("server sent malformed JSON: %v", err)
			return
		}
		if m.Method == "" {
			id := -1 // an id null decodes to a nil ID
			if m.ID != nil {
				json.Unmarshal(*m.ID, &id)
			}
			c.mu.Lock()
			ch := c.wait[id]
			if ch == nil {
				c.orphans = append(c.orphans, &m)
			}
			c.mu.Unlock()
			if ch != nil {
				ch <- &m
			}
			continue
		}
		if m.Method == "textDocument/publishDiagnostics" {
			var p PublishDiagnosticsParams
			if err := json.Unmarshal(m.Params, &p); err != nil {
				c.t.Errorf("publishDiagnostics: %v", err)
			}
			c.mu.Lock()
			c.diags[p.URI] = p.Diagnostics
			c.mu.Unlock()
			c.pubs <- p
		}
	}
}

// call sends a request and decodes its result into out; a response error fails the
// test unless out is a **ResponseError.
func (c *client) call(method string, params, out any) *ResponseError {
	c.t.Helper()
	c.mu.Lock()
	c.next++
	id := c.next
	ch := make(chan *message, 1)
	c.wait[id] = ch
	c.mu.Unlock()
	raw := json.RawMessage(fmt.Sprint(id))
	b, _ := json.Marshal(params)
	if err := c.conn.write(&message{ID: &raw, Method: method, Params: b}); err != nil {
		c.t.Fatal(err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return m.Error
		}
		if out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				c.t.Fatalf("%s: decoding %s: %v", method, m.Result, err)
			}
		}
		return nil
	case <-time.After(60 * time.Second):
		c.t.Fatalf("%s: no response", method)
	}
	return nil
}

func (c *client) mustCall(method string, params, out any) {
	c.t.Helper()
	if err := c.call(method, params, out); err != nil {
		c.t.Fatalf("%s: %v", method, err.Message)
	}
}

func (c *client) notify(method string, params any) {
	c.t.Helper()
	if err := c.conn.notify(method, params); err != nil {
		c.t.Fatal(err)
	}
}

// settle waits until the server has published for everything sent so far: a
// request is answered after every notification before it, and an analysis that
// was pending is published before the server reads the next message... so a round
// trip of a cheap request followed by draining is enough.
func (c *client) settle() {
	c.t.Helper()
	var out []DocumentSymbol
	c.mustCall("textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": "file:///nonexistent.net"}}, &out)
}

func (c *client) diagsOf(uri string) []Diagnostic {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.diags[uri]
}

func (c *client) uri(name string) string { return pathToURI(filepath.Join(c.root, name)) }

func (c *client) open(name string) string {
	c.t.Helper()
	data, err := os.ReadFile(filepath.Join(c.root, name))
	if err != nil {
		c.t.Fatal(err)
	}
	return c.openText(name, string(data))
}

func (c *client) openText(name, text string) string {
	uri := c.uri(name)
	c.notify("textDocument/didOpen", map[string]any{"textDocument": TextDocumentItem{URI: uri, LanguageID: "netc", Version: 1, Text: text}})
	return uri
}

func (c *client) change(uri string, version int, changes ...TextDocumentContentChangeEvent) {
	c.notify("textDocument/didChange", DidChangeTextDocumentParams{
		TextDocument: VersionedTextDocumentIdentifier{URI: uri, Version: version}, ContentChanges: changes})
}

func pos(uri string, line, char int) TextDocumentPositionParams {
	return TextDocumentPositionParams{TextDocument: TextDocumentIdentifier{URI: uri}, Position: Position{Line: line, Character: char}}
}

func (c *client) shutdown() {
	c.t.Helper()
	c.mustCall("shutdown", nil, nil)
	c.notify("exit", nil)
	select {
	case err := <-c.done:
		if err != nil {
			c.t.Fatalf("Serve after shutdown and exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		c.t.Fatal("the server did not stop after exit")
	}
}

// copyTree copies dir's files into a temporary directory.
func copyTree(t *testing.T, dir string) string {
	t.Helper()
	out := t.TempDir()
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		os.MkdirAll(filepath.Join(out, filepath.Dir(rel)), 0o755)
		return os.WriteFile(filepath.Join(out, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// writeFiles makes a directory of files.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
