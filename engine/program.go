package engine

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netc-dev/netc/backends/netpol"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
)

// Kinds of the workloads FromProgram makes. They are netc's words, in lower case, so
// they never pass for a Kubernetes kind.
const (
	KindService  = "service"
	KindDatabase = "database"
	KindDNS      = "dns"
)

// FromProgram is the cluster a compiled program describes: the NetworkPolicies netc
// writes for it (the netpol backend's typed objects, not re-read from YAML), one
// workload per service and in-cluster database with its selector labels and named
// ports, the cluster DNS pods when DNS is on (kube-system/kube-dns by default), and
// every namespace they live in. Answers about it are answers about what netc builds.
func FromProgram(p *ir.Program) (*Cluster, diag.List) {
	return fromProgram(p, netpol.Build(p))
}

// FromProgramNamespaces is FromProgram with the NetworkPolicies of the namespaces keep
// accepts only (every workload and namespace is there): enough to explain a pair
// whose ends live in those namespaces, not for the map.
func FromProgramNamespaces(p *ir.Program, keep func(ns string) bool) (*Cluster, diag.List) {
	return fromProgram(p, netpol.BuildNamespaces(p, keep))
}

func fromProgram(p *ir.Program, nss []netpol.Namespace) (*Cluster, diag.List) {
	c := NewCluster()
	c.trusted = true
	var diags diag.List
	for _, ns := range nss {
		for _, np := range ns.Policies {
			c.AddPolicy(np, diag.Span{}, &diags)
		}
	}
	tmpl := func(ls []ir.Label, ports []corev1.ContainerPort) *corev1.PodTemplateSpec {
		t := &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{}}}
		for _, l := range ls {
			t.Labels[l.Key] = l.Value
		}
		t.Spec.Containers = []corev1.Container{{Name: "main", Ports: ports}}
		return t
	}
	for _, s := range p.Services {
		var ports []corev1.ContainerPort
		for _, np := range s.Ports {
			ports = append(ports, corev1.ContainerPort{Name: np.Name, ContainerPort: np.Port, Protocol: corev1.Protocol(np.Protocol)})
		}
		c.AddWorkload(s.Namespace, s.Name, KindService, tmpl(s.Labels, ports), s.Span, &diags)
	}
	for _, d := range p.Databases {
		if d.InCluster() {
			ports := []corev1.ContainerPort{{ContainerPort: d.Port, Protocol: corev1.ProtocolTCP}}
			c.AddWorkload(d.Namespace, d.Name, KindDatabase, tmpl(d.Labels, ports), d.Span, &diags)
		}
	}
	if p.DNS.Enabled {
		ns, ls := p.DNS.Namespace, p.DNS.Labels
		if ns == "" {
			ns = "kube-system"
		}
		if len(ls) == 0 {
			ls = []ir.Label{{Key: "k8s-app", Value: "kube-dns"}}
		}
		c.AddWorkload(ns, "kube-dns", KindDNS, tmpl(ls, nil), diag.Span{}, &diags)
	}
	for _, ns := range p.Namespaces {
		c.AddNamespace(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, diag.Span{})
	}
	return c, diags
}
