// Package outdir owns writing netc's generated files into the output directory. It
// checks every path, stages the new files inside the directory, then swaps them in
// under a lock with an undo log, so a failed write leaves the directory as it was. It
// replaces or removes only files its manifest says netc generated; files netc did not
// generate are never overwritten, removed or written through, and no symbolic link
// inside the directory is followed. docs/cli.md states the guarantees users rely on.
package outdir

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/netc-dev/netc/backends/artifact"
)

// reservedPrefix starts every name netc keeps for itself at the top of the output
// directory (manifest, staging area, fallback lock). Generated paths may not use it.
const reservedPrefix = ".netc-"

// stagingName is the directory inside the output directory where new files are
// written before they are renamed into place, and where replaced files wait until the
// swap has succeeded. It is removed when Write returns, and at the start of the next
// Write if a crash left it behind.
const stagingName = ".netc-staging"

// maxManifest bounds how much of a manifest Write reads.
const maxManifest = 256 << 20

// testHook, when set by tests, runs before each step of the commit and can fail it.
var testHook func(step string) error

// Write makes dir hold files: each generated file at its path, the files netc
// generated there before and does not generate now removed, everything else untouched.
// dir is created if needed (with its parents). Either the whole write succeeds or dir
// is left as it was (unless the process is killed mid-swap; see docs/cli.md).
func Write(dir string, files []artifact.File) error {
	if err := checkPaths(files); err != nil {
		return err
	}
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return fmt.Errorf("output directory %s exists and is not a directory", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("output directory %s: %v", dir, errText(err))
	}
	w := &writer{dir: dir}
	if err := w.open(); err != nil {
		w.removeCreated()
		return err
	}
	err := w.write(files)
	if !w.keepStaging {
		w.root.RemoveAll(stagingName)
	}
	w.root.Close()
	if err != nil {
		// Still under the lock, so a build waiting for it sees dir gone and retries.
		w.removeCreated()
	}
	w.unlock()
	return err
}

type writer struct {
	dir     string
	root    *os.Root
	unlock  func()
	created []string // directories Write created on the way to dir, outermost first
	undo    []func() error
	nbackup int
	// keepStaging is set when an undo failed: the staging area then holds the only
	// copy of some replaced files, so it is left for the user.
	keepStaging bool
}

// open creates dir if needed, locks it and opens it as a root that no path can
// escape. It retries when dir was replaced or removed while it waited for the lock
// (another build that had created dir failed and removed it).
func (w *writer) open() error {
	for range 100 {
		if err := w.mkdirAll(); err != nil {
			return err
		}
		locked, unlock, err := lockDir(w.dir)
		if err != nil {
			return fmt.Errorf("cannot lock output directory %s: %v", w.dir, errText(err))
		}
		lst, err1 := locked.Stat()
		cur, err2 := os.Stat(w.dir)
		if err1 == nil && err2 == nil && os.SameFile(lst, cur) {
			root, err := os.OpenRoot(w.dir)
			if err != nil {
				unlock()
				return fmt.Errorf("cannot open output directory %s: %v", w.dir, errText(err))
			}
			w.root, w.unlock = root, unlock
			return nil
		}
		unlock()
	}
	return fmt.Errorf("output directory %s keeps changing while netc waits for its lock", w.dir)
}

// mkdirAll creates dir and its missing parents, remembering which it created so a
// failed write can remove them again.
func (w *writer) mkdirAll() error {
	var missing []string
	for d := filepath.Clean(w.dir); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("cannot create output directory %s: %s is not a directory", w.dir, d)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot create output directory %s: %v", w.dir, errText(err))
		}
		missing = append(missing, d)
		if parent := filepath.Dir(d); parent == d {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o777); err != nil {
			if errors.Is(err, fs.ErrExist) {
				continue // another build made it; it is not ours to remove
			}
			return fmt.Errorf("cannot create output directory %s: %v", w.dir, errText(err))
		}
		w.created = append(w.created, missing[i])
	}
	return nil
}

// removeCreated removes, innermost first, the directories open created, if they are
// still empty (rmdir refuses anything else).
func (w *writer) removeCreated() {
	for i := len(w.created) - 1; i >= 0; i-- {
		os.Remove(w.created[i])
	}
	w.created = nil
}

// fileOp is one generated file that must be written.
type fileOp struct {
	path   string
	data   []byte
	exists bool // an older generated file is at path and gets replaced
	// overDir is set when a directory of older generated files is at path: it must
	// be empty once the stale files are gone.
	overDir bool
	staged  string
}

func (w *writer) write(files []artifact.File) error {
	if err := w.root.RemoveAll(stagingName); err != nil {
		return w.errf("cannot remove the leftover staging directory", stagingName, err)
	}
	old, oldBytes, hadManifest, err := w.readManifest()
	if err != nil {
		return err
	}

	// Plan: look at everything before changing anything, so conflicts fail clean.
	next := make(manifest, len(files))
	wanted := make(map[string]bool, len(files))
	for _, f := range files {
		next[f.Path] = sha256.Sum256(f.Data)
		wanted[f.Path] = true
	}
	dirs := wantedDirs(files)
	oldDirs := map[string]bool{}
	for p := range old {
		for d := path.Dir(p); d != "." && !oldDirs[d]; d = path.Dir(d) {
			oldDirs[d] = true
		}
	}
	mkdirs, err := w.planDirs(dirs, old)
	if err != nil {
		return err
	}
	missing := map[string]bool{} // directories to create: nothing below them exists yet
	for _, d := range mkdirs {
		missing[d] = true
	}
	var ops []*fileOp
	for _, f := range files {
		if missing[path.Dir(f.Path)] {
			ops = append(ops, &fileOp{path: f.Path, data: f.Data})
			continue
		}
		op, err := w.planFile(f, old, oldDirs, next[f.Path])
		if err != nil {
			return err
		}
		if op != nil {
			ops = append(ops, op)
		}
	}
	stale, emptied := w.planStale(old, wanted, dirs)
	newBytes := next.encode()
	if len(ops) == 0 && len(stale) == 0 && hadManifest && bytes.Equal(newBytes, oldBytes) {
		return nil // already up to date: touch nothing
	}

	// Stage: every new byte is written before anything visible changes.
	if err := w.step("stage"); err != nil {
		return err
	}
	if err := w.root.Mkdir(stagingName, 0o700); err != nil {
		return w.errf("cannot write to output directory", "", err)
	}
	for i, op := range ops {
		op.staged = stagingName + "/" + strconv.Itoa(i)
		if err := w.step("stage " + op.path); err != nil {
			return err
		}
		if err := w.writeStaged(op.staged, op.data); err != nil {
			return err
		}
	}
	stagedManifest := stagingName + "/manifest"
	if err := w.writeStaged(stagedManifest, newBytes); err != nil {
		return err
	}
	// The intent manifest claims every path this write may create before any is
	// created, so a build killed mid-swap leaves nothing the next build mistakes for a
	// user's file.
	intent := make(manifest, len(old)+len(next))
	for p, s := range old {
		intent[p] = s
	}
	for p, s := range next {
		intent[p] = s
	}
	stagedIntent := stagingName + "/intent"
	if err := w.writeStaged(stagedIntent, intent.encode()); err != nil {
		return err
	}

	// Swap, recording how to undo each step.
	if err := w.commit(ops, stale, emptied, mkdirs, stagedIntent, stagedManifest, hadManifest); err != nil {
		if uerr := w.rollback(); uerr != nil {
			w.keepStaging = true
			return fmt.Errorf("%v; restoring the previous contents also failed (%v): %s may now mix old and new generated files, and %s holds the replaced ones", err, errText(uerr), w.dir, w.show(stagingName))
		}
		return err
	}
	return nil
}

func (w *writer) commit(ops []*fileOp, stale, emptied, mkdirs []string, stagedIntent, stagedManifest string, hadManifest bool) error {
	if err := w.replace(ManifestName, stagedIntent, hadManifest); err != nil {
		return err
	}
	for _, p := range stale {
		if err := w.step("remove " + p); err != nil {
			return err
		}
		bak := w.backupName()
		if err := w.root.Rename(p, bak); err != nil {
			return w.errf("cannot remove stale generated file", p, err)
		}
		w.undo = append(w.undo, func() error { return w.root.Rename(bak, p) })
	}
	// Directories that held only stale files go too; rmdir refuses non-empty ones,
	// so a directory holding anything else (a user's file) stays. None of them
	// receives a new file: those were left out of emptied.
	for _, d := range emptied {
		st, err := w.root.Lstat(d)
		if err != nil || !st.IsDir() {
			continue
		}
		if err := w.root.Remove(d); err == nil {
			perm := st.Mode().Perm()
			w.undo = append(w.undo, func() error {
				if err := w.root.Mkdir(d, perm); err != nil {
					return err
				}
				return w.root.Chmod(d, perm) // Mkdir applied the umask
			})
		}
	}
	for _, d := range mkdirs {
		if err := w.step("mkdir " + d); err != nil {
			return err
		}
		if err := w.root.Mkdir(d, 0o777); err != nil {
			return w.errf("cannot create directory", d, err)
		}
		w.undo = append(w.undo, func() error { return w.root.Remove(d) })
	}
	for _, op := range ops {
		if op.overDir {
			if st, err := w.root.Lstat(op.path); err == nil && st.IsDir() {
				return fmt.Errorf("%s is a directory holding files netc did not generate; netc needs to write a generated file there (move it, or choose another output directory)", w.show(op.path))
			}
		}
		if err := w.replace(op.path, op.staged, op.exists); err != nil {
			return err
		}
	}
	return w.replace(ManifestName, stagedManifest, true)
}

// replace renames staged to final. When final exists it is first hard-linked into the
// staging area, so undo can put it back in one rename and final is never missing.
func (w *writer) replace(final, staged string, exists bool) error {
	if err := w.step("write " + final); err != nil {
		return err
	}
	if !exists {
		if err := w.root.Rename(staged, final); err != nil {
			return w.errf("cannot write", final, err)
		}
		w.undo = append(w.undo, func() error { return w.root.Remove(final) })
		return nil
	}
	bak := w.backupName()
	if err := w.root.Link(final, bak); err != nil {
		// No hard links on this file system: move the old file aside instead.
		if err := w.root.Rename(final, bak); err != nil {
			return w.errf("cannot replace", final, err)
		}
		w.undo = append(w.undo, func() error { return w.root.Rename(bak, final) })
		if err := w.root.Rename(staged, final); err != nil {
			return w.errf("cannot write", final, err)
		}
		return nil
	}
	if err := w.root.Rename(staged, final); err != nil {
		return w.errf("cannot write", final, err)
	}
	w.undo = append(w.undo, func() error { return w.root.Rename(bak, final) })
	return nil
}

func (w *writer) step(name string) error {
	if testHook != nil {
		return testHook(name)
	}
	return nil
}

func (w *writer) backupName() string {
	w.nbackup++
	return stagingName + "/old" + strconv.Itoa(w.nbackup)
}

func (w *writer) rollback() error {
	var errs []error
	for i := len(w.undo) - 1; i >= 0; i-- {
		if err := w.undo[i](); err != nil {
			errs = append(errs, err)
		}
	}
	w.undo = nil
	return errors.Join(errs...)
}

func (w *writer) writeStaged(name string, data []byte) error {
	f, err := w.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return w.errf("cannot write to output directory", "", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return w.errf("cannot write to output directory", "", err)
	}
	return nil
}

// readManifest returns the manifest of the previous build (empty when there is none),
// its bytes, and whether there was one.
func (w *writer) readManifest() (manifest, []byte, bool, error) {
	st, err := w.root.Lstat(ManifestName)
	if errors.Is(err, fs.ErrNotExist) {
		return manifest{}, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, w.errf("cannot read", ManifestName, err)
	}
	if !st.Mode().IsRegular() {
		return nil, nil, false, fmt.Errorf("%s is not a regular file; netc keeps its list of generated files there", w.show(ManifestName))
	}
	if st.Size() > maxManifest {
		return nil, nil, false, fmt.Errorf("%s is larger than %d bytes; it is not a manifest netc wrote", w.show(ManifestName), maxManifest)
	}
	data, err := w.root.ReadFile(ManifestName)
	if err != nil {
		return nil, nil, false, w.errf("cannot read", ManifestName, err)
	}
	m, err := parseManifest(data)
	if err != nil {
		return nil, nil, false, fmt.Errorf("%s: %v; it is not a manifest netc wrote (netc keeps its list of generated files there)", w.show(ManifestName), err)
	}
	return m, data, true, nil
}

// planDirs returns the directories the new files need that do not exist yet, parents
// first. Every existing one must be a real directory: netc never writes through a
// symbolic link, and a file netc did not generate is never removed to make room.
func (w *writer) planDirs(dirs map[string]bool, old manifest) ([]string, error) {
	sorted := make([]string, 0, len(dirs))
	for d := range dirs {
		sorted = append(sorted, d)
	}
	slices.Sort(sorted) // a parent sorts before its children
	var mkdirs []string
	missing := map[string]bool{}
	for _, d := range sorted {
		if missing[path.Dir(d)] {
			missing[d] = true
			mkdirs = append(mkdirs, d)
			continue
		}
		st, err := w.root.Lstat(d)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			missing[d] = true
			mkdirs = append(mkdirs, d)
		case err != nil:
			return nil, w.errf("cannot inspect", d, err)
		case st.IsDir():
		case st.Mode()&fs.ModeSymlink != 0:
			return nil, fmt.Errorf("%s is a symbolic link; netc does not write through links (remove it, or choose another output directory)", w.show(d))
		case st.Mode().IsRegular() && hasKey(old, d):
			// A file netc generated before stands where a directory must go now;
			// planStale removes it before the directory is made.
			missing[d] = true
			mkdirs = append(mkdirs, d)
		default:
			return nil, fmt.Errorf("%s is in the way: netc needs a directory there and did not generate this file (move it, or choose another output directory)", w.show(d))
		}
	}
	return mkdirs, nil
}

// planFile decides what to do with one generated file whose directory exists: nothing
// when the file already holds exactly these bytes, else write it.
func (w *writer) planFile(f artifact.File, old manifest, oldDirs map[string]bool, sum [32]byte) (*fileOp, error) {
	st, err := w.root.Lstat(f.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &fileOp{path: f.Path, data: f.Data}, nil
	case err != nil:
		return nil, w.errf("cannot inspect", f.Path, err)
	case st.Mode()&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("%s is a symbolic link; netc does not write through links (remove it, or choose another output directory)", w.show(f.Path))
	case st.IsDir() && oldDirs[f.Path]:
		return &fileOp{path: f.Path, data: f.Data, overDir: true}, nil
	case st.IsDir():
		return nil, fmt.Errorf("%s is a directory; netc needs to write a generated file there (move it, or choose another output directory)", w.show(f.Path))
	case !st.Mode().IsRegular() || !hasKey(old, f.Path):
		return nil, fmt.Errorf("%s already exists and netc did not generate it; netc never overwrites other files (move it, or choose another output directory)", w.show(f.Path))
	}
	if old[f.Path] == sum && st.Size() == int64(len(f.Data)) {
		cur, err := w.root.ReadFile(f.Path)
		if err == nil && bytes.Equal(cur, f.Data) {
			return nil, nil
		}
	}
	return &fileOp{path: f.Path, data: f.Data, exists: true}, nil
}

// planStale returns the files of the previous build that this one does not generate
// and that are still regular files reached through real directories, and the
// directories that may become empty once they are gone (deepest first). A listed path
// that is now a link, a directory or missing is left alone and forgotten.
func (w *writer) planStale(old manifest, wanted, keepDirs map[string]bool) (stale, emptied []string) {
	parents := map[string]bool{}
	for p := range old {
		if wanted[p] || !w.realDirs(path.Dir(p)) {
			continue
		}
		st, err := w.root.Lstat(p)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		stale = append(stale, p)
		for d := path.Dir(p); d != "." && !parents[d]; d = path.Dir(d) {
			parents[d] = true
		}
	}
	slices.Sort(stale)
	for d := range parents {
		if !keepDirs[d] {
			emptied = append(emptied, d)
		}
	}
	slices.SortFunc(emptied, func(a, b string) int {
		if c := strings.Count(b, "/") - strings.Count(a, "/"); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return stale, emptied
}

// realDirs reports whether every component of the slash-separated dir is a directory
// and not a symbolic link.
func (w *writer) realDirs(dir string) bool {
	if dir == "." {
		return true
	}
	p := ""
	for _, c := range strings.Split(dir, "/") {
		p = path.Join(p, c)
		st, err := w.root.Lstat(p)
		if err != nil || !st.IsDir() {
			return false
		}
	}
	return true
}

// wantedDirs is every directory that holds a generated file, at any depth.
func wantedDirs(files []artifact.File) map[string]bool {
	dirs := map[string]bool{}
	for _, f := range files {
		for d := path.Dir(f.Path); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	return dirs
}

func hasKey(m manifest, p string) bool {
	_, ok := m[p]
	return ok
}

// show names a path inside the output directory as the user would type it.
func (w *writer) show(name string) string {
	if name == "" {
		return w.dir
	}
	return filepath.Join(w.dir, filepath.FromSlash(name))
}

// errf formats a file-system failure as "what: path: reason" without Go's operation
// prefixes, naming the path the user knows.
func (w *writer) errf(what, name string, err error) error {
	return fmt.Errorf("%s %s: %s", what, w.show(name), errText(err))
}

// errText is the reason of a file-system error without the operation and path Go
// prefixes (those name netc's internal staging files, not the user's).
func errText(err error) string {
	var pe *fs.PathError
	var le *os.LinkError
	var se *os.SyscallError
	switch {
	case errors.As(err, &pe):
		return errText(pe.Err)
	case errors.As(err, &le):
		return errText(le.Err)
	case errors.As(err, &se):
		return errText(se.Err)
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	return err.Error()
}

// checkPaths validates the generated paths as a set: each valid, none twice (also
// ignoring case, for case-insensitive file systems), none both a file and a directory.
func checkPaths(files []artifact.File) error {
	seen := make(map[string]string, len(files))
	for _, f := range files {
		if err := checkPath(f.Path); err != nil {
			return fmt.Errorf("internal error: generated file path %q: %v", f.Path, err)
		}
		key := strings.ToLower(f.Path)
		if prev, ok := seen[key]; ok {
			return fmt.Errorf("internal error: generated file paths %q and %q name the same file", prev, f.Path)
		}
		seen[key] = f.Path
	}
	for _, f := range files {
		for d := path.Dir(f.Path); d != "."; d = path.Dir(d) {
			if prev, ok := seen[strings.ToLower(d)]; ok {
				return fmt.Errorf("internal error: generated file %q is also a directory of %q", prev, f.Path)
			}
		}
	}
	return nil
}

// checkPath reports why p is not a path netc may write: it must be relative,
// slash-separated, without empty, "." or ".." components, control characters or
// backslashes, valid UTF-8, and outside the names netc reserves.
func checkPath(p string) error {
	switch {
	case p == "":
		return errors.New("empty path")
	case !utf8.ValidString(p):
		return errors.New("not valid UTF-8")
	case strings.HasPrefix(p, "/"):
		return errors.New("absolute path")
	case strings.ContainsRune(p, '\\'):
		return errors.New("contains a backslash")
	case len(p) > 4096:
		return errors.New("longer than 4096 bytes")
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return errors.New("contains a control character")
		}
	}
	for i, c := range strings.Split(p, "/") {
		switch {
		case c == "":
			return errors.New("empty path component")
		case c == "." || c == "..":
			return fmt.Errorf("%q path component", c)
		case i == 0 && strings.HasPrefix(c, reservedPrefix):
			return fmt.Errorf("names starting with %q are reserved for netc", reservedPrefix)
		}
	}
	return nil
}
