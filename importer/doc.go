// Package importer turns what a cluster already has (NetworkPolicies, workloads,
// namespaces and RBAC objects) into a netc intents program: `netc import`.
//
// The network half goes through the engine: the original objects' connectivity map
// (every pair of workloads, and workloads with address ranges) is what the program
// must reproduce, so each intent is one pair's allowed connections, and each service
// selects its workload by the workload's own labels. What intents cannot say exactly
// is a Finding, placed as a comment where it belongs and listed in the report. The
// program is then compiled, its NetworkPolicies built and analysed on the original
// workloads, and every pair whose connections differ from the original's is listed
// too: the report is checked, not predicted.
//
// The access half reads Roles, ClusterRoles and their bindings and writes one grant
// per bound rule and subject, with netc's bundles where they fit exactly.
//
// docs/import.md describes the decisions.
package importer
