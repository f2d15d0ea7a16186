// Package lexer turns netc source into tokens. It is hand-written for speed and for
// precise errors, and implements participle's lexer.Definition so the participle
// grammar in package parser runs on its tokens.
//
// Token kinds: names (Ident), the reserved connectors (Keyword: as can cannot in named
// on), quoted names (String, value unquoted), integers (Int), CIDRs (CIDR: IPv4 with an
// optional prefix length, IPv6 with one), the arrows -> and !->, single-character
// punctuation { } , : / = - *, and statement separators (Sep: a newline or ';').
// Comments never reach the parser; they are kept in Result.Comments so waivers
// (`# netc:allow RULE reason`) and the formatter can find them.
package lexer

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	plexer "github.com/alecthomas/participle/v2/lexer"

	"github.com/netc-dev/netc/diag"
)

// Token types, as participle symbols.
const (
	EOF                       = plexer.EOF
	Ident    plexer.TokenType = -2
	Keyword  plexer.TokenType = -3
	String   plexer.TokenType = -4
	Int      plexer.TokenType = -5
	CIDR     plexer.TokenType = -6
	Arrow    plexer.TokenType = -7
	NotArrow plexer.TokenType = -8
	Punct    plexer.TokenType = -9
	Sep      plexer.TokenType = -10
)

var symbols = map[string]plexer.TokenType{
	"EOF": EOF, "Ident": Ident, "Keyword": Keyword, "String": String, "Int": Int,
	"CIDR": CIDR, "Arrow": Arrow, "NotArrow": NotArrow, "Punct": Punct, "Sep": Sep,
}

// Keywords are the connectors reserved everywhere. Statement words (service, role, ...)
// are ordinary names, recognised by position, so a service may be called `user`.
var Keywords = map[string]bool{"as": true, "can": true, "cannot": true, "in": true, "named": true, "on": true}

// Limits that keep hostile input bounded.
const (
	// MaxNameLen is the longest name or quoted string accepted, in bytes. Kubernetes
	// names stop at 253 and SQL identifiers at 64, so this only stops abuse early.
	MaxNameLen = 1024
	// MaxErrors is how many lexical errors are reported per file before giving up.
	MaxErrors = 1000
)

// Comment is one `#` comment: Text excludes the '#'.
type Comment struct {
	Text string
	Span diag.Span
}

// Result is a lexed file.
type Result struct {
	Tokens   []plexer.Token // ends with one EOF token
	Comments []Comment
	Diags    diag.List
}

// Lex tokenises src. It never fails outright: bad bytes become diagnostics and are
// skipped, so the parser still sees the rest of the file.
func Lex(filename string, src []byte) *Result {
	l := &lx{file: filename, src: string(src), line: 1, lineStart: 0}
	l.res.Tokens = make([]plexer.Token, 0, len(src)/4+1)
	l.run()
	return &l.res
}

type lx struct {
	eof       bool // the EOF token has been emitted
	file      string
	src       string
	off       int
	line      int
	lineStart int
	res       Result
	nerr      int
}

func (l *lx) pos(off int) plexer.Position {
	return plexer.Position{Filename: l.file, Offset: off, Line: l.line, Column: off - l.lineStart + 1}
}

func (l *lx) dpos(off int) diag.Pos {
	return diag.Pos{Line: l.line, Col: off - l.lineStart + 1, Offset: off}
}

func (l *lx) errorf(start, end int, format string, args ...any) {
	l.nerr++
	if l.nerr > MaxErrors {
		return
	}
	if l.nerr == MaxErrors {
		format, args = "too many lexical errors; giving up on the rest of the file", nil
	}
	l.res.Diags.Errorf(diag.Span{File: l.file, Start: l.dpos(start), End: l.dpos(end)}, format, args...)
}

func (l *lx) emit(t plexer.TokenType, start, end int, value string) {
	l.res.Tokens = append(l.res.Tokens, plexer.Token{Type: t, Value: value, Pos: l.pos(start)})
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isHex(c byte) bool    { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func isNameChar(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '.' || c == '-'
}

func (l *lx) run() {
	for l.step() {
	}
}

// step lexes one lexeme (a token, a comment, blanks or a bad byte) and reports whether
// input is left; at the end of the input, or after MaxErrors errors, it emits the EOF
// token once and returns false.
func (l *lx) step() bool {
	src := l.src
	if l.off >= len(src) || l.nerr >= MaxErrors {
		if !l.eof {
			l.eof = true
			l.res.Tokens = append(l.res.Tokens, plexer.Token{Type: EOF, Pos: l.pos(l.off)})
		}
		return false
	}
	c := src[l.off]
	start := l.off
	switch {
	case c == ' ' || c == '\t' || c == '\r':
		l.off++
	case c == '\n':
		l.emit(Sep, start, start+1, "\n")
		l.off++
		l.line++
		l.lineStart = l.off
	case c == ';':
		l.emit(Sep, start, start+1, ";")
		l.off++
	case c == '#':
		end := strings.IndexByte(src[start:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += start
		}
		text := src[start+1 : end]
		if !utf8.ValidString(text) {
			l.errorf(start, end, "comment is not valid UTF-8")
		}
		l.res.Comments = append(l.res.Comments, Comment{Text: text, Span: diag.Span{File: l.file, Start: l.dpos(start), End: l.dpos(end)}})
		l.off = end
	case c == '"':
		l.lexString()
	case c == '-' && l.peek(1) == '>':
		l.emit(Arrow, start, start+2, "->")
		l.off += 2
	case c == '!' && l.peek(1) == '-' && l.peek(2) == '>':
		l.emit(NotArrow, start, start+3, "!->")
		l.off += 3
	case strings.IndexByte("{},:/=-*", c) >= 0:
		if c == ':' && l.lexIPv6() {
			return true
		}
		l.emit(Punct, start, start+1, src[start:start+1])
		l.off++
	case isDigit(c):
		if l.lexIPv4() || l.lexIPv6() {
			return true
		}
		for l.off < len(src) && isDigit(src[l.off]) {
			l.off++
		}
		l.emit(Int, start, l.off, src[start:l.off])
	case isLetter(c):
		if isHex(c) && l.lexIPv6() {
			return true
		}
		l.lexName()
	default:
		r, size := utf8.DecodeRuneInString(src[start:])
		switch {
		case r == utf8.RuneError && size <= 1:
			l.errorf(start, start+1, "invalid UTF-8 byte 0x%02x", c)
		case c == 0:
			l.errorf(start, start+1, "NUL byte in source")
		default:
			l.errorf(start, start+size, "unexpected character %q; names that need it must be quoted", r)
		}
		l.off += max(size, 1)
	}
	return true
}

// End is where t's text ends: just past its last byte, on its line (a half-open range
// from t.Pos, as diag.Span's). Every token but a quoted name is its text; a quoted name
// also spans its quotes, and each '"' or '\' in its value was written escaped. A
// newline separator and EOF have no width, so a range never takes in a line break.
func End(t plexer.Token) plexer.Position {
	n := width(t.Type, t.Value)
	t.Pos.Offset += n
	t.Pos.Column += n
	return t.Pos
}

// width is how many bytes a token of type typ and value v was written in.
func width(typ plexer.TokenType, v string) int {
	switch {
	case typ == String:
		return len(v) + 2 + strings.Count(v, `"`) + strings.Count(v, `\`)
	case typ == EOF, v == "\n":
		return 0
	}
	return len(v)
}

// Stream lexes a file on demand, so a parser holds the tokens of one statement at a
// time instead of the whole file's: at 64 bytes a token, a file of short tokens would
// otherwise take thirty times its size in memory.
type Stream struct{ l lx }

// NewStream starts lexing src.
func NewStream(filename string, src []byte) *Stream {
	return &Stream{l: lx{file: filename, src: string(src), line: 1}}
}

// NewStreamRange lexes src[from:to] as the part of a file it is: from is the start of
// a line, line its number, and positions are offsets into src.
func NewStreamRange(filename string, src string, from, to, line int) *Stream {
	return &Stream{l: lx{file: filename, src: src[:to], off: from, line: line, lineStart: from}}
}

// Fill appends tokens to buf until it holds n tokens or the file's EOF token has been
// appended, and returns it. After EOF it appends nothing more.
func (s *Stream) Fill(buf []plexer.Token, n int) []plexer.Token {
	s.l.res.Tokens = buf
	for len(s.l.res.Tokens) < n && s.l.step() {
	}
	buf = s.l.res.Tokens
	s.l.res.Tokens = nil
	return buf
}

// Comments returns the comments lexed so far.
func (s *Stream) Comments() []Comment { return s.l.res.Comments }

// Diags returns the lexical errors found so far.
func (s *Stream) Diags() diag.List { return s.l.res.Diags }

func (l *lx) peek(n int) byte {
	if l.off+n < len(l.src) {
		return l.src[l.off+n]
	}
	return 0
}

func (l *lx) lexName() {
	src, start := l.src, l.off
	end := start + 1
	for end < len(src) && isNameChar(src[end]) {
		end++
	}
	for src[end-1] == '.' || src[end-1] == '-' {
		end--
	}
	l.off = end
	v := src[start:end]
	if len(v) > MaxNameLen {
		l.errorf(start, end, "name is %d bytes long; the limit is %d", len(v), MaxNameLen)
		return
	}
	if Keywords[v] {
		l.emit(Keyword, start, end, v)
		return
	}
	l.emit(Ident, start, end, v)
}

// lexIPv4 reads d.d.d.d with an optional /len at l.off.
func (l *lx) lexIPv4() bool {
	src, i := l.src, l.off
	for part := 0; part < 4; part++ {
		if part > 0 {
			if i >= len(src) || src[i] != '.' {
				return false
			}
			i++
		}
		j := i
		for i < len(src) && isDigit(src[i]) {
			i++
		}
		if i == j {
			return false
		}
	}
	i = l.prefixLen(i)
	if i < len(src) && isNameChar(src[i]) {
		return false
	}
	l.emit(CIDR, l.off, i, src[l.off:i])
	l.off = i
	return true
}

// lexIPv6 reads an IPv6 prefix (hex digits, ':' and '.', at least two ':', then /len).
// The prefix length is required so `db:5432` and `a:b` stay names and ports.
func (l *lx) lexIPv6() bool {
	src, i := l.src, l.off
	colons := 0
	for i < len(src) && (isHex(src[i]) || src[i] == ':' || src[i] == '.') {
		if src[i] == ':' {
			colons++
		}
		i++
	}
	if colons < 2 || i >= len(src) || src[i] != '/' {
		return false
	}
	j := l.prefixLen(i)
	if j == i {
		return false
	}
	l.emit(CIDR, l.off, j, src[l.off:j])
	l.off = j
	return true
}

func (l *lx) prefixLen(i int) int {
	src := l.src
	if i < len(src) && src[i] == '/' && i+1 < len(src) && isDigit(src[i+1]) {
		i += 2
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	return i
}

func (l *lx) lexString() {
	src, start := l.src, l.off
	i := start + 1
	var b *strings.Builder
	seg := i
	for {
		if i >= len(src) || src[i] == '\n' {
			// The range ends at the last character written, not at trailing blanks.
			end := i
			for end > start+1 && (src[end-1] == ' ' || src[end-1] == '\t' || src[end-1] == '\r') {
				end--
			}
			l.errorf(start, end, "unterminated quoted name")
			l.off = i
			return
		}
		c := src[i]
		if c == '"' {
			break
		}
		if c == 0 {
			l.errorf(i, i+1, "NUL byte in quoted name")
			l.off = i + 1
			l.skipToQuote()
			return
		}
		if c == '\\' {
			if i+1 >= len(src) || (src[i+1] != '"' && src[i+1] != '\\') {
				// The range is the backslash and the character after it, unless that
				// is a blank or the end of the line.
				end := i + 1
				if r, size := utf8.DecodeRuneInString(src[end:]); size > 0 && !strings.ContainsRune(" \t\r\n", r) {
					end += size
				}
				l.errorf(i, end, `unknown escape in quoted name; only \" and \\ are allowed`)
				l.off = i + 1
				l.skipToQuote()
				return
			}
			if b == nil {
				b = &strings.Builder{}
			}
			b.WriteString(src[seg:i])
			b.WriteByte(src[i+1])
			i += 2
			seg = i
			continue
		}
		i++
	}
	raw := src[seg:i]
	value := raw
	if b != nil {
		b.WriteString(raw)
		value = b.String()
	}
	l.off = i + 1
	if !utf8.ValidString(value) {
		l.errorf(start, l.off, "quoted name is not valid UTF-8")
		return
	}
	if len(value) > MaxNameLen {
		l.errorf(start, l.off, "quoted name is %d bytes long; the limit is %d", len(value), MaxNameLen)
		return
	}
	if value == "" {
		l.errorf(start, l.off, "empty quoted name")
		return
	}
	l.emit(String, start, l.off, value)
}

// skipToQuote moves past the rest of a bad quoted name on this line.
func (l *lx) skipToQuote() {
	for l.off < len(l.src) && l.src[l.off] != '\n' {
		if l.src[l.off] == '"' {
			l.off++
			return
		}
		l.off++
	}
}

// Definition is the participle lexer.Definition over Lex. The parser package feeds
// participle pre-lexed token slices, so Lex here exists for participle's interface
// and for tools that want a plain lexer.
type Definition struct{}

func (Definition) Symbols() map[string]plexer.TokenType { return symbols }

func (d Definition) Lex(filename string, r io.Reader) (plexer.Lexer, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return d.LexBytes(filename, src)
}

func (Definition) LexBytes(filename string, src []byte) (plexer.Lexer, error) {
	res := Lex(filename, src)
	if len(res.Diags) > 0 {
		d := res.Diags[0]
		return nil, fmt.Errorf("%s: %s", d.Span, d.Message)
	}
	return &SliceLexer{Tokens: res.Tokens}, nil
}

// SliceLexer replays tokens; after the last one it returns EOF forever.
type SliceLexer struct {
	Tokens []plexer.Token
	i      int
	EOFPos plexer.Position
}

func (s *SliceLexer) Next() (plexer.Token, error) {
	if s.i < len(s.Tokens) {
		t := s.Tokens[s.i]
		s.i++
		return t, nil
	}
	if n := len(s.Tokens); n > 0 && s.EOFPos.Line == 0 {
		s.EOFPos = s.Tokens[n-1].Pos
	}
	return plexer.Token{Type: EOF, Pos: s.EOFPos}, nil
}

// WaiverPrefix starts a waiver comment: `# netc:allow RULE-ID[,RULE-ID] reason`.
const WaiverPrefix = "netc:allow"

// Waiver reports whether the comment is a waiver and returns what follows the prefix
// (the rule ids and the reason). The compiler applies waivers per line; the formatter
// keeps a waiver's line whole. Both read them here.
func (c Comment) Waiver() (string, bool) {
	text := strings.TrimSpace(c.Text)
	if !strings.HasPrefix(text, WaiverPrefix) {
		return "", false
	}
	return strings.TrimPrefix(text, WaiverPrefix), true
}
