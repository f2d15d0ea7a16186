package ir

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/kube"
)

// Validate checks the invariants every backend relies on, once, so that backends emit
// without re-checking what the compiler already decided: every Kubernetes name, label
// and port is valid, no two workloads of a namespace share a name, edges have both ends
// and valid CIDRs, and grant subjects are names Kubernetes accepts in a binding; no two
// workloads of a namespace share a selector, each leaves out exactly the pods of the
// narrower ones, and every ipBlock leaves out exactly the cluster networks inside it.
//
// The compiler never produces a program that fails; Validate is the guard for IR built
// by hand (tests, fuzzing, a future importer). backends.Build refuses to emit a program
// it rejects. Each problem is one error at the node's span.
func Validate(p *Program) diag.List {
	v := validator{}
	for _, ns := range p.Namespaces {
		v.namespace(diag.Span{}, ns)
	}
	workloads := map[[2]string]diag.Span{}
	workload := func(ns, name string, span diag.Span) {
		k := [2]string{ns, name}
		if prev, dup := workloads[k]; dup {
			v.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: span,
				Message: fmt.Sprintf("%s/%s names two workloads: their NetworkPolicies would collide", ns, name),
				Related: []diag.Related{{Span: prev, Message: "the other one"}}})
			return
		}
		workloads[k] = span
	}
	for _, s := range p.Services {
		v.namespace(s.Span, s.Namespace)
		v.check(s.Span, kube.CheckLabel(s.Name), "service name %q is not a valid Kubernetes object name", s.Name)
		v.check(s.Span, kube.CheckSubdomain(s.Account), "account %q of service %s/%s is not a valid ServiceAccount name", s.Account, s.Namespace, s.Name)
		v.labels(s.Span, s.Labels)
		workload(s.Namespace, s.Name, s.Span)
	}
	for _, d := range p.Databases {
		if d.InCluster() {
			v.namespace(d.Span, d.Namespace)
			v.check(d.Span, kube.CheckLabel(d.Name), "database name %q is not a valid Kubernetes object name", d.Name)
			v.labels(d.Span, d.Labels)
			workload(d.Namespace, d.Name, d.Span)
		}
		v.cidrs(d.Span, d.Namespace+"/"+d.Name, d.CIDRs)
	}
	for _, x := range p.Externals {
		v.cidrs(x.Span, x.Namespace+"/"+x.Name, x.CIDRs)
	}
	for _, e := range p.Edges {
		if e.From == nil || e.To == nil {
			v.diags.Errorf(e.Span, "internal error: edge without an end")
			continue
		}
		for _, end := range []*Peer{e.From, e.To} {
			v.cidrs(e.Span, end.Key(), end.CIDRs)
			if end.Kind == PeerPods && end.Service == nil && end.Database == nil {
				v.namespace(e.Span, end.Namespace)
				v.labels(e.Span, end.Labels)
			}
		}
		for _, pt := range e.Ports {
			v.port(pt)
		}
	}
	if p.DNS.Enabled {
		ns := p.DNS.Namespace
		if ns == "" {
			ns = kube.DefaultDNSNamespace
		}
		v.check(diag.Span{}, kube.CheckLabel(ns), "DNS namespace %q is not a valid Kubernetes namespace name", ns)
		if p.DNS.Port < 0 || p.DNS.Port > 65535 {
			v.diags.Errorf(diag.Span{}, "DNS port %d is out of range 1-65535", p.DNS.Port)
		}
		v.labels(diag.Span{}, p.DNS.Labels)
	}
	v.sql(p)
	v.exact(p)
	for _, g := range p.Grants {
		v.subject(g)
		for _, r := range g.Rules {
			if r.AllVerbs() && !g.WildcardVerbs {
				v.diags.Errorf(g.Span, "rule %s/%v gives every verb (*) but the grant's WildcardVerbs is not set", r.APIGroup, r.Resources)
			}
			if r.WildcardResource() && !g.WildcardResources {
				v.diags.Errorf(g.Span, "rule %s/%v has a wildcard resource but the grant's WildcardResources is not set", r.APIGroup, r.Resources)
			}
		}
		for _, ns := range g.Namespaces {
			v.check(g.Span, kube.CheckLabel(ns), "namespace %q of the grant is not a valid Kubernetes namespace name", ns)
		}
	}
	return v.diags
}

// sql asserts what the SQL backend's quoting relies on: every database's engine is
// known, and every name a script writes is one its engine takes (CheckSQLName). The
// compiler reports these with more context (compiler/sqlcheck.go).
func (v *validator) sql(p *Program) {
	name := func(span diag.Span, e Engine, kind SQLNameKind, n string) {
		if msg := CheckSQLName(e, kind, n); msg != "" {
			v.diags.Errorf(span, "%s", msg)
		}
	}
	for _, d := range p.Databases {
		if !d.Engine.Known() {
			v.diags.Errorf(d.Span, "database %s/%s: unknown engine %q", d.Namespace, d.Name, d.Engine)
			continue
		}
		for _, n := range []string{d.Name, d.Namespace} {
			if msg := CheckFileName(n); msg != "" {
				v.diags.Errorf(d.Span, "database %s/%s: %q cannot name a file: %s", d.Namespace, d.Name, n, msg)
			}
		}
		name(d.Span, d.Engine, SQLDatabaseName, d.SQLName())
	}
	for _, r := range p.Roles {
		if r.Database == nil || !r.Database.Engine.Known() {
			continue
		}
		name(r.Span, r.Database.Engine, SQLRoleName, r.Name)
		for _, pv := range r.Privileges {
			if pv.Object != "" {
				name(pv.Span, r.Database.Engine, SQLObjectName, pv.Object)
			}
		}
	}
	for _, l := range p.Logins {
		if l.Database != nil && l.Database.Engine.Known() {
			name(l.Span, l.Database.Engine, SQLLoginName, l.Name)
		}
	}
}

type validator struct {
	diags diag.List
	seen  map[string]bool // namespaces already checked
}

// check reports err, when set, as "<what>: <err>".
func (v *validator) check(span diag.Span, err error, format string, args ...any) {
	if err != nil {
		v.diags.Errorf(span, "%s: %v", fmt.Sprintf(format, args...), err)
	}
}

// namespace checks a namespace name once per program.
func (v *validator) namespace(span diag.Span, ns string) {
	if v.seen[ns] {
		return
	}
	if v.seen == nil {
		v.seen = map[string]bool{}
	}
	v.seen[ns] = true
	v.check(span, kube.CheckLabel(ns), "namespace %q is not a valid Kubernetes namespace name", ns)
}

func (v *validator) labels(span diag.Span, ls []Label) {
	for _, l := range ls {
		v.check(span, kube.CheckLabelKey(l.Key), "label key %q is not valid in Kubernetes", l.Key)
		v.check(span, kube.CheckLabelValue(l.Value), "label value %q is not valid in Kubernetes", l.Value)
	}
}

func (v *validator) cidrs(span diag.Span, what string, cs []netip.Prefix) {
	for _, c := range cs {
		if !c.IsValid() {
			v.diags.Errorf(span, "%s has an invalid CIDR", what)
			return
		}
	}
}

func (v *validator) port(pt Port) {
	switch {
	case pt.Protocol != TCP && pt.Protocol != UDP && pt.Protocol != SCTP:
		v.diags.Errorf(pt.Span, "protocol %q is not TCP, UDP or SCTP", pt.Protocol)
	case pt.Port < 0 || pt.Port > 65535:
		v.diags.Errorf(pt.Span, "port %d is out of range 1-65535", pt.Port)
	case pt.EndPort != 0 && (pt.EndPort < pt.Port || pt.EndPort > 65535 || pt.Port == 0):
		v.diags.Errorf(pt.Span, "port range %d-%d is not a range within 1-65535", pt.Port, pt.EndPort)
	}
}

// subject checks a grantee Kubernetes would reject in a binding.
func (v *validator) subject(g *Grant) {
	s := g.Subject
	span := s.Span
	if !span.IsValid() {
		span = g.Span
	}
	switch s.Kind {
	case ServiceAccount:
		v.check(span, kube.CheckLabel(s.Namespace), "service account namespace %q is not a valid Kubernetes namespace name", s.Namespace)
		v.check(span, kube.CheckSubdomain(s.Name), "service account name %q is not a valid ServiceAccount name", s.Name)
	case User, Group:
		kind := strings.ToLower(string(s.Kind))
		switch {
		case s.Name == "":
			v.diags.Errorf(span, "%s name is empty", kind)
		case !utf8.ValidString(s.Name) || strings.ContainsFunc(s.Name, unicode.IsControl):
			v.diags.Errorf(span, "%s name %q holds control characters or invalid UTF-8", kind, s.Name)
		}
	default:
		v.diags.Errorf(span, "unknown subject kind %q", s.Kind)
	}
}
