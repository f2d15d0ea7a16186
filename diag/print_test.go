package diag

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func span(file string, line, col, endCol int) Span {
	return Span{File: file, Start: Pos{Line: line, Col: col}, End: Pos{Line: line, Col: endCol}}
}

func sample() List {
	return List{
		{Severity: Warning, Rule: "any-port", Span: span("b.net", 2, 1, 9), Message: "intent allows every port", Detail: "Name the ports."},
		{Severity: Error, Span: span("a.net", 3, 5, 8), Message: `unknown service "db"`,
			Related: []Related{{Span: span("a.net", 1, 1, 4), Message: "namespace declared here"}}},
		{Severity: Info, Rule: "cross-namespace", Span: span("a.net", 1, 10, 12), Message: "intent crosses namespaces"},
	}
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, sample(), 0); err != nil {
		t.Fatal(err)
	}
	want := `a.net:1:10: info: intent crosses namespaces [cross-namespace]
a.net:3:5: error: unknown service "db"
	a.net:1:1: namespace declared here
b.net:2:1: warning: intent allows every port [any-port]
`
	if b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestWriteTextDoesNotReorderCallersList(t *testing.T) {
	l := sample()
	first := l[0]
	WriteText(&bytes.Buffer{}, l, 0)
	if l[0].Message != first.Message {
		t.Fatal("WriteText sorted the caller's list in place")
	}
}

func TestWriteTextBounded(t *testing.T) {
	var l List
	for i := range 100000 {
		l = append(l, Diagnostic{Span: span("big.net", i+1, 1, 2), Message: "unexpected \"@\""})
	}
	var b bytes.Buffer
	if err := WriteText(&b, l, DefaultLimit); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 101 {
		t.Fatalf("%d lines", len(lines))
	}
	if lines[0] != `big.net:1:1: error: unexpected "@"` || lines[99] != `big.net:100:1: error: unexpected "@"` {
		t.Fatalf("first/last shown: %q / %q", lines[0], lines[99])
	}
	if lines[100] != "... and 99900 more errors (100000 total)" {
		t.Fatalf("summary: %q", lines[100])
	}
}

func TestWriteTextBoundedShowsErrorsFirst(t *testing.T) {
	var l List
	for i := range 5 {
		l = append(l, Diagnostic{Severity: Warning, Rule: "any-port", Span: span("a.net", i+1, 1, 2), Message: "w"})
	}
	l = append(l, Diagnostic{Severity: Error, Span: span("a.net", 10, 1, 2), Message: "e"})
	l = append(l, Diagnostic{Severity: Info, Rule: "cross-namespace", Span: span("a.net", 11, 1, 2), Message: "i"})
	var b bytes.Buffer
	WriteText(&b, l, 3)
	want := `a.net:1:1: warning: w [any-port]
a.net:2:1: warning: w [any-port]
a.net:10:1: error: e
... and 4 more diagnostics: 3 warnings, 1 info (7 total)
`
	if b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	WriteText(&b, l[:6], 5)
	if got := b.String()[strings.LastIndex(strings.TrimSuffix(b.String(), "\n"), "\n")+1:]; got != "... and 1 more warning (6 total)\n" {
		t.Fatalf("summary: %q", got)
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sample()); err != nil {
		t.Fatal(err)
	}
	want := `{
  "version": 1,
  "diagnostics": [
    {
      "file": "a.net",
      "line": 1,
      "column": 10,
      "endLine": 1,
      "endColumn": 12,
      "severity": "info",
      "rule": "cross-namespace",
      "message": "intent crosses namespaces",
      "detail": "",
      "related": []
    },
    {
      "file": "a.net",
      "line": 3,
      "column": 5,
      "endLine": 3,
      "endColumn": 8,
      "severity": "error",
      "rule": "",
      "message": "unknown service \"db\"",
      "detail": "",
      "related": [
        {
          "file": "a.net",
          "line": 1,
          "column": 1,
          "endLine": 1,
          "endColumn": 4,
          "message": "namespace declared here"
        }
      ]
    },
    {
      "file": "b.net",
      "line": 2,
      "column": 1,
      "endLine": 2,
      "endColumn": 9,
      "severity": "warning",
      "rule": "any-port",
      "message": "intent allows every port",
      "detail": "Name the ports.",
      "related": []
    }
  ],
  "errors": 1,
  "warnings": 1,
  "infos": 1
}
`
	if b.String() != want {
		t.Fatalf("got:\n%s", b.String())
	}
	b.Reset()
	WriteJSON(&b, nil)
	if !strings.Contains(b.String(), `"diagnostics": []`) {
		t.Fatalf("empty list: %s", b.String())
	}
}

func TestWriteSARIF(t *testing.T) {
	src := map[string]string{
		"a.net": "ns é🙂 -> db\n\n    x -> db\n",
	}
	l := List{
		// Byte column 11 is the "-" after "ns é🙂 ".
		{Severity: Error, Span: Span{File: "a.net", Start: Pos{Line: 1, Col: 11}, End: Pos{Line: 1, Col: 13}}, Message: "bad"},
		{Severity: Warning, Rule: "any-port", Span: span("a.net", 3, 5, 12), Message: "every port", Detail: "Name the ports.",
			Related: []Related{{Span: span("a.net", 1, 1, 3), Message: "here"}}},
		{Severity: Info, Rule: "not-in-table", Span: Span{File: "dir/my file.net"}, Message: "no position"},
	}
	var b bytes.Buffer
	err := WriteSARIF(&b, l, SARIFOptions{
		Version: "v1.2.3",
		Rules:   []RuleInfo{{ID: "wildcard-verb", Severity: Error, Doc: "a grant uses *", Remediation: "Name verbs."}, {ID: "any-port", Severity: Warning, Doc: "an intent with no port", Remediation: "Name the ports."}},
		Source:  func(f string) []byte { return []byte(src[f]) },
	})
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			ColumnKind string `json:"columnKind"`
			Tool       struct {
				Driver struct {
					Name, Version string
					Rules         []struct {
						ID                   string `json:"id"`
						DefaultConfiguration struct{ Level string }
						ShortDescription     struct{ Text string }
					}
				}
			}
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex *int   `json:"ruleIndex"`
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
						}
						Region *struct{ StartLine, StartColumn, EndLine, EndColumn int }
					}
				}
				RelatedLocations []json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("log: %+v", log)
	}
	run := log.Runs[0]
	d := run.Tool.Driver
	if d.Name != "netc" || d.Version != "v1.2.3" || len(d.Rules) != 3 || d.Rules[1].ID != "any-port" ||
		d.Rules[1].DefaultConfiguration.Level != "warning" || d.Rules[2].ID != PlainRuleID || d.Rules[0].ShortDescription.Text != "a grant uses *" {
		t.Fatalf("driver: %+v", d)
	}
	if run.ColumnKind != "utf16CodeUnits" || len(run.Results) != 3 {
		t.Fatalf("run: %+v", run)
	}
	r0, r1, r2 := run.Results[0], run.Results[1], run.Results[2]
	reg := r0.Locations[0].PhysicalLocation.Region
	// "ns é🙂 " is 1+1+1+2+4+1 = 10 bytes but 1+1+1+1+2+1 = 7 UTF-16 units.
	if r0.RuleID != PlainRuleID || *r0.RuleIndex != 2 || r0.Level != "error" || reg == nil || reg.StartColumn != 8 || reg.EndColumn != 10 {
		t.Fatalf("result 0: %+v region %+v", r0, reg)
	}
	reg = r1.Locations[0].PhysicalLocation.Region
	if r1.RuleID != "any-port" || *r1.RuleIndex != 1 || r1.Level != "warning" || r1.Message.Text != "every port\n\nName the ports." ||
		reg.StartLine != 3 || reg.StartColumn != 5 || len(r1.RelatedLocations) != 1 {
		t.Fatalf("result 1: %+v", r1)
	}
	loc := r2.Locations[0].PhysicalLocation
	if r2.RuleIndex != nil || r2.Level != "note" || loc.Region != nil || loc.ArtifactLocation.URI != "dir/my%20file.net" || loc.ArtifactLocation.URIBaseID != "%SRCROOT%" {
		t.Fatalf("result 2: %+v", r2)
	}
	if strings.Contains(b.String(), "ruleIndex\": -") {
		t.Fatal("negative ruleIndex")
	}
}
