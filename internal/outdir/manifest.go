package outdir

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/netc-dev/netc/backends/artifact"
)

// ManifestName is the file in the output directory that lists what netc generated
// there. It is in `sha256sum` format, so `sha256sum -c .netc-manifest` run inside the
// directory verifies that no generated file was edited.
const ManifestName = ".netc-manifest"

// manifest maps a generated file's path to the SHA-256 of the bytes netc wrote.
type manifest map[string][32]byte

// encode renders m sorted by path, so the manifest is byte-stable too.
func (m manifest) encode() []byte {
	paths := make([]string, 0, len(m))
	for p := range m {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	var b bytes.Buffer
	b.WriteString("# " + artifact.Header + "\n")
	b.WriteString("# The files netc generated in this directory, with their SHA-256 (sha256sum -c " + ManifestName + ").\n")
	b.WriteString("# netc build replaces or removes only the files listed here.\n")
	for _, p := range paths {
		sum := m[p]
		b.WriteString(hex.EncodeToString(sum[:]))
		b.WriteString("  ")
		b.WriteString(p)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// parseManifest reads what encode wrote. Every path must pass checkPath: a hostile
// manifest must not make netc remove files outside the output directory.
func parseManifest(data []byte) (manifest, error) {
	m := manifest{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		sumHex, path, ok := strings.Cut(text, "  ")
		if !ok || len(sumHex) != 2*sha256.Size {
			return nil, fmt.Errorf("line %d: want %q", line, "SHA256  PATH")
		}
		var sum [32]byte
		if _, err := hex.Decode(sum[:], []byte(sumHex)); err != nil {
			return nil, fmt.Errorf("line %d: bad SHA-256 %q", line, sumHex)
		}
		if err := checkPath(path); err != nil {
			return nil, fmt.Errorf("line %d: path %q: %v", line, path, err)
		}
		m[path] = sum
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %v", line+1, err)
	}
	return m, nil
}

// ReadManifest returns the paths netc recorded as generated in dir, with the SHA-256 of
// the bytes it wrote, read through a root no path can escape. found is false when dir
// has no manifest (or does not exist).
func ReadManifest(dir string) (files map[string][32]byte, found bool, err error) {
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cannot open output directory %s: %v", dir, errText(err))
	}
	defer root.Close()
	w := &writer{dir: dir, root: root}
	m, _, found, err := w.readManifest()
	return m, found, err
}
