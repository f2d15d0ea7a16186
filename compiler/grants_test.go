package compiler

import (
	"strings"
	"testing"

	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
)

// TestWildcardsNeedAWaiver: whatever netc.hcl makes of wildcard-verb and
// wildcard-resource, a "*" compiles only with a waiver on its own line.
func TestWildcardsNeedAWaiver(t *testing.T) {
	const src = `group admins can * configmaps in shop
group sre can get * in shop
group ops can * configmaps in staging # netc:allow wildcard-verb break-glass
`
	for _, sev := range []string{"off", "warning", "info"} {
		hcl := "rules {\n  wildcard-verb = \"" + sev + "\"\n  wildcard-resource = \"" + sev + "\"\n}\n"
		cfg, cd := config.Load(config.FileName, []byte(hcl))
		if cd.HasErrors() {
			t.Fatal(cd)
		}
		p, d := Compile([]Source{{Name: "a.net", Data: []byte(src)}}, Options{Config: cfg})
		if p != nil {
			t.Errorf("%s: the program compiled", sev)
		}
		var errs []string
		for _, x := range d {
			if x.Severity == diag.Error {
				errs = append(errs, x.Span.String()+": "+x.Message)
			}
		}
		want := []string{
			"a.net:1:1: netc emits no Role with every verb (*) on configmaps unless the line waives it with `# netc:allow wildcard-verb REASON`",
			"a.net:2:1: netc emits no Role with a wildcard resource (*) unless the line waives it with `# netc:allow wildcard-resource REASON`",
		}
		if strings.Join(errs, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: errors\n%s\nwant\n%s", sev, strings.Join(errs, "\n"), strings.Join(want, "\n"))
		}
	}
	// At severity error (the default) the rules report them, once.
	_, d := Compile([]Source{{Name: "a.net", Data: []byte(src)}}, Options{})
	for _, x := range d {
		if strings.Contains(x.Message, "netc emits no Role") {
			t.Errorf("reported twice: %v", x)
		}
	}
	if !d.HasErrors() {
		t.Error("no error by default")
	}
}
