package conformance

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler/ir"
)

// report is everything check found wrong with one build.
type report struct {
	Decode   []error // strict decoding, headers, labels, kustomizations
	Validate []error // upstream API validation
	Accounts []error // ServiceAccounts against the IR's services
	Cluster  []error // ipBlocks against the cluster networks and the pods' IPs
	Families []familyReport
	Fixtures *fixtures
}

// familyReport is the connectivity comparison in one address family.
type familyReport struct {
	Name           string
	Errs           []error  // the analyzer failed or refused the input
	Missing, Extra []string // "SRC -> DST PORTS", sorted
	Checked        int      // connections (src, dst pairs) the intents open
}

func (r *report) ok() bool {
	if len(r.Decode)+len(r.Validate)+len(r.Accounts)+len(r.Cluster) > 0 {
		return false
	}
	for _, f := range r.Families {
		if len(f.Errs)+len(f.Missing)+len(f.Extra) > 0 {
			return false
		}
	}
	return true
}

// check decodes and validates the Kubernetes files of a build of p, and compares the
// connectivity the analyzer derives from its NetworkPolicies with the one the IR's
// intents define, over fixtures with decoys.
func check(p *ir.Program, files []artifact.File) *report {
	r := &report{}
	out, errs := decodeKubernetes(files)
	r.Decode = errs
	r.Validate = validateAll(out)
	r.Accounts = checkAccounts(p, out)

	var nps []*networkingv1.NetworkPolicy
	for _, np := range objectsOf[*networkingv1.NetworkPolicy](out) {
		nps = append(nps, defaulted(np))
	}
	r.Fixtures = buildFixtures(p)
	r.Cluster = checkClusterBlocks(p, nps, r.Fixtures)

	v6prefixes, err := irIPv6Prefixes(p, nps)
	if err != nil {
		r.Families = append(r.Families, familyReport{Name: "IPv6", Errs: []error{err}})
		return r
	}
	v6, err := newIPv6Family(v6prefixes)
	if err != nil {
		r.Families = append(r.Families, familyReport{Name: "IPv6", Errs: []error{err}})
		return r
	}
	for _, fam := range []family{ipv4Family, v6} {
		r.Families = append(r.Families, compareFamily(p, nps, r.Fixtures, fam))
	}
	return r
}

func compareFamily(p *ir.Program, nps []*networkingv1.NetworkPolicy, fx *fixtures, fam family) familyReport {
	fr := familyReport{Name: fam.Name}
	objs := fx.objects()
	for _, np := range nps {
		c, err := forAnalyzer(np, fam, fx.Pods)
		if err != nil {
			fr.Errs = append(fr.Errs, fmt.Errorf("NetworkPolicy %s/%s: %v", np.Namespace, np.Name, err))
			continue
		}
		objs = append(objs, runtime.Object(c))
	}
	if len(fr.Errs) > 0 {
		return fr
	}
	conns, errs := analyze(objs, fam)
	fr.Errs = append(fr.Errs, errs...)
	if len(errs) > 0 {
		return fr
	}
	spans, err := analyzerSpans(conns)
	if err != nil {
		fr.Errs = append(fr.Errs, err)
		return fr
	}
	parts := elementary(append(spans, irSpans(p, fam)...))
	want := expectedConnectivity(p, fam, fx.Pods, parts)
	got, err := actualConnectivity(conns, fam, parts)
	if err != nil {
		fr.Errs = append(fr.Errs, err)
		return fr
	}
	fr.Checked = len(want)
	fr.Missing, fr.Extra = diffConnectivity(want, got, fam, parts)
	return fr
}

// checkAccounts checks docs/output.md: every service has a ServiceAccount (its Account, in its
// namespace) whose token is mounted only when a service using it has a grant.
func checkAccounts(p *ir.Program, out *kubeOutput) []error {
	sas := map[string]*corev1.ServiceAccount{}
	for _, sa := range objectsOf[*corev1.ServiceAccount](out) {
		sas[sa.Namespace+"/"+sa.Name] = sa
	}
	type account struct {
		mount    bool
		services []string
	}
	want := map[string]*account{}
	var keys []string
	for _, s := range p.Services {
		name := s.Account
		if name == "" {
			name = s.Name
		}
		k := s.Namespace + "/" + name
		if want[k] == nil {
			want[k] = &account{}
			keys = append(keys, k)
		}
		want[k].mount = want[k].mount || s.MountToken
		want[k].services = append(want[k].services, s.Namespace+"/"+s.Name)
	}
	var errs []error
	for _, k := range keys {
		a := want[k]
		sa, ok := sas[k]
		if !ok {
			errs = append(errs, fmt.Errorf("service %s: no ServiceAccount %s", strings.Join(a.services, ", "), k))
			continue
		}
		mounted := sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken
		if mounted != a.mount {
			errs = append(errs, fmt.Errorf("ServiceAccount %s: token mounted = %v, want %v (a service using it has a grant: %v)",
				k, mounted, a.mount, a.mount))
		}
	}
	return errs
}

// maxLines bounds each list a failure prints.
const maxLines = 150

// String renders the report for a failing test: every problem, then per family the
// sorted missing and extra connections, and what the pods they name stand for.
func (r *report) String() string {
	var b strings.Builder
	section := func(title string, errs []error) {
		if len(errs) == 0 {
			return
		}
		fmt.Fprintf(&b, "%s (%d):\n", title, len(errs))
		for i, e := range errs {
			if i == maxLines {
				fmt.Fprintf(&b, "  ... and %d more\n", len(errs)-i)
				break
			}
			fmt.Fprintf(&b, "  %v\n", e)
		}
	}
	lines := func(title string, ls []string) {
		if len(ls) == 0 {
			return
		}
		fmt.Fprintf(&b, "  %s (%d):\n", title, len(ls))
		for i, l := range ls {
			if i == maxLines {
				fmt.Fprintf(&b, "    ... and %d more\n", len(ls)-i)
				break
			}
			fmt.Fprintf(&b, "    %s\n", l)
		}
	}
	section("strict decoding and layout", r.Decode)
	section("upstream API validation", r.Validate)
	section("service accounts", r.Accounts)
	section("ipBlocks and the cluster networks", r.Cluster)
	named := map[string]bool{}
	for _, f := range r.Families {
		if len(f.Errs)+len(f.Missing)+len(f.Extra) == 0 {
			continue
		}
		fmt.Fprintf(&b, "connectivity, %s:\n", f.Name)
		for _, e := range f.Errs {
			fmt.Fprintf(&b, "  error: %v\n", e)
		}
		lines("missing: the intents open these, the policies do not allow them", f.Missing)
		lines("extra: the policies allow these, no intent opens them", f.Extra)
		for _, l := range append(slices.Clone(f.Missing), f.Extra...) {
			src, rest, _ := strings.Cut(l, " -> ")
			dst, _, _ := strings.Cut(rest, " ")
			named[src], named[dst] = true, true
		}
	}
	if r.Fixtures != nil && len(named) > 0 {
		b.WriteString("pods named above:\n")
		for _, pd := range r.Fixtures.Pods {
			if named[pd.key()] {
				fmt.Fprintf(&b, "  %s: %s, labels %v\n", pd.key(), pd.Why, pd.Labels)
			}
		}
	}
	return b.String()
}

// requireConformant fails t with the report unless the build conforms.
func requireConformant(t *testing.T, p *ir.Program, files []artifact.File) *report {
	t.Helper()
	r := check(p, files)
	if !r.ok() {
		t.Errorf("netc's Kubernetes output does not conform:\n%s", r)
	}
	for _, f := range r.Families {
		t.Logf("%s: %d source/destination pairs open, compared over %d pods", f.Name, f.Checked, len(r.Fixtures.Pods))
	}
	return r
}
