package lsp

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/netc-dev/netc/compiler"
)

// TestRulesDoc keeps docs/rules.md, where diagnostics' codeDescription links point
// (RuleURL), in step with the rule table: one heading per rule, whose anchor is its id.
// NETC_UPDATE=1 rewrites the page.
func TestRulesDoc(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`# Rules

<!-- Generated from the rule table by lsp/rules_doc_test.go (NETC_UPDATE=1 go test ./lsp). Do not edit. -->

netc's least-privilege rules, as ` + "`netc rules`" + ` lists them. Each finding names its rule
id; editors link each finding to its rule's heading here (` + "`docs/rules.md#RULE-ID`" + `).
A rule's severity is set in ` + "`netc.hcl`" + ` (` + "`rules { RULE-ID = \"error\" | \"warning\" | \"info\" | \"off\" }`" + `),
and one finding is waived with ` + "`# netc:allow RULE-ID reason`" + ` at the end of its line.
What each rule checks in depth: [language.md](language.md), [rbac.md](rbac.md),
[sql.md](sql.md).
`)
	for _, r := range compiler.Rules() {
		fmt.Fprintf(&b, "\n## %s\n\nDefault severity: %s.\n\n%s.\n\n%s\n", r.ID, r.Severity, upperFirst(r.Doc), r.Remediation)
	}
	const path = "../docs/rules.md"
	if os.Getenv("NETC_UPDATE") == "1" {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, b.Bytes()) {
		t.Errorf("docs/rules.md is not the rule table's; run NETC_UPDATE=1 go test -run TestRulesDoc ./lsp")
	}
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
