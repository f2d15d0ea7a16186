package lsp

import (
	"sort"
	"unicode/utf8"

	"github.com/netc-dev/netc/diag"
)

// text is a file's bytes with the offsets where its lines start, to convert between
// byte offsets (what the syntax tree and diagnostics hold) and LSP positions (line and
// UTF-16 code unit).
type text struct {
	data  []byte
	lines []int // offset of the first byte of each line
}

func newText(data []byte) *text {
	t := &text{data: data, lines: []int{0}}
	for i, c := range data {
		if c == '\n' {
			t.lines = append(t.lines, i+1)
		}
	}
	return t
}

// position converts a byte offset, clamped to the text.
func (t *text) position(off int) Position {
	off = max(0, min(off, len(t.data)))
	line := sort.Search(len(t.lines), func(i int) bool { return t.lines[i] > off }) - 1
	return Position{Line: line, Character: utf16Len(t.data[t.lines[line]:off])}
}

// offset converts a position to a byte offset. A character past the end of its line
// means the end of the line, and a line past the end of the text the end of the text,
// as the specification asks.
func (t *text) offset(p Position) int {
	if p.Line < 0 {
		return 0
	}
	if p.Line >= len(t.lines) {
		return len(t.data)
	}
	start := t.lines[p.Line]
	end := len(t.data)
	if p.Line+1 < len(t.lines) {
		end = t.lines[p.Line+1] - 1 // the '\n'
	}
	if end > start && t.data[end-1] == '\r' && p.Line+1 < len(t.lines) {
		end--
	}
	off, units := start, 0
	for off < end && units < p.Character {
		r, size := utf8.DecodeRune(t.data[off:end])
		if r >= 0x10000 {
			units += 2
		} else {
			units++
		}
		if units > p.Character {
			break // inside a surrogate pair: stay before the character
		}
		off += size
	}
	return off
}

// span converts a diagnostic span of this text. Spans come with byte offsets; a span
// with no position (a whole-file diagnostic) is the start of the file.
func (t *text) span(s diag.Span) Range {
	if !s.Start.IsValid() {
		return Range{}
	}
	start := t.position(s.Start.Offset)
	end := start
	if s.End.IsValid() && s.End.Offset >= s.Start.Offset {
		end = t.position(s.End.Offset)
	}
	return Range{Start: start, End: end}
}

// lineOf returns the bytes of the zero-based line, without its newline.
func (t *text) lineOf(line int) []byte {
	if line < 0 || line >= len(t.lines) {
		return nil
	}
	start, end := t.lines[line], len(t.data)
	if line+1 < len(t.lines) {
		end = t.lines[line+1] - 1
	}
	if end > start && t.data[end-1] == '\r' {
		end--
	}
	return t.data[start:end]
}

// utf16Len is how many UTF-16 code units b takes; an invalid byte counts as one
// (it decodes to U+FFFD).
func utf16Len(b []byte) int {
	n := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
		i += size
	}
	return n
}

// applyChange applies one content change to data.
func applyChange(data []byte, ch TextDocumentContentChangeEvent) []byte {
	if ch.Range == nil {
		return []byte(ch.Text)
	}
	t := newText(data)
	start, end := t.offset(ch.Range.Start), t.offset(ch.Range.End)
	if end < start {
		start, end = end, start
	}
	out := make([]byte, 0, len(data)-(end-start)+len(ch.Text))
	out = append(out, data[:start]...)
	out = append(out, ch.Text...)
	return append(out, data[end:]...)
}
