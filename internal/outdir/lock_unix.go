//go:build unix

package outdir

import (
	"errors"
	"os"
	"syscall"
)

// lockFileName is the fallback lock inside the output directory, used only where the
// file system refuses flock on a directory (some network file systems).
const lockFileName = ".netc-lock"

// lockDir takes an exclusive advisory lock on the directory dir, blocking until the
// holder releases it. It locks the directory itself, so it leaves no file behind; the
// caller must check afterwards that dir still names the locked directory.
func lockDir(dir string) (locked *os.File, unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	if err := flock(f); err == nil {
		return f, func() { f.Close() }, nil
	}
	f.Close()
	lf, err := os.OpenFile(dir+string(os.PathSeparator)+lockFileName, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, nil, err
	}
	if err := flock(lf); err != nil {
		lf.Close()
		return nil, nil, err
	}
	d, err := os.Open(dir)
	if err != nil {
		lf.Close()
		return nil, nil, err
	}
	return d, func() { d.Close(); lf.Close() }, nil
}

func flock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
