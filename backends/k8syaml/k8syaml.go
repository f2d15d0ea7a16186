// Package k8syaml writes the few Kubernetes kinds netc emits as YAML, fast.
//
// sigs.k8s.io/yaml marshals through JSON and back through a generic YAML tree, which
// costs over a hundred times more than writing the text directly (BenchmarkMarshal
// against BenchmarkSigsYAMLMarshal); at 50,000 services that is the difference between
// a build of a second and one of a minute. This encoder walks
// the typed k8s.io/api values and appends block-style YAML in the layout sigs.k8s.io/yaml
// produces: fields in go-yaml's key order, sequences not indented under their key, every
// omitempty rule of the JSON tags honoured. Its tests decode the output strictly back into
// the typed object and require it to equal both the original and what sigs.k8s.io/yaml's
// own output decodes to.
//
// Only the kinds netc emits are supported: NetworkPolicy, ServiceAccount, Role,
// RoleBinding, ClusterRole and ClusterRoleBinding. A field netc never sets and this
// encoder does not write (timestamps, managed fields) is an error, never silently
// dropped.
package k8syaml

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Marshal returns obj as one YAML document (without a leading "---").
func Marshal(obj runtime.Object) ([]byte, error) { return Append(nil, obj) }

// Append appends obj as one YAML document (without a leading "---") to b. On error it
// returns b unchanged.
func Append(b []byte, obj runtime.Object) ([]byte, error) {
	e := encoder{b: b}
	return e.object(b, obj)
}

// Encoder is Append with a memory: it remembers the text of every map it has written
// (labels, annotations, selectors), by the map's identity and indentation, and copies
// that text when it meets the same map again. Objects built from one program share
// their maps — a workload's pod selector appears in its own policy and in every rule
// that names it — so most maps are encoded once.
//
// The maps must not change while the Encoder is in use: call Reset after changing one.
// The zero Encoder is ready to use; one Encoder must not be used concurrently.
type Encoder struct {
	maps map[mapKey][]byte
	text []byte // backing store of the remembered texts
}

type mapKey struct {
	m      unsafe.Pointer // keeps the map alive, so its address cannot be reused
	indent int
}

// Append is like the package's Append.
func (enc *Encoder) Append(b []byte, obj runtime.Object) ([]byte, error) {
	if enc.maps == nil {
		enc.maps = map[mapKey][]byte{}
	}
	e := encoder{b: b, cache: enc}
	return e.object(b, obj)
}

// Reset forgets every remembered map.
func (enc *Encoder) Reset() {
	clear(enc.maps)
	enc.text = nil
}

func (e *encoder) object(b []byte, obj runtime.Object) ([]byte, error) {
	switch o := obj.(type) {
	case *networkingv1.NetworkPolicy:
		e.networkPolicy(o)
	case *corev1.ServiceAccount:
		e.serviceAccount(o)
	case *rbacv1.Role:
		e.role(o)
	case *rbacv1.RoleBinding:
		e.binding(&o.TypeMeta, &o.ObjectMeta, o.Subjects, &o.RoleRef)
	case *rbacv1.ClusterRole:
		e.clusterRole(o)
	case *rbacv1.ClusterRoleBinding:
		e.binding(&o.TypeMeta, &o.ObjectMeta, o.Subjects, &o.RoleRef)
	default:
		return b, fmt.Errorf("k8syaml: cannot encode %T", obj)
	}
	if e.err != nil {
		return b, e.err
	}
	return e.b, nil
}

// encoder appends block YAML to b. A sequence item's mapping starts on the "- " line:
// item writes the dash and sets dash, and the first key written consumes it instead of
// indenting.
type encoder struct {
	b     []byte
	dash  bool
	err   error
	cache *Encoder // nil: remember nothing
}

func (e *encoder) fail(format string, args ...any) {
	if e.err == nil {
		e.err = fmt.Errorf("k8syaml: "+format, args...)
	}
}

const spaces = "                                                                "

func (e *encoder) indent(n int) {
	if e.dash {
		e.dash = false
		return
	}
	for n > len(spaces) {
		e.b = append(e.b, spaces...)
		n -= len(spaces)
	}
	e.b = append(e.b, spaces[:n]...)
}

// key writes `name:` at indent n; name is a fixed field name, always plain.
func (e *encoder) key(n int, name string) {
	e.indent(n)
	e.b = append(e.b, name...)
	e.b = append(e.b, ':')
}

func (e *encoder) str(n int, name, v string) {
	e.key(n, name)
	e.b = append(e.b, ' ')
	e.b = AppendString(e.b, v)
	e.b = append(e.b, '\n')
}

// optStr writes a string field tagged omitempty.
func (e *encoder) optStr(n int, name, v string) {
	if v != "" {
		e.str(n, name, v)
	}
}

func (e *encoder) int(n int, name string, v int64) {
	e.key(n, name)
	e.b = append(e.b, ' ')
	e.b = strconv.AppendInt(e.b, v, 10)
	e.b = append(e.b, '\n')
}

func (e *encoder) bool(n int, name string, v bool) {
	e.key(n, name)
	e.b = append(e.b, ' ')
	e.b = strconv.AppendBool(e.b, v)
	e.b = append(e.b, '\n')
}

// open writes `name:` for a mapping value. An empty mapping is written `{}` on the same
// line and open returns false.
func (e *encoder) open(n int, name string, empty bool) bool {
	e.key(n, name)
	if empty {
		e.b = append(e.b, " {}\n"...)
		return false
	}
	e.b = append(e.b, '\n')
	return true
}

// seq writes `name:` for a sequence value of length l. A nil slice is `null` and an
// empty one `[]`, as encoding/json writes them; it returns whether items follow.
func (e *encoder) seq(n int, name string, l int, isNil bool) bool {
	e.key(n, name)
	switch {
	case isNil:
		e.b = append(e.b, " null\n"...)
		return false
	case l == 0:
		e.b = append(e.b, " []\n"...)
		return false
	}
	e.b = append(e.b, '\n')
	return true
}

// item starts a sequence item holding a mapping at indent n (the dash sits at n, the
// mapping's keys at n+2). An empty mapping is `- {}` and item returns false.
func (e *encoder) item(n int, empty bool) bool {
	e.indent(n)
	if empty {
		e.b = append(e.b, "- {}\n"...)
		return false
	}
	e.b = append(e.b, "- "...)
	e.dash = true
	return true
}

// strings writes a []string field: omitempty drops nil and empty slices.
func (e *encoder) strings(n int, name string, v []string, omitempty bool) {
	if omitempty && len(v) == 0 {
		return
	}
	if !e.seq(n, name, len(v), v == nil) {
		return
	}
	for _, s := range v {
		e.indent(n)
		e.b = append(e.b, "- "...)
		e.b = AppendString(e.b, s)
		e.b = append(e.b, '\n')
	}
}

// stringMap writes a map[string]string field tagged omitempty.
func (e *encoder) stringMap(n int, name string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	e.key(n, name)
	e.b = append(e.b, '\n')
	if e.cache == nil {
		e.mapEntries(n+2, m)
		return
	}
	k := mapKey{reflect.ValueOf(m).UnsafePointer(), n}
	if text, ok := e.cache.maps[k]; ok {
		e.b = append(e.b, text...)
		return
	}
	start := len(e.b)
	e.mapEntries(n+2, m)
	e.cache.maps[k] = e.cache.keep(e.b[start:])
}

// keep copies text into the Encoder's store. The store grows by chunks that are never
// copied: remembered texts keep pointing into the chunk they were written to.
func (enc *Encoder) keep(text []byte) []byte {
	if len(enc.text)+len(text) > cap(enc.text) {
		enc.text = make([]byte, 0, max(64<<10, len(text)))
	}
	from := len(enc.text)
	enc.text = append(enc.text, text...)
	return enc.text[from:len(enc.text):len(enc.text)]
}

func (e *encoder) mapEntries(n int, m map[string]string) {
	if len(m) == 1 {
		for k, v := range m {
			e.mapEntry(n, k, v)
		}
		return
	}
	var small [8]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	// Sort totally first so the order never depends on map iteration, then stably into
	// go-yaml's order, which is not a strict weak order on every input.
	slices.Sort(keys)
	slices.SortStableFunc(keys, keyCompare)
	for _, k := range keys {
		e.mapEntry(n, k, m[k])
	}
}

func (e *encoder) mapEntry(n int, k, v string) {
	e.indent(n)
	if len(k) > 128 {
		// Implicit keys are limited to 1024 characters; go-yaml switches to the
		// explicit form past 128, and so do we.
		e.b = append(e.b, "? "...)
		e.b = AppendString(e.b, k)
		e.b = append(e.b, '\n')
		e.indent(n)
	} else {
		e.b = AppendString(e.b, k)
	}
	e.b = append(e.b, ": "...)
	e.b = AppendString(e.b, v)
	e.b = append(e.b, '\n')
}

func (e *encoder) typeMeta(n int, t *metav1.TypeMeta) {
	e.optStr(n, "apiVersion", t.APIVersion)
}

func (e *encoder) kind(n int, t *metav1.TypeMeta) {
	e.optStr(n, "kind", t.Kind)
}

func (e *encoder) objectMeta(n int, m *metav1.ObjectMeta) {
	switch {
	case !m.CreationTimestamp.IsZero():
		e.fail("metadata.creationTimestamp is not supported")
	case m.DeletionTimestamp != nil:
		e.fail("metadata.deletionTimestamp is not supported")
	case m.ManagedFields != nil:
		e.fail("metadata.managedFields is not supported")
	}
	empty := m.Name == "" && m.GenerateName == "" && m.Namespace == "" && m.SelfLink == "" &&
		m.UID == "" && m.ResourceVersion == "" && m.Generation == 0 &&
		m.DeletionGracePeriodSeconds == nil && len(m.Labels) == 0 && len(m.Annotations) == 0 &&
		len(m.OwnerReferences) == 0 && len(m.Finalizers) == 0
	if !e.open(n, "metadata", empty) {
		return
	}
	n += 2
	e.stringMap(n, "annotations", m.Annotations)
	if m.DeletionGracePeriodSeconds != nil {
		e.int(n, "deletionGracePeriodSeconds", *m.DeletionGracePeriodSeconds)
	}
	e.strings(n, "finalizers", m.Finalizers, true)
	e.optStr(n, "generateName", m.GenerateName)
	if m.Generation != 0 {
		e.int(n, "generation", m.Generation)
	}
	e.stringMap(n, "labels", m.Labels)
	e.optStr(n, "name", m.Name)
	e.optStr(n, "namespace", m.Namespace)
	if len(m.OwnerReferences) > 0 {
		e.seq(n, "ownerReferences", len(m.OwnerReferences), false)
		for i := range m.OwnerReferences {
			r := &m.OwnerReferences[i]
			e.item(n, false)
			e.str(n+2, "apiVersion", r.APIVersion)
			if r.BlockOwnerDeletion != nil {
				e.bool(n+2, "blockOwnerDeletion", *r.BlockOwnerDeletion)
			}
			if r.Controller != nil {
				e.bool(n+2, "controller", *r.Controller)
			}
			e.str(n+2, "kind", r.Kind)
			e.str(n+2, "name", r.Name)
			e.str(n+2, "uid", string(r.UID))
		}
	}
	e.optStr(n, "resourceVersion", m.ResourceVersion)
	e.optStr(n, "selfLink", m.SelfLink)
	e.optStr(n, "uid", string(m.UID))
}

func emptySelector(s *metav1.LabelSelector) bool {
	return len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0
}

func (e *encoder) labelSelectorBody(n int, s *metav1.LabelSelector) {
	if len(s.MatchExpressions) > 0 {
		e.seq(n, "matchExpressions", len(s.MatchExpressions), false)
		for i := range s.MatchExpressions {
			r := &s.MatchExpressions[i]
			e.item(n, false)
			e.str(n+2, "key", r.Key)
			e.str(n+2, "operator", string(r.Operator))
			e.strings(n+2, "values", r.Values, true)
		}
	}
	e.stringMap(n, "matchLabels", s.MatchLabels)
}

func (e *encoder) labelSelector(n int, name string, s *metav1.LabelSelector) {
	if e.open(n, name, emptySelector(s)) {
		e.labelSelectorBody(n+2, s)
	}
}

func (e *encoder) networkPolicy(o *networkingv1.NetworkPolicy) {
	e.typeMeta(0, &o.TypeMeta)
	e.kind(0, &o.TypeMeta)
	e.objectMeta(0, &o.ObjectMeta)
	s := &o.Spec
	e.key(0, "spec")
	e.b = append(e.b, '\n') // podSelector is never omitted, so spec is never {}
	if len(s.Egress) > 0 {
		e.seq(2, "egress", len(s.Egress), false)
		for i := range s.Egress {
			r := &s.Egress[i]
			if e.item(2, len(r.Ports) == 0 && len(r.To) == 0) {
				e.ports(4, r.Ports)
				e.peers(4, "to", r.To)
			}
		}
	}
	if len(s.Ingress) > 0 {
		e.seq(2, "ingress", len(s.Ingress), false)
		for i := range s.Ingress {
			r := &s.Ingress[i]
			if e.item(2, len(r.Ports) == 0 && len(r.From) == 0) {
				e.peers(4, "from", r.From)
				e.ports(4, r.Ports)
			}
		}
	}
	e.labelSelector(2, "podSelector", &s.PodSelector)
	if len(s.PolicyTypes) > 0 {
		e.seq(2, "policyTypes", len(s.PolicyTypes), false)
		for _, t := range s.PolicyTypes {
			e.indent(2)
			e.b = append(e.b, "- "...)
			e.b = AppendString(e.b, string(t))
			e.b = append(e.b, '\n')
		}
	}
}

func (e *encoder) ports(n int, ports []networkingv1.NetworkPolicyPort) {
	if len(ports) == 0 {
		return
	}
	e.seq(n, "ports", len(ports), false)
	for i := range ports {
		p := &ports[i]
		if !e.item(n, p.Protocol == nil && p.Port == nil && p.EndPort == nil) {
			continue
		}
		if p.EndPort != nil {
			e.int(n+2, "endPort", int64(*p.EndPort))
		}
		if p.Port != nil {
			e.intOrString(n+2, "port", p.Port)
		}
		if p.Protocol != nil {
			e.str(n+2, "protocol", string(*p.Protocol))
		}
	}
}

func (e *encoder) intOrString(n int, name string, v *intstr.IntOrString) {
	switch v.Type {
	case intstr.Int:
		e.int(n, name, int64(v.IntVal))
	case intstr.String:
		e.str(n, name, v.StrVal)
	default:
		e.fail("%s: impossible IntOrString.Type %d", name, v.Type)
	}
}

func (e *encoder) peers(n int, name string, peers []networkingv1.NetworkPolicyPeer) {
	if len(peers) == 0 {
		return
	}
	e.seq(n, name, len(peers), false)
	for i := range peers {
		p := &peers[i]
		if !e.item(n, p.IPBlock == nil && p.NamespaceSelector == nil && p.PodSelector == nil) {
			continue
		}
		if b := p.IPBlock; b != nil {
			e.key(n+2, "ipBlock")
			e.b = append(e.b, '\n') // cidr is never omitted
			e.str(n+4, "cidr", b.CIDR)
			e.strings(n+4, "except", b.Except, true)
		}
		if p.NamespaceSelector != nil {
			e.labelSelector(n+2, "namespaceSelector", p.NamespaceSelector)
		}
		if p.PodSelector != nil {
			e.labelSelector(n+2, "podSelector", p.PodSelector)
		}
	}
}

func (e *encoder) serviceAccount(o *corev1.ServiceAccount) {
	e.typeMeta(0, &o.TypeMeta)
	if o.AutomountServiceAccountToken != nil {
		e.bool(0, "automountServiceAccountToken", *o.AutomountServiceAccountToken)
	}
	if len(o.ImagePullSecrets) > 0 {
		e.seq(0, "imagePullSecrets", len(o.ImagePullSecrets), false)
		for _, r := range o.ImagePullSecrets {
			if e.item(0, r.Name == "") {
				e.str(2, "name", r.Name)
			}
		}
	}
	e.kind(0, &o.TypeMeta)
	e.objectMeta(0, &o.ObjectMeta)
	if len(o.Secrets) > 0 {
		e.seq(0, "secrets", len(o.Secrets), false)
		for i := range o.Secrets {
			r := &o.Secrets[i]
			if e.item(0, *r == corev1.ObjectReference{}) {
				e.optStr(2, "apiVersion", r.APIVersion)
				e.optStr(2, "fieldPath", r.FieldPath)
				e.optStr(2, "kind", r.Kind)
				e.optStr(2, "name", r.Name)
				e.optStr(2, "namespace", r.Namespace)
				e.optStr(2, "resourceVersion", r.ResourceVersion)
				e.optStr(2, "uid", string(r.UID))
			}
		}
	}
}

func (e *encoder) rules(rules []rbacv1.PolicyRule) {
	if !e.seq(0, "rules", len(rules), rules == nil) {
		return
	}
	for i := range rules {
		r := &rules[i]
		e.item(0, false) // verbs is never omitted
		e.strings(2, "apiGroups", r.APIGroups, true)
		e.strings(2, "nonResourceURLs", r.NonResourceURLs, true)
		e.strings(2, "resourceNames", r.ResourceNames, true)
		e.strings(2, "resources", r.Resources, true)
		e.strings(2, "verbs", r.Verbs, false)
	}
}

func (e *encoder) role(o *rbacv1.Role) {
	e.typeMeta(0, &o.TypeMeta)
	e.kind(0, &o.TypeMeta)
	e.objectMeta(0, &o.ObjectMeta)
	e.rules(o.Rules)
}

func (e *encoder) clusterRole(o *rbacv1.ClusterRole) {
	if a := o.AggregationRule; a != nil {
		if e.open(0, "aggregationRule", len(a.ClusterRoleSelectors) == 0) {
			e.seq(2, "clusterRoleSelectors", len(a.ClusterRoleSelectors), false)
			for i := range a.ClusterRoleSelectors {
				s := &a.ClusterRoleSelectors[i]
				if e.item(2, emptySelector(s)) {
					e.labelSelectorBody(4, s)
				}
			}
		}
	}
	e.typeMeta(0, &o.TypeMeta)
	e.kind(0, &o.TypeMeta)
	e.objectMeta(0, &o.ObjectMeta)
	e.rules(o.Rules)
}

func (e *encoder) binding(t *metav1.TypeMeta, m *metav1.ObjectMeta, subjects []rbacv1.Subject, ref *rbacv1.RoleRef) {
	e.typeMeta(0, t)
	e.kind(0, t)
	e.objectMeta(0, m)
	e.key(0, "roleRef")
	e.b = append(e.b, '\n') // its fields are never omitted
	e.str(2, "apiGroup", ref.APIGroup)
	e.str(2, "kind", ref.Kind)
	e.str(2, "name", ref.Name)
	if len(subjects) > 0 {
		e.seq(0, "subjects", len(subjects), false)
		for i := range subjects {
			s := &subjects[i]
			e.item(0, false) // kind and name are never omitted
			e.optStr(2, "apiGroup", s.APIGroup)
			e.str(2, "kind", s.Kind)
			e.str(2, "name", s.Name)
			e.optStr(2, "namespace", s.Namespace)
		}
	}
}
