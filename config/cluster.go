package config

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/netc-dev/netc/diag"
)

// cluster reads
//
//	cluster {
//	  pod_cidrs     = ["10.244.0.0/16", "fd00:10:244::/56"]
//	  service_cidrs = ["10.96.0.0/12"]
//	}
//
// Both lists are required and not empty; every entry is a network address with its
// prefix length, and no two networks of the block overlap (Kubernetes requires the pod
// and service networks to be disjoint), so an except list is never redundant.
func (l *loader) cluster(blk *hclsyntax.Block) {
	c := &l.cfg.Cluster
	c.Span = l.span(blk.TypeRange)
	set := map[string]bool{}
	for _, a := range sortedAttrs(blk.Body.Attributes) {
		switch a.Name {
		case "pod_cidrs":
			c.PodCIDRs = l.cidrList(a)
		case "service_cidrs":
			c.ServiceCIDRs = l.cidrList(a)
		default:
			l.unknownAttr(a, "cluster", "pod_cidrs", "service_cidrs")
			continue
		}
		set[a.Name] = true
	}
	for _, name := range []string{"pod_cidrs", "service_cidrs"} {
		if !set[name] {
			l.errAt(c.Span, fmt.Sprintf("the cluster block needs %s, the cluster's %s networks as a list of CIDRs", name, strings.TrimSuffix(name, "_cidrs")))
		}
	}
	all := append(append([]CIDR(nil), c.PodCIDRs...), c.ServiceCIDRs...)
	for i, a := range all {
		for _, b := range all[:i] {
			if a.Prefix.Overlaps(b.Prefix) {
				l.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: a.Span,
					Message: fmt.Sprintf("cluster network %s overlaps %s; the pod and service networks are disjoint", a.Prefix, b.Prefix),
					Related: []diag.Related{{Span: b.Span, Message: b.Prefix.String() + " is listed here"}}})
				break
			}
		}
	}
}

// cidrList reads a non-empty list of CIDRs, each reported where it is written.
func (l *loader) cidrList(a *hclsyntax.Attribute) []CIDR {
	example := "10.244.0.0/16"
	if a.Name == "service_cidrs" {
		example = "10.96.0.0/12"
	}
	if list, ok := a.Expr.(*hclsyntax.TupleConsExpr); ok && len(list.Exprs) == 0 {
		l.errAt(l.span(a.Expr.Range()), fmt.Sprintf("%s must list at least one CIDR", a.Name))
		return nil
	}
	var out []CIDR
	for _, it := range l.stringList(a, "CIDRs", example) {
		s, span := it.value, it.span
		p, err := netip.ParsePrefix(s)
		switch {
		case err != nil:
			l.errAt(span, fmt.Sprintf("%q is not a CIDR such as %s", s, example))
		case p.Masked() != p:
			l.errAt(span, fmt.Sprintf("CIDR %s has host bits set; the network is %s", s, p.Masked()))
		case p.Addr().Is4In6():
			l.errAt(span, fmt.Sprintf("CIDR %s is an IPv4-mapped IPv6 prefix; write the IPv4 form", s))
		case p.Bits() == 0:
			l.errAt(span, fmt.Sprintf("CIDR %s is every address; the cluster's networks are ranges inside it", s))
		default:
			out = append(out, CIDR{Prefix: p, Span: span})
		}
	}
	return out
}

// listItem is one string of a list attribute, where it is written.
type listItem struct {
	value string
	span  diag.Span
}

// stringList reads a list of quoted strings item by item, so a bad entry is reported
// where it is written. what names the entries in messages ("names"), example is one.
func (l *loader) stringList(a *hclsyntax.Attribute, what, example string) []listItem {
	list, isList := a.Expr.(*hclsyntax.TupleConsExpr)
	if !isList {
		l.errAt(l.span(a.Expr.Range()), fmt.Sprintf(`%s must be a list of %s, like %s = [%q]`, a.Name, what, a.Name, example))
		return nil
	}
	var out []listItem
	for _, e := range list.Exprs {
		span := l.span(e.Range())
		if kw, bare := bareWord(e); bare {
			l.errAt(span, fmt.Sprintf("%s must hold quoted %s, like %q", a.Name, what, kw))
			continue
		}
		v, hd := e.Value(nil)
		if hd.HasErrors() {
			l.addHCL(hd)
			continue
		}
		if v.IsNull() || v.Type() != cty.String {
			l.errAt(span, fmt.Sprintf("%s must hold %s (strings), not %s", a.Name, what, typeName(v)))
			continue
		}
		out = append(out, listItem{v.AsString(), span})
	}
	return out
}
