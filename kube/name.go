package kube

// Kubernetes names: DNS-1123 labels and subdomains, label keys and values, and stable
// shortening of names that are too long.
//
// The predicates follow k8s.io/apimachinery/pkg/util/validation exactly (name_test.go
// checks them against it) but are written out here: that package pulls klog and
// k8s.io/utils into the build for four loops. The messages complete a sentence that
// names the thing: `service name "API" is not a valid Kubernetes name: ...`.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits Kubernetes puts on names.
const (
	LabelMaxLength     = 63  // a DNS-1123 label, a namespace, a label value, a label key's name part
	SubdomainMaxLength = 253 // a DNS-1123 subdomain: most object names, a label key's prefix
)

// HashLength is how many hex digits of the SHA-256 of the full name Shorten keeps.
const HashLength = 10

func isLowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// IsLabel reports whether s is a DNS-1123 label: 1 to 63 lower-case alphanumerics or
// '-', starting and ending with an alphanumeric. Namespaces and most netc object names
// are labels.
func IsLabel(s string) bool { return len(s) <= LabelMaxLength && labelChars(s) }

func labelChars(s string) bool {
	if s == "" || !isLowerAlnum(s[0]) || !isLowerAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !isLowerAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

// IsSubdomain reports whether s is a DNS-1123 subdomain: at most 253 characters, one or
// more labels (without their length limit) joined by '.'.
func IsSubdomain(s string) bool {
	if s == "" || len(s) > SubdomainMaxLength {
		return false
	}
	for part := range strings.SplitSeq(s, ".") {
		if !labelChars(part) {
			return false
		}
	}
	return true
}

// CheckLabel explains why s is not a DNS-1123 label, or returns nil.
func CheckLabel(s string) error {
	switch {
	case len(s) > LabelMaxLength:
		return fmt.Errorf("is %d characters long; Kubernetes allows at most %d", len(s), LabelMaxLength)
	case s == "":
		return fmt.Errorf("is empty")
	case strings.ContainsFunc(s, func(r rune) bool { return r > 0x7f || !isLowerAlnum(byte(r)) && r != '-' }):
		return fmt.Errorf("is not a valid Kubernetes name: only lower-case letters, digits and '-' are allowed (a DNS-1123 label)")
	case !labelChars(s):
		return fmt.Errorf("is not a valid Kubernetes name: it must start and end with a letter or digit (a DNS-1123 label)")
	}
	return nil
}

// CheckSubdomain explains why s is not a DNS-1123 subdomain, or returns nil.
func CheckSubdomain(s string) error {
	switch {
	case len(s) > SubdomainMaxLength:
		return fmt.Errorf("is %d characters long; Kubernetes allows at most %d", len(s), SubdomainMaxLength)
	case !IsSubdomain(s):
		return fmt.Errorf("is not a valid Kubernetes name: it must be lower-case labels separated by '.' (a DNS-1123 subdomain)")
	}
	return nil
}

// qualifiedChars is the name part of a label key and a non-empty label value:
// alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric.
func qualifiedChars(s string) bool {
	if s == "" || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// checkQualified says why s is not a label key's name part or a non-empty label value.
func checkQualified(s string) error {
	switch {
	case s == "" || len(s) > LabelMaxLength:
		return fmt.Errorf("must be 1 to %d characters", LabelMaxLength)
	case strings.ContainsFunc(s, func(r rune) bool { return r > 0x7f || !isAlnum(byte(r)) && r != '-' && r != '_' && r != '.' }):
		return fmt.Errorf("may hold only letters, digits, '-', '_' and '.'")
	case !qualifiedChars(s):
		return fmt.Errorf("must start and end with a letter or digit")
	}
	return nil
}

// CheckLabelKey explains why s is not a valid label key (an optional DNS-1123 subdomain
// prefix and '/', then a name of at most 63 characters), or returns nil.
func CheckLabelKey(s string) error {
	name := s
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		prefix := s[:i]
		if err := CheckSubdomain(prefix); err != nil {
			return fmt.Errorf("has an invalid prefix %q: it %v", prefix, err)
		}
		name = s[i+1:]
	}
	if err := checkQualified(name); err != nil {
		return fmt.Errorf("is not a valid label key: its name part %v", err)
	}
	return nil
}

// CheckLabelValue explains why s is not a valid label value (empty, or at most 63
// alphanumerics, '-', '_' or '.' starting and ending with an alphanumeric), or returns nil.
func CheckLabelValue(s string) error {
	if s == "" {
		return nil
	}
	if err := checkQualified(s); err != nil {
		return fmt.Errorf("is not a valid label value: it %v", err)
	}
	return nil
}

// Shorten returns name unchanged when it is at most max bytes long. A longer name is
// cut and suffixed with '-' and the first HashLength hex digits of the SHA-256 of the
// whole name, so the result is exactly max bytes or a little less, the same name always
// gives the same result, and two different long names give different results (they
// would need a 40-bit hash collision to meet).
//
// The cut drops trailing '-' and '.' so that a valid label or subdomain stays valid: the
// result starts like name and ends in a hex digit. When max leaves no room for a prefix
// (max <= HashLength+1) the result is the first max hex digits of the hash alone.
func Shorten(name string, max int) string {
	if len(name) <= max {
		return name
	}
	if max <= 0 {
		return ""
	}
	sum := sha256.Sum256([]byte(name))
	hash := hex.EncodeToString(sum[:])[:HashLength]
	keep := max - HashLength - 1
	if keep <= 0 {
		return hash[:min(max, HashLength)]
	}
	for keep > 0 && !utf8.RuneStart(name[keep]) {
		keep-- // never split a character
	}
	prefix := strings.TrimRight(name[:keep], "-.")
	if prefix == "" {
		return hash
	}
	return prefix + "-" + hash
}
