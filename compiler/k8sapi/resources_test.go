package k8sapi

import (
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		in   string
		want Resource
	}{
		{"pods", Resource{Group: "", Name: "pods", Namespaced: true, Builtin: true}},
		{"pods/log", Resource{Group: "", Name: "pods", Subresource: "log", Namespaced: true, Builtin: true}},
		{"pods/eviction", Resource{Group: "", Name: "pods", Subresource: "eviction", Namespaced: true, Builtin: true}},
		{"serviceaccounts/token", Resource{Group: "", Name: "serviceaccounts", Subresource: "token", Namespaced: true, Builtin: true}},
		{"nodes", Resource{Group: "", Name: "nodes", Namespaced: false, Builtin: true}},
		{"namespaces", Resource{Group: "", Name: "namespaces", Namespaced: false, Builtin: true}},
		{"persistentvolumes", Resource{Group: "", Name: "persistentvolumes", Namespaced: false, Builtin: true}},
		{"events", Resource{Group: "", Name: "events", Namespaced: true, Builtin: true}},
		{"events.events.k8s.io", Resource{Group: "events.k8s.io", Name: "events", Namespaced: true, Builtin: true}},
		{"deployments", Resource{Group: "apps", Name: "deployments", Namespaced: true, Builtin: true}},
		{"deployments.apps", Resource{Group: "apps", Name: "deployments", Namespaced: true, Builtin: true}},
		{"deployments.apps/scale", Resource{Group: "apps", Name: "deployments", Subresource: "scale", Namespaced: true, Builtin: true}},
		{"cronjobs", Resource{Group: "batch", Name: "cronjobs", Namespaced: true, Builtin: true}},
		{"networkpolicies", Resource{Group: "networking.k8s.io", Name: "networkpolicies", Namespaced: true, Builtin: true}},
		{"roles", Resource{Group: "rbac.authorization.k8s.io", Name: "roles", Namespaced: true, Builtin: true}},
		{"clusterrolebindings", Resource{Group: "rbac.authorization.k8s.io", Name: "clusterrolebindings", Namespaced: false, Builtin: true}},
		{"poddisruptionbudgets", Resource{Group: "policy", Name: "poddisruptionbudgets", Namespaced: true, Builtin: true}},
		{"horizontalpodautoscalers", Resource{Group: "autoscaling", Name: "horizontalpodautoscalers", Namespaced: true, Builtin: true}},
		{"storageclasses", Resource{Group: "storage.k8s.io", Name: "storageclasses", Namespaced: false, Builtin: true}},
		{"customresourcedefinitions", Resource{Group: "apiextensions.k8s.io", Name: "customresourcedefinitions", Namespaced: false, Builtin: true}},
		{"leases", Resource{Group: "coordination.k8s.io", Name: "leases", Namespaced: true, Builtin: true}},
		{"endpointslices", Resource{Group: "discovery.k8s.io", Name: "endpointslices", Namespaced: true, Builtin: true}},
		{"priorityclasses", Resource{Group: "scheduling.k8s.io", Name: "priorityclasses", Namespaced: false, Builtin: true}},
		{"runtimeclasses", Resource{Group: "node.k8s.io", Name: "runtimeclasses", Namespaced: false, Builtin: true}},
		{"flowschemas", Resource{Group: "flowcontrol.apiserver.k8s.io", Name: "flowschemas", Namespaced: false, Builtin: true}},
		{"resourceclaims", Resource{Group: "resource.k8s.io", Name: "resourceclaims", Namespaced: true, Builtin: true}},
		{"certificatesigningrequests/approval", Resource{Group: "certificates.k8s.io", Name: "certificatesigningrequests", Subresource: "approval", Namespaced: false, Builtin: true}},
		{"validatingwebhookconfigurations", Resource{Group: "admissionregistration.k8s.io", Name: "validatingwebhookconfigurations", Namespaced: false, Builtin: true}},
		{"pods.metrics.k8s.io", Resource{Group: "metrics.k8s.io", Name: "pods", Namespaced: true, Builtin: true}},
		{"nodes.metrics.k8s.io", Resource{Group: "metrics.k8s.io", Name: "nodes", Namespaced: false, Builtin: true}},
		{"pods.core", Resource{Group: "", Name: "pods", Namespaced: true, Builtin: true}},
		{"userextras/scopes", Resource{Group: "authentication.k8s.io", Name: "userextras", Subresource: "scopes", Namespaced: false, Builtin: true}},
		// Custom resources: taken as given, assumed namespaced.
		{"certificates.cert-manager.io", Resource{Group: "cert-manager.io", Name: "certificates", Namespaced: true}},
		{"httproutes.gateway.networking.k8s.io", Resource{Group: "gateway.networking.k8s.io", Name: "httproutes", Namespaced: true}},
		{"volumesnapshots.snapshot.storage.k8s.io/status", Resource{Group: "snapshot.storage.k8s.io", Name: "volumesnapshots", Subresource: "status", Namespaced: true}},
		// Wildcards.
		{"*", Resource{Group: "*", Name: "*", Namespaced: true}},
		{"*.apps", Resource{Group: "apps", Name: "*", Namespaced: true}},
	}
	for _, tt := range tests {
		got, err := Lookup(tt.in)
		if err != nil {
			t.Errorf("Lookup(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Lookup(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestLookupErrors(t *testing.T) {
	tests := []struct {
		in, want string // want: a substring of the error
	}{
		{"pod", "did you mean pods?"},
		{"deploymnts", "did you mean deployments?"},
		{"networkpolicy", "did you mean networkpolicies?"},
		{"secret", "did you mean secrets?"},
		{"confgmaps", "did you mean configmaps?"},
		{"pods/logs", "did you mean pods/log?"},
		{"pods/exce", "did you mean pods/exec?"},
		{"deploymnts.apps", "did you mean deployments.apps?"},
		{"deployments.app", "did you mean apps?"},
		{"networkpolicies.networking.k8s.i", "did you mean networkpolicies.networking.k8s.io?"},
		{"Pods", "did you mean pods?"},
		{"Deployments", "lower case"},
		{"certificates", "RESOURCE.GROUP"},
		{"widgets", "RESOURCE.GROUP"},
		{"widgets.example", "has a dot"},
		{"foo.apps", "API group apps has no resource foo"},
		{"secrets/foo", "secrets has no subresources"},
		{"pods/", "empty subresource"},
		{"pods.", "empty API group"},
		{"", "empty resource"},
		{"po_ds", "invalid resource name"},
		{"widgets.Example.com", "lower case"},
		{"widgets.exa_mple.com", "invalid API group"},
		{"*/log", "wildcard resource takes no subresource"},
	}
	for _, tt := range tests {
		got, err := Lookup(tt.in)
		if err == nil {
			t.Errorf("Lookup(%q) = %+v, want an error containing %q", tt.in, got, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Lookup(%q) error = %q, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestTableConsistent(t *testing.T) {
	seen := map[groupResource]bool{}
	for _, e := range table {
		k := groupResource{e.group, e.name}
		if seen[k] {
			t.Errorf("%s.%s appears twice", e.name, e.group)
		}
		seen[k] = true
		if !isLabel(e.name) {
			t.Errorf("bad resource name %q", e.name)
		}
		for _, s := range e.subresources {
			if !isLabel(s) {
				t.Errorf("bad subresource %s/%s", e.name, s)
			}
		}
		// Every entry can be looked up with its group spelled out.
		spelled := e.name
		if e.group != "" {
			spelled += "." + e.group
		}
		r, err := Lookup(spelled)
		if err != nil || r.Group != e.group || r.Name != e.name || r.Namespaced != bool(e.scope) {
			t.Errorf("Lookup(%q) = %+v, %v", spelled, r, err)
		}
	}
	for _, g := range []string{"", "apps", "batch", "networking.k8s.io", "rbac.authorization.k8s.io", "policy",
		"autoscaling", "storage.k8s.io", "apiextensions.k8s.io", "admissionregistration.k8s.io",
		"certificates.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "events.k8s.io",
		"scheduling.k8s.io", "node.k8s.io", "flowcontrol.apiserver.k8s.io", "resource.k8s.io"} {
		if !IsBuiltinGroup(g) {
			t.Errorf("group %q missing from the table", g)
		}
	}
}

func TestNamespaced(t *testing.T) {
	tests := []struct {
		group, res string
		want       bool
	}{
		{"", "pods", true},
		{"", "pods/log", true},
		{"", "nodes", false},
		{"", "nodes/proxy", false},
		{"rbac.authorization.k8s.io", "clusterroles", false},
		{"rbac.authorization.k8s.io", "roles", true},
		{"cert-manager.io", "certificates", true},
		{"*", "*", true},
		{"apps", "*", true},
	}
	for _, tt := range tests {
		if got := Namespaced(tt.group, tt.res); got != tt.want {
			t.Errorf("Namespaced(%q, %q) = %v, want %v", tt.group, tt.res, got, tt.want)
		}
	}
}

func TestResourceString(t *testing.T) {
	for in, want := range map[string]string{
		"pods":                         "pods",
		"pods/log":                     "pods/log",
		"deployments":                  "deployments.apps",
		"deployments.apps/scale":       "deployments.apps/scale",
		"certificates.cert-manager.io": "certificates.cert-manager.io",
	} {
		r, err := Lookup(in)
		if err != nil {
			t.Fatal(err)
		}
		if r.String() != want {
			t.Errorf("Lookup(%q).String() = %q, want %q", in, r.String(), want)
		}
		// What String prints, Lookup reads back.
		if back, err := Lookup(r.String()); err != nil || back != r {
			t.Errorf("Lookup(%q) = %+v, %v; want %+v", r.String(), back, err, r)
		}
	}
}

func TestShort(t *testing.T) {
	for in, want := range map[string]string{
		"pods/log":                     "pods/log",
		"deployments.apps":             "deployments",
		"events":                       "events",
		"events.events.k8s.io":         "events.events.k8s.io",
		"pods.metrics.k8s.io":          "pods.metrics.k8s.io",
		"certificates.cert-manager.io": "certificates.cert-manager.io",
		"*":                            "*",
		"*.apps":                       "*.apps",
	} {
		r, err := Lookup(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Short(); got != want {
			t.Errorf("Lookup(%q).Short() = %q, want %q", in, got, want)
		}
		if back, err := Lookup(r.Short()); err != nil || back != r {
			t.Errorf("Lookup(%q) = %+v, %v; want %+v", r.Short(), back, err, r)
		}
		if got := Label(r.Group, r.RBACName()); got != want {
			t.Errorf("Label(%q, %q) = %q, want %q", r.Group, r.RBACName(), got, want)
		}
	}
}
