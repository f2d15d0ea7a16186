package importer

import (
	"context"
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"

	"github.com/netc-dev/netc/engine"
)

// lister lists one kind in every namespace, a page at a time.
type lister struct {
	name, kind, apiVersion string
	list                   func(ctx context.Context, o metav1.ListOptions) (runtime.Object, string, error)
}

// ListSources lists the kinds netc import reads through cs, only with list calls. The
// objects a controller owns (ReplicaSets of a Deployment, Jobs of a CronJob, every
// controller's Pods) are left out: the top-level workload stands for its pods, with the
// labels of its pod template, as in manifests.
func ListSources(ctx context.Context, cs kubernetes.Interface, prefix string) ([]engine.Source, error) {
	const page = 500
	core, apps, batch, net, rbac := cs.CoreV1(), cs.AppsV1(), cs.BatchV1(), cs.NetworkingV1(), cs.RbacV1()
	listers := []lister{
		{"namespaces", "Namespace", "v1", func(ctx context.Context, o metav1.ListOptions) (runtime.Object, string, error) {
			l, err := core.Namespaces().List(ctx, o)
			return l, cont(l, err), err
		}},
		{"pods", "Pod", "v1", func(ctx context.Context, o metav1.ListOptions) (runtime.Object, string, error) {
			l, err := core.Pods("").List(ctx, o)
			return l, cont(l, err), err
		}},
		{"replicationcontrollers", "ReplicationController", "v1", func(ctx context.Context, o metav1.ListOptions) (runtime.Object, string, error) {
			l, err := core.ReplicationControllers("").List(ctx, o)
			return l, cont(l, err), err
		}},
		{"deployments", "Deployment", "apps/v1", func(ctx context.Context, o metav1.ListOptions) (runtime.Object, string, error) {
			l, err := apps.Deployments("").List(ctx, o)
			return l, cont(l, err), err
		}},
		{"replicasets", "ReplicaSet", "apps/v1", func(ctx context.Context, o metav1.ListOptions) (runtime.Object, string, error) {
			l, err := apps.ReplicaSets("").List(ctx, o)
			return l, cont(l, err), err
		}},
		{"statefulsets", "StatefulSet", "apps/v1", func(ctx context.Context, o metav1.ListOptions) (runtime.Object, string, error) {
			l, err := apps.StatefulSets("").List(ctx, o)
			return l, cont(l, err), err
		}},
		{"daemonsets", "DaemonSet", "apps/v1", func(ctx context.Context, o metav1.ListOptions) (runtime.Object, string, error) {
			l, err := apps.DaemonSets("").List(ctx, o)
			return l, cont(l, err), err
		}},
		{"jobs", "Job", "batch/v1", func(ctx context.Context, o metav1.ListOptions) (runtime.Object, string, error) {
			l, err := batch.Jobs("").List(ctx, o)
			return l, cont(l, err), err
		}},
		{"cronjobs", "CronJob", "batch/v1", func(ctx context.Context, o metav1.ListOptions) (runtime.Object, string, error) {
			l, err := batch.CronJobs("").List(ctx, o)
			return l, cont(l, err), err
		}},
		{"networkpolicies", "NetworkPolicy", "networking.k8s.io/v1", func(ctx context.Context, o metav1.ListOptions) (runtime.Object, string, error) {
			l, err := net.NetworkPolicies("").List(ctx, o)
			return l, cont(l, err), err
		}},
		{"roles", "Role", "rbac.authorization.k8s.io/v1", func(ctx context.Context, o metav1.ListOptions) (runtime.Object, string, error) {
			l, err := rbac.Roles("").List(ctx, o)
			return l, cont(l, err), err
		}},
		{"rolebindings", "RoleBinding", "rbac.authorization.k8s.io/v1", func(ctx context.Context, o metav1.ListOptions) (runtime.Object, string, error) {
			l, err := rbac.RoleBindings("").List(ctx, o)
			return l, cont(l, err), err
		}},
		{"clusterroles", "ClusterRole", "rbac.authorization.k8s.io/v1", func(ctx context.Context, o metav1.ListOptions) (runtime.Object, string, error) {
			l, err := rbac.ClusterRoles().List(ctx, o)
			return l, cont(l, err), err
		}},
		{"clusterrolebindings", "ClusterRoleBinding", "rbac.authorization.k8s.io/v1", func(ctx context.Context, o metav1.ListOptions) (runtime.Object, string, error) {
			l, err := rbac.ClusterRoleBindings().List(ctx, o)
			return l, cont(l, err), err
		}},
	}
	var srcs []engine.Source
	for _, l := range listers {
		var items []json.RawMessage
		opts := metav1.ListOptions{Limit: page}
		for {
			obj, next, err := l.list(ctx, opts)
			if err != nil {
				return nil, fmt.Errorf("%s: list %s: %v", prefix, l.name, err)
			}
			got, err := ownedLeftOut(obj)
			if err != nil {
				return nil, err
			}
			items = append(items, got...)
			if next == "" {
				break
			}
			opts.Continue = next
		}
		data, err := json.Marshal(map[string]any{"apiVersion": l.apiVersion, "kind": l.kind + "List", "items": items})
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, engine.Source{Name: prefix + "/" + l.name, Data: data})
	}
	return srcs, nil
}

func cont(l metav1.ListInterface, err error) string {
	if err != nil {
		return ""
	}
	return l.GetContinue()
}

// ownedLeftOut is the items of a typed list, as JSON, without those a controller owns.
func ownedLeftOut(list runtime.Object) ([]json.RawMessage, error) {
	data, err := json.Marshal(list)
	if err != nil {
		return nil, err
	}
	var l struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, err
	}
	var res []json.RawMessage
	for _, it := range l.Items {
		var m struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
		}
		if err := json.Unmarshal(it, &m); err != nil {
			return nil, err
		}
		if o := metav1.GetControllerOfNoCopy(&m.Metadata); o != nil && o.Kind != "Node" {
			continue
		}
		res = append(res, it)
	}
	return res, nil
}
