package kubestate

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Formats are the report formats: text, md and json.
var Formats = []string{"text", "md", "json"}

// headline is a finding's first line without the object: what is wrong.
func (f *Finding) headline() string {
	switch f.Class {
	case Missing:
		return "missing"
	case Altered:
		return "altered"
	case Stale:
		return "labelled managed-by netc, but the intents do not generate it"
	case Unmanaged:
		if len(f.Permissions) > 0 {
			return "not netc's; grants beyond the intents"
		}
		return "not netc's; opens paths beyond the intents"
	case Unlocked:
		return "locked down by the intents, but no live NetworkPolicy selects every pod for " + strings.Join(f.Directions, " and ")
	}
	return string(f.Class)
}

// fieldLine is one field difference in words.
func fieldLine(d FieldDiff) string {
	want, live := d.Want, d.Live
	if want == "" {
		want = "absent"
	}
	if live == "" {
		live = "absent"
	}
	return fmt.Sprintf("%s: %s in the intents, %s live", d.Path, want, live)
}

func pathLine(p Path) string { return fmt.Sprintf("%s => %s : %s", p.Src, p.Dst, p.Conn) }

// summary is the last line: the counts by class.
func (r *Report) summary() string {
	if r.Clean() {
		return fmt.Sprintf("netc audit: no findings: %d objects of netc match the intents, and nothing live opens a path or grants beyond them", r.Compared)
	}
	if len(r.Findings) == 0 {
		// Policies that open nothing alone can open paths together.
		return fmt.Sprintf("netc audit: no object alone goes beyond the intents, but together the live policies open %s beyond them; %d objects of netc compared",
			plural(len(r.Beyond), "path"), r.Compared)
	}
	counts := map[Class]int{}
	for _, f := range r.Findings {
		counts[f.Class]++
	}
	var parts []string
	for _, c := range classes {
		if counts[c] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[c], c))
		}
	}
	return fmt.Sprintf("netc audit: %s (%s), %s beyond the intents; %d objects of netc compared",
		plural(len(r.Findings), "finding"), strings.Join(parts, ", "), plural(len(r.Beyond), "path"), r.Compared)
}

// opening counts the findings with paths: when there is one, its paths are all the
// paths beyond the intents, and the text report does not repeat them.
func (r *Report) opening() int {
	n := 0
	for _, f := range r.Findings {
		if len(f.Paths) > 0 {
			n++
		}
	}
	return n
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// WriteText prints the report for a terminal: one block per finding, the paths
// beyond the intents in all, and a summary line.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s: %s", f.Object, f.headline())
		if f.Where != "" {
			fmt.Fprintf(&b, " (%s)", f.Where)
		}
		b.WriteByte('\n')
		for _, d := range f.Fields {
			fmt.Fprintf(&b, "    %s\n", fieldLine(d))
		}
		for _, p := range f.Permissions {
			fmt.Fprintf(&b, "    %s: %s\n", p.Subject, p.Grants)
		}
		indent := "    "
		if len(f.Paths) > 0 && f.Class != Unmanaged {
			b.WriteString("    opens beyond the intents:\n")
			indent = "      "
		}
		for _, p := range f.Paths {
			fmt.Fprintf(&b, "%s%s\n", indent, pathLine(p))
		}
	}
	if len(r.Beyond) > 0 && r.opening() != 1 {
		fmt.Fprintf(&b, "open live beyond the intents, all findings together (%d):\n", len(r.Beyond))
		for _, p := range r.Beyond {
			fmt.Fprintf(&b, "    %s\n", pathLine(p))
		}
	}
	b.WriteString(r.summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown prints the report as a table of findings and one of the paths beyond
// the intents, for a pull request comment or a CI summary.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("## netc audit\n\n" + mdEscape(r.summary()) + "\n")
	if len(r.Findings) > 0 {
		b.WriteString("\n| finding | object | where | details |\n|---|---|---|---|\n")
		for _, f := range r.Findings {
			var details []string
			for _, d := range f.Fields {
				details = append(details, "`"+d.Path+"`: "+strings.TrimPrefix(fieldLine(d), d.Path+": "))
			}
			for _, p := range f.Permissions {
				details = append(details, p.Subject+": "+p.Grants)
			}
			for _, p := range f.Paths {
				details = append(details, "opens "+pathLine(p))
			}
			if f.Class == Unlocked {
				details = append(details, "no default deny for "+strings.Join(f.Directions, " and "))
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", f.Class, mdEscape(f.Object.String()), mdEscape(f.Where), mdEscape(strings.Join(details, "<br>")))
		}
	}
	if len(r.Beyond) > 0 {
		b.WriteString("\nOpen live beyond the intents, all findings together:\n\n| src | dst | conn |\n|---|---|---|\n")
		for _, p := range r.Beyond {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", mdEscape(p.Src), mdEscape(p.Dst), mdEscape(p.Conn))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// WriteJSON prints the report as one JSON object: {"clean", "findings", "beyond",
// "compared", "live"}.
func (r *Report) WriteJSON(w io.Writer) error {
	out := struct {
		Clean bool `json:"clean"`
		*Report
	}{r.Clean(), r}
	if out.Findings == nil {
		out.Findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// Write prints the report in format, one of Formats.
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case "md":
		return r.WriteMarkdown(w)
	case "json":
		return r.WriteJSON(w)
	}
	return r.WriteText(w)
}
