// Command policydiff checks that two renderings hold the same NetworkPolicies, so
// bench/compare.sh times tools that produce the same thing. Each argument is a YAML
// file or a directory of them (multi-document streams or a top-level list, as
// `cue export --out yaml` writes). Policies are compared by namespace and name, and by
// meaning: the pod selector, the policy types, and the set of (direction, peer, port)
// triples their rules allow, so the order of rules and peers does not matter.
//
//	policydiff out/kubernetes helm.yaml
//
// It prints how many policies each side holds and exits 1 on the first differences.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: policydiff A B  (each a YAML file or a directory)")
		os.Exit(2)
	}
	a, err := load(os.Args[1])
	if err != nil {
		fail(err)
	}
	b, err := load(os.Args[2])
	if err != nil {
		fail(err)
	}
	diffs := 0
	for _, k := range keys(a, b) {
		x, inA := a[k]
		y, inB := b[k]
		switch {
		case !inA:
			report(&diffs, "%s: only in %s", k, os.Args[2])
		case !inB:
			report(&diffs, "%s: only in %s", k, os.Args[1])
		case x != y:
			report(&diffs, "%s differs:\n  %s\n  %s", k, firstDiff(x, y), firstDiff(y, x))
		}
	}
	fmt.Printf("%d NetworkPolicies in %s, %d in %s", len(a), os.Args[1], len(b), os.Args[2])
	if diffs > 0 {
		fmt.Printf(": %d differ\n", diffs)
		os.Exit(1)
	}
	fmt.Println(": the same")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "policydiff:", err)
	os.Exit(2)
}

func report(n *int, format string, args ...any) {
	*n++
	if *n <= 10 {
		fmt.Printf(format+"\n", args...)
	}
}

func keys(a, b map[string]string) []string {
	var ks []string
	for k := range a {
		ks = append(ks, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

// firstDiff returns the first line of x's canonical form that y lacks.
func firstDiff(x, y string) string {
	have := map[string]bool{}
	for _, l := range strings.Split(y, "\n") {
		have[l] = true
	}
	for _, l := range strings.Split(x, "\n") {
		if !have[l] {
			return l
		}
	}
	return "(nothing missing)"
}

var docSep = regexp.MustCompile(`(?m)^---[ \t]*$`)

// load reads every NetworkPolicy under path, by "namespace/name", in canonical form.
func load(path string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml") || p == path) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, doc := range docSep.Split(string(data), -1) {
			var v any
			if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
				return fmt.Errorf("%s: %v", p, err)
			}
			objs, ok := v.([]any)
			if !ok {
				objs = []any{v}
			}
			for _, o := range objs {
				m, ok := o.(map[string]any)
				if !ok || m["kind"] != "NetworkPolicy" {
					continue
				}
				j, _ := json.Marshal(m)
				var np networkingv1.NetworkPolicy
				if err := json.Unmarshal(j, &np); err != nil {
					return fmt.Errorf("%s: %v", p, err)
				}
				k := np.Namespace + "/" + np.Name
				if _, dup := out[k]; dup {
					return fmt.Errorf("%s: NetworkPolicy %s twice", p, k)
				}
				out[k] = canonical(&np)
			}
		}
		return nil
	})
	return out, err
}

// canonical renders what a policy means, one sorted line per fact.
func canonical(np *networkingv1.NetworkPolicy) string {
	lines := []string{"select " + selector(&np.Spec.PodSelector)}
	for _, t := range np.Spec.PolicyTypes {
		lines = append(lines, "type "+string(t))
	}
	for _, r := range np.Spec.Ingress {
		lines = append(lines, triples("in", r.From, r.Ports)...)
	}
	for _, r := range np.Spec.Egress {
		lines = append(lines, triples("out", r.To, r.Ports)...)
	}
	for k, v := range np.Labels {
		lines = append(lines, "label "+k+"="+v)
	}
	slices.Sort(lines)
	return strings.Join(slices.Compact(lines), "\n")
}

func triples(dir string, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) []string {
	ps := []string{"any peer"}
	if len(peers) > 0 {
		ps = ps[:0]
		for _, p := range peers {
			s := ""
			if p.NamespaceSelector != nil {
				s += "ns " + selector(p.NamespaceSelector) + " "
			}
			if p.PodSelector != nil {
				s += "pods " + selector(p.PodSelector) + " "
			}
			if p.IPBlock != nil {
				s += "cidr " + p.IPBlock.CIDR + " except " + strings.Join(p.IPBlock.Except, ",")
			}
			ps = append(ps, s)
		}
	}
	qs := []string{"any port"}
	if len(ports) > 0 {
		qs = qs[:0]
		for _, q := range ports {
			s := "TCP"
			if q.Protocol != nil {
				s = string(*q.Protocol)
			}
			if q.Port != nil {
				s += " " + q.Port.String()
			}
			if q.EndPort != nil {
				s += fmt.Sprintf("-%d", *q.EndPort)
			}
			qs = append(qs, s)
		}
	}
	var out []string
	for _, p := range ps {
		for _, q := range qs {
			out = append(out, dir+" "+p+"| "+q)
		}
	}
	return out
}

func selector(s *metav1.LabelSelector) string {
	var parts []string
	for k, v := range s.MatchLabels {
		parts = append(parts, k+"="+v)
	}
	for _, e := range s.MatchExpressions {
		parts = append(parts, fmt.Sprintf("%s %s %v", e.Key, e.Operator, e.Values))
	}
	slices.Sort(parts)
	return "{" + strings.Join(parts, ",") + "}"
}
