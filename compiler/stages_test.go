package compiler

import (
	"slices"
	"testing"
)

// The stage table runs each stage after the ones whose state it reads.
func TestStageOrder(t *testing.T) {
	var names []string
	for _, st := range stages {
		if slices.Contains(names, st.name) {
			t.Errorf("stage %q is in the table twice", st.name)
		}
		names = append(names, st.name)
	}
	before := func(a, b string) {
		t.Helper()
		i, j := slices.Index(names, a), slices.Index(names, b)
		if i < 0 || j < 0 || i >= j {
			t.Errorf("stage %q must run before %q: %v", a, b, names)
		}
	}
	before("config", "waivers") // a waiver's rule id is checked against the severities
	before("waivers", "rules")  // rules consult the waivers
	before("declare", "implicit-databases")
	before("implicit-databases", "lower") // a plain use of the name must find the database
	before("lower", "roles")              // logins and `as role` roles exist
	before("roles", "canonicalise")
	before("canonicalise", "assertions")
	before("canonicalise", "rules")
	before("roles", "targets")        // logins hold their resolved roles
	before("canonicalise", "targets") // roles de-duplicated, as the SQL backend sees them
	before("rules", "targets")        // a wildcard's rule at error has reported it first
	clean := false
	for _, st := range stages {
		if clean && !st.needsClean {
			t.Errorf("stage %q runs on a program with errors after a stage that does not", st.name)
		}
		clean = clean || st.needsClean
	}
}
