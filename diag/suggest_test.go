package diag

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"pods", "pods", 0},
		{"pod", "pods", 1},
		{"kitten", "sitting", 3},
		{"deploymnts", "deployments", 1},
		{"abc", "xyz", 3},
	}
	for _, tt := range tests {
		if got := EditDistance(tt.a, tt.b, 10); got != tt.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := EditDistance(tt.b, tt.a, 10); got != tt.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tt.b, tt.a, got, tt.want)
		}
	}
	if got := EditDistance("abcdef", "uvwxyz", 2); got < 2 {
		t.Errorf("capped distance = %d, want >= 2", got)
	}
}

func TestClosest(t *testing.T) {
	ids := []string{"any-port", "world-egress", "unused-role"}
	for word, want := range map[string]string{"any-prot": "any-port", "any-port": "", "unused-roles": "unused-role", "frobnicate": ""} {
		if got := Closest(word, 3, ids...); got != want {
			t.Errorf("Closest(%q) = %q, want %q", word, got, want)
		}
	}
}
