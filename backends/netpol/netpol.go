// Package netpol is the network backend: for every locked-down namespace it writes the
// NetworkPolicies that open exactly the paths of the intents (spec §3), and the
// ServiceAccounts of its services.
//
// Per namespace, in kubernetes/<ns>/networkpolicies.yaml:
//
//   - netc.default-deny: every pod, Ingress and Egress, no rules;
//   - netc.allow-dns (unless DNS is off): egress from every pod to the cluster DNS pods;
//   - one policy per workload (service or in-cluster database) named after it, selecting
//     its pods, with one ingress rule per distinct port list of the edges that reach it
//     and one egress rule per distinct port list of the edges that leave it.
//
// Workload names are DNS-1123 labels, so they never collide with the dotted netc.*
// names. Databases outside the cluster get no policy; they appear only as ipBlock peers.
// And in kubernetes/<ns>/serviceaccounts.yaml, one ServiceAccount per distinct account
// of the namespace's services, its token unmounted unless a service using it has a grant.
//
// The IR is canonical, so walking it in order gives stable output; the backend sorts
// only where it merges (peers of one rule, rules of one policy). Every step is linear in
// the program: edges are indexed by workload once.
package netpol

import (
	"cmp"
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/backends/internal/k8sname"
	"github.com/netc-dev/netc/backends/k8syaml"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
)

// Names and labels every netc object shares.
const (
	DefaultDenyName = "netc.default-deny"
	AllowDNSName    = "netc.allow-dns"

	ManagedByKey   = "app.kubernetes.io/managed-by"
	ManagedByValue = "netc"

	// NamespaceNameLabel is the label Kubernetes puts on every namespace with its name.
	NamespaceNameLabel = "kubernetes.io/metadata.name"

	PoliciesFile = "networkpolicies.yaml"
	AccountsFile = "serviceaccounts.yaml"
)

// Defaults for a DNS left zero in the IR.
const (
	defaultDNSNamespace = "kube-system"
	defaultDNSPort      = 53
)

var (
	policyType  = metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"}
	accountType = metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}
)

// Namespace is the objects of one locked-down namespace, in file order.
type Namespace struct {
	Name     string
	Policies []*networkingv1.NetworkPolicy
	Accounts []*corev1.ServiceAccount
}

// Emit writes kubernetes/<ns>/networkpolicies.yaml and, when the namespace has
// services, kubernetes/<ns>/serviceaccounts.yaml for every locked-down namespace,
// sorted by path. Namespaces are built and encoded in parallel; the output does not
// depend on how many run at once.
func Emit(p *ir.Program) ([]artifact.File, diag.List) {
	ix, diags := index(p)
	type result struct {
		files []artifact.File
		diags diag.List
	}
	results := make([]result, len(ix.namespaces))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(ix.namespaces)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			var a arena
			var enc k8syaml.Encoder // the index's maps never change during Emit
			for i := range work {
				a.reset() // the previous namespace's objects are encoded: reuse their memory
				ns := ix.build(ix.namespaces[i], &a)
				var r result
				var data []byte
				data, buf, r.diags = encode(&enc, ns.Policies, buf)
				r.files = append(r.files, artifact.File{Path: dir(ns.Name) + PoliciesFile, Data: data})
				if len(ns.Accounts) > 0 {
					var d diag.List
					data, buf, d = encode(&enc, ns.Accounts, buf)
					r.diags = append(r.diags, d...)
					r.files = append(r.files, artifact.File{Path: dir(ns.Name) + AccountsFile, Data: data})
				}
				results[i] = r
			}
		}()
	}
	for i := range ix.namespaces {
		work <- i
	}
	close(work)
	wg.Wait()

	var files []artifact.File
	for _, r := range results {
		files = append(files, r.files...)
		diags = append(diags, r.diags...)
	}
	slices.SortFunc(files, func(a, b artifact.File) int { return strings.Compare(a.Path, b.Path) })
	return files, diags
}

// Build returns the typed objects Emit writes, one Namespace per locked-down namespace
// in name order. Objects share their selector maps: treat them as read-only.
func Build(p *ir.Program) ([]Namespace, diag.List) {
	ix, diags := index(p)
	out := make([]Namespace, len(ix.namespaces))
	for i, ns := range ix.namespaces {
		out[i] = ix.build(ns, new(arena))
	}
	return out, diags
}

func dir(ns string) string { return "kubernetes/" + ns + "/" }

// encode writes objs as one YAML file: the generated-file header, then each object as
// a document opened by "---". buf is scratch space reused across calls.
func encode[T interface {
	k8sruntime.Object
	GetName() string
}](enc *k8syaml.Encoder, objs []T, buf []byte) ([]byte, []byte, diag.List) {
	var diags diag.List
	buf = append(buf[:0], "# "+artifact.Header+"\n"...)
	for _, o := range objs {
		buf = append(buf, "---\n"...)
		var err error
		if buf, err = enc.Append(buf, o); err != nil {
			diags.Errorf(diag.Span{}, "internal error: encoding %s: %v", o.GetName(), err)
		}
	}
	return slices.Clone(buf), buf, diags
}

// workload is a service or in-cluster database: pods the program selects, which get a
// policy of their own.
type workload struct {
	ns, name string
	labels   []ir.Label
	selector metav1.LabelSelector // shared by its policy and every peer naming it
	// local and remote are it as a peer of a policy in its own namespace and in another.
	local, remote networkingv1.NetworkPolicyPeer
	in, out       []end  // the far ends of the edges whose To, From is it, in IR order
	far           farEnd // it as the far end of an edge
	nIn, nOut     int    // counted before in and out are allocated
	span          diag.Span
	ok            bool // its names are valid; an invalid workload gets no policy
}

// end is the far end of an edge as one workload's policy sees it.
type end struct {
	ports *edgePorts
	far   *farEnd
}

// edgePorts is an edge's port list, and its NetworkPolicy form shared by both ends.
type edgePorts struct {
	key    []ir.Port // for grouping; empty means every port
	policy []networkingv1.NetworkPolicyPort
}

// farEnd is what a peer of the IR is in a policy: pods, or address blocks.
type farEnd struct {
	pods  *workload
	cidrs []peerKey
}

// nsIndex is what one namespace holds.
type nsIndex struct {
	name      string
	ok        bool
	workloads []*workload           // sorted by name
	services  []*ir.Service         // sorted by name
	selector  *metav1.LabelSelector // namespaceSelector for peers in this namespace
}

type programIndex struct {
	namespaces []*nsIndex
	byName     map[string]*nsIndex
	services   map[*ir.Service]*workload
	databases  map[*ir.Database]*workload
	dns        *networkingv1.NetworkPolicySpec // nil when DNS is off
	managed    map[string]string
}

// index validates the program's names and indexes every edge under the workloads at
// its two ends, in one pass over each list of the IR.
func index(p *ir.Program) (*programIndex, diag.List) {
	var diags diag.List
	ix := &programIndex{
		byName:    map[string]*nsIndex{},
		services:  make(map[*ir.Service]*workload, len(p.Services)),
		databases: map[*ir.Database]*workload{},
		managed:   map[string]string{ManagedByKey: ManagedByValue},
	}
	for _, name := range p.Namespaces {
		ix.namespace(name, diag.Span{}, &diags)
	}
	for _, s := range p.Services {
		ns := ix.namespace(s.Namespace, s.Span, &diags)
		w := ix.newWorkload(s.Namespace, s.Name, s.Labels, s.Span, "service", &diags)
		ix.services[s] = w
		ns.workloads = append(ns.workloads, w)
		ns.services = append(ns.services, s)
		if err := k8sname.CheckSubdomain(s.Account); err != nil {
			diags.Errorf(s.Span, "account %q of service %s/%s is not a valid ServiceAccount name: %v",
				s.Account, s.Namespace, s.Name, err)
		}
	}
	for _, d := range p.Databases {
		if !d.InCluster() {
			continue
		}
		ns := ix.namespace(d.Namespace, d.Span, &diags)
		w := ix.newWorkload(d.Namespace, d.Name, d.Labels, d.Span, "database", &diags)
		ix.databases[d] = w
		ns.workloads = append(ns.workloads, w)
	}

	// The compiler shares one Peer between the edges naming one thing; resolve each once.
	peers := map[*ir.Peer]*farEnd{}
	var lastPeer *ir.Peer
	var lastEnd *farEnd
	resolve := func(p *ir.Peer, span diag.Span) *farEnd {
		if p == lastPeer { // edges are sorted by source: most lookups repeat the last
			return lastEnd
		}
		r, ok := peers[p]
		if ok {
			lastPeer, lastEnd = p, r
			return r
		}
		for _, c := range p.CIDRs {
			if !c.IsValid() {
				diags.Errorf(span, "%s has an invalid CIDR", p.Key())
			}
		}
		switch {
		case p.Kind == ir.PeerPods:
			var w *workload
			if p.Service != nil {
				w = ix.services[p.Service]
			} else if p.Database != nil {
				w = ix.databases[p.Database]
			}
			if w == nil {
				// Pods the program does not declare (the compiler never makes these):
				// still a correct peer, just no policy of their own.
				w = ix.newWorkload(p.Namespace, "", p.Labels, diag.Span{}, "", &diags)
			}
			r = &w.far
		case p.World:
			r = &farEnd{}
			r.cidrs = []peerKey{worldV4, worldV6}
		default:
			r = &farEnd{}
			for _, c := range p.CIDRs {
				if c.IsValid() {
					r.cidrs = append(r.cidrs, cidrPeer(c.Masked()))
				}
			}
			slices.SortFunc(r.cidrs, peerKey.compare)
			r.cidrs = slices.CompactFunc(r.cidrs, func(a, b peerKey) bool { return a.compare(b) == 0 })
		}
		peers[p] = r
		lastPeer, lastEnd = p, r
		return r
	}
	// Two passes: count each workload's ends, then fill slices cut from one array.
	ends := make([]end, 2*len(p.Edges))
	// Port lists repeat across edges: convert each distinct one once, and let the edges
	// share it, so that grouping edges by port list compares pointers.
	distinct := map[string]*edgePorts{}
	var keyBuf []byte
	valid := 0
	for i, e := range p.Edges {
		if e.From == nil || e.To == nil {
			diags.Errorf(e.Span, "internal error: edge without an end")
			continue
		}
		from, to := resolve(e.From, e.Span), resolve(e.To, e.Span)
		keyBuf = portsKey(keyBuf[:0], e.Ports)
		ports, ok := distinct[string(keyBuf)]
		if !ok {
			checkPorts(e.Ports, &diags)
			ports = &edgePorts{key: e.Ports, policy: policyPorts(e.Ports)}
			distinct[string(keyBuf)] = ports
		}
		ends[2*i] = end{ports: ports, far: to}
		ends[2*i+1] = end{ports: ports, far: from}
		if w := from.pods; w != nil && w.name != "" {
			w.nOut++
		}
		if w := to.pods; w != nil && w.name != "" {
			w.nIn++
		}
		valid++
	}
	backing := make([]end, 0, 2*valid)
	for i := range p.Edges {
		to, from := ends[2*i].far, ends[2*i+1].far
		if to == nil {
			continue
		}
		if w := from.pods; w != nil && w.name != "" {
			if w.out == nil {
				w.out, backing = backing[len(backing):len(backing):len(backing)+w.nOut], backing[:len(backing)+w.nOut]
			}
			w.out = append(w.out, ends[2*i])
		}
		if w := to.pods; w != nil && w.name != "" {
			if w.in == nil {
				w.in, backing = backing[len(backing):len(backing):len(backing)+w.nIn], backing[:len(backing)+w.nIn]
			}
			w.in = append(w.in, ends[2*i+1])
		}
	}

	slices.SortFunc(ix.namespaces, func(a, b *nsIndex) int { return strings.Compare(a.name, b.name) })
	for _, ns := range ix.namespaces {
		// Services and databases are each sorted; merge them by name. A service and a
		// database of one name would be two policies of one name.
		slices.SortStableFunc(ns.workloads, func(a, b *workload) int { return strings.Compare(a.name, b.name) })
		for i := 1; i < len(ns.workloads); i++ {
			if a, b := ns.workloads[i-1], ns.workloads[i]; a.name == b.name && a.ok && b.ok {
				diags.Add(diag.Diagnostic{
					Span:    b.span,
					Message: fmt.Sprintf("%s/%s names two workloads: their NetworkPolicies would collide", b.ns, b.name),
					Related: []diag.Related{{Span: a.span, Message: "the other one"}},
				})
				b.ok = false
			}
		}
	}
	if p.DNS.Enabled {
		ix.dns = dnsSpec(p.DNS, &diags)
	}
	// A namespace with an invalid name gets no files: its path would not be one.
	ix.namespaces = slices.DeleteFunc(ix.namespaces, func(ns *nsIndex) bool { return !ns.ok })
	return ix, diags
}

func (ix *programIndex) namespace(name string, span diag.Span, diags *diag.List) *nsIndex {
	ns := ix.byName[name]
	if ns == nil {
		ns = &nsIndex{name: name, ok: true}
		if err := k8sname.CheckLabel(name); err != nil {
			diags.Errorf(span, "namespace %q is not a valid Kubernetes namespace name: %v", name, err)
			ns.ok = false
		}
		ns.selector = &metav1.LabelSelector{MatchLabels: map[string]string{NamespaceNameLabel: name}}
		ix.byName[name] = ns
		ix.namespaces = append(ix.namespaces, ns)
	}
	return ns
}

// newWorkload checks a workload's name and labels and builds its selector and peers.
// what is "service" or "database"; empty for pods that get no policy (name empty).
func (ix *programIndex) newWorkload(ns, name string, labels []ir.Label, span diag.Span, what string, diags *diag.List) *workload {
	w := &workload{ns: ns, name: name, labels: labels, span: span, ok: true}
	if what != "" {
		if err := k8sname.CheckLabel(name); err != nil {
			diags.Errorf(span, "%s name %q is not a valid Kubernetes object name: %v", what, name, err)
			w.ok = false
		}
	}
	w.selector = selector(labels, span, diags, &w.ok)
	w.far.pods = w
	w.local = networkingv1.NetworkPolicyPeer{PodSelector: &w.selector}
	var nsSel *metav1.LabelSelector
	if other := ix.byName[ns]; other != nil {
		nsSel = other.selector
	} else {
		nsSel = &metav1.LabelSelector{MatchLabels: map[string]string{NamespaceNameLabel: ns}}
	}
	w.remote = networkingv1.NetworkPolicyPeer{NamespaceSelector: nsSel, PodSelector: &w.selector}
	return w
}

// selector builds the pod selector of labels, checking each label; a bad one clears ok.
func selector(labels []ir.Label, span diag.Span, diags *diag.List, ok *bool) metav1.LabelSelector {
	if len(labels) == 0 {
		return metav1.LabelSelector{}
	}
	m := make(map[string]string, len(labels))
	for _, l := range labels {
		if err := k8sname.CheckLabelKey(l.Key); err != nil {
			diags.Errorf(span, "label key %q is not valid in Kubernetes: %v", l.Key, err)
			*ok = false
		}
		if err := k8sname.CheckLabelValue(l.Value); err != nil {
			diags.Errorf(span, "label value %q is not valid in Kubernetes: %v", l.Value, err)
			*ok = false
		}
		m[l.Key] = l.Value
	}
	return metav1.LabelSelector{MatchLabels: m}
}

// checkPorts reports ports Kubernetes would reject, once per distinct port list. The
// compiler checks them first; this is the backend refusing to write what it cannot
// stand behind.
func checkPorts(ports []ir.Port, diags *diag.List) {
	for _, pt := range ports {
		switch {
		case pt.Protocol != ir.TCP && pt.Protocol != ir.UDP && pt.Protocol != ir.SCTP:
			diags.Errorf(pt.Span, "protocol %q is not TCP, UDP or SCTP", pt.Protocol)
		case pt.Port < 0 || pt.Port > 65535:
			diags.Errorf(pt.Span, "port %d is out of range 1-65535", pt.Port)
		case pt.EndPort != 0 && (pt.EndPort < pt.Port || pt.EndPort > 65535 || pt.Port == 0):
			diags.Errorf(pt.Span, "port range %d-%d is not a range within 1-65535", pt.Port, pt.EndPort)
		}
	}
}

func dnsSpec(d ir.DNS, diags *diag.List) *networkingv1.NetworkPolicySpec {
	ns, port := d.Namespace, d.Port
	if ns == "" {
		ns = defaultDNSNamespace
	}
	if port == 0 {
		port = defaultDNSPort
	}
	if err := k8sname.CheckLabel(ns); err != nil {
		diags.Errorf(diag.Span{}, "DNS namespace %q is not a valid Kubernetes namespace name: %v", ns, err)
	}
	if port < 1 || port > 65535 {
		diags.Errorf(diag.Span{}, "DNS port %d is out of range 1-65535", port)
	}
	ok := true
	pods := selector(d.Labels, diag.Span{}, diags, &ok)
	nsSel := &metav1.LabelSelector{MatchLabels: map[string]string{NamespaceNameLabel: ns}}
	return &networkingv1.NetworkPolicySpec{
		Egress: []networkingv1.NetworkPolicyEgressRule{{
			Ports: []networkingv1.NetworkPolicyPort{
				{Protocol: protocol(ir.UDP), Port: portNumber(port)},
				{Protocol: protocol(ir.TCP), Port: portNumber(port)},
			},
			To: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: nsSel, PodSelector: &pods}},
		}},
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
	}
}

var protocols = map[ir.Protocol]*corev1.Protocol{}

func init() {
	for _, p := range []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP} {
		protocols[ir.Protocol(p)] = &p
	}
}

func protocol(p ir.Protocol) *corev1.Protocol {
	if v, ok := protocols[p]; ok {
		return v
	}
	v := corev1.Protocol(p)
	return &v
}

func portNumber(p int32) *intstr.IntOrString {
	v := intstr.FromInt32(p)
	return &v
}

func (ix *programIndex) meta(ns, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: ix.managed}
}

// build makes the objects of one namespace, taking their memory from a.
func (ix *programIndex) build(ns *nsIndex, a *arena) Namespace {
	out := Namespace{Name: ns.name}
	n := 1 + len(ns.workloads)
	if ix.dns != nil {
		n++
	}
	out.Policies = a.policyPtrs.take(n)[:0]
	deny := &a.policies.take(1)[0]
	*deny = networkingv1.NetworkPolicy{
		TypeMeta:   policyType,
		ObjectMeta: ix.meta(ns.name, DefaultDenyName),
		Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: bothTypes},
	}
	out.Policies = append(out.Policies, deny)
	if ix.dns != nil {
		dns := &a.policies.take(1)[0]
		*dns = networkingv1.NetworkPolicy{TypeMeta: policyType, ObjectMeta: ix.meta(ns.name, AllowDNSName), Spec: *ix.dns}
		out.Policies = append(out.Policies, dns)
	}
	m := &a.merger
	for _, w := range ns.workloads {
		if !w.ok || len(w.in) == 0 && len(w.out) == 0 {
			continue
		}
		np := &a.policies.take(1)[0]
		np.TypeMeta, np.ObjectMeta = policyType, ix.meta(ns.name, w.name)
		spec := &np.Spec
		spec.PodSelector = w.selector
		if groups := m.rules(w.ns, w.in, a); len(groups) > 0 {
			spec.Ingress = a.ingress.take(len(groups))
			for i := range groups {
				spec.Ingress[i] = networkingv1.NetworkPolicyIngressRule{Ports: groups[i].ports.policy, From: groups[i].peers}
			}
		}
		if groups := m.rules(w.ns, w.out, a); len(groups) > 0 {
			spec.Egress = a.egress.take(len(groups))
			for i := range groups {
				spec.Egress[i] = networkingv1.NetworkPolicyEgressRule{Ports: groups[i].ports.policy, To: groups[i].peers}
			}
		}
		switch {
		case spec.Ingress != nil && spec.Egress != nil:
			spec.PolicyTypes = bothTypes
		case spec.Ingress != nil:
			spec.PolicyTypes = ingressType
		default:
			spec.PolicyTypes = egressType
		}
		out.Policies = append(out.Policies, np)
	}
	out.Accounts = ix.accounts(ns, a)
	return out
}

// The policyTypes lists are shared by every policy: the objects are read-only.
var (
	bothTypes   = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	ingressType = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	egressType  = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
	mountTrue   = true
	mountFalse  = false
)

// accounts is one ServiceAccount per distinct account of the namespace's services,
// sorted by name; its token is mounted when any service using it needs it.
func (ix *programIndex) accounts(ns *nsIndex, a *arena) []*corev1.ServiceAccount {
	// Usually every service has its own account, named after it: already sorted and
	// distinct, so no map is needed.
	sorted := true
	for i, s := range ns.services {
		if i > 0 && ns.services[i-1].Account >= s.Account {
			sorted = false
			break
		}
	}
	var names []string
	var mount map[string]bool
	if sorted {
		names = a.names.take(len(ns.services))[:0]
		for _, s := range ns.services {
			if k8sname.IsSubdomain(s.Account) { // an invalid one is reported by index
				names = append(names, s.Account)
			}
		}
	} else {
		mount = make(map[string]bool, len(ns.services))
		for _, s := range ns.services {
			if !k8sname.IsSubdomain(s.Account) {
				continue
			}
			if _, seen := mount[s.Account]; !seen {
				names = append(names, s.Account)
			}
			mount[s.Account] = mount[s.Account] || s.MountToken
		}
		slices.Sort(names)
	}
	if len(names) == 0 {
		return nil
	}
	out := a.accountPtrs.take(len(names))
	accounts := a.accounts.take(len(names))
	j := 0
	for i, name := range names {
		var automount bool
		if sorted {
			for ns.services[j].Account != name {
				j++
			}
			automount = ns.services[j].MountToken
		} else {
			automount = mount[name]
		}
		accounts[i] = corev1.ServiceAccount{
			TypeMeta:                     accountType,
			ObjectMeta:                   ix.meta(ns.name, name),
			AutomountServiceAccountToken: &mountFalse,
		}
		if automount {
			accounts[i].AutomountServiceAccountToken = &mountTrue
		}
		out[i] = &accounts[i]
	}
	return out
}

// pool hands out slices cut from one chunk, so that the objects of a namespace cost a
// few allocations instead of thousands. A full chunk is left to its objects and a new,
// bigger one started; reset makes the current chunk reusable.
type pool[T any] struct{ buf []T }

func (p *pool[T]) take(n int) []T {
	if len(p.buf)+n > cap(p.buf) {
		p.buf = make([]T, 0, max(2*cap(p.buf), n, 16))
	}
	s := p.buf[len(p.buf) : len(p.buf)+n : len(p.buf)+n]
	p.buf = p.buf[:len(p.buf)+n]
	clear(s) // reused memory
	return s
}

func (p *pool[T]) reset() { p.buf = p.buf[:0] }

// arena is the memory of one namespace's objects. Emit resets it once a namespace is
// encoded; Build uses a fresh one per namespace, whose objects it returns.
type arena struct {
	policies    pool[networkingv1.NetworkPolicy]
	policyPtrs  pool[*networkingv1.NetworkPolicy]
	ingress     pool[networkingv1.NetworkPolicyIngressRule]
	egress      pool[networkingv1.NetworkPolicyEgressRule]
	peers       pool[networkingv1.NetworkPolicyPeer]
	accounts    pool[corev1.ServiceAccount]
	accountPtrs pool[*corev1.ServiceAccount]
	names       pool[string]
	merger      merger
}

func (a *arena) reset() {
	a.policies.reset()
	a.policyPtrs.reset()
	a.ingress.reset()
	a.egress.reset()
	a.peers.reset()
	a.accounts.reset()
	a.accountPtrs.reset()
	a.names.reset()
}

// peerKey orders and de-duplicates the peers of one rule: pods by namespace then
// labels (two workloads with the same pods are one peer), then address blocks by
// address.
type peerKey struct {
	pods   *workload
	prefix netip.Prefix
	block  *networkingv1.IPBlock
}

func (a peerKey) compare(b peerKey) int {
	switch {
	case a.pods != nil && b.pods == nil:
		return -1
	case a.pods == nil && b.pods != nil:
		return 1
	case a.pods == nil:
		if c := a.prefix.Addr().Compare(b.prefix.Addr()); c != 0 {
			return c
		}
		return cmp.Compare(a.prefix.Bits(), b.prefix.Bits())
	case a.pods == b.pods:
		return 0
	}
	if c := strings.Compare(a.pods.ns, b.pods.ns); c != 0 {
		return c
	}
	return slices.CompareFunc(a.pods.labels, b.pods.labels, func(x, y ir.Label) int {
		if c := strings.Compare(x.Key, y.Key); c != 0 {
			return c
		}
		return strings.Compare(x.Value, y.Value)
	})
}

// peer is the NetworkPolicy peer of k in a policy of namespace ns.
func (k peerKey) peer(ns string) networkingv1.NetworkPolicyPeer {
	switch {
	case k.pods == nil:
		return networkingv1.NetworkPolicyPeer{IPBlock: k.block}
	case k.pods.ns == ns:
		return k.pods.local
	}
	return k.pods.remote
}

var (
	worldV4 = cidrPeer(netip.MustParsePrefix("0.0.0.0/0"))
	worldV6 = cidrPeer(netip.MustParsePrefix("::/0"))
)

func cidrPeer(c netip.Prefix) peerKey {
	return peerKey{prefix: c, block: &networkingv1.IPBlock{CIDR: c.String()}}
}

// group is one rule being built: the peers of every edge with one port list.
type group struct {
	ports *edgePorts
	keys  []peerKey // scratch, reused
	peers []networkingv1.NetworkPolicyPeer
}

// merger groups edges into rules. Its scratch space is reused across workloads.
type merger struct {
	groups  []group
	byPorts map[*edgePorts]int // only for workloads with many distinct port lists
}

// manyGroups is where finding a rule's port list by scanning gets slower than hashing.
const manyGroups = 8

// rules turns the far ends of one direction of one workload's edges into rules: one
// per distinct port list, with the de-duplicated, sorted peers of all its edges; rules
// ordered by port list, every-port first. The result is valid until the next call.
func (m *merger) rules(ns string, ends []end, a *arena) []group {
	if len(ends) == 0 {
		return nil
	}
	for i := range m.groups {
		m.groups[i].keys = m.groups[i].keys[:0]
	}
	m.groups = m.groups[:0]
	clear(m.byPorts)
	for _, e := range ends {
		// Edges with equal port lists share one *edgePorts (see index).
		i := -1
		if len(m.groups) < manyGroups {
			for j := range m.groups {
				if m.groups[j].ports == e.ports {
					i = j
					break
				}
			}
		} else {
			if len(m.byPorts) == 0 {
				if m.byPorts == nil {
					m.byPorts = make(map[*edgePorts]int)
				}
				for j := range m.groups {
					m.byPorts[m.groups[j].ports] = j
				}
			}
			if j, ok := m.byPorts[e.ports]; ok {
				i = j
			} else {
				m.byPorts[e.ports] = len(m.groups)
			}
		}
		if i < 0 {
			i = len(m.groups)
			if len(m.groups) < cap(m.groups) {
				m.groups = m.groups[:i+1] // keep the old keys' capacity
			} else {
				m.groups = append(m.groups, group{})
			}
			m.groups[i].ports = e.ports
		}
		g := &m.groups[i]
		if e.far.pods != nil {
			g.keys = append(g.keys, peerKey{pods: e.far.pods})
		} else {
			g.keys = append(g.keys, e.far.cidrs...)
		}
	}
	if len(m.groups) > 1 {
		slices.SortFunc(m.groups, func(a, b group) int { return comparePorts(a.ports.key, b.ports.key) })
	}
	for i := range m.groups {
		g := &m.groups[i]
		if len(g.keys) > 1 {
			slices.SortFunc(g.keys, peerKey.compare)
			g.keys = slices.CompactFunc(g.keys, func(a, b peerKey) bool { return a.compare(b) == 0 })
		}
		g.peers = a.peers.take(len(g.keys))
		for j, k := range g.keys {
			g.peers[j] = k.peer(ns)
		}
	}
	return m.groups
}

// portsKey encodes a port list for hashing.
func portsKey(b []byte, ports []ir.Port) []byte {
	for _, p := range ports {
		b = append(b, p.Protocol...)
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(p.Port), 10)
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(p.EndPort), 10)
		b = append(b, ',')
	}
	return b
}

func comparePorts(a, b []ir.Port) int {
	return slices.CompareFunc(a, b, func(x, y ir.Port) int {
		if c := strings.Compare(string(x.Protocol), string(y.Protocol)); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Port, y.Port); c != 0 {
			return c
		}
		return cmp.Compare(x.EndPort, y.EndPort)
	})
}

// policyPorts is the NetworkPolicy form of a port list: the protocol always explicit,
// endPort for a range, no port number for port 0 (every port of the protocol).
func policyPorts(ports []ir.Port) []networkingv1.NetworkPolicyPort {
	if len(ports) == 0 {
		return nil
	}
	out := make([]networkingv1.NetworkPolicyPort, len(ports))
	for i, p := range ports {
		out[i].Protocol = protocol(p.Protocol)
		if p.Port != 0 {
			out[i].Port = portNumber(p.Port)
		}
		if p.EndPort != 0 && p.EndPort != p.Port {
			end := p.EndPort
			out[i].EndPort = &end
		}
	}
	return out
}
