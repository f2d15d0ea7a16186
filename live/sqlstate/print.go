package sqlstate

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteJSON writes r as one indented JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	out := *r
	if out.Changes == nil && r.Command == "plan" {
		out.Changes = []Change{}
	}
	if out.Findings == nil && r.Command == "audit" {
		out.Findings = []Finding{}
	}
	type plan struct {
		Command  string   `json:"command"`
		Database string   `json:"database"`
		Engine   string   `json:"engine"`
		Server   string   `json:"server"`
		Script   string   `json:"script"`
		Changes  []Change `json:"changes"`
	}
	type audit struct {
		Command  string    `json:"command"`
		Database string    `json:"database"`
		Engine   string    `json:"engine"`
		Server   string    `json:"server"`
		Script   string    `json:"script"`
		Findings []Finding `json:"findings"`
	}
	if r.Command == "plan" {
		return enc.Encode(plan{out.Command, out.Database, out.Engine, out.Server, out.Script, out.Changes})
	}
	return enc.Encode(audit{out.Command, out.Database, out.Engine, out.Server, out.Script, out.Findings})
}

func (r *Report) title() string {
	return fmt.Sprintf("netc %s: database %s (%s) at %s, script %s", r.Command, r.Database, r.Engine, r.Server, r.Script)
}

// WriteText writes one line per change or finding, then a summary line.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	b.WriteString(r.title() + "\n\n")
	for _, c := range r.Changes {
		b.WriteString("  " + c.Symbol() + " " + c.String() + "\n")
	}
	for _, f := range r.Findings {
		b.WriteString("  " + f.String() + "\n")
	}
	if !r.Clean() {
		b.WriteString("\n")
	}
	b.WriteString(r.summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes a heading, a table of the changes or findings and the summary.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## netc %s: `%s` (%s) at `%s`\n\nScript: `%s`\n\n", r.Command, r.Database, r.Engine, r.Server, r.Script)
	cell := func(s string) string {
		if s == "" {
			return ""
		}
		return "`" + strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "`", "'") + "`"
	}
	if len(r.Changes) > 0 {
		b.WriteString("| action | account | privilege or role | object | detail |\n|---|---|---|---|---|\n")
		for _, c := range r.Changes {
			priv := c.Privilege
			if c.Role != "" {
				priv = strings.TrimSpace("role " + c.Role + " " + c.Privilege)
			}
			obj := c.Object
			if c.Column != "" {
				obj += " (" + c.Column + ")"
			}
			acct := ""
			if c.Account != "" {
				acct = c.AccountKind + " " + c.Account
			}
			detail := c.Detail
			if c.Marker != "" {
				detail = c.mark()
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", c.Action, cell(acct), cell(priv), cell(obj), strings.ReplaceAll(detail, "|", `\|`))
		}
		b.WriteString("\n")
	}
	if len(r.Findings) > 0 {
		b.WriteString("| account | finding | privilege or role | object | the script takes it away |\n|---|---|---|---|---|\n")
		for _, f := range r.Findings {
			priv := f.Privilege
			if f.Role != "" {
				priv = strings.TrimSpace("role " + f.Role + " " + f.Privilege)
			}
			obj := f.Object
			if f.Column != "" {
				obj += " (" + f.Column + ")"
			}
			fixed := "no"
			if f.Fixed {
				fixed = "yes"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", cell(f.AccountKind+" "+f.Account), f.What, cell(priv), cell(obj), fixed)
		}
		b.WriteString("\n")
	}
	b.WriteString(r.summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) summary() string {
	if r.Command == "audit" {
		if len(r.Findings) == 0 {
			return "No findings: netc's roles and logins hold nothing beyond the intents."
		}
		fixed := 0
		for _, f := range r.Findings {
			if f.Fixed {
				fixed++
			}
		}
		return fmt.Sprintf("%d %s beyond the intents; applying %s takes away %d of them.", len(r.Findings), plural(len(r.Findings), "finding"), r.Script, fixed)
	}
	if len(r.Changes) == 0 {
		return "No changes: the server already is what " + r.Script + " makes it."
	}
	counts := map[Action]int{}
	for _, c := range r.Changes {
		counts[c.Action]++
	}
	if n := counts[Refuse]; n > 0 {
		return fmt.Sprintf("The script would stop before changing anything: it refuses %d %s netc did not create.", n, plural(n, "account"))
	}
	if n := counts[Fail]; n > 0 {
		return fmt.Sprintf("The script would fail and change nothing: %d %s.", n, plural(n, "problem"))
	}
	var parts []string
	for _, a := range []Action{Create, Mark, Alter, Grant, Revoke} {
		if n := counts[a]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", n, a))
		}
	}
	return "Plan: " + strings.Join(parts, ", ") + "."
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// Symbol is the change's mark in text form: + adds, - takes away, ~ changes in place,
// ! stops the script.
func (c Change) Symbol() string {
	switch c.Action {
	case Create, Grant:
		return "+"
	case Revoke:
		return "-"
	case Mark, Alter:
		return "~"
	}
	return "!"
}

func (c Change) account() string { return c.AccountKind + " " + c.Account }

// mark is how the account becomes netc's: its PostgreSQL comment, or netc's record.
func (c Change) mark() string {
	if c.Marker != "" {
		return "marked " + strconv.Quote(c.Marker)
	}
	return c.Detail
}

func (c Change) on() string {
	s := c.Privilege
	if c.Column != "" {
		s += " (" + c.Column + ")"
	}
	return s + " on " + c.Object
}

// String is the change as one line of text.
func (c Change) String() string {
	switch c.Action {
	case Create:
		if c.Account == "" {
			return fmt.Sprintf("create %s (%s)", c.Object, c.Detail)
		}
		s := "create " + c.account()
		if c.Privilege != "" {
			s += " " + c.Privilege
		}
		return s + ", " + c.mark()
	case Mark:
		return fmt.Sprintf("mark %s as netc's, %s", c.account(), c.mark())
	case Alter:
		if c.Privilege == "default role" {
			r := c.Role
			if r == "" {
				r = "NONE"
			}
			return fmt.Sprintf("set the default role of %s to %s", c.account(), r)
		}
		if c.Detail == "server-wide privileges" {
			return fmt.Sprintf("alter %s: take away the server-wide privileges %s", c.account(), c.Privilege)
		}
		return fmt.Sprintf("alter %s: take away %s", c.account(), c.Privilege)
	case Grant:
		if c.Role != "" {
			return fmt.Sprintf("grant role %s to %s", c.Role, c.account())
		}
		return fmt.Sprintf("grant %s to %s", c.on(), c.account())
	case Revoke:
		switch {
		case c.Role != "" && c.Privilege != "":
			return fmt.Sprintf("revoke %s for role %s from %s", c.Privilege, c.Role, c.account())
		case c.Role != "":
			return fmt.Sprintf("revoke role %s from %s", c.Role, c.account())
		}
		return fmt.Sprintf("revoke %s from %s", c.on(), c.account())
	case Refuse:
		return fmt.Sprintf("refuse %s: %s", c.account(), c.Detail)
	}
	if c.Account != "" {
		return fmt.Sprintf("fail: %s owns %s: %s", c.account(), c.Object, c.Detail)
	}
	return fmt.Sprintf("fail: %s %s", c.Object, c.Detail)
}

// String is the finding as one line of text.
func (f Finding) String() string {
	who := f.AccountKind + " " + f.Account
	on := f.Privilege
	if f.Column != "" {
		on += " (" + f.Column + ")"
	}
	if f.Object != "" {
		on += " on " + f.Object
	}
	var s string
	switch f.What {
	case "attribute":
		s = who + " has " + f.Privilege
	case "membership":
		s = who + " is a member of role " + f.Role
		if f.Privilege != "" {
			s += " with " + f.Privilege
		}
	case "owner":
		s = who + " owns " + f.Object
	case "grant option":
		if f.Privilege == "GRANT OPTION" {
			s = who + " may grant its privileges on " + f.Object + " to others"
		} else {
			s = who + " may grant " + on + " to others"
		}
	default:
		s = who + " holds " + on
	}
	if f.Detail != "" {
		s += " (" + f.Detail + ")"
	}
	if f.Fixed {
		return s + "; the script takes it away"
	}
	return s + "; the script leaves it: take it away by hand"
}
