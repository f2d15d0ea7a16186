package engine

import (
	"strconv"
	"strings"
)

// Protocol is a transport protocol of the NetworkPolicy API.
type Protocol int

const (
	TCP Protocol = iota
	UDP
	SCTP
	numProtocols
)

var protocolNames = [numProtocols]string{"TCP", "UDP", "SCTP"}

func (p Protocol) String() string { return protocolNames[p] }

// parseProtocol reads a protocol as Kubernetes spells it; empty means TCP.
func parseProtocol(s string) (Protocol, bool) {
	switch s {
	case "", "TCP":
		return TCP, true
	case "UDP":
		return UDP, true
	case "SCTP":
		return SCTP, true
	}
	return 0, false
}

// Conn is a set of connections: per protocol, a set of destination ports. The zero
// value allows nothing.
type Conn [numProtocols]PortSet

// AllConns allows every port of every protocol.
func AllConns() Conn {
	var c Conn
	for p := range c {
		c[p] = allPortSet
	}
	return c
}

// PortConn allows the ports lo to hi of one protocol.
func PortConn(p Protocol, lo, hi Port) Conn {
	var c Conn
	c[p] = single(lo, hi)
	return c
}

func (c Conn) Union(o Conn) Conn {
	for p := range c {
		c[p] = c[p].union(o[p])
	}
	return c
}

func (c Conn) Intersect(o Conn) Conn {
	for p := range c {
		c[p] = c[p].intersect(o[p])
	}
	return c
}

func (c Conn) Subtract(o Conn) Conn {
	for p := range c {
		c[p] = c[p].subtract(o[p])
	}
	return c
}

func (c Conn) IsEmpty() bool {
	for p := range c {
		if len(c[p]) > 0 {
			return false
		}
	}
	return true
}

func (c Conn) IsAll() bool {
	for p := range c {
		if !c[p].equal(allPortSet) {
			return false
		}
	}
	return true
}

func (c Conn) Equal(o Conn) bool {
	for p := range c {
		if !c[p].equal(o[p]) {
			return false
		}
	}
	return true
}

// Contains reports whether the connection to port on protocol p is in c.
func (c Conn) Contains(p Protocol, port Port) bool {
	return single(port, port).subsetOf(c[p])
}

// String is netpol-analyzer's form: "All Connections", "No Connections", or the
// protocols in name order, each with its port ranges: "TCP 80,8080-8090,UDP 53".
func (c Conn) String() string {
	if c.IsAll() {
		return "All Connections"
	}
	if c.IsEmpty() {
		return "No Connections"
	}
	var parts []string
	for _, p := range []Protocol{SCTP, TCP, UDP} { // sorted by name, as the analyzer does
		if len(c[p]) == 0 {
			continue
		}
		parts = append(parts, p.String()+" "+portsString(c[p]))
	}
	return strings.Join(parts, ",")
}

func portsString(s PortSet) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(r.Lo)))
		if r.Hi != r.Lo {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(int(r.Hi)))
		}
	}
	return b.String()
}

// Ranges lists the port ranges of protocol p, for machine-readable output.
func (c Conn) Ranges(p Protocol) [][2]int {
	var res [][2]int
	for _, r := range c[p] {
		res = append(res, [2]int{int(r.Lo), int(r.Hi)})
	}
	return res
}
