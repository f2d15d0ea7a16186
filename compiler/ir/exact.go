package ir

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/netc-dev/netc/diag"
)

// This file holds the two facts that keep policies exact where selectors and address
// blocks would reach further than the program says: the pods of narrower workloads
// (Exclusion) and the cluster's own networks (Block, Cluster).

// MaxSelectorTerms bounds how many selectors one workload's pods take when narrower
// workloads are left out of it (see Exclusion): its policy is written once per term and
// every peer naming it once per term. The compiler refuses a program beyond it.
const MaxSelectorTerms = 16

// Exclusion is how a workload leaves out the pods of the narrower workloads of its
// namespace: those whose labels strictly contain its own, whose pods its labels
// therefore select too. Those pods are theirs (the most specific selector owns a pod),
// so the workload's pods are the ones carrying its Labels and not the labels of any
// narrower workload.
//
// Kubernetes selectors are conjunctions, and "not all of a narrower workload's extra
// labels" is a disjunction, so the pod set is written as a union of Terms: a pod is the
// workload's when it carries Labels and, for at least one term, none of the term's
// Without labels (`KEY NotIn [VALUE]`, which also matches pods without KEY). The zero
// value (no narrower workload) means Labels alone is exact.
type Exclusion struct {
	// Narrower lists the workloads left out, sorted by name.
	Narrower []Narrower
	// Terms is empty exactly when Narrower is; at most MaxSelectorTerms. Each holds at
	// least one label, and each term's labels leave out every narrower workload.
	Terms []Term
}

// Narrower is one workload of the namespace whose labels strictly contain another's.
type Narrower struct {
	Name  string
	Extra []Label // its labels beyond the broader workload's, sorted by key
	Span  diag.Span
}

// Term is one selector of a workload's exact pod set: its Labels, and none of Without.
type Term struct {
	Without []Label // sorted by (Key, Value); keys are never keys of the workload's Labels
}

// Block is one ipBlock: CIDR minus Except.
type Block struct {
	CIDR netip.Prefix
	// Except are the cluster networks strictly inside CIDR, sorted; empty when none is.
	Except []netip.Prefix
}

// Cluster is the cluster's own networks, from netc.hcl's cluster block.
type Cluster struct {
	PodCIDRs, ServiceCIDRs []netip.Prefix // sorted; both empty when not configured
}

// Known reports whether netc.hcl configured the cluster's networks.
func (c Cluster) Known() bool { return len(c.PodCIDRs)+len(c.ServiceCIDRs) > 0 }

// Ranges is every cluster network, pods and services, sorted.
func (c Cluster) Ranges() []netip.Prefix {
	return SortPrefixes(slices.Concat(c.PodCIDRs, c.ServiceCIDRs))
}

// SortPrefixes sorts by address then length and removes duplicates, in place.
func SortPrefixes(ps []netip.Prefix) []netip.Prefix {
	slices.SortFunc(ps, ComparePrefixes)
	return slices.Compact(ps)
}

// ComparePrefixes orders prefixes by address, then length.
func ComparePrefixes(a, b netip.Prefix) int {
	return cmp.Or(a.Addr().Compare(b.Addr()), cmp.Compare(a.Bits(), b.Bits()))
}

// PrefixWithin reports whether inner lies inside outer (or equals it). Prefixes of two
// families are never within one another.
func PrefixWithin(inner, outer netip.Prefix) bool {
	return inner.Addr().Is4() == outer.Addr().Is4() && outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// CompareLabels orders labels by key, then value.
func CompareLabels(a, b Label) int {
	return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Value, b.Value))
}

// LabelsWithin reports whether every label of inner is in outer; both sorted by key.
func LabelsWithin(inner, outer []Label) bool {
	j := 0
	for _, l := range inner {
		for j < len(outer) && outer[j].Key < l.Key {
			j++
		}
		if j == len(outer) || outer[j] != l {
			return false
		}
		j++
	}
	return true
}

// Selecting is a workload as selector overlap sees it: its namespace and labels.
type Selecting struct {
	Namespace string
	Labels    []Label // sorted by key
}

// Overlaps finds the workloads whose selectors select each other's pods: for each ws[i]
// the indices of the workloads of its namespace whose labels strictly contain its own
// (ascending), and each workload whose labels repeat an earlier one's, as the pair
// (earlier, it). A repeat is left out of every narrower list and gets its first one's.
// It looks only at workloads sharing ws[i]'s rarest label, so a program whose workloads
// each carry a label of their own (app=NAME) costs one look each.
func Overlaps(ws []Selecting) (narrower [][]int, same [][2]int) {
	type nsLabel struct {
		ns string
		l  Label
	}
	first := make(map[string]int, len(ws)) // namespace and labels → first workload with them
	rep := make([]int, len(ws))
	postings := make(map[nsLabel][]int, len(ws))
	byNS := map[string][]int{}
	var kb []byte
	for i, w := range ws {
		kb = append(kb[:0], w.Namespace...)
		for _, l := range w.Labels {
			kb = append(append(append(append(kb, 0), l.Key...), 0), l.Value...)
		}
		if j, dup := first[string(kb)]; dup {
			rep[i] = j
			same = append(same, [2]int{j, i})
			continue
		}
		first[string(kb)] = i
		rep[i] = i
		byNS[w.Namespace] = append(byNS[w.Namespace], i)
		for _, l := range w.Labels {
			k := nsLabel{w.Namespace, l}
			postings[k] = append(postings[k], i)
		}
	}
	narrower = make([][]int, len(ws))
	for i, w := range ws {
		if rep[i] != i {
			continue
		}
		cands := byNS[w.Namespace] // an empty selector selects every pod of the namespace
		for k, l := range w.Labels {
			if p := postings[nsLabel{w.Namespace, l}]; k == 0 || len(p) < len(cands) {
				cands = p
			}
		}
		for _, j := range cands {
			if o := ws[j]; j != i && len(o.Labels) > len(w.Labels) && LabelsWithin(w.Labels, o.Labels) {
				narrower[i] = append(narrower[i], j)
			}
		}
	}
	for i, r := range rep {
		if r != i {
			narrower[i] = narrower[r]
		}
	}
	return narrower, same
}
