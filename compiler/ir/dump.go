package ir

import (
	"fmt"
	"net/netip"
	"strings"
)

// Dump renders the program as stable text, one fact per line: the `ir` section of
// every golden case (netc has no flag that prints it). Positions are
// LINE:COL of the construct that made the fact.
func Dump(p *Program) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...); b.WriteByte('\n') }
	w("namespaces: %s", strings.Join(p.Namespaces, " "))
	if p.DNS.Enabled {
		w("dns: %s %s port %d", p.DNS.Namespace, labels(p.DNS.Labels), p.DNS.Port)
	} else {
		w("dns: off")
	}
	if p.Cluster.Known() {
		w("cluster: pods %s services %s", prefixes(p.Cluster.PodCIDRs), prefixes(p.Cluster.ServiceCIDRs))
	}
	for _, s := range p.Services {
		extra := ""
		if !s.Declared {
			extra += " implicit"
		}
		if s.MountToken {
			extra += " token"
		}
		w("service %s/%s labels %s account %s login %s%s @%s", s.Namespace, s.Name, labels(s.Labels), s.Account, s.Login, extra, pos(s.Span.Start.Line, s.Span.Start.Col))
		for _, np := range s.Ports {
			w("  port %s %d/%s", np.Name, np.Port, np.Protocol)
		}
		dumpExclusion(w, s.Exclusion)
	}
	for _, d := range p.Databases {
		extra := ""
		if !d.Declared {
			extra = " implicit"
		}
		where := "labels " + labels(d.Labels)
		if !d.InCluster() {
			where = "cidr " + prefixes(d.CIDRs)
		}
		w("database %s/%s %s port %d dbname %s schema %s %s%s", d.Namespace, d.Name, d.Engine, d.Port, d.DBName, d.Schema, where, extra)
		dumpExclusion(w, d.Exclusion)
	}
	for _, e := range p.Externals {
		w("external %s/%s %s", e.Namespace, e.Name, prefixes(e.CIDRs))
	}
	for _, e := range p.Edges {
		ports := "every port"
		if len(e.Ports) > 0 {
			var ps []string
			for _, pt := range e.Ports {
				s := fmt.Sprintf("%d", pt.Port)
				if pt.EndPort != 0 {
					s += fmt.Sprintf("-%d", pt.EndPort)
				}
				s += "/" + string(pt.Protocol)
				if pt.Name != "" {
					s += "(" + pt.Name + ")"
				}
				ps = append(ps, s)
			}
			ports = strings.Join(ps, ",")
		}
		roles := ""
		for i, r := range e.Roles {
			if i == 0 {
				roles = " as role "
			} else {
				roles += ","
			}
			roles += r.Name
		}
		w("edge %s -> %s %s%s @%s", peer(e.From), peer(e.To), ports, roles, pos(e.Span.Start.Line, e.Span.Start.Col))
	}
	for _, r := range p.Roles {
		state := "declared"
		if !r.Declared {
			state = "undeclared"
		}
		if r.Adopt {
			state += " adopt"
		}
		w("role %s on %s/%s %s", r.Name, r.Database.Namespace, r.Database.Name, state)
		for _, pv := range r.Privileges {
			obj := pv.Schema
			if pv.Object != "" {
				obj += "." + pv.Object
			}
			w("  %s on %s %s", pv.Action, pv.Kind, obj)
		}
	}
	for _, l := range p.Logins {
		var rs []string
		for _, r := range l.Roles {
			rs = append(rs, r.Name)
		}
		adopt := ""
		if l.Adopt {
			adopt = " adopt"
		}
		w("login %s on %s/%s for %s/%s roles %s%s", l.Name, l.Database.Namespace, l.Database.Name, l.Service.Namespace, l.Service.Name, strings.Join(rs, ","), adopt)
	}
	for _, g := range p.Grants {
		scope := "in cluster"
		if !g.Cluster {
			scope = "in " + strings.Join(g.Namespaces, ",")
		}
		waived := ""
		if len(g.Waived) > 0 {
			waived = " waived " + strings.Join(g.Waived, ",")
		}
		w("grant %s %s%s @%s", g.Subject.Key(), scope, waived, pos(g.Span.Start.Line, g.Span.Start.Col))
		for _, r := range g.Rules {
			group := r.APIGroup
			if group == "" {
				group = "core"
			}
			named := ""
			if len(r.ResourceNames) > 0 {
				named = " named " + strings.Join(r.ResourceNames, ",")
			}
			w("  %s %s: %s%s", group, strings.Join(r.Resources, ","), strings.Join(r.Verbs, ","), named)
		}
	}
	return b.String()
}

func pos(line, col int) string { return fmt.Sprintf("%d:%d", line, col) }

func labels(ls []Label) string {
	var parts []string
	for _, l := range ls {
		parts = append(parts, l.Key+"="+l.Value)
	}
	return strings.Join(parts, ",")
}

func prefixes(ps []netip.Prefix) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, p.String())
	}
	return strings.Join(parts, ",")
}

func peer(p *Peer) string {
	var except []string
	for _, b := range p.Blocks {
		if len(b.Except) > 0 {
			except = append(except, b.CIDR.String()+" except "+prefixes(b.Except))
		}
	}
	ex := ""
	if len(except) > 0 {
		ex = "; " + strings.Join(except, "; ")
	}
	switch {
	case p.Kind == PeerCIDRs && !p.World:
		return p.Key() + "[" + prefixes(p.CIDRs) + ex + "]"
	case ex != "":
		return p.Key() + "[" + ex[2:] + "]"
	}
	return p.Key()
}

// dumpExclusion writes a workload's narrower workloads and selector terms.
func dumpExclusion(w func(string, ...any), ex Exclusion) {
	for _, n := range ex.Narrower {
		w("  leaves out %s (+%s)", n.Name, labels(n.Extra))
	}
	for _, t := range ex.Terms {
		w("  selector without %s", labels(t.Without))
	}
}
