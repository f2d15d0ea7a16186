package conformance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLiveImport applies the import fixture (testdata/import) to a real API server and
// runs `netc import --cluster` as the auditor, who may only get, list and watch: the
// network program must be the one `netc import --manifests` writes from the same files,
// every grant of the files' import must be in the live one (which also holds the
// cluster's own system bindings), and the audit log must show list requests only.
func TestLiveImport(t *testing.T) {
	c := startCluster(t)
	for _, ns := range []string{"payments", "staging"} {
		c.kubectl(t, "", "create", "namespace", ns)
	}
	// The API server refuses a subject of an unknown kind: the fixture without it.
	in := filepath.Join(c.dir, "fixture")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"network.yaml", "foreign-rbac.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata/import", name))
		if err != nil {
			t.Fatal(err)
		}
		valid := strings.ReplaceAll(string(data), "- {kind: Robot, name: r2d2}\n", "")
		if err := os.WriteFile(filepath.Join(in, name), []byte(valid), 0o644); err != nil {
			t.Fatal(err)
		}
		c.kubectl(t, "", "apply", "-f", filepath.Join(in, name))
	}

	files, live := filepath.Join(c.dir, "from-files"), filepath.Join(c.dir, "from-cluster")
	if _, stderr, code := c.netc(t, "import", "--manifests", in, "-o", files, "--allow-partial"); code != 0 {
		t.Fatalf("netc import --manifests: exit %d\n%s", code, stderr)
	}
	if _, stderr, code := c.netc(t, "import", "--cluster", "--kubeconfig", c.auditor, "-o", live, "--allow-partial"); code != 0 {
		t.Fatalf("netc import --cluster: exit %d\n%s", code, stderr)
	}
	read := func(dir, name string) string {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	for _, name := range []string{"shop.net", "_externals.net"} {
		if a, b := read(files, name), read(live, name); a != b {
			t.Errorf("%s differs between the import of the files and of the cluster:\n--- files\n%s\n--- cluster\n%s", name, a, b)
		}
	}
	liveAccess := read(live, "_access.net")
	for _, l := range strings.Split(read(files, "_access.net"), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") && !strings.Contains(liveAccess, l) {
			t.Errorf("the import of the cluster lacks the grant %q", l)
		}
	}
	if _, stderr, code := c.netc(t, "check", live); code != 0 {
		t.Errorf("netc check of the cluster's import: exit %d\n%s", code, stderr)
	}
	verbs := c.auditVerbs(t, "auditor")
	if _, ok := verbs["list"]; !ok || len(verbs) != 1 {
		t.Errorf("netc import --cluster's requests by verb: %v; want list only", verbs)
	}
}
