package k8syaml

import (
	"unicode"
	"unicode/utf8"
)

// Classes of the ASCII bytes a plain (unquoted) scalar may hold: letters, digits and
// "._-" anywhere, '/', ':' and '@' under the conditions Plain checks. Zero: never plain.
const (
	cOther  = 1 << iota // '.', '-', '_', '@'
	cLetter             // A-Z, a-z
	cDigit              // 0-9
	cSlash              // '/'
	cColon              // ':'
)

var class = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = cLetter, cLetter
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = cDigit
	}
	for _, c := range "._-@" {
		t[c] = cOther
	}
	t['/'], t[':'] = cSlash, cColon
	return t
}()

// Plain reports whether s can be written without quotes and still read back as the
// same string by every YAML reader Kubernetes tooling uses: YAML 1.1 (go-yaml v2,
// kubectl, sigs.k8s.io/yaml) and YAML 1.2 (go-yaml v3, kustomize's kyaml).
//
// The rule is deliberately narrow. s holds only letters (any script), ASCII digits and
// "._/-:@". It starts with a letter, '_' or '/' — never with an indicator, and so never
// as a number, date, time, .inf or .nan — and is not a word either YAML version reads as
// a boolean or null. A string holding a '/' may also start with a digit or ':' (CIDRs
// such as 10.0.0.0/8 and ::/0): no number, date or time has a '/'. A ':' may appear
// anywhere but at the end, since only a ':' followed by a blank or the line's end is a
// key indicator. Everything else is double-quoted, which is always correct.
func Plain(s string) bool {
	if s == "" {
		return false
	}
	var seen uint8
	for i := 0; i < len(s); i++ {
		c := class[s[i]]
		if c == 0 {
			if s[i] < utf8.RuneSelf {
				return false
			}
			return plainUnicode(s, i, seen)
		}
		seen |= c
	}
	return plainStart(s, seen)
}

// plainUnicode finishes Plain for a string with non-ASCII bytes from i on: only letters.
func plainUnicode(s string, i int, seen uint8) bool {
	for i < len(s) {
		if s[i] < utf8.RuneSelf {
			c := class[s[i]]
			if c == 0 {
				return false
			}
			seen |= c
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) { // also catches invalid UTF-8
			return false
		}
		seen |= cLetter
		i += size
	}
	return plainStart(s, seen)
}

func plainStart(s string, seen uint8) bool {
	if s[len(s)-1] == ':' {
		return false
	}
	switch c := s[0]; {
	case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		return seen&(cDigit|cOther|cSlash|cColon) != 0 || !reserved(s)
	case c == '_' || c == '/' || c >= utf8.RuneSelf:
		return true
	case '0' <= c && c <= '9' || c == ':':
		return seen&cSlash != 0
	}
	return false
}

// reserved reports whether s is, ignoring case, a word YAML 1.1 or 1.2 resolves to a
// boolean or null.
func reserved(s string) bool {
	if len(s) > 5 {
		return false
	}
	var buf [5]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	switch string(buf[:len(s)]) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
		return true
	}
	return false
}

const hexDigits = "0123456789ABCDEF"

// AppendString appends s as a YAML scalar: plain when Plain allows it, otherwise
// double-quoted with every character a reader could fold, strip or reject escaped.
// Invalid UTF-8 becomes U+FFFD, as encoding/json (and so sigs.k8s.io/yaml) does.
func AppendString(b []byte, s string) []byte {
	if Plain(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != 0x7f && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\t':
				b = append(b, '\\', 't')
			case '\r':
				b = append(b, '\\', 'r')
			default:
				b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\uFFFD"...)
			i += size
			start = i
			continue
		}
		if escapeRune(r) {
			b = append(b, s[start:i]...)
			switch {
			case r <= 0xff:
				b = append(b, '\\', 'x', hexDigits[r>>4], hexDigits[r&0xf])
			case r <= 0xffff:
				b = append(b, '\\', 'u')
				b = appendHex(b, r, 4)
			default:
				b = append(b, '\\', 'U')
				b = appendHex(b, r, 8)
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendHex(b []byte, r rune, digits int) []byte {
	for shift := (digits - 1) * 4; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[r>>shift&0xf])
	}
	return b
}

// escapeRune reports whether a non-ASCII rune must be escaped inside double quotes: C1
// controls (NEL is a line break in YAML 1.1), the Unicode line and paragraph separators
// and the byte-order mark, which readers fold or strip, the non-characters YAML forbids,
// and every other invisible rune (format characters such as U+202E, unassigned code
// points) so a reviewer of a diff sees what is really there.
func escapeRune(r rune) bool {
	switch {
	case r < 0xa0:
		return true
	case r == 0x2028 || r == 0x2029 || r == 0xfeff:
		return true
	}
	return !unicode.IsGraphic(r)
}

func keyCompare(a, b string) int {
	switch {
	case keyLess(a, b):
		return -1
	case keyLess(b, a):
		return 1
	}
	return 0
}

// keyLess orders mapping keys the way go-yaml v2 does (sigs.k8s.io/yaml sorts through
// it), so a map's keys come out in the order kubectl users are used to: letters after
// other characters, runs of digits compared as numbers.
func keyLess(a, b string) bool {
	ar, br := []rune(a), []rune(b)
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			continue
		}
		al, bl := unicode.IsLetter(ar[i]), unicode.IsLetter(br[i])
		if al && bl {
			return ar[i] < br[i]
		}
		if al || bl {
			return bl
		}
		var ai, bi int
		var an, bn int64
		if ar[i] == '0' || br[i] == '0' {
			for j := i - 1; j >= 0 && unicode.IsDigit(ar[j]); j-- {
				if ar[j] != '0' {
					an, bn = 1, 1
					break
				}
			}
		}
		for ai = i; ai < len(ar) && unicode.IsDigit(ar[ai]); ai++ {
			an = an*10 + int64(ar[ai]-'0')
		}
		for bi = i; bi < len(br) && unicode.IsDigit(br[bi]); bi++ {
			bn = bn*10 + int64(br[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return ar[i] < br[i]
	}
	return len(ar) < len(br)
}
