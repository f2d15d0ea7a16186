// Command netc compiles intent files into Kubernetes NetworkPolicies, RBAC and SQL
// GRANT scripts (netc build), and lints them (netc check). docs/cli.md describes the
// command line; this package is only that command line: it reads inputs, calls the
// compiler and the backends, prints diagnostics and writes the output directory.
package main

import "os"

func main() {
	os.Exit(Main())
}
