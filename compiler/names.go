package compiler

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/netc-dev/netc/kube"
)

// The checks below are the rules Kubernetes and SQL apply to names. A name that fails
// is an error at its position; netc never mangles a name into something valid.

// The Kubernetes checks are package kube's, so a name gets the same message wherever
// it is written (a .net file, netc.hcl).
var (
	checkDNSLabel     = kube.CheckLabel     // namespaces, service and database names
	checkDNSSubdomain = kube.CheckSubdomain // ServiceAccount names
	checkLabelKey     = kube.CheckLabelKey
	checkLabelValue   = kube.CheckLabelValue
)

// checkSQLName is a SQL identifier as netc accepts it: 1 to 63 bytes (PostgreSQL's
// limit, which is also below MariaDB's 64), valid UTF-8, no NUL. Engines' tighter limits
// (MySQL user names) are checked by the SQL backend.
func checkSQLName(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("is empty")
	case len(s) > 63:
		return fmt.Errorf("is %d bytes long; SQL identifiers may have at most 63", len(s))
	case !utf8.ValidString(s):
		return fmt.Errorf("is not valid UTF-8")
	case strings.IndexByte(s, 0) >= 0:
		return fmt.Errorf("contains a NUL byte")
	}
	return nil
}

// checkRBACName is a user or group name: Kubernetes takes any non-empty string; netc
// refuses control characters so names print safely.
func checkRBACName(s string) error {
	if s == "" {
		return fmt.Errorf("is empty")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("contains a control character")
		}
	}
	return nil
}
