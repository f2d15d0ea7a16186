package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"netc": func() { os.Exit(Main()) }})
}

// TestScripts runs the CLI scripts under testdata/script: each runs netc as a process
// and pins its exact stdout, stderr, exit status and effect on the file system.
// NETC_UPDATE=1 rewrites their expected sections in place.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: os.Getenv("NETC_UPDATE") != "",
		Condition: func(cond string) (bool, error) {
			if cond == "root" {
				return os.Geteuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":    cmdExits,
			"files":    cmdFiles,
			"snapshot": cmdSnapshot,
			"bigfile":  cmdBigfile,
			"repeat":   cmdRepeat,
			"replace":  cmdReplace,
			"append":   cmdAppend,
		},
	})
}

// exits N COMMAND [ARGS...] runs a command like exec and demands exit status N.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits N COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("%v", err)
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// files DIR prints every path below DIR, sorted, directories with a trailing slash and
// links with their target.
func cmdFiles(ts *testscript.TestScript, neg bool, args []string) {
	walk(ts, args, func(p string, d fs.DirEntry, full string) string {
		return p
	})
}

// snapshot DIR prints every path below DIR with the SHA-256 of its bytes, so two
// snapshots are equal exactly when the trees are byte for byte the same.
func cmdSnapshot(ts *testscript.TestScript, neg bool, args []string) {
	walk(ts, args, func(p string, d fs.DirEntry, full string) string {
		if !d.Type().IsRegular() {
			return p
		}
		data, err := os.ReadFile(full)
		ts.Check(err)
		return fmt.Sprintf("%s %x", p, sha256.Sum256(data))
	})
}

func walk(ts *testscript.TestScript, args []string, line func(p string, d fs.DirEntry, full string) string) {
	if len(args) != 1 {
		ts.Fatalf("usage: files|snapshot DIR")
	}
	root := ts.MkAbs(args[0])
	err := filepath.WalkDir(root, func(full string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if full == root {
			return nil
		}
		rel, _ := filepath.Rel(root, full)
		p := filepath.ToSlash(filepath.Join(args[0], rel))
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(full)
			ts.Check(err)
			p += " -> " + filepath.ToSlash(target)
			fmt.Fprintln(ts.Stdout(), p)
			return nil
		case d.IsDir():
			p += "/"
		}
		fmt.Fprintln(ts.Stdout(), line(p, d, full))
		return nil
	})
	ts.Check(err)
}

// bigfile NAME BYTES creates a sparse file of that size, cheaply.
func cmdBigfile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: bigfile NAME BYTES")
	}
	n, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	f, err := os.Create(ts.MkAbs(args[0]))
	ts.Check(err)
	ts.Check(f.Truncate(n))
	ts.Check(f.Close())
}

// repeat NAME COUNT LINE writes LINE to NAME COUNT times, one per line.
func cmdRepeat(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: repeat NAME COUNT LINE")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(strings.Repeat(args[2]+"\n", n)), 0o644))
}

// replace FILE OLD NEW replaces the one occurrence of OLD in FILE with NEW (a hand
// edit); OLD must occur exactly once. Both are read as the inside of a Go string
// literal, so \n is a newline.
func cmdReplace(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: replace FILE OLD NEW")
	}
	old, err := strconv.Unquote(`"` + args[1] + `"`)
	ts.Check(err)
	new, err := strconv.Unquote(`"` + args[2] + `"`)
	ts.Check(err)
	name := ts.MkAbs(args[0])
	data, err := os.ReadFile(name)
	ts.Check(err)
	if n := strings.Count(string(data), old); n != 1 {
		ts.Fatalf("%s holds %q %d times, want once", args[0], old, n)
	}
	ts.Check(os.WriteFile(name, []byte(strings.Replace(string(data), old, new, 1)), 0o644))
}

// append DST SRC appends the contents of SRC to DST.
func cmdAppend(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: append DST SRC")
	}
	data, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	f, err := os.OpenFile(ts.MkAbs(args[0]), os.O_APPEND|os.O_WRONLY, 0)
	ts.Check(err)
	_, err = f.Write(data)
	ts.Check(err)
	ts.Check(f.Close())
}
