package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestSARIFValidator has Microsoft's SARIF validator (`npm install
// @microsoft/sarif-multitool@5.7.0`) check the SARIF netc check writes for every
// example and every golden case, clean or not: it must report no error and no
// warning. The validator is found as sarif-multitool on PATH; without it the test
// skips, loudly, unless NETC_REQUIRE_SARIF=1 (as .ci/run sets).
func TestSARIFValidator(t *testing.T) {
	tool, err := exec.LookPath("sarif-multitool")
	if err != nil {
		if os.Getenv("NETC_REQUIRE_SARIF") == "1" {
			t.Fatal("sarif-multitool is not on PATH and NETC_REQUIRE_SARIF=1 (npm install @microsoft/sarif-multitool@5.7.0)")
		}
		t.Skip("\n\n!!! sarif-multitool IS NOT ON PATH (npm install @microsoft/sarif-multitool@5.7.0)\n" +
			"!!! THE SARIF VALIDATION DID NOT RUN. NETC_REQUIRE_SARIF=1 makes this a failure.\n")
	}
	out := t.TempDir()
	var logs []string
	sarif := func(name, dir string, args ...string) {
		t.Helper()
		wd, _ := os.Getwd()
		if err := os.Chdir(dir); err != nil {
			t.Fatal(err)
		}
		defer os.Chdir(wd)
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"check", "--format", "sarif"}, args...), env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr})
		if code == exitUsage {
			t.Fatalf("%s: exit %d: %s", name, code, stderr.Bytes())
		}
		p := filepath.Join(out, fmt.Sprintf("%04d.sarif", len(logs)))
		if err := os.WriteFile(p, stdout.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		logs = append(logs, p)
	}
	examples, _ := filepath.Abs("../../examples")
	for _, d := range []string{".", "shop", "payments", "tenants"} {
		sarif("examples/"+d, filepath.Join(examples, d), ".")
	}
	cases, _ := filepath.Glob("../../testdata/*/*.txtar")
	for _, c := range cases {
		ar, err := txtar.ParseFile(c)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		n := 0
		for _, f := range ar.Files {
			if strings.HasSuffix(f.Name, ".net") || f.Name == "netc.hcl" {
				os.MkdirAll(filepath.Join(dir, filepath.Dir(f.Name)), 0o755)
				os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644)
				n++
			}
		}
		if n > 0 {
			sarif(c, dir, ".")
		}
	}
	if len(logs) < 200 {
		t.Fatalf("only %d SARIF logs", len(logs))
	}
	cmd := exec.Command(tool, append([]string{"validate"}, logs...)...)
	res, err := cmd.CombinedOutput()
	problems := regexp.MustCompile(`(?m)^.*: (error|warning) [A-Z]+\d+: .*$`).FindAll(res, -1)
	if err != nil || len(problems) > 0 || !bytes.Contains(res, []byte(fmt.Sprintf("%d files scanned", len(logs)))) {
		t.Errorf("sarif-multitool validate (%v) on %d logs:\n%s", err, len(logs), res)
	}
	t.Logf("%d SARIF logs valid", len(logs))
}
