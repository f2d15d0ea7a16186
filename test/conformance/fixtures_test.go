package conformance

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netc-dev/netc/compiler/ir"
)

// nsLabel is the label Kubernetes puts on every namespace; netc's namespaceSelectors use it.
const nsLabel = "kubernetes.io/metadata.name"

// pod is one workload of the fixtures: a Pod with labels in a namespace.
type pod struct {
	Namespace, Name string
	Labels          map[string]string
	Ports           []corev1.ContainerPort
	Why             string // what the pod stands for, for failure messages
}

func (p *pod) key() string { return p.Namespace + "/" + p.Name }

// fixtures is the cluster the analyzer evaluates the policies in.
type fixtures struct {
	Namespaces []string
	Pods       []*pod
}

// buildFixtures makes a cluster for p from the IR alone (never from netc's output):
//   - two pods per service and in-cluster database (two replicas), carrying exactly its
//     selector labels and its named ports;
//   - decoys: a pod with the same labels in an unmanaged namespace and in the next
//     locked-down namespace; for a selector of two or more labels, a pod lacking each one
//     of them in the same namespace; a "stranger" pod no intent mentions in every namespace;
//   - the cluster DNS pod (kube-dns in kube-system by default).
func buildFixtures(p *ir.Program) *fixtures {
	nsSet := map[string]bool{}
	for _, ns := range p.Namespaces {
		nsSet[ns] = true
	}
	for _, e := range p.Edges {
		for _, peer := range []*ir.Peer{e.From, e.To} {
			if peer.Kind == ir.PeerPods {
				nsSet[peer.Namespace] = true
			}
		}
	}
	dnsNS, dnsLabels := "kube-system", map[string]string{"k8s-app": "kube-dns"}
	if p.DNS.Namespace != "" {
		dnsNS = p.DNS.Namespace
	}
	if len(p.DNS.Labels) > 0 {
		dnsLabels = labelMap(p.DNS.Labels)
	}
	nsSet[dnsNS] = true
	decoyNS := "netc-decoy"
	for nsSet[decoyNS] {
		decoyNS += "-x"
	}
	nsSet[decoyNS] = true

	f := &fixtures{Namespaces: slices.Sorted(maps.Keys(nsSet))}
	used := map[string]bool{}
	add := func(ns, name string, labels map[string]string, ports []corev1.ContainerPort, why string) {
		name = podName(name)
		for used[ns+"/"+name] {
			name += "-x"
		}
		used[ns+"/"+name] = true
		f.Pods = append(f.Pods, &pod{Namespace: ns, Name: name, Labels: labels, Ports: ports, Why: why})
	}

	type workload struct {
		ns, name string
		labels   []ir.Label
		ports    []corev1.ContainerPort
		what     string
	}
	var ws []workload
	for _, s := range p.Services {
		ws = append(ws, workload{s.Namespace, s.Name, s.Labels, containerPorts(s.Ports), "service"})
	}
	for _, d := range p.Databases {
		if d.InCluster() {
			ws = append(ws, workload{d.Namespace, d.Name, d.Labels, []corev1.ContainerPort{{Name: "sql", ContainerPort: d.Port, Protocol: corev1.ProtocolTCP}}, "database"})
		}
	}
	// Peers of edges whose service or database is not in the lists above still get pods.
	seen := map[string]bool{}
	for _, w := range ws {
		seen[w.ns+"/"+w.name] = true
	}
	for _, e := range p.Edges {
		for _, peer := range []*ir.Peer{e.From, e.To} {
			if peer.Kind == ir.PeerPods && !seen[peer.Key()] {
				seen[peer.Key()] = true
				name := peer.Key()[strings.LastIndex(peer.Key(), "/")+1:]
				ws = append(ws, workload{peer.Namespace, name, peer.Labels, nil, "peer"})
			}
		}
	}

	locked := slices.Clone(p.Namespaces)
	for _, w := range ws {
		labels := labelMap(w.labels)
		add(w.ns, w.name, labels, w.ports, w.what+" "+w.ns+"/"+w.name)
		// A second replica: traffic between replicas is a path like any other (open
		// only by an intent from the workload to itself).
		add(w.ns, w.name+"-replica", maps.Clone(labels), w.ports, "second replica of "+w.what+" "+w.ns+"/"+w.name)
		add(decoyNS, w.ns+"-"+w.name, maps.Clone(labels), w.ports,
			fmt.Sprintf("decoy: labels of %s/%s in unmanaged namespace %s", w.ns, w.name, decoyNS))
		if other := nextOther(locked, w.ns); other != "" {
			add(other, "decoy-"+w.ns+"-"+w.name, maps.Clone(labels), w.ports,
				fmt.Sprintf("decoy: labels of %s/%s in locked-down namespace %s", w.ns, w.name, other))
		}
		if len(w.labels) >= 2 {
			for _, l := range w.labels {
				partial := maps.Clone(labels)
				delete(partial, l.Key)
				add(w.ns, w.name+"-without-"+l.Key, partial, w.ports,
					fmt.Sprintf("decoy: %s/%s lacking label %s", w.ns, w.name, l.Key))
			}
		}
	}
	// Workloads whose selectors select each other's pods: the pods of each already carry
	// the broader one's labels too. Decoys: the broader one's labels plus a narrower
	// one's extra key with another value (the broader one's pod), and, for two
	// workloads that share a label with neither inside the other, a pod carrying both
	// label sets (a pod of both).
	for i, w := range ws {
		for j, o := range ws {
			if i == j || w.ns != o.ns || len(w.labels) == 0 || !sharesLabel(w.labels, o.labels) {
				continue
			}
			wl, ol := labelMap(w.labels), labelMap(o.labels)
			switch {
			case len(o.labels) > len(w.labels) && labelsWithin(w.labels, o.labels):
				for _, l := range o.labels {
					if _, own := wl[l.Key]; !own {
						d := maps.Clone(wl)
						d[l.Key] = l.Value + "-other"
						add(w.ns, w.name+"-not-"+o.name, d, w.ports,
							fmt.Sprintf("decoy: labels of %s/%s with %s=%s, so not narrower %s's", w.ns, w.name, l.Key, d[l.Key], o.name))
					}
				}
			case i < j && !labelsWithin(w.labels, o.labels) && !labelsWithin(o.labels, w.labels) && compatible(wl, ol):
				both := maps.Clone(wl)
				maps.Copy(both, ol)
				add(w.ns, w.name+"-and-"+o.name, both, w.ports,
					fmt.Sprintf("decoy: labels of both %s/%s and %s", w.ns, w.name, o.name))
			}
		}
	}
	for _, ns := range f.Namespaces {
		add(ns, "stranger", map[string]string{"app": "netc-stranger"}, nil, "decoy: a pod no intent mentions")
	}
	add(dnsNS, "kube-dns", dnsLabels, []corev1.ContainerPort{
		{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP},
		{Name: "dns-tcp", ContainerPort: 53, Protocol: corev1.ProtocolTCP},
	}, "cluster DNS")
	return f
}

// sharesLabel reports whether a and b have a key=value in common.
func sharesLabel(a, b []ir.Label) bool {
	return slices.ContainsFunc(a, func(l ir.Label) bool { return slices.Contains(b, l) })
}

// compatible reports whether one pod can carry both label sets.
func compatible(a, b map[string]string) bool {
	for k, v := range a {
		if w, ok := b[k]; ok && w != v {
			return false
		}
	}
	return true
}

// nextOther returns the locked-down namespace after ns (cyclically), or "" when ns is the only one.
func nextOther(locked []string, ns string) string {
	for i, n := range locked {
		if n == ns {
			if len(locked) < 2 {
				return ""
			}
			return locked[(i+1)%len(locked)]
		}
	}
	if len(locked) > 0 {
		return locked[0]
	}
	return ""
}

func labelMap(ls []ir.Label) map[string]string {
	m := make(map[string]string, len(ls))
	for _, l := range ls {
		m[l.Key] = l.Value
	}
	return m
}

func containerPorts(ps []ir.NamedPort) []corev1.ContainerPort {
	var res []corev1.ContainerPort
	for _, np := range ps {
		res = append(res, corev1.ContainerPort{Name: np.Name, ContainerPort: np.Port, Protocol: corev1.Protocol(np.Protocol)})
	}
	return res
}

// podName turns any text into a valid pod name (a DNS subdomain).
func podName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	n := strings.Trim(b.String(), "-.")
	if len(n) > 200 {
		n = n[:200]
	}
	if n == "" {
		n = "pod"
	}
	return n
}

// podIP is the IP of the i-th pod of the fixtures, in 10.244.0.0/16.
func podIP(i int) string { return fmt.Sprintf("10.244.%d.%d", (i+1)/250, (i+1)%250+1) }

// objects renders the fixtures as Kubernetes objects. Pods are scheduled (hostIP and a
// pod IP), which the analyzer requires; pod IPs come from 10.244.0.0/16 and no ipBlock
// is ever taken to select a pod.
func (f *fixtures) objects() []runtime.Object {
	var res []runtime.Object
	for _, ns := range f.Namespaces {
		res = append(res, &corev1.Namespace{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{nsLabel: ns}},
		})
	}
	for i, p := range f.Pods {
		ip := podIP(i)
		res = append(res, &corev1.Pod{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: p.Name, Labels: p.Labels},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "main", Image: "registry.example/app:1", Ports: p.Ports,
			}}},
			Status: corev1.PodStatus{
				Phase:  corev1.PodRunning,
				HostIP: "192.168.0.1",
				PodIP:  ip,
				PodIPs: []corev1.PodIP{{IP: ip}},
			},
		})
	}
	return res
}
