package engine

import (
	"bytes"
	"encoding/json"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"

	"github.com/netc-dev/netc/diag"
)

// RawObject is one Kubernetes object as read: its apiVersion and kind, its JSON, and
// where its document starts. The items of a List are objects of their own, with the
// kind the list implies when they leave it out.
type RawObject struct {
	APIVersion, Kind string
	JSON             []byte
	Span             diag.Span
}

// Objects splits src into its objects, as Read does, for readers that look at kinds
// the engine does not (RBAC, ServiceAccounts). Invalid YAML and documents that are not
// objects are reported as Read reports them.
func Objects(src Source, diags *diag.List) []RawObject {
	var out []RawObject
	for _, doc := range splitDocuments(src.Data) {
		span := diag.Span{File: src.Name, Start: diag.Pos{Line: doc.line, Col: 1}}
		if len(bytes.TrimSpace(stripComments(doc.data))) == 0 {
			continue
		}
		js, err := yaml.YAMLToJSON(doc.data)
		if err != nil {
			diags.Add(yamlError(span, err))
			continue
		}
		out = appendObjects(out, js, span, itemLines(doc), diags)
	}
	return out
}

// itemLines are the lines of the file on which the items of a List document start,
// so that each item is reported where it is; nil when the document is no List.
func itemLines(doc document) []int {
	var root yamlv3.Node
	if yamlv3.Unmarshal(doc.data, &root) != nil || len(root.Content) == 0 {
		return nil
	}
	m := root.Content[0]
	if m.Kind != yamlv3.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "items" && m.Content[i+1].Kind == yamlv3.SequenceNode {
			var lines []int
			for _, it := range m.Content[i+1].Content {
				lines = append(lines, doc.line+it.Line-1)
			}
			return lines
		}
	}
	return nil
}

// appendObjects appends the object js, or the items of a List, to out. lines, when
// known, are where the items start.
func appendObjects(out []RawObject, js []byte, span diag.Span, lines []int, diags *diag.List) []RawObject {
	js = bytes.TrimSpace(js)
	if len(js) == 0 || js[0] != '{' {
		if !bytes.Equal(js, []byte("null")) {
			diags.Add(diag.Diagnostic{Severity: diag.Warning, Span: span, Message: "not a Kubernetes object (not a mapping); skipped"})
		}
		return out
	}
	var h header
	if err := json.Unmarshal(js, &h); err != nil {
		diags.Errorf(span, "%s", jsonMessage(err))
		return out
	}
	if h.Kind == "" || h.APIVersion == "" {
		diags.Add(diag.Diagnostic{Severity: diag.Warning, Span: span, Message: "not a Kubernetes object (no apiVersion or kind); skipped"})
		return out
	}
	if strings.HasSuffix(h.Kind, "List") && h.Items != nil {
		itemKind := strings.TrimSuffix(h.Kind, "List")
		for i, it := range h.Items {
			if itemKind != "" {
				it = withKind(it, h.APIVersion, itemKind)
			}
			itemSpan := span
			if i < len(lines) {
				itemSpan.Start.Line = lines[i]
			}
			out = appendObjects(out, it, itemSpan, nil, diags)
		}
		return out
	}
	return append(out, RawObject{APIVersion: h.APIVersion, Kind: h.Kind, JSON: js, Span: span})
}

// ReadObject adds one object that Objects returned, or one fetched from an API server
// (with its apiVersion and kind set), as Read would add it.
func (c *Cluster) ReadObject(o RawObject, diags *diag.List) {
	c.readObject(o, diags)
}

// ListWorkloads returns the workloads read so far, sorted by name. Nothing can be
// added to the cluster afterwards.
func (c *Cluster) ListWorkloads() []*Workload {
	c.objects()
	return c.Workloads
}
