package lsp

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
)

// maxUses is how many uses a hover lists before counting the rest.
const maxUses = 20

func (s *Server) hover(p TextDocumentPositionParams) (*Hover, *ResponseError) {
	a, f, l := s.at(p.TextDocument.URI, p.Position)
	if l == nil {
		return nil, nil
	}
	var b strings.Builder
	sym := l.sym
	fmt.Fprintf(&b, "**%s**", sym.title())
	if sym.declared {
		fmt.Fprintf(&b, " — declared at %s\n\n", spanText(sym.def))
	} else if sym.kind == symRole {
		fmt.Fprintf(&b, " — not declared, first used at %s: its privileges are not managed\n\n", spanText(sym.def))
	} else {
		fmt.Fprintf(&b, " — exists by being used, first at %s\n\n", spanText(sym.def))
	}
	if prog := a.prog; prog != nil {
		resolved(&b, prog, sym)
	} else if sym.decl != nil && sym.kind != symNamespace {
		if df := s.fileOf(a, sym.def.File); df != nil {
			fmt.Fprintf(&b, "```netc\n%s\n```\n\n", df.snippet(sym.decl))
		}
		b.WriteString("_The program has errors: resolved labels, ports and paths show when it compiles._\n\n")
	}
	uses(&b, a, sym)
	r := f.text.span(l.span)
	return &Hover{Contents: MarkupContent{Kind: "markdown", Value: strings.TrimRight(b.String(), "\n")}, Range: &r}, nil
}

func spanText(sp diag.Span) string { return sp.String() }

// uses lists the statements that write the name, other than its declaration.
func uses(b *strings.Builder, a *analysis, sym *symbol) {
	n := 0
	for _, o := range sym.occs {
		if o.decl {
			continue
		}
		if n == 0 {
			b.WriteString("Used in:\n")
		}
		n++
		if n > maxUses {
			continue
		}
		text := ""
		if f := a.byName[o.span.File]; f != nil {
			text = f.snippet(o.stmt)
		}
		fmt.Fprintf(b, "- `%s` %s\n", strings.ReplaceAll(text, "`", "'"), spanText(o.span))
	}
	if n > maxUses {
		fmt.Fprintf(b, "- and %d more\n", n-maxUses)
	}
	if n == 0 {
		b.WriteString("Used nowhere.\n")
	}
}

// resolved writes what the compiler made of the symbol.
func resolved(b *strings.Builder, p *ir.Program, sym *symbol) {
	line := func(format string, args ...any) { fmt.Fprintf(b, format+"  \n", args...) }
	switch sym.kind {
	case symService:
		i := slices.IndexFunc(p.Services, func(x *ir.Service) bool { return x.Namespace == sym.ns && x.Name == sym.name })
		if i < 0 {
			return
		}
		svc := p.Services[i]
		line("namespace `%s`, selector `%s`", svc.Namespace, labels(svc.Labels))
		if len(svc.Ports) > 0 {
			var ps []string
			for _, np := range svc.Ports {
				ps = append(ps, fmt.Sprintf("%s %d/%s", np.Name, np.Port, np.Protocol))
			}
			line("ports: `%s`", strings.Join(ps, "`, `"))
		}
		line("ServiceAccount `%s` (token %s), database login `%s`", svc.Account, mounted(svc.MountToken), svc.Login)
		reach(b, p, func(x *ir.Peer) bool { return x.Service == svc })
		var gs []string
		for _, g := range p.Grants {
			if g.Subject.Service == svc {
				gs = append(gs, g.Span.String())
			}
		}
		if len(gs) > 0 {
			line("RBAC grants: %s", strings.Join(gs, ", "))
		}
	case symDatabase:
		i := slices.IndexFunc(p.Databases, func(x *ir.Database) bool { return x.Namespace == sym.ns && x.Name == sym.name })
		if i < 0 {
			return
		}
		db := p.Databases[i]
		line("%s on port %d, SQL database `%s`, schema `%s`", db.Engine, db.Port, db.DBName, db.Schema)
		if db.InCluster() {
			line("in the cluster: namespace `%s`, selector `%s`", db.Namespace, labels(db.Labels))
		} else {
			line("outside the cluster: `%s`", prefixes(db.CIDRs))
		}
		var rs []string
		for _, r := range p.Roles {
			if r.Database == db {
				rs = append(rs, r.Name)
			}
		}
		if len(rs) > 0 {
			line("roles: `%s`", strings.Join(rs, "`, `"))
		}
		reach(b, p, func(x *ir.Peer) bool { return x.Database == db })
	case symExternal:
		i := slices.IndexFunc(p.Externals, func(x *ir.External) bool { return x.Namespace == sym.ns && x.Name == sym.name })
		if i < 0 {
			return
		}
		line("addresses: `%s`", prefixes(p.Externals[i].CIDRs))
		reach(b, p, func(x *ir.Peer) bool { return x.External == p.Externals[i] })
	case symRole:
		i := slices.IndexFunc(p.Roles, func(r *ir.Role) bool {
			return r.Name == sym.name && r.Database.Namespace == sym.owner.ns && r.Database.Name == sym.owner.name
		})
		if i < 0 {
			return
		}
		r := p.Roles[i]
		if len(r.Privileges) > 0 {
			var ps []string
			for _, pv := range r.Privileges {
				obj := pv.Schema
				if pv.Object != "" {
					obj += "." + pv.Object
				}
				ps = append(ps, fmt.Sprintf("%s on %s %s", pv.Action, pv.Kind, obj))
			}
			line("privileges: `%s`", strings.Join(ps, "`, `"))
		} else if r.Declared {
			line("no privileges")
		}
		var ls []string
		for _, lg := range p.Logins {
			if slices.Contains(lg.Roles, r) {
				ls = append(ls, lg.Name+" ("+lg.Service.Namespace+"/"+lg.Service.Name+")")
			}
		}
		if len(ls) > 0 {
			line("members: `%s`", strings.Join(ls, "`, `"))
		}
	case symPort:
		i := slices.IndexFunc(p.Services, func(x *ir.Service) bool { return x.Namespace == sym.owner.ns && x.Name == sym.owner.name })
		if i < 0 {
			return
		}
		for _, np := range p.Services[i].Ports {
			if np.Name == sym.name {
				line("`%d/%s`", np.Port, np.Protocol)
			}
		}
	case symNamespace:
		n := 0
		for _, svc := range p.Services {
			if svc.Namespace == sym.name {
				n++
			}
		}
		locked := slices.Contains(p.Namespaces, sym.name)
		line("%d services; %s", n, map[bool]string{true: "locked down (default deny)", false: "not locked down: it holds no workload of the program"}[locked])
	}
	b.WriteString("\n")
}

func mounted(b bool) string {
	if b {
		return "mounted"
	}
	return "not mounted"
}

// reach writes the effective paths to and from the peer is selects: what the
// NetworkPolicies allow, from the IR's edges.
func reach(b *strings.Builder, p *ir.Program, is func(*ir.Peer) bool) {
	var in, out []string
	for _, e := range p.Edges {
		if is(e.To) {
			in = append(in, "`"+e.From.Key()+"` on "+portsText(e.Ports))
		}
		if is(e.From) {
			t := "`" + e.To.Key() + "` on " + portsText(e.Ports)
			if len(e.Roles) > 0 {
				var rs []string
				for _, r := range e.Roles {
					rs = append(rs, r.Name)
				}
				t += " as role " + strings.Join(rs, ", ")
			}
			out = append(out, t)
		}
	}
	list := func(title string, xs []string) {
		if len(xs) == 0 {
			fmt.Fprintf(b, "%s: nothing  \n", title)
			return
		}
		if len(xs) > maxUses {
			xs = append(xs[:maxUses:maxUses], fmt.Sprintf("and %d more", len(xs)-maxUses))
		}
		fmt.Fprintf(b, "%s: %s  \n", title, strings.Join(xs, "; "))
	}
	list("reached from", in)
	list("reaches", out)
}

func portsText(ps []ir.Port) string {
	if len(ps) == 0 {
		return "every port"
	}
	var out []string
	for _, pt := range ps {
		s := strconv.Itoa(int(pt.Port))
		if pt.EndPort != 0 {
			s += "-" + strconv.Itoa(int(pt.EndPort))
		}
		out = append(out, s+"/"+string(pt.Protocol))
	}
	return strings.Join(out, ", ")
}

func labels(ls []ir.Label) string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Key+"="+l.Value)
	}
	return strings.Join(out, ", ")
}

func prefixes[T fmt.Stringer](ps []T) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return strings.Join(out, ", ")
}
