package engine

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netc-dev/netc/diag"
)

// nsNameLabel is the label the API server puts on every namespace.
const nsNameLabel = "kubernetes.io/metadata.name"

// Namespace is a namespace and its labels (always with kubernetes.io/metadata.name).
type Namespace struct {
	Name   string
	Labels map[string]string
	Span   diag.Span // zero when the namespace was only implied by its objects
}

// Workload is what owns pods: the pods of one Deployment, StatefulSet, ... or a bare
// Pod. All its pods share the template's labels and container ports.
type Workload struct {
	Namespace, Name string
	Kind            string // Deployment, Pod, ...; for a pod with a controller, the controller's kind
	Labels          map[string]string
	Ports           []corev1.ContainerPort
	Span            diag.Span
	id              int
	key             string // String(), computed once
}

// String is netpol-analyzer's name of a workload: NS/NAME[KIND].
func (w *Workload) String() string {
	if w.key == "" {
		return w.Namespace + "/" + w.Name + "[" + w.Kind + "]"
	}
	return w.key
}

// namedPort resolves a named container port, as the pods of w define it.
func (w *Workload) namedPort(name string) (Protocol, Port, bool) {
	for _, cp := range w.Ports {
		if cp.Name == name {
			p, ok := parseProtocol(string(cp.Protocol))
			return p, Port(cp.ContainerPort), ok
		}
	}
	return 0, 0, false
}

// Policy is a NetworkPolicy, parsed.
type Policy struct {
	Namespace, Name string
	Span            diag.Span
	Object          *networkingv1.NetworkPolicy
	selector        labels.Selector
	selKey          string // the podSelector's canonical key
	// AffectsIngress and AffectsEgress are the policyTypes, defaulted as the API does:
	// Ingress always, Egress when there are egress rules.
	AffectsIngress, AffectsEgress bool
	Ingress, Egress               []*Rule
}

// String is NS/NAME.
func (p *Policy) String() string { return p.Namespace + "/" + p.Name }

// Rule is one ingress or egress rule of a policy.
type Rule struct {
	Policy  *Policy
	Index   int // 0-based, in the policy's list
	Ingress bool
	// anyPeer is a rule without from/to: it matches every workload and address.
	anyPeer bool
	peers   []rulePeer
	ips     IPSet // the union of its ipBlocks
	// anyPort is a rule without ports; otherwise conn are its numeric ports and named
	// its named ones, resolved against each destination.
	anyPort bool
	conn    Conn
	named   []namedPort
	// matched is the workloads the rule's pod peers select, sorted by id, computed by
	// ix on first use (matchedIDs): netc diff consults few rules of the clean
	// workloads.
	matched []int
	ix      *index
}

// String names the rule as netpol-analyzer's explanations do: "Ingress rule #1".
func (r *Rule) String() string {
	dir := "Egress"
	if r.Ingress {
		dir = "Ingress"
	}
	return fmt.Sprintf("%s rule #%d", dir, r.Index+1)
}

type namedPort struct {
	proto Protocol
	name  string
}

// rulePeer is one entry of from/to. Pod peers have nsSel (nil: the policy's namespace)
// and podSel (nil: every pod); ipBlock peers have ips.
type rulePeer struct {
	ipBlock       bool
	nsSel         labels.Selector
	podSel        labels.Selector
	nsKey, podKey string // the selectors' canonical keys
	nsID, podID   int32  // and their numbers (selectorHit)
	ips           IPSet
}

// Cluster is what was read: namespaces, workloads and policies, sorted.
type Cluster struct {
	Namespaces []*Namespace // by name
	Workloads  []*Workload  // by String()
	Policies   []*Policy    // by namespace, name
	// Kinds counts the objects read, by kind; Skipped those of kinds the engine does
	// not read.
	Kinds, Skipped map[string]int

	nsByName map[string]*Namespace
	sels     map[string]selectorHit         // parsed selectors by canonical key
	trusted  bool                           // objects from netc's backend: labels already validated
	byMap    map[unsafe.Pointer]selectorHit // trusted selectors by their matchLabels map
	wlByKey  map[string]*Workload
	services []*service      // Services with a selector
	ingress  []ingressTarget // what Ingresses and Routes send to
	admins   []*AdminPolicy  // AdminNetworkPolicies by priority
	baseline *AdminPolicy    // the BaselineAdminNetworkPolicy, if any
	ipv6     bool            // some ipBlock is IPv6: the address space includes IPv6
	sorted   bool            // objects has run; add nothing after it
	ix       *index
	rbac     rbacState
}

// NewCluster returns an empty cluster to add objects to.
func NewCluster() *Cluster {
	return &Cluster{Kinds: map[string]int{}, Skipped: map[string]int{}, nsByName: map[string]*Namespace{}, wlByKey: map[string]*Workload{},
		sels: map[string]selectorHit{}, byMap: map[unsafe.Pointer]selectorHit{}}
}

func defaultNS(ns string) string {
	if ns == "" {
		return metav1.NamespaceDefault
	}
	return ns
}

// AddNamespace adds a Namespace object.
func (c *Cluster) AddNamespace(ns *corev1.Namespace, span diag.Span) {
	l := make(map[string]string, len(ns.Labels)+1)
	for k, v := range ns.Labels {
		l[k] = v
	}
	if _, ok := l[nsNameLabel]; !ok {
		l[nsNameLabel] = ns.Name
	}
	// A later definition of the same namespace wins, as with kubectl apply.
	n := &Namespace{Name: ns.Name, Labels: l, Span: span}
	c.nsByName[ns.Name] = n
}

// AddWorkload adds the pods of a workload: its namespace, name and kind, and its pod
// template's labels and containers. A second workload of the same name and kind in a
// namespace is the same workload; the first definition is kept.
func (c *Cluster) AddWorkload(ns, name, kind string, tmpl *corev1.PodTemplateSpec, span diag.Span, diags *diag.List) {
	ns = defaultNS(ns)
	w := &Workload{Namespace: ns, Name: name, Kind: kind, Labels: map[string]string{}, Span: span}
	if tmpl != nil {
		for k, v := range tmpl.Labels {
			w.Labels[k] = v
		}
		for _, ct := range tmpl.Spec.Containers {
			w.Ports = append(w.Ports, ct.Ports...)
		}
	}
	key := w.String()
	w.key = key
	if old, ok := c.wlByKey[key]; ok {
		if !maps.Equal(old.Labels, w.Labels) {
			diags.Add(diag.Diagnostic{Severity: diag.Warning, Span: span,
				Message: fmt.Sprintf("pods of %s have different labels; the engine uses those of the first, at %s", key, old.Span)})
		}
		return
	}
	c.wlByKey[key] = w
}

// AddPod adds a Pod: to the workload of its controller (ownerReferences with
// controller: true, other than a Node), else as a workload of its own.
func (c *Cluster) AddPod(p *corev1.Pod, span diag.Span, diags *diag.List) {
	name, kind := p.Name, "Pod"
	for _, o := range p.OwnerReferences {
		if o.Controller != nil && *o.Controller {
			if o.Kind != "Node" { // a static pod is a workload of its own
				name, kind = o.Name, cmp.Or(o.Kind, "Pod")
			}
			break
		}
	}
	c.AddWorkload(p.Namespace, name, kind, &corev1.PodTemplateSpec{ObjectMeta: p.ObjectMeta, Spec: p.Spec}, span, diags)
}

// AddPolicy parses and adds a NetworkPolicy; a policy the API would reject is an error
// at span and is not added.
func (c *Cluster) AddPolicy(np *networkingv1.NetworkPolicy, span diag.Span, diags *diag.List) {
	p := &Policy{Namespace: defaultNS(np.Namespace), Name: np.Name, Span: span, Object: np}
	bad := func(format string, args ...any) {
		diags.Add(diag.Diagnostic{Severity: diag.Error, Span: span,
			Message: fmt.Sprintf("NetworkPolicy %s: ", p) + fmt.Sprintf(format, args...)})
	}
	sel, key, err := c.selector(&np.Spec.PodSelector)
	if err != nil {
		bad("podSelector: %v", err)
		return
	}
	p.selector, p.selKey = sel, key
	if len(np.Spec.PolicyTypes) == 0 {
		p.AffectsIngress = true
		p.AffectsEgress = len(np.Spec.Egress) > 0
	}
	for _, t := range np.Spec.PolicyTypes {
		switch t {
		case networkingv1.PolicyTypeIngress:
			p.AffectsIngress = true
		case networkingv1.PolicyTypeEgress:
			p.AffectsEgress = true
		default:
			bad("policyTypes: unknown type %q", t)
			return
		}
	}
	ok := true
	for i, r := range np.Spec.Ingress {
		rule, msg := c.parseRule(p, i, true, r.From, r.Ports)
		if msg != "" {
			bad("ingress rule #%d: %s", i+1, msg)
			ok = false
		}
		p.Ingress = append(p.Ingress, rule)
	}
	for i, r := range np.Spec.Egress {
		rule, msg := c.parseRule(p, i, false, r.To, r.Ports)
		if msg != "" {
			bad("egress rule #%d: %s", i+1, msg)
			ok = false
		}
		p.Egress = append(p.Egress, rule)
	}
	if ok {
		c.Policies = append(c.Policies, p)
	}
}

func (c *Cluster) parseRule(p *Policy, idx int, ingress bool, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) (*Rule, string) {
	r := &Rule{Policy: p, Index: idx, Ingress: ingress, anyPeer: len(peers) == 0, anyPort: len(ports) == 0}
	if len(peers) > 0 {
		r.peers = make([]rulePeer, 0, len(peers))
	}
	for j, peer := range peers {
		hasSel := peer.PodSelector != nil || peer.NamespaceSelector != nil
		switch {
		case !hasSel && peer.IPBlock == nil:
			return r, fmt.Sprintf("peer #%d: sets none of podSelector, namespaceSelector and ipBlock", j+1)
		case hasSel && peer.IPBlock != nil:
			return r, fmt.Sprintf("peer #%d: ipBlock cannot be combined with podSelector or namespaceSelector", j+1)
		case peer.IPBlock != nil:
			ips, msg := ipBlockSet(peer.IPBlock)
			if msg != "" {
				return r, fmt.Sprintf("peer #%d: %s", j+1, msg)
			}
			if len(ips) > 0 && ips[len(ips)-1].Hi.Is6() {
				c.ipv6 = true
			}
			r.peers = append(r.peers, rulePeer{ipBlock: true, ips: ips})
			r.ips = r.ips.union(ips)
		default:
			var rp rulePeer
			var err error
			var h selectorHit
			if peer.NamespaceSelector != nil {
				if h, err = c.selectorHit(peer.NamespaceSelector); err != nil {
					return r, fmt.Sprintf("peer #%d: namespaceSelector: %v", j+1, err)
				}
				rp.nsSel, rp.nsKey, rp.nsID = h.sel, h.key, h.id
			}
			if peer.PodSelector != nil {
				if h, err = c.selectorHit(peer.PodSelector); err != nil {
					return r, fmt.Sprintf("peer #%d: podSelector: %v", j+1, err)
				}
				rp.podSel, rp.podKey, rp.podID = h.sel, h.key, h.id
			}
			r.peers = append(r.peers, rp)
		}
	}
	for j, pt := range ports {
		proto := TCP
		if pt.Protocol != nil {
			var ok bool
			if proto, ok = parseProtocol(string(*pt.Protocol)); !ok {
				return r, fmt.Sprintf("port #%d: unknown protocol %q", j+1, *pt.Protocol)
			}
		}
		switch {
		case pt.Port == nil:
			if pt.EndPort != nil {
				return r, fmt.Sprintf("port #%d: endPort needs port", j+1)
			}
			r.conn[proto] = allPortSet
		case pt.Port.Type == intstr.String:
			if pt.EndPort != nil {
				return r, fmt.Sprintf("port #%d: endPort cannot be used with the named port %q", j+1, pt.Port.StrVal)
			}
			r.named = append(r.named, namedPort{proto, pt.Port.StrVal})
		default:
			lo, hi := pt.Port.IntVal, pt.Port.IntVal
			if pt.EndPort != nil {
				hi = *pt.EndPort
			}
			if lo < int32(minPort) || hi > int32(maxPort) || hi < lo {
				if pt.EndPort != nil {
					return r, fmt.Sprintf("port #%d: port range %d-%d is not within 1-65535 or ends before it starts", j+1, lo, hi)
				}
				return r, fmt.Sprintf("port #%d: port %d is not within 1-65535", j+1, lo)
			}
			r.conn[proto] = r.conn[proto].union(single(Port(lo), Port(hi)))
		}
	}
	return r, ""
}

// selector parses a label selector once per distinct selector (policies repeat
// them, and parsing validates every key and value): the parsed form and its key.
func (c *Cluster) selector(ls *metav1.LabelSelector) (labels.Selector, string, error) {
	h, err := c.selectorHit(ls)
	return h.sel, h.key, err
}

// selectorHit is selector with the selector's number: equal keys, equal numbers.
func (c *Cluster) selectorHit(ls *metav1.LabelSelector) (selectorHit, error) {
	// netc's backend shares one map among the selectors that are equal: for its
	// objects the map's identity is a key as good as its contents, and free.
	shared := c.trusted && len(ls.MatchExpressions) == 0
	var id unsafe.Pointer
	if shared {
		id = reflect.ValueOf(ls.MatchLabels).UnsafePointer()
		if hit, ok := c.byMap[id]; ok {
			return hit, nil
		}
	}
	key := selectorKey(ls)
	hit, ok := c.sels[key]
	if !ok {
		var sel labels.Selector
		var err error
		if shared {
			// The backend has validated every label already.
			sel = labels.SelectorFromValidatedSet(ls.MatchLabels)
		} else if sel, err = metav1.LabelSelectorAsSelector(ls); err != nil {
			return selectorHit{key: key}, err
		}
		hit = selectorHit{sel, key, int32(len(c.sels))}
		c.sels[key] = hit
	}
	if shared {
		c.byMap[id] = hit
	}
	return hit, nil
}

// selectorKey is a canonical, injective text of a selector.
func selectorKey(ls *metav1.LabelSelector) string {
	var b strings.Builder
	keys := make([]string, 0, len(ls.MatchLabels))
	for k := range ls.MatchLabels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	field := func(s string) { // length-prefixed, whatever the strings hold
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	for _, k := range keys {
		field(k)
		field(ls.MatchLabels[k])
	}
	for _, e := range ls.MatchExpressions {
		b.WriteByte(';')
		field(e.Key)
		field(string(e.Operator))
		for _, v := range e.Values {
			field(v)
		}
	}
	return b.String()
}

type selectorHit struct {
	sel labels.Selector
	key string
	id  int32 // the key's number in the cluster
}

// ipBlockSet is the addresses of an ipBlock: its cidr without its excepts.
func ipBlockSet(b *networkingv1.IPBlock) (IPSet, string) {
	pfx, err := netip.ParsePrefix(strings.TrimSpace(b.CIDR))
	if err != nil {
		return nil, fmt.Sprintf("ipBlock cidr %q is not a CIDR", b.CIDR)
	}
	s := prefixSet(pfx)
	for _, e := range b.Except {
		ep, err := netip.ParsePrefix(strings.TrimSpace(e))
		if err != nil {
			return nil, fmt.Sprintf("ipBlock except %q is not a CIDR", e)
		}
		es := prefixSet(ep)
		if ep.Addr().Is4() != pfx.Addr().Is4() || !es.subsetOf(prefixSet(pfx)) {
			return nil, fmt.Sprintf("ipBlock except %s is not within cidr %s", e, b.CIDR)
		}
		s = s.subtract(es)
	}
	return s, ""
}

// objects sorts what was added and implies the namespaces of workloads that have no
// Namespace object, once; Explain needs no more.
func (c *Cluster) objects() {
	if c.sorted {
		return
	}
	c.sorted = true
	c.Workloads = c.Workloads[:0]
	for _, w := range c.wlByKey {
		c.Workloads = append(c.Workloads, w)
		if _, ok := c.nsByName[w.Namespace]; !ok {
			c.nsByName[w.Namespace] = &Namespace{Name: w.Namespace, Labels: map[string]string{nsNameLabel: w.Namespace}}
		}
	}
	slices.SortFunc(c.Workloads, func(a, b *Workload) int { return strings.Compare(a.key, b.key) })
	for i, w := range c.Workloads {
		w.id = i
	}
	c.Namespaces = c.Namespaces[:0]
	for _, n := range c.nsByName {
		c.Namespaces = append(c.Namespaces, n)
	}
	slices.SortFunc(c.Namespaces, func(a, b *Namespace) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(c.Policies, func(a, b *Policy) int {
		return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name), a.Span.Compare(b.Span))
	})
}

// finish is objects plus the index Map walks.
func (c *Cluster) finish() {
	c.objects()
	if c.ix == nil {
		c.ix = newIndex(c)
	}
}

// Workload finds a workload by NS/NAME[KIND], NS/NAME or NAME (in namespace default);
// the second result lists the candidates when the name is ambiguous.
func (c *Cluster) Workload(name string) (*Workload, []*Workload) {
	c.objects()
	if w, ok := c.wlByKey[name]; ok {
		return w, nil
	}
	ns, n, found := strings.Cut(name, "/")
	if !found {
		ns, n = metav1.NamespaceDefault, name
	}
	var res []*Workload
	for _, w := range c.Workloads {
		if w.Namespace == ns && w.Name == n {
			res = append(res, w)
		}
	}
	if len(res) == 1 {
		return res[0], nil
	}
	return nil, res
}
