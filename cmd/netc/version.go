package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at link time by release builds:
//
//	go build -ldflags "-X main.version=1.2.3" ./cmd/netc
//
// Otherwise versionNumber derives one from the build information.
var version = ""

// devVersion is the version of a build that is not a release: a semantic version
// below every release, so it compares as older, and starts with a digit, as SARIF
// validators want.
const devVersion = "0.0.0-dev"

// versionNumber is netc's version: the link-time version; else the module version
// that `go install module@version` records (without its "v"); else 0.0.0-dev with
// the VCS revision the go command stamped as build metadata
// (0.0.0-dev+4907c14a1b2c, with ".dirty" when the work tree had changes); else
// plain 0.0.0-dev.
func versionNumber() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return devVersion
	}
	return versionFrom(bi)
}

func versionFrom(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		if len(v) > 1 && v[0] == 'v' && v[1] >= '0' && v[1] <= '9' {
			v = v[1:]
		}
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return devVersion
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	v := devVersion + "+" + rev
	if dirty {
		v += ".dirty"
	}
	return v
}

// versionString is the line `netc version` prints, in the form of `go version`.
func versionString() string {
	return fmt.Sprintf("netc version %s %s %s/%s", versionNumber(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func newVersion(e env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print netc's version",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(e.stdout, versionString())
			return err
		},
	}
}
