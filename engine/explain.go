package engine

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
)

// PortQuery is the port part of DST[:PORT[/PROTO]]: a number or a named port of the
// destination, TCP unless a protocol is given. The zero value asks about every port.
type PortQuery struct {
	Set   bool
	Port  Port
	Name  string // a named port, resolved against the destination's containers
	Proto Protocol
	// ProtoSet is true when the query names the protocol (a named port then must
	// have it).
	ProtoSet bool
}

// ParseTarget splits DST[:PORT[/PROTO]]. An IPv6 address needs brackets to carry a
// port: [2001:db8::1]:443.
func ParseTarget(s string) (string, PortQuery, error) {
	var q PortQuery
	name, port := s, ""
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.Index(s, "]")
		if end < 0 {
			return "", q, fmt.Errorf("%q: missing ]", s)
		}
		name, port = s[1:end], strings.TrimPrefix(s[end+1:], ":")
	case strings.Count(s, ":") == 1:
		name, port, _ = strings.Cut(s, ":")
	}
	if port == "" {
		return name, q, nil
	}
	q.Set = true
	if p, proto, ok := strings.Cut(port, "/"); ok {
		pr, good := parseProtocol(strings.ToUpper(proto))
		if !good || proto == "" {
			return "", q, fmt.Errorf("%q: protocol %q is not tcp, udp or sctp", s, proto)
		}
		q.Proto, q.ProtoSet, port = pr, true, p
	}
	if n, err := strconv.Atoi(port); err == nil {
		if n < int(minPort) || n > int(maxPort) {
			return "", q, fmt.Errorf("%q: port %d is not within 1-65535", s, n)
		}
		q.Port = Port(n)
	} else {
		q.Name = port
	}
	return name, q, nil
}

// resolve turns a named port into a number on the destination; ok false when it has
// no such port (or with another protocol).
func (q PortQuery) resolve(dst Endpoint) (PortQuery, bool) {
	if q.Name == "" {
		return q, true
	}
	if dst.Workload == nil {
		return q, false
	}
	proto, port, ok := dst.Workload.namedPort(q.Name)
	if !ok || (q.ProtoSet && proto != q.Proto) {
		return q, false
	}
	q.Port, q.Proto = port, proto
	return q, true
}

func (q PortQuery) String() string {
	if !q.Set {
		return "every port"
	}
	if q.Port == 0 {
		return q.Name + "/" + q.Proto.String()
	}
	return fmt.Sprintf("%s %d", q.Proto, q.Port)
}

// Endpoint finds a workload by NS/NAME[KIND], NS/NAME or NAME (namespace default, else
// the only workload of that name), or an address or CIDR.
func (c *Cluster) Endpoint(name string) (Endpoint, error) {
	c.objects()
	if a, err := netip.ParseAddr(name); err == nil {
		return Endpoint{IPs: IPSet{{a, a}}}, nil
	}
	if p, err := netip.ParsePrefix(name); err == nil {
		return Endpoint{IPs: prefixSet(p)}, nil
	}
	if w, amb := c.Workload(name); w != nil {
		return Endpoint{Workload: w}, nil
	} else if len(amb) > 1 {
		return Endpoint{}, fmt.Errorf("%s is ambiguous: %s", name, names(amb))
	}
	if !strings.Contains(name, "/") {
		var found []*Workload
		for _, w := range c.Workloads {
			if w.Name == name {
				found = append(found, w)
			}
		}
		if len(found) == 1 {
			return Endpoint{Workload: found[0]}, nil
		}
		if len(found) > 1 {
			return Endpoint{}, fmt.Errorf("%s is ambiguous: %s; name the namespace", name, names(found))
		}
	}
	return Endpoint{}, fmt.Errorf("no workload %s (and it is not an address or CIDR)", name)
}

func names(ws []*Workload) string {
	var s []string
	for _, w := range ws {
		s = append(s, w.String())
	}
	return strings.Join(s, ", ")
}

// Answer is Explain's result for a query.
type Answer struct {
	*Explanation
	Port      PortQuery // resolved when it was a name the destination has
	Permitted bool
	Missing   string // why the port could not be asked about, when it could not
}

// Ask decides one query: is src allowed to open dst on the port (on anything, without
// one), and which policies and rules decide.
func (c *Cluster) Ask(src, dst Endpoint, q PortQuery) *Answer {
	a := &Answer{Explanation: c.Explain(src, dst), Port: q}
	if !q.Set {
		a.Permitted = !a.Allowed.IsEmpty()
		return a
	}
	r, ok := q.resolve(dst)
	if !ok {
		a.Missing = fmt.Sprintf("%s has no port named %s", dst, q.Name)
		return a
	}
	a.Port = r
	a.Permitted = a.Allowed.Contains(r.Proto, r.Port)
	return a
}

// Intent is an intent statement, by position and as the IR resolved it.
type Intent struct {
	Span diag.Span
	Text string // "shop/frontend -> shop/backend TCP 8080"
	Why  string // for a near miss: what makes it one
}

// IntentsFor lists the intents of p that open src -> dst on q (every port when not
// set) and, when none does, the near misses: the same pair on other ports, the
// reverse direction, and the same names in another namespace.
func IntentsFor(p *ir.Program, src, dst Endpoint, q PortQuery) (opens, near []Intent) {
	for _, e := range p.Edges {
		from, to := peerMatches(e.From, src), peerMatches(e.To, dst)
		switch {
		case from && to && (!q.Set || q.Port == 0 || edgeConn(e).Contains(q.Proto, q.Port)):
			opens = append(opens, intent(e, ""))
		case from && to:
			near = append(near, intent(e, "the same pair, other ports"))
		case peerMatches(e.From, dst) && peerMatches(e.To, src):
			near = append(near, intent(e, "the reverse direction"))
		case sameName(e.From, src) && sameName(e.To, dst):
			near = append(near, intent(e, "the same names in another namespace"))
		}
	}
	return opens, near
}

func intent(e *ir.Edge, why string) Intent {
	ports := "every port"
	if len(e.Ports) > 0 {
		ports = edgeConn(e).String()
	}
	return Intent{Span: e.Span, Text: e.From.Key() + " -> " + e.To.Key() + " " + ports, Why: why}
}

func edgeConn(e *ir.Edge) Conn {
	if len(e.Ports) == 0 {
		return AllConns()
	}
	var c Conn
	for _, pt := range e.Ports {
		proto, _ := parseProtocol(string(pt.Protocol))
		hi := pt.EndPort
		if hi == 0 {
			hi = pt.Port
		}
		c = c.Union(PortConn(proto, Port(pt.Port), Port(hi)))
	}
	return c
}

// peerMatches reports whether an intent's peer is the endpoint: the same service or
// database (the workloads FromProgram makes), or addresses within its CIDRs.
func peerMatches(p *ir.Peer, e Endpoint) bool {
	if e.Workload != nil {
		if p.Kind != ir.PeerPods || e.Workload.Kind != KindService && e.Workload.Kind != KindDatabase {
			return false
		}
		if p.Service == nil && p.Database == nil && p.External == nil {
			return p.Key() == e.Workload.Namespace+"/"+e.Workload.Name
		}
		ns, name := peerName(p)
		return joinedEqual(ns, name, e.Workload.Namespace, e.Workload.Name)
	}
	if p.Kind != ir.PeerCIDRs || len(e.IPs) == 0 {
		return false
	}
	if p.World {
		return e.IPs.subsetOf(ipv4All.union(ipv6All))
	}
	var s IPSet
	for _, c := range p.CIDRs {
		s = s.union(prefixSet(c))
	}
	return e.IPs.subsetOf(s)
}

func sameName(p *ir.Peer, e Endpoint) bool {
	if e.Workload == nil || p.Kind != ir.PeerPods {
		return false
	}
	_, name := peerName(p) // the last part of Key, NS/NAME
	return name[strings.LastIndex(name, "/")+1:] == e.Workload.Name
}

// peerName is the namespace and name of a pod peer, whose Key is NS/NAME: IntentsFor
// compares them for each of 250,000 edges without concatenating.
func peerName(p *ir.Peer) (ns, name string) {
	switch {
	case p.Service != nil:
		return p.Service.Namespace, p.Service.Name
	case p.Database != nil:
		return p.Database.Namespace, p.Database.Name
	case p.External != nil:
		return p.External.Namespace, p.External.Name
	}
	k := p.Key()
	return "", k[strings.LastIndex(k, "/")+1:]
}

// joinedEqual reports whether a1+"/"+a2 == b1+"/"+b2.
func joinedEqual(a1, a2, b1, b2 string) bool {
	if len(a1)+len(a2) != len(b1)+len(b2) {
		return false
	}
	if len(a1) == len(b1) {
		return a1 == b1 && a2 == b2
	}
	return a1+"/"+a2 == b1+"/"+b2
}
