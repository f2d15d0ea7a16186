package k8sapi

import (
	"strings"

	"github.com/netc-dev/netc/compiler/ir"
)

// RuleLabel renders the resources of an RBAC rule as a user writes them, as Label
// does one: "configmaps", "deployments.apps, pods/log". Rules and backends word their
// messages with it.
func RuleLabel(r ir.Rule) string {
	labels := make([]string, len(r.Resources))
	for i, res := range r.Resources {
		labels[i] = Label(r.APIGroup, res)
	}
	return strings.Join(labels, ", ")
}
