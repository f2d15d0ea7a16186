package compiler

import (
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/ast"
)

// implicitDatabases makes the undeclared target of every `as role` a postgres database
// with default settings, before any other reference is resolved, so a later plain use
// of the same name finds the database and not a new service.
func (c *compiler) implicitDatabases() {
	for _, st := range c.stmts {
		f := st.s.Flow
		if f == nil || f.Intent == nil || len(f.Intent.Roles) == 0 {
			continue
		}
		t := f.Intent.Target
		ns, name := c.refParts(st.ns, t)
		k := key(ns, name)
		if _, ok := c.databases[k]; ok || name == "world" {
			continue
		}
		if _, ok := c.services[k]; ok {
			continue // reported by lower: `as role` to a non-database
		}
		if _, ok := c.externals[k]; ok {
			continue
		}
		if _, ok := c.externalByName[name]; ok && t.Second == nil {
			continue
		}
		if !c.validWorkloadName(t) {
			continue
		}
		db := newDatabase(ns, name, ir.Postgres, t.Span())
		c.finishDatabase(db)
		c.databases[k] = db
	}
}

func (c *compiler) refParts(ns string, r *ast.Ref) (string, string) {
	if r.Second != nil {
		return r.First.Value, r.Second.Value
	}
	return ns, r.First.Value
}

// validWorkloadName checks the parts of a reference that may create a service or
// database by being used.
func (c *compiler) validWorkloadName(r *ast.Ref) bool {
	if r.Second != nil {
		if !c.checkNamespace(r.First) {
			return false
		}
	}
	if err := checkDNSLabel(r.Base().Value); err != nil {
		c.errorf(r.Base().Span(), "name %q %v", r.Base().Value, err)
		return false
	}
	return true
}

// lookup resolves a reference to a peer. When create is set, an unknown name becomes
// a service (services exist by being used); otherwise it is an error.
func (c *compiler) lookup(ns string, r *ast.Ref, create bool) *ir.Peer {
	if r.Second == nil && r.First.Value == "world" {
		return c.world
	}
	ns, name := c.refParts(ns, r)
	k := key(ns, name)
	if p, ok := c.peers[k]; ok {
		return p
	}
	var p *ir.Peer
	if s, ok := c.services[k]; ok {
		p = &ir.Peer{Kind: ir.PeerPods, Namespace: ns, Labels: s.Labels, Service: s}
	} else if d, ok := c.databases[k]; ok {
		p = &ir.Peer{Kind: ir.PeerPods, Namespace: ns, Labels: d.Labels, Database: d}
		if !d.InCluster() {
			p = &ir.Peer{Kind: ir.PeerCIDRs, CIDRs: d.CIDRs, Database: d}
		}
	} else if e, ok := c.externals[k]; ok {
		p = c.externalPeer(e)
	} else if e, ok := c.externalByName[name]; ok && r.Second == nil {
		p = c.externalPeer(e)
	} else if !create {
		c.errorf(r.Span(), "unknown name %q: no service, database or external is called that in namespace %q", name, ns)
		return nil
	} else {
		if !c.validWorkloadName(r) {
			return nil
		}
		s := &ir.Service{Namespace: ns, Name: name, Labels: defaultLabels(name), Account: name, Login: name, Span: r.Span()}
		c.services[k] = s
		p = &ir.Peer{Kind: ir.PeerPods, Namespace: ns, Labels: s.Labels, Service: s}
	}
	c.peers[k] = p
	return p
}

// externalPeer is the one peer of external e, whichever name found it, so paths to it
// compare equal however they were written.
func (c *compiler) externalPeer(e *ir.External) *ir.Peer {
	k := key(e.Namespace, e.Name)
	p, ok := c.peers[k]
	if !ok {
		p = &ir.Peer{Kind: ir.PeerCIDRs, CIDRs: e.CIDRs, External: e}
		c.peers[k] = p
	}
	return p
}

// lower resolves intents and grants in source order.
func (c *compiler) lower() {
	for _, st := range c.stmts {
		f := st.s.Flow
		if f == nil {
			continue
		}
		if f.Intent != nil {
			c.lowerIntent(st.ns, f)
		} else {
			c.lowerGrant(st.ns, f)
		}
	}
}

func (c *compiler) lowerIntent(ns string, f *ast.Flow) {
	if f.Kind != nil {
		c.errorf(f.Kind.Span(), "unexpected name %q before %q: separate sources with ',' (subject kinds such as group or user belong to grants)", f.Kind.Value, f.Sources[0].String())
		return
	}
	it := f.Intent
	to := c.lookup(ns, it.Target, true)
	if to == nil {
		return
	}
	ports, ok := c.ports(to, it.Ports)
	if !ok {
		return
	}
	var roles []*ir.Role
	if len(it.Roles) > 0 {
		if to.Database == nil {
			c.errorf(it.Target.Span(), "`as role` needs a database, but %q is %s", it.Target.String(), peerWhat(to))
			return
		}
		for _, rn := range it.Roles {
			if err := checkSQLName(rn.Value); err != nil {
				c.errorf(rn.Span(), "role name %q %v", rn.Value, err)
				continue
			}
			roles = append(roles, c.useRole(to.Database, rn))
		}
	}
	for _, src := range f.Sources {
		from := c.lookup(ns, src, true)
		if from == nil {
			continue
		}
		if from.Kind == ir.PeerCIDRs && to.Kind == ir.PeerCIDRs {
			c.errorf(f.Span(), "%s -> %s: both ends are outside the cluster, so no policy can express it", src.String(), it.Target.String())
			continue
		}
		e := &ir.Edge{From: from, To: to, Ports: ports, Roles: roles,
			Span: f.Span(), FromSpan: src.Span(), ToSpan: it.Target.Span()}
		if len(roles) > 0 {
			if from.Service == nil {
				c.errorf(src.Span(), "`as role` needs a service as the source, to log in with; %q is %s", src.String(), peerWhat(from))
				continue
			}
			c.addLogin(from.Service, to.Database, roles, e.Span)
		}
		c.prog.Edges = append(c.prog.Edges, e)
	}
}

func peerWhat(p *ir.Peer) string {
	switch {
	case p.World:
		return "the world"
	case p.Service != nil:
		return "a service"
	case p.Database != nil:
		return "a database"
	case p.External != nil:
		return "an external"
	}
	return "unknown"
}

// ports resolves a port list against the target.
func (c *compiler) ports(to *ir.Peer, ps []*ast.Port) ([]ir.Port, bool) {
	var out []ir.Port
	ok := true
	for _, p := range ps {
		proto, pok := c.protocol(p.Proto)
		if !pok {
			ok = false
			continue
		}
		if p.Name != nil {
			np, found := c.namedPortOf(to, p)
			if !found {
				ok = false
				continue
			}
			if p.Proto != nil && np.Protocol != proto {
				c.errorf(p.Proto.Span(), "port %s is declared %s, not %s", np.Name, np.Protocol, proto)
				ok = false
				continue
			}
			out = append(out, ir.Port{Protocol: np.Protocol, Port: np.Port, Name: np.Name, Span: p.Span()})
			continue
		}
		n, nok := c.portNumber(p.Number, p.Span())
		if !nok {
			ok = false
			continue
		}
		port := ir.Port{Protocol: proto, Port: n, Span: p.Span()}
		if p.End != "" {
			e, eok := c.portNumber(p.End, p.Span())
			if !eok {
				ok = false
				continue
			}
			if e < n {
				c.errorf(p.Span(), "port range %d-%d is empty: the end is below the start", n, e)
				ok = false
				continue
			}
			if e > n {
				port.EndPort = e
			}
		}
		out = append(out, port)
	}
	return out, ok
}

func (c *compiler) namedPortOf(to *ir.Peer, p *ast.Port) (ir.NamedPort, bool) {
	if to.Service == nil {
		c.errorf(p.Name.Span(), "named port %q needs a service target that declares it; use a number", p.Name.Value)
		return ir.NamedPort{}, false
	}
	for _, np := range to.Service.Ports {
		if np.Name == p.Name.Value {
			return np, true
		}
	}
	where := "service declared here"
	if !to.Service.Declared {
		where = "service first used here; declare its ports with `service NAME { port NAME NUMBER }`"
	}
	c.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: p.Name.Span(),
		Message: "service " + quoteName(to.Key()) + " has no port named " + quoteName(p.Name.Value),
		Related: []diag.Related{{Span: to.Service.Span, Message: where}}})
	return ir.NamedPort{}, false
}

// useRole returns the role named by `as role`, creating an undeclared one.
func (c *compiler) useRole(db *ir.Database, n *ast.Name) *ir.Role {
	k := roleKey{db, n.Value}
	if r, ok := c.roles[k]; ok {
		return r
	}
	r := &ir.Role{Database: db, Name: n.Value, Span: n.Span()}
	c.roles[k] = r
	return r
}

func (c *compiler) addLogin(s *ir.Service, db *ir.Database, roles []*ir.Role, span diag.Span) {
	k := roleKey{db, s.Login}
	l, ok := c.logins[k]
	if !ok {
		l = &ir.Login{Database: db, Name: s.Login, Service: s, Span: span}
		c.logins[k] = l
	} else if l.Service != s {
		c.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: span,
			Message: "services " + quoteName(l.Service.Namespace+"/"+l.Service.Name) + " and " + quoteName(s.Namespace+"/"+s.Name) +
				" would share the login " + quoteName(s.Login) + " on database " + quoteName(db.Namespace+"/"+db.Name) + "; give one a distinct `login`",
			Related: []diag.Related{{Span: l.Span, Message: "first login made here"}}})
		return
	}
	l.Roles = append(l.Roles, roles...)
}
