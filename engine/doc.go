// Package engine reads Kubernetes network policy and answers what it permits.
//
// It is netc's reading half: where the backends write NetworkPolicies from the IR, the
// engine takes arbitrary Kubernetes objects (netc's or anyone's) and computes their
// effect with the semantics of the NetworkPolicy v1 API:
//
//   - Read decodes YAML and JSON files, directories and standard input into a Cluster:
//     Namespaces, the workloads that own pods (Pod, Deployment, ReplicaSet,
//     StatefulSet, DaemonSet, Job, CronJob, ReplicationController), NetworkPolicies,
//     AdminNetworkPolicies, the BaselineAdminNetworkPolicy, and Services, Ingresses
//     and Routes for the ingress controller's paths, and RBAC (Role, ClusterRole
//     with aggregation, RoleBinding, ClusterRoleBinding). Other kinds are skipped
//     and counted.
//   - Cluster.Map is the whole connectivity map: for every pair of workloads, and
//     between workloads and the address ranges the policies name, the connections
//     allowed, as interval sets per protocol.
//   - Cluster.Explain is one pair: the policies that select each side and the rules
//     that allow (or the reason nothing does).
//   - Cluster.Authorize is who can do what: the RBAC objects as grants of
//     compiler/k8sapi's evaluator, with the binding, role and rule that decide.
//   - Diff and DiffClusters compare two maps (paths opened, closed, changed);
//     Permissions and SQLPrivileges list what grants and roles give, and Compare
//     puts the three together for netc diff.
//   - FromProgram builds the same Cluster from a compiled netc program, so intents are
//     answered through the very policies netc would write.
//
// The answers follow netpol-analyzer (np-guard) wherever the API leaves room, so that
// the text form is its `list` output line for line; docs/engine.md records each
// decision. Imports run one way: the engine reads the compiler's IR and the backends'
// typed objects; only cmd, live/kubestate and importer import the engine.
package engine
