package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestFmtWriteKeepsMode checks what the scripts cannot see: -w replaces a file with
// one of the same permissions, and leaves nothing else in its directory.
func TestFmtWriteKeepsMode(t *testing.T) {
	for _, mode := range []os.FileMode{0o600, 0o640, 0o755} {
		dir := t.TempDir()
		p := filepath.Join(dir, "app.net")
		if err := os.WriteFile(p, []byte("a->b:80\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		if st := run([]string{"fmt", "-w", p}, env{stdin: &bytes.Buffer{}, stdout: &stdout, stderr: &stderr}); st != exitOK {
			t.Fatalf("exit %d: %s", st, stderr.String())
		}
		data, err := os.ReadFile(p)
		if err != nil || string(data) != "a -> b:80\n" {
			t.Fatalf("after -w: %q, %v", data, err)
		}
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != mode {
			t.Errorf("mode %v after -w, want %v", st.Mode().Perm(), mode)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Errorf("%d entries in the directory after -w, want 1", len(ents))
		}
	}
}
