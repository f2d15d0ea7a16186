package compiler

import (
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/ast"
)

// trimSpans narrows the end of every diagnostic's span (and its related spans) to the
// last character of the construct. The parser's nodes end where the next token starts,
// so an end would otherwise take in the blanks and a trailing comment after it; JSON,
// SARIF and editors show the range, so it must be exact. Starts are already exact.
func trimSpans(l diag.List, files []*ast.File, srcs map[string][]byte) {
	comments := map[string]map[int]int{} // file → comment end offset → comment start offset
	for _, f := range files {
		m := map[int]int{}
		for _, c := range f.Comments {
			m[c.Span.End.Offset] = c.Span.Start.Offset
		}
		comments[f.Name] = m
	}
	trim := func(s *diag.Span) {
		src, ok := srcs[s.File]
		if !ok || s.End.Offset <= s.Start.Offset || s.End.Offset > len(src) {
			return
		}
		end := s.End.Offset
		for end > s.Start.Offset {
			if c := src[end-1]; c == ' ' || c == '\t' || c == '\r' || c == '\n' {
				end--
				continue
			}
			if start, ok := comments[s.File][end]; ok && start >= s.Start.Offset {
				end = start
				continue
			}
			break
		}
		if end == s.End.Offset {
			return
		}
		line, col := s.Start.Line, s.Start.Col
		for i := s.Start.Offset; i < end; i++ {
			if src[i] == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
		}
		s.End = diag.Pos{Line: line, Col: col, Offset: end}
	}
	for i := range l {
		trim(&l[i].Span)
		for j := range l[i].Related {
			trim(&l[i].Related[j].Span)
		}
	}
}
