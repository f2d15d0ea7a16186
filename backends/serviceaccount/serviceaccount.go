// Package serviceaccount is the ServiceAccount backend: in kubernetes/<ns>/serviceaccounts.yaml,
// one ServiceAccount per distinct account of the namespace's services, sorted by name,
// its token unmounted (automountServiceAccountToken: false) unless a service using it
// has a grant (ir.Service.MountToken).
package serviceaccount

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/backends/k8syaml"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/kube"
)

// FileName is the file of each namespace with services.
const FileName = "serviceaccounts.yaml"

var accountType = metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}

// Namespace is the ServiceAccounts of one namespace, sorted by name.
type Namespace struct {
	Name     string
	Accounts []*corev1.ServiceAccount
}

// Emit writes kubernetes/<ns>/serviceaccounts.yaml for every namespace with services,
// sorted by path.
func Emit(p *ir.Program) ([]artifact.File, diag.List) {
	var files []artifact.File
	var diags diag.List
	var enc k8syaml.Encoder
	var buf []byte
	for _, ns := range Build(p) {
		path := kube.NamespaceDir(ns.Name) + FileName
		var err error
		if buf, err = k8syaml.AppendFile(&enc, buf[:0], ns.Accounts); err != nil {
			diags.Errorf(diag.Span{}, "internal error: %s: %v", path, err)
			continue
		}
		files = append(files, artifact.File{Path: path, Data: slices.Clone(buf)})
	}
	return files, diags
}

// Build returns the ServiceAccounts Emit writes, one Namespace per namespace with
// services, in name order. The objects share their labels map: treat them as read-only.
func Build(p *ir.Program) []Namespace {
	labels := kube.ManagedBy()
	var out []Namespace
	// Services are sorted by (Namespace, Name): each namespace is one run.
	for run := range chunkByNamespace(p.Services) {
		out = append(out, Namespace{Name: run[0].Namespace, Accounts: accounts(run, labels)})
	}
	return out
}

func chunkByNamespace(svcs []*ir.Service) func(yield func([]*ir.Service) bool) {
	return func(yield func([]*ir.Service) bool) {
		for i := 0; i < len(svcs); {
			j := i + 1
			for j < len(svcs) && svcs[j].Namespace == svcs[i].Namespace {
				j++
			}
			if !yield(svcs[i:j]) {
				return
			}
			i = j
		}
	}
}

// accounts is one ServiceAccount per distinct account of svcs (one namespace's
// services), sorted by name; its token is mounted when any service using it needs it.
func accounts(svcs []*ir.Service, labels map[string]string) []*corev1.ServiceAccount {
	type account struct {
		name  string
		mount bool
	}
	list := make([]account, 0, len(svcs))
	for _, s := range svcs {
		list = append(list, account{s.Account, s.MountToken})
	}
	// Usually every service has its own account, named after it: already sorted and
	// distinct.
	if !slices.IsSortedFunc(list, func(a, b account) int { return strings.Compare(a.name, b.name) }) {
		slices.SortStableFunc(list, func(a, b account) int { return strings.Compare(a.name, b.name) })
	}
	merged := list[:0]
	for _, a := range list {
		if n := len(merged); n > 0 && merged[n-1].name == a.name {
			merged[n-1].mount = merged[n-1].mount || a.mount
			continue
		}
		merged = append(merged, a)
	}
	objs := make([]corev1.ServiceAccount, len(merged))
	out := make([]*corev1.ServiceAccount, len(merged))
	for i, a := range merged {
		mount := a.mount
		objs[i] = corev1.ServiceAccount{
			TypeMeta:                     accountType,
			ObjectMeta:                   metav1.ObjectMeta{Name: a.name, Namespace: svcs[0].Namespace, Labels: labels},
			AutomountServiceAccountToken: &mount,
		}
		out[i] = &objs[i]
	}
	return out
}
