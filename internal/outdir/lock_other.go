//go:build !unix

package outdir

import "os"

// lockDir does not lock where flock is unavailable: concurrent builds into one
// directory are then not serialised (docs/cli.md says so).
func lockDir(dir string) (*os.File, func(), error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}
