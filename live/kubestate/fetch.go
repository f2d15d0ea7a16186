package kubestate

import (
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/engine"
)

// Connection says which cluster to read: a kubeconfig file (empty: as kubectl finds
// it, $KUBECONFIG or ~/.kube/config) and a context in it (empty: the current one).
type Connection struct {
	Kubeconfig, Context string
}

// Config is the client configuration the kubeconfig gives, and the server it names.
func (c Connection) Config() (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = c.Kubeconfig
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: c.Context})
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %v", err)
	}
	cfg.UserAgent = "netc-audit"
	// About twenty lists in a row: no client-side throttling between them.
	cfg.QPS, cfg.Burst = 50, 100
	return cfg, nil
}

// fetched are the resources the audit lists, all namespaces at once: what the engine
// reads for connectivity, and the RBAC objects and ServiceAccounts netc writes. The
// admin network policies are listed when the API server serves them.
var fetched = []struct {
	gvr      schema.GroupVersionResource
	kind     string
	optional bool // a resource of an API the server may not have
}{
	{schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}, "Namespace", false},
	{schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies"}, "NetworkPolicy", false},
	{schema.GroupVersionResource{Group: "policy.networking.k8s.io", Version: "v1alpha1", Resource: "adminnetworkpolicies"}, "AdminNetworkPolicy", true},
	{schema.GroupVersionResource{Group: "policy.networking.k8s.io", Version: "v1alpha1", Resource: "baselineadminnetworkpolicies"}, "BaselineAdminNetworkPolicy", true},
	{schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"}, "Role", false},
	{schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"}, "ClusterRole", false},
	{schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"}, "RoleBinding", false},
	{schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings"}, "ClusterRoleBinding", false},
	{schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}, "ServiceAccount", false},
	{schema.GroupVersionResource{Version: "v1", Resource: "pods"}, "Pod", false},
	{schema.GroupVersionResource{Version: "v1", Resource: "replicationcontrollers"}, "ReplicationController", false},
	{schema.GroupVersionResource{Version: "v1", Resource: "services"}, "Service", false},
	{schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, "Deployment", false},
	{schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}, "ReplicaSet", false},
	{schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "statefulsets"}, "StatefulSet", false},
	{schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "daemonsets"}, "DaemonSet", false},
	{schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}, "Job", false},
	{schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "cronjobs"}, "CronJob", false},
	{schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"}, "Ingress", false},
}

// Fetch lists the live objects the audit reads, with list requests only (the client
// has no other verb in this package). A resource the server does not serve is
// skipped when it is optional; any other failure (no access, no server) is an error.
func Fetch(ctx context.Context, cfg *rest.Config, diags *diag.List) (*State, error) {
	dc, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	var raws []engine.RawObject
	for _, f := range fetched {
		var items []unstructured.Unstructured
		opts := metav1.ListOptions{Limit: 500}
		for {
			list, err := dc.Resource(f.gvr).List(ctx, opts)
			if err != nil {
				if f.optional && isNotServed(err) {
					break
				}
				return nil, fmt.Errorf("list %s: %v", f.gvr.GroupResource(), err)
			}
			items = append(items, list.Items...)
			if opts.Continue = list.GetContinue(); opts.Continue == "" {
				break
			}
		}
		for _, it := range items {
			it.SetAPIVersion(f.gvr.GroupVersion().String())
			it.SetKind(f.kind)
			js, err := json.Marshal(it.Object)
			if err != nil {
				return nil, err
			}
			raws = append(raws, engine.RawObject{APIVersion: it.GetAPIVersion(), Kind: f.kind, JSON: js,
				Span: diag.Span{File: "cluster"}})
		}
	}
	s := NewState(raws, diags)
	for _, o := range s.Objects {
		o.fetched = true
	}
	return s, nil
}

// isNotServed reports whether err says the API server has no such resource.
func isNotServed(err error) bool {
	return apierrors.IsNotFound(err) || meta.IsNoMatchError(err)
}
