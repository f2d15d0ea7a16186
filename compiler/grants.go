package compiler

import (
	"fmt"
	"slices"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/compiler/k8sapi"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/ast"
)

// subject resolves the subject of a grant or a grant assertion. A bare name is a
// service: its ServiceAccount in its namespace. create says whether an unknown service
// comes into being (grants) or is an error (assertions).
func (c *compiler) subject(ns string, kind *ast.Name, ref *ast.Ref, create bool) (ir.Subject, bool) {
	s := ir.Subject{Span: ref.Span()}
	if kind != nil {
		s.Span = ast.Span(kind.Pos, ref.EndPos)
	}
	k := ""
	if kind != nil {
		k = kind.Value
	}
	switch k {
	case "group", "user":
		if ref.Second != nil {
			c.errorf(ref.Span(), "%s names have no namespace; quote a name that contains '/': %s %q", k, k, ref.String())
			return s, false
		}
		if err := checkRBACName(ref.First.Value); err != nil {
			c.errorf(ref.Span(), "%s name %q %v", k, ref.First.Value, err)
			return s, false
		}
		s.Kind, s.Name = ir.Group, ref.First.Value
		if k == "user" {
			s.Kind = ir.User
		}
	case "serviceaccount":
		sans, name := c.refParts(ns, ref)
		if ref.Second != nil && !c.checkNamespace(ref.First) {
			return s, false
		}
		if err := checkDNSSubdomain(name); err != nil {
			c.errorf(ref.Base().Span(), "serviceaccount name %q %v", name, err)
			return s, false
		}
		s.Kind, s.Name, s.Namespace = ir.ServiceAccount, name, sans
	case "":
		p := c.lookup(ns, ref, create)
		if p == nil {
			return s, false
		}
		if p.Service == nil {
			c.errorf(ref.Span(), "%q is %s; grants are for services, group NAME, user NAME or serviceaccount NS/NAME", ref.String(), peerWhat(p))
			return s, false
		}
		s.Kind, s.Name, s.Namespace, s.Service = ir.ServiceAccount, p.Service.Account, p.Service.Namespace, p.Service
	default:
		c.errorf(kind.Span(), "unknown subject kind %q; expected group, user or serviceaccount (or separate intent sources with ',')", k)
		return s, false
	}
	return s, true
}

// resources resolves the resources of a grant tail.
func (c *compiler) resources(g *ast.GrantTail) ([]k8sapi.Resource, bool) {
	ok := true
	var out []k8sapi.Resource
	for _, r := range g.Resources {
		res, err := k8sapi.Lookup(r.String())
		if err != nil {
			c.errorf(r.Span(), "%v", err)
			ok = false
			continue
		}
		out = append(out, res)
	}
	return out, ok
}

// grantRules expands the verbs and resources of a grant tail into RBAC rules. What is
// wrong with one verb (unknown, or not limitable by `named`) is reported at that verb;
// anything else at the tail.
func (c *compiler) grantRules(g *ast.GrantTail, res []k8sapi.Resource) ([]ir.Rule, bool) {
	objNames := names(g.Names)
	for _, v := range g.Verbs {
		if _, err := k8sapi.Rules([]string{v.Value}, res, objNames); err != nil {
			c.errorf(v.Span(), "%v", err)
			return nil, false
		}
	}
	rules, err := k8sapi.Rules(verbs(g), res, objNames)
	if err != nil {
		c.errorf(ast.Span(g.Pos, g.EndPos), "%v", err)
		return nil, false
	}
	return rules, true
}

func verbs(g *ast.GrantTail) []string {
	out := make([]string, len(g.Verbs))
	for i, v := range g.Verbs {
		out[i] = v.Value
	}
	return out
}

func names(ns []*ast.Name) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Value
	}
	return out
}

// scopes resolves `in NS, NS` or `in cluster`; none means the current namespace.
func (c *compiler) scopes(ns string, g *ast.GrantTail) (namespaces []string, cluster, ok bool) {
	if len(g.Scopes) == 0 {
		return []string{ns}, false, true
	}
	ok = true
	for _, s := range g.Scopes {
		if s.Value == "cluster" {
			if len(g.Scopes) > 1 {
				c.errorf(s.Span(), "`in cluster` cannot be combined with namespaces")
				return nil, false, false
			}
			return nil, true, true
		}
		if !c.checkNamespace(s) {
			ok = false
			continue
		}
		namespaces = append(namespaces, s.Value)
	}
	return namespaces, false, ok
}

func (c *compiler) lowerGrant(ns string, f *ast.Flow) {
	g := f.Grant
	if len(f.Sources) > 1 {
		c.errorf(f.Sources[1].Span(), "a grant has one subject; write one grant per subject")
		return
	}
	if g.Cannot {
		c.errorf(f.Span(), "`cannot` is for assertions (`assert ... cannot ...`); a grant only gives rights, and everything not granted is denied")
		return
	}
	subj, ok := c.subject(ns, f.Kind, f.Sources[0], true)
	if !ok {
		return
	}
	res, ok := c.resources(g)
	if !ok {
		return
	}
	rules, ok := c.grantRules(g, res)
	if !ok {
		return
	}
	nss, cluster, ok := c.scopes(scopeNamespace(ns, subj), g)
	if !ok {
		return
	}
	if !cluster {
		for i, r := range res {
			if r.Builtin && !r.Namespaced {
				c.errorf(g.Resources[i].Span(), "%s are cluster-scoped, so a grant in a namespace gives nothing on them; write `in cluster`", r.Name)
				ok = false
			}
		}
		if !ok {
			return
		}
	}
	gr := &ir.Grant{Subject: subj, Rules: rules, Namespaces: sortedUnique(nss), Cluster: cluster, Span: f.Span()}
	gr.Waived = c.waivedAt(gr.Span)
	// The compiler decides whether a `*` may reach a Role: only a waiver on the grant's
	// own line lets it (turning the rule off in netc.hcl does not). Backends read the
	// decision, never rule ids.
	gr.WildcardVerbs = slices.Contains(gr.Waived, "wildcard-verb")
	gr.WildcardResources = slices.Contains(gr.Waived, "wildcard-resource")
	if subj.Service != nil {
		subj.Service.MountToken = true
	}
	c.prog.Grants = append(c.prog.Grants, gr)
}

// scopeNamespace is where a grant without `in` applies: a service's grant in the
// service's own namespace (`shop/backend can get configmaps`), any other in the current one.
func scopeNamespace(ns string, s ir.Subject) string {
	if s.Service != nil {
		return s.Service.Namespace
	}
	return ns
}

// checkWildcards refuses a "*" that no waiver on its grant's line lets through
// (ir.Grant.WildcardVerbs, WildcardResources). With wildcard-verb or wildcard-resource
// at severity error the rule has already refused it; when netc.hcl made the rule a
// warning, a note or off, this is what still keeps the wildcard out of the cluster.
func (c *compiler) checkWildcards() {
	const detail = "Configuring the rule off in netc.hcl is not enough: a wildcard reaches the cluster only through a waiver on its own line."
	verbRule := c.severity["wildcard-verb"] != diag.Error
	resRule := c.severity["wildcard-resource"] != diag.Error
	for _, g := range c.prog.Grants {
		for _, r := range g.Rules {
			switch {
			case verbRule && !g.WildcardVerbs && r.AllVerbs():
				c.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: g.Span, Detail: detail,
					Message: fmt.Sprintf("netc emits no Role with every verb (*) on %s unless the line waives it with `# netc:allow wildcard-verb REASON`", k8sapi.RuleLabel(r))})
			case resRule && !g.WildcardResources && r.WildcardResource():
				c.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: g.Span, Detail: detail,
					Message: fmt.Sprintf("netc emits no Role with a wildcard resource (%s) unless the line waives it with `# netc:allow wildcard-resource REASON`", k8sapi.RuleLabel(r))})
			}
		}
	}
}
