package importer

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netc-dev/netc/engine"
	"github.com/netc-dev/netc/kube"
	"github.com/netc-dev/netc/lang/format"
)

// service is one service of the program: the workloads its labels select (several only
// when they carry exactly the same labels), its named ports and the comments placed
// above its declaration.
type service struct {
	ns, name string
	ws       []*engine.Workload
	labels   map[string]string
	ports    []corev1.ContainerPort
	notes    []string
}

// nsFile is what one namespace's file holds.
type nsFile struct {
	name     string
	services []*service
	notes    []string            // comments at the top: dropped workloads, policies selecting nothing
	intents  map[string][]string // by source: the intent lines
	sources  []string            // source keys, in order of first use
}

// external is an address set the policies name, as an external declaration.
type external struct {
	name  string
	set   []addrRange
	cidrs []netip.Prefix
	// outer and holes, for an external of several CIDRs: the ipBlock they are, less
	// its excepts.
	outer netip.Prefix
	holes []netip.Prefix
}

type addrRange struct{ lo, hi netip.Addr }

// network imports the network half of a cluster.
type network struct {
	c      *engine.Cluster
	m      *engine.Map
	names  map[netip.Prefix]string
	report *Report

	files    map[string]*nsFile
	svcOf    map[*engine.Workload]*service
	dropped  map[*engine.Workload]string // why a workload has no service
	exts     map[string]*external        // by the address set's key
	extNames map[string]bool
	svcNames map[string]bool // every service name, so externals avoid them
	isoIn    map[*engine.Workload]bool
	isoEg    map[*engine.Workload]bool
	mixed    map[string]bool // workloads whose pods differ in their labels
	out, in  map[*engine.Workload]map[string]string
	blocks   []netip.Prefix // the ipBlock cidrs of the policies
	nsLabels map[string]map[string]string
}

func newNetwork(c *engine.Cluster, names map[netip.Prefix]string, r *Report) *network {
	return &network{c: c, m: c.Map(), names: names, report: r, files: map[string]*nsFile{},
		svcOf: map[*engine.Workload]*service{}, dropped: map[*engine.Workload]string{},
		exts: map[string]*external{}, extNames: map[string]bool{}, svcNames: map[string]bool{},
		isoIn: map[*engine.Workload]bool{}, isoEg: map[*engine.Workload]bool{}}
}

func (n *network) file(ns string) *nsFile {
	f, ok := n.files[ns]
	if !ok {
		f = &nsFile{name: ns, intents: map[string][]string{}}
		n.files[ns] = f
	}
	return f
}

func subset(a, b map[string]string) bool {
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// services makes the program's services, namespace by namespace. A workload's labels
// select it and every workload whose labels include them; such a set can be one
// service when the original policies treat all its members alike (same connections to
// and from everything else, and among themselves what each has with itself). Workloads
// are taken fewest labels first; one already selected by a service needs none of its
// own. A workload no service can select exactly is recorded as dropped.
func (n *network) services() {
	n.vectors()
	byNS := map[string][]*engine.Workload{}
	for _, w := range n.m.Workloads {
		byNS[w.Namespace] = append(byNS[w.Namespace], w)
	}
	for _, ns := range slices.Sorted(maps.Keys(byNS)) {
		ws := byNS[ns]
		f := n.file(ns)
		if !validNamespace(ns) {
			for _, w := range ws {
				n.drop(f, w, fmt.Sprintf("its namespace %q cannot be a netc namespace", ns))
			}
			continue
		}
		order := slices.Clone(ws)
		slices.SortStableFunc(order, func(a, b *engine.Workload) int { return len(a.Labels) - len(b.Labels) })
		ix := newLabelIndex(order)
		used := map[string]bool{}
		for _, w := range order {
			if n.svcOf[w] != nil {
				continue
			}
			group := ix.selects(w.Labels)
			if why := n.unselectable(w, group); why != "" {
				n.drop(f, w, why)
				continue
			}
			s := &service{ns: ns, name: serviceName(w, used), ws: group, labels: withoutGenerated(w.Labels, group, ix)}
			used[s.name] = true
			n.svcNames[s.name] = true
			s.ports = namedPorts(group)
			for _, o := range group[1:] {
				s.notes = append(s.notes, fmt.Sprintf("also selects %s, which the policies treat alike", o))
			}
			for _, o := range group {
				if n.svcOf[o] == nil {
					n.svcOf[o] = s
				}
			}
			f.services = append(f.services, s)
		}
		slices.SortFunc(f.services, func(a, b *service) int { return strings.Compare(a.name, b.name) })
	}
}

// generatedLabels are labels controllers put on the pods they create: they change with
// every rollout, so a service is better off without them.
var generatedLabels = []string{"pod-template-hash", "controller-revision-hash", "statefulset.kubernetes.io/pod-name",
	"controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name"}

// withoutGenerated is l without the generated labels, when what is left selects
// exactly group; else l.
func withoutGenerated(l map[string]string, group []*engine.Workload, ix *labelIndex) map[string]string {
	rest := maps.Clone(l)
	for _, k := range generatedLabels {
		delete(rest, k)
	}
	if len(rest) == len(l) || len(rest) == 0 || len(ix.selects(rest)) != len(group) {
		return l
	}
	return rest
}

// labelIndex finds the workloads of a namespace a set of labels selects through the
// postings of its rarest label, not by trying every workload.
type labelIndex struct {
	order    []*engine.Workload
	postings map[[2]string][]*engine.Workload // by key and value, in order
}

func newLabelIndex(order []*engine.Workload) *labelIndex {
	ix := &labelIndex{order: order, postings: map[[2]string][]*engine.Workload{}}
	for _, w := range order {
		for k, v := range w.Labels {
			ix.postings[[2]string{k, v}] = append(ix.postings[[2]string{k, v}], w)
		}
	}
	return ix
}

// selects is the workloads whose labels include l (all of them for no labels), in
// the index's order.
func (ix *labelIndex) selects(l map[string]string) []*engine.Workload {
	cands := ix.order
	for k, v := range l {
		if p := ix.postings[[2]string{k, v}]; len(p) < len(cands) {
			cands = p
		}
	}
	var res []*engine.Workload
	for _, o := range cands {
		if subset(l, o.Labels) {
			res = append(res, o)
		}
	}
	return res
}

// unselectable says why w's labels cannot be a service: group is what they select.
func (n *network) unselectable(w *engine.Workload, group []*engine.Workload) string {
	if len(w.Labels) == 0 {
		return "it has no labels, and a service selects pods by label"
	}
	for _, k := range slices.Sorted(maps.Keys(w.Labels)) {
		v := w.Labels[k]
		if v == "" {
			return fmt.Sprintf("its label %s has an empty value, which netc cannot write", k)
		}
		if err := kube.CheckLabelKey(k); err != nil {
			return fmt.Sprintf("its label key %q %v", k, err)
		}
		if err := kube.CheckLabelValue(v); err != nil {
			return fmt.Sprintf("its label %s=%q: the value %v", k, v, err)
		}
	}
	for _, o := range group {
		if n.mixed[o.String()] {
			return fmt.Sprintf("the pods of %s have different labels: no service selects them all and only them", o)
		}
	}
	if o := n.uniform(group); o != nil {
		return fmt.Sprintf("its labels are also on %s, which the policies treat differently: a service selecting it would select those pods too", o)
	}
	return ""
}

// vectors indexes the map: each workload's connections to and from every other end.
func (n *network) vectors() {
	n.out, n.in = map[*engine.Workload]map[string]string{}, map[*engine.Workload]map[string]string{}
	put := func(m map[*engine.Workload]map[string]string, w *engine.Workload, k, v string) {
		if m[w] == nil {
			m[w] = map[string]string{}
		}
		m[w][k] = v
	}
	for _, c := range n.m.Connections {
		if w := c.Src.Workload; w != nil {
			put(n.out, w, c.Dst.String(), c.Conn.String())
		}
		if w := c.Dst.Workload; w != nil {
			put(n.in, w, c.Src.String(), c.Conn.String())
		}
	}
}

func (n *network) self(w *engine.Workload) engine.Conn {
	return n.c.Explain(engine.Endpoint{Workload: w}, engine.Endpoint{Workload: w}).Allowed
}

// uniform returns a member of group the policies treat differently from its first, or
// nil when they treat all alike.
func (n *network) uniform(group []*engine.Workload) *engine.Workload {
	if len(group) == 1 {
		return nil
	}
	rep := group[0]
	in := map[string]bool{}
	for _, g := range group {
		in[g.String()] = true
	}
	same := func(a, b map[string]string) bool {
		for k := range a {
			if !in[k] && a[k] != b[k] {
				return false
			}
		}
		for k := range b {
			if !in[k] && a[k] != b[k] {
				return false
			}
		}
		return true
	}
	self := n.self(rep).String()
	for _, p := range group[1:] {
		if !same(n.out[p], n.out[rep]) || !same(n.in[p], n.in[rep]) || n.self(p).String() != self {
			return p
		}
	}
	for _, p := range group {
		for _, q := range group {
			if p != q && orNone(n.out[p][q.String()]) != self {
				return q
			}
		}
	}
	return nil
}

func (n *network) drop(f *nsFile, w *engine.Workload, why string) {
	n.dropped[w] = why
	f.notes = append(f.notes, fmt.Sprintf("not imported: %s: %s; its connections are in the report", w, why))
}

// serviceName is the workload's name when it is a valid service name not yet used in
// the namespace, else the name with its kind, made valid and unique.
func serviceName(w *engine.Workload, used map[string]bool) string {
	ok := func(s string) bool { return kube.IsLabel(s) && s != "world" && !used[s] }
	// A Deployment's ReplicaSet is named DEPLOYMENT-HASH: the service is the Deployment.
	if h := w.Labels["pod-template-hash"]; w.Kind == "ReplicaSet" && h != "" {
		if d, found := strings.CutSuffix(w.Name, "-"+h); found && ok(d) {
			return d
		}
	}
	if ok(w.Name) {
		return w.Name
	}
	base := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, w.Name+"-"+w.Kind)
	base = strings.Trim(base, "-")
	if base == "" {
		base = "workload"
	}
	base = kube.Shorten(base, kube.LabelMaxLength-4)
	name := base
	for i := 2; !ok(name); i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	return name
}

// namedPorts are the container ports with a name netc accepts (an IANA service name),
// each name once.
func namedPorts(ws []*engine.Workload) []corev1.ContainerPort {
	seen := map[string]bool{}
	var res []corev1.ContainerPort
	for _, w := range ws {
		for _, p := range w.Ports {
			if p.Name == "" || seen[p.Name] || !ianaName(p.Name) || p.ContainerPort < 1 || p.ContainerPort > 65535 {
				continue
			}
			switch p.Protocol {
			case "", corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
			default:
				continue
			}
			seen[p.Name] = true
			res = append(res, p)
		}
	}
	slices.SortFunc(res, func(a, b corev1.ContainerPort) int { return strings.Compare(a.Name, b.Name) })
	return res
}

// ianaName is Kubernetes' rule for port names: at most 15 lower-case letters, digits
// and '-', with a letter, no '-' at either end and no "--".
func ianaName(s string) bool {
	if len(s) == 0 || len(s) > 15 || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	letter := false
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z':
			letter = true
		case c >= '0' && c <= '9', c == '-':
		default:
			return false
		}
	}
	return letter
}

// isolation records which workloads some policy isolates, per direction, for the
// reasons written on intents that allow everything.
func (n *network) isolation() {
	for _, p := range n.c.Policies {
		sel, err := metav1.LabelSelectorAsSelector(&p.Object.Spec.PodSelector)
		if err != nil {
			continue
		}
		for _, w := range n.m.Workloads {
			if w.Namespace == p.Namespace && sel.Matches(labels.Set(w.Labels)) {
				n.isoIn[w] = n.isoIn[w] || p.AffectsIngress
				n.isoEg[w] = n.isoEg[w] || p.AffectsEgress
			}
		}
	}
}

// ref is how file f refers to service s.
func ref(f *nsFile, s *service) string {
	if s.ns == f.name {
		return format.Name(s.name)
	}
	return format.Name(s.ns) + "/" + format.Name(s.name)
}

// portList writes a Conn as intent ports; "" means every port of every protocol.
func portList(c engine.Conn, dst *service) string {
	if c.IsAll() {
		return ""
	}
	var parts []string
	for _, p := range []engine.Protocol{engine.TCP, engine.UDP, engine.SCTP} {
		suffix := ""
		if p != engine.TCP {
			suffix = "/" + strings.ToLower(p.String())
		}
		for _, r := range c.Ranges(p) {
			if r[0] == r[1] {
				if name := portName(dst, p, r[0]); name != "" {
					parts = append(parts, format.Name(name))
					continue
				}
				parts = append(parts, fmt.Sprintf("%d%s", r[0], suffix))
			} else {
				parts = append(parts, fmt.Sprintf("%d-%d%s", r[0], r[1], suffix))
			}
		}
	}
	return ":" + strings.Join(parts, ", ")
}

// portName is the name dst gives port on protocol p, if it names it once.
func portName(dst *service, p engine.Protocol, port int) string {
	if dst == nil {
		return ""
	}
	name := ""
	for _, cp := range dst.ports {
		proto := cmp.Or(string(cp.Protocol), "TCP")
		if proto == p.String() && int(cp.ContainerPort) == port {
			if name != "" {
				return ""
			}
			name = cp.Name
		}
	}
	return name
}

// addIntent writes SRC -> DST[:PORTS] in file f, under the source key. Port 0 (a
// named container port without a number, in invalid input) is no port: left out.
func (f *nsFile) addIntent(key, src, dst string, c engine.Conn, dstSvc *service, why string) {
	if !c.IsAll() {
		if c = c.Intersect(engine.AllConns()); c.IsEmpty() {
			return
		}
	}
	ports := portList(c, dstSvc)
	line := src + " -> " + dst + ports
	if ports == "" {
		line += "  # netc:allow any-port imported: " + why
	}
	if _, ok := f.intents[key]; !ok {
		f.sources = append(f.sources, key)
	}
	f.intents[key] = append(f.intents[key], line)
}

// allReason says why a path allows every connection.
func (n *network) allReason(src, dst *engine.Workload) string {
	var open []string
	if src != nil && !n.isoEg[src] {
		open = append(open, src.String()+" egress")
	}
	if dst != nil && !n.isoIn[dst] {
		open = append(open, dst.String()+" ingress")
	}
	if len(open) == 0 {
		return "the policies allow every port and protocol"
	}
	return "no policy isolates " + strings.Join(open, " or ")
}

// intents writes one intent per pair of the map, and one per address set a workload
// reaches or is reached from with the same connections.
func (n *network) intents() {
	type addrKey struct {
		w    *engine.Workload
		in   bool
		conn string
	}
	type addrConn struct {
		conn engine.Conn
		set  []addrRange
	}
	addrs := map[addrKey]*addrConn{}
	var addrOrder []addrKey
	addAddr := func(w *engine.Workload, in bool, ips engine.IPSet, c engine.Conn) {
		k := addrKey{w, in, c.String()}
		a, ok := addrs[k]
		if !ok {
			a = &addrConn{conn: c}
			addrs[k] = a
			addrOrder = append(addrOrder, k)
		}
		for _, r := range ips {
			a.set = append(a.set, addrRange{r.Lo, r.Hi})
		}
	}
	rep := func(w *engine.Workload) *service {
		if s := n.svcOf[w]; s != nil && s.ws[0] == w {
			return s
		}
		return nil
	}
	for _, s := range n.allServices() {
		w := s.ws[0]
		self := n.c.Explain(engine.Endpoint{Workload: w}, engine.Endpoint{Workload: w}).Allowed
		if !self.IsEmpty() {
			f := n.file(s.ns)
			f.addIntent("s:"+s.name, format.Name(s.name), format.Name(s.name), self, s, n.allReason(w, w))
		}
	}
	for _, cn := range n.m.Connections {
		sw, dw := cn.Src.Workload, cn.Dst.Workload
		switch {
		case sw != nil && dw != nil:
			s, d := rep(sw), rep(dw)
			if s == nil || d == nil || s == d {
				continue
			}
			f := n.file(s.ns)
			f.addIntent("s:"+s.name, format.Name(s.name), ref(f, d), cn.Conn, d, n.allReason(sw, dw))
		case dw != nil:
			if rep(dw) != nil {
				addAddr(dw, true, cn.Src.IPs, cn.Conn)
			}
		case sw != nil:
			if rep(sw) != nil {
				addAddr(sw, false, cn.Dst.IPs, cn.Conn)
			}
		}
	}
	for _, k := range addrOrder {
		a := addrs[k]
		s := n.svcOf[k.w]
		f := n.file(s.ns)
		for _, g := range n.byBlock(mergeRanges(a.set)) {
			name := n.external(g.set, g.outer)
			if k.in {
				f.addIntent("x:"+name, format.Name(name), format.Name(s.name), a.conn, s, n.allReason(nil, k.w))
			} else {
				f.addIntent("s:"+s.name, format.Name(s.name), format.Name(name), a.conn, nil, n.allReason(k.w, nil))
			}
		}
	}
}

type blockGroup struct {
	outer netip.Prefix
	set   []addrRange
}

// byBlock splits an address set by the ipBlocks of the policies: each contiguous
// range goes with the smallest ipBlock cidr that holds it (or the smallest prefix
// that does, when none does), so that an external is one ipBlock as its author wrote
// it, less its excepts.
func (n *network) byBlock(set []addrRange) []blockGroup {
	if n.blocks == nil {
		n.blocks = []netip.Prefix{}
		for _, p := range n.c.Policies {
			add := func(b *networkingv1.IPBlock) {
				if pr, err := netip.ParsePrefix(b.CIDR); err == nil {
					n.blocks = append(n.blocks, pr.Masked())
				}
			}
			for _, r := range p.Object.Spec.Ingress {
				for _, peer := range r.From {
					if peer.IPBlock != nil {
						add(peer.IPBlock)
					}
				}
			}
			for _, r := range p.Object.Spec.Egress {
				for _, peer := range r.To {
					if peer.IPBlock != nil {
						add(peer.IPBlock)
					}
				}
			}
		}
	}
	if len(set) == 2 && set[0] == all4 && set[1] == all6 {
		return []blockGroup{{set: set}}
	}
	var res []blockGroup
	idx := map[netip.Prefix]int{}
	for _, r := range set {
		var outer netip.Prefix
		for _, b := range n.blocks {
			if b.Contains(r.lo) && b.Contains(r.hi) && (!outer.IsValid() || b.Bits() > outer.Bits()) {
				outer = b
			}
		}
		if !outer.IsValid() {
			outer = enclosing(engine.IPSet{{Lo: r.lo, Hi: r.hi}})
		}
		if i, ok := idx[outer]; ok {
			res[i].set = append(res[i].set, r)
			continue
		}
		idx[outer] = len(res)
		res = append(res, blockGroup{outer: outer, set: []addrRange{r}})
	}
	return res
}

func (n *network) allServices() []*service {
	var res []*service
	for _, ns := range slices.Sorted(maps.Keys(n.files)) {
		res = append(res, n.files[ns].services...)
	}
	return res
}

func mergeRanges(rs []addrRange) []addrRange {
	slices.SortFunc(rs, func(a, b addrRange) int { return a.lo.Compare(b.lo) })
	var res []addrRange
	for _, r := range rs {
		if l := len(res); l > 0 && res[l-1].hi.Is4() == r.lo.Is4() && (res[l-1].hi.Compare(r.lo) >= 0 || res[l-1].hi.Next() == r.lo) {
			if r.hi.Compare(res[l-1].hi) > 0 {
				res[l-1].hi = r.hi
			}
			continue
		}
		res = append(res, r)
	}
	return res
}

var (
	all4 = addrRange{netip.AddrFrom4([4]byte{}), netip.AddrFrom4([4]byte{255, 255, 255, 255})}
	all6 = addrRange{netip.IPv6Unspecified(), netip.AddrFrom16([16]byte{255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255})}
)

// external is the name of the external for an address set, declared on first use:
// world for every address of both families, a name from --names, or one made of the
// CIDRs.
func (n *network) external(set []addrRange, outer netip.Prefix) string {
	if len(set) == 2 && set[0] == all4 && set[1] == all6 {
		return "world"
	}
	key := fmt.Sprint(set)
	if e, ok := n.exts[key]; ok {
		return e.name
	}
	e := &external{set: set}
	for _, r := range set {
		e.cidrs = append(e.cidrs, rangePrefixes(r.lo, r.hi)...)
	}
	base := n.externalName(e, outer)
	name := base
	for i := 2; n.extNames[name] || n.svcNames[name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	e.name = name
	n.extNames[name] = true
	n.exts[key] = e
	return name
}

func (n *network) externalName(e *external, outer netip.Prefix) string {
	named := func(p netip.Prefix) string {
		if v, ok := n.names[p]; ok {
			return v
		}
		return "net-" + dashed(p)
	}
	if len(e.cidrs) == 1 {
		return named(e.cidrs[0])
	}
	// Several CIDRs: the ipBlock (or prefix) holding them, less what it holds besides.
	var holes []netip.Prefix
	prev := outer.Addr()
	for _, r := range e.set {
		if r.lo != prev {
			holes = append(holes, rangePrefixes(prev, r.lo.Prev())...)
		}
		prev = r.hi.Next()
	}
	if end := lastAddr(outer); e.set[len(e.set)-1].hi != end {
		holes = append(holes, rangePrefixes(prev, end)...)
	}
	e.outer, e.holes = outer, holes
	name := named(outer)
	if len(holes) > 0 && len(holes) <= 3 {
		name += "-except"
		for _, h := range holes {
			name += "-" + strings.TrimPrefix(named(h), "net-")
		}
	}
	if len(holes) > 3 || !kube.IsLabel(name) {
		name = named(outer) + "-part"
	}
	if !kube.IsLabel(name) {
		name = kube.Shorten(name, kube.LabelMaxLength-4)
	}
	return name
}

// admin lists the admin tiers and the ingress controller's paths, which intents do
// not have: the first are imported as the connections they give the workloads now,
// the second not at all (the differences list their pairs).
func (n *network) admin() {
	for _, p := range n.c.AdminPolicies() {
		n.report.Findings = append(n.report.Findings, Finding{Object: p.String(), File: p.Span.File, Line: p.Span.Start.Line, Field: "spec",
			Problem: "netc writes no admin tier", Imported: "the connections it gives the workloads present now"})
		n.file(n.m.Workloads[0].Namespace).notes = append(n.file(n.m.Workloads[0].Namespace).notes,
			p.String()+": netc writes no admin tier; imported as the connections it gives the workloads present now")
	}
	for _, kind := range []string{"Ingress", "Route"} {
		if k := n.c.Kinds[kind]; k > 0 {
			n.report.Findings = append(n.report.Findings, Finding{Object: fmt.Sprintf("%d %s objects", k, kind), Field: "spec",
				Problem: "the ingress controller's paths are not intents", Imported: "nothing: the controller's connections are listed as not reproduced"})
		}
	}
}

// policies lists what of each NetworkPolicy intents cannot say exactly, with the
// comment at the services it selects (or the namespace, when it selects none).
func (n *network) policies() {
	for _, p := range n.c.Policies {
		obj := "NetworkPolicy " + p.String()
		spec := &p.Object.Spec
		sel, err := metav1.LabelSelectorAsSelector(&spec.PodSelector)
		if err != nil {
			continue
		}
		var selected []*engine.Workload
		for _, w := range n.m.Workloads {
			if w.Namespace == p.Namespace && sel.Matches(labels.Set(w.Labels)) {
				selected = append(selected, w)
			}
		}
		add := func(field, problem, imported string) {
			fd := Finding{Object: obj, File: p.Span.File, Line: p.Span.Start.Line, Field: field, Problem: problem, Imported: imported}
			n.report.Findings = append(n.report.Findings, fd)
			note := fmt.Sprintf("%s %s: %s; imported as %s", obj, field, problem, imported)
			placed := false
			for _, w := range selected {
				if s := n.svcOf[w]; s != nil && !slices.Contains(s.notes, note) {
					s.notes = append(s.notes, note)
					placed = true
				} else if s != nil {
					placed = true
				}
			}
			if !placed {
				f := n.file(p.Namespace)
				f.notes = append(f.notes, note)
			}
		}
		hasRules := len(spec.Ingress)+len(spec.Egress) > 0
		if len(selected) == 0 {
			add("spec.podSelector", "selects no workload", "nothing (pods added later that it would select get netc's default deny only)")
			continue
		}
		if len(spec.PodSelector.MatchExpressions) > 0 {
			add("spec.podSelector.matchExpressions", "matchExpressions select by set, not by labels", fmt.Sprintf("the %d workloads it selects now", len(selected)))
		} else if len(spec.PodSelector.MatchLabels) == 0 && hasRules {
			add("spec.podSelector", "selects every pod of the namespace", fmt.Sprintf("the %d workloads it selects now", len(selected)))
		}
		for i, r := range spec.Ingress {
			n.peers(p, fmt.Sprintf("spec.ingress[%d]", i), "from", r.From, add)
		}
		for i, r := range spec.Egress {
			n.peers(p, fmt.Sprintf("spec.egress[%d]", i), "to", r.To, add)
		}
	}
}

func (n *network) peers(p *engine.Policy, at, word string, peers []networkingv1.NetworkPolicyPeer, add func(field, problem, imported string)) {
	if len(peers) == 0 {
		add(at, "no "+word+": every pod of every namespace, and every address", "the workloads present now and every address")
		return
	}
	for j, peer := range peers {
		field := fmt.Sprintf("%s.%s[%d]", at, word, j)
		if peer.IPBlock != nil {
			continue
		}
		matched := n.peerWorkloads(p, &peer)
		now := fmt.Sprintf("the %d workloads it selects now", len(matched))
		if len(matched) == 0 {
			now = "nothing"
		}
		switch {
		case peer.PodSelector != nil && len(peer.PodSelector.MatchExpressions) > 0:
			add(field+".podSelector.matchExpressions", "matchExpressions select by set, not by labels", now)
		case peer.NamespaceSelector != nil && len(peer.NamespaceSelector.MatchExpressions) > 0:
			add(field+".namespaceSelector.matchExpressions", "matchExpressions select by set, not by labels", now)
		case peer.NamespaceSelector != nil && len(peer.NamespaceSelector.MatchLabels) == 0:
			add(field+".namespaceSelector", "selects every namespace", now)
		case peer.NamespaceSelector != nil && !byName(peer.NamespaceSelector):
			add(field+".namespaceSelector", "selects namespaces by their labels", now)
		case peer.PodSelector == nil || len(peer.PodSelector.MatchLabels) == 0:
			add(field+".podSelector", "selects every pod of a namespace", now)
		case len(matched) == 0:
			add(field, "selects no workload (pods of a namespace or labels netc does not know)", now)
		}
	}
}

// byName reports whether a namespaceSelector is exactly one namespace by name.
func byName(s *metav1.LabelSelector) bool {
	_, ok := s.MatchLabels["kubernetes.io/metadata.name"]
	return ok && len(s.MatchLabels) == 1
}

func (n *network) peerWorkloads(p *engine.Policy, peer *networkingv1.NetworkPolicyPeer) []*engine.Workload {
	pods := labels.Everything()
	if peer.PodSelector != nil {
		s, err := metav1.LabelSelectorAsSelector(peer.PodSelector)
		if err != nil {
			return nil
		}
		pods = s
	}
	var nsSel labels.Selector
	if peer.NamespaceSelector != nil {
		s, err := metav1.LabelSelectorAsSelector(peer.NamespaceSelector)
		if err != nil {
			return nil
		}
		nsSel = s
	}
	if n.nsLabels == nil {
		n.nsLabels = map[string]map[string]string{}
		for _, ns := range n.m.Namespaces {
			n.nsLabels[ns.Name] = ns.Labels
		}
	}
	nsLabels := n.nsLabels
	var res []*engine.Workload
	for _, w := range n.m.Workloads {
		if nsSel == nil && w.Namespace != p.Namespace || nsSel != nil && !nsSel.Matches(labels.Set(nsLabels[w.Namespace])) {
			continue
		}
		if pods.Matches(labels.Set(w.Labels)) {
			res = append(res, w)
		}
	}
	return res
}
