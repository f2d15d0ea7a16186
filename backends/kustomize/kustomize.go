// Package kustomize writes kubernetes/kustomization.yaml, which lists every Kubernetes
// file of a build so that `kubectl apply -k out/kubernetes` (or a GitOps tool pointed at
// the directory) applies exactly what netc generated.
package kustomize

import (
	"path"
	"slices"
	"strings"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/backends/k8syaml"
	"github.com/netc-dev/netc/kube"
)

// Path is where File is written, relative to the output directory.
const Path = kube.Dir + "kustomization.yaml"

// File returns kubernetes/kustomization.yaml listing as resources every file of files
// under kubernetes/ ending in .yaml or .yml (except a kustomization itself), relative to
// kubernetes/, sorted and de-duplicated.
func File(files []artifact.File) artifact.File {
	var resources []string
	for _, f := range files {
		rel, ok := strings.CutPrefix(f.Path, kube.Dir)
		if !ok || rel == "" {
			continue
		}
		if ext := path.Ext(rel); ext != ".yaml" && ext != ".yml" {
			continue
		}
		if base := path.Base(rel); base == "kustomization.yaml" || base == "kustomization.yml" {
			continue
		}
		resources = append(resources, rel)
	}
	slices.Sort(resources)
	resources = slices.Compact(resources)

	n := 0
	for _, r := range resources {
		n += len(r) + 8
	}
	b := make([]byte, 0, 128+n)
	b = append(b, "# "+artifact.Header+"\n"...)
	b = append(b, "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:"...)
	if len(resources) == 0 {
		b = append(b, " []\n"...)
	} else {
		b = append(b, '\n')
		for _, r := range resources {
			b = append(b, "- "...)
			b = k8syaml.AppendString(b, r)
			b = append(b, '\n')
		}
	}
	return artifact.File{Path: Path, Data: b}
}
