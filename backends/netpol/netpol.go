// Package netpol is the network backend: for every locked-down namespace it writes the
// NetworkPolicies that open exactly the paths of the intents (docs/output.md).
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
//
// The program is one ir.Validate accepts (backends.Build checks it first): names,
// labels and ports are valid and no two workloads share a name, so the backend only
// emits. The IR is canonical, so walking it in order gives stable output; the backend
// sorts only where it merges (peers of one rule, rules of one policy). Every step is
// linear in the program: edges are indexed by workload once.
//
// The files, by concern: index.go indexes the edges under their workloads, peers.go
// merges the peers of one rule, ports.go converts port lists, policy.go builds the
// objects of one namespace, arena.go is their memory.
package netpol

import (
	"runtime"
	"slices"
	"strings"
	"sync"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/backends/k8syaml"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/kube"
)

// Names of the policies every locked-down namespace gets, and of the file.
const (
	DefaultDenyName = "netc.default-deny"
	AllowDNSName    = "netc.allow-dns"

	PoliciesFile = "networkpolicies.yaml"
)

var policyType = metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"}

// Namespace is the policies of one locked-down namespace, in file order.
type Namespace struct {
	Name     string
	Policies []*networkingv1.NetworkPolicy
}

// Emit writes kubernetes/<ns>/networkpolicies.yaml for every locked-down namespace,
// sorted by path. Namespaces are built and encoded in parallel; the output does not
// depend on how many run at once.
func Emit(p *ir.Program) ([]artifact.File, diag.List) {
	ix := index(p, nil)
	type result struct {
		file artifact.File
		err  error
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
				r := &results[i]
				r.file.Path = kube.NamespaceDir(ns.Name) + PoliciesFile
				if buf, r.err = k8syaml.AppendFile(&enc, buf[:0], ns.Policies); r.err == nil {
					r.file.Data = slices.Clone(buf)
				}
			}
		}()
	}
	for i := range ix.namespaces {
		work <- i
	}
	close(work)
	wg.Wait()

	var files []artifact.File
	var diags diag.List
	for _, r := range results {
		if r.err != nil {
			diags.Errorf(diag.Span{}, "internal error: %s: %v", r.file.Path, r.err)
			continue
		}
		files = append(files, r.file)
	}
	slices.SortFunc(files, func(a, b artifact.File) int { return strings.Compare(a.Path, b.Path) })
	return files, diags
}

// Build returns the typed objects Emit writes, one Namespace per locked-down namespace
// in name order. Objects share their selector maps: treat them as read-only.
func Build(p *ir.Program) []Namespace {
	ix := index(p, nil)
	out := make([]Namespace, len(ix.namespaces))
	for i, ns := range ix.namespaces {
		out[i] = ix.build(ns, new(arena))
	}
	return out
}
