package kubestate

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

// FieldDiff is one field that differs: its path in the object (as kubectl explain
// writes it, with list indexes), the compiled value and the live one, as JSON; "" when
// the field is absent.
type FieldDiff struct {
	Path string `json:"path"`
	Want string `json:"want"`
	Live string `json:"live"`
}

// compared is what the audit compares of an object, with the defaults the API server
// applies filled in: the fields a user or a controller could change that change what
// the object does. Server-set metadata (uid, resourceVersion, managedFields,
// creationTimestamp, generation), annotations and status are not compared.
func compared(o *Object) map[string]any {
	switch v := o.Typed.(type) {
	case *networkingv1.NetworkPolicy:
		spec := *v.Spec.DeepCopy()
		if len(spec.PolicyTypes) == 0 {
			// The API server's default: Ingress always, Egress with egress rules.
			spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
			if len(spec.Egress) > 0 {
				spec.PolicyTypes = append(spec.PolicyTypes, networkingv1.PolicyTypeEgress)
			}
		}
		tcp := corev1.ProtocolTCP
		for i := range spec.Ingress {
			defaultProtocols(spec.Ingress[i].Ports, tcp)
		}
		for i := range spec.Egress {
			defaultProtocols(spec.Egress[i].Ports, tcp)
		}
		return map[string]any{"spec": toJSON(spec)}
	case *rbacv1.Role:
		return map[string]any{"rules": toJSON(v.Rules)}
	case *rbacv1.ClusterRole:
		return map[string]any{"rules": toJSON(v.Rules), "aggregationRule": toJSON(v.AggregationRule)}
	case *rbacv1.RoleBinding:
		return map[string]any{"roleRef": toJSON(v.RoleRef), "subjects": toJSON(defaultSubjects(v.Subjects))}
	case *rbacv1.ClusterRoleBinding:
		return map[string]any{"roleRef": toJSON(v.RoleRef), "subjects": toJSON(defaultSubjects(v.Subjects))}
	case *corev1.ServiceAccount:
		mount := v.AutomountServiceAccountToken == nil || *v.AutomountServiceAccountToken // unset: mounted
		return map[string]any{"automountServiceAccountToken": mount, "imagePullSecrets": toJSON(v.ImagePullSecrets)}
	}
	return nil
}

func defaultProtocols(ports []networkingv1.NetworkPolicyPort, tcp corev1.Protocol) {
	for j := range ports {
		if ports[j].Protocol == nil {
			ports[j].Protocol = &tcp
		}
	}
}

// defaultSubjects fills in the apiGroup the API server defaults for users and groups.
func defaultSubjects(ss []rbacv1.Subject) []rbacv1.Subject {
	out := slices.Clone(ss)
	for i := range out {
		if out[i].APIGroup == "" && (out[i].Kind == rbacv1.UserKind || out[i].Kind == rbacv1.GroupKind) {
			out[i].APIGroup = rbacv1.GroupName
		}
	}
	return out
}

// toJSON is v as encoding/json decodes it into any: maps, slices and scalars, without
// null fields and empty lists, which in these APIs mean the same as an absent field (an
// empty map does not: namespaceSelector: {} is every namespace).
func toJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // typed API objects always marshal
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return prune(out)
}

func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			e = prune(e)
			if l, ok := e.([]any); e == nil || ok && len(l) == 0 {
				delete(x, k)
				continue
			}
			x[k] = e
		}
	case []any:
		for i, e := range x {
			x[i] = prune(e)
		}
	}
	return v
}

// canonical sorts every list of a compared value, recursively: in the fields the audit
// compares, order never changes what an object does (rules, peers, ports, verbs and
// subjects are all sets), so two objects whose canonical forms are equal do the same.
func canonical(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = canonical(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		keys := make([]string, len(x))
		for i, e := range x {
			out[i] = canonical(e)
			b, _ := json.Marshal(out[i])
			keys[i] = string(b)
		}
		idx := make([]int, len(x))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
		sorted := make([]any, 0, len(x))
		for i, j := range idx {
			if i > 0 && keys[j] == keys[idx[i-1]] {
				continue // a set: a repeated entry adds nothing
			}
			sorted = append(sorted, out[j])
		}
		return sorted
	}
	return v
}

// diffObjects lists the fields in which live differs from want: none when the two do
// the same (their compared fields are equal up to order), else each field that
// differs, in want's order. A label of want that live lacks or changes is a
// difference; labels live adds are not (tools add their own).
func diffObjects(want, live *Object) []FieldDiff {
	var out []FieldDiff
	for _, k := range slices.Sorted(maps.Keys(want.Labels)) {
		if lv, ok := live.Labels[k]; !ok || lv != want.Labels[k] {
			d := FieldDiff{Path: fmt.Sprintf("metadata.labels[%q]", k), Want: render(want.Labels[k])}
			if ok {
				d.Live = render(lv)
			}
			out = append(out, d)
		}
	}
	w, l := compared(want), compared(live)
	if reflect.DeepEqual(canonical(any(mapAny(w))), canonical(any(mapAny(l)))) {
		return out
	}
	diffValues("", mapAny(w), mapAny(l), &out)
	return out
}

func mapAny(m map[string]any) map[string]any {
	// compared's values are JSON trees already; normalise the map itself.
	return toJSON(m).(map[string]any)
}

func diffValues(path string, want, live any, out *[]FieldDiff) {
	switch w := want.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			break
		}
		keys := slices.Collect(maps.Keys(w))
		for k := range l {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			wv, wok := w[k]
			lv, lok := l[k]
			switch {
			case !wok:
				*out = append(*out, FieldDiff{Path: p, Live: render(lv)})
			case !lok:
				*out = append(*out, FieldDiff{Path: p, Want: render(wv)})
			default:
				diffValues(p, wv, lv, out)
			}
		}
		return
	case []any:
		l, ok := live.([]any)
		if !ok {
			break
		}
		if scalars(w) && scalars(l) {
			// A list of names (verbs, resources, policyTypes) is a set: say which
			// entries one side lacks, not which positions moved.
			for _, x := range w {
				if !slices.ContainsFunc(l, func(y any) bool { return reflect.DeepEqual(x, y) }) {
					*out = append(*out, FieldDiff{Path: path + "[]", Want: render(x)})
				}
			}
			for _, y := range l {
				if !slices.ContainsFunc(w, func(x any) bool { return reflect.DeepEqual(x, y) }) {
					*out = append(*out, FieldDiff{Path: path + "[]", Live: render(y)})
				}
			}
			return
		}
		for i := range max(len(w), len(l)) {
			p := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case i >= len(w):
				*out = append(*out, FieldDiff{Path: p, Live: render(l[i])})
			case i >= len(l):
				*out = append(*out, FieldDiff{Path: p, Want: render(w[i])})
			default:
				diffValues(p, w[i], l[i], out)
			}
		}
		return
	}
	if !reflect.DeepEqual(want, live) {
		*out = append(*out, FieldDiff{Path: path, Want: render(want), Live: render(live)})
	}
}

// scalars reports whether every entry of l is a string, number or boolean.
func scalars(l []any) bool {
	for _, x := range l {
		switch x.(type) {
		case map[string]any, []any:
			return false
		}
	}
	return true
}

// render is a value as compact JSON; "" for absent (nil).
func render(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
