// Package conformance checks netc's Kubernetes output with code nobody in this project
// wrote: the API server's own validation from k8s.io/kubernetes, the upstream RBAC
// authorizer, and np-guard's netpol-analyzer. It is a separate module so that those
// heavy dependencies never reach netc's own go.mod.
//
// Run it with
//
//	cd test/conformance && go test ./...
//
// What it checks, for every program under examples/, a set of inline programs compiled
// by netc's compiler, and hand-built IR programs run through backends.Build:
//
//   - every file under kubernetes/ starts with the generated-file header and is listed,
//     directly or through another kustomization, by kubernetes/kustomization.yaml;
//   - every object decodes strictly (unknown or duplicate fields are errors) into its
//     k8s.io/api type, carries app.kubernetes.io/managed-by: netc, and — defaulted and
//     converted to the internal type as the API server does — passes upstream validation
//     (networking, core and rbac validation packages);
//   - every service has its ServiceAccount, token mounted only with a grant;
//   - the connectivity netpol-analyzer derives from the NetworkPolicies, over workload
//     fixtures with decoys, equals exactly the connectivity computed from the IR's edges
//     and DNS settings (never from the policies), in IPv4 and, through an
//     order-preserving projection onto IPv4, in IPv6 (the analyzer is IPv4-only).
//
// The harness tests (harness_test.go) feed it a hand-written output and deliberate
// mistakes in it, to show each kind of error is caught.
//
// The package has no non-test code; this file only documents it.
package conformance
