package diag

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// DefaultLimit is how many diagnostics the text form prints before it summarises the
// rest: enough for any real mistake, bounded for a file of garbage.
const DefaultLimit = 100

// WriteText writes one line per diagnostic, exactly Diagnostic.String, sorted by file,
// line and column, each followed by its related locations, one per line indented by a
// tab ("\tFILE:LINE:COL: first declared here"), which problem matchers anchored at the
// start of the line skip. When limit > 0 and l holds more, it prints limit of them (errors
// first, then warnings, then infos, so whatever fails the run is shown) in position
// order, then one line saying how many were left out:
//
//	... and 99900 more errors (100000 total)
func WriteText(w io.Writer, l List, limit int) error {
	l = sorted(l)
	shown := l
	if limit > 0 && len(l) > limit {
		shown = firstBySeverity(l, limit)
	}
	bw := bufio.NewWriter(w)
	for _, d := range shown {
		bw.WriteString(d.String())
		bw.WriteByte('\n')
		for _, rel := range d.Related {
			bw.WriteString("\t" + rel.Span.String() + ": " + rel.Message + "\n")
		}
	}
	if len(shown) < len(l) {
		bw.WriteString(omitted(l, shown))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

func sorted(l List) List {
	l = slices.Clone(l)
	l.Sort()
	return l
}

// firstBySeverity keeps the limit most severe diagnostics of the sorted l (by
// position within a severity) and returns them in position order.
func firstBySeverity(l List, limit int) List {
	var counts [Off + 1]int
	for _, d := range l {
		if d.Severity >= Error && d.Severity <= Off {
			counts[d.Severity]++
		}
	}
	// quota[s] is how many of severity s fit once all more severe ones are placed.
	var quota [Off + 1]int
	left := limit
	for s := Error; s <= Off; s++ {
		quota[s] = min(counts[s], left)
		left -= quota[s]
	}
	out := make(List, 0, limit)
	for _, d := range l {
		if d.Severity >= Error && d.Severity <= Off && quota[d.Severity] > 0 {
			quota[d.Severity]--
			out = append(out, d)
		}
	}
	return out
}

func omitted(all, shown List) string {
	var n [Off + 1]int
	total := 0
	for _, d := range all {
		if d.Severity >= Error && d.Severity <= Off {
			n[d.Severity]++
		}
	}
	for _, d := range shown {
		if d.Severity >= Error && d.Severity <= Off {
			n[d.Severity]--
		}
	}
	var parts []string
	noun := ""
	for s := Error; s <= Off; s++ {
		if n[s] > 0 {
			noun = plural(n[s], s.String())
			parts = append(parts, fmt.Sprintf("%d %s", n[s], noun))
			total += n[s]
		}
	}
	if len(parts) == 1 {
		return fmt.Sprintf("... and %d more %s (%d total)", total, noun, len(all))
	}
	return fmt.Sprintf("... and %d more diagnostics: %s (%d total)", total, strings.Join(parts, ", "), len(all))
}

func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// JSON is the document WriteJSON writes. Its field names are a stable interface:
// fields may be added, never renamed or removed. Lines and columns are 1-based, columns
// count bytes, and end positions are exclusive; 0 means the position is unknown.
type JSON struct {
	Version     int        `json:"version"` // 1
	Diagnostics []JSONDiag `json:"diagnostics"`
	Errors      int        `json:"errors"`
	Warnings    int        `json:"warnings"`
	Infos       int        `json:"infos"`
}

// JSONDiag is one diagnostic in WriteJSON's output.
type JSONDiag struct {
	File      string        `json:"file"`
	Line      int           `json:"line"`
	Column    int           `json:"column"`
	EndLine   int           `json:"endLine"`
	EndColumn int           `json:"endColumn"`
	Severity  string        `json:"severity"`
	Rule      string        `json:"rule"`
	Message   string        `json:"message"`
	Detail    string        `json:"detail"`
	Related   []JSONRelated `json:"related"`
}

// JSONRelated is one related location of a JSONDiag.
type JSONRelated struct {
	File      string `json:"file"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"endLine"`
	EndColumn int    `json:"endColumn"`
	Message   string `json:"message"`
}

// WriteJSON writes l, sorted, as one indented JSON document (type JSON).
func WriteJSON(w io.Writer, l List) error {
	l = sorted(l)
	doc := JSON{Version: 1, Diagnostics: make([]JSONDiag, 0, len(l)),
		Errors: l.Count(Error), Warnings: l.Count(Warning), Infos: l.Count(Info)}
	for _, d := range l {
		jd := JSONDiag{
			File: d.Span.File, Line: d.Span.Start.Line, Column: d.Span.Start.Col,
			EndLine: d.Span.End.Line, EndColumn: d.Span.End.Col,
			Severity: d.Severity.String(), Rule: d.Rule, Message: d.Message, Detail: d.Detail,
			Related: make([]JSONRelated, 0, len(d.Related)),
		}
		for _, r := range d.Related {
			jd.Related = append(jd.Related, JSONRelated{
				File: r.Span.File, Line: r.Span.Start.Line, Column: r.Span.Start.Col,
				EndLine: r.Span.End.Line, EndColumn: r.Span.End.Col, Message: r.Message,
			})
		}
		doc.Diagnostics = append(doc.Diagnostics, jd)
	}
	return encodeJSON(w, doc)
}

func encodeJSON(w io.Writer, v any) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return bw.Flush()
}

// RuleInfo describes one rule for SARIF's rule metadata. The compiler owns the rule
// table; the caller converts it, so diag stays a leaf package.
type RuleInfo struct {
	ID          string
	Severity    Severity // default severity
	Doc         string   // one line: what it finds
	Remediation string
}

// PlainRuleID is the SARIF rule id of diagnostics that belong to no rule (syntax
// errors, unknown names, failed assertions): code-scanning tools want every result to
// name a rule.
const PlainRuleID = "netc"

// SARIFOptions describe the run WriteSARIF reports.
type SARIFOptions struct {
	Version string     // netc's version
	Rules   []RuleInfo // the rule table, in the order `netc rules` lists it
	// Source, when set, returns a file's bytes so columns can be given in UTF-16 code
	// units, as the log declares; without it columns count bytes, which is the same
	// for ASCII text only.
	Source func(file string) []byte
}

// WriteSARIF writes l, sorted, as a SARIF 2.1.0 log with one run of netc.
func WriteSARIF(w io.Writer, l List, opts SARIFOptions) error {
	l = sorted(l)
	rules := make([]sarifRule, 0, len(opts.Rules)+1)
	index := map[string]int{}
	for _, r := range opts.Rules {
		index[r.ID] = len(rules)
		rules = append(rules, sarifRule{
			ID:                   r.ID,
			ShortDescription:     sarifText{r.Doc},
			Help:                 sarifText{r.Remediation},
			DefaultConfiguration: sarifConfig{Level: sarifLevel(r.Severity)},
		})
	}
	index[PlainRuleID] = len(rules)
	rules = append(rules, sarifRule{
		ID:                   PlainRuleID,
		ShortDescription:     sarifText{"The program is not valid netc: a syntax error, a bad name or reference, a failed assertion."},
		Help:                 sarifText{"Fix the construct the message points at; these findings are not rules and cannot be waived."},
		DefaultConfiguration: sarifConfig{Level: "error"},
	})
	conv := columnConverter{source: opts.Source, cache: map[string][]int{}}
	results := make([]sarifResult, 0, len(l))
	for _, d := range l {
		id := d.Rule
		if id == "" {
			id = PlainRuleID
		}
		var idx *int // nil for a rule the table does not list
		if i, known := index[id]; known {
			idx = &i
		}
		text := d.Message
		if d.Detail != "" {
			text += "\n\n" + d.Detail
		}
		res := sarifResult{
			RuleID: id, RuleIndex: idx, Level: sarifLevel(d.Severity), Message: sarifText{text},
			Locations: []sarifLocation{conv.location(d.Span, "")},
		}
		for i, r := range d.Related {
			loc := conv.location(r.Span, r.Message)
			loc.ID = i + 1
			res.RelatedLocations = append(res.RelatedLocations, loc)
		}
		results = append(results, res)
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name: "netc", Version: opts.Version,
				InformationURI: "https://github.com/netc-dev/netc",
				Rules:          rules,
			}},
			ColumnKind: "utf16CodeUnits",
			Results:    results,
		}},
	}
	return encodeJSON(w, log)
}

func sarifLevel(s Severity) string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	case Info:
		return "note"
	}
	return "none"
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool     `json:"tool"`
	ColumnKind string        `json:"columnKind"`
	Results    []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string      `json:"id"`
	ShortDescription     sarifText   `json:"shortDescription"`
	Help                 sarifText   `json:"help"`
	DefaultConfiguration sarifConfig `json:"defaultConfiguration"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID           string          `json:"ruleId"`
	RuleIndex        *int            `json:"ruleIndex,omitempty"`
	Level            string          `json:"level"`
	Message          sarifText       `json:"message"`
	Locations        []sarifLocation `json:"locations"`
	RelatedLocations []sarifLocation `json:"relatedLocations,omitempty"`
}

type sarifLocation struct {
	ID               int                   `json:"id,omitempty"`
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
	Message          *sarifText            `json:"message,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

// columnConverter turns byte columns into UTF-16 columns using the file's text.
type columnConverter struct {
	source func(string) []byte
	cache  map[string][]int // line start offsets per file
	data   map[string][]byte
}

func (c *columnConverter) location(s Span, msg string) sarifLocation {
	loc := sarifLocation{PhysicalLocation: sarifPhysicalLocation{ArtifactLocation: artifact(s.File)}}
	if msg != "" {
		loc.Message = &sarifText{msg}
	}
	if s.Start.IsValid() {
		r := &sarifRegion{StartLine: s.Start.Line, StartColumn: c.column(s.File, s.Start)}
		if s.End.IsValid() {
			r.EndLine, r.EndColumn = s.End.Line, c.column(s.File, s.End)
		}
		loc.PhysicalLocation.Region = r
	}
	return loc
}

func artifact(file string) sarifArtifact {
	if file == "" {
		file = "-"
	}
	slash := filepath.ToSlash(file)
	u := (&url.URL{Path: slash}).EscapedPath()
	if filepath.IsAbs(file) {
		return sarifArtifact{URI: (&url.URL{Scheme: "file", Path: "/" + strings.TrimPrefix(slash, "/")}).String()}
	}
	return sarifArtifact{URI: u, URIBaseID: "%SRCROOT%"}
}

// column converts p's byte column to a UTF-16 column (1-based) when the source is
// available and p's line is in it; otherwise it returns the byte column.
func (c *columnConverter) column(file string, p Pos) int {
	if c.source == nil {
		return p.Col
	}
	if c.data == nil {
		c.data = map[string][]byte{}
	}
	src, ok := c.data[file]
	if !ok {
		src = c.source(file)
		c.data[file] = src
		starts := []int{0}
		for i, b := range src {
			if b == '\n' {
				starts = append(starts, i+1)
			}
		}
		c.cache[file] = starts
	}
	starts := c.cache[file]
	if src == nil || p.Line > len(starts) {
		return p.Col
	}
	lineStart := starts[p.Line-1]
	end := min(lineStart+p.Col-1, len(src))
	col := 1
	for off := lineStart; off < end; {
		r, n := utf8.DecodeRune(src[off:])
		off += n
		if r >= 0x10000 {
			col += 2
		} else {
			col++
		}
	}
	return col
}
