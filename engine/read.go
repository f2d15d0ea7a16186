package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/netc-dev/netc/diag"
)

// Input limits: a larger file, or larger inputs together, are refused with a
// diagnostic before anything is decoded.
const (
	MaxFileSize  = 64 << 20
	MaxTotalSize = 256 << 20
)

// Stdin is the path that means standard input.
const Stdin = "-"

// Source is one input file: its name as messages show it, and its bytes.
type Source struct {
	Name string
	Data []byte
}

// manifestExts are the file names a directory is searched for, as kubectl -R does.
var manifestExts = []string{".yaml", ".yml", ".json"}

// ReadSources reads the named files, the manifests below the named directories (every
// .yaml, .yml and .json file, sorted, hidden directories skipped) and, for "-",
// standard input. An unreadable path is an error; a file over the limits is a
// diagnostic.
func ReadSources(paths []string, stdin io.Reader) ([]Source, diag.List, error) {
	var files []string
	for _, p := range paths {
		if p == Stdin {
			files = append(files, p)
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", p, pathErr(err))
		}
		if !st.IsDir() {
			files = append(files, filepath.Clean(p))
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("%s: %v", q, pathErr(err))
			}
			if d.IsDir() {
				if q != p && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if slices.Contains(manifestExts, strings.ToLower(filepath.Ext(q))) && d.Type().IsRegular() {
				found = append(found, q)
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		slices.Sort(found)
		files = append(files, found...)
	}
	var srcs []Source
	var diags diag.List
	total := 0
	for _, f := range files {
		var r io.Reader = stdin
		name := "<stdin>"
		if f != Stdin {
			fh, err := os.Open(f)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %v", f, pathErr(err))
			}
			defer fh.Close()
			r, name = fh, f
		}
		data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", name, pathErr(err))
		}
		if len(data) > MaxFileSize {
			diags.Errorf(diag.Span{File: name}, "file is larger than %d MiB, the most netc reads from one input", MaxFileSize>>20)
			continue
		}
		if total += len(data); total > MaxTotalSize {
			diags.Errorf(diag.Span{File: name}, "inputs are larger than %d MiB together, the most netc reads in one run", MaxTotalSize>>20)
			break
		}
		srcs = append(srcs, Source{Name: name, Data: data})
	}
	return srcs, diags, nil
}

func pathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Load reads paths (see ReadSources) into a cluster. The error is an I/O failure;
// problems with the input are diagnostics.
func Load(paths []string, stdin io.Reader) (*Cluster, diag.List, error) {
	srcs, diags, err := ReadSources(paths, stdin)
	if err != nil {
		return nil, nil, err
	}
	c := NewCluster()
	for _, s := range srcs {
		c.Read(s, &diags)
	}
	diags.Sort()
	return c, diags, nil
}

// header is what every object and List starts with.
type header struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Items      []json.RawMessage `json:"items"`
}

// Read decodes every YAML (or JSON) document of src and adds its objects.
func (c *Cluster) Read(src Source, diags *diag.List) {
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
		c.readJSON(js, span, diags)
	}
}

func (c *Cluster) readJSON(js []byte, span diag.Span, diags *diag.List) {
	for _, o := range appendObjects(nil, js, span, nil, diags) {
		c.readObject(o, diags)
	}
}

// readObject adds one object of a kind the engine reads; others are counted.
func (c *Cluster) readObject(o RawObject, diags *diag.List) {
	js, span, h := o.JSON, o.Span, header{APIVersion: o.APIVersion, Kind: o.Kind}
	decode := func(v any) bool {
		if err := json.Unmarshal(js, v); err != nil {
			diags.Errorf(span, "%s: %s", h.Kind, jsonMessage(err))
			return false
		}
		c.Kinds[h.Kind]++
		return true
	}
	switch rbac := isRBAC(h.APIVersion); {
	case rbac && h.Kind == "Role":
		var o rbacv1.Role
		if decode(&o) {
			c.addRole(h.Kind, o.ObjectMeta, o.Rules, nil, span)
		}
		return
	case rbac && h.Kind == "ClusterRole":
		var o rbacv1.ClusterRole
		if decode(&o) {
			c.addRole(h.Kind, o.ObjectMeta, o.Rules, o.AggregationRule, span)
		}
		return
	case rbac && h.Kind == "RoleBinding":
		var o rbacv1.RoleBinding
		if decode(&o) {
			c.addBinding(h.Kind, o.ObjectMeta, o.RoleRef, o.Subjects, span)
		}
		return
	case rbac && h.Kind == "ClusterRoleBinding":
		var o rbacv1.ClusterRoleBinding
		if decode(&o) {
			c.addBinding(h.Kind, o.ObjectMeta, o.RoleRef, o.Subjects, span)
		}
		return
	}
	switch h.Kind {
	case "Namespace":
		var o corev1.Namespace
		if decode(&o) {
			c.AddNamespace(&o, span)
		}
	case "NetworkPolicy":
		var o networkingv1.NetworkPolicy
		if decode(&o) {
			c.AddPolicy(&o, span, diags)
		}
	case "Pod":
		var o corev1.Pod
		if decode(&o) {
			c.AddPod(&o, span, diags)
		}
	case "Deployment":
		var o appsv1.Deployment
		if decode(&o) {
			c.AddWorkload(o.Namespace, o.Name, h.Kind, &o.Spec.Template, span, diags)
		}
	case "ReplicaSet":
		var o appsv1.ReplicaSet
		if decode(&o) {
			c.AddWorkload(o.Namespace, o.Name, h.Kind, &o.Spec.Template, span, diags)
		}
	case "StatefulSet":
		var o appsv1.StatefulSet
		if decode(&o) {
			c.AddWorkload(o.Namespace, o.Name, h.Kind, &o.Spec.Template, span, diags)
		}
	case "DaemonSet":
		var o appsv1.DaemonSet
		if decode(&o) {
			c.AddWorkload(o.Namespace, o.Name, h.Kind, &o.Spec.Template, span, diags)
		}
	case "Job":
		var o batchv1.Job
		if decode(&o) {
			c.AddWorkload(o.Namespace, o.Name, h.Kind, &o.Spec.Template, span, diags)
		}
	case "CronJob":
		var o batchv1.CronJob
		if decode(&o) {
			c.AddWorkload(o.Namespace, o.Name, h.Kind, &o.Spec.JobTemplate.Spec.Template, span, diags)
		}
	case "ReplicationController":
		var o corev1.ReplicationController
		if decode(&o) {
			c.AddWorkload(o.Namespace, o.Name, h.Kind, o.Spec.Template, span, diags)
		}
	case "Service":
		var o corev1.Service
		if decode(&o) {
			c.AddService(&o)
		}
	case "Ingress":
		var o networkingv1.Ingress
		if decode(&o) {
			c.AddIngress(&o)
		}
	case "Route":
		var o routeObject
		if decode(&o) {
			c.addRoute(&o)
		}
	case "AdminNetworkPolicy", "BaselineAdminNetworkPolicy":
		var o adminObject
		if decode(&o) {
			c.addAdmin(&o, h.Kind == "BaselineAdminNetworkPolicy", span, diags)
		}
	default:
		c.Skipped[h.Kind]++
	}
}

// withKind sets apiVersion and kind on an item that lacks them.
func withKind(item json.RawMessage, apiVersion, kind string) json.RawMessage {
	var h header
	if json.Unmarshal(item, &h) != nil || h.Kind != "" {
		return item
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(item, &m) != nil {
		return item
	}
	m["kind"], _ = json.Marshal(kind)
	if h.APIVersion == "" {
		m["apiVersion"], _ = json.Marshal(apiVersion)
	}
	out, err := json.Marshal(m)
	if err != nil {
		return item
	}
	return out
}

// document is one YAML document of a file and the line it starts on.
type document struct {
	data []byte
	line int
}

// splitDocuments splits a YAML stream at its "---" lines.
func splitDocuments(data []byte) []document {
	var docs []document
	start, startLine, line := 0, 1, 1
	for off := 0; off <= len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		next := len(data) + 1
		if end >= 0 {
			end += off
			next = end + 1
		} else {
			end = len(data)
		}
		l := bytes.TrimRight(data[off:end], "\r")
		if bytes.HasPrefix(l, []byte("---")) {
			rest := bytes.TrimSpace(l[3:])
			if len(rest) == 0 || rest[0] == '#' {
				docs = append(docs, document{data[start:off], startLine})
				start, startLine = min(next, len(data)), line+1
			}
		}
		off = next
		line++
	}
	docs = append(docs, document{data[start:], startLine})
	return docs
}

// stripComments drops YAML comment lines, to tell an empty document from a real one.
func stripComments(b []byte) []byte {
	var out []byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		t := bytes.TrimSpace(l)
		if len(t) > 0 && t[0] != '#' {
			out = append(out, t...)
		}
	}
	return out
}

var yamlLine = regexp.MustCompile(`^(?:error converting YAML to JSON: )?yaml: line (\d+): `)

// yamlError places a YAML syntax error on its own line of the file.
func yamlError(span diag.Span, err error) diag.Diagnostic {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		span.Start.Line += n - 1
		msg = msg[len(m[0]):]
	} else {
		msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	}
	return diag.Diagnostic{Severity: diag.Error, Span: span, Message: "invalid YAML: " + msg}
}

// jsonMessage is a decoding error without Go's type names where they add nothing.
func jsonMessage(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %s: cannot use a JSON %s here (want %s)", te.Field, te.Value, te.Type)
	}
	return err.Error()
}
