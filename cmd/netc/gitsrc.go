package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// gitRev reads files at a git revision through the git binary, without touching the
// working tree or the index: `git rev-parse` resolves the revision once, `git
// ls-tree` lists what is below a path and `git cat-file --batch` reads the blobs.
type gitRev struct {
	label  string // the revision as the user wrote it, for names in diagnostics
	commit string // its commit id
	prefix string // the working directory within the repository, "" or "dir/"
	top    string // the repository's top directory
}

// gitFile is a file at the revision: its path in the repository and as shown.
type gitFile struct {
	repoPath, name string
	size           int64
}

func runGit(stdin io.Reader, args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("git %s: %s", args[0], msg)
	}
	return out, nil
}

// openGitRev resolves rev to a commit in the repository of the working directory.
func openGitRev(rev string) (*gitRev, error) {
	if rev == "" || strings.HasPrefix(rev, "-") {
		return nil, fmt.Errorf("git:%s: not a revision", rev)
	}
	out, err := runGit(nil, "rev-parse", "--show-toplevel", "--show-prefix")
	if err != nil {
		return nil, fmt.Errorf("git:%s: %v", rev, err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	g := &gitRev{label: rev, top: lines[0]}
	if len(lines) > 1 {
		g.prefix = lines[1]
	}
	out, err = runGit(nil, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("git:%s: no such revision", rev)
	}
	g.commit = strings.TrimSpace(string(out))
	return g, nil
}

// repoPath maps a path as the user wrote it (relative to the working directory, or
// absolute) to the repository's.
func (g *gitRev) repoPath(p string) (string, error) {
	if filepath.IsAbs(p) {
		rel, err := filepath.Rel(g.top, p)
		if err != nil {
			return "", fmt.Errorf("git:%s: %s is outside the repository", g.label, p)
		}
		p = rel
	} else {
		p = filepath.Join(g.prefix, p)
	}
	p = filepath.ToSlash(filepath.Clean(p))
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("git:%s: %s is outside the repository", g.label, p)
	}
	if p == "." {
		p = ""
	}
	return p, nil
}

// files lists the regular files at p (a file, or every file below a directory
// whose name keep accepts, hidden directories below it skipped, as on disk),
// sorted. exists is false when p is not at the revision.
func (g *gitRev) files(p string, keep func(string) bool) (files []gitFile, isDir, exists bool, err error) {
	rp, err := g.repoPath(p)
	if err != nil {
		return nil, false, false, err
	}
	args := []string{"ls-tree", "-r", "-z", "-l", "--full-tree", g.commit}
	if rp != "" {
		args = append(args, "--", rp)
	}
	out, err := runGit(nil, args...)
	if err != nil {
		return nil, false, false, fmt.Errorf("git:%s: %v", g.label, err)
	}
	for _, rec := range strings.Split(string(out), "\x00") {
		// "MODE TYPE OID SIZE\tPATH"
		meta, name, ok := strings.Cut(rec, "\t")
		if !ok {
			continue
		}
		f := strings.Fields(meta)
		if len(f) != 4 {
			continue
		}
		if rp != "" && name != rp && !strings.HasPrefix(name, rp+"/") {
			continue
		}
		exists = true
		if name == rp {
			if f[0] != "100644" && f[0] != "100755" {
				return nil, false, true, fmt.Errorf("git:%s: %s is not a regular file", g.label, p)
			}
			sz, _ := strconv.ParseInt(f[3], 10, 64)
			return []gitFile{{name, g.display(name), sz}}, false, true, nil
		}
		isDir = true
		below := strings.TrimPrefix(name, rp)
		below = strings.TrimPrefix(below, "/")
		if f[0] != "100644" && f[0] != "100755" || !keep(path.Base(name)) || hiddenDir(below) {
			continue
		}
		sz, _ := strconv.ParseInt(f[3], 10, 64)
		files = append(files, gitFile{name, g.display(name), sz})
	}
	return files, isDir, exists, nil
}

// hiddenDir reports whether a path below an input directory passes through a hidden
// directory.
func hiddenDir(below string) bool {
	dirs := strings.Split(below, "/")
	for _, d := range dirs[:len(dirs)-1] {
		if strings.HasPrefix(d, ".") {
			return true
		}
	}
	return false
}

// display names a repository path as diagnostics show it: REV:PATH, PATH relative to
// the working directory as on disk.
func (g *gitRev) display(repoPath string) string {
	rel := repoPath
	if g.prefix != "" {
		if r, err := filepath.Rel(filepath.FromSlash(g.prefix), filepath.FromSlash(repoPath)); err == nil {
			rel = filepath.ToSlash(r)
		}
	}
	return g.label + ":" + rel
}

// read returns the bytes of each file (nil for a path missing at the revision), in
// one `git cat-file --batch`.
func (g *gitRev) read(repoPaths []string) ([][]byte, error) {
	var in bytes.Buffer
	for _, p := range repoPaths {
		if strings.ContainsAny(p, "\n") {
			return nil, fmt.Errorf("git:%s: cannot read the path %q", g.label, p)
		}
		fmt.Fprintf(&in, "%s:%s\n", g.commit, p)
	}
	out, err := runGit(&in, "cat-file", "--batch")
	if err != nil {
		return nil, fmt.Errorf("git:%s: %v", g.label, err)
	}
	r := bufio.NewReader(bytes.NewReader(out))
	res := make([][]byte, len(repoPaths))
	for i := range repoPaths {
		hdr, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("git:%s: short output from git cat-file", g.label)
		}
		f := strings.Fields(hdr)
		if len(f) == 2 && f[1] == "missing" {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("git:%s: bad output from git cat-file", g.label)
		}
		n, err := strconv.Atoi(f[2])
		if err != nil {
			return nil, fmt.Errorf("git:%s: bad output from git cat-file", g.label)
		}
		data := make([]byte, n)
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, fmt.Errorf("git:%s: short output from git cat-file", g.label)
		}
		r.ReadByte()        // the newline after the contents
		if f[1] == "blob" { // a tree where a file was asked for counts as missing
			res[i] = data
		}
	}
	return res, nil
}
