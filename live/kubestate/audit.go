package kubestate

import (
	"cmp"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/engine"
)

// Class is what a finding is about.
type Class string

const (
	// Missing: an object netc generates is not in the cluster.
	Missing Class = "missing"
	// Altered: an object netc generates differs from the compiled one.
	Altered Class = "altered"
	// Stale: an object carries netc's label but the program does not generate it (an
	// older build's, or made by hand with netc's label).
	Stale Class = "stale"
	// Unmanaged: an object netc does not manage opens paths or grants permissions
	// beyond the intents.
	Unmanaged Class = "unmanaged"
	// Unlocked: a namespace the program locks down has no default deny.
	Unlocked Class = "unlocked"
)

// classes are the classes in the order a report lists them.
var classes = []Class{Missing, Altered, Stale, Unmanaged, Unlocked}

// Finding is one thing the cluster does that the intents do not say.
type Finding struct {
	Class  Class `json:"class"`
	Object Key   `json:"object"`
	// Where is the live object's FILE:LINE when it was read from a file.
	Where string `json:"where,omitempty"`
	// Fields are the differences of an altered object.
	Fields []FieldDiff `json:"fields,omitempty"`
	// Paths are the connections the object's presence, absence or change allows
	// beyond what the intents allow.
	Paths []Path `json:"paths,omitempty"`
	// Permissions are the requests a binding allows that the intents do not.
	Permissions []Permission `json:"permissions,omitempty"`
	// Directions are, for a namespace not locked down, the directions without a
	// default deny: "ingress", "egress".
	Directions []string `json:"directions,omitempty"`
}

// Path is one connection, in the engine's names: SRC, DST and the connections
// ("TCP 8080", "All Connections").
type Path struct {
	Src  string `json:"src"`
	Dst  string `json:"dst"`
	Conn string `json:"conn"`
}

// Report is the result of an audit.
type Report struct {
	Findings []Finding `json:"findings"`
	// Beyond is every connection the live policies allow that the intents do not,
	// all findings together.
	Beyond []Path `json:"beyond"`
	// Compared counts netc's objects compared, Live the objects read.
	Compared int `json:"compared"`
	Live     int `json:"live"`
}

// Clean reports whether the audit found nothing.
func (r *Report) Clean() bool { return len(r.Findings) == 0 && len(r.Beyond) == 0 }

// Audit compares live with want, the objects the program p compiles to (read back
// from the build's Kubernetes files). Diagnostics are the engine's about live objects
// it cannot read (a NetworkPolicy the API would reject, in a file).
func Audit(p *ir.Program, want, live *State) (*Report, diag.List) {
	a := newAuditor(p, want, live)
	r := &Report{Live: len(live.Objects)}
	var diags diag.List
	allLive := a.conns(live.policies(), &diags)
	base := a.conns(want.policies(), nil)
	r.Beyond = paths(engine.Beyond(allLive, base))
	for _, w := range want.Objects {
		if w.Typed == nil || w.Kind == KindNamespace {
			continue
		}
		r.Compared++
		l := live.Get(w.Key)
		switch {
		case l == nil:
			f := Finding{Class: Missing, Object: w.Key}
			if isPolicy(w.Kind) {
				f.Paths = a.beyond(base, want.policiesExcept(w.Key, nil))
			}
			r.Findings = append(r.Findings, f)
		default:
			if fields := diffObjects(w, l); len(fields) > 0 {
				f := Finding{Class: Altered, Object: w.Key, Where: l.Where(), Fields: fields}
				if isPolicy(w.Kind) {
					f.Paths = a.beyond(base, want.policiesExcept(w.Key, l))
				}
				r.Findings = append(r.Findings, f)
			}
		}
	}
	guarded := map[string]bool{} // namespaces where the intents' policies select pods
	for _, w := range want.Objects {
		if w.Kind == KindNetworkPolicy {
			guarded[w.Namespace] = true
		}
	}
	for _, l := range live.Objects {
		if want.Get(l.Key) != nil {
			continue
		}
		f := Finding{Class: Unmanaged, Object: l.Key, Where: l.Where()}
		if l.Managed() {
			f.Class = Stale
		}
		switch {
		case isPolicy(l.Kind):
			if l.Kind == KindNetworkPolicy && !guarded[l.Namespace] && f.Class != Stale {
				// Where the intents isolate no pod, every pod is open both ways
				// already: another NetworkPolicy there can only narrow.
				continue
			}
			f.Paths = a.beyond(base, append(want.policies(), l.Raw))
		case l.Kind == KindRoleBinding || l.Kind == KindClusterRoleBinding:
			if !a.inScope(l) && f.Class != Stale {
				continue
			}
			f.Permissions = a.permissions(l)
		default:
			if f.Class != Stale || l.Typed == nil {
				continue // a Role grants nothing until bound; other kinds are not audited
			}
		}
		if f.Class == Stale || len(f.Paths) > 0 || len(f.Permissions) > 0 {
			r.Findings = append(r.Findings, f)
		}
	}
	r.Findings = append(r.Findings, a.unlocked()...)
	slices.SortStableFunc(r.Findings, func(x, y Finding) int {
		return cmp.Or(cmp.Compare(slices.Index(classes, x.Class), slices.Index(classes, y.Class)), x.Object.compare(y.Object))
	})
	return r, diags
}

func isPolicy(kind string) bool { return slices.Contains(policyKinds, kind) }

// policies are the objects of s that the engine reads as policies.
func (s *State) policies() []engine.RawObject {
	var out []engine.RawObject
	for _, o := range s.Objects {
		if isPolicy(o.Kind) {
			out = append(out, o.Raw)
		}
	}
	return out
}

// policiesExcept are s's policies without the one of key k, replaced by instead when
// it is not nil.
func (s *State) policiesExcept(k Key, instead *Object) []engine.RawObject {
	var out []engine.RawObject
	for _, o := range s.Objects {
		switch {
		case !isPolicy(o.Kind):
		case o.Key != k:
			out = append(out, o.Raw)
		case instead != nil:
			out = append(out, instead.Raw)
		}
	}
	return out
}

// auditor holds what every connectivity computation of one audit shares: the live
// objects that are not policies (namespaces, workloads, Services, Ingresses) and the
// program's workloads that run nowhere live.
type auditor struct {
	p          *ir.Program
	want, live *State
	base       []engine.RawObject
	absent     []absentWorkload
}

// absentWorkload is a service, database or the DNS of the program that no live
// workload is: the audit counts it as the pods netc expects, so that a policy's
// effect on it shows before it is deployed.
type absentWorkload struct {
	ns, name, kind string
	tmpl           *corev1.PodTemplateSpec
}

func newAuditor(p *ir.Program, want, live *State) *auditor {
	a := &auditor{p: p, want: want, live: live}
	for _, o := range live.Objects {
		if !isPolicy(o.Kind) {
			a.base = append(a.base, o.Raw)
		}
	}
	probe := engine.NewCluster()
	var ignore diag.List
	for _, o := range a.base {
		probe.ReadObject(o, &ignore)
	}
	running := probe.ListWorkloads()
	deployed := func(ns string, ls []ir.Label) bool {
		for _, w := range running {
			if w.Namespace == ns && hasLabels(w.Labels, ls) {
				return true
			}
		}
		return false
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
		if !deployed(s.Namespace, s.Labels) {
			var ports []corev1.ContainerPort
			for _, np := range s.Ports {
				ports = append(ports, corev1.ContainerPort{Name: np.Name, ContainerPort: np.Port, Protocol: corev1.Protocol(np.Protocol)})
			}
			a.absent = append(a.absent, absentWorkload{s.Namespace, s.Name, engine.KindService, tmpl(s.Labels, ports)})
		}
	}
	for _, d := range p.Databases {
		if d.InCluster() && !deployed(d.Namespace, d.Labels) {
			ports := []corev1.ContainerPort{{ContainerPort: d.Port, Protocol: corev1.ProtocolTCP}}
			a.absent = append(a.absent, absentWorkload{d.Namespace, d.Name, engine.KindDatabase, tmpl(d.Labels, ports)})
		}
	}
	if p.DNS.Enabled {
		ns := cmp.Or(p.DNS.Namespace, "kube-system")
		ls := p.DNS.Labels
		if len(ls) == 0 {
			ls = []ir.Label{{Key: "k8s-app", Value: "kube-dns"}}
		}
		if !deployed(ns, ls) {
			a.absent = append(a.absent, absentWorkload{ns, "kube-dns", engine.KindDNS, tmpl(ls, nil)})
		}
	}
	return a
}

func hasLabels(have map[string]string, want []ir.Label) bool {
	for _, l := range want {
		if v, ok := have[l.Key]; !ok || v != l.Value {
			return false
		}
	}
	return true
}

// conns is the connectivity map of the live workloads under policies. Diagnostics
// about the objects go to diags when it is not nil.
func (a *auditor) conns(policies []engine.RawObject, diags *diag.List) *engine.Map {
	var ignore diag.List
	if diags == nil {
		diags = &ignore
	}
	c := engine.NewCluster()
	for _, o := range a.base {
		c.ReadObject(o, diags)
	}
	for _, w := range a.absent {
		c.AddWorkload(w.ns, w.name, w.kind, w.tmpl, diag.Span{}, &ignore)
	}
	for _, o := range policies {
		c.ReadObject(o, diags)
	}
	return c.Map()
}

// beyond is what policies allow beyond base.
func (a *auditor) beyond(base *engine.Map, policies []engine.RawObject) []Path {
	return paths(engine.Beyond(a.conns(policies, nil), base))
}

func paths(cs []engine.Connection) []Path {
	out := []Path{}
	for _, c := range cs {
		out = append(out, Path{Src: c.Src.String(), Dst: c.Dst.String(), Conn: c.Conn.String()})
	}
	return out
}

// unlocked lists the namespaces the program locks down (those where it writes a
// policy that selects every pod for both directions) in which no live policy, netc's
// or another, selects every pod for a direction.
func (a *auditor) unlocked() []Finding {
	var out []Finding
	for _, o := range a.want.Objects {
		np, ok := o.Typed.(*networkingv1.NetworkPolicy)
		if !ok {
			continue
		}
		if in, eg := denies(np); !in || !eg {
			continue
		}
		in, eg := false, false
		for _, l := range a.live.Objects {
			if lp, ok := l.Typed.(*networkingv1.NetworkPolicy); ok && l.Namespace == o.Namespace {
				i, e := denies(lp)
				in, eg = in || i, eg || e
			}
		}
		if in && eg {
			continue
		}
		f := Finding{Class: Unlocked, Object: Key{Kind: KindNamespace, Name: o.Namespace}}
		if !in {
			f.Directions = append(f.Directions, "ingress")
		}
		if !eg {
			f.Directions = append(f.Directions, "egress")
		}
		if ns := a.live.Get(f.Object); ns != nil {
			f.Where = ns.Where()
		}
		out = append(out, f)
	}
	return out
}

// denies reports the directions for which np selects every pod of its namespace:
// with it, a pod is open in that direction only where some policy's rules allow.
func denies(np *networkingv1.NetworkPolicy) (ingress, egress bool) {
	sel := np.Spec.PodSelector
	if len(sel.MatchLabels) > 0 || len(sel.MatchExpressions) > 0 {
		return false, false
	}
	if len(np.Spec.PolicyTypes) == 0 {
		return true, len(np.Spec.Egress) > 0
	}
	return slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress), slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
}
