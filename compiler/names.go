package compiler

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The checks below are the rules Kubernetes and SQL apply to names. A name that fails
// is an error at its position; netc never mangles a name into something valid.

func isLowerAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// checkDNSLabel is Kubernetes' DNS-1123 label: namespaces, service and database names
// (they name NetworkPolicies and ServiceAccounts).
func checkDNSLabel(s string) error {
	if len(s) > 63 {
		return fmt.Errorf("is %d characters long; Kubernetes allows at most 63", len(s))
	}
	if s == "" {
		return fmt.Errorf("is empty")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isLowerAlnum(c) && c != '-' {
			return fmt.Errorf("is not a valid Kubernetes name: only lower-case letters, digits and '-' are allowed (a DNS-1123 label)")
		}
	}
	if s[0] == '-' || s[len(s)-1] == '-' {
		return fmt.Errorf("is not a valid Kubernetes name: it must start and end with a letter or digit (a DNS-1123 label)")
	}
	return nil
}

// checkDNSSubdomain is Kubernetes' DNS-1123 subdomain: ServiceAccount names.
func checkDNSSubdomain(s string) error {
	if len(s) > 253 {
		return fmt.Errorf("is %d characters long; Kubernetes allows at most 253", len(s))
	}
	for _, part := range strings.Split(s, ".") {
		if err := checkDNSLabel(part); err != nil {
			return fmt.Errorf("is not a valid Kubernetes name: it must be lower-case labels separated by '.' (a DNS-1123 subdomain)")
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// checkLabelName is a label's name part: at most 63 characters, alphanumeric at both
// ends, '-', '_' and '.' inside.
func checkLabelName(s string) error {
	if s == "" || len(s) > 63 {
		return fmt.Errorf("must be 1 to 63 characters")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return fmt.Errorf("may hold only letters, digits, '-', '_' and '.'")
		}
	}
	if !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return fmt.Errorf("must start and end with a letter or digit")
	}
	return nil
}

// checkLabelKey is a label key: an optional DNS subdomain prefix and '/', then a name.
func checkLabelKey(s string) error {
	name := s
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		if err := checkDNSSubdomain(s[:i]); err != nil {
			return fmt.Errorf("has an invalid prefix %q: it %v", s[:i], err)
		}
		name = s[i+1:]
	}
	if err := checkLabelName(name); err != nil {
		return fmt.Errorf("is not a valid label key: its name part %v", err)
	}
	return nil
}

// checkLabelValue is a label value: empty, or a label name.
func checkLabelValue(s string) error {
	if s == "" {
		return nil
	}
	if err := checkLabelName(s); err != nil {
		return fmt.Errorf("is not a valid label value: it %v", err)
	}
	return nil
}

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
