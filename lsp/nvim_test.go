package lsp

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestNeovim drives `netc lsp` with a client nobody here wrote: Neovim's built-in LSP
// client (Debian's Neovim 0.7), headless, running testdata/nvim/test.lua on a copy of
// examples/shop: it introduces errors and a warning and reads the diagnostics, hovers,
// goes to definitions, renames across files and formats. Its output must equal
// testdata/nvim/want.txt (NETC_UPDATE=1 rewrites it). Without nvim the test skips,
// loudly, unless NETC_REQUIRE_NVIM=1, when it fails.
func TestNeovim(t *testing.T) {
	nvim, err := exec.LookPath("nvim")
	if err != nil {
		if os.Getenv("NETC_REQUIRE_NVIM") == "1" {
			t.Fatal("nvim is not installed and NETC_REQUIRE_NVIM=1 (apt-get install neovim)")
		}
		t.Skip("\n\n!!! nvim IS NOT INSTALLED (apt-get install neovim)\n" +
			"!!! THE NEOVIM TEST OF netc lsp DID NOT RUN. NETC_REQUIRE_NVIM=1 makes this a failure.\n")
	}
	if testing.Short() {
		t.Skip("builds netc")
	}
	tmp := t.TempDir()
	netc := filepath.Join(tmp, "netc")
	build := exec.Command("go", "build", "-o", netc, "../cmd/netc")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	root := copyTree(t, "../examples/shop")
	script, err := filepath.Abs("testdata/nvim/test.lua")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "out.txt")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nvim, "--headless", "-u", "NONE", "-i", "NONE", "-c", "luafile "+script)
	cmd.Env = append(os.Environ(), "NETC="+netc, "ROOT="+root, "OUT="+out, "HOME="+tmp, "XDG_STATE_HOME="+tmp, "XDG_DATA_HOME="+tmp)
	cmd.Dir = tmp
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("nvim: %v\n%s", err, stderr.Bytes())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("nvim wrote no output: %v\n%s", err, stderr.Bytes())
	}
	got = bytes.ReplaceAll(got, []byte(root), []byte("ROOT"))
	if os.Getenv("NETC_UPDATE") == "1" {
		if err := os.WriteFile("testdata/nvim/want.txt", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("testdata/nvim/want.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Neovim's session differs from testdata/nvim/want.txt:\n--- got\n%s\n--- want\n%s", got, want)
	}
}
