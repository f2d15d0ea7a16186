package kube

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

// corpus is names on both sides of every rule, plus random strings over the characters
// the rules care about.
func corpus() []string {
	s := []string{
		"", "a", "0", "-", ".", "_", "a-b", "a--b", "-a", "a-", "A", "aB", "a.b", "a..b", ".a", "a.",
		"a_b", "1-2", "frontend", "netc.default-deny", "kube-system", "app.kubernetes.io/managed-by",
		"kubernetes.io/metadata.name", "k8s-app", "/a", "a/", "a/b/c", "example.com/", "Example.com/x",
		"a b", "é", "a\x00", strings.Repeat("a", 63), strings.Repeat("a", 64), strings.Repeat("a", 253),
		strings.Repeat("a", 254), strings.Repeat("a.", 126) + "a", strings.Repeat("a", 253) + "/b",
		strings.Repeat("a", 63) + "/" + strings.Repeat("b", 63), "a/" + strings.Repeat("b", 64),
	}
	r := rand.New(rand.NewPCG(1, 2))
	const chars = "az09AZ-._/ é"
	for range 20000 {
		n := r.IntN(8)
		if r.IntN(10) == 0 {
			n = 60 + r.IntN(200)
		}
		var b strings.Builder
		for range n {
			b.WriteByte(chars[r.IntN(len(chars))])
		}
		s = append(s, b.String())
	}
	return s
}

// TestAgainstUpstream checks every predicate against k8s.io/apimachinery's validation,
// the code the API server runs.
func TestAgainstUpstream(t *testing.T) {
	for _, s := range corpus() {
		check := func(what string, got bool, upstream []string) {
			t.Helper()
			if want := len(upstream) == 0; got != want {
				t.Errorf("%s(%q) = %v, upstream says %v %v", what, s, got, want, upstream)
			}
		}
		check("IsLabel", IsLabel(s), validation.IsDNS1123Label(s))
		check("CheckLabel", CheckLabel(s) == nil, validation.IsDNS1123Label(s))
		check("IsSubdomain", IsSubdomain(s), validation.IsDNS1123Subdomain(s))
		check("CheckSubdomain", CheckSubdomain(s) == nil, validation.IsDNS1123Subdomain(s))
		check("CheckLabelKey", CheckLabelKey(s) == nil, validation.IsQualifiedName(s))
		check("CheckLabelValue", CheckLabelValue(s) == nil, validation.IsValidLabelValue(s))
	}
}

func TestShortenKeepsShortNames(t *testing.T) {
	for _, name := range []string{"", "a", "backend", strings.Repeat("x", 63)} {
		if got := Shorten(name, 63); got != name {
			t.Errorf("Shorten(%q, 63) = %q, want it unchanged", name, got)
		}
	}
}

func TestShortenLongNames(t *testing.T) {
	long := strings.Repeat("a", 70)
	got := Shorten(long, 63)
	// sha256("a"*70) begins with these digits; computed independently with sha256sum.
	want := strings.Repeat("a", 52) + "-" + "6bd5e50348"
	if got != want {
		t.Errorf("Shorten(a*70, 63) = %q, want %q", got, want)
	}

	seen := map[string]string{}
	for i := range 5000 {
		for _, base := range []string{
			strings.Repeat("role-binding-", 6),
			strings.Repeat("a.b-", 20),
			strings.Repeat("x", 51) + "-", // the cut lands on a '-'
			strings.Repeat("x", 51) + ".", // the cut lands on a '.'
		} {
			name := fmt.Sprintf("%s%d", base, i)
			for _, max := range []int{63, 253} {
				if len(name) <= max {
					continue
				}
				s := Shorten(name, max)
				if len(s) > max {
					t.Fatalf("Shorten(%q, %d) = %q is %d bytes", name, max, s, len(s))
				}
				if Shorten(name, max) != s {
					t.Fatalf("Shorten(%q) is not stable", name)
				}
				if !IsSubdomain(s) {
					t.Fatalf("Shorten(%q, %d) = %q is not a subdomain", name, max, s)
				}
				if max == 63 && strings.Count(name, ".") == 0 && !IsLabel(s) {
					t.Fatalf("Shorten(%q, 63) = %q is not a label", name, s)
				}
				key := fmt.Sprint(max, s)
				if prev, ok := seen[key]; ok && prev != name {
					t.Fatalf("Shorten collides: %q and %q both give %q", prev, name, s)
				}
				seen[key] = name
			}
		}
	}
}

func TestShortenTinyMax(t *testing.T) {
	name := strings.Repeat("b", 40)
	for max := 0; max <= HashLength+2; max++ {
		s := Shorten(name, max)
		if len(s) > max {
			t.Errorf("Shorten(b*40, %d) = %q is too long", max, s)
		}
		if max > 0 && !IsLabel(s) {
			t.Errorf("Shorten(b*40, %d) = %q is not a label", max, s)
		}
	}
}
