package outdir

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/netc-dev/netc/backends/artifact"
)

// TestMain lets the concurrency test run this binary as a separate build process.
func TestMain(m *testing.M) {
	if dir := os.Getenv("NETC_OUTDIR_HELPER"); dir != "" {
		files := contentSet(os.Getenv("NETC_OUTDIR_SET"))
		for range 20 {
			if err := Write(dir, files); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(3)
			}
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func files(kv ...string) []artifact.File {
	var fs []artifact.File
	for i := 0; i < len(kv); i += 2 {
		fs = append(fs, artifact.File{Path: kv[i], Data: []byte(kv[i+1])})
	}
	return fs
}

// entry is what snapshot records of one path: its kind and its bytes or link target.
type entry struct {
	kind string
	data string
}

// snapshot records every path under dir, so tests can demand "byte for byte as it was".
func snapshot(t *testing.T, dir string) map[string]entry {
	t.Helper()
	snap := map[string]entry{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			snap[rel] = entry{"link", target}
		case d.IsDir():
			snap[rel] = entry{"dir", ""}
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			snap[rel] = entry{"file", string(data)}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// generated is the snapshot without the manifest and directories: the files a user sees.
func generated(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for p, e := range snapshot(t, dir) {
		if e.kind == "file" && p != ManifestName {
			out[p] = e.data
		}
	}
	return out
}

func writeFile(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, dir string, fs []artifact.File) {
	t.Helper()
	if err := Write(dir, fs); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func wantErr(t *testing.T, err error, substr string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Write succeeded, want error containing %q", substr)
	}
	if !strings.Contains(err.Error(), substr) {
		t.Fatalf("error %q does not contain %q", err, substr)
	}
}

func TestWriteCreatesTreeAndManifest(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b", "out")
	fs := files("kubernetes/shop/policies.yaml", "p\n", "kustomization.yaml", "k\n", "sql/db.sql", "s\n")
	mustWrite(t, dir, fs)
	got := generated(t, dir)
	want := map[string]string{"kubernetes/shop/policies.yaml": "p\n", "kustomization.yaml": "k\n", "sql/db.sql": "s\n"}
	if !maps.Equal(got, want) {
		t.Fatalf("files = %v, want %v", got, want)
	}
	data, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	m, err := parseManifest(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 3 || m["sql/db.sql"] != sha256.Sum256([]byte("s\n")) {
		t.Fatalf("manifest = %s", data)
	}
	if !strings.HasPrefix(string(data), "# "+artifact.Header+"\n") {
		t.Fatalf("manifest lacks the generated header:\n%s", data)
	}
	if _, err := os.Lstat(filepath.Join(dir, stagingName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("staging directory left behind: %v", err)
	}
}

func TestManifestIsSha256sumFormat(t *testing.T) {
	m := manifest{"b/c.yaml": sha256.Sum256([]byte("x")), "a.sql": sha256.Sum256(nil)}
	enc := string(m.encode())
	wantLines := []string{
		fmt.Sprintf("%x  a.sql", sha256.Sum256(nil)),
		fmt.Sprintf("%x  b/c.yaml", sha256.Sum256([]byte("x"))),
	}
	if !strings.HasSuffix(enc, strings.Join(wantLines, "\n")+"\n") {
		t.Fatalf("manifest:\n%s", enc)
	}
	back, err := parseManifest([]byte(enc))
	if err != nil || !maps.Equal(back, m) {
		t.Fatalf("round trip = %v, %v", back, err)
	}
}

func TestForeignFilesSurvive(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "README.md"), "mine")
	writeFile(t, filepath.Join(dir, "kubernetes", "NOTES"), "also mine")
	mustWrite(t, dir, files("kubernetes/a.yaml", "1", "b.yaml", "1"))
	mustWrite(t, dir, files("kubernetes/c.yaml", "2"))
	mustWrite(t, dir, nil)
	got := generated(t, dir)
	want := map[string]string{"README.md": "mine", "kubernetes/NOTES": "also mine"}
	if !maps.Equal(got, want) {
		t.Fatalf("files = %v, want %v", got, want)
	}
}

func TestStaleFilesAndEmptiedDirsRemoved(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, dir, files("k/shop/a.yaml", "a", "k/shop/b.yaml", "b", "k/pay/c.yaml", "c", "top.yaml", "t"))
	mustWrite(t, dir, files("k/shop/a.yaml", "a2", "top.yaml", "t"))
	snap := snapshot(t, dir)
	for _, p := range []string{"k/shop/b.yaml", "k/pay/c.yaml", "k/pay"} {
		if _, ok := snap[p]; ok {
			t.Errorf("%s still exists", p)
		}
	}
	if snap["k/shop/a.yaml"].data != "a2" {
		t.Errorf("a.yaml = %q", snap["k/shop/a.yaml"].data)
	}
	// A directory that holds a user's file is not removed with the stale files.
	writeFile(t, filepath.Join(dir, "k", "shop", "keep.txt"), "user")
	mustWrite(t, dir, files("top.yaml", "t"))
	if got := generated(t, dir); !maps.Equal(got, map[string]string{"top.yaml": "t", "k/shop/keep.txt": "user"}) {
		t.Fatalf("files = %v", got)
	}
}

func TestGeneratedFileBecomesDirectory(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, dir, files("a", "file"))
	mustWrite(t, dir, files("a/b", "nested"))
	if got := generated(t, dir); !maps.Equal(got, map[string]string{"a/b": "nested"}) {
		t.Fatalf("files = %v", got)
	}
	mustWrite(t, dir, files("a", "file again"))
	if got := generated(t, dir); !maps.Equal(got, map[string]string{"a": "file again"}) {
		t.Fatalf("files = %v", got)
	}
	// A user's file inside the directory keeps it there: an error, nothing changed.
	mustWrite(t, dir, files("a/b", "nested"))
	writeFile(t, filepath.Join(dir, "a", "user"), "user")
	before := snapshot(t, dir)
	wantErr(t, Write(dir, files("a", "file")), "holding files netc did not generate")
	if after := snapshot(t, dir); !maps.Equal(before, after) {
		t.Fatalf("changed: %v", after)
	}
}

func TestUnchangedFilesNotRewritten(t *testing.T) {
	dir := t.TempDir()
	fs := files("a.yaml", "same", "b.yaml", "old")
	mustWrite(t, dir, fs)
	stA, _ := os.Stat(filepath.Join(dir, "a.yaml"))
	stB, _ := os.Stat(filepath.Join(dir, "b.yaml"))
	stM, _ := os.Stat(filepath.Join(dir, ManifestName))
	mustWrite(t, dir, fs)
	stM2, _ := os.Stat(filepath.Join(dir, ManifestName))
	if !os.SameFile(stM, stM2) {
		t.Error("an identical build rewrote the manifest")
	}
	mustWrite(t, dir, files("a.yaml", "same", "b.yaml", "new"))
	stA2, _ := os.Stat(filepath.Join(dir, "a.yaml"))
	stB2, _ := os.Stat(filepath.Join(dir, "b.yaml"))
	if !os.SameFile(stA, stA2) {
		t.Error("unchanged a.yaml was rewritten")
	}
	if os.SameFile(stB, stB2) {
		t.Error("changed b.yaml kept its old inode: not replaced by rename")
	}
	// A generated file edited by hand is restored.
	writeFile(t, filepath.Join(dir, "a.yaml"), "edited")
	mustWrite(t, dir, files("a.yaml", "same", "b.yaml", "new"))
	if got := generated(t, dir)["a.yaml"]; got != "same" {
		t.Errorf("a.yaml = %q after rebuild, want the generated bytes", got)
	}
}

func TestForeignFileInTheWay(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(dir string)
		files  []artifact.File
		substr string
	}{
		{"file", func(dir string) { writeFile(t, filepath.Join(dir, "k", "a.yaml"), "user") },
			files("k/a.yaml", "gen"), "already exists and netc did not generate it"},
		{"file where a directory goes", func(dir string) { writeFile(t, filepath.Join(dir, "k"), "user") },
			files("k/a.yaml", "gen"), "is in the way"},
		{"directory where a file goes", func(dir string) { os.MkdirAll(filepath.Join(dir, "k", "a.yaml"), 0o755) },
			files("k/a.yaml", "gen"), "is a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			mustWrite(t, dir, files("other.yaml", "x"))
			tc.setup(dir)
			before := snapshot(t, dir)
			wantErr(t, Write(dir, append(tc.files, files("other.yaml", "changed")...)), tc.substr)
			if after := snapshot(t, dir); !maps.Equal(before, after) {
				t.Fatalf("failed write changed the directory:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

func TestSymlinksNeverFollowed(t *testing.T) {
	t.Run("directory link", func(t *testing.T) {
		dir, outside := t.TempDir(), t.TempDir()
		os.Symlink(outside, filepath.Join(dir, "k"))
		wantErr(t, Write(dir, files("k/a.yaml", "gen")), "symbolic link")
		if snap := snapshot(t, outside); len(snap) != 1 {
			t.Fatalf("wrote outside: %v", snap)
		}
	})
	t.Run("link at a generated path", func(t *testing.T) {
		dir, outside := t.TempDir(), t.TempDir()
		victim := filepath.Join(outside, "victim")
		writeFile(t, victim, "precious")
		mustWrite(t, dir, files("a.yaml", "gen"))
		os.Remove(filepath.Join(dir, "a.yaml"))
		os.Symlink(victim, filepath.Join(dir, "a.yaml"))
		wantErr(t, Write(dir, files("a.yaml", "gen2")), "symbolic link")
		if data, _ := os.ReadFile(victim); string(data) != "precious" {
			t.Fatalf("victim = %q", data)
		}
	})
	t.Run("stale file behind a link", func(t *testing.T) {
		dir, outside := t.TempDir(), t.TempDir()
		mustWrite(t, dir, files("k/a.yaml", "gen"))
		os.RemoveAll(filepath.Join(dir, "k"))
		writeFile(t, filepath.Join(outside, "a.yaml"), "precious")
		os.Symlink(outside, filepath.Join(dir, "k"))
		mustWrite(t, dir, nil)
		if data, _ := os.ReadFile(filepath.Join(outside, "a.yaml")); string(data) != "precious" {
			t.Fatalf("removed or changed a file through a link: %q", data)
		}
		if _, err := os.Lstat(filepath.Join(dir, "k")); err != nil {
			t.Fatalf("the user's link was removed: %v", err)
		}
	})
	t.Run("hostile manifest", func(t *testing.T) {
		parent := t.TempDir()
		dir := filepath.Join(parent, "out")
		victim := filepath.Join(parent, "victim")
		writeFile(t, victim, "precious")
		writeFile(t, filepath.Join(dir, ManifestName), fmt.Sprintf("%x  ../victim\n", sha256.Sum256([]byte("precious"))))
		wantErr(t, Write(dir, nil), "not a manifest netc wrote")
		if data, _ := os.ReadFile(victim); string(data) != "precious" {
			t.Fatalf("victim = %q", data)
		}
	})
}

func TestOutputIsAFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.txt")
	writeFile(t, p, "x")
	wantErr(t, Write(p, files("a", "b")), "exists and is not a directory")
	wantErr(t, Write(filepath.Join(p, "sub"), files("a", "b")), "not a directory")
	if data, _ := os.ReadFile(p); string(data) != "x" {
		t.Fatalf("file = %q", data)
	}
}

func TestUnwritableDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	dir := t.TempDir()
	mustWrite(t, dir, files("a.yaml", "1"))
	os.Chmod(dir, 0o555)
	defer os.Chmod(dir, 0o755)
	before := snapshot(t, dir)
	wantErr(t, Write(dir, files("a.yaml", "2")), "permission denied")
	if after := snapshot(t, dir); !maps.Equal(before, after) {
		t.Fatalf("changed: %v", after)
	}
}

func TestBadPaths(t *testing.T) {
	for _, p := range []string{"", "/etc/passwd", "../x", "a/../../x", "a//b", "a/", "./a", "a/./b",
		`a\b`, "a\x00b", "a\nb", ".netc-manifest", ".netc-staging/x", "\xff"} {
		dir := t.TempDir()
		err := Write(dir, files(p, "x"))
		if err == nil || !strings.Contains(err.Error(), "internal error") {
			t.Errorf("path %q: err = %v", p, err)
		}
		if snap := snapshot(t, dir); len(snap) != 1 {
			t.Errorf("path %q: wrote %v", p, snap)
		}
	}
	for _, fs := range [][]artifact.File{
		files("a", "1", "a", "2"),
		files("A.yaml", "1", "a.yaml", "2"),
		files("a", "1", "a/b", "2"),
	} {
		if err := Write(t.TempDir(), fs); err == nil || !strings.Contains(err.Error(), "internal error") {
			t.Errorf("%v: err = %v", fs, err)
		}
	}
	// Names that only start like reserved ones, and reserved ones below the top, are fine.
	mustWrite(t, t.TempDir(), files("netc-manifest", "x", "k/.netc-staging", "y", ".netcx", "z"))
}

// TestFailureLeavesDirectoryAsItWas fails the swap at every step in turn and demands
// the directory byte for byte as before each time.
func TestFailureLeavesDirectoryAsItWas(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "README.md"), "user")
	mustWrite(t, dir, files("k/shop/a.yaml", "a1", "k/pay/b.yaml", "b1", "x", "file", "same.yaml", "s"))
	before := snapshot(t, dir)
	next := files("k/shop/a.yaml", "a2", "k/new/c.yaml", "c2", "x/y", "dir now", "same.yaml", "s")
	defer func() { testHook = nil }()
	for fail := 0; ; fail++ {
		var steps []string
		testHook = func(step string) error {
			steps = append(steps, step)
			if len(steps) == fail+1 {
				return errors.New("injected failure")
			}
			return nil
		}
		err := Write(dir, next)
		if err == nil {
			if fail < 5 {
				t.Fatalf("only %d steps: %v", fail, steps)
			}
			break
		}
		wantErr(t, err, "injected failure")
		if after := snapshot(t, dir); !maps.Equal(before, after) {
			t.Fatalf("failing at step %d (%s) changed the directory:\nbefore %v\nafter  %v", fail, steps[fail], before, after)
		}
	}
	testHook = nil
	want := map[string]string{"README.md": "user", "k/shop/a.yaml": "a2", "k/new/c.yaml": "c2", "x/y": "dir now", "same.yaml": "s"}
	if got := generated(t, dir); !maps.Equal(got, want) {
		t.Fatalf("after success: %v", got)
	}
}

func TestFailureRemovesCreatedOutputDirectory(t *testing.T) {
	parent := t.TempDir()
	defer func() { testHook = nil }()
	testHook = func(string) error { return errors.New("injected failure") }
	wantErr(t, Write(filepath.Join(parent, "a", "out"), files("k/x", "1")), "injected failure")
	if snap := snapshot(t, parent); len(snap) != 1 {
		t.Fatalf("left behind: %v", snap)
	}
}

func TestLeftoverStagingRemoved(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, stagingName, "old1"), "from a crash")
	mustWrite(t, dir, files("a", "1"))
	if _, err := os.Lstat(filepath.Join(dir, stagingName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("leftover staging kept: %v", err)
	}
}

// contentSet is one of two builds that overlap on some paths, differ on others, and
// write different bytes everywhere, so any mix of the two is detectable.
func contentSet(name string) []artifact.File {
	var fs []artifact.File
	for i := range 30 {
		fs = append(fs, artifact.File{Path: fmt.Sprintf("k/ns%d/shared.yaml", i), Data: []byte(name + strings.Repeat("x", i*100))})
		fs = append(fs, artifact.File{Path: fmt.Sprintf("k/ns%d/only-%s.yaml", i, name), Data: []byte(name)})
	}
	return fs
}

func wantOneOf(t *testing.T, dir string, sets ...string) {
	t.Helper()
	got := generated(t, dir)
	for _, name := range sets {
		want := map[string]string{"README": "user"}
		for _, f := range contentSet(name) {
			want[f.Path] = string(f.Data)
		}
		if maps.Equal(got, want) {
			return
		}
	}
	keys := slices.Sorted(maps.Keys(got))
	t.Fatalf("directory is a mix of builds: %v", keys)
}

func TestConcurrentWritesNeverMix(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	writeFile(t, filepath.Join(dir, "README"), "user")
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for _, name := range []string{"A", "B", "C"} {
		wg.Go(func() {
			for range 15 {
				if err := Write(dir, contentSet(name)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	wantOneOf(t, dir, "A", "B", "C")
}

func TestConcurrentProcessesNeverMix(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	writeFile(t, filepath.Join(dir, "README"), "user")
	var cmds []*exec.Cmd
	for _, name := range []string{"A", "B"} {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), "NETC_OUTDIR_HELPER="+dir, "NETC_OUTDIR_SET="+name)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	wantOneOf(t, dir, "A", "B")
}
