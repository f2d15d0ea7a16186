// Package kube holds the facts about Kubernetes that netc states once: what a valid name,
// label key and label value are (the compiler, netc.hcl and the backends all check with
// these functions, so one name gets one message wherever it is written), the label every
// generated object carries, where the Kubernetes files go, and the cluster DNS a
// locked-down namespace may reach by default.
//
// It is a leaf: it imports nothing of netc, so config, compiler and backends may all use
// it.
package kube

// ManagedByKey and ManagedByValue are the label every object netc generates carries.
const (
	ManagedByKey   = "app.kubernetes.io/managed-by"
	ManagedByValue = "netc"
)

// ManagedBy returns a fresh map holding the managed-by label, for an object's labels.
func ManagedBy() map[string]string { return map[string]string{ManagedByKey: ManagedByValue} }

// NamespaceNameLabel is the label Kubernetes puts on every namespace with its name; a
// namespaceSelector selects one namespace by it.
const NamespaceNameLabel = "kubernetes.io/metadata.name"

// Dir is the directory of the Kubernetes files, relative to the output directory.
const Dir = "kubernetes/"

// NamespaceDir is the directory of namespace ns's files, relative to the output directory.
func NamespaceDir(ns string) string { return Dir + ns + "/" }

// The cluster DNS every pod of a locked-down namespace may reach unless netc.hcl says
// otherwise: CoreDNS or kube-dns as kubeadm, kind, GKE, EKS and AKS deploy it.
const (
	DefaultDNSNamespace = "kube-system"
	DefaultDNSLabelKey  = "k8s-app"
	DefaultDNSLabel     = "kube-dns"
	DefaultDNSPort      = 53
)
