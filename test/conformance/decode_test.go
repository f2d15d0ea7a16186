package conformance

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/kubernetes/pkg/apis/core"
	coreinstall "k8s.io/kubernetes/pkg/apis/core/install"
	corevalidation "k8s.io/kubernetes/pkg/apis/core/validation"
	"k8s.io/kubernetes/pkg/apis/networking"
	networkinginstall "k8s.io/kubernetes/pkg/apis/networking/install"
	networkingvalidation "k8s.io/kubernetes/pkg/apis/networking/validation"
	"k8s.io/kubernetes/pkg/apis/rbac"
	rbacinstall "k8s.io/kubernetes/pkg/apis/rbac/install"
	rbacvalidation "k8s.io/kubernetes/pkg/apis/rbac/validation"
	"sigs.k8s.io/yaml"

	"github.com/netc-dev/netc/backends/artifact"
)

// kubeDir is where netc writes Kubernetes objects, relative to the output directory.
const kubeDir = "kubernetes/"

// managedBy is the label every generated object carries.
const managedByKey, managedByValue = "app.kubernetes.io/managed-by", "netc"

// kubeObject is one decoded Kubernetes object and where it came from.
type kubeObject struct {
	Source string         // "kubernetes/shop/networkpolicies.yaml#2": file and 1-based document
	Object runtime.Object // a typed k8s.io/api value (*networkingv1.NetworkPolicy, ...)
}

// kubeOutput is every Kubernetes object of one build, in file and document order.
type kubeOutput struct {
	Objects []kubeObject
	// Kustomizations maps each kustomization.yaml path to the resources it lists.
	Kustomizations map[string][]string
}

// objectsOf returns the objects of one Go type, e.g. objectsOf[*rbacv1.Role](out).
func objectsOf[T runtime.Object](out *kubeOutput) []T {
	var res []T
	for _, o := range out.Objects {
		if v, ok := o.Object.(T); ok {
			res = append(res, v)
		}
	}
	return res
}

// kinds are the Kubernetes kinds netc may emit, each decoded into its k8s.io/api type.
// Anything else under kubernetes/ is an error, so that a new kind cannot slip past
// validation unnoticed.
var kinds = map[schema.GroupVersionKind]func() runtime.Object{
	networkingv1.SchemeGroupVersion.WithKind("NetworkPolicy"): func() runtime.Object { return &networkingv1.NetworkPolicy{} },
	corev1.SchemeGroupVersion.WithKind("ServiceAccount"):      func() runtime.Object { return &corev1.ServiceAccount{} },
	corev1.SchemeGroupVersion.WithKind("Namespace"):           func() runtime.Object { return &corev1.Namespace{} },
	rbacv1.SchemeGroupVersion.WithKind("Role"):                func() runtime.Object { return &rbacv1.Role{} },
	rbacv1.SchemeGroupVersion.WithKind("RoleBinding"):         func() runtime.Object { return &rbacv1.RoleBinding{} },
	rbacv1.SchemeGroupVersion.WithKind("ClusterRole"):         func() runtime.Object { return &rbacv1.ClusterRole{} },
	rbacv1.SchemeGroupVersion.WithKind("ClusterRoleBinding"):  func() runtime.Object { return &rbacv1.ClusterRoleBinding{} },
}

// decodeKubernetes reads every YAML file under kubernetes/ of a build. Each document
// decodes STRICTLY (unknown or duplicate fields are errors) into its k8s.io/api type.
// It also checks what every generated file and object must carry: the generated-file
// header, the managed-by label, a unique identity, and kustomizations that list
// exactly files that exist. Errors name the file and document.
func decodeKubernetes(files []artifact.File) (*kubeOutput, []error) {
	out := &kubeOutput{Kustomizations: map[string][]string{}}
	var errs []error
	seen := map[string]string{} // identity -> source
	paths := map[string]bool{}
	for _, f := range files {
		if !strings.HasPrefix(f.Path, kubeDir) {
			continue
		}
		paths[f.Path] = true
		if ext := path.Ext(f.Path); ext != ".yaml" && ext != ".yml" {
			errs = append(errs, fmt.Errorf("%s: not a YAML file", f.Path))
			continue
		}
		first, _, _ := bytes.Cut(f.Data, []byte("\n"))
		if string(first) != "# "+artifact.Header {
			errs = append(errs, fmt.Errorf("%s: first line is %q, want %q", f.Path, first, "# "+artifact.Header))
		}
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(f.Data)))
		for n := 1; ; n++ {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			src := fmt.Sprintf("%s#%d", f.Path, n)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", src, err))
				break
			}
			if isBlankYAML(doc) {
				continue
			}
			var tm struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal(doc, &tm); err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", src, err))
				continue
			}
			if tm.Kind == "Kustomization" {
				res, err := decodeKustomization(doc)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %v", src, err))
				}
				out.Kustomizations[f.Path] = res
				continue
			}
			gv, err := schema.ParseGroupVersion(tm.APIVersion)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: apiVersion: %v", src, err))
				continue
			}
			newObj, ok := kinds[gv.WithKind(tm.Kind)]
			if !ok {
				errs = append(errs, fmt.Errorf("%s: unexpected kind %s %s", src, tm.APIVersion, tm.Kind))
				continue
			}
			obj := newObj()
			if err := yaml.UnmarshalStrict(doc, obj); err != nil {
				errs = append(errs, fmt.Errorf("%s: strict decode into %T: %v", src, obj, err))
				continue
			}
			meta := metaOf(obj)
			if got := meta.GetLabels()[managedByKey]; got != managedByValue {
				errs = append(errs, fmt.Errorf("%s: %s %s/%s: label %s is %q, want %q",
					src, tm.Kind, meta.GetNamespace(), meta.GetName(), managedByKey, got, managedByValue))
			}
			id := tm.Kind + " " + meta.GetNamespace() + "/" + meta.GetName()
			if prev, dup := seen[id]; dup {
				errs = append(errs, fmt.Errorf("%s: %s already defined at %s", src, id, prev))
			}
			seen[id] = src
			out.Objects = append(out.Objects, kubeObject{Source: src, Object: obj})
		}
	}
	errs = append(errs, checkKustomizations(out.Kustomizations, paths)...)
	return out, errs
}

func isBlankYAML(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && line != "---" && !strings.HasPrefix(line, "#") {
			return false
		}
	}
	return true
}

// kustomization is the part of kustomize's Kustomization that netc's layout uses.
// Decoded loosely (kustomize's own types are not a dependency here): only resources matter.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

func decodeKustomization(doc []byte) ([]string, error) {
	var k kustomization
	if err := yaml.Unmarshal(doc, &k); err != nil {
		return nil, err
	}
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" {
		return k.Resources, fmt.Errorf("kustomization apiVersion %q, want kustomize.config.k8s.io/v1beta1", k.APIVersion)
	}
	return k.Resources, nil
}

// checkKustomizations checks that kubernetes/kustomization.yaml exists when there are
// objects, that every resource a kustomization lists exists (a file, or a directory with
// its own kustomization.yaml), and that every generated YAML file is reached from the
// top one — what `kubectl apply -k kubernetes/` needs.
func checkKustomizations(ks map[string][]string, paths map[string]bool) []error {
	var errs []error
	if len(paths) == 0 {
		return nil
	}
	top := kubeDir + "kustomization.yaml"
	if _, ok := ks[top]; !ok {
		return []error{fmt.Errorf("%s: missing (Kubernetes objects must be under one directory with a kustomization.yaml)", top)}
	}
	reached := map[string]bool{}
	var walk func(k string)
	walk = func(k string) {
		if reached[k] {
			return
		}
		reached[k] = true
		dir := path.Dir(k)
		for _, r := range ks[k] {
			p := path.Clean(path.Join(dir, r))
			switch {
			case paths[p]:
				reached[p] = true
			case paths[p+"/kustomization.yaml"]:
				walk(p + "/kustomization.yaml")
			default:
				errs = append(errs, fmt.Errorf("%s: resource %q does not exist in the output", k, r))
			}
		}
	}
	walk(top)
	var lost []string
	for p := range paths {
		if !reached[p] {
			lost = append(lost, p)
		}
	}
	slices.Sort(lost)
	for _, p := range lost {
		errs = append(errs, fmt.Errorf("%s: not listed by any kustomization reached from %s", p, top))
	}
	return errs
}

type objectMeta interface {
	GetName() string
	GetNamespace() string
	GetLabels() map[string]string
}

func metaOf(obj runtime.Object) objectMeta { return obj.(objectMeta) }

// apiScheme holds the internal and v1 types of the groups netc emits, with the
// defaulting and conversion functions the API server applies before validation.
var apiScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	coreinstall.Install(s)
	networkinginstall.Install(s)
	rbacinstall.Install(s)
	return s
}()

// validateObject does to a decoded object what the API server does on create: apply
// the defaults, convert to the internal type, and run upstream validation.
func validateObject(obj runtime.Object) (field.ErrorList, error) {
	defaulted := obj.DeepCopyObject()
	apiScheme.Default(defaulted)
	var internal runtime.Object
	switch obj.(type) {
	case *networkingv1.NetworkPolicy:
		internal = &networking.NetworkPolicy{}
	case *corev1.ServiceAccount:
		internal = &core.ServiceAccount{}
	case *corev1.Namespace:
		internal = &core.Namespace{}
	case *rbacv1.Role:
		internal = &rbac.Role{}
	case *rbacv1.RoleBinding:
		internal = &rbac.RoleBinding{}
	case *rbacv1.ClusterRole:
		internal = &rbac.ClusterRole{}
	case *rbacv1.ClusterRoleBinding:
		internal = &rbac.ClusterRoleBinding{}
	default:
		return nil, fmt.Errorf("no validation for %T", obj)
	}
	if err := apiScheme.Convert(defaulted, internal, nil); err != nil {
		return nil, fmt.Errorf("convert %T to %T: %v", obj, internal, err)
	}
	switch in := internal.(type) {
	case *networking.NetworkPolicy:
		return networkingvalidation.ValidateNetworkPolicy(in, networkingvalidation.ValidationOptionsForNetworking(in, nil)), nil
	case *core.ServiceAccount:
		return corevalidation.ValidateServiceAccount(in), nil
	case *core.Namespace:
		return corevalidation.ValidateNamespace(in), nil
	case *rbac.Role:
		return rbacvalidation.ValidateRole(in), nil
	case *rbac.RoleBinding:
		return rbacvalidation.ValidateRoleBinding(in), nil
	case *rbac.ClusterRole:
		return rbacvalidation.ValidateClusterRole(in, rbacvalidation.ClusterRoleValidationOptions{}), nil
	case *rbac.ClusterRoleBinding:
		return rbacvalidation.ValidateClusterRoleBinding(in), nil
	}
	panic("unreachable")
}

// validateAll validates every object and returns one error per problem, naming its source.
func validateAll(out *kubeOutput) []error {
	var errs []error
	for _, o := range out.Objects {
		list, err := validateObject(o.Object)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", o.Source, err))
			continue
		}
		m := metaOf(o.Object)
		for _, e := range list {
			errs = append(errs, fmt.Errorf("%s: %T %s/%s: %v", o.Source, o.Object, m.GetNamespace(), m.GetName(), e))
		}
	}
	return errs
}

// defaulted returns a copy of a NetworkPolicy as the API server stores it (defaults
// applied: policyTypes, TCP protocol), which is what a cluster enforces.
func defaulted(np *networkingv1.NetworkPolicy) *networkingv1.NetworkPolicy {
	c := np.DeepCopy()
	apiScheme.Default(c)
	return c
}
