package k8syaml

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	yamlv2 "go.yaml.in/yaml/v2"
	yamlv3 "go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

func ptr[T any](v T) *T { return &v }

var managed = map[string]string{"app.kubernetes.io/managed-by": "netc"}

// handWritten are objects of the shapes netc emits, plus every field the encoder writes.
func handWritten() []runtime.Object {
	tcp, udp, sctp := corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP
	port := func(p int32) *intstr.IntOrString { v := intstr.FromInt32(p); return &v }
	named := func(s string) *intstr.IntOrString { v := intstr.FromString(s); return &v }
	nsSel := func(ns string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}
	}
	app := func(a string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchLabels: map[string]string{"app": a}}
	}
	npMeta := metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"}
	return []runtime.Object{
		&networkingv1.NetworkPolicy{
			TypeMeta:   npMeta,
			ObjectMeta: metav1.ObjectMeta{Name: "netc.default-deny", Namespace: "shop", Labels: managed},
			Spec: networkingv1.NetworkPolicySpec{
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
			},
		},
		&networkingv1.NetworkPolicy{
			TypeMeta:   npMeta,
			ObjectMeta: metav1.ObjectMeta{Name: "netc.allow-dns", Namespace: "shop", Labels: managed},
			Spec: networkingv1.NetworkPolicySpec{
				Egress: []networkingv1.NetworkPolicyEgressRule{{
					Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: port(53)}, {Protocol: &tcp, Port: port(53)}},
					To: []networkingv1.NetworkPolicyPeer{{
						NamespaceSelector: nsSel("kube-system"),
						PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
					}},
				}},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			},
		},
		&networkingv1.NetworkPolicy{
			TypeMeta: npMeta,
			ObjectMeta: metav1.ObjectMeta{Name: "backend", Namespace: "shop", Labels: managed,
				Annotations: map[string]string{"netc.dev/source": "shop.net:3:1"}},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "backend", "tier": "api"}},
				Ingress: []networkingv1.NetworkPolicyIngressRule{
					{From: []networkingv1.NetworkPolicyPeer{{PodSelector: app("frontend")}, {NamespaceSelector: nsSel("ops"), PodSelector: app("admin")}},
						Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: port(8080)}, {Protocol: &tcp, Port: named("https")}}},
					{From: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}, {IPBlock: &networkingv1.IPBlock{CIDR: "::/0"}}}},
					{},
				},
				Egress: []networkingv1.NetworkPolicyEgressRule{
					{To: []networkingv1.NetworkPolicyPeer{{PodSelector: app("db")}},
						Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: port(5432)}}},
					{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{"10.1.0.0/16", "10.2.0.0/16"}}},
						{IPBlock: &networkingv1.IPBlock{CIDR: "2001:db8::/32"}}},
						Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: port(9000), EndPort: ptr[int32](9100)}, {Protocol: &udp, Port: port(1)}, {Protocol: &sctp}, {}}},
					{To: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}}, {}}},
				},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
			},
		},
		&networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "exprs"},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"api", "web"}},
					{Key: "legacy", Operator: metav1.LabelSelectorOpDoesNotExist},
				}, MatchLabels: map[string]string{"app": "x"}},
			},
		},
		&networkingv1.NetworkPolicy{}, // everything empty: metadata {} and spec.podSelector {}
		&corev1.ServiceAccount{
			TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
			ObjectMeta:                   metav1.ObjectMeta{Name: "backend", Namespace: "shop", Labels: managed},
			AutomountServiceAccountToken: ptr(false),
		},
		&corev1.ServiceAccount{
			TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
			ObjectMeta:                   metav1.ObjectMeta{Name: "deployer", Namespace: "ci", Labels: managed},
			AutomountServiceAccountToken: ptr(true),
			ImagePullSecrets:             []corev1.LocalObjectReference{{Name: "registry"}, {}},
			Secrets:                      []corev1.ObjectReference{{Name: "token", Namespace: "ci", Kind: "Secret", APIVersion: "v1", UID: "u-1", ResourceVersion: "7", FieldPath: "data"}, {}},
		},
		&rbacv1.Role{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
			ObjectMeta: metav1.ObjectMeta{Name: "netc.deploy", Namespace: "staging", Labels: managed},
			Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{""}, Resources: []string{"configmaps", "pods", "services"}, Verbs: []string{"create", "delete", "get"}},
				{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get"}},
				{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, ResourceNames: []string{"web"}, Verbs: []string{"patch"}},
			},
		},
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "nil-rules"}},
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "empty-rules"}, Rules: []rbacv1.PolicyRule{}},
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "rule-verbs"}, Rules: []rbacv1.PolicyRule{{}, {Verbs: []string{}}}},
		&rbacv1.RoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
			ObjectMeta: metav1.ObjectMeta{Name: "netc.deploy", Namespace: "staging", Labels: managed},
			Subjects: []rbacv1.Subject{
				{Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: "developers"},
				{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "alice@example.com"},
				{Kind: "ServiceAccount", Name: "deployer", Namespace: "ci"},
			},
			RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "netc.deploy"},
		},
		&rbacv1.RoleBinding{},
		&rbacv1.ClusterRole{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
			ObjectMeta: metav1.ObjectMeta{Name: "netc.sre-view", Labels: managed},
			Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list", "watch"}},
				{NonResourceURLs: []string{"/healthz", "/metrics"}, Verbs: []string{"get"}},
			},
			AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
				{MatchLabels: map[string]string{"rbac.example.com/aggregate-to-view": "true"}}, {},
			}},
		},
		&rbacv1.ClusterRole{AggregationRule: &rbacv1.AggregationRule{}},
		&rbacv1.ClusterRoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
			ObjectMeta: metav1.ObjectMeta{Name: "netc.sre-view", Labels: managed},
			Subjects:   []rbacv1.Subject{{Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: "sre"}},
			RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "netc.sre-view"},
		},
		&rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{
				GenerateName: "gen-", SelfLink: "/apis/x", UID: "1234", ResourceVersion: "42", Generation: 3,
				DeletionGracePeriodSeconds: ptr[int64](30), Finalizers: []string{"a/b", "true"},
				OwnerReferences: []metav1.OwnerReference{
					{APIVersion: "v1", Kind: "Thing", Name: "owner", UID: "9", Controller: ptr(true), BlockOwnerDeletion: ptr(false)},
					{},
				},
			},
		},
	}
}

// TestSameBytesAsSigsYAML: on the objects netc emits, whose strings are all plain-safe
// or simply quoted, the fast output is byte for byte what sigs.k8s.io/yaml writes.
func TestSameBytesAsSigsYAML(t *testing.T) {
	for i, obj := range handWritten() {
		want, err := yaml.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Marshal(obj)
		if err != nil {
			t.Fatalf("object %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("object %d (%T): fast output differs from sigs.k8s.io/yaml\n--- fast\n%s--- sigs\n%s", i, obj, got, want)
		}
	}
}

func TestHandWrittenRoundTrip(t *testing.T) {
	for i, obj := range handWritten() {
		checkObject(t, fmt.Sprintf("object %d", i), obj, true, true)
	}
}

// checkObject is the equality proof. The reference is the object as encoding/json sees
// it (Kubernetes' canonical form; it differs from obj only by turning invalid UTF-8 into
// U+FFFD, so when exact it must equal obj itself). The fast output must decode strictly
// into exactly the reference, and so must sigs.k8s.io/yaml's output; and a plain YAML 1.1
// and a plain YAML 1.2 reader must see the same tree as encoding/json, so no string is
// read back as a bool, a number or a merge key by any tool.
//
// sigs.k8s.io/yaml itself fails on some hostile strings (it cannot encode U+007F, writes
// U+0085 raw where readers fold it to a space, writes a key "<<" unquoted); with
// strictSigs false those objects are still checked against the reference, and the
// disagreement is returned for the caller to count.
func checkObject(t *testing.T, name string, obj runtime.Object, exact, strictSigs bool) (sigsFailed bool) {
	t.Helper()
	fast, err := Marshal(obj)
	if err != nil {
		t.Fatalf("%s: Marshal: %v", name, err)
	}
	typ := reflect.TypeOf(obj).Elem()
	js, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	want := reflect.New(typ).Interface()
	if err := json.Unmarshal(js, want); err != nil {
		t.Fatal(err)
	}
	if exact && !reflect.DeepEqual(want, obj) {
		t.Fatalf("%s: the generator made an object JSON does not round-trip: %#v", name, obj)
	}
	fromFast := reflect.New(typ).Interface()
	if err := yaml.UnmarshalStrict(fast, fromFast); err != nil {
		t.Fatalf("%s: strict decode of fast output: %v\n%s", name, err, fast)
	}
	if !reflect.DeepEqual(fromFast, want) {
		t.Fatalf("%s: fast output decodes to a different object\n%s\ngot  %#v\nwant %#v", name, fast, fromFast, want)
	}

	slow, err := yaml.Marshal(obj)
	fromSlow := reflect.New(typ).Interface()
	if err == nil {
		err = yaml.UnmarshalStrict(slow, fromSlow)
	}
	if err == nil && !reflect.DeepEqual(fromSlow, want) {
		err = fmt.Errorf("sigs output decodes to a different object\n%s", slow)
	}
	if err != nil {
		if strictSigs {
			t.Fatalf("%s: sigs.k8s.io/yaml: %v\n--- fast\n%s", name, err, fast)
		}
		sigsFailed = true
	} else if !reflect.DeepEqual(fromFast, fromSlow) {
		t.Fatalf("%s: fast and sigs outputs decode differently\n--- fast\n%s--- sigs\n%s", name, fast, slow)
	}

	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		t.Fatal(err)
	}
	var v2 any
	if err := yamlv2.Unmarshal(fast, &v2); err != nil {
		t.Fatalf("%s: YAML 1.1 decode: %v\n%s", name, err, fast)
	}
	if got := generic(v2); !reflect.DeepEqual(got, tree) {
		t.Fatalf("%s: YAML 1.1 reads a different tree\n%s\ngot  %#v\nwant %#v", name, fast, got, tree)
	}
	var v3 any
	if err := yamlv3.Unmarshal(fast, &v3); err != nil {
		t.Fatalf("%s: YAML 1.2 decode: %v\n%s", name, err, fast)
	}
	if got := generic(v3); !reflect.DeepEqual(got, tree) {
		t.Fatalf("%s: YAML 1.2 reads a different tree\n%s\ngot  %#v\nwant %#v", name, fast, got, tree)
	}
	return sigsFailed
}

// generic turns a go-yaml tree into encoding/json's generic form (with UseNumber), so
// that a key or value of the wrong type shows up as a difference.
func generic(v any) any {
	switch v := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			ks, ok := k.(string)
			if !ok {
				ks = fmt.Sprintf("<non-string key %T %v>", k, k)
			}
			m[ks] = generic(x)
		}
		return m
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = generic(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = generic(x)
		}
		return s
	case int:
		return json.Number(strconv.Itoa(v))
	case int64:
		return json.Number(strconv.FormatInt(v, 10))
	case uint64:
		return json.Number(strconv.FormatUint(v, 10))
	case float64:
		return fmt.Sprintf("<float %v>", v) // netc's kinds have no floats
	}
	return v
}

// hostile are strings a YAML reader could take for something else, or choke on.
var hostile = []string{
	"", " ", "a", "true", "True", "TRUE", "false", "yes", "Yes", "no", "NO", "y", "Y", "n", "on", "Off",
	"null", "Null", "~", "1", "-1", "+1", "0", "007", "0x1F", "0o17", "0b101", "1_000", "1e3", "1.5", ".5",
	".inf", "-.Inf", ".nan", "NaN", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "12:30", "1:20:30",
	"-", "--", "---", "...", "- a", "-a", "a-", "? x", "?", ":", ": a", "a: b", "a:b", "a:", "::/0", ":/", "a/b:",
	"#", "#a", "a #b", "a#b", "'q'", "'", "\"", "\"dq\"", "\\", "\\n", "\n", "a\nb", "\r\n", "\t", "a\tb",
	" lead", "trail ", "{", "}", "[a]", "{a: b}", "*a", "&a", "!tag", "!!str", "%TAG", "@x", "`x", "|", "|-",
	">", ">-", ",", "a,b", "<<", "=", "\x00", "\x01", "\x7f", "\u0085", "\u00a0", "\u2028", "\u2029", "\ufeff",
	"\ufffe", "\uffff", "\u202e", "\u200b", "é", "日本語", "😀", "\U000F0000", "a b", "  ", "10.0.0.0/8",
	"2001:db8::/32", "0.0.0.0/0", "app.kubernetes.io/managed-by", "kubernetes.io/metadata.name", "a_b", "_a",
	"123-abc", "1/2", "y/n", "true/false", "k8s-app", "alice@example.com", "system:serviceaccount:ci:deployer",
	strings.Repeat("k", 128), strings.Repeat("k", 129), strings.Repeat("long key ", 130), strings.Repeat("x", 5000),
}

// gen builds random objects of every supported kind from hostile strings. It is
// deterministic: a failure reproduces from its seed.
type gen struct {
	r       *rand.Rand
	tame    bool // only names of the kind netc writes
	invalid bool // an invalid UTF-8 string was used: the object cannot survive JSON unchanged
}

// tame are strings of the kind netc really writes.
var tame = []string{
	"", "shop", "backend", "db", "app", "k8s-app", "kube-dns", "kube-system", "tenant-1", "1-tenant", "123",
	"v1", "TCP", "UDP", "SCTP", "Ingress", "Egress", "Group", "User", "ServiceAccount", "In", "Exists",
	"netc.default-deny", "netc.allow-dns", "app.kubernetes.io/managed-by", "kubernetes.io/metadata.name",
	"netc", "10.0.0.0/8", "0.0.0.0/0", "::/0", "2001:db8::/32", "203.0.113.7/32", "alice@example.com",
	"pods/log", "get", "list", "watch", "*", "rbac.authorization.k8s.io", "networking.k8s.io", "/healthz",
	"system:serviceaccount:ci:deployer", "cert-manager.io", "a_b", "http", "https",
}

func (g *gen) str() string {
	if g.tame {
		return tame[g.r.IntN(len(tame))]
	}
	switch g.r.IntN(12) {
	case 0:
		// random bytes, sometimes invalid UTF-8
		b := make([]byte, g.r.IntN(12))
		for i := range b {
			b[i] = byte(g.r.IntN(256))
		}
		if !utf8.Valid(b) {
			g.invalid = true
		}
		return string(b)
	case 1:
		return hostile[g.r.IntN(len(hostile))] + hostile[g.r.IntN(len(hostile))]
	}
	return hostile[g.r.IntN(len(hostile))]
}

func (g *gen) maybe() bool { return g.r.IntN(2) == 0 }

func (g *gen) strs() []string {
	if g.maybe() {
		return nil
	}
	s := make([]string, 1+g.r.IntN(3))
	for i := range s {
		s[i] = g.str()
	}
	return s
}

// strsNotOmitted is a field without omitempty: nil, empty and full all round-trip.
func (g *gen) strsNotOmitted() []string {
	switch g.r.IntN(3) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	return g.strs()
}

func (g *gen) strMap() map[string]string {
	if g.maybe() {
		return nil
	}
	m := map[string]string{}
	for range 1 + g.r.IntN(4) {
		m[g.str()] = g.str()
	}
	return m
}

func (g *gen) meta() metav1.ObjectMeta {
	m := metav1.ObjectMeta{Labels: g.strMap(), Annotations: g.strMap()}
	if g.maybe() {
		m.Name = g.str()
	}
	if g.maybe() {
		m.Namespace = g.str()
	}
	if g.r.IntN(5) == 0 {
		m.GenerateName, m.UID, m.ResourceVersion, m.SelfLink = g.str(), types.UID(g.str()), g.str(), g.str()
		m.Generation = g.r.Int64N(1 << 50)
		m.Finalizers = g.strs()
	}
	if g.r.IntN(8) == 0 {
		m.DeletionGracePeriodSeconds = ptr(g.r.Int64N(100) - 50)
	}
	if g.r.IntN(8) == 0 {
		m.OwnerReferences = []metav1.OwnerReference{{APIVersion: g.str(), Kind: g.str(), Name: g.str(), UID: types.UID(g.str())}}
		if g.maybe() {
			m.OwnerReferences[0].Controller = ptr(g.maybe())
		}
	}
	return m
}

func (g *gen) typeMeta(apiVersion, kind string) metav1.TypeMeta {
	if g.r.IntN(4) == 0 {
		return metav1.TypeMeta{APIVersion: g.str(), Kind: g.str()}
	}
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

func (g *gen) selector() metav1.LabelSelector {
	s := metav1.LabelSelector{MatchLabels: g.strMap()}
	if g.r.IntN(3) == 0 {
		for range 1 + g.r.IntN(2) {
			s.MatchExpressions = append(s.MatchExpressions, metav1.LabelSelectorRequirement{
				Key: g.str(), Operator: metav1.LabelSelectorOperator(g.str()), Values: g.strs()})
		}
	}
	return s
}

func (g *gen) selectorPtr() *metav1.LabelSelector {
	if g.maybe() {
		return nil
	}
	s := g.selector()
	return &s
}

func (g *gen) peers() []networkingv1.NetworkPolicyPeer {
	if g.r.IntN(3) == 0 {
		return nil
	}
	p := make([]networkingv1.NetworkPolicyPeer, 1+g.r.IntN(3))
	for i := range p {
		p[i].PodSelector = g.selectorPtr()
		p[i].NamespaceSelector = g.selectorPtr()
		if g.r.IntN(3) == 0 {
			p[i].IPBlock = &networkingv1.IPBlock{CIDR: g.str(), Except: g.strs()}
		}
	}
	return p
}

func (g *gen) ports() []networkingv1.NetworkPolicyPort {
	if g.r.IntN(3) == 0 {
		return nil
	}
	p := make([]networkingv1.NetworkPolicyPort, 1+g.r.IntN(3))
	for i := range p {
		if g.maybe() {
			p[i].Protocol = ptr(corev1.Protocol(g.str()))
		}
		switch g.r.IntN(3) {
		case 0:
			p[i].Port = ptr(intstr.FromInt32(g.r.Int32() - 1<<30))
		case 1:
			p[i].Port = ptr(intstr.FromString(g.str()))
		}
		if g.maybe() {
			p[i].EndPort = ptr(g.r.Int32N(70000))
		}
	}
	return p
}

func (g *gen) networkPolicy() *networkingv1.NetworkPolicy {
	np := &networkingv1.NetworkPolicy{
		TypeMeta:   g.typeMeta("networking.k8s.io/v1", "NetworkPolicy"),
		ObjectMeta: g.meta(),
	}
	np.Spec.PodSelector = g.selector()
	for range g.r.IntN(3) {
		np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{From: g.peers(), Ports: g.ports()})
	}
	for range g.r.IntN(3) {
		np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{To: g.peers(), Ports: g.ports()})
	}
	for range g.r.IntN(3) {
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyType(g.str()))
	}
	return np
}

func (g *gen) serviceAccount() *corev1.ServiceAccount {
	sa := &corev1.ServiceAccount{TypeMeta: g.typeMeta("v1", "ServiceAccount"), ObjectMeta: g.meta()}
	if g.maybe() {
		sa.AutomountServiceAccountToken = ptr(g.maybe())
	}
	for range g.r.IntN(3) {
		sa.ImagePullSecrets = append(sa.ImagePullSecrets, corev1.LocalObjectReference{Name: g.str()})
	}
	for range g.r.IntN(2) {
		sa.Secrets = append(sa.Secrets, corev1.ObjectReference{Name: g.str(), Namespace: g.str(), FieldPath: g.str()})
	}
	return sa
}

func (g *gen) rules() []rbacv1.PolicyRule {
	switch g.r.IntN(4) {
	case 0:
		return nil
	case 1:
		return []rbacv1.PolicyRule{}
	}
	r := make([]rbacv1.PolicyRule, 1+g.r.IntN(3))
	for i := range r {
		r[i] = rbacv1.PolicyRule{Verbs: g.strsNotOmitted(), APIGroups: g.strs(), Resources: g.strs(),
			ResourceNames: g.strs(), NonResourceURLs: g.strs()}
	}
	return r
}

func (g *gen) subjects() []rbacv1.Subject {
	if g.r.IntN(3) == 0 {
		return nil
	}
	s := make([]rbacv1.Subject, 1+g.r.IntN(3))
	for i := range s {
		s[i] = rbacv1.Subject{Kind: g.str(), Name: g.str()}
		if g.maybe() {
			s[i].APIGroup = g.str()
		}
		if g.maybe() {
			s[i].Namespace = g.str()
		}
	}
	return s
}

func (g *gen) roleRef() rbacv1.RoleRef {
	return rbacv1.RoleRef{APIGroup: g.str(), Kind: g.str(), Name: g.str()}
}

func (g *gen) object() runtime.Object {
	switch g.r.IntN(6) {
	case 0:
		return &rbacv1.Role{TypeMeta: g.typeMeta("rbac.authorization.k8s.io/v1", "Role"), ObjectMeta: g.meta(), Rules: g.rules()}
	case 1:
		return &rbacv1.RoleBinding{TypeMeta: g.typeMeta("rbac.authorization.k8s.io/v1", "RoleBinding"), ObjectMeta: g.meta(),
			Subjects: g.subjects(), RoleRef: g.roleRef()}
	case 2:
		cr := &rbacv1.ClusterRole{TypeMeta: g.typeMeta("rbac.authorization.k8s.io/v1", "ClusterRole"), ObjectMeta: g.meta(), Rules: g.rules()}
		if g.r.IntN(3) == 0 {
			cr.AggregationRule = &rbacv1.AggregationRule{}
			for range g.r.IntN(3) {
				cr.AggregationRule.ClusterRoleSelectors = append(cr.AggregationRule.ClusterRoleSelectors, g.selector())
			}
		}
		return cr
	case 3:
		return &rbacv1.ClusterRoleBinding{TypeMeta: g.typeMeta("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"), ObjectMeta: g.meta(),
			Subjects: g.subjects(), RoleRef: g.roleRef()}
	case 4:
		return g.serviceAccount()
	}
	return g.networkPolicy()
}

// TestRandomObjects runs the equality proof over thousands of generated objects full of
// strings YAML could misread.
func TestRandomObjects(t *testing.T) {
	n := 1500
	if testing.Short() {
		n = 300
	}
	sigsFailed := 0
	for seed := range uint64(n) {
		g := &gen{r: rand.New(rand.NewPCG(seed, 0x6e657463))}
		obj := g.object()
		if checkObject(t, fmt.Sprintf("seed %d (%T)", seed, obj), obj, !g.invalid, false) {
			sigsFailed++
		}
	}
	t.Logf("%d objects; sigs.k8s.io/yaml could not round-trip %d of them, the fast encoder all", n, sigsFailed)
}

// TestRandomTameObjects: on strings of the kind netc writes, sigs.k8s.io/yaml never
// fails, so both outputs must decode to the same object every time.
func TestRandomTameObjects(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 200
	}
	for seed := range uint64(n) {
		g := &gen{r: rand.New(rand.NewPCG(seed, 0x74616d65)), tame: true}
		obj := g.object()
		checkObject(t, fmt.Sprintf("tame seed %d (%T)", seed, obj), obj, true, true)
	}
}

// TestEveryHostileString puts each hostile string in every kind of position: a value,
// a map key, a sequence item, a port name.
func TestEveryHostileString(t *testing.T) {
	for i, s := range hostile {
		np := &networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: s, Labels: map[string]string{s: s, "k": s}},
			Spec: networkingv1.NetworkPolicySpec{
				Ingress: []networkingv1.NetworkPolicyIngressRule{{
					Ports: []networkingv1.NetworkPolicyPort{{Port: ptr(intstr.FromString(s)), Protocol: ptr(corev1.Protocol(s))}},
					From:  []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: s, Except: []string{s, s}}}},
				}},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyType(s)},
			},
		}
		checkObject(t, fmt.Sprintf("hostile %d %q", i, s), np, true, false)
		rb := &rbacv1.RoleBinding{Subjects: []rbacv1.Subject{{Kind: s, Name: s, APIGroup: s, Namespace: s}},
			RoleRef: rbacv1.RoleRef{Kind: s, Name: s, APIGroup: s}}
		checkObject(t, fmt.Sprintf("hostile %d %q", i, s), rb, true, false)
	}
}

func TestPlain(t *testing.T) {
	for s, want := range map[string]bool{
		"netc": true, "netc.default-deny": true, "app.kubernetes.io/managed-by": true, "TCP": true,
		"10.0.0.0/8": true, "::/0": true, "2001:db8::/32": true, "a_b": true, "kube-system": true,
		"": false, "true": false, "Yes": false, "NULL": false, "1": false, "123-abc": false, "0x1f": false,
		"alice@example.com": true, "/healthz": true, "shop.net:3:1": true, "a:b": true, "_a": true, "é": true,
		"日本語": true, "system:serviceaccount:ci:x": true,
		"a/b:": false, "a:": false, "1:20": false, ".a": false, "-a": false, "a b": false, "@a": false,
		"a#b": false, "<<": false, "=": false, "é\u0301": false, "a\u00a0b": false, "\ufeffa": false,
	} {
		if got := Plain(s); got != want {
			t.Errorf("Plain(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestAppendStringEscapes(t *testing.T) {
	for s, want := range map[string]string{
		"a\nb":         `"a\nb"`,
		"q\"\\":        `"q\"\\"`,
		"\x00\x7f":     `"\x00\x7F"`,
		"\u0085":       `"\x85"`,
		"\u2028\ufeff": `"\u2028\uFEFF"`,
		"\U000F0000":   `"\U000F0000"`,
		"bad\xffutf8":  "\"bad\uFFFDutf8\"",
		"日本":           `日本`,
		"日本 x":         `"日本 x"`,
	} {
		if got := string(AppendString(nil, s)); got != want {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestErrors(t *testing.T) {
	for name, obj := range map[string]runtime.Object{
		"unsupported kind":  &corev1.Pod{},
		"creationTimestamp": &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(time.Unix(1, 0))}},
		"deletionTimestamp": &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &metav1.Time{}}},
		"managedFields":     &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{ManagedFields: []metav1.ManagedFieldsEntry{}}},
		"bad IntOrString": &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{
			Ports: []networkingv1.NetworkPolicyPort{{Port: &intstr.IntOrString{Type: 7}}}}}}},
	} {
		prefix := []byte("keep")
		out, err := Append(prefix, obj)
		if err == nil {
			t.Errorf("%s: no error; output\n%s", name, out)
		}
		if string(out) != "keep" {
			t.Errorf("%s: Append changed the buffer on error: %q", name, out)
		}
	}
}

// TestKeyOrder: map keys come out sorted as go-yaml v2 sorts them, whatever the map's
// iteration order.
func TestKeyOrder(t *testing.T) {
	m := map[string]string{}
	for _, k := range []string{"b", "a10", "a9", "a_b", "A", "a", "a.b", "a-b", "a0", "a00", "z/1", "é", "10", "9"} {
		m[k] = "v"
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Labels: m}}
	want, _ := yaml.Marshal(sa)
	for range 20 {
		got, err := Marshal(sa)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("key order differs from sigs.k8s.io/yaml\n--- fast\n%s--- sigs\n%s", got, want)
		}
	}
}

func benchPolicy() *networkingv1.NetworkPolicy {
	return handWritten()[2].(*networkingv1.NetworkPolicy)
}

func BenchmarkMarshal(b *testing.B) {
	np := benchPolicy()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		buf, err = Append(buf[:0], np)
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSigsYAMLMarshal(b *testing.B) {
	np := benchPolicy()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := yaml.Marshal(np); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEncoderEqualsAppend: an Encoder that remembers maps writes exactly what Append
// writes, over objects that share maps at every indentation.
func TestEncoderEqualsAppend(t *testing.T) {
	var enc Encoder
	shared := []map[string]string{managed, {"app": "x"}, {"a": "1", "b": "true", "c": strings.Repeat("v", 200)}}
	check := func(name string, obj runtime.Object) {
		t.Helper()
		want, err := Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		got, err := enc.Append([]byte("prefix"), obj)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != "prefix"+string(want) {
			t.Fatalf("%s: Encoder output differs from Append\n--- encoder\n%s--- append\n%s", name, got, want)
		}
	}
	for seed := range uint64(500) {
		g := &gen{r: rand.New(rand.NewPCG(seed, 1))}
		obj := g.object()
		// Make the object share maps with earlier ones, wherever it has maps.
		pick := func() map[string]string { return shared[g.r.IntN(len(shared))] }
		switch o := obj.(type) {
		case *networkingv1.NetworkPolicy:
			o.Labels = pick()
			o.Spec.PodSelector.MatchLabels = pick()
			for i := range o.Spec.Ingress {
				for j := range o.Spec.Ingress[i].From {
					if p := o.Spec.Ingress[i].From[j].PodSelector; p != nil {
						p.MatchLabels = pick()
					}
				}
			}
		case *corev1.ServiceAccount:
			o.Annotations = pick()
		}
		check(fmt.Sprintf("seed %d", seed), obj)
	}
	for _, obj := range handWritten() {
		check("hand-written", obj)
	}

	// After a map changes, Reset makes the Encoder see it.
	m := map[string]string{"app": "old"}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Labels: m}}
	check("before", sa)
	m["app"] = "new"
	enc.Reset()
	check("after Reset", sa)
}

func BenchmarkEncoder(b *testing.B) {
	np := benchPolicy()
	var enc Encoder
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		buf, err = enc.Append(buf[:0], np)
		if err != nil {
			b.Fatal(err)
		}
	}
}
