package diag

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// WriteGitHub writes l, sorted, as GitHub Actions workflow commands, one line each,
// which a workflow run turns into annotations on the pull request's files:
//
//	::error file=app.net,line=2,col=21,endLine=2,endColumn=26,title=netc::port 99999 is out of range; ports are 1 to 65535
//	::warning file=app.net,line=1,col=13,endLine=1,endColumn=20,title=any-port::intent to ...
//
// Errors are `error`, warnings `warning`, infos `notice`. The title is the rule id, or
// "netc" for a plain error. Columns are those of the text form (1-based, in bytes) and
// endColumn is just past the span, as in the JSON form. The message is followed by
// the detail and the related locations on lines of their own (encoded as %0A, as
// workflow commands require, with % and CR encoded too; properties also encode ':' and ',').
func WriteGitHub(w io.Writer, l List) error {
	bw := bufio.NewWriter(w)
	for _, d := range sorted(l) {
		level := "error"
		switch d.Severity {
		case Warning:
			level = "warning"
		case Info:
			level = "notice"
		}
		var props []string
		if d.Span.File != "" {
			props = append(props, "file="+ghProperty(d.Span.File))
		}
		if d.Span.IsValid() {
			props = append(props, "line="+strconv.Itoa(d.Span.Start.Line), "col="+strconv.Itoa(d.Span.Start.Col))
			if d.Span.End.IsValid() {
				props = append(props, "endLine="+strconv.Itoa(d.Span.End.Line), "endColumn="+strconv.Itoa(d.Span.End.Col))
			}
		}
		title := d.Rule
		if title == "" {
			title = "netc"
		}
		props = append(props, "title="+ghProperty(title))
		msg := d.Message
		if d.Detail != "" {
			msg += "\n" + d.Detail
		}
		for _, r := range d.Related {
			msg += "\n" + r.Span.String() + ": " + r.Message
		}
		bw.WriteString("::" + level + " " + strings.Join(props, ",") + "::" + ghData(msg) + "\n")
	}
	return bw.Flush()
}

var (
	ghDataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	ghPropertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func ghData(s string) string     { return ghDataEscaper.Replace(s) }
func ghProperty(s string) string { return ghPropertyEscaper.Replace(s) }
