// Package backends runs every output backend over a compiled program and returns the
// files of one build: Kubernetes NetworkPolicies and ServiceAccounts, RBAC, SQL
// scripts, and the kustomization that lists the Kubernetes files. The list of backends
// is explicit; there is no registration.
package backends

import (
	"slices"
	"strings"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/backends/kustomize"
	"github.com/netc-dev/netc/backends/netpol"
	"github.com/netc-dev/netc/backends/rbac"
	"github.com/netc-dev/netc/backends/serviceaccount"
	"github.com/netc-dev/netc/backends/sql"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/kube"
)

// Backend is one output: a plain function of the IR.
type Backend struct {
	Name       string
	Kubernetes bool // its files go under kubernetes/ and into the kustomization
	Emit       func(p *ir.Program) ([]artifact.File, diag.List)
}

// All is every backend, in the order they run.
var All = []Backend{
	{Name: "networkpolicy", Kubernetes: true, Emit: netpol.Emit},
	{Name: "serviceaccount", Kubernetes: true, Emit: serviceaccount.Emit},
	{Name: "rbac", Kubernetes: true, Emit: rbac.Emit},
	{Name: "sql", Emit: sql.Emit},
}

// Build runs the backends cfg enables (all when cfg is nil) and returns their files
// sorted by path, with kubernetes/kustomization.yaml when there are Kubernetes files.
// It first checks the program with ir.Validate and emits nothing when that fails, so
// each backend reports only what its target cannot express.
func Build(p *ir.Program, cfg *config.Config) ([]artifact.File, diag.List) {
	if cfg == nil {
		cfg = config.Default()
	}
	if diags := ir.Validate(p); diags.HasErrors() {
		diags.Sort()
		return nil, diags
	}
	var files []artifact.File
	var diags diag.List
	for _, b := range All {
		if b.Kubernetes && !cfg.Output.Kubernetes || !b.Kubernetes && !cfg.Output.SQL {
			continue
		}
		fs, d := b.Emit(p)
		files = append(files, fs...)
		diags = append(diags, d...)
	}
	var kubeFiles []artifact.File
	for _, f := range files {
		if strings.HasPrefix(f.Path, kube.Dir) {
			kubeFiles = append(kubeFiles, f)
		}
	}
	if len(kubeFiles) > 0 {
		files = append(files, kustomize.File(kubeFiles))
	}
	slices.SortFunc(files, func(a, b artifact.File) int { return strings.Compare(a.Path, b.Path) })
	diags.Sort()
	return files, diags
}
