// Package kubestate audits what runs in a Kubernetes cluster against what a netc program
// compiles to. It reads the live objects (from an API server, read-only, or from the
// files `kubectl get -o yaml` writes) and reports:
//
//   - drift: netc's objects (labelled app.kubernetes.io/managed-by: netc) that are
//     missing, or whose spec differs semantically from the compiled one, and objects
//     with netc's label that the program does not generate;
//   - what other objects add: NetworkPolicies and admin network policies that open
//     paths the intents do not, each with those paths (the engine's connectivity with
//     the object against the intents' alone), and RoleBindings and
//     ClusterRoleBindings that grant the program's subjects, or anyone in the
//     program's namespaces, what the intents do not;
//   - namespaces the program locks down that have no default deny live.
//
// It never writes: the cluster reader issues only get and list requests.
package kubestate

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/engine"
	"github.com/netc-dev/netc/kube"
)

// The kinds the audit compares: those netc generates, and Namespaces.
const (
	KindNetworkPolicy      = "NetworkPolicy"
	KindRole               = "Role"
	KindClusterRole        = "ClusterRole"
	KindRoleBinding        = "RoleBinding"
	KindClusterRoleBinding = "ClusterRoleBinding"
	KindServiceAccount     = "ServiceAccount"
	KindNamespace          = "Namespace"
)

// policyKinds open or close paths; the engine reads them.
var policyKinds = []string{KindNetworkPolicy, "AdminNetworkPolicy", "BaselineAdminNetworkPolicy"}

// Key names an object: its kind, namespace ("" when cluster-scoped) and name.
type Key struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// String is "NetworkPolicy shop/backend", or "ClusterRole netc.group.sre".
func (k Key) String() string {
	if k.Namespace == "" {
		return k.Kind + " " + k.Name
	}
	return k.Kind + " " + k.Namespace + "/" + k.Name
}

func (k Key) compare(o Key) int {
	return cmp.Or(strings.Compare(k.Kind, o.Kind), strings.Compare(k.Namespace, o.Namespace), strings.Compare(k.Name, o.Name))
}

// Object is one object read, with its typed value for the kinds the audit compares.
type Object struct {
	Key
	Labels map[string]string
	Raw    engine.RawObject
	// Typed is *networkingv1.NetworkPolicy, *rbacv1.Role, *rbacv1.ClusterRole,
	// *rbacv1.RoleBinding, *rbacv1.ClusterRoleBinding, *corev1.ServiceAccount or
	// *corev1.Namespace; nil for other kinds.
	Typed any
	// fetched is set for an object read from an API server.
	fetched bool
}

// Managed reports whether the object carries netc's label.
func (o *Object) Managed() bool { return o.Labels[kube.ManagedByKey] == kube.ManagedByValue }

// Where is the object's position for messages: FILE:LINE for a file, "" when it was
// fetched from a cluster.
func (o *Object) Where() string {
	if o.fetched || o.Raw.Span.File == "" {
		return ""
	}
	return o.Raw.Span.String()
}

// State is a set of objects: what a cluster holds, or what the program compiles to.
type State struct {
	Objects []*Object // sorted by key
	byKey   map[Key]*Object
}

// namespaced kinds, of those the audit decodes.
var typedKinds = map[string]func() (any, bool){
	KindNetworkPolicy:      func() (any, bool) { return &networkingv1.NetworkPolicy{}, true },
	KindRole:               func() (any, bool) { return &rbacv1.Role{}, true },
	KindClusterRole:        func() (any, bool) { return &rbacv1.ClusterRole{}, false },
	KindRoleBinding:        func() (any, bool) { return &rbacv1.RoleBinding{}, true },
	KindClusterRoleBinding: func() (any, bool) { return &rbacv1.ClusterRoleBinding{}, false },
	KindServiceAccount:     func() (any, bool) { return &corev1.ServiceAccount{}, true },
	KindNamespace:          func() (any, bool) { return &corev1.Namespace{}, false },
}

// NewState decodes raw objects. A later object of the same key replaces an earlier
// one, as a second kubectl apply would; an object that does not decode is an error at
// its document.
func NewState(raws []engine.RawObject, diags *diag.List) *State {
	s := &State{byKey: map[Key]*Object{}}
	for _, r := range raws {
		var meta struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
		}
		if err := json.Unmarshal(r.JSON, &meta); err != nil {
			diags.Errorf(r.Span, "%s: metadata: %v", r.Kind, err)
			continue
		}
		o := &Object{Key: Key{Kind: r.Kind, Name: meta.Metadata.Name}, Labels: meta.Metadata.Labels, Raw: r}
		if mk, ok := typedKinds[r.Kind]; ok {
			v, namespaced := mk()
			if err := json.Unmarshal(r.JSON, v); err != nil {
				diags.Errorf(r.Span, "%s %s: %v", r.Kind, meta.Metadata.Name, err)
				continue
			}
			o.Typed = v
			if namespaced {
				o.Namespace = cmp.Or(meta.Metadata.Namespace, metav1.NamespaceDefault)
			}
		} else {
			o.Namespace = meta.Metadata.Namespace
		}
		if o.Typed == nil {
			// Other kinds are for the engine, which reads them as it reads files.
			s.Objects = append(s.Objects, o)
			continue
		}
		if o.Name == "" {
			diags.Errorf(r.Span, "%s without metadata.name", r.Kind)
			continue
		}
		if old, ok := s.byKey[o.Key]; ok {
			s.Objects[slices.Index(s.Objects, old)] = o
		} else {
			s.Objects = append(s.Objects, o)
		}
		s.byKey[o.Key] = o
	}
	slices.SortStableFunc(s.Objects, func(a, b *Object) int { return a.Key.compare(b.Key) })
	return s
}

// Get returns the object of key k (of a kind the audit compares), or nil.
func (s *State) Get(k Key) *Object { return s.byKey[k] }

// ReadManifests reads files and directories of manifests (as engine.ReadSources finds
// them: List kinds and multi-document YAML included) into a state.
func ReadManifests(srcs []engine.Source, diags *diag.List) *State {
	var raws []engine.RawObject
	for _, src := range srcs {
		raws = append(raws, engine.Objects(src, diags)...)
	}
	return NewState(raws, diags)
}
