package importer

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netc-dev/netc/backends/netpol"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/engine"
)

// Rebuilt is the cluster of the original namespaces and workloads under the
// NetworkPolicies netc builds for p: what the imported program does to the pods the
// original policies applied to.
func Rebuilt(orig *engine.Cluster, p *ir.Program) *engine.Cluster {
	m := orig.Map()
	c := engine.NewCluster()
	var diags diag.List
	for _, ns := range m.Namespaces {
		c.AddNamespace(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns.Name, Labels: ns.Labels}}, ns.Span)
	}
	for _, w := range m.Workloads {
		t := &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: w.Labels}}
		t.Spec.Containers = []corev1.Container{{Name: "main", Ports: w.Ports}}
		c.AddWorkload(w.Namespace, w.Name, w.Kind, t, w.Span, &diags)
	}
	for _, ns := range netpol.Build(p) {
		for _, np := range ns.Policies {
			c.AddPolicy(np, diag.Span{}, &diags)
		}
	}
	return c
}

// piece is the connections of one address range with one workload.
type piece struct {
	lo, hi netip.Addr
	conn   string
}

type sideKey struct {
	w  string
	in bool // from addresses to w
}

// Pair is a pair of endpoints whose connections differ between two maps.
type Pair struct {
	Src, Dst           string
	Original, Imported string
	Workload           string // the workload end, for placing a diagnostic
}

const none = "No Connections"

// zeroPort finds port 0 in a connection's text ("TCP 0,80", "UDP 0-53").
var zeroPort = regexp.MustCompile(`(^|[ ,])0([,-]|$)`)

// Compare lists the pairs whose connections differ between a and b: workload pairs by
// name, and address ranges per workload and direction over the ranges of both maps
// (the maps may cut the address space at different places).
func Compare(a, b *engine.Map) []Pair {
	pairs := func(m *engine.Map) (map[[2]string]string, map[sideKey][]piece) {
		ws := map[[2]string]string{}
		addrs := map[sideKey][]piece{}
		for _, c := range m.Connections {
			switch {
			case c.Src.Workload != nil && c.Dst.Workload != nil:
				ws[[2]string{c.Src.String(), c.Dst.String()}] = c.Conn.String()
			case c.Dst.Workload != nil:
				k := sideKey{c.Dst.String(), true}
				for _, r := range c.Src.IPs {
					addrs[k] = append(addrs[k], piece{r.Lo, r.Hi, c.Conn.String()})
				}
			default:
				k := sideKey{c.Src.String(), false}
				for _, r := range c.Dst.IPs {
					addrs[k] = append(addrs[k], piece{r.Lo, r.Hi, c.Conn.String()})
				}
			}
		}
		return ws, addrs
	}
	wa, aa := pairs(a)
	wb, ab := pairs(b)
	var res []Pair
	keys := map[[2]string]bool{}
	for k := range wa {
		keys[k] = true
	}
	for k := range wb {
		keys[k] = true
	}
	for k := range keys {
		x, y := orNone(wa[k]), orNone(wb[k])
		if x != y {
			res = append(res, Pair{Src: k[0], Dst: k[1], Original: x, Imported: y, Workload: k[0]})
		}
	}
	sides := map[sideKey]bool{}
	for k := range aa {
		sides[k] = true
	}
	for k := range ab {
		sides[k] = true
	}
	for k := range sides {
		for _, d := range diffPieces(aa[k], ab[k]) {
			rng := d.lo.String() + "-" + d.hi.String()
			p := Pair{Src: rng, Dst: k.w, Original: d.a, Imported: d.b, Workload: k.w}
			if !k.in {
				p.Src, p.Dst = k.w, rng
			}
			res = append(res, p)
		}
	}
	slices.SortFunc(res, func(x, y Pair) int {
		return strings.Compare(x.Src+"\x00"+x.Dst, y.Src+"\x00"+y.Dst)
	})
	return res
}

func orNone(s string) string {
	if s == "" {
		return none
	}
	return s
}

type pieceDiff struct {
	lo, hi netip.Addr
	a, b   string
}

// diffPieces splits a and b at every range boundary of either and returns the ranges
// where they differ, adjacent ones with the same two answers merged.
func diffPieces(a, b []piece) []pieceDiff {
	var starts []netip.Addr
	for _, p := range slices.Concat(a, b) {
		starts = append(starts, p.lo)
		if n := p.hi.Next(); n.IsValid() && n.Is4() == p.hi.Is4() {
			starts = append(starts, n)
		}
	}
	slices.SortFunc(starts, netip.Addr.Compare)
	starts = slices.Compact(starts)
	at := func(ps []piece, x netip.Addr) string {
		for _, p := range ps {
			if p.lo.Compare(x) <= 0 && x.Compare(p.hi) <= 0 {
				return p.conn
			}
		}
		return none
	}
	var res []pieceDiff
	for i, s := range starts {
		var end netip.Addr
		if i+1 < len(starts) && starts[i+1].Is4() == s.Is4() {
			end = starts[i+1].Prev()
		} else if s.Is4() {
			end = all4.hi
		} else {
			end = all6.hi
		}
		x, y := at(a, s), at(b, s)
		if x == y {
			continue
		}
		if l := len(res); l > 0 && res[l-1].a == x && res[l-1].b == y && res[l-1].hi.Next() == s {
			res[l-1].hi = end
			continue
		}
		res = append(res, pieceDiff{s, end, x, y})
	}
	return res
}

// differences turns the pairs the rebuilt cluster gets wrong into the report's
// entries, each with the reason the import knows for it.
func (n *network) differences(pairs []Pair) {
	byName := map[string]*engine.Workload{}
	for _, w := range n.m.Workloads {
		byName[w.String()] = w
	}
	reason := func(names ...string) string {
		if slices.Contains(names, engine.IngressControllerName) {
			return "the ingress controller's paths (Ingress, Route) are not intents"
		}
		for _, s := range names {
			w := byName[s]
			if w == nil {
				continue
			}
			if why, ok := n.dropped[w]; ok {
				return fmt.Sprintf("%s is not imported: %s", w, why)
			}
		}
		for _, s := range names {
			if w := byName[s]; w != nil && n.svcOf[w] != nil && n.svcOf[w].ws[0] != w {
				return fmt.Sprintf("%s is imported as service %s/%s, which selects it with the labels of %s", w, w.Namespace, n.svcOf[w].name, n.svcOf[w].ws[0])
			}
		}
		return "unexplained: the imported program differs here (a bug in netc import)"
	}
	for _, p := range pairs {
		if zeroPort.MatchString(p.Original) {
			n.report.Connections = append(n.report.Connections, Difference{Src: p.Src, Dst: p.Dst, Original: p.Original, Imported: p.Imported,
				Reason: "the original allows port 0 (a named container port without a number), which is no port"})
			continue
		}
		d := Difference{Src: p.Src, Dst: p.Dst, Original: p.Original, Imported: p.Imported, Reason: reason(p.Src, p.Dst)}
		if w := byName[p.Workload]; w != nil {
			d.span = w.Span
		}
		n.report.Connections = append(n.report.Connections, d)
	}
}
