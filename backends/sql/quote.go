package sql

import (
	"regexp"
	"strconv"
	"strings"
)

// PostgreSQL quoting. Identifiers are always double-quoted, so a name is never read as
// a keyword and keeps its case. A string literal holding a backslash is written in the
// E'...' form, which every server reads the same whatever standard_conforming_strings
// says; any other literal is the plain '...' form, also read the same either way.

func pgIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func pgQualified(schema, name string) string { return pgIdent(schema) + "." + pgIdent(name) }

func pgLiteral(s string) string {
	q := strings.ReplaceAll(s, `'`, `''`)
	if strings.Contains(s, `\`) {
		return `E'` + strings.ReplaceAll(q, `\`, `\\`) + `'`
	}
	return `'` + q + `'`
}

// dollarTag returns a dollar-quote delimiter ($netc$, else $netc1$, ...) that does not
// occur in body, so no name inside a DO block can end the block's quoting.
func dollarTag(body string) string {
	for i := 0; ; i++ {
		tag := "$netc$"
		if i > 0 {
			tag = "$netc" + strconv.Itoa(i) + "$"
		}
		if !strings.Contains(body, tag) {
			return tag
		}
	}
}

// MySQL and MariaDB quoting. Identifiers and role names are backquoted (a backquote
// doubled); account names are string literals ('name'@'%', a quote doubled). Names
// never hold a backslash (checkName refuses it), so a literal reads the same whatever
// sql_mode says about NO_BACKSLASH_ESCAPES, and the mysql client splits the script
// exactly where the server would.

func myIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func myLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// myAccount is a login account: the name from anywhere.
func myAccount(name string) string { return myLiteral(name) + "@'%'" }

// delimiter returns a mysql-client delimiter that does not occur in body.
func delimiter(body string) string {
	d := "$$"
	for strings.Contains(body, d) {
		d += "$"
	}
	return d
}

var plainShellWord = regexp.MustCompile(`^[A-Za-z0-9_.,:@%+=/-]+$`)

// shellQuote makes s one word for a POSIX shell, for the "how to apply" comment lines.
// A quote is closed, written in double quotes and reopened ('"'"'), so the result holds
// no backslash (which the mysql client would act on even in a comment).
func shellQuote(s string) string {
	if plainShellWord.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}
