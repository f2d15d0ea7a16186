package parser

import (
	"runtime"
	"sync"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/ast"
	"github.com/netc-dev/netc/lang/lexer"
)

// chunkMin is the least input, in bytes, that ParseFile parses in chunks, and the
// least size of a chunk: below it one core parses faster than two start.
const chunkMin = 1 << 20

// parseChunked parses src in up to n chunks at once and returns what one sequential
// parse returns, or ok false when it cannot be sure of that (the caller then parses
// sequentially). Chunks split at a line break outside quotes, comments and braces
// (splitPoints), where a sequential parse is between two top-level statements with no
// namespace block open, as long as the file holds no error: a chunk then parses
// exactly the statements, spans and comments the whole file's parse holds there. Any
// diagnostic in any chunk (which stops that chunk), or more slow-path tokens than one
// file may use, and the result is dropped: the errors' wording, limits and echoes
// depend on the whole file, and a file with errors is parsed again, sequentially.
func parseChunked(name string, src []byte, n, least int) (file *ast.File, ok bool) {
	cuts := splitPoints(src, n, least)
	if len(cuts) == 0 {
		return nil, false
	}
	text := string(src)
	type part struct {
		p   *driver
		lex diag.List // the chunk's lexical errors
	}
	parts := make([]part, len(cuts)+1)
	var wg sync.WaitGroup
	for k := range parts {
		from, to, line := 0, len(text), 1
		if k > 0 {
			from, line = cuts[k-1].off, cuts[k-1].line
		}
		if k < len(cuts) {
			to = cuts[k].off
		}
		wg.Go(func() {
			p := &driver{file: &ast.File{}, lx: lexer.NewStreamRange(name, text, from, to, line), quitOnError: true}
			p.run()
			parts[k] = part{p: p, lex: p.lx.Diags()}
		})
	}
	wg.Wait()
	file = &ast.File{Name: name, Extent: fileExtent(name, src)}
	slow, nstmts, ncomments := 0, 0, 0
	for _, pt := range parts {
		if len(pt.lex) > 0 || len(pt.p.diags) > 0 || pt.p.nerr > 0 {
			return nil, false
		}
		slow += pt.p.slow
		nstmts += len(pt.p.file.Stmts)
		ncomments += len(pt.p.lx.Comments())
	}
	if slow > MaxSlowTokens {
		return nil, false
	}
	// Like a sequential parse's, an empty list is nil.
	if nstmts > 0 {
		file.Stmts = make([]*ast.Stmt, 0, nstmts)
	}
	if ncomments > 0 {
		file.Comments = make([]lexer.Comment, 0, ncomments)
	}
	for _, pt := range parts {
		file.Stmts = append(file.Stmts, pt.p.file.Stmts...)
		file.Comments = append(file.Comments, pt.p.lx.Comments()...)
	}
	return file, true
}

// cut is where a chunk starts: its byte offset and line.
type cut struct{ off, line int }

// splitPoints returns up to n-1 places to split src into chunks of about equal size,
// none smaller than least bytes but the last:
// each just past a newline that is outside a comment, a quoted name and every brace
// (the lexer's rules: a comment runs from '#' to the end of the line; a quoted name
// from '"' to the next unescaped '"', and a newline ends it, as an error). It returns
// none when the scan meets a '}' with no '{' open: the file has an error there.
func splitPoints(src []byte, n, least int) []cut {
	if n < 2 {
		return nil
	}
	size := len(src) / n
	if size < least {
		return nil
	}
	var cuts []cut
	next := size
	depth, line := 0, 1
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '\n':
			line++
			if depth == 0 && i+1 >= next && i+1 < len(src) {
				cuts = append(cuts, cut{off: i + 1, line: line})
				if len(cuts) == n-1 {
					return cuts
				}
				next = i + 1 + size
			}
		case '#':
			for i+1 < len(src) && src[i+1] != '\n' {
				i++
			}
		case '"':
			for i+1 < len(src) && src[i+1] != '\n' {
				i++
				if src[i] == '"' {
					break
				}
				if src[i] == '\\' && i+1 < len(src) && src[i+1] != '\n' {
					i++
				}
			}
		case '{':
			depth++
		case '}':
			depth--
			if depth < 0 {
				return nil
			}
		}
	}
	return cuts
}

// chunks is how many chunks ParseFile parses src in.
func chunks(src []byte) int {
	return min(runtime.GOMAXPROCS(0), len(src)/chunkMin, 8)
}
