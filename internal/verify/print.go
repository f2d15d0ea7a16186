package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// WriteJSON writes r as one indented JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// maxValue bounds a value shown in text form; JSON has them whole.
const maxValue = 120

// WriteText writes one line per file that differs, its objects and fields (or its line
// diff) indented below, then a summary line.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	dir := strings.TrimSuffix(r.Dir, "/")
	for _, f := range r.Differences {
		fmt.Fprintf(&b, "%s: %s", show(r.Dir, f.Path), f.Change)
		if f.Reason != "" {
			fmt.Fprintf(&b, " (%s)", f.Reason)
		}
		b.WriteByte('\n')
		for _, o := range f.Objects {
			fmt.Fprintf(&b, "  %s: %s\n", o.Ref(), o.Change)
			for _, fd := range o.Fields {
				fmt.Fprintf(&b, "    %s: %s → %s\n", fd.Path, value(fd.Generated), value(fd.Actual))
			}
		}
		for _, l := range strings.SplitAfter(f.Diff, "\n") {
			if l != "" {
				b.WriteString("  " + l)
			}
		}
	}
	if r.Equal() {
		fmt.Fprintf(&b, "%s/ holds exactly what the intents compile to (%d %s)\n", dir, r.Generated, plural(r.Generated, "file"))
	} else {
		counts := map[Change]int{}
		for _, f := range r.Differences {
			counts[f.Change]++
		}
		var parts []string
		for _, c := range []Change{Edited, Added, Removed} {
			if n := counts[c]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s %s", n, plural(n, "file"), c))
			}
		}
		fmt.Fprintf(&b, "%s/ differs from what the intents compile to: %s; run netc build to regenerate it\n", dir, strings.Join(parts, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func value(v json.RawMessage) string {
	if v == nil {
		return "(absent)"
	}
	s := string(v)
	if utf8.RuneCountInString(s) > maxValue {
		s = string([]rune(s)[:maxValue-1]) + "…"
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
