package lsp

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/netc-dev/netc/lang/ast"
	"github.com/netc-dev/netc/lang/parser"
)

// FuzzIndex feeds arbitrary source to what the server computes without the compiler:
// the position conversions, the index and the document symbols. Nothing may panic;
// every byte offset at a character boundary survives offset → position → offset;
// every occurrence the index records lies inside the file and is found again by
// lookup.
func FuzzIndex(f *testing.F) {
	seeds, _ := filepath.Glob("../examples/*/*.net")
	for _, s := range seeds {
		data, _ := os.ReadFile(s)
		f.Add(data)
	}
	f.Add([]byte("\"é😀\" -> \"b😀c\":80 # 😀\r\nnamespace x { a -> b:http as role r }\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		tx := newText(src)
		for off := 0; off <= len(src); off++ {
			if off < len(src) && !utf8.RuneStart(src[off]) {
				continue
			}
			if off > 0 && src[off-1] == '\r' && off < len(src) && src[off] == '\n' {
				continue // between \r and \n: the end of the line, one position
			}
			if got := tx.offset(tx.position(off)); got != off && utf8.Valid(src) {
				t.Fatalf("offset %d → %v → %d", off, tx.position(off), got)
			}
		}
		parsed, _ := parser.ParseFile("f.net", src)
		x := buildIndex([]*ast.File{parsed})
		for _, sym := range x.syms {
			for _, o := range sym.occs {
				if o.span.Start.Offset < 0 || o.span.End.Offset > len(src) || o.span.Start.Offset > o.span.End.Offset {
					t.Fatalf("%s: occurrence %v outside the file", sym.title(), o.span)
				}
				if l := x.lookup("f.net", o.span.Start.Offset); l == nil || l.sym != sym {
					t.Fatalf("%s at %v is not found again", sym.title(), o.span)
				}
			}
		}
		symbolsOf(&file{name: "f.net", text: tx, ast: parsed}, parsed.Stmts)
	})
}
