package conformance

// Packages the RBAC conformance tests (rbac_test.go) use, imported here too so that
// go.mod and go.sum always hold what they need, whichever file lands first.
import (
	_ "k8s.io/kubernetes/pkg/apis/rbac/validation"
	_ "k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac"
)
