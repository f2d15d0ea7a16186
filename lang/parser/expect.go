package parser

import "strings"

// humanize turns the EBNF participle prints for what it expected into words: the first
// set of the expression, each symbol named the way a user reads it.
func humanize(ebnf string) string {
	e := &ebnfReader{s: ebnf}
	first, _ := e.alternatives()
	var words []string
	seen := map[string]bool{}
	for _, sym := range first {
		for _, w := range strings.Split(symbolWord(sym), "|") {
			if w != "" && !seen[w] {
				seen[w] = true
				words = append(words, w)
			}
		}
	}
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// symbolWord names one terminal or production of the grammar; a production that can
// start with several tokens names them all, separated by '|'.
func symbolWord(sym string) string {
	if strings.HasPrefix(sym, `"`) {
		return "'" + strings.Trim(sym, `"`) + "'"
	}
	switch sym {
	case "<ident>", "Name", "Ref", "Resource", "Object":
		return "a name"
	case "Item", "Value":
		return "a value"
	case "<string>":
		return "a quoted name"
	case "<int>":
		return "a number"
	case "<cidr>":
		return "a CIDR"
	case "<sep>":
		return "end of line"
	case "Port":
		return "a port"
	case "Verb":
		return "a verb"
	case "IntentTail":
		return "'->'"
	case "ReachTail":
		return "'->'|'!->'"
	case "GrantTail":
		return "'can'"
	case "Attr":
		return "an attribute"
	case "Privilege":
		return "a privilege"
	case "<notarrow>":
		return "'!->'"
	case "<arrow>":
		return "'->'"
	}
	return ""
}

// ebnfReader computes first sets over participle's EBNF text: sequences, groups,
// alternation, the ?, * and + suffixes and (?= ...) lookahead.
type ebnfReader struct {
	s string
	i int
}

func (e *ebnfReader) skip() {
	for e.i < len(e.s) && e.s[e.i] == ' ' {
		e.i++
	}
}

// alternatives reads a | b | c and returns the union of their first sets, and whether
// any of them can be empty.
func (e *ebnfReader) alternatives() ([]string, bool) {
	var out []string
	empty := false
	for {
		f, em := e.sequence()
		out = append(out, f...)
		empty = empty || em
		e.skip()
		if e.i < len(e.s) && e.s[e.i] == '|' {
			e.i++
			continue
		}
		return out, empty
	}
}

// sequence reads terms up to '|' or ')' and returns the first set.
func (e *ebnfReader) sequence() ([]string, bool) {
	var out []string
	nullable := true
	for {
		e.skip()
		if e.i >= len(e.s) || e.s[e.i] == '|' || e.s[e.i] == ')' {
			return out, nullable
		}
		f, em := e.term()
		if nullable {
			out = append(out, f...)
			nullable = em
		}
	}
}

func (e *ebnfReader) term() ([]string, bool) {
	var first []string
	empty := false
	switch c := e.s[e.i]; {
	case c == '(':
		e.i++
		lookahead := strings.HasPrefix(e.s[e.i:], "?=") || strings.HasPrefix(e.s[e.i:], "?!")
		if lookahead {
			e.i += 2
		}
		first, empty = e.alternatives()
		if e.i < len(e.s) && e.s[e.i] == ')' {
			e.i++
		}
		if lookahead {
			first, empty = nil, true
		}
	case c == '"':
		j := e.i + 1
		for j < len(e.s) && e.s[j] != '"' {
			if e.s[j] == '\\' {
				j++
			}
			j++
		}
		first = []string{e.s[e.i : j+1]}
		e.i = j + 1
	case c == '<':
		j := strings.IndexByte(e.s[e.i:], '>')
		if j < 0 {
			e.i = len(e.s)
			return nil, true
		}
		first = []string{e.s[e.i : e.i+j+1]}
		e.i += j + 1
	default:
		j := e.i
		for j < len(e.s) && strings.IndexByte(" |()?*+", e.s[j]) < 0 {
			j++
		}
		if j == e.i {
			e.i++
			return nil, true
		}
		first = []string{e.s[e.i:j]}
		e.i = j
	}
	if e.i < len(e.s) {
		switch e.s[e.i] {
		case '?', '*':
			empty = true
			e.i++
		case '+':
			e.i++
		}
	}
	return first, empty
}
